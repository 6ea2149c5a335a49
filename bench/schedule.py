"""How late the schedule runs, and how long it takes to rebuild at start.

    .venv/bin/python bench/schedule.py                                   # SQLite, temporary file
    .venv/bin/python bench/schedule.py postgresql+asyncpg://postgres@127.0.0.1/bench_db
    .venv/bin/python bench/schedule.py --reminders 10000 --spread 60 --future 100000

1. Lateness: `--reminders` meeting reminders (the real `meeting.remind` job: it reads the
   meeting, its answers and agenda, renders the reminder in each chat's language and queues
   it) fall due within one minute (`--spread` seconds, evenly), across 50 chats. They run on
   the real clock through the real runner (APScheduler timers, claims, the job, the outbox
   worker) to an unthrottled recording messenger. Printed: lateness from due time to the
   send, p50 / p99 / max, and how long the whole minute took to clear.
2. Rebuild: `--future` pending items spread over the next 30 days, then the runner's start
   (recover interrupted items, arm a timer for everything due within its horizon) is timed;
   and again with every item inside the horizon, the worst case.

Targets: p99 lateness ≤ 1 s; rebuild ≤ 3 s. A PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select

from bot.app import App
from bot.clock import SystemClock
from bot.events import ChatKind, ChatRef, Platform
from bot.features.meetings.records import NewMeeting
from bot.features.meetings.recurrence import key_of
from bot.features.meetings.timeline import REMIND, ReminderRef
from bot.replies import Reply, SentMessage
from scheduling.runner import HORIZON, ScheduleRunner
from storage.models.core import ScheduleRow
from storage.store import SqlStore
from tests.support import Harness, RecordingMessenger, open_store, reset_postgres
from tests.support import settings_for_tests as settings

CHATS = 50


_TITLE = re.compile(r"Reminder: Dialogue (\d+) starts")


class TimedMessenger(RecordingMessenger):
    """Records when the reminder of each meeting was sent (wall clock)."""

    def __init__(self) -> None:
        super().__init__(Platform.CONSOLE)
        self.at: dict[int, float] = {}
        self.done = asyncio.Event()
        self.expected = 0

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        """Record the time, keep no copy (10,000 replies add up)."""
        found = _TITLE.search(reply.body.plain())
        if found:
            self.at[int(found.group(1))] = time.time()
            if len(self.at) >= self.expected:
                self.done.set()
        self._next += 1
        return SentMessage(chat, (f"m{self._next}",))


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def lateness(url: str, reminders: int, spread: float) -> None:
    """Part 1: reminders due within one minute, on the real clock."""
    clock = SystemClock()
    async with open_store(url, clock) as store:
        app = App(settings(), store, clock)
        messenger = TimedMessenger()
        app.add_messenger(messenger)
        h = Harness(app, clock, messenger)  # type: ignore[arg-type]
        chats = []
        for n in range(CHATS):
            h.chat = ChatRef(Platform.CONSOLE, f"chat{n}", ChatKind.GROUP, f"Group {n}")
            await h.send("/help")
            chat = await store.chats.find(Platform.CONSOLE, f"chat{n}")
            assert chat is not None
            chats.append(chat)

        setup = time.perf_counter()
        start_local = (clock.now() + timedelta(hours=3)).replace(second=0, microsecond=0,
                                                                  tzinfo=None)
        ids = []
        for i in range(reminders):
            chat = chats[i % CHATS]
            meeting = await store.meetings.create(NewMeeting(
                community_id=chat.community_id, title=f"Dialogue {i}", start_local=start_local,
                zone="UTC", duration=timedelta(hours=1), place="Café Lisboa", chat_id=chat.id))
            ids.append(meeting.id)
        key = key_of(start_local)
        # Due from `base` on, evenly over `spread` seconds: far enough ahead to arm them all.
        base = datetime.now(UTC) + timedelta(seconds=8 + reminders / 2000)
        due = {mid: base + timedelta(seconds=spread * i / reminders) for i, mid in enumerate(ids)}
        rows = [{"kind": REMIND.name, "ref": REMIND.encode(ReminderRef(mid, key, 180)),
                 "due_at": at, "status": "pending", "grace_seconds": 3600, "payload": {}, "created_at": clock.now()}
                for mid, at in due.items()]
        async with store.engine.begin() as conn:
            await conn.execute(insert(ScheduleRow), rows)
        print(f"  set-up: {CHATS} chats, {reminders:,} meetings and reminders in "
              f"{time.perf_counter() - setup:.1f} s")

        messenger.expected = reminders
        started = time.perf_counter()
        await app.start()
        print(f"  start (arming {reminders:,} timers): {time.perf_counter() - started:.2f} s")
        try:
            await asyncio.wait_for(messenger.done.wait(), timeout=spread + 600)
        finally:
            await app.stop()
        left = [i for i in await store.schedule.pending(until=base + timedelta(days=1))
                if i.kind == REMIND.name]
        assert not left, f"{len(left)} reminders never ran"
        late = []
        first = base.timestamp()
        for i, at in messenger.at.items():
            late.append(at - due[ids[i]].timestamp())
        ran = await _ran_late(store)
        backend = url.split("+", 1)[0].split(":")[0]
        print(f"  due → job done: p50 {pct(ran, 50) * 1000:.0f} ms, "
              f"p99 {pct(ran, 99) * 1000:.0f} ms, max {max(ran) * 1000:.0f} ms")
        print(f"{backend}: {reminders:,} reminders due within {spread:.0f} s: lateness "
              f"p50 {pct(late, 50) * 1000:.0f} ms, p99 {pct(late, 99) * 1000:.0f} ms, "
              f"max {max(late) * 1000:.0f} ms; the last sent "
              f"{max(messenger.at.values()) - first:.1f} s after the first was due")
        print(f"  mean {statistics.mean(late) * 1000:.0f} ms over {len(late):,} sends")


async def _ran_late(store: SqlStore) -> list[float]:
    """Seconds from due to done for every reminder, from the schedule rows."""
    async with store.engine.connect() as conn:
        rows = (await conn.execute(select(ScheduleRow.due_at, ScheduleRow.ran_at)
                                   .where(ScheduleRow.kind == REMIND.name))).all()
    return [(ran - due).total_seconds() for due, ran in rows if ran is not None]


async def rebuild(url: str, future: int, *, within_horizon: bool) -> None:
    """Part 2: start-up with `future` pending items."""
    clock = SystemClock()
    async with open_store(url, clock) as store:
        now = clock.now()
        span = HORIZON - timedelta(minutes=5) if within_horizon else timedelta(days=30)
        rows = [{"kind": "bench.item", "ref": str(i),
                 "due_at": now + timedelta(minutes=5) + span * (i / future),
                 "status": "pending", "grace_seconds": 3600, "payload": {},
                 "created_at": now} for i in range(future)]
        async with store.engine.begin() as conn:
            for chunk in range(0, future, 10_000):
                await conn.execute(insert(ScheduleRow), rows[chunk:chunk + 10_000])
        runner = ScheduleRunner(store, clock)
        started = time.perf_counter()
        await runner.start()
        took = time.perf_counter() - started
        jobs = runner.scheduler.get_jobs() if runner.scheduler else []
        armed = sum(job.id.startswith("item-") for job in jobs)
        await runner.stop()
        where = "all within the horizon" if within_horizon else "over 30 days"
        backend = url.split("+", 1)[0].split(":")[0]
        print(f"{backend}: start-up with {future:,} future items ({where}): {took:.2f} s, "
              f"{armed:,} timers armed")


async def main(url: str | None, reminders: int, spread: float, future: int,
               rebuild_only: bool = False) -> None:
    """Run both parts on a fresh database each."""
    with tempfile.TemporaryDirectory() as tmp:
        for part in range(1 if rebuild_only else 0, 3):
            if url:
                await reset_postgres(url)
                target = url
            else:
                target = f"sqlite+aiosqlite:///{tmp}/bench{part}.db"
            if part == 0:
                await lateness(target, reminders, spread)
            else:
                await rebuild(target, future, within_horizon=part == 2)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?", help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=60.0)
    parser.add_argument("--future", type=int, default=100_000)
    parser.add_argument("--rebuild-only", action="store_true", help="skip part 1")
    args = parser.parse_args()
    asyncio.run(main(args.url, args.reminders, args.spread, args.future, args.rebuild_only))
