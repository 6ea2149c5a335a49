"""Scale-out on one machine: webhook updates/s for 1 and 3 processes, and a broadcast by 3.

    .venv/bin/python bench/scale.py [--db URL] [-n 2000] [--users 500] [--chats 1000]
        [--skip-webhook] [--skip-broadcast] [--logs DIR]

WARNING: the script DROPS AND RECREATES the `public` schema of the database it is
given (default postgresql+asyncpg://postgres@127.0.0.1:5432/bench_db), then migrates
it, before each measurement. Never point it at a database you care about.

Everything runs as in production, on loopback: `sys.executable -m bot run`
subprocesses on one PostgreSQL database, Telegram in webhook mode behind one
reverse proxy (tests/fakes/balancer.py, round robin with failover), fed by the
Telegram fake (tests/fakes/telegram_api.py) posting up to 40 updates at once
as Telegram does. The fake and the balancer run in this process.

1. Webhook: N private `/help` updates from `--users` people are pushed at once;
   timed from the first push until the fake has recorded every answer, with 1
   process and then with 3 (a fresh schema each time, after a short warm-up).
   Prints updates/s, the ratio 3 ÷ 1, and the CPU each party used meanwhile
   (/proc utime+stime: the bot processes, this process = fake + balancer, the
   PostgreSQL backends of this database, the rest of the machine).
   COMMAND_RATE_LIMIT=0 in the bot processes: the per-person flood limit
   would otherwise drop a few of the repeated /help.
2. Broadcast: with 3 processes running (and each counting the others through
   its outbox heartbeat), one notice to `--chats` subscribed Telegram groups is
   published; timed from the first sendMessage to the last copy, against the
   floor chats ÷ 30 s (Telegram's overall limit, enforced by the fake with 429
   answers). Prints the ratio to the floor, duplicates and losses counted from
   the fake's records, the 429s it answered, and what each process sent
   (`deliveries.claimed_by`).

The processes start at the same instant, as a deployment's do.

Figures, 2026-11-28, 2 cores, PostgreSQL 15, defaults (-n 2000, 500 people,
1,000 chats), the machine otherwise quiet:
    webhook, 1 process    96.4 and 114.9 updates/s  (8.5-9.1 ms of bot CPU per update)
    webhook, 3 processes  129.2 and 129.6 updates/s (10.5 ms per update)
    ratio 3 / 1: 1.34 and 1.13 (the one-process figure varies most between runs)
    The 2 cores are the bound: one process keeps one core busy, the fake and
    the balancer in this process take a third of the other (~3 ms per
    update), and PostgreSQL the rest; 3 processes only add what is left of
    the second core. Before the PostgreSQL pool kept 15 connections open
    (storage/db.py), the overflow connections were opened and closed again
    all the time: 429 sessions per 2,000 updates, 12% of the CPU in starting
    PostgreSQL backends, and a ratio of 1.08.
    broadcast, 3 processes: 1,000 sent in 34.3-34.8 s from the first send,
    floor 33.3 s: ratio 1.043, 1.032 and 1.030 (three runs); duplicates 0, losses 0;
    1-2 answers 429 (the three pacers are not in phase; each 429 pauses
    that process for a second); sent per process about 320 / 340 / 340.
    Claiming two seconds of sending at a time instead of one left a tail
    (one process still holding 20 while the others were done): ratio 1.063.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import make_url
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import App
from bot.clock import SystemClock
from bot.events import ChatKind, ChatRef, Platform
from bot.features.notices.publish import publish
from bot.features.notices.records import Notice, NoticeText
from scheduling.outbox import BEAT_EVERY
from storage.db import make_engine
from tests.fakes.balancer import Balancer
from tests.fakes.telegram_api import FakeTelegram
from tests.support import open_store, process_env, reset_postgres, settings_for_tests

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_db"
HOOK_PATH = "/telegram/hook"
FIRST_USER = 10_000
WARM_USER = 5_000
FIRST_GROUP = -1_000_000
TELEGRAM_PER_SECOND = 30  # adapters/telegram/messenger.py: Limits(per_second=30, ...)
WEBHOOK_CONNECTIONS = 40  # Telegram's default max_connections
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1

_children: list[subprocess.Popen[bytes]] = []


# --- the bot processes -----------------------------------------------------------------


def kill_children() -> None:
    """Last resort (atexit, SIGTERM): kill every bot process still running."""
    for proc in _children:
        if proc.poll() is None:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM handler: unwind through the finally blocks (stopping children), then atexit."""
    raise SystemExit(128 + signum)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def telegram_env(db_url: str, fake: FakeTelegram) -> dict[str, str]:
    """The environment of a `bot run` process on the fake (long polling): its token, its
    Bot API URL, no Discord, no flood limit; every other setting at its default."""
    return process_env({
        "DATABASE_URL": db_url,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "DISCORD_BOT_TOKEN": "",
        "COMMAND_RATE_LIMIT": "0",
    })


