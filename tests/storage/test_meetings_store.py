"""Meetings and minutes storage on every backend."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.features.meetings.records import (
    AgendaStatus,
    Answer,
    MarkKind,
    MeetingStatus,
    NewMark,
    NewMeeting,
)
from storage.store import SqlStore

TG = ChatRef(Platform.TELEGRAM, "-100", ChatKind.GROUP, "Madrid")
DC = ChatRef(Platform.DISCORD, "555", ChatKind.GROUP, "general")


def _new(community_id: int, title: str = "Dialogue") -> NewMeeting:
    return NewMeeting(community_id=community_id, title=title,
                      start_local=datetime(2026, 1, 9, 18, 0), zone="Europe/Madrid",
                      duration=timedelta(minutes=90), place="Zoom", rrule="FREQ=WEEKLY;COUNT=3")


async def test_meetings_keep_wall_clock_time_exceptions_and_versions(store: SqlStore) -> None:
    chat = await store.chats.ensure(TG, "es")
    meeting = await store.meetings.create(_new(chat.community_id))
    assert meeting.version == 1 and meeting.exceptions == {}
    await store.meetings.set_exception(meeting.id, "20260116T1800", None)
    await store.meetings.set_exception(meeting.id, "20260123T1800", datetime(2026, 1, 24, 11, 0))
    await store.meetings.set_exception(meeting.id, "20260123T1800", datetime(2026, 1, 25, 11, 0))
    loaded = await store.meetings.get(meeting.id)
    assert loaded is not None
    assert loaded.start_local == datetime(2026, 1, 9, 18, 0) and loaded.start_local.tzinfo is None
    assert loaded.exceptions == {"20260116T1800": None,
                                 "20260123T1800": datetime(2026, 1, 25, 11, 0)}
    assert loaded.version == 4
    loaded.status, loaded.card_occ = MeetingStatus.CANCELLED, "20260109T1800"
    await store.meetings.update(loaded)
    again = await store.meetings.get(meeting.id)
    assert again is not None and again.version == 5 and again.card_occ == "20260109T1800"
    assert await store.meetings.in_communities([chat.community_id]) == []
    assert len(await store.meetings.in_communities([chat.community_id], active_only=False)) == 1


async def test_one_answer_per_person_and_date(store: SqlStore) -> None:
    chat = await store.chats.ensure(TG, "es")
    meeting = await store.meetings.create(_new(chat.community_id))
    ana = await store.people.ensure(UserRef(Platform.TELEGRAM, "1", "Ana"), None)
    bob = await store.people.ensure(UserRef(Platform.DISCORD, "2", "Bob"), None)
    key = "20260109T1800"
    assert await store.meetings.answer(meeting.id, key, ana.id, Answer.GOING) is None
    await store.meetings.set_private_reminder(meeting.id, key, ana.id, True)
    assert await store.meetings.answer(meeting.id, key, ana.id, Answer.GOING) == Answer.GOING
    assert (await store.meetings.rsvp_of(meeting.id, key, ana.id)).private_reminder  # type: ignore[union-attr]
    assert await store.meetings.answer(meeting.id, key, ana.id, Answer.NO) == Answer.GOING
    assert not (await store.meetings.rsvp_of(meeting.id, key, ana.id)).private_reminder  # type: ignore[union-attr]
    await store.meetings.answer(meeting.id, key, bob.id, Answer.MAYBE)
    await store.meetings.answer(meeting.id, "20260116T1800", bob.id, Answer.GOING)
    assert await store.meetings.counts(meeting.id, key) == {
        Answer.GOING: 0, Answer.MAYBE: 1, Answer.NO: 1}
    # Carrying answers to a new key keeps one per person (the newer date's answer wins).
    await store.meetings.rekey(meeting.id, key, "20260116T1800")
    assert [(r.name, r.answer) for r in await store.meetings.rsvps(meeting.id,
                                                                  "20260116T1800")] == [
        ("Ana", Answer.NO), ("Bob", Answer.GOING)]


async def test_agenda_order_and_states(store: SqlStore) -> None:
    chat = await store.chats.ensure(TG, "es")
    meeting = await store.meetings.create(_new(chat.community_id))
    ana = await store.people.ensure(UserRef(Platform.TELEGRAM, "1", "Ana"), None)
    key = "20260109T1800"
    first = await store.meetings.add_agenda(meeting.id, key, "A", None, AgendaStatus.ACCEPTED)
    proposal = await store.meetings.add_agenda(meeting.id, key, "B", ana.id,
                                               AgendaStatus.PROPOSED)
    third = await store.meetings.add_agenda(meeting.id, key, "C", None, AgendaStatus.ACCEPTED)
    assert proposal.proposer_name == "Ana"
    assert [i.text for i in await store.meetings.agenda(meeting.id, key)] == ["A", "C", "B"]
    await store.meetings.set_agenda_status(proposal.id, AgendaStatus.ACCEPTED)
    await store.meetings.move_agenda(proposal.id, 1)
    items = await store.meetings.agenda(meeting.id, key)
    assert [(i.text, i.position) for i in items] == [("B", 1), ("A", 2), ("C", 3)]
    await store.meetings.set_agenda_status(first.id, AgendaStatus.DROPPED)
    await store.meetings.move_agenda(third.id, 99)
    assert [i.text for i in await store.meetings.agenda(meeting.id, key)] == ["B", "C"]


async def test_merging_communities_moves_meetings_sessions_and_settings(
        store: SqlStore, clock: FakeClock) -> None:
    tg = await store.chats.ensure(TG, "es")
    dc = await store.chats.ensure(DC, "fr")
    meeting = await store.meetings.create(_new(dc.community_id))
    person = await store.people.ensure(UserRef(Platform.DISCORD, "9", "Dee"), None)
    await store.people.seen_in(person.id, dc.id)
    session = await store.minutes.start(dc.community_id, dc.id, "S", person.id, clock.now())
    assert session is not None
    await store.meetings.set_reminder_offsets(tg.community_id, [60])
    clock.advance(timedelta(minutes=1))
    await store.meetings.set_reminder_offsets(dc.community_id, [120, 15])
    assert await store.meetings.reminder_offsets(tg.community_id) == [60]
    await store.communities.merge(dc.community_id, tg.community_id)
    moved = await store.meetings.get(meeting.id)
    assert moved is not None and moved.community_id == tg.community_id
    assert (await store.minutes.open_session(tg.community_id)).id == session.id  # type: ignore[union-attr]
    assert await store.meetings.reminder_offsets(tg.community_id) == [120, 15]
    assert await store.meetings.communities_of(person.id) == [tg.community_id]


async def test_sessions_marks_and_actions(store: SqlStore, clock: FakeClock) -> None:
    chat = await store.chats.ensure(TG, "es")
    ana = await store.people.ensure(UserRef(Platform.TELEGRAM, "1", "Ana"), None)
    session = await store.minutes.start(chat.community_id, chat.id, "S", ana.id, clock.now())
    assert session is not None and session.chairs == (ana.id,)
    assert await store.minutes.start(chat.community_id, chat.id, "T", ana.id, clock.now()) is None
    await store.minutes.add_chair(session.id, 99)
    await store.minutes.add_chair(session.id, 99)
    assert (await store.minutes.get(session.id)).chairs == (ana.id, 99)  # type: ignore[union-attr]
    due = clock.now() + timedelta(days=3)
    action = await store.minutes.mark(session.id, NewMark(
        MarkKind.ACTION, "Book the room", ana.id, "Ana", owner_person_id=ana.id,
        owner_name="Ana", due_at=due), clock.now())
    await store.minutes.mark(session.id, NewMark(MarkKind.INFO, "typo", ana.id, "Ana"),
                             clock.now())
    undone = await store.minutes.undo_last(session.id)
    assert undone is not None and undone.text == "typo"
    assert [m.kind for m in await store.minutes.marks(session.id)] == [MarkKind.ACTION]
    [(open_action, its_session)] = await store.minutes.open_actions([chat.community_id], ana.id)
    assert open_action.due_at == due and its_session.id == session.id
    assert await store.minutes.latest([chat.community_id]) is None
    clock.advance(timedelta(hours=1))
    ended = await store.minutes.end(session.id, clock.now())
    assert ended is not None and not ended.open
    assert await store.minutes.end(session.id, clock.now()) is None
    assert (await store.minutes.latest([chat.community_id])).id == session.id  # type: ignore[union-attr]
    assert await store.minutes.set_done(action.id, clock.now())
    assert not await store.minutes.set_done(action.id, clock.now())
    assert await store.minutes.open_actions([chat.community_id]) == []
