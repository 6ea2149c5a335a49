"""The persistent schedule: rebuilt from rows, each item run exactly once, stale items skipped."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.app import App
from bot.clock import FakeClock, SystemClock
from bot.context import JobContext
from bot.events import ChatKind, ChatRef, Platform
from bot.feature import Feature
from bot.features import all_features
from bot.i18n import N_, _, current_locale
from bot.jobs import Fields, JobKind
from bot.records import NewDelivery, ScheduledItem, ScheduleStatus
from bot.replies import Reply, reply_to_json
from bot.richtext import doc
from tests.support import RecordingMessenger, make_harness, open_store, settings_for_tests

probe = Feature("probe", N_("Probe"))


@dataclass(frozen=True)
class ProbeRef:
    """A chat, and a name telling items of it apart."""

    chat_id: int
    name: str


PROBE = JobKind("probe", "probe", Fields(ProbeRef))
runs: list[tuple[int, str, timedelta]] = []
fired = asyncio.Event()


@probe.job(PROBE)
async def probe_job(ctx: JobContext, item: ScheduledItem, ref: ProbeRef) -> list[NewDelivery]:
    """Record the run; post one message in the chat's language."""
    chat = await ctx.store.chats.get(ref.chat_id)
    assert chat is not None
    from bot.i18n import use_locale

    with use_locale(ctx.services.chat_locale(chat)):
        runs.append((item.id, current_locale(), ctx.late_by))
        body = doc(_("Hello, everyone!"))
    fired.set()
    return [NewDelivery(chat.id, reply_to_json(Reply(body)), key=f"probe:{item.id}")]


def _es(msgid: str) -> str:
    from bot.i18n import use_locale

    with use_locale("es"):
        text = _(msgid)
    assert text != msgid, "the Spanish catalog should translate this"
    return text


def _fr(msgid: str) -> str:
    from bot.i18n import use_locale

    with use_locale("fr"):
        text = _(msgid)
    assert text != msgid, "the French catalog should translate this"
    return text


@pytest.fixture(autouse=True)
def _reset() -> None:
    runs.clear()
    fired.clear()


async def _app(store: object, clock: object, messenger: RecordingMessenger) -> App:
    app = App(settings_for_tests(), store, clock, [*all_features(), probe])  # type: ignore[arg-type]
    app.add_messenger(messenger)
    await app.start()
    return app


async def test_item_due_while_stopped_runs_once_after_restart(db_url: str) -> None:
    clock = FakeClock()
    messenger = RecordingMessenger()
    async with open_store(db_url, clock) as store:
        chat = await store.chats.ensure(ChatRef(Platform.CONSOLE, "g", ChatKind.GROUP), "es")
        first = await _app(store, clock, messenger)
        item = await first.services.scheduler.schedule(PROBE, ProbeRef(chat.id, "once"),
                                                       clock.now() + timedelta(hours=1))
        await first.stop()
        assert runs == []

        clock.advance(timedelta(hours=2))
        second = await _app(store, clock, messenger)
        await second.runner.wait_idle()
        await second.worker.drain()
        await second.stop()
        third = await _app(store, clock, messenger)
        await third.runner.wait_idle()
        await third.worker.drain()
        await third.stop()

        assert [(i, loc) for i, loc, _late in runs] == [(item.id, "es")]
        assert runs[0][2] == timedelta(hours=1)
        assert len(messenger.texts()) == 1
        assert messenger.texts() == [_es("Hello, everyone!")]
        done = await store.schedule.get(item.id)
        assert done is not None and done.status == ScheduleStatus.DONE
        assert done.note is not None and "late" in done.note


async def test_the_default_grace_comes_from_the_settings(db_url: str) -> None:
    async with make_harness(db_url, schedule_grace_seconds=120) as h:
        item = await h.app.services.scheduler.schedule(PROBE, ProbeRef(1, "default"), h.clock.now())
        explicit = await h.app.services.scheduler.schedule(PROBE, ProbeRef(2, "explicit"), h.clock.now(),
                                                           grace_seconds=5)
        assert (item.grace_seconds, explicit.grace_seconds) == (120, 5)


