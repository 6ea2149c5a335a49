"""The notices repository on every backend: one transaction per publish, revisions, seen marks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform
from bot.features.notices.records import Notice, NoticeStatus, NoticeText
from bot.forms import Dialogue, Form, FormField
from bot.records import DeliveryOp, DeliveryStatus, NewDelivery
from bot.sources import NOTICE_REPORT
from storage.store import SqlStore


async def _notice(store: SqlStore) -> tuple[Notice, list[int]]:
    org = await store.notices.add_org("mx-madrid", "Consulado", "MX", "es")
    assert org is not None
    chats = []
    for n in range(3):
        chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, f"-{n}", ChatKind.GROUP), "es")
        await store.notices.subscribe(chat.id, org.id, ["documents"] if n else [], None)
        chats.append(chat.id)
    notice = await store.notices.create(Notice(0, org.id, None, None, "es",
                                                texts={"es": NoticeText("T", "B")}))
    return notice, chats


def _copy(notice: Notice, chat_id: int, rev: int = 0) -> NewDelivery:
    return NewDelivery(chat_id, {"body": [], "rev": rev}, key=f"notice:{notice.id}:{chat_id}",
                       source=notice.source)


async def test_publishing_is_one_transaction_and_happens_once(store: SqlStore) -> None:
    notice, chats = await _notice(store)
    broken = [_copy(notice, chats[0]), _copy(notice, 999_999)]  # no such chat
    with pytest.raises(Exception):  # noqa: B017 - the backend's integrity error
        await store.notices.publish(notice.id, broken, None, store.chats.clock.now())
    kept = await store.notices.get(notice.id)
    assert kept is not None and kept.status == NoticeStatus.DRAFT
    assert await store.outbox.by_source(notice.source) == []

    report = NewDelivery(chats[0], {"body": []}, key="notice-report:1",
                         source=NOTICE_REPORT.of(1))
    first = await store.notices.publish(notice.id, [_copy(notice, c) for c in chats], report,
                                        store.chats.clock.now())
    assert first is not None and first.chats == 3 and first.report_delivery_id is not None
    again = await store.notices.publish(notice.id, [_copy(notice, c) for c in chats], None,
                                        store.chats.clock.now())
    assert again is None
    assert len(await store.outbox.by_source(notice.source)) == 3
    published = await store.notices.get(notice.id)
    assert published is not None and published.report_delivery_id == first.report_delivery_id


async def test_revisions_rewrite_unsent_copies_and_race_safely(store: SqlStore) -> None:
    notice, chats = await _notice(store)
    await store.notices.publish(notice.id, [_copy(notice, c) for c in chats], None,
                                store.chats.clock.now())
    [claimed] = await store.outbox.claim(store.chats.clock.now(), 1, "w")
    await store.outbox.mark_sent(claimed.id, ["m1"], store.chats.clock.now())
    notice.status = NoticeStatus.PUBLISHED
    notice.revision, notice.texts["es"] = 1, NoticeText("T2", "B2")
    payloads = {c: {"body": [], "rev": 1} for c in chats}
    assert await store.notices.revise(notice, 0, payloads)
    assert not await store.notices.revise(notice, 0, payloads)  # someone else was first
    copies = {c.chat.id: c for c in await store.notices.copies(notice.id)}
    assert copies[chats[0]].revision == 0 and copies[chats[0]].status == DeliveryStatus.SENT
    assert copies[chats[1]].revision == 1 and copies[chats[2]].revision == 1
    await store.outbox.enqueue([NewDelivery(chats[0], {"body": [], "rev": 1},
                                            key="notice:1:r1:1", op=DeliveryOp.EDIT,
                                            source=notice.source.edits,
                                            target_delivery_id=claimed.id)])
    copies = {c.chat.id: c for c in await store.notices.copies(notice.id)}
    assert copies[chats[0]].revision == 1
    assert copies[chats[0]].edit_status == DeliveryStatus.PENDING
    notice.revision, notice.status = 2, NoticeStatus.RETRACTED
    assert await store.notices.revise(notice, 1, None)
    states = sorted(c.status for c in await store.notices.copies(notice.id))
    assert states == [DeliveryStatus.CANCELLED, DeliveryStatus.CANCELLED, DeliveryStatus.SENT]


async def test_registers_accounts_subscribers_and_seen_tokens(store: SqlStore) -> None:
    notice, chats = await _notice(store)
    org = await store.notices.find_org("MX-Madrid")
    assert org is not None and org.country == "MX"
    assert await store.notices.add_org("mx-madrid", "Again", "MX", "es") is None
    assert await store.notices.attach(org.id, Platform.TELEGRAM, "42")
    assert not await store.notices.attach(org.id, Platform.TELEGRAM, "42")
    assert [o.short_name for o in await store.notices.orgs_of(Platform.TELEGRAM, "42")] == [
        "mx-madrid"]
    subs = await store.notices.subscribers(org.id)
    assert [cats for _chat, cats in subs] == [(), ("documents",), ("documents",)]
    await store.chats.set_active(chats[1], False)
    assert len(await store.notices.subscribers(org.id)) == 2
    assert await store.notices.mark_seen(notice.id, "a" * 64)
    assert not await store.notices.mark_seen(notice.id, "a" * 64)
    assert await store.notices.mark_seen(notice.id, "b" * 64)
    assert await store.notices.seen_count(notice.id) == 2
    await store.notices.remove_org(org.id)
    assert await store.notices.orgs_of(Platform.TELEGRAM, "42") == []
    assert await store.notices.subscriptions(chats[0]) == []
    assert await store.notices.find_org("mx-madrid") is None
    gone = await store.notices.get(notice.id)
    assert gone is not None and gone.status == NoticeStatus.CANCELLED


async def test_expiry_cancels_unsent_copies_once(store: SqlStore) -> None:
    notice, chats = await _notice(store)
    now = store.chats.clock.now()
    await store.notices.publish(notice.id, [_copy(notice, c) for c in chats], None, now)
    assert await store.notices.mark_expired(notice.id, now + timedelta(hours=1))
    assert not await store.notices.mark_expired(notice.id, now + timedelta(hours=2))
    assert {d.status for d in await store.outbox.by_source(notice.source)} == {
        DeliveryStatus.CANCELLED}


async def test_dialogues_are_kept_per_chat_and_person(store: SqlStore, clock: FakeClock) -> None:
    chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "5", ChatKind.PRIVATE), "es")
    from bot.events import UserRef

    person = await store.people.ensure(UserRef(Platform.TELEGRAM, "5", "Ana"), None)
    form = Form("k", "1", "Title", (FormField("a", "A"), FormField("b", "B", long=True)))
    await store.forms.put(Dialogue(chat.id, person.id, form, clock.now()))
    state = await store.forms.get(chat.id, person.id)
    assert state is not None and state.form == form and state.position == 0
    state.values["a"] = "x"
    state.position = 1
    await store.forms.put(state)
    again = await store.forms.get(chat.id, person.id)
    assert again is not None and again.values == {"a": "x"} and again.position == 1
    assert await store.forms.clear(chat.id, person.id)
    assert not await store.forms.clear(chat.id, person.id)
    assert await store.forms.get(chat.id, person.id) is None
