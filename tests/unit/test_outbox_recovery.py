"""The delivery worker stopped, cancelled or killed: no message twice, none left behind."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform
from bot.records import DeliveryStatus, NewDelivery
from bot.replies import Reply, SentMessage, reply_to_json
from bot.richtext import text
from scheduling.outbox import OutboxWorker
from scheduling.owners import default_owner, owner_is_dead
from scheduling.pacing import Limits
from storage.store import SqlStore
from tests.support import open_store


class SlowAnswers:
    """Records each send, then takes a moment to answer (where a stop is most dangerous)."""

    platform = Platform.TELEGRAM
    limits = Limits()

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.halfway = asyncio.Event()

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        self.sent.append(chat.id)
        if len(self.sent) >= 40:
            self.halfway.set()
        await asyncio.sleep(0)
        return SentMessage(chat, (f"{chat.id}-{len(self.sent)}",))

    async def edit(self, chat: ChatRef, message_ids: Sequence[str], reply: Reply) -> None:
        raise NotImplementedError

    async def delete(self, chat: ChatRef, message_ids: Sequence[str]) -> None:
        raise NotImplementedError

    async def unpin(self, chat: ChatRef, message_id: str) -> None:
        raise NotImplementedError


def _payload(value: str) -> dict[str, object]:
    return reply_to_json(Reply(text(value)))


async def _queue(store: SqlStore, count: int) -> None:
    deliveries = []
    for n in range(count):
        chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, f"-{n}", ChatKind.GROUP), "en")
        deliveries.append(NewDelivery(chat.id, _payload(f"hello {n}"), key=f"k{n}"))
    await store.outbox.enqueue(deliveries)


async def test_a_worker_cancelled_mid_batch_and_restarted_sends_each_once(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        await _queue(store, 120)
        messenger = SlowAnswers()
        worker = OutboxWorker(store, clock)
        worker.add_messenger(messenger)
        await worker.start()
        await asyncio.wait_for(messenger.halfway.wait(), 10)
        task = worker._task
        assert task is not None
        task.cancel()  # abruptly, wherever it is
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert len(messenger.sent) < 120
        await worker.start()
        assert await worker.drain(within=10)
        await worker.stop()
        assert sorted(Counter(messenger.sent).values()) == [1] * 120
        states = Counter(d.status for d in [await store.outbox.get(i) for i in range(1, 121)]
                         if d is not None)
        assert states == {DeliveryStatus.SENT: 120}


async def test_a_stopped_worker_hands_back_what_it_had_not_started(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        await _queue(store, 80)
        messenger = SlowAnswers()
        worker = OutboxWorker(store, clock)
        worker.add_messenger(messenger)
        await worker.start()
        await asyncio.wait_for(messenger.halfway.wait(), 10)
        await worker.stop()
        # Nothing is left claimed: another process could take the rest right away.
        assert await store.outbox.claimants() == []
        other = OutboxWorker(store, clock, owner="other")
        other.add_messenger(messenger)
        await other.start()
        assert await other.drain(within=10)
        await other.stop()
        assert sorted(Counter(messenger.sent).values()) == [1] * 80


async def test_a_send_that_cannot_be_recorded_at_once_is_not_sent_again(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        await _queue(store, 1)
        messenger = SlowAnswers()
        worker = OutboxWorker(store, clock)
        worker.add_messenger(messenger)
        real = store.outbox.mark_sent
        failures = iter([True, True])

        async def flaky_record(*args: object, **kwargs: object) -> None:
            if next(failures, False):
                raise OSError("database went away for a moment")
            await real(*args, **kwargs)  # type: ignore[arg-type]

        store.outbox.mark_sent = flaky_record  # type: ignore[method-assign]
        await worker.process(await store.outbox.claim(clock.now(), 10, worker.owner))
        assert messenger.sent == ["-0"]
        delivery = await store.outbox.get(1)
        assert delivery is not None and delivery.status == DeliveryStatus.SENT


async def test_a_claim_handed_to_another_sender_is_not_sent_by_the_first(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        await _queue(store, 1)
        messenger = SlowAnswers()
        slow, other = OutboxWorker(store, clock, owner="slow"), OutboxWorker(store, clock,
                                                                              owner="other")
        slow.add_messenger(messenger)
        other.add_messenger(messenger)
        claimed_at = clock.now()
        batch = await store.outbox.claim(claimed_at, 10, "slow")
        # "slow" waits in its pacer for minutes; "other" finds the claim stale and takes it.
        clock.advance(timedelta(minutes=3))
        assert await other.recover() == 1
        await other.process(await store.outbox.claim(clock.now(), 10, "other"))
        await slow.process(batch, claimed_at)
        assert messenger.sent == ["-0"]


async def test_claims_of_a_process_elsewhere_that_stopped_beating_come_back(
        db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        await _queue(store, 2)
        survivor = OutboxWorker(store, clock, owner="here:1:1")
        survivor.add_messenger(SlowAnswers())
        for owner in ("there:2:7", "there:2:8"):
            await store.workers.beat(owner, clock.now(), alive_since=clock.now())
            await store.outbox.claim(clock.now(), 1, owner)
        clock.advance(timedelta(seconds=20))  # long before STALE_CLAIM (two minutes)
        await store.workers.beat("there:2:8", clock.now(), alive_since=clock.now())
        # 7 has not beaten for 20 s: its claim comes back; 8 is alive and keeps its own.
        assert await survivor.recover() == 1
        assert await store.outbox.claimants() == ["there:2:8"]


def test_owners_are_dead_only_when_their_process_is_gone_on_this_host() -> None:
    me = default_owner()
    host, pidns, _pid = me.split(":")
    assert not owner_is_dead(me)
    assert not owner_is_dead("other-host:1:999999")
    assert not owner_is_dead("no-colons")
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    assert owner_is_dead(f"{host}:{pidns}:{child.stdout.strip()}") == (pidns != "0")
