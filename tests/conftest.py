"""Fixtures shared by every test."""

from __future__ import annotations

import logging
import os

# python-telegram-bot warns (an error under our filterwarnings) unless told to use
# timedelta for retry_after and friends; set it before telegram is imported.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.i18n import set_locale
from tests.support import PG_URL, Harness, backends, database_url, make_harness, open_store

_ran_on_postgres = False

# Secrets the suite uses: none may ever be written to a log, at any level from INFO up.
SECRETS = ("123456:TEST-TOKEN", "MTA-fake-bot-token.GfAkE0.not-a-real-token",
           "fuzz-secret-key-0123456789")


class _SecretScan(logging.Handler):
    """Keeps every log line of the run whose text contains a secret."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.leaks: list[str] = []
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.seen += 1
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is not our concern here
            return
        if record.exc_info and record.exc_info[1] is not None:
            text += repr(record.exc_info[1])
        for secret in SECRETS:
            if secret in text:
                self.leaks.append(f"{record.name}: {text[:200]}")


_scan = _SecretScan()


def pytest_configure(config: pytest.Config) -> None:
    """Scan everything logged at INFO and above during the run."""
    root = logging.getLogger()
    root.addHandler(_scan)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


@pytest.fixture(autouse=True)
def _english_by_default() -> None:
    set_locale("en")


@pytest.fixture(params=backends())
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database on each backend (SQLite always; PostgreSQL with TEST_DATABASE_URL)."""
    global _ran_on_postgres
    if request.param == "postgresql":
        _ran_on_postgres = True
    return await database_url(request.param, tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    """A clock that only moves when told."""
    return FakeClock()


@pytest.fixture
async def store(db_url: str, clock: FakeClock) -> AsyncIterator[object]:
    """A migrated store on each backend."""
    async with open_store(db_url, clock) as s:
        yield s


@pytest.fixture
async def harness(db_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    """The real core on each backend, driven one line at a time."""
    async with make_harness(db_url, clock) as h:
        yield h


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A secret in the logs fails the run; under CI (REQUIRE_POSTGRES=1) so does a run that
    never touched PostgreSQL."""
    if _scan.leaks:
        print(f"\nsecrets found in {len(_scan.leaks)} log lines:", *_scan.leaks[:5], sep="\n  ")
        session.exitstatus = 1
    required = os.environ.get("REQUIRE_POSTGRES") == "1" and session.testscollected
    if required and (not PG_URL or not _ran_on_postgres):
        print("\nREQUIRE_POSTGRES=1 but no test ran on PostgreSQL (set TEST_DATABASE_URL).")
        session.exitstatus = 1
