"""Clocks: the system's, and one tests can move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SystemClock:
    """The real time, UTC."""

    def now(self) -> datetime:
        """Now."""
        return datetime.now(UTC)


class FakeClock:
    """A clock that stands still until moved (tests, benchmarks)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """The fake now."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta`."""
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to `moment`."""
        self._now = moment
