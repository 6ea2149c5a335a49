"""Per-person flood control: a burst of commands gets one polite notice, not one each."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Window:
    stamps: deque[float] = field(default_factory=deque)
    warned: bool = False


class Throttle:
    """At most `limit` actions per `seconds` per person (real time, per process)."""

    def __init__(self, limit: int, seconds: float, *, max_people: int = 100_000) -> None:
        self.limit = limit
        self.seconds = seconds
        self.max_people = max_people
        self._people: dict[str, _Window] = {}

    def check(self, who: str, now: float | None = None) -> str:
        """ "ok", "warn" (the first refusal of a burst) or "drop" (refused silently)."""
        if self.limit <= 0:
            return "ok"
        now = time.monotonic() if now is None else now
        window = self._people.get(who)
        if window is None:
            if len(self._people) >= self.max_people:
                self._forget_idle(now)
            window = self._people[who] = _Window()
        while window.stamps and now - window.stamps[0] >= self.seconds:
            window.stamps.popleft()
        if len(window.stamps) < self.limit:
            window.stamps.append(now)
            window.warned = False
            return "ok"
        if window.warned:
            return "drop"
        window.warned = True
        return "warn"

    def retry_in(self, who: str, now: float | None = None) -> float:
        """Seconds until `who` may act again (0 when they may now)."""
        window = self._people.get(who)
        if self.limit <= 0 or window is None or len(window.stamps) < self.limit:
            return 0.0
        now = time.monotonic() if now is None else now
        # Refused actions leave no stamp, so the oldest stamp alone decides.
        return max(0.0, window.stamps[0] + self.seconds - now)

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, w in self._people.items()
                if not w.stamps or now - w.stamps[-1] >= self.seconds]
        for key in idle:
            del self._people[key]


def parse_rate(value: str) -> tuple[int, float]:
    """ "10/10" → (10, 10.0): ten actions per ten seconds; "0" turns the limit off."""
    count, _, seconds = value.partition("/")
    return int(count), float(seconds or 1)
