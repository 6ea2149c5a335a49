"""Secrets never reach the logs: the suite-wide scan works, and the redactor masks tokens."""

from __future__ import annotations

import logging

from bot.logs import Redactor, guard
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


def test_a_guarded_library_logger_is_scrubbed_before_any_handler_sees_it() -> None:
    # httpx logs every request URL at INFO, and a Telegram URL carries the token; the guard
    # sits on the library's own logger, so even a handler without our redactor is safe.
    before = len(_scan.leaks)
    logger = logging.getLogger("probe.library")
    logger.setLevel(logging.INFO)
    guard(["probe.library"], [SECRETS[0]])
    guard(["probe.library"], [SECRETS[0]])  # installing twice adds no second filter
    logger.info("HTTP Request: POST http://127.0.0.1/bot%s/getMe", SECRETS[0])
    assert len(_scan.leaks) == before
    assert sum(isinstance(f, Redactor) for f in logger.filters) == 1
