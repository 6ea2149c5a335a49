"""Resident memory of `diaspora-bot run` on Telegram and Discord after many distinct chats.

    .venv/bin/python bench/memory.py [--private 10000] [--groups 200]
        [--discord-channels 50] [--telegram-only] [--keep DIR]

One `diaspora-bot run` process (the installed script, as an operator starts it) runs
in a temporary working directory with its own SQLite file and default settings, except
COMMAND_RATE_LIMIT=0, connected to the Telegram fake (tests/fakes/telegram_api.py; long
polling, the default) and to the Discord fake (tests/fakes/discord_api.py: REST and
gateway), both served by this process on free loopback ports.

1. Ready: Telegram is ready when a getUpdates long poll is held open, Discord when the
   gateway session is past READY and the slash commands are synced. After the process
   settles (below), its memory is printed: VmRSS and VmHWM from /proc/PID/status.
2. Load: the groups first (each a different person; Discord's are slash /help, answered
   by interaction, all dispatched at once), then `--private` distinct people each send
   /start in a private chat (pushed all at once: the process takes them 100 per poll). Every
   wait is for the fakes' records of what the bot sent: an answer in each chat, a response
   to each interaction. A wait fails if nothing new is answered for STALL seconds, and
   gives up after LIMIT seconds whatever happens.
3. Settled: the process counts as settled once it used less than IDLE_SHARE of a core
   over one SETTLE_STEP (the last replies' database writes and the outbox are done),
   checked up to SETTLE_MAX seconds; then VmRSS and VmHWM are printed again, with the
   updates it handled as the fakes saw them (Telegram updates it confirmed through the
   getUpdates offset, Discord interactions it answered; in long polling the process keeps
   no record of its own) and the rows of its database, read after SIGTERM stopped it.

The groups: `--discord-channels` of them (default 50) are Discord channels, each in a
server of its own, the rest Telegram groups: Telegram carries most of the traffic (the
private chats are all there), and each Discord server adds its own cache to discord.py.
`--telegram-only` starts the process without Discord and puts every group on Telegram,
to compare with figures from before Discord was connected.

Figures, 2026-12-08, 2 cores (load average 1.4 before the run: another process was busy),
defaults, SQLite, Python 3.11:
    Telegram and Discord   idle 124.1 MB   after 10,000 + 150 + 50: 180.0 and 180.8 MB
    --telegram-only        idle 114.2 MB   after 10,000 + 200:      170.0 MB
    (VmHWM equal to VmRSS each time.) The load adds 56 MB either way, about 5.5 kB per
    chat answered; Discord connected adds 10 MB, idle and loaded alike. The /start were
    answered at 186-228/s. The target is <= 150 MB with both adapters. discord.py may log
    "Can't keep up ... websocket is 41s behind" once under this load: on loopback the
    heartbeat's ACK can arrive before its keep-alive thread (starved of the GIL) notes the
    send time, so it measures from the previous beat; no heartbeat is late.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scale import _children, cpu_of, run_with_children
from tests.fakes.discord_api import FakeDiscord, InteractionHandle
from tests.fakes.telegram_api import SENDING_METHODS, FakeTelegram
from tests.support import process_env

T = TypeVar("T")

FIRST_PRIVATE = 1_000_000  # Telegram user ids of the private chats
FIRST_MEMBER = 500_000  # Telegram users who write in the groups, one per group
FIRST_GROUP = -1_000_000_000_000  # Telegram supergroup ids go down from here
READY_TIMEOUT = 90.0  # start, migrations, login, gateway READY, command sync
STALL = 60.0  # no new answer for this long: something is stuck
LIMIT = 1800.0  # every wait for answers ends by then
SETTLE_STEP = 0.5  # seconds between two samples of the process's CPU time
IDLE_SHARE = 0.02  # of one core, over one step: settled
SETTLE_MAX = 10.0  # the settling is never waited for longer
STOP_TIMEOUT = 30.0  # SIGTERM, then SIGKILL after this


# --- the process ----------------------------------------------------------------------


def status_of(pid: int) -> dict[str, int]:
    """The memory lines of /proc/PID/status, in kB (VmRSS, VmHWM, RssAnon, RssFile, ...)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name.startswith(("Vm", "Rss")) and value.strip().endswith("kB"):
            found[name] = int(value.split()[0])
    return found


