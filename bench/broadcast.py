"""Benchmark: one notice to 1,000 Telegram groups on the fake Bot API, limited to 30 messages/s.

    .venv/bin/python bench/broadcast.py [--chats 1000] [--rate 30] [--faults 0.02]

Runs the real core (publish transaction, outbox worker, pacing, retries)
on a temporary SQLite file against tests/fakes/telegram_api.py, through a
messenger the Telegram adapter uses (HTML rendering, splitting, its error
mapping), on python-telegram-bot's `Bot`; `--minimal` swaps in a bare
plain-text messenger to see what the adapter's messenger costs. Prints
elapsed time ÷ the ideal (chats ÷ rate seconds), the 429 answers the fake
gave, and duplicates and losses counted from the fake's own records.
Target: ratio ≤ 1.05, 0 duplicates, 0 losses.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.request import HTTPXRequest

from adapters.console.render import render
from adapters.telegram.messenger import TelegramMessenger
from bot.app import App
from bot.clock import SystemClock
from bot.events import ChatKind, ChatRef, CommandInvoked, Platform, UserRef
from bot.ports import DeliveryError
from bot.records import DeliveryStatus
from bot.replies import Reply, SentMessage
from scheduling.pacing import Limits
from tests.fakes.telegram_api import FakeTelegram
from tests.support import open_store, settings_for_tests


class BotApiMessenger:
    """Just enough of a Telegram messenger for the benchmark: plain-text sends."""

    platform = Platform.TELEGRAM

    def __init__(self, bot: Bot, limits: Limits) -> None:
        self.bot = bot
        self.limits = limits
        self.answers_429 = 0

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        """sendMessage; Bot API errors become DeliveryErrors the outbox understands."""
        try:
            message = await self.bot.send_message(int(chat.id), render(reply.body))
        except RetryAfter as err:
            self.answers_429 += 1
            wait = err.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise DeliveryError(str(err), transient=True, retry_after=seconds) from err
        except Forbidden as err:
            raise DeliveryError(str(err), chat_gone=True) from err
        except BadRequest as err:
            raise DeliveryError(str(err), chat_gone="not found" in str(err).lower()) from err
        except NetworkError as err:
            raise DeliveryError(str(err), transient=True) from err
        return SentMessage(chat, (str(message.message_id),))

    async def edit(self, chat: ChatRef, message_ids: Sequence[str], reply: Reply) -> None:
        """Not needed here."""

    async def delete(self, chat: ChatRef, message_ids: Sequence[str]) -> None:
        """Not needed here."""

    async def unpin(self, chat: ChatRef, message_id: str) -> None:
        """Not needed here."""


class ConsoleSink:
    """Takes the broadcaster's report messages (console platform) and drops them."""

    platform = Platform.CONSOLE
    limits = Limits()

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        """Accept."""
        return SentMessage(chat, ("r1",))

    async def edit(self, chat: ChatRef, message_ids: Sequence[str], reply: Reply) -> None:
        """Accept."""

    async def delete(self, chat: ChatRef, message_ids: Sequence[str]) -> None:
        """Accept."""

    async def unpin(self, chat: ChatRef, message_id: str) -> None:
        """Accept."""


async def run(chats: int, rate: int, faults: float = 0.0,
              real_messenger: bool = True) -> dict[str, float]:
    """Publish one notice to `chats` groups and measure the broadcast."""
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeTelegram() as fake, open_store(f"sqlite+aiosqlite:///{tmp}/b.db",
                                                      clock) as store:  # type: ignore[arg-type]
            fake.set_rate_limits(global_per_second=rate)
            if faults:
                fake.set_fault_rate(faults, seed=7)  # injected 429s and 5xx answers
            request = HTTPXRequest(connection_pool_size=64, pool_timeout=30)
            bot = Bot(fake.token, base_url=fake.base_url, request=request)
            await bot.initialize()
            app = App(settings_for_tests(), store, clock)
            if real_messenger:
                # The Telegram adapter's own messenger (HTML rendering, its error mapping).
                messenger: Any = TelegramMessenger(bot)
                app.add_messenger(messenger, Limits(per_second=rate, group_per_minute=20))
            else:
                messenger = BotApiMessenger(bot, Limits(per_second=rate, group_per_minute=20))
                app.add_messenger(messenger)
            app.add_messenger(ConsoleSink())
            org = await store.notices.add_org("mx-madrid", "Consulado de México", "MX", "es")
            assert org is not None
            await store.notices.attach(org.id, Platform.CONSOLE, "consul")
            for n in range(chats):
                chat_id = -1_000_000 - n
                fake.add_chat(chat_id, "supergroup", f"Group {n}")
                chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, str(chat_id),
                                                        ChatKind.GROUP, f"Group {n}"), "es")
                await store.notices.subscribe(chat.id, org.id, [], None)
            await app.start()
            consul = UserRef(Platform.CONSOLE, "consul", "Consul")
            private = ChatRef(Platform.CONSOLE, "consul", ChatKind.PRIVATE)

            async def command(line: str) -> None:
                name, _sep, args = line.partition(" ")
                await app.handle(CommandInvoked(chat=private, user=consul, command=name,
                                                args=args))

            await command("notice new Aviso | La oficina cierra el lunes. | documents | es")
            started = time.monotonic()
            await command("notice publish 1")
            wanted = {-1_000_000 - n for n in range(chats)}
            # Watch the fake's records (no database load that would slow the broadcast down).
            polls = 0
            while len({m.chat_id for m in fake.all_sent()} & wanted) < chats:
                polls += 1
                if polls % 100 == 0 and not await store.outbox.depth():
                    break  # some copies failed for good: nothing left to wait for
                await asyncio.sleep(0.02)
            elapsed = time.monotonic() - started
            copies = await store.notices.copies(1)
            await app.stop()
            await bot.shutdown()
            per_chat = Counter(m.chat_id for m in fake.all_sent())
            return {
                "chats": chats,
                "elapsed_s": round(elapsed, 2),
                "ideal_s": round(chats / rate, 2),
                "ratio": round(elapsed / (chats / rate), 3),
                "answers_429": getattr(messenger, "answers_429", fake.rate_limited),
                "of_them_flood_limit": fake.rate_limited,
                "faults_injected": fake.faults_injected,
                "duplicates": sum(c - 1 for c in per_chat.values() if c > 1),
                "losses": len(wanted - set(per_chat)),
                "failed": sum(1 for c in copies if c.status == DeliveryStatus.FAILED),
            }


def main() -> None:
    """Parse arguments, run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=30)
    parser.add_argument("--faults", type=float, default=0.0,
                        help="share of sends the fake fails with a 429 or a 5xx")
    parser.add_argument("--minimal", action="store_true",
                        help="a bare plain-text messenger instead of the Telegram adapter's")
    args = parser.parse_args()
    figures = asyncio.run(run(args.chats, args.rate, args.faults, not args.minimal))
    for key, value in figures.items():
        print(f"{key:20} {value}")


if __name__ == "__main__":
    main()