async def test_stale_items_are_skipped_with_a_reason(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    messenger = RecordingMessenger()
    async with open_store(db_url, clock) as store:
        chat = await store.chats.ensure(ChatRef(Platform.CONSOLE, "g", ChatKind.GROUP), "en")
        app = await _app(store, clock, messenger)
        item = await app.services.scheduler.schedule(
            PROBE, ProbeRef(chat.id, "stale"), clock.now() + timedelta(minutes=5), grace_seconds=600)
        await app.stop()
        clock.advance(timedelta(hours=3))
        with caplog.at_level(logging.WARNING, logger="scheduling.runner"):
            app = await _app(store, clock, messenger)
            await app.runner.wait_idle()
            await app.stop()
        skipped = await store.schedule.get(item.id)
        assert skipped is not None and skipped.status == ScheduleStatus.SKIPPED
        assert skipped.note is not None and skipped.note.startswith("stale")
        assert runs == [] and messenger.sent == []
        assert any("skipping probe" in r.message for r in caplog.records)


async def test_moving_the_clock_fires_due_items_through_apscheduler(db_url: str) -> None:
    async with make_harness(db_url, features=[*all_features(), probe]) as h:
        chat = await h.app.store.chats.ensure(ChatRef(Platform.CONSOLE, "g", ChatKind.GROUP),
                                              "fr")
        now = h.clock.now()
        for minutes in (10, 20, 600):
            await h.app.services.scheduler.schedule(PROBE, ProbeRef(chat.id, str(minutes)),
                                                    now + timedelta(minutes=minutes))
        await h.advance(timedelta(minutes=15))
        assert len(runs) == 1
        await h.advance(timedelta(minutes=10))
        assert len(runs) == 2
        assert h.messenger.texts() == [_fr("Hello, everyone!")] * 2
        assert h.app.runner.scheduler is not None
        # The far item is beyond the horizon: no timer yet, but its row waits.
        assert [i.kind for i in await h.app.store.schedule.pending()
                if i.kind == "probe"] == ["probe"]


async def test_rescheduling_replaces_the_earlier_item(db_url: str) -> None:
    async with make_harness(db_url, features=[*all_features(), probe]) as h:
        chat = await h.app.store.chats.ensure(ChatRef(Platform.CONSOLE, "g", ChatKind.GROUP),
                                              "en")
        sched = h.app.services.scheduler
        await sched.schedule(PROBE, ProbeRef(chat.id, "once"), h.clock.now() + timedelta(minutes=5))
        await sched.schedule(PROBE, ProbeRef(chat.id, "once"), h.clock.now() + timedelta(minutes=30))
        await h.advance(timedelta(minutes=10))
        assert runs == []
        await h.advance(timedelta(minutes=30))
        assert len(runs) == 1
        assert await sched.cancel(PROBE, ProbeRef(chat.id, "once")) == 0


async def test_the_real_scheduler_fires_on_real_time(tmp_path: object) -> None:
    clock = SystemClock()
    messenger = RecordingMessenger()
    async with open_store(f"sqlite+aiosqlite:///{tmp_path}/rt.db", clock) as store:  # type: ignore[arg-type]
        chat = await store.chats.ensure(ChatRef(Platform.CONSOLE, "g", ChatKind.GROUP), "en")
        app = await _app(store, clock, messenger)
        try:
            await app.services.scheduler.schedule(PROBE, ProbeRef(chat.id, "once"),
                                                  clock.now() + timedelta(milliseconds=300))
            assert runs == []
            await asyncio.wait_for(fired.wait(), timeout=5)
            await app.runner.wait_idle()
            assert await app.worker.drain()
            assert len(runs) == 1 and len(messenger.sent) == 1
        finally:
            await app.stop()


async def test_a_survivor_sweeps_up_items_another_process_scheduled(db_url: str) -> None:
    clock = FakeClock()
    messenger = RecordingMessenger()
    async with open_store(db_url, clock) as store:
        chat = await store.chats.ensure(ChatRef(Platform.CONSOLE, "g", ChatKind.GROUP), "en")
        survivor = await _app(store, clock, messenger)
        try:
            # Another process put these on the schedule (no timer here), then died:
            # one never started, one was claimed and left running.
            await store.schedule.add("probe", f"{chat.id}:a", clock.now() + timedelta(minutes=1))
            stuck = await store.schedule.add("probe", f"{chat.id}:b", clock.now())
            await store.schedule.claim([stuck.id], clock.now())
            clock.advance(timedelta(minutes=2))
            assert await survivor.runner.sweep() == 1
            clock.advance(timedelta(minutes=10))
            assert await survivor.runner.sweep() == 1
            assert await survivor.runner.sweep() == 0
        finally:
            await survivor.stop()
        assert len(runs) == 2
        assert [i for i in await store.schedule.pending() if i.kind == "probe"] == []


lanes = Feature("lanes", N_("Lanes"))
in_flight: dict[str, int] = {}
overlap: list[tuple[int, int]] = []
order: list[str] = []


@dataclass(frozen=True)
class LaneRef:
    """An item of one subject, and its number."""

    subject: str
    n: int


SLOW = JobKind("lanes.slow", "lanes", Fields(LaneRef))


@lanes.job(SLOW)
async def slow_job(ctx: JobContext, item: ScheduledItem, ref: LaneRef) -> list[NewDelivery]:
    """Hold the item a moment; note how many of its subject, and of all, run at once."""
    subject = ref.subject
    in_flight[subject] = in_flight.get(subject, 0) + 1
    overlap.append((in_flight[subject], sum(in_flight.values())))
    order.append(item.ref)
    await asyncio.sleep(0.05)
    in_flight[subject] -= 1
    return []


async def test_items_of_one_subject_run_in_order_and_others_side_by_side(db_url: str) -> None:
    in_flight.clear()
    overlap.clear()
    order.clear()
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        app = App(settings_for_tests(), store, clock, [*all_features(), lanes])
        await app.start()
        try:
            due = clock.now() + timedelta(minutes=1)
            for n in range(3):
                for subject in ("a", "b", "c", "d"):
                    await app.runner.schedule(SLOW, LaneRef(subject, n), due)
            clock.set(due)
            await app.runner.resync()
            await app.runner.wait_idle()
        finally:
            await app.stop()
    assert len(order) == 12
    for subject in "abcd":
        assert [r for r in order if r.startswith(subject)] == [f"{subject}:{n}"
                                                              for n in range(3)]
    # Never two items of one subject at once; several subjects at once.
    assert max(mine for mine, _all in overlap) == 1
    assert max(everyone for _mine, everyone in overlap) > 1


async def test_items_of_a_gone_process_are_taken_over_at_the_next_sweep(
        db_url: str) -> None:
    import sys

    from scheduling.owners import default_owner

    host, pidns, _pid = default_owner().split(":")
    if pidns == "0":
        pytest.skip("no PID namespace id here: a dead process cannot be told apart")
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import os; print(os.getpid())", stdout=asyncio.subprocess.PIPE)
    gone = (await child.communicate())[0].decode().strip()
    clock = FakeClock()
    messenger = RecordingMessenger()
    async with open_store(db_url, clock) as store:
        chat = await store.chats.ensure(ChatRef(Platform.CONSOLE, "g", ChatKind.GROUP), "en")
        survivor = await _app(store, clock, messenger)
        try:
            before = len(runs)
            holders = {"killed here": f"{host}:{pidns}:{gone}",
                       "alive here": f"{host}:{pidns}:1",
                       "silent elsewhere": "other-host:7:40",
                       "beating elsewhere": "other-host:7:41"}
            for holder in (holders["killed here"], holders["beating elsewhere"]):
                # Both wrote heartbeats: only the host can tell the killed one is gone.
                await store.workers.beat(holder, clock.now(), alive_since=clock.now())
            await store.workers.beat(holders["alive here"], clock.now(), alive_since=clock.now())
            items = {}
            for name, holder in holders.items():
                item = await store.schedule.add("probe", f"{chat.id}:{name}", clock.now())
                await store.schedule.claim([item.id], clock.now(), holder)
                items[name] = item.id
            # Long before STUCK_AFTER: the killed process's item runs, and the one held by
            # a process elsewhere that has not beaten for ALIVE_FOR; the others stay.
            assert await survivor.runner.sweep() == 2
            assert sorted(r[0] for r in runs[before:]) == sorted(
                [items["killed here"], items["silent elsewhere"]])
            for name in ("alive here", "beating elsewhere"):
                still = await store.schedule.get(items[name])
                assert still is not None and still.status == ScheduleStatus.RUNNING, name
        finally:
            await survivor.stop()


async def test_with_more_due_than_it_arms_the_runner_looks_again_in_time(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from scheduling import runner as module

    # Three timers at a time, and no sweep to catch up: only looking again runs the rest.
    monkeypatch.setattr(module, "ARM_LIMIT", 3)
    monkeypatch.setattr(module, "SWEEP_EVERY", timedelta(hours=1))
    clock = SystemClock()
    messenger = RecordingMessenger()
    async with open_store(db_url, clock) as store:  # type: ignore[arg-type]
        chat = await store.chats.ensure(ChatRef(Platform.CONSOLE, "g", ChatKind.GROUP), "en")
        items = [await store.schedule.add("probe", f"{chat.id}:{n}",
                                          clock.now() + timedelta(seconds=0.5 + n * 0.25))
                 for n in range(8)]
        app = await _app(store, clock, messenger)
        try:
            assert len([i for i in items if i.id in app.runner._armed]) == 3
            all_ran = asyncio.Event()
            wake = app.runner.on_done

            def done() -> None:
                if wake is not None:
                    wake()
                if len(runs) >= len(items):
                    all_ran.set()

            app.runner.on_done = done
            await asyncio.wait_for(all_ran.wait(), 10)
        finally:
            await app.stop()
        assert [r[0] for r in runs] == [i.id for i in items]  # each once, in order
        assert all(late >= timedelta(0) for _id, _lang, late in runs)