def bot_env(db_url: str, fake: FakeTelegram, hook_url: str, port: int) -> dict[str, str]:
    """The environment of one `bot run` process behind the balancer (webhook)."""
    return {**telegram_env(db_url, fake),
            "TELEGRAM_WEBHOOK_URL": hook_url,
            "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
            "LOG_LEVEL": "WARNING"}


def launch(argv: Sequence[str], env: dict[str, str], cwd: Path,
           log: Path) -> subprocess.Popen[bytes]:
    """Start a child process, its output to `log`; `kill_children` kills it if need be."""
    with log.open("wb") as out:
        proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=out)
    _children.append(proc)
    return proc


def check_alive(proc: subprocess.Popen[bytes], name: str, log: Path) -> None:
    """Raise, with the end of its log, if the process has exited."""
    if proc.poll() is not None:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{name} exited with {proc.returncode} (log {log}):\n{tail}")


async def terminate(procs: Sequence[subprocess.Popen[bytes]], grace: float = 10.0) -> None:
    """SIGTERM, `grace` seconds to finish, then SIGKILL."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            await asyncio.to_thread(proc.wait, grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@dataclass
class Fleet:
    """`count` bot processes, each serving the webhook on its own port."""

    count: int
    logs: Path
    ports: list[int] = field(default_factory=list)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ports = [free_port() for _ in range(self.count)]

    @property
    def backends(self) -> list[str]:
        """The processes' base URLs, for the balancer."""
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def launch(self, db_url: str, fake: FakeTelegram, hook_url: str) -> None:
        """Launch the next process."""
        index = len(self.procs)
        self.procs.append(launch([sys.executable, "-m", "bot", "run"],
                                 bot_env(db_url, fake, hook_url, self.ports[index]),
                                 ROOT, self.logs / f"bot{index}.log"))

    @property
    def pids(self) -> list[int]:
        """The processes' ids."""
        return [p.pid for p in self.procs]

    def check_alive(self) -> None:
        """Raise, with the end of its log, if a process has exited."""
        for index, proc in enumerate(self.procs):
            check_alive(proc, f"bot process {index}", self.logs / f"bot{index}.log")

    async def wait_ready(self, fake: FakeTelegram, timeout: float = 90.0) -> None:  # noqa: ASYNC109
        """Until every process launched has set the webhook (it listens before it does)."""
        deadline = time.monotonic() + timeout
        while fake.call_count("setWebhook") < len(self.procs):
            self.check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {fake.call_count('setWebhook')} of {len(self.procs)} "
                                   "processes set the webhook")
            await asyncio.sleep(0.05)

    async def start(self, db_url: str, fake: FakeTelegram, hook_url: str) -> None:
        """Launch the processes at once, as a deployment does, and wait until all are ready."""
        for _ in range(self.count):
            self.launch(db_url, fake, hook_url)
        await self.wait_ready(fake)

    async def stop(self) -> None:
        """SIGTERM, a few seconds to finish, then SIGKILL."""
        await terminate(self.procs)


@contextlib.asynccontextmanager
async def running(count: int, db_url: str, fake: FakeTelegram,
                  logs: Path) -> AsyncIterator[tuple[Fleet, Balancer]]:
    """A balancer in front of `count` started and ready processes; (fleet, balancer)."""
    fleet = Fleet(count, logs)
    async with Balancer(fleet.backends) as balancer:
        try:
            await fleet.start(db_url, fake, balancer.url + HOOK_PATH)
            yield fleet, balancer
        finally:
            await fleet.stop()


