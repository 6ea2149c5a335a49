"""Several processes on one database: claims name their process, heartbeats count them."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform
from bot.records import NewDelivery, ScheduleStatus
from storage.store import SqlStore

GROUP = ChatRef(Platform.TELEGRAM, "-100", ChatKind.GROUP, "Madrid")


async def test_a_run_taken_over_by_another_process_cannot_complete(
        store: SqlStore, clock: FakeClock) -> None:
    chat = await store.chats.ensure(GROUP, "es")
    item = await store.schedule.add("reminder", "m1", clock.now())
    [mine] = await store.schedule.claim([item.id], clock.now(), "host:1:10")
    assert await store.schedule.claimants() == ["host:1:10"]
    # 10 was thought dead (or too slow): its item goes back and 11 runs it.
    assert await store.schedule.recover_running(clock.now() - timedelta(hours=1),
                                                owners=["host:1:10"]) == 1
    assert await store.schedule.claimants() == []
    [theirs] = await store.schedule.claim_due(clock.now(), 10, "host:1:11")
    late = await store.schedule.complete(mine.id, [NewDelivery(chat.id, {"body": []}, key="a")],
                                         clock.now(), owner="host:1:10")
    assert late is None and await store.outbox.depth() == 0  # nothing of the lost run kept
    won = await store.schedule.complete(theirs.id, [NewDelivery(chat.id, {"body": []}, key="b")],
                                        clock.now(), owner="host:1:11")
    assert won is not None and len(won) == 1
    done = await store.schedule.get(item.id)
    assert done is not None and done.status == ScheduleStatus.DONE


async def test_recovery_by_owner_leaves_other_claims_alone(
        store: SqlStore, clock: FakeClock) -> None:
    a = await store.schedule.add("reminder", "a", clock.now())
    b = await store.schedule.add("reminder", "b", clock.now())
    await store.schedule.claim([a.id], clock.now(), "host:1:10")
    await store.schedule.claim([b.id], clock.now(), "host:1:12")
    assert await store.schedule.recover_running(clock.now() - timedelta(minutes=10),
                                                owners=["host:1:10"]) == 1
    assert [i.ref for i in await store.schedule.pending()] == ["a"]
    assert await store.schedule.claimants() == ["host:1:12"]


async def test_processes_count_each_other_while_they_beat(
        store: SqlStore, clock: FakeClock) -> None:
    alive = timedelta(seconds=15)
    assert await store.workers.beat("a", clock.now(), alive_since=clock.now() - alive) == 1
    assert await store.workers.beat("b", clock.now(), alive_since=clock.now() - alive) == 2
    clock.advance(timedelta(seconds=10))
    assert await store.workers.beat("c", clock.now(), alive_since=clock.now() - alive) == 3
    clock.advance(timedelta(seconds=10))  # a and b have not beaten for 20 s
    assert await store.workers.beat("c", clock.now(), alive_since=clock.now() - alive) == 1
    assert await store.workers.beat("a", clock.now(), alive_since=clock.now() - alive) == 2
    await store.workers.leave("a")
    assert await store.workers.beat("c", clock.now(), alive_since=clock.now() - alive) == 1
