"""Pacing sends to stay under each platform's limits (token buckets)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """A platform's send limits: overall, per shared chat, per private chat."""

    per_second: float = 0.0  # 0: unlimited
    group_per_minute: float = 0.0
    private_per_second: float = 0.0


class Bucket:
    """A token bucket: `rate` tokens a second, holding at most `burst`."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()
        self.lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    async def take(self) -> None:
        """Wait for one token."""
        async with self.lock:
            self._refill()
            while self.tokens < 1:
                await asyncio.sleep((1 - self.tokens) / self.rate)
                self._refill()
            self.tokens -= 1

    def penalise(self, seconds: float) -> None:
        """Spend ahead: the platform asked us to wait (429 retry_after)."""
        self._refill()
        self.tokens = min(self.tokens, 0) - seconds * self.rate


class Pacer:
    """Buckets for one platform: one overall, one per chat."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        # A burst of one keeps the overall rate even; chats may burst a little.
        self.overall = Bucket(limits.per_second, 1) if limits.per_second else None
        self.chats: dict[str, Bucket] = {}

    def _chat_bucket(self, chat_key: str, private: bool) -> Bucket | None:
        rate = (self.limits.private_per_second if private
                else self.limits.group_per_minute / 60.0)
        if not rate:
            return None
        bucket = self.chats.get(chat_key)
        if bucket is None:
            burst = 1.0 if private else max(1.0, min(3.0, self.limits.group_per_minute / 6))
            bucket = self.chats[chat_key] = Bucket(rate, burst)
        return bucket

    async def wait(self, chat_key: str, private: bool) -> None:
        """Wait until a message to this chat fits within the limits."""
        bucket = self._chat_bucket(chat_key, private)
        if bucket is not None:
            await bucket.take()
        if self.overall is not None:
            await self.overall.take()

    def share(self, processes: int) -> None:
        """Send at 1/`processes` of the overall limit: that many processes send at once."""
        if self.overall is not None:
            self.overall._refill()
            self.overall.rate = self.limits.per_second / max(1, processes)

    @property
    def rate(self) -> float:
        """Messages a second this process may send overall now (0: unlimited)."""
        return self.overall.rate if self.overall is not None else 0.0

    def back_off(self, seconds: float) -> None:
        """Slow everything down after the platform answered 429."""
        if self.overall is not None:
            self.overall.penalise(seconds)
