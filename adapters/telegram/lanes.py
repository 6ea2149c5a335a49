"""Updates of different chats handled side by side; each chat's updates in order.

While one chat's reply waits on the network or the database, the next
chat's update is already being handled. `limit` bounds how many chats are
handled at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable


class Lanes:
    """One ordered lane per key (a chat), at most `limit` lanes running at once."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._slots = asyncio.Semaphore(self.limit)
        self._tails: dict[Hashable, asyncio.Task[None]] = {}

    def submit(self, key: Hashable, job: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Run `job` after every job submitted earlier under `key`."""
        before = self._tails.get(key)

        async def run() -> None:
            if before is not None:
                with contextlib.suppress(BaseException):
                    await asyncio.shield(before)
            async with self._slots:
                await job()

        task = asyncio.create_task(run())
        self._tails[key] = task
        task.add_done_callback(lambda t: self._tails.pop(key) if self._tails.get(key) is t
                               else None)
        return task

    @property
    def busy(self) -> int:
        """How many lanes have work queued or running."""
        return len(self._tails)

    async def drain(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait for queued work to finish; False if some was still running at the deadline."""
        tasks = list(self._tails.values())
        if not tasks:
            return True
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        return not pending