# --- CPU accounting ---------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()  # from field 3 (state) on


def cpu_of(pid: int) -> float | None:
    """utime + stime of a process in seconds (None once it is gone)."""
    fields = _stat(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / TICKS


def reaped_cpu_of(pid: int) -> float:
    """cutime + cstime: the CPU of the children a process has waited for, in seconds."""
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[13]) + int(fields[14])) / TICKS


def postmaster(pids: Sequence[int]) -> int | None:
    """The PostgreSQL server process (the parent of the others): it reaps exited backends."""
    for pid in pids:
        fields = _stat(pid)
        if fields is not None and int(fields[1]) not in pids:
            return pid
    return None


def machine_busy() -> float:
    """CPU seconds the whole machine spent not idle, since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / TICKS


def postgres_pids() -> list[int]:
    """Every process named postgres (the server's, whoever's database it serves)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
    return pids


async def rows(db_url: str, query: str) -> list[Any]:
    """The rows of one SQL query, on a connection of its own (the bench looks from outside)."""
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            return list(await conn.execute(sql(query)))
    finally:
        await engine.dispose()


async def backends_of(db_url: str) -> tuple[set[int], int]:
    """The PostgreSQL backends on this database (but ours), and its sessions so far."""
    pids = await rows(db_url, "SELECT pid FROM pg_stat_activity WHERE datname = "
                              "current_database() AND pid <> pg_backend_pid()")
    [(sessions,)] = await rows(db_url, "SELECT sessions FROM pg_stat_database "
                                       "WHERE datname = current_database()")
    return {int(r[0]) for r in pids}, int(sessions or 0)


@dataclass
class CpuWindow:
    """CPU used by each party between `begin()` and `end()`."""

    db_url: str
    bots: list[int]
    wall: float = 0.0
    usage: dict[str, float] = field(default_factory=dict)
    _start: dict[int, float] = field(default_factory=dict)
    _backends: set[int] = field(default_factory=set)
    sessions: int = 0
    _busy: float = 0.0
    _t0: float = 0.0
    _reaped: float = 0.0
    _sessions: int = 0

    def _pids(self) -> set[int]:
        return {*self.bots, os.getpid(), *postgres_pids()}

    async def begin(self) -> None:
        """Take the first sample."""
        self._backends, self._sessions = await backends_of(self.db_url)
        self._start = {pid: cpu for pid in self._pids() if (cpu := cpu_of(pid)) is not None}
        self._reaped = reaped_cpu_of(postmaster(postgres_pids()) or 0)
        self._busy, self._t0 = machine_busy(), time.monotonic()

    async def end(self) -> None:
        """Take the second sample and split the difference by party."""
        end = {pid: cpu for pid in self._pids() | self._start.keys()
               if (cpu := cpu_of(pid)) is not None}
        busy, self.wall = machine_busy() - self._busy, time.monotonic() - self._t0
        reaped = reaped_cpu_of(postmaster(postgres_pids()) or 0) - self._reaped
        now_backends, sessions = await backends_of(self.db_url)
        backends = self._backends | now_backends
        # Sessions are counted when they end; ours (the query above) is still open.
        self.sessions = sessions - self._sessions
        used = {pid: cpu - self._start.get(pid, 0.0) for pid, cpu in end.items()}
        usage: dict[str, float] = defaultdict(float)
        for pid, seconds in used.items():
            if pid in self.bots:
                usage[f"bot process {self.bots.index(pid)}"] += seconds
            elif pid == os.getpid():
                usage["bench (fake + balancer)"] += seconds
            elif pid in backends:
                usage["PostgreSQL backends, this db"] += seconds
            else:
                usage["PostgreSQL, other (server, other dbs)"] += seconds
        usage["PostgreSQL backends that exited (any db)"] = reaped
        usage["rest of the machine"] = max(0.0, busy - sum(usage.values()))
        usage["idle"] = max(0.0, self.wall * CORES - busy)
        self.usage = dict(usage)

    def lines(self) -> Iterator[str]:
        """One line per party: core-seconds and share of the machine's capacity."""
        capacity = self.wall * CORES
        yield (f"    CPU over {self.wall:.1f} s on {CORES} cores ({capacity:.1f} core-seconds); "
               f"{self.sessions} PostgreSQL sessions ended on this db meanwhile:")
        for party, seconds in self.usage.items():
            yield f"      {party:40s} {seconds:6.1f} s  {100 * seconds / capacity:5.1f}%"


