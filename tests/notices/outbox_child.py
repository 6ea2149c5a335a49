"""A delivery worker in a process of its own, for the kill -9 test.

    python -m tests.notices.outbox_child DB_FILE OUT_FILE

Sends what the outbox of the SQLite file holds through a messenger that
appends one JSON line per message to OUT_FILE (one write call each, so a
line written is a message "the platform has" even if the process is killed
right after) and can look a send up by its key, as Discord's nonce allows.
Exits when nothing is left to send.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Sequence

from bot.clock import SystemClock
from bot.events import ChatRef, Platform
from bot.replies import Reply, SentMessage
from scheduling.outbox import OutboxWorker
from scheduling.pacing import Limits
from storage.store import SqlStore


class FileMessenger:
    """Appends each send to a file; finds earlier sends by key."""

    platform = Platform.TELEGRAM
    limits = Limits(per_second=300)

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        """Write the message, then take a moment to answer (the dangerous window)."""
        line = json.dumps({"chat": chat.id, "key": key, "text": reply.body.plain()[:60]})
        os.write(self.fd, (line + "\n").encode())
        await asyncio.sleep(0.003)
        return SentMessage(chat, (str(key),))

    async def find_sent(self, chat: ChatRef, key: str) -> SentMessage | None:
        """The earlier send with this key, if the file has it."""
        return SentMessage(chat, (key,)) if self._written(key) else None

    def _written(self, key: str) -> bool:
        with open(self.path, encoding="utf-8") as fh:
            return any(raw.strip() and json.loads(raw)["key"] == key for raw in fh)

    async def edit(self, chat: ChatRef, message_ids: Sequence[str], reply: Reply) -> None:
        """Not used here."""

    async def delete(self, chat: ChatRef, message_ids: Sequence[str]) -> None:
        """Not used here."""

    async def unpin(self, chat: ChatRef, message_id: str) -> None:
        """Not used here."""


async def main(db: str, out: str) -> None:
    """Deliver everything, then stop."""
    clock = SystemClock()
    store = SqlStore.from_url(f"sqlite+aiosqlite:///{db}", clock)
    worker = OutboxWorker(store, clock)
    worker.add_messenger(FileMessenger(out))
    await worker.start()
    print("started", flush=True)
    await worker.drain(within=60)
    await worker.stop()
    await store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
