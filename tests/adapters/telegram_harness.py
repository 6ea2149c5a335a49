"""The real Telegram adapter, on the real core and a test database, against FakeTelegram.

    async with telegram_harness(db_url) as tg:
        tg.fake.add_user(42, "Ada", language_code="es")
        [reply] = await tg.command(42, 42, "/help")       # the bot's new messages in chat 42
        answer, new = await tg.press(42, 42, reply.message_id, reply.callback_data[0])
        await tg.settle()                                  # deliver what the outbox holds

Each call waits until the adapter has handled the pushed update (no sleeps). Feature
tests use it to see what a Telegram user sees: `MessageRecord.text` is the text after
Telegram parsed our HTML, `.entities` the formatting, `.buttons` the inline keyboard.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from adapters.telegram import TelegramAdapter
from adapters.telegram.messenger import Retry
from bot.app import App
from bot.clock import FakeClock
from bot.feature import Feature
from storage.store import SqlStore
from tests.fakes.telegram_api import FakeTelegram, MessageRecord, PushedUpdate
from tests.fakes.telegram_updates import JSON
from tests.support import open_store, settings_for_tests

# Fast retries in tests: 5xx backoff of 10 ms; 429 still waits the retry_after it is given.
TEST_RETRY = Retry(attempts=4, backoff=0.01, max_wait=5.0)


@dataclass
class TelegramHarness:
    """A running bot on FakeTelegram, driven one update at a time."""

    fake: FakeTelegram
    app: App
    adapter: TelegramAdapter
    store: SqlStore
    clock: FakeClock

    def mark(self) -> int:
        """A bookmark in everything the bot has sent (for `sent_since`)."""
        return len(self.fake.all_sent())

    def sent_since(self, mark: int, chat_id: int | None = None) -> list[MessageRecord]:
        """Messages the bot sent after `mark`, optionally in one chat."""
        sent = self.fake.all_sent()[mark:]
        return [m for m in sent if chat_id is None or m.chat_id == chat_id]

    async def handled(self, pushed: PushedUpdate, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the adapter has handled a pushed update."""
        await self.adapter.wait_handled(pushed.update_id, timeout)

    async def command(self, chat_id: int, user_id: int, text: str) -> list[MessageRecord]:
        """Send `/command args` as `user_id` in `chat_id`; the bot's new messages there."""
        mark = self.mark()
        await self.handled(self.fake.push_command(chat_id, user_id, text))
        return self.sent_since(mark, chat_id)

    async def reply(self, chat_id: int, user_id: int, text: str,
                    reply_to: int) -> list[MessageRecord]:
        """Send `text` as a reply to message `reply_to`; the bot's new messages there."""
        mark = self.mark()
        await self.handled(self.fake.push_reply(chat_id, user_id, text, reply_to))
        return self.sent_since(mark, chat_id)

    async def press(self, chat_id: int, user_id: int, message_id: int,
                    data: str) -> tuple[JSON, list[MessageRecord]]:
        """Press a button; the callback answer and the bot's new messages in the chat."""
        mark = self.mark()
        query_id = self.fake.push_callback(chat_id, user_id, message_id, data)
        update_id = self.fake.last_update_id
        assert update_id is not None
        await self.adapter.wait_handled(update_id, 10.0)
        answer = await self.fake.wait_for_callback_answer(query_id)
        return answer, self.sent_since(mark, chat_id)

    async def push(self, pushed: PushedUpdate | Sequence[PushedUpdate]) -> None:
        """Wait for updates queued with the fake's own push_* helpers."""
        for one in [pushed] if isinstance(pushed, PushedUpdate) else pushed:
            await self.handled(one)

    async def settle(self) -> None:
        """Deliver everything the outbox holds now."""
        await self.app.worker.drain(within=10)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def telegram_harness(db_url: str, *, features: Sequence[Feature] | None = None,
                           clock: FakeClock | None = None, webhook: bool = False,
                           fake: FakeTelegram | None = None,
                           **settings: Any) -> AsyncIterator[TelegramHarness]:
    """Start FakeTelegram, a store on `db_url`, the App and the adapter (polling by default)."""
    clock = clock or FakeClock()
    server = fake or FakeTelegram()
    async with server, open_store(db_url, clock) as store:
        config: dict[str, Any] = {"telegram_bot_token": server.token,
                                  "telegram_api_base_url": server.base_url, "operator_ids": []}
        if webhook:
            port = free_port()
            config.update(telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
                          telegram_webhook_listen=f"127.0.0.1:{port}")
        config.update(settings)
        app = App(settings_for_tests(**config), store, clock, features)
        adapter = TelegramAdapter(app, app.settings, retry=TEST_RETRY, poll_timeout=1)
        await app.start()
        await adapter.start()
        try:
            yield TelegramHarness(server, app, adapter, store, clock)
        finally:
            await adapter.stop()
            await app.stop()