# --- 1. webhook throughput --------------------------------------------------------------


async def create_database(db_url: str) -> None:
    """Create the benchmark's database when the server does not have it yet."""
    url = make_url(db_url)
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            found = await conn.scalar(sql("SELECT 1 FROM pg_database WHERE datname = :n"),
                                      {"n": url.database})
            if not found:
                await conn.execute(sql(f'CREATE DATABASE "{url.database}"'))
    finally:
        await admin.dispose()


async def reset(db_url: str) -> None:
    """Create the database if need be, drop and recreate its public schema, then migrate."""
    await create_database(db_url)
    await reset_postgres(db_url)
    async with open_store(db_url, SystemClock()):  # type: ignore[arg-type]
        pass


async def wait_sent(fake: FakeTelegram, total: int, fleet: Fleet, timeout: float) -> bool:  # noqa: ASYNC109
    """Poll (cheaply: no re-check on every state change) until `total` messages are sent."""
    deadline = time.monotonic() + timeout
    while len(fake.all_sent()) < total:
        if time.monotonic() > deadline:
            return False
        fleet.check_alive()
        await asyncio.sleep(0.02)
    return True


@dataclass
class WebhookRun:
    """What one webhook measurement found."""

    processes: int
    updates: int
    seconds: float
    answered: int
    cpu: CpuWindow
    served: dict[str, int]
    failed_posts: int

    @property
    def rate(self) -> float:
        """Updates handled per second."""
        return self.updates / self.seconds


async def webhook_run(count: int, db_url: str, n: int, users: int, logs: Path) -> WebhookRun:
    """Push n private /help through the balancer to `count` processes; time the answers."""
    await reset(db_url)
    async with FakeTelegram(webhook_connections=WEBHOOK_CONNECTIONS) as fake:
        for uid in [*range(FIRST_USER, FIRST_USER + users), *range(WARM_USER, WARM_USER + 30)]:
            fake.add_user(uid, f"User {uid}", language_code="en")
        async with running(count, db_url, fake, logs) as (fleet, balancer):
            warm = 10 * count  # imports, catalogs, connection pools, in every process
            for i in range(warm):
                fake.push_command(WARM_USER + i % 30, WARM_USER + i % 30, "/help")
            if not await wait_sent(fake, warm, fleet, 60):
                raise RuntimeError("the warm-up updates were not all answered")
            cpu = CpuWindow(db_url, fleet.pids)
            await cpu.begin()
            started = time.perf_counter()
            for i in range(n):
                uid = FIRST_USER + i % users
                fake.push_command(uid, uid, "/help")
            complete = await wait_sent(fake, warm + n, fleet, 150)
            seconds = time.perf_counter() - started
            await cpu.end()
            await asyncio.sleep(0.3)  # anything answered twice shows up by now
            answered = len(fake.all_sent()) - warm
            if not complete:
                print(f"  ! {count} process(es): only {answered} of {n} answered in time")
            failed = sum(1 for d in fake.webhook_deliveries if d.error)
            served = {url.rsplit(":", 1)[1]: hits for url, hits in balancer.served.items()}
            return WebhookRun(count, n, seconds, answered, cpu, served, failed)


def report_webhook(runs: Sequence[WebhookRun], users: int) -> None:
    """Print the webhook figures."""
    print(f"\n1. Webhook: {runs[0].updates} private /help from {users} people, "
          f"{WEBHOOK_CONNECTIONS} connections from the fake, PostgreSQL")
    for run in runs:
        print(f"  {run.processes} process(es): {run.rate:7.1f} updates/s  "
              f"({run.answered} answered in {run.seconds:.2f} s; failed POSTs {run.failed_posts};"
              f" per backend port {run.served})")
        bots = sum(v for k, v in run.cpu.usage.items() if k.startswith("bot process"))
        bench = run.cpu.usage.get("bench (fake + balancer)", 0.0)
        print(f"    CPU per update: bot processes {1000 * bots / run.updates:.1f} ms, "
              f"fake + balancer {1000 * bench / run.updates:.1f} ms")
        for line in run.cpu.lines():
            print(line)
    if len(runs) == 2:
        print(f"  ratio {runs[1].processes} ÷ {runs[0].processes} processes: "
              f"{runs[1].rate / runs[0].rate:.2f}")


