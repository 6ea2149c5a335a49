"""The same storage tests on every backend (SQLite always, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import text

from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.permissions import Role
from bot.records import AuditEntry, DeliveryStatus, NewDelivery, ScheduleStatus
from storage.store import SqlStore

TG_GROUP = ChatRef(Platform.TELEGRAM, "-100", ChatKind.GROUP, "Madrid")
DC_CHANNEL = ChatRef(Platform.DISCORD, "555", ChatKind.GROUP, "general", space_id="77")
ANA = UserRef(Platform.TELEGRAM, "1", "Ana", "ana")


async def test_a_chat_is_created_once_in_a_community_of_its_own(store: SqlStore) -> None:
    first = await store.chats.ensure(TG_GROUP, "es")
    again = await store.chats.ensure(TG_GROUP, "fr")
    other = await store.chats.ensure(DC_CHANNEL, None)
    assert first.id == again.id and again.language == "es"
    assert first.community_id != other.community_id
    assert other.space_id == "77"


async def test_chats_are_read_many_at_once(store: SqlStore) -> None:
    tg = await store.chats.ensure(TG_GROUP, "es")
    dc = await store.chats.ensure(DC_CHANNEL, None)
    found = await store.chats.get_many([dc.id, tg.id, tg.id, 9999])
    assert {k: v.ref for k, v in found.items()} == {tg.id: tg.ref, dc.id: dc.ref}
    assert await store.chats.get_many([]) == {}


async def test_a_read_session_does_not_wait_for_a_writer(store: SqlStore) -> None:
    # Reads begin deferred; only writes take (and on SQLite, queue for) the write lock.
    chat = await store.chats.ensure(TG_GROUP, "es")
    async with store.chats.sessions.begin() as writing:
        await writing.execute(text("UPDATE chats SET title = title"))  # holds the lock
        read = await asyncio.wait_for(store.chats.get(chat.id), 5)
        assert read is not None and read.id == chat.id


async def test_chat_settings_are_saved(store: SqlStore) -> None:
    chat = await store.chats.ensure(TG_GROUP, "es")
    chat.timezone, chat.language, chat.settings = "Europe/Madrid", "fr", {"digest": "weekly"}
    await store.chats.update(chat)
    loaded = await store.chats.get(chat.id)
    assert loaded is not None
    assert (loaded.timezone, loaded.language, loaded.settings) == (
        "Europe/Madrid", "fr", {"digest": "weekly"})


async def test_people_keep_their_language_and_refresh_their_name(store: SqlStore) -> None:
    ana = await store.people.ensure(ANA, None)
    ana.language, ana.timezone = "pt", "America/Sao_Paulo"
    await store.people.update(ana)
    renamed = await store.people.ensure(UserRef(Platform.TELEGRAM, "1", "Ana María", "ana"), None)
    assert renamed.id == ana.id
    assert (renamed.display_name, renamed.language, renamed.timezone) == (
        "Ana María", "pt", "America/Sao_Paulo")


async def test_link_codes_are_single_use_and_expire(store: SqlStore, clock: FakeClock) -> None:
    chat = await store.chats.ensure(TG_GROUP, "es")
    await store.communities.create_link_code(chat.community_id, "AAAA-BBBB",
                                             clock.now() + timedelta(minutes=30))
    assert await store.communities.redeem_link_code("AAAA-BBBB", clock.now()) == chat.community_id
    assert await store.communities.redeem_link_code("AAAA-BBBB", clock.now()) is None
    await store.communities.create_link_code(chat.community_id, "CCCC-DDDD",
                                             clock.now() + timedelta(minutes=30))
    late = clock.now() + timedelta(minutes=31)
    assert await store.communities.redeem_link_code("CCCC-DDDD", late) is None


async def test_merging_communities_moves_chats_and_grants(store: SqlStore) -> None:
    tg = await store.chats.ensure(TG_GROUP, "es")
    dc = await store.chats.ensure(DC_CHANNEL, "en")
    ana = await store.people.ensure(ANA, None)
    await store.communities.grant(dc.community_id, ana.id, Role.MODERATOR, None)
    await store.communities.grant(tg.community_id, ana.id, Role.MODERATOR, None)
    await store.communities.merge(dc.community_id, tg.community_id)
    chats = await store.chats.in_community(tg.community_id)
    assert [c.id for c in chats] == [tg.id, dc.id]
    assert await store.communities.granted_role(tg.community_id, ana.id) == Role.MODERATOR
    assert await store.communities.get(dc.community_id) is None
    new = await store.communities.detach(dc.id)
    assert [c.id for c in await store.chats.in_community(new)] == [dc.id]


async def test_people_are_found_by_name_within_their_community(store: SqlStore) -> None:
    tg = await store.chats.ensure(TG_GROUP, "es")
    dc = await store.chats.ensure(DC_CHANNEL, "en")
    ana = await store.people.ensure(ANA, None)
    await store.people.seen_in(ana.id, tg.id)
    await store.people.seen_in(ana.id, tg.id)
    assert [p.id for p in await store.people.find_by_name(tg.community_id, "ANA")] == [ana.id]
    assert await store.people.find_by_name(dc.community_id, "ana") == []


async def test_migrating_a_chat_keeps_everything_under_the_new_id(
        store: SqlStore, clock: FakeClock) -> None:
    old = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "-5", ChatKind.GROUP, "G"), "es")
    ana = await store.people.ensure(ANA, None)
    await store.people.seen_in(ana.id, old.id)
    await store.outbox.enqueue([NewDelivery(old.id, {"body": []}, key="k1")])
    # The new supergroup spoke before the migration was handled.
    await store.chats.ensure(ChatRef(Platform.TELEGRAM, "-1005", ChatKind.GROUP, "G"), None)
    moved = await store.chats.migrate(Platform.TELEGRAM, "-5", "-1005")
    assert moved is not None and moved.id == old.id and moved.language == "es"
    found = await store.chats.find(Platform.TELEGRAM, "-1005")
    assert found is not None and found.id == old.id
    assert await store.chats.find(Platform.TELEGRAM, "-5") is None
    assert [d.chat_id for d in await store.outbox.claim(clock.now(), 10, "t")] == [old.id]


async def test_audit_entries_are_kept_newest_first(store: SqlStore, clock: FakeClock) -> None:
    chat = await store.chats.ensure(TG_GROUP, "es")
    for action in ("language", "link"):
        await store.audit.record(AuditEntry(clock.now(), action, None, chat.id,
                                            chat.community_id, True, {"args": "x"}))
    entries = await store.audit.recent(chat.community_id)
    assert [e.action for e in entries] == ["link", "language"]


async def test_schedule_items_are_claimed_once(store: SqlStore, clock: FakeClock) -> None:
    item = await store.schedule.add("reminder", "m1", clock.now() + timedelta(hours=1))
    replaced = await store.schedule.add("reminder", "m1", clock.now() + timedelta(hours=2))
    assert [i.id for i in await store.schedule.pending()] == [replaced.id]
    assert (await store.schedule.get(item.id)).status == ScheduleStatus.CANCELLED  # type: ignore[union-attr]
    won = await store.schedule.claim([replaced.id], clock.now())
    lost = await store.schedule.claim([replaced.id], clock.now())
    assert [i.id for i in won] == [replaced.id] and lost == []


async def test_completing_an_item_queues_its_messages_atomically(
        store: SqlStore, clock: FakeClock) -> None:
    chat = await store.chats.ensure(TG_GROUP, "es")
    item = await store.schedule.add("reminder", "m1", clock.now())
    await store.schedule.claim([item.id], clock.now())
    await store.schedule.complete(item.id, [NewDelivery(chat.id, {"body": []}, key="r:m1")],
                                  clock.now())
    done = await store.schedule.get(item.id)
    assert done is not None and done.status == ScheduleStatus.DONE
    assert await store.outbox.depth() == 1


async def test_due_items_are_claimed_with_skip_locked(store: SqlStore, clock: FakeClock) -> None:
    for n in range(5):
        await store.schedule.add("reminder", f"r{n}", clock.now() - timedelta(minutes=n))
    await store.schedule.add("reminder", "later", clock.now() + timedelta(hours=1))
    first = await store.schedule.claim_due(clock.now(), 3)
    second = await store.schedule.claim_due(clock.now(), 10)
    assert len(first) == 3 and len(second) == 2
    assert not {i.id for i in first} & {i.id for i in second}
    assert [i.ref for i in first] == ["r4", "r3", "r2"]


async def test_interrupted_items_return_to_pending(store: SqlStore, clock: FakeClock) -> None:
    item = await store.schedule.add("reminder", "m1", clock.now())
    await store.schedule.claim([item.id], clock.now())
    assert await store.schedule.recover_running(clock.now() - timedelta(minutes=1)) == 0
    assert await store.schedule.recover_running(clock.now() + timedelta(minutes=1)) == 1
    assert [i.id for i in await store.schedule.pending()] == [item.id]


async def test_outbox_keys_are_idempotent_and_claims_exclusive(
        store: SqlStore, clock: FakeClock) -> None:
    chat = await store.chats.ensure(TG_GROUP, "es")
    ids = await store.outbox.enqueue([NewDelivery(chat.id, {"n": i}, key=f"k{i}")
                                      for i in range(3)])
    again = await store.outbox.enqueue([NewDelivery(chat.id, {"n": 0}, key="k0")])
    assert len(ids) == 3 and again == []
    other = await store.chats.ensure(DC_CHANNEL, "es")
    elsewhere = await store.outbox.enqueue([NewDelivery(other.id, {"n": 5}, key="o")])
    urgent = await store.outbox.enqueue([NewDelivery(chat.id, {"n": 9}, key="u", urgent=True)])
    first = await store.outbox.claim(clock.now(), 2, "a")
    second = await store.outbox.claim(clock.now(), 10, "b")
    assert [d.id for d in first] == [ids[0], urgent[0]]  # urgent first, then in order
    # b may not send to the chat a is sending to; the other chat is free.
    assert [d.id for d in second] == elsewhere
    await store.outbox.mark_sent(first[0].id, ["m1", "m2"], clock.now())
    sent = await store.outbox.get(first[0].id)
    assert sent is not None and sent.status == DeliveryStatus.SENT
    assert sent.message_ids == ("m1", "m2")
    await store.outbox.mark_sent(first[1].id, ["m3"], clock.now())
    third = await store.outbox.claim(clock.now(), 10, "b")
    assert [d.id for d in third] == ids[1:]  # one claim may hold a chat's next messages


async def test_a_chats_messages_are_never_claimed_by_two_senders_at_once(
        store: SqlStore, clock: FakeClock) -> None:
    chat = await store.chats.ensure(TG_GROUP, "es")
    card, edit = await store.outbox.enqueue([NewDelivery(chat.id, {"n": 1}, key="card"),
                                             NewDelivery(chat.id, {"n": 2}, key="edit")])
    [claimed] = await store.outbox.claim(clock.now(), 1, "a")  # the limit left the edit out
    assert claimed.id == card
    assert await store.outbox.claim(clock.now(), 10, "b") == []  # the edit waits for it
    await store.outbox.mark_retry(card, "429", clock.now() + timedelta(minutes=1))
    # A delivery waiting for its retry does not hold the chat's later messages.
    assert [d.id for d in await store.outbox.claim(clock.now(), 10, "b")] == [edit]
    urgent = await store.outbox.enqueue([NewDelivery(chat.id, {"n": 3}, key="u", urgent=True)])
    assert [d.id for d in await store.outbox.claim(clock.now(), 10, "c")] == urgent


async def test_outbox_retry_waits_and_stale_claims_recover(
        store: SqlStore, clock: FakeClock) -> None:
    chat = await store.chats.ensure(TG_GROUP, "es")
    [delivery_id] = await store.outbox.enqueue([NewDelivery(chat.id, {}, key="k")])
    [claimed] = await store.outbox.claim(clock.now(), 5, "a")
    await store.outbox.mark_retry(claimed.id, "429", clock.now() + timedelta(seconds=30))
    assert await store.outbox.claim(clock.now(), 5, "a") == []
    clock.advance(timedelta(seconds=31))
    [again] = await store.outbox.claim(clock.now(), 5, "a")
    assert again.attempts == 2
    assert await store.outbox.recover_stale(clock.now() - timedelta(minutes=2)) == []
    clock.advance(timedelta(minutes=3))
    assert [d.id for d in await store.outbox.recover_stale(clock.now() - timedelta(minutes=2))
            ] == [delivery_id]
