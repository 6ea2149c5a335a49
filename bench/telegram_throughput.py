"""How fast the Telegram adapter answers private /help, beside a bare PTB bot on the same fake.

    .venv/bin/python bench/telegram_throughput.py [-n 1000] [--users 100] [--db URL]
        [--latency SECONDS] [--concurrency N] [--breakdown] [--profile]
    .venv/bin/python bench/telegram_throughput.py --subprocess [--runs 3] [--users 50] [-n 1000]

In-process (the default): N `/help` updates from private chats are pushed into
FakeTelegram (a loopback Bot API) while each bot is polling, and timed until every one
is answered. The bare bot is python-telegram-bot alone: a CommandHandler that sends the
same HTML our bot sends for /help, so the difference is our work (core, database,
rendering). Prints updates per second for both and the ratio (ours ÷ bare).
`--breakdown` shows where our time goes per update; `--profile` prints cProfile's view;
`--latency` adds a network delay to every Bot API request (loopback has none, the real
Telegram tens of milliseconds).

`--subprocess`: each bot runs as its own process, as deployed, against its own fresh
FakeTelegram on 127.0.0.1 (served by this process), alternating bare, ours, bare,
ours... for `--runs` pairs. **Ours** is `diaspora-bot run` in a temporary working
directory with its own SQLite file, default settings but `COMMAND_RATE_LIMIT=0` (the
bare bot has no flood limit). **Bare** is bench/bare_telegram_bot.py: a minimal
`Application` whose CommandHandler sends a fixed short text, `run_polling(poll_interval=0)`;
rendering our real /help is our cost to pay. Each run: once the bot polls, each of
`--users` people sends /start once and every answer is awaited; then N private /help,
round robin over those people, are timed from the first push until the fake has
recorded every answer; then SIGTERM. Prints each run's updates/s, the median of each
side and the ratio of the medians (ours ÷ bare), with the CPU per update of the bot
process and of this process (the fake) over the timed phase (/proc utime+stime), and
what the rest of the machine used meanwhile (a busy machine lowers both sides).
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import cProfile
import os
import pstats
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("PTB_TIMEDELTA", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from adapters.telegram import TelegramAdapter
from adapters.telegram.inbound import UpdateReader
from adapters.telegram.outbound import Responder
from bench.scale import (
    check_alive,
    cpu_of,
    kill_children,
    launch,
    machine_busy,
    on_sigterm,
    telegram_env,
    terminate,
)
from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.router import Router
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.fakes.telegram_api import JSON, FakeTelegram, UploadedFile

FIRST_USER = 10_000
PHASES: defaultdict[str, float] = defaultdict(float)
T = TypeVar("T")


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
                            telegram_bot_token=SecretStr(fake.token),
                            telegram_api_base_url=fake.base_url)
        services: Any = store  # SqlStore implements the core's Store ports
        app = App(settings, services, clock)
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


# --- --subprocess: each bot in its own process ---------------------------------------

BARE_BOT = Path(__file__).resolve().with_name("bare_telegram_bot.py")
CORES = os.cpu_count() or 1


class AnsweringFake(FakeTelegram):
    """The fake, also counting the bot's messages as it records them: waiting on a counter
    costs this process (which shares the machine with the bot) next to nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.answers = 0
        self.answered: set[int] = set()  # chats the bot has written to

    def _api_send_message(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        message = super()._api_send_message(p, files)
        self.answers += 1
        self.answered.add(int(message["chat"]["id"]))
        return message


def diaspora_bot() -> Path:
    """The `diaspora-bot` console script of this virtual environment."""
    for path in (Path(sys.executable).parent / "diaspora-bot",
                 Path(__file__).resolve().parents[1] / ".venv" / "bin" / "diaspora-bot"):
        if path.exists():
            return path
    raise SystemExit("no diaspora-bot script: run `make .venv/.installed` first")


@dataclass
class ProcessRun:
    """One timed run of one bot process."""

    side: str  # "bare" or "ours"
    updates: int
    seconds: float
    answered: int
    bot_cpu: float  # the bot process, over the timed phase
    bench_cpu: float  # this process (the fake), over the timed phase
    other_cpu: float  # the rest of the machine (other processes), over the timed phase
    exit_code: int | None
    reply_chars: int  # length of the last answer

    @property
    def rate(self) -> float:
        """Updates answered per second."""
        return self.updates / self.seconds


async def until(fake: FakeTelegram, proc: subprocess.Popen[bytes], log: Path,
                predicate: Callable[[], T], timeout: float, what: str) -> T:  # noqa: ASYNC109
    """Await `predicate` on the fake's state changes, for at most `timeout` seconds; fail
    early, with the end of its log, if the bot process exits meanwhile."""
    waiter = asyncio.ensure_future(fake.wait_until(predicate, timeout, what=what))
    try:
        for _ in range(int(timeout) + 2):  # wait_until's own time-out ends it before
            done, _pending = await asyncio.wait({waiter}, timeout=1.0)
            if done:
                return waiter.result()
            check_alive(proc, f"the {what.split()[0]} bot", log)
        raise TimeoutError(f"gave up waiting for {what}")
    finally:
        waiter.cancel()


async def process_run(side: str, n: int, users: int, latency: float) -> ProcessRun:
    """Start a fresh fake and one bot process on it; time N /help after the /start round."""
    fake = AnsweringFake()
    async with fake:
        fake.latency = latency
        for uid in range(FIRST_USER, FIRST_USER + users):
            fake.add_user(uid, f"User {uid}", language_code="en")
        with tempfile.TemporaryDirectory(prefix=f"tput-{side}-") as tmp:
            cwd = Path(tmp)
            log = cwd / f"{side}.log"
            argv = ([str(diaspora_bot()), "run"] if side == "ours"
                    else [sys.executable, str(BARE_BOT)])
            env = telegram_env(f"sqlite+aiosqlite:///{cwd / 'bot.db'}", fake)
            proc = launch(argv, env, cwd, log)
            try:
                await until(fake, proc, log, lambda: fake.long_polls_waiting > 0, 90,
                            f"{side} bot to poll")
                for uid in range(FIRST_USER, FIRST_USER + users):
                    fake.push_command(uid, uid, "/start")
                await until(fake, proc, log, lambda: len(fake.answered) >= users, 60,
                            f"{side} answers to {users} /start")
                before = fake.answers
                bot0, bench0, busy0 = cpu_of(proc.pid), cpu_of(os.getpid()), machine_busy()
                started = time.perf_counter()
                push_help(fake, n, users)
                await until(fake, proc, log, lambda: fake.answers >= before + n,
                            max(120.0, n / 10), f"{side} answers to {n} /help")
                seconds = time.perf_counter() - started
                bot1, bench1, busy1 = cpu_of(proc.pid), cpu_of(os.getpid()), machine_busy()
                check_alive(proc, f"the {side} bot", log)
            finally:
                await terminate([proc])
            if proc.returncode != 0:
                tail = log.read_text(errors="replace")[-2000:]
                print(f"  ! the {side} bot exited with {proc.returncode} on SIGTERM:\n{tail}")
        assert None not in (bot0, bot1, bench0, bench1)  # the processes were alive
        bot_cpu = (bot1 or 0.0) - (bot0 or 0.0)
        bench_cpu = (bench1 or 0.0) - (bench0 or 0.0)
        return ProcessRun(side, n, seconds, fake.answers - before, bot_cpu, bench_cpu,
                          max(0.0, busy1 - busy0 - bot_cpu - bench_cpu), proc.returncode,
                          len(fake.all_sent()[-1].raw_text or ""))


def describe(run: ProcessRun) -> str:
    """One run in one line."""
    per = 1000 / run.updates
    return (f"{run.rate:7.1f} updates/s  ({run.answered} answered in {run.seconds:.2f} s; "
            f"CPU per update: bot {run.bot_cpu * per:.2f} ms, fake {run.bench_cpu * per:.2f} ms;"
            f" the rest of the machine busy {run.other_cpu / run.seconds:.2f} of {CORES} cores)")


def report_processes(runs: Sequence[ProcessRun], n: int, users: int) -> None:
    """Medians of each side and their ratio."""
    print(f"{n} private /help from {users} people after one /start each; one process per bot, "
          f"each on its own fake; {CORES} cores")
    medians: dict[str, float] = {}
    for side, name in (("bare", "bare python-telegram-bot"), ("ours", "diaspora-bot run")):
        mine = [r for r in runs if r.side == side]
        medians[side] = statistics.median(r.rate for r in mine)
        cpu = statistics.median(r.bot_cpu * 1000 / r.updates for r in mine)
        print(f"{name + ':':26s}{medians[side]:7.1f} updates/s median "
              f"(runs: {', '.join(f'{r.rate:.1f}' for r in mine)}); bot CPU {cpu:.2f} ms "
              f"per update (median); reply {mine[-1].reply_chars} characters")
    print(f"ratio of medians ours/bare: {medians['ours'] / medians['bare']:7.2f}")


async def run_subprocess(args: argparse.Namespace) -> None:
    """Alternate bare and ours, `args.runs` pairs, each run a fresh fake and process."""
    atexit.register(kill_children)
    signal.signal(signal.SIGTERM, on_sigterm)
    runs: list[ProcessRun] = []
    try:
        for number in range(1, args.runs + 1):
            for side in ("bare", "ours"):
                run = await process_run(side, args.n, args.users, args.latency)
                runs.append(run)
                print(f"run {number} {side}: {describe(run)}", flush=True)
    finally:
        kill_children()
    report_processes(runs, args.n, args.users)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="updates per bot (default 1000)")
    parser.add_argument("--users", type=int,
                        help="distinct private chats (default 100; 50 with --subprocess)")
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int,
                        help="alternating rounds in-process; best kept (default 2)")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="network delay the fake adds to each request, in seconds")
    parser.add_argument("--concurrency", type=int,
                        help="chats our adapter handles at once (default: the adapter's)")
    parser.add_argument("--breakdown", action="store_true", help="our time per update, by phase")
    parser.add_argument("--profile", action="store_true", help="cProfile our bot")
    parser.add_argument("--subprocess", action="store_true",
                        help="run each bot as its own process (diaspora-bot run with SQLite, "
                             "and bench/bare_telegram_bot.py), each on a fresh fake; "
                             "medians of --runs")
    parser.add_argument("--runs", type=int,
                        help="with --subprocess: pairs of runs, bare then ours (default 3)")
    args = parser.parse_args()
    if args.subprocess:
        unused = [f"--{name}" for name in ("db", "rounds", "concurrency", "breakdown", "profile")
                  if getattr(args, name)]
        if unused:
            parser.error(f"{', '.join(unused)}: in-process only, not with --subprocess")
        args.users = args.users or 50
        args.runs = args.runs or 3
        if min(args.n, args.users, args.runs) < 1:
            parser.error("-n, --users and --runs must be at least 1")
        await run_subprocess(args)
        return
    if args.runs is not None:
        parser.error("--runs: with --subprocess only (in-process: --rounds)")
    args.users = args.users or 100
    args.rounds = args.rounds or 2
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