# --- 2. broadcast -----------------------------------------------------------------------


async def prepare_broadcast(db_url: str, chats: int) -> None:
    """A verified broadcaster and `chats` subscribed Telegram groups."""
    await reset_postgres(db_url)
    clock = SystemClock()
    async with open_store(db_url, clock) as store:  # type: ignore[arg-type]
        org = await store.notices.add_org("mx-madrid", "Consulado de México", "MX", "es")
        assert org is not None
        for n in range(chats):
            chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, str(FIRST_GROUP - n),
                                                    ChatKind.GROUP, f"Group {n}"), "es")
            await store.notices.subscribe(chat.id, org.id, [], None)


async def publish_notice(db_url: str) -> None:
    """Publish one notice to every subscribed chat (its copies go to the outbox)."""
    clock = SystemClock()
    async with open_store(db_url, clock) as store:  # type: ignore[arg-type]
        services: Any = store  # SqlStore implements the core's Store ports
        app = App(settings_for_tests(), services, clock)
        org = await store.notices.find_org("mx-madrid")
        assert org is not None
        notice = await store.notices.create(Notice(
            0, org.id, None, None, "es",
            texts={"es": NoticeText("Aviso", "La oficina cierra el lunes.")}))
        assert await publish(app.services, notice, org) is not None


async def live_workers(db_url: str) -> int:
    """Processes that have beaten in the last few seconds (the outbox's heartbeat)."""
    [(count,)] = await rows(db_url, "SELECT count(*) FROM workers "
                                    "WHERE seen_at > now() - interval '10 seconds'")
    return int(count)


async def sent_by_owner(db_url: str) -> Counter[str]:
    """Sent deliveries per claiming process (`host:pidns:pid`)."""
    return Counter({str(owner): int(n) for owner, n in await rows(
        db_url, "SELECT claimed_by, count(*) FROM deliveries WHERE status = 'sent' "
                "GROUP BY claimed_by")})