def memory_line(label: str, pid: int) -> str:
    """VmRSS and VmHWM in MB (and the anonymous / file-backed split of VmRSS)."""
    s = status_of(pid)
    return (f"  {label:9s} VmRSS {s['VmRSS'] / 1024:6.1f} MB   VmHWM {s['VmHWM'] / 1024:6.1f} MB"
            f"   (RssAnon {s.get('RssAnon', 0) / 1024:.1f} MB, "
            f"RssFile {s.get('RssFile', 0) / 1024:.1f} MB)")


@dataclass
class Child:
    """The `diaspora-bot run` process, its working directory and its log."""

    workdir: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    _exited: asyncio.Event = field(default_factory=asyncio.Event)
    _pidfd: int = -1

    @property
    def log(self) -> Path:
        """stdout and stderr of the process."""
        return self.workdir / "bot.log"

    @property
    def database(self) -> Path:
        """Its SQLite file."""
        return self.workdir / "bot.db"

    @property
    def pid(self) -> int:
        """Its process id."""
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        """Start the installed `diaspora-bot` script beside this Python, as `run`; its exit
        sets an event (a pidfd becomes readable), so waits can end at once when it dies."""
        script = Path(sys.executable).with_name("diaspora-bot")
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([str(script), "run"], cwd=self.workdir, env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        _children.append(self.proc)  # killed at exit if still running (bench/scale.py)
        self._pidfd = os.pidfd_open(self.proc.pid)
        asyncio.get_running_loop().add_reader(self._pidfd, self._on_exit)

    def _on_exit(self) -> None:
        asyncio.get_running_loop().remove_reader(self._pidfd)
        os.close(self._pidfd)
        self._pidfd = -1
        self._exited.set()

    def tail(self) -> str:
        """The end of its log."""
        return self.log.read_text(errors="replace")[-3000:]

    async def watch(self, waiting: Awaitable[T], what: str) -> T:
        """Await `waiting`, but raise at once (with the log's end) if the process exits."""
        task = asyncio.ensure_future(waiting)
        exited = asyncio.ensure_future(self._exited.wait())
        try:
            await asyncio.wait({task, exited}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            exited.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            code = self.proc.wait() if self.proc else None
            raise RuntimeError(f"the bot exited with {code} while waiting for {what} "
                               f"(log {self.log}):\n{self.tail()}")
        return task.result()

    async def settle(self) -> float:
        """Until the process is idle (see the module docstring); the seconds it took."""
        started = time.monotonic()
        before = cpu_of(self.pid) or 0.0
        while time.monotonic() - started < SETTLE_MAX:
            await asyncio.sleep(SETTLE_STEP)  # CPU time is sampled; there is no event to await
            now = cpu_of(self.pid) or 0.0
            if now - before < IDLE_SHARE * SETTLE_STEP:
                break
            before = now
        return time.monotonic() - started

    async def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT; the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self._exited.wait(), STOP_TIMEOUT)
            except TimeoutError:
                print(f"  ! still running {STOP_TIMEOUT:.0f} s after SIGTERM: killed")
                self.proc.kill()
        if self._pidfd >= 0:
            self._on_exit()
        return self.proc.wait(timeout=5)


def bot_env(workdir: Path, tg: FakeTelegram, dc: FakeDiscord | None) -> dict[str, str]:
    """Default settings but the fakes, the database file and no flood limit."""
    return process_env({
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/bot.db",
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "DISCORD_BOT_TOKEN": dc.token if dc else "",
        "DISCORD_API_BASE_URL": dc.api_base if dc else "",
        "DISCORD_GATEWAY_URL": dc.gateway_url if dc else "",
        # One command from each person is no flood; the limit's memory is the same either way.
        "COMMAND_RATE_LIMIT": "0",
    })


# --- waiting for answers ----------------------------------------------------------------


@dataclass
class TelegramAnswers:
    """How many of `wanted` chats the bot has sent a message to, counted incrementally from
    the fake's calls (the fake re-checks a wait on every call: this keeps each check cheap)."""

    fake: FakeTelegram
    wanted: set[int]
    answered: set[int] = field(default_factory=set)
    _seen: int = 0

    def scan(self) -> int:
        """Take in the calls recorded since the last scan; how many wanted chats are answered."""
        calls = self.fake.calls
        for call in calls[self._seen:]:
            if call.method in SENDING_METHODS and call.ok:
                with contextlib.suppress(KeyError, TypeError, ValueError):
                    chat = int(call.params["chat_id"])
                    if chat in self.wanted:
                        self.answered.add(chat)
        self._seen = len(calls)
        return len(self.answered)


async def until_answered(count: Callable[[], int], target: int,
                         wait: Callable[[Callable[[], bool], float], Coroutine[Any, Any, Any]],
                         what: str) -> float:
    """Until count() reaches target: each wait is for one more answer, at most STALL
    seconds; LIMIT seconds in all. The seconds it took."""
    started = time.monotonic()
    done = count()
    while done < target:
        left = LIMIT - (time.monotonic() - started)
        if left <= 0:
            raise TimeoutError(f"{what}: {done} of {target} after {LIMIT:.0f} s")

        def grown(before: int = done) -> bool:
            return count() > before

        try:
            await wait(grown, min(STALL, left))
        except Exception as exc:  # the fakes raise their own timeout errors
            raise TimeoutError(f"{what}: {done} of {target}, nothing new for "
                               f"{min(STALL, left):.0f} s") from exc
        done = count()
    return time.monotonic() - started


# --- the run --------------------------------------------------------------------------


@dataclass
class World:
    """Who sends what: Telegram private chats and groups, Discord channels."""

    private: list[int]
    tg_groups: list[tuple[int, int]]  # (chat, member)
    dc_channels: list[tuple[int, int, int]]  # (guild, channel, member)


def build_world(tg: FakeTelegram, dc: FakeDiscord | None, private: int, tg_groups: int,
                dc_channels: int) -> World:
    """The people and chats, known to the fakes before the bot starts (the bot is a member
    of every group and server already, as after a while in production)."""
    for uid in range(FIRST_PRIVATE, FIRST_PRIVATE + private):
        tg.add_user(uid, f"Person {uid}", language_code="en")
    groups = []
    for n in range(tg_groups):
        member = FIRST_MEMBER + n
        tg.add_user(member, f"Member {n}", language_code="en")
        tg.add_chat(FIRST_GROUP - n, "supergroup", f"Diaspora group {n}", members=[member])
        groups.append((FIRST_GROUP - n, member))
    channels = []
    if dc is not None:
        for n in range(dc_channels):
            guild = dc.add_guild(f"Diaspora server {n}", preferred_locale="en-US")
            channel = dc.add_channel(guild, "general")
            user = dc.add_user(f"member{n}", locale="en-US")
            dc.add_member(guild, user)
            channels.append((guild, channel, user))
    return World(list(range(FIRST_PRIVATE, FIRST_PRIVATE + private)), groups, channels)


def discord_synced(dc: FakeDiscord) -> bool:
    """The gateway session is past READY and /help is a synced global command."""
    if not dc.gateway.ready_sessions(1):
        return False
    try:
        dc.state.find_command("help", None)
    except LookupError:
        return False
    return True


async def wait_ready(child: Child, tg: FakeTelegram, dc: FakeDiscord | None) -> float:
    """Until Telegram is polled and Discord is connected with its commands; seconds taken."""
    started = time.monotonic()
    await child.watch(tg.wait_until(lambda: tg.long_polls_waiting > 0, READY_TIMEOUT,
                                    what="a getUpdates long poll"), "Telegram polling")
    if dc is not None:
        left = max(1.0, READY_TIMEOUT - (time.monotonic() - started))
        await child.watch(dc.wait_until(lambda: discord_synced(dc), left,
                                        "READY and the slash commands"), "Discord ready")
    return time.monotonic() - started


def rows_of(database: Path) -> dict[str, int]:
    """Rows of a few tables of the process's own database (read once it has stopped)."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("people", "chats", "communities", "deliveries")}


async def load(child: Child, tg: FakeTelegram, dc: FakeDiscord | None, world: World) -> None:
    """Every group, then every private chat, sends one command; until all are answered."""
    if dc is not None and world.dc_channels:
        handles: list[InteractionHandle] = []
        for guild, channel, user in world.dc_channels:
            handles.append(await dc.slash_command(guild, channel, user, "help"))

        def responded() -> int:
            return sum(1 for h in handles if h.sent_messages)

        seconds = await child.watch(until_answered(
            responded, len(handles), lambda p, t: dc.wait_until(p, t, "an answer"),
            "Discord /help"), "the Discord answers")
        print(f"  Discord: {len(handles)} slash /help in {len(handles)} channels "
              f"answered in {seconds:.1f} s")
    groups = TelegramAnswers(tg, {chat for chat, _ in world.tg_groups})
    for chat, member in world.tg_groups:
        tg.push_command(chat, member, "/help")
    seconds = await child.watch(until_answered(
        groups.scan, len(groups.wanted),
        lambda p, t: tg.wait_until(p, t, what="an answer"), "Telegram group /help"),
        "the Telegram group answers")
    print(f"  Telegram: {len(groups.wanted)} group /help answered in {seconds:.1f} s")
    private = TelegramAnswers(tg, set(world.private))
    for uid in world.private:
        tg.push_command(uid, uid, "/start")
    seconds = await child.watch(until_answered(
        private.scan, len(private.wanted),
        lambda p, t: tg.wait_until(p, t, what="an answer"), "Telegram private /start"),
        "the private answers")
    rate = len(private.wanted) / seconds if seconds else 0.0
    print(f"  Telegram: {len(private.wanted)} private /start from distinct people answered in "
          f"{seconds:.1f} s ({rate:.0f}/s)")


async def main(args: argparse.Namespace, workdir: Path) -> None:
    """Start the fakes and the process, measure, stop."""
    dc_channels = 0 if args.telegram_only else min(args.discord_channels, args.groups)
    tg_groups = args.groups - dc_channels
    async with contextlib.AsyncExitStack() as stack:
        tg = await stack.enter_async_context(FakeTelegram())
        dc = None if args.telegram_only else await stack.enter_async_context(FakeDiscord())
        world = build_world(tg, dc, args.private, tg_groups, dc_channels)
        child = Child(workdir, bot_env(workdir, tg, dc))
        print(f"diaspora-bot run on {'Telegram' if dc is None else 'Telegram and Discord'} "
              f"(fakes on 127.0.0.1:{tg.port}{'' if dc is None else f' and :{dc.port}'}), "
              f"SQLite, working directory {workdir}")
        print(f"  {args.private} private chats; {tg_groups} Telegram groups"
              + ("" if dc is None else f" and {dc_channels} Discord channels (a server each)"))
        child.start()
        try:
            ready = await wait_ready(child, tg, dc)
            settled = await child.settle()
            print(f"  ready in {ready:.1f} s; settled {settled:.1f} s later")
            print(memory_line("idle", child.pid))
            started = time.monotonic()
            await load(child, tg, dc, world)
            loaded = time.monotonic() - started
            settled = await child.settle()
            print(f"  all answered {loaded:.1f} s after the first command; settled "
                  f"{settled:.1f} s later")
            print(memory_line("loaded", child.pid))
        finally:
            code = await child.stop()
        print(f"  stopped by SIGTERM: exit code {code}")
        pushed = len(world.private) + len(world.tg_groups)
        taken = pushed - len(tg.pending_updates)
        print(f"  updates handled: Telegram {taken} of {pushed} taken and confirmed "
              f"(getUpdates offset), {len(tg.all_sent())} messages sent")
        if dc is not None:
            answered = sum(1 for h in dc.interactions.values() if h.acknowledged)
            print(f"  updates handled: Discord {answered} of {len(world.dc_channels)} "
                  "interactions answered")
        print(f"  rows in its database: {rows_of(child.database)}")
        log = child.log.read_text(errors="replace")
        problems = [line for line in log.splitlines()
                    if " WARNING " in line or " ERROR " in line or "Traceback" in line]
        print(f"  its log: {len(log.splitlines())} lines, {len(problems)} warnings or errors"
              + "".join(f"\n    {line[:200]}" for line in problems[:5]))


def cli() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--private", type=int, default=10_000,
                        help="distinct people sending /start in private (10000)")
    parser.add_argument("--groups", type=int, default=200,
                        help="groups sending /help, Telegram and Discord together (200)")
    parser.add_argument("--discord-channels", type=int, default=50,
                        help="how many of the groups are Discord channels (50)")
    parser.add_argument("--telegram-only", action="store_true",
                        help="no Discord: every group on Telegram")
    parser.add_argument("--keep", help="use this directory as the working directory and keep it")
    args = parser.parse_args()
    if min(args.private, args.groups, args.discord_channels) < 0:
        parser.error("counts must not be negative")
    run_with_children(lambda workdir: main(args, workdir), "memory-bench-", args.keep)


if __name__ == "__main__":
    cli()
