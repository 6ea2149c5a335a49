"""Secrets never reach the logs: the suite-wide scan works, and the redactor masks tokens."""

from __future__ import annotations

import logging

from bot.logs import Redactor
from tests.conftest import SECRETS, _scan


def test_the_suite_wide_scan_catches_a_leak() -> None:
    before = len(_scan.leaks)
    logging.getLogger("probe").warning("token is %s", SECRETS[0])
    assert len(_scan.leaks) == before + 1
    del _scan.leaks[before:]  # this one was on purpose


def test_the_redactor_masks_configured_secrets_and_token_shapes() -> None:
    redactor = Redactor(["s3cr3t-value-xyz"])
    assert redactor.scrub("key s3cr3t-value-xyz here") == "key *** here"
    assert "***" in redactor.scrub("url https://api.telegram.org/bot1234567:" + "A" * 35 + "/x")