async def broadcast_run(db_url: str, chats: int, logs: Path) -> None:
    """Start 3 processes, publish one notice to `chats` groups, time the fan-out."""
    prepared = time.perf_counter()
    await prepare_broadcast(db_url, chats)
    print(f"\n2. Broadcast: one notice to {chats} Telegram groups by 3 processes "
          f"(prepared in {time.perf_counter() - prepared:.1f} s)")
    wanted = {FIRST_GROUP - n for n in range(chats)}
    async with FakeTelegram(webhook_connections=WEBHOOK_CONNECTIONS) as fake:
        fake.set_rate_limits(global_per_second=TELEGRAM_PER_SECOND, per_group_per_minute=20)
        for n in range(chats):
            fake.add_chat(FIRST_GROUP - n, "supergroup", f"Group {n}")
        loop = asyncio.get_running_loop()
        launched = loop.time()
        async with running(3, db_url, fake, logs) as (fleet, _balancer):
            while await live_workers(db_url) < 3:
                fleet.check_alive()
                await asyncio.sleep(0.2)
            # Every process counts the others at its next heartbeat (within 5 s).
            await asyncio.sleep(BEAT_EVERY + 0.5)
            cpu = CpuWindow(db_url, fleet.pids)
            await cpu.begin()
            published = loop.time()
            await publish_notice(db_url)
            deadline = time.monotonic() + 150
            while len(wanted & {m.chat_id for m in fake.all_sent()}) < len(wanted):
                fleet.check_alive()
                if time.monotonic() > deadline:
                    print("  ! gave up waiting after 150 s")
                    break
                await asyncio.sleep(0.05)
            await cpu.end()
            ready = [c.time - launched for c in fake.calls_to("setWebhook")]
            await asyncio.sleep(1.0)  # late duplicates would show up by now
            owners = await sent_by_owner(db_url)
            pids = fleet.pids
        sends = [c for c in fake.calls_to("sendMessage")
                 if c.params.get("chat_id") in wanted]
        ok = [c for c in sends if c.status == 200]
        per_chat = Counter(m.chat_id for m in fake.all_sent() if m.chat_id in wanted)
        floor = chats / TELEGRAM_PER_SECOND
        if ok:
            first, last = min(c.time for c in sends), max(c.time for c in ok)
            elapsed = last - first
            print(f"  processes ready (webhook set) at {', '.join(f'{t:.2f}' for t in ready)} s "
                  f"after launch; notice published at {published - launched:.2f} s; first "
                  f"send {first - published:.2f} s after it")
            print(f"  all sent in {elapsed:.2f} s from the first send "
                  f"({last - published:.2f} s from the publish); floor {floor:.2f} s "
                  f"({chats} ÷ {TELEGRAM_PER_SECOND}/s)")
            print(f"  ratio to the floor: {elapsed / floor:.3f}  (target <= 1.05)")
        print(f"  delivered to {len(per_chat)} of {chats} chats; duplicates "
              f"{sum(c - 1 for c in per_chat.values())}; sendMessage calls {len(sends)}, "
              f"429 answers {fake.rate_limited}, other errors "
              f"{sum(1 for c in sends if c.status not in (200, 429))}")
        by_process = {f"process {pids.index(int(o.rsplit(':', 1)[1]))}"
                      if o.rsplit(":", 1)[1].isdigit() and int(o.rsplit(":", 1)[1]) in pids
                      else o: n for o, n in owners.items()}
        print(f"  sent per process (deliveries.claimed_by): {by_process}")
        if sends:
            print(f"  send attempts by second from the first (ok/429): {per_second(sends)}")
        for line in cpu.lines():
            print(line)


def per_second(sends: Sequence[Any]) -> str:
    """Successful and refused sends in each second from the first send."""
    first = min(c.time for c in sends)
    ok, refused = Counter[int](), Counter[int]()
    for call in sends:
        (ok if call.status == 200 else refused)[int(call.time - first)] += 1
    last = max([*ok, *refused])
    return " ".join(f"{ok[s]}/{refused[s]}" for s in range(last + 1))


# --- main -------------------------------------------------------------------------------


async def main(args: argparse.Namespace, logs: Path) -> None:
    """Run the measurements the options ask for."""
    if not args.skip_webhook:
        runs = [await webhook_run(count, args.db, args.n, args.users, logs) for count in (1, 3)]
        report_webhook(runs, args.users)
    if not args.skip_broadcast:
        await broadcast_run(args.db, args.chats, logs)


def cli() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", default=DEFAULT_DB,
                        help=f"PostgreSQL URL; its public schema is DROPPED (default {DEFAULT_DB})")
    parser.add_argument("-n", type=int, default=2000, help="webhook updates per run (2000)")
    parser.add_argument("--users", type=int, default=500, help="people sending them (500)")
    parser.add_argument("--chats", type=int, default=1000, help="groups the notice goes to")
    parser.add_argument("--logs", help="keep the bot processes' logs in this directory")
    parser.add_argument("--skip-webhook", action="store_true", help="skip measurement 1")
    parser.add_argument("--skip-broadcast", action="store_true", help="skip measurement 2")
    args = parser.parse_args()
    if not args.db.startswith("postgresql"):
        parser.error("--db must be a PostgreSQL URL (the processes share it)")
    run_with_children(lambda logs: main(args, logs), "scale-bench-", args.logs)


def run_with_children(main: Callable[[Path], Coroutine[Any, Any, None]], prefix: str,
                      keep: str | None) -> None:
    """Run `main(workdir)` in a temporary folder (or `keep`); every child process this
    benchmark started is killed on exit, on SIGTERM and on Ctrl-C."""
    atexit.register(kill_children)
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            workdir = Path(keep or tmp).resolve()
            workdir.mkdir(parents=True, exist_ok=True)
            asyncio.run(main(workdir))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    finally:
        kill_children()


if __name__ == "__main__":
    cli()
