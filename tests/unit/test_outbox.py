"""The delivery worker: retries, gone chats, migrations, pacing, exactly-once keys."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform
from bot.ports import DeliveryError
from bot.records import DeliveryStatus, NewDelivery
from bot.replies import Reply, SentMessage, reply_to_json
from bot.richtext import text
from scheduling.outbox import OutboxWorker, backoff
from scheduling.pacing import Limits, Pacer
from tests.support import open_store


class ScriptedMessenger:
    """Fails as scripted per chat, then succeeds; records every successful send."""

    platform = Platform.TELEGRAM
    limits = Limits()

    def __init__(self, script: dict[str, list[DeliveryError]]) -> None:
        self.script = script
        self.sent: list[tuple[str, str, str | None]] = []
        self.edited: list[tuple[str, tuple[str, ...], str]] = []

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        errors = self.script.get(chat.id, [])
        if errors:
            raise errors.pop(0)
        self.sent.append((chat.id, reply.body.plain(), key))
        return SentMessage(chat, (f"{chat.id}-{len(self.sent)}",))

    async def edit(self, chat: ChatRef, message_ids: Sequence[str], reply: Reply) -> None:
        self.edited.append((chat.id, tuple(message_ids), reply.body.plain()))

    async def delete(self, chat: ChatRef, message_ids: Sequence[str]) -> None:
        raise NotImplementedError

    async def unpin(self, chat: ChatRef, message_id: str) -> None:
        raise NotImplementedError


def _payload(value: str) -> dict[str, object]:
    return reply_to_json(Reply(text(value)))


async def test_transient_failures_retry_with_backoff_and_land_once(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        ok = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "1"), "en")
        flaky = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "2"), "en")
        throttled = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "3"), "en")
        messenger = ScriptedMessenger({
            "2": [DeliveryError("502", transient=True), DeliveryError("timeout", transient=True)],
            "3": [DeliveryError("429", transient=True, retry_after=7)],
        })
        worker = OutboxWorker(store, clock, owner="t")
        worker.add_messenger(messenger)
        await store.outbox.enqueue([NewDelivery(c.id, _payload(f"hi {c.platform_id}"),
                                                key=f"k{c.id}") for c in (ok, flaky, throttled)])
        for _ in range(6):
            batch = await store.outbox.claim(clock.now(), 10, "t")
            await worker.process(batch)
            clock.advance(timedelta(seconds=8))
        assert sorted(m[0] for m in messenger.sent) == ["1", "2", "3"]
        assert all(key and key.startswith("d") for _c, _t, key in messenger.sent)
        deliveries = [await store.outbox.get(i) for i in range(1, 4)]
        assert [d.status for d in deliveries if d] == [DeliveryStatus.SENT] * 3
        assert [d.attempts for d in deliveries if d] == [1, 3, 2]


async def test_a_gone_chat_is_marked_inactive_and_not_retried(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        gone = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "9"), "en")
        messenger = ScriptedMessenger({"9": [DeliveryError("blocked", chat_gone=True)]})
        worker = OutboxWorker(store, clock)
        worker.add_messenger(messenger)
        await store.outbox.enqueue([NewDelivery(gone.id, _payload("a"), key="a"),
                                    NewDelivery(gone.id, _payload("b"), key="b")])
        await worker.process(await store.outbox.claim(clock.now(), 10, worker.owner))
        chat = await store.chats.get(gone.id)
        assert chat is not None and not chat.active
        first, second = await store.outbox.get(1), await store.outbox.get(2)
        assert first is not None and first.status == DeliveryStatus.FAILED
        assert first.error == "blocked"
        assert second is not None and second.status == DeliveryStatus.FAILED
        assert messenger.sent == []


async def test_a_migrated_chat_is_followed_to_its_new_id(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        group = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "-5", ChatKind.GROUP), "en")
        messenger = ScriptedMessenger({"-5": [DeliveryError("upgraded", new_chat_id="-1005")]})
        worker = OutboxWorker(store, clock)
        worker.add_messenger(messenger)
        await store.outbox.enqueue([NewDelivery(group.id, _payload("x"), key="x")])
        for _ in range(2):
            await worker.process(await store.outbox.claim(clock.now(), 10, worker.owner))
        assert messenger.sent == [("-1005", "x", "d1")]


async def test_edits_reach_the_message_of_the_earlier_delivery(db_url: str) -> None:
    from bot.records import DeliveryOp

    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "1"), "en")
        messenger = ScriptedMessenger({})
        worker = OutboxWorker(store, clock)
        worker.add_messenger(messenger)
        [first] = await store.outbox.enqueue([NewDelivery(chat.id, _payload("v1"), key="v1")])
        await worker.process(await store.outbox.claim(clock.now(), 10, worker.owner))
        await store.outbox.enqueue([NewDelivery(chat.id, _payload("v2"), key="v2",
                                                op=DeliveryOp.EDIT, target_delivery_id=first)])
        await worker.process(await store.outbox.claim(clock.now(), 10, worker.owner))
        assert messenger.edited == [("1", ("1-1",), "v2")]


async def test_worker_recovers_stale_claims_on_start(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "1"), "en")
        await store.outbox.enqueue([NewDelivery(chat.id, _payload("x"), key="x")])
        await store.outbox.claim(clock.now(), 10, "dead-process")
        clock.advance(timedelta(minutes=5))
        messenger = ScriptedMessenger({})
        worker = OutboxWorker(store, clock)
        worker.add_messenger(messenger)
        await worker.start()
        try:
            assert await worker.drain(within=5)
        finally:
            await worker.stop()
        assert messenger.sent == [("1", "x", "d1")]


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == 300


async def test_pacer_holds_the_overall_rate() -> None:
    pacer = Pacer(Limits(per_second=50))
    start = time.monotonic()
    for n in range(26):
        await pacer.wait(f"chat{n}", private=False)
    elapsed = time.monotonic() - start
    assert 0.45 <= elapsed < 1.5


async def test_processes_on_one_database_split_the_send_budget(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        workers = [OutboxWorker(store, clock, owner=f"host:1:{n}") for n in range(3)]
        for worker in workers:
            worker.add_messenger(ScriptedMessenger({}), Limits(per_second=30))
        assert await workers[0].beat() == 1
        assert workers[0].pacers[Platform.TELEGRAM].rate == 30
        assert workers[0].claim_size() == 30  # a second of sending
        await workers[1].beat()
        assert await workers[2].beat() == 3
        assert workers[2].pacers[Platform.TELEGRAM].rate == 10
        assert workers[2].claim_size() == 10
        # One stops (or dies and stops beating): the others take its share.
        await workers[1].store.workers.leave(workers[1].owner)
        clock.advance(timedelta(seconds=20))
        assert await workers[0].beat() == 1
        assert await workers[2].beat() == 2
        assert workers[2].pacers[Platform.TELEGRAM].rate == 15
        unlimited = OutboxWorker(store, clock, owner="host:1:9")
        unlimited.add_messenger(ScriptedMessenger({}))
        assert unlimited.claim_size() == 100
