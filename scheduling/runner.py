"""Runs scheduled items: rows in the database, timers in APScheduler.

The database is the source of truth. At start the APScheduler timers (an
in-memory job store, one job per item, ids derived from the rows) are
rebuilt from the pending rows due within a horizon; a periodic job extends
the horizon. A fired timer only hands the item id to a queue; a drain task
claims items (a conditional UPDATE, so each item runs once even with several
processes), runs the feature's job, and marks the item done and queues its
messages in one transaction. Items that fell due while the bot was down run
late if within their grace, else they are skipped with a logged reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot import metrics
from bot.context import JobContext
from bot.feature import JobHandler
from bot.i18n import set_locale
from bot.jobs import BadRef, JobKind, declared
from bot.ports import Clock, Store
from bot.records import ScheduledItem
from scheduling.owners import default_owner, gone_owners

log = logging.getLogger(__name__)
R = TypeVar("R")

HORIZON = timedelta(hours=6)
# At most this many timers are armed by one look ahead (APScheduler's add_job costs about
# 80 µs: 100,000 items due within the horizon took 7.5 s to arm at start). When the
# earliest ARM_LIMIT end before the horizon does, the runner looks again before it
# reaches the last of them.
ARM_LIMIT = 5_000
LOOK_AGAIN_AT = 0.8  # of the way to the last armed item
REFRESH_EVERY = timedelta(minutes=30)
# Every process also sweeps for due items it has no timer for (another process scheduled
# them and died): the bound on how late a survivor takes over.
SWEEP_EVERY = timedelta(seconds=15)
STUCK_AFTER = timedelta(minutes=10)
BATCH = 200
# A timer already set to fire within this of the wanted time is left alone.
ARM_SLACK = timedelta(seconds=1)
# Items of different subjects run side by side, this many at a time: each job is mostly
# waiting on the database, and one after another left the loop idle between queries.
CONCURRENCY = 8


def subject(item: ScheduledItem) -> tuple[str, str]:
    """What an item is about, as its kind declares it (the feature, and the first field of
    its ref: a meeting, a poll). Items of one subject run one after another, in the order
    they were claimed. An item of no known kind or with a malformed ref has a lane of its
    own: it is only marked failed or skipped."""
    kind = declared().get(item.kind)
    if kind is not None:
        with contextlib.suppress(BadRef):
            return kind.subject(kind.decode(item.ref))
    return item.kind, item.ref


class _Subject:
    """The lock of one subject, and how many lanes hold or wait for it."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class ScheduleRunner:
    """Keeps APScheduler in step with the schedule rows and runs what falls due."""

    def __init__(self, store: Store, clock: Clock, *, default_language: str = "en",
                 default_grace: int = 6 * 3600,
                 on_done: Callable[[], None] | None = None, owner: str | None = None) -> None:
        self.store = store
        self.owner = owner or default_owner()
        self.default_grace = default_grace
        self.clock = clock
        self.default_language = default_language
        self.on_done = on_done
        self.jobs: Mapping[str, JobHandler] = {}
        self.job_context: JobContext | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._drainer: asyncio.Task[None] | None = None
        # Lanes of claimed items under way, and how many of them may run jobs at once.
        self._lanes: set[asyncio.Task[None]] = set()
        self._gate = asyncio.Semaphore(CONCURRENCY)
        # One lock per subject with items in hand, so a meeting's items never overlap.
        self._subjects: dict[tuple[str, str], _Subject] = {}
        # The wall-clock time each armed timer fires at, by item id.
        self._armed: dict[int, datetime] = {}
        # Items whose timer is already due but has not fired yet, and whether
        # the drain task is busy: together they say when everything due is done.
        self._due_timers: set[int] = set()
        self._busy = 0
        self._settled = asyncio.Event()
        self._settled.set()
        self.runs = 0

    def bind(self, jobs: Mapping[str, JobHandler], job_context: JobContext) -> None:
        """Attach the feature jobs (known once the router is built)."""
        self.jobs = jobs
        self.job_context = job_context

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Start APScheduler inside the running loop and rebuild the timers."""
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.start()
        self._drainer = asyncio.create_task(self._drain(), name="schedule-drain")
        await self.recover()
        await self.resync()
        self.scheduler.add_job(self.resync, "interval",
                               seconds=REFRESH_EVERY.total_seconds(), id="schedule-horizon")
        self.scheduler.add_job(self.sweep, "interval",
                               seconds=SWEEP_EVERY.total_seconds(), id="schedule-sweep")

    async def stop(self) -> None:
        """Stop the timers and the drain task (items in flight finish first)."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None
        # Timers that will never fire now must not hold up the wait below.
        self._due_timers.clear()
        self._armed.clear()
        self._update_settled()
        if self._drainer is not None:
            await self.wait_idle()
            self._drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drainer
            self._drainer = None

    async def resync(self) -> int:
        """Arm a timer for the pending items due within the horizon (the earliest ARM_LIMIT
        of them); return how many."""
        now = self.clock.now()
        items = await self.store.schedule.pending(until=now + HORIZON, limit=ARM_LIMIT)
        for item in items:
            self._arm(item)
        if len(items) == ARM_LIMIT and self.scheduler is not None:
            ahead = max(timedelta(seconds=1), (items[-1].due_at - now) * LOOK_AGAIN_AT)
            self.scheduler.add_job(self.resync, DateTrigger(datetime.now(UTC) + ahead,
                                                            timezone=UTC),
                                   id="schedule-look-again", replace_existing=True)
        return len(items)

    async def sweep(self) -> int:
        """Run due items no timer here knows of, and recover items whose runner died."""
        now = self.clock.now()
        await self.recover()
        ran = 0
        while True:
            items = await self.store.schedule.claim_due(now, BATCH, self.owner)
            await self.run_all(items)
            ran += len(items)
            if len(items) < BATCH:
                return ran

    async def recover(self) -> int:
        """Return to pending the items whose runner is gone (see scheduling/owners.py), and
        any claimed more than STUCK_AFTER ago. They run again from the start: a job's
        messages are queued only with its completion, so nothing was sent twice."""
        now = self.clock.now()
        gone = await gone_owners(self.store, await self.store.schedule.claimants(), self.owner,
                                 now)
        recovered = await self.store.schedule.recover_running(now - STUCK_AFTER, owners=gone)
        if recovered:
            log.warning("%d scheduled items were interrupted mid-run; running them again",
                        recovered)
        return recovered

    # -- the SchedulerPort the core uses ------------------------------------------

    async def schedule(self, kind: JobKind[R], ref: R, due_at: datetime, *,
                       grace_seconds: int | None = None,
                       payload: dict[str, Any] | None = None) -> ScheduledItem:
        """Store an item and arm its timer if it falls within the horizon.

        `grace_seconds`: how late it may still run; SCHEDULE_GRACE_SECONDS when not given.
        """
        grace = self.default_grace if grace_seconds is None else grace_seconds
        item = await self.store.schedule.add(kind.name, kind.encode(ref), due_at,
                                             grace_seconds=grace, payload=payload)
        if due_at <= self.clock.now() + HORIZON:
            self._arm(item)
        return item

    async def cancel(self, kind: JobKind[R], ref: R) -> int:
        """Cancel pending items (a timer that still fires finds nothing to run)."""
        return await self.store.schedule.cancel(kind.name, kind.encode(ref))

    async def cancel_all(self, kind: JobKind[Any], head: int) -> int:
        """Cancel the pending items of a kind whose ref starts with `head`."""
        return await self.store.schedule.cancel_prefix(kind.name, kind.head_prefix(head))

    async def pending_refs(self, kind: JobKind[R]) -> set[R]:
        """The refs of a kind's pending items (any malformed one left out)."""
        refs = set()
        for text in await self.store.schedule.pending_refs(kind.name):
            with contextlib.suppress(BadRef):
                refs.add(kind.decode(text))
        return refs

    # -- firing ----------------------------------------------------------------------

    def _arm(self, item: ScheduledItem) -> None:
        if self.scheduler is None:
            return
        delay = (item.due_at - self.clock.now()).total_seconds()
        run_date = datetime.now(UTC) + timedelta(seconds=max(0.0, delay))
        armed = self._armed.get(item.id)
        if delay > 0 and armed is not None and abs(run_date - armed) <= ARM_SLACK:
            return  # its timer is already set (the half-hourly resync would redo them all)
        self._armed[item.id] = run_date
        if delay <= 0:
            self._due_timers.add(item.id)
            self._update_settled()
        self.scheduler.add_job(self._fire, DateTrigger(run_date, timezone=UTC), args=[item.id],
                               id=f"item-{item.id}", replace_existing=True)

    async def _fire(self, item_id: int) -> None:
        self._armed.pop(item_id, None)
        self._due_timers.discard(item_id)
        self._queue.put_nowait(item_id)
        self._update_settled()

    def _update_settled(self) -> None:
        if self._due_timers or self._busy or not self._queue.empty():
            self._settled.clear()
        else:
            self._settled.set()

    async def wait_idle(self) -> None:
        """Wait until every item already due has fired and been handled."""
        await self._settled.wait()

    async def _drain(self) -> None:
        # One task claims what the timers hand over and starts a lane per subject; the lanes
        # run side by side (CONCURRENCY at a time), since a job mostly waits on the database.
        while True:
            ids = [await self._queue.get()]
            self._busy += 1
            while not self._queue.empty() and len(ids) < BATCH:
                ids.append(self._queue.get_nowait())
            try:
                self._start_lanes(
                    await self.store.schedule.claim(ids, self.clock.now(), self.owner))
            except Exception:
                log.exception("schedule drain failed for items %s", ids[:10])
            finally:
                self._busy -= 1
                self._update_settled()

    async def run_all(self, items: list[ScheduledItem]) -> None:
        """Run claimed items: one subject's in order, different subjects side by side."""
        lanes = self._start_lanes(items)
        if lanes:
            await asyncio.wait(lanes)

    def _start_lanes(self, items: list[ScheduledItem]) -> list[asyncio.Task[None]]:
        """A task per subject, started in claim order: each first queues on its subject's
        lock, and asyncio's locks are first come, first served, so a subject's items run in
        the order they were claimed, whichever batch they came in."""
        queues: dict[tuple[str, str], list[ScheduledItem]] = {}
        for item in items:
            queues.setdefault(subject(item), []).append(item)
        started = []
        for key, queue in queues.items():
            held = self._subjects.setdefault(key, _Subject())
            held.users += 1
            task = asyncio.create_task(self._lane(key, held, queue))
            self._busy += 1
            self._lanes.add(task)
            task.add_done_callback(self._lane_done)
            started.append(task)
        return started

    async def _lane(self, key: tuple[str, str], held: _Subject,
                    queue: list[ScheduledItem]) -> None:
        try:
            async with held.lock, self._gate:
                for item in queue:
                    await self.run_item(item)
        except Exception:
            log.exception("scheduled items of %s failed", "/".join(key))
        finally:
            held.users -= 1
            if not held.users:
                del self._subjects[key]

    def _lane_done(self, task: asyncio.Task[None]) -> None:
        self._lanes.discard(task)
        self._busy -= 1
        self._update_settled()

    async def run_item(self, item: ScheduledItem) -> None:
        """Run one claimed item: skip it if stale, else run its job and record the result."""
        now = self.clock.now()
        late_by = now - item.due_at
        metrics.SCHEDULE_LAG.observe(max(0.0, late_by.total_seconds()))
        if late_by > timedelta(seconds=item.grace_seconds):
            metrics.SCHEDULE_RUNS.labels(item.kind, "skipped").inc()
            reason = f"stale: due {item.due_at.isoformat()}, missed by {late_by}"
            log.warning("skipping %s %s: %s", item.kind, item.ref, reason)
            await self.store.schedule.skip(item.id, reason, now)
            return
        handler = self.jobs.get(item.kind)
        kind = declared().get(item.kind)
        if handler is None or kind is None or self.job_context is None:
            await self.store.schedule.fail(item.id, f"no job for kind {item.kind!r}", now)
            return
        try:
            kind.decode(item.ref)
        except BadRef as exc:
            metrics.SCHEDULE_RUNS.labels(item.kind, "skipped").inc()
            log.warning("skipping %s %r: bad ref: %s", item.kind, item.ref, exc)
            await self.store.schedule.skip(item.id, f"bad ref: {exc}", now)
            return
        set_locale(self.default_language)
        context = JobContext(self.job_context.services, late_by=late_by)
        try:
            deliveries = await handler(context, item)
        except Exception as exc:
            log.exception("scheduled %s %s failed", item.kind, item.ref)
            await self.store.schedule.fail(item.id, f"{type(exc).__name__}: {exc}", now)
            metrics.SCHEDULE_RUNS.labels(item.kind, "failed").inc()
            return
        metrics.SCHEDULE_RUNS.labels(item.kind, "done").inc()
        note = f"late by {late_by}" if late_by > timedelta(minutes=1) else None
        queued = await self.store.schedule.complete(item.id, list(deliveries or []), now,
                                                     note=note, owner=self.owner)
        if queued is None:
            log.warning("%s %s was taken over by another process before it finished here; "
                        "its messages are left to that run", item.kind, item.ref)
            return
        self.runs += 1
        if self.on_done is not None and deliveries:
            self.on_done()
