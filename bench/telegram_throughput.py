"""How fast the Telegram adapter answers private /help, beside a bare PTB bot on the same fake.

    .venv/bin/python bench/telegram_throughput.py [-n 1000] [--users 100] [--db URL]
        [--latency SECONDS] [--concurrency N] [--breakdown] [--profile]

N `/help` updates from private chats are pushed into FakeTelegram (a loopback Bot API)
while each bot is polling, and timed until every one is answered. The bare bot is
python-telegram-bot alone: a CommandHandler that sends the same HTML our bot sends
for /help, so the difference is our work (core, database, rendering). Prints updates
per second for both and the ratio (ours ÷ bare). `--breakdown` shows where our time
goes per update; `--profile` prints cProfile's view; `--latency` adds a network delay
to every Bot API request (loopback has none, the real Telegram tens of milliseconds).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from adapters.telegram import TelegramAdapter
from adapters.telegram.inbound import UpdateReader
from adapters.telegram.outbound import Responder
from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.router import Router
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.fakes.telegram_api import FakeTelegram

FIRST_USER = 10_000
PHASES: Counter[str] = Counter()


def push_help(fake: FakeTelegram, n: int, users: int) -> None:
    """N private /help commands from `users` people, round robin."""
    for i in range(n):
        uid = FIRST_USER + i % users
        fake.push_command(uid, uid, "/help")


def new_fake(users: int, latency: float) -> FakeTelegram:
    fake = FakeTelegram()
    fake.latency = latency
    for uid in range(FIRST_USER, FIRST_USER + users):
        fake.add_user(uid, f"User {uid}", language_code="en")
    return fake


async def timed(fake: FakeTelegram, n: int) -> float:
    """Push N updates and return updates per second until all are answered."""
    before = len(fake.all_sent())
    start = time.perf_counter()
    push_help(fake, n, len(fake.users))
    await fake.wait_until(lambda: len(fake.all_sent()) >= before + n, timeout=900,
                          what=f"{n} answers")
    return n / (time.perf_counter() - start)


async def run_bare(n: int, users: int, html: str, latency: float) -> float:
    """Updates per second of python-telegram-bot alone."""
    async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(html, parse_mode=ParseMode.HTML)

    async with new_fake(users, latency) as fake:
        app = (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
               .base_file_url(fake.base_file_url).build())
        app.add_handler(CommandHandler("help", on_help))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            rate = await timed(fake, n)
            await app.updater.stop()
            await app.stop()
    return rate


async def run_ours(n: int, users: int, db_url: str, latency: float,
                   concurrency: int | None, profile: cProfile.Profile | None,
                   ) -> tuple[float, str]:
    """Updates per second of the adapter on the real core; also the HTML it sent."""
    clock = FakeClock()
    async with new_fake(users, latency) as fake:
        store = SqlStore.from_url(db_url, clock)
        await upgrade(store.engine)
        settings = Settings(_env_file=None, database_url=db_url,  # type: ignore[call-arg]
                            telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url)
        app = App(settings, store, clock)
        options: dict[str, Any] = {} if concurrency is None else {"concurrency": concurrency}
        adapter = TelegramAdapter(app, settings, poll_timeout=1, **options)
        await app.start()
        await adapter.start()
        if profile:
            profile.enable()
        rate = await timed(fake, n)
        if profile:
            profile.disable()
        html = fake.all_sent()[-1].raw_text or ""
        await adapter.stop()
        await app.stop()
        await store.close()
    return rate, html


def measure(cls: type, name: str, phase: str) -> None:
    """Add the time spent in `cls.name` to PHASES[phase]."""
    original: Callable[..., Awaitable[Any]] = getattr(cls, name)

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            PHASES[phase] += time.perf_counter() - start

    setattr(cls, name, wrapper)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="updates per bot (default 1000)")
    parser.add_argument("--users", type=int, default=100, help="distinct private chats")
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; best kept")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="network delay the fake adds to each request, in seconds")
    parser.add_argument("--concurrency", type=int,
                        help="chats our adapter handles at once (default: the adapter's)")
    parser.add_argument("--breakdown", action="store_true", help="our time per update, by phase")
    parser.add_argument("--profile", action="store_true", help="cProfile our bot")
    args = parser.parse_args()
    if args.breakdown:
        measure(UpdateReader, "read", "read the update")
        measure(Router, "handle", "core (router + handler)")
        measure(Router, "context_for", "  of which: load chat, person, role")
        measure(Responder, "deliver", "render and send the reply")
    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.db or f"sqlite+aiosqlite:///{tmp}/bench.db"
        # Warm up (imports, catalogs, the database) and learn the HTML our /help sends.
        _, html = await run_ours(10, 10, db_url, 0.0, args.concurrency, None)
        PHASES.clear()
        profile = cProfile.Profile() if args.profile else None
        best_ours = best_bare = 0.0
        for number in range(1, args.rounds + 1):
            ours, _ = await run_ours(args.n, args.users, db_url, args.latency,
                                     args.concurrency, profile)
            bare = await run_bare(args.n, args.users, html, args.latency)
            best_ours, best_bare = max(best_ours, ours), max(best_bare, bare)
            print(f"round {number}: ours {ours:7.1f}/s   bare {bare:7.1f}/s")
    backend = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    print(f"{args.n} private /help from {args.users} chats; {backend}; "
          f"latency {args.latency * 1000:.0f} ms; concurrency {args.concurrency or 'default'}")
    print(f"bare python-telegram-bot: {best_bare:7.1f} updates/s")
    print(f"diaspora-bot:             {best_ours:7.1f} updates/s")
    print(f"ratio ours/bare:          {best_ours / best_bare:7.2f}  (target >= 0.90)")
    if args.breakdown:
        handled = args.n * args.rounds
        print("our time per update (ms, summed over concurrent updates):")
        for phase, seconds in PHASES.items():
            print(f"  {phase:38s} {seconds * 1000 / handled:6.2f}")
    if profile is not None:
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    asyncio.run(main())
