"""Scheduling meetings through the real core: cards everywhere, natural dates, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.events import Platform
from bot.features.meetings.recurrence import occurrences
from bot.replies import Reply
from tests.support import Harness, texts
from tests.unit.meeting_helpers import edited, last, linked, meeting_items, timestamps

NEW = "/meeting new Diálogo mensual | viernes 18:00 | 90m | Zoom https://zoom.us/j/1 | Abierto"


async def test_a_new_meeting_is_posted_to_every_chat_in_its_language_and_zone(
        harness: Harness) -> None:
    c = await linked(harness)
    c.in_telegram()
    answer = texts(await harness.send(NEW))
    assert "#1" in answer and "2 chats" in answer
    await harness.settle()
    tg_card, dc_card = last(c.tg), last(c.dc)
    assert "viernes, 9 de enero de 2026, 18:00 (Madrid)" in tg_card.body.plain()
    assert "11:00 (Mexico City)" in dc_card.body.plain()
    assert "vendredi 9 janvier 2026" in dc_card.body.plain()
    for reply in (tg_card, dc_card):
        assert reply.card and "Zoom https://zoom.us/j/1" in reply.body.plain()
        [stamp] = timestamps(reply.body)
        assert stamp.epoch == int(datetime(2026, 1, 9, 17, 0, tzinfo=UTC).timestamp())
    assert [b.label for b in tg_card.buttons[0]] == ["Asistiré", "Quizás", "No asistiré"]
    assert [b.label for b in dc_card.buttons[0]] == ["Je viens", "Peut-être", "Je ne viens pas"]
    # The chat that asked got the same card through the outbox, plus a confirmation.
    assert len(c.tg.sent) == 1 and len(c.dc.sent) == 1


@pytest.mark.parametrize(("language", "typed", "expected_local"), [
    ("en", "next friday 6pm", "2026-01-09 18:00"),
    ("en", "2026-01-20 18:30", "2026-01-20 18:30"),
    ("es", "viernes 18:00", "2026-01-09 18:00"),
    ("es", "mañana 19:30", "2026-01-06 19:30"),
    ("fr", "demain 18h", "2026-01-06 18:00"),
    ("fr", "le 15 janvier à 18h30", "2026-01-15 18:30"),
])
async def test_dates_are_read_in_the_chats_language(harness: Harness, language: str, typed: str,
                                                    expected_local: str) -> None:
    await harness.send(f"/language {language}")
    await harness.send("/timezone Europe/Madrid")
    await harness.send(f"/meeting new Test | {typed}")
    [meeting] = await harness.app.store.meetings.in_communities([1])
    assert meeting.start_local.strftime("%Y-%m-%d %H:%M") == expected_local
    assert meeting.zone == "Europe/Madrid"


async def test_a_zone_after_the_time_overrides_the_chats(harness: Harness) -> None:
    await harness.send("/timezone Europe/Madrid")
    out = texts(await harness.send("/meeting new Q&A | 2026-01-20 18:00 America/Mexico_City"))
    [meeting] = await harness.app.store.meetings.in_communities([1])
    assert meeting.zone == "America/Mexico_City"
    assert occurrences(meeting)[0].start == datetime(2026, 1, 21, 0, 0, tzinfo=UTC)
    assert "(Madrid)" in out  # the confirmation speaks the chat's zone


@pytest.mark.parametrize(("length", "minutes"), [
    ("1h30", 90), ("1h 30m", 90), ("90m", 90), ("2h", 120), ("2 horas", 120),
    ("1 घंटा 30 मिनट", 90), ("١h٣٠", 90), ("19:30", 90), ("19h30", 90),
])
async def test_a_length_or_an_end_is_read_as_documented(harness: Harness, length: str,
                                                         minutes: int) -> None:
    await harness.send("/timezone Europe/Madrid")
    out = texts(await harness.send(f"/meeting new Q&A | 2026-01-20 18:00 | {length}"))
    [meeting] = await harness.app.store.meetings.in_communities([1])
    assert meeting.duration == timedelta(minutes=minutes), out


async def _snapshot(h: Harness) -> tuple[object, ...]:
    store = h.app.store
    meetings = await store.meetings.in_communities([1, 2, 3], active_only=False)
    return (
        [(m.title, m.start_local, m.rrule, m.status, m.version, m.exceptions, m.place)
         for m in meetings],
        [(i.kind, i.ref, i.due_at) for i in await meeting_items(store)],
        await store.outbox.depth(),
    )


@pytest.mark.parametrize(("line", "fragment"), [
    ("/meeting new Dialogue | friday 18:00 Mars/Olympus", "I don't know the time zone"),
    ("/meeting new Dialogue | friday 18:00 Europe/Madird", "Did you mean: Europe/Madrid"),
    ("/meeting new Dialogue | 2025-12-01 18:00", "has already passed"),
    ("/meeting new Dialogue | friday 18:00 | 17:00", "is before the start"),
    ("/meeting new Dialogue | friday 18:00 | 25:00", "could not read 25:00 as a length"),
    ("/meeting new Dialogue | friday 18:00 | forever", "could not read forever as a length"),
    ("/meeting new Dialogue | friday 18:00 | 0", "could not read 0 as a length"),
    ("/meeting new " + "x" * 5000 + " | friday 18:00", "The title is too long (5,000"),
    ("/meeting new Dialogue | friday 18:00 | 1h | " + "p" * 600, "The place is too long"),
    ("/meeting new Dialogue | friday 18:00 | 1h | Zoom | " + "d" * 1500,
     "The description is too long"),
    ("/meeting new Dialogue | friday", "At what time?"),
    ("/meeting new Dialogue | 05/06/2026 18:00", "can be read two ways"),
    ("/meeting new Dialogue", "Usage: /meeting new"),
    ("/meeting new | friday 18:00", "Usage: /meeting new"),
    ("/meeting repeat 1 weekly", "Until when should it repeat?"),
    ("/meeting repeat 1 weekly count 0", "at least one date"),
    ("/meeting repeat 1 weekly count 10000", "at most 500 dates"),
    ("/meeting repeat 1 FREQ=DAILY", "Until when should it repeat?"),
    ("/meeting repeat 1 daily until 2029-12-31", "more than 500 dates"),
    ("/meeting repeat 1 sometimes", "could not read sometimes as a repetition"),
    ("/meeting repeat 9 weekly count 3", "There is no meeting #9 here"),
    ("/meeting repeat x weekly count 3", "“x” is not a number, such as 12 or #12"),
    ("/meeting skip 1", "does not repeat"),
    ("/meeting move 1 | 2025-12-01 18:00", "has already passed"),
    ("/meeting move 1 | 2026-02-01 | 2026-02-03 18:00", "has no date on"),
    ("/meeting move 1", "To when?"),
    ("/meeting edit 1 | colour | red", "not colour"),
    ("/meeting edit 1 | title |", "cannot be empty"),
    ("/meeting edit 1 | length | 17:00", "is before the start"),
    ("/meeting cancel 2", "There is no meeting #2 here"),
    ("/meeting reminders 24h sometimes", "could not read sometimes"),
    ("/meeting reminders 1m", "could not read 1m"),
    ("/meeting reminders 1h 2h 3h 4h 5h", "At most 4 reminders"),
])
async def test_bad_input_gets_a_clear_answer_and_changes_nothing(
        harness: Harness, line: str, fragment: str) -> None:
    await harness.send("/timezone Europe/Madrid")
    await harness.send("/meeting new Dialogue | friday 18:00")
    await harness.settle()
    before = await _snapshot(harness)
    out = texts(await harness.send(line))
    assert fragment in out
    await harness.settle()
    assert await _snapshot(harness) == before


@pytest.mark.parametrize("line", [
    "/meeting new Dialogue | friday 18:00", "/meeting repeat 1 weekly count 3",
    "/meeting skip 1", "/meeting move 1 | saturday 18:00", "/meeting cancel 1",
    "/meeting edit 1 | title | Mine", "/meeting reminders 2h",
])
async def test_members_cannot_change_meetings(harness: Harness, line: str) -> None:
    await harness.send("/meeting new Dialogue | friday 18:00")
    await harness.settle()
    before = await _snapshot(harness)
    harness.as_user("alice")
    assert texts(await harness.send(line)) == "Only moderators of this chat can do that."
    assert await _snapshot(harness) == before
    audit = await harness.app.store.audit.recent(None, limit=1)
    assert not audit[0].allowed


async def test_refusals_speak_the_chats_language(harness: Harness) -> None:
    await harness.send("/language es")
    out = texts(await harness.send("/meeting new Diálogo | 2025-12-01 18:00"))
    assert "ya pasó" in out
    harness.in_chat("me", private=True)
    harness.locale_hint = "es"
    assert "grupo" in texts(await harness.send("/meeting new Diálogo | viernes 18:00"))


async def test_lists_show_each_chats_zone_and_in_private_your_own(harness: Harness) -> None:
    c = await linked(harness)
    c.in_telegram()
    await harness.send(NEW)
    await harness.send("/meeting new Consulado | 2026-01-20 10:00")
    tg_list = texts(await harness.send("/meetings"))
    assert tg_list.index("Diálogo mensual") < tg_list.index("Consulado")
    assert "viernes, 9 de enero de 2026, 18:00 (Madrid)" in tg_list
    c.in_discord("dee", admin=False)
    assert "11:00 (Mexico City)" in texts(await harness.send("/meetings"))
    harness.in_chat("dc-dee", private=True)
    await harness.send("/timezone America/Mexico_City")
    private = texts(await harness.send("/meetings"))
    assert "vendredi 9 janvier 2026 · 18:00 Madrid · 11:00 votre heure" in private
    [shown] = await harness.send("/meeting show 1")
    assert isinstance(shown, Reply) and shown.buttons
    assert "18:00 Madrid · 11:00 votre heure" in shown.body.plain()
    # Someone who never spoke in the community sees none of its meetings.
    harness.as_user("stranger")
    harness.in_chat("stranger", private=True)
    assert "No meetings are coming up" in texts(await harness.send("/meetings"))
    assert "no meeting #1 here" in texts(await harness.send("/meeting show 1"))


async def test_edit_and_cancel_reach_every_copy_and_are_announced(harness: Harness) -> None:
    c = await linked(harness)
    c.in_telegram()
    await harness.send(NEW)
    await harness.settle()
    out = texts(await harness.send("/meeting edit 1 | lugar | Jitsi https://meet.jit.si/x"))
    assert "Guardado" in out
    await harness.settle()
    assert "Jitsi https://meet.jit.si/x" in edited(c.tg)[-1]
    assert "Jitsi https://meet.jit.si/x" in edited(c.dc)[-1]
    assert "a changé" in c.dc.texts()[-1] and "lieu" in c.dc.texts()[-1]
    await harness.send("/meeting cancel 1")
    await harness.settle()
    assert "cancelada" in c.tg.texts()[-1] and "annulée" in c.dc.texts()[-1]
    assert "Cancelada" in edited(c.tg)[-1] and "Annulée" in edited(c.dc)[-1]
    assert [r for _c, _i, r in c.tg.edits][-1].buttons == ()
    assert await meeting_items(harness.app.store) == []
    assert "ya está cancelada" in texts(await harness.send("/meeting cancel 1"))


async def test_a_cancelled_card_keeps_the_date_it_was_moved_to(harness: Harness) -> None:
    await harness.send("/meeting new Dialogue | friday 18:00")
    await harness.send("/meeting repeat 1 weekly count 3")
    await harness.send("/meeting move 1 | saturday 11:00")
    await harness.settle()
    await harness.send("/meeting cancel 1")
    await harness.settle()
    card = [r for _c, _i, r in harness.messenger.edits][-1].body.plain()
    assert "Cancelled" in card
    assert "Saturday, January 10, 2026" in card and "Friday, January 9" not in card.split(
        "Moved from")[0]
    assert "Moved from Friday, January 9, 2026" in card


async def test_skip_and_move_announce_themselves_everywhere(harness: Harness) -> None:
    c = await linked(harness)
    c.in_telegram()
    await harness.send(NEW)
    out = texts(await harness.send("/meeting repeat 1 semanal 6 veces"))
    assert "Cada semana, el viernes, 6 veces en total" in out
    await harness.settle()
    await harness.send("/meeting skip 1 16 de enero")
    await harness.settle()
    assert "no hay reunión el viernes, 16 de enero de 2026" in c.tg.texts()[-1]
    assert "23 de enero" in c.tg.texts()[-1]
    assert "16 janvier" in c.dc.texts()[-1]
    await harness.send("/meeting move 1 | 23/01/2026 | 24/01/2026 11:00")
    await harness.settle()
    assert "se traslada al sábado, 24 de enero de 2026, 11:00" in c.tg.texts()[-1]
    meeting = await harness.app.store.meetings.get(1)
    assert meeting is not None
    keys = [o.key for o in occurrences(meeting)]
    assert "20260116T1800" not in keys and len(keys) == 5
    # The first date's card is still the live one; skipping it hands over to the next.
    await harness.send("/meeting skip 1")
    await harness.settle()
    assert "Ya no hay reunión en esta fecha" in edited(c.tg)[-1]
    assert "Movida desde" in last(c.tg, "Diálogo mensual  #1").body.plain()


async def test_a_newly_linked_chat_gets_the_current_card_at_the_next_change(
        harness: Harness) -> None:
    c = await linked(harness)
    c.in_telegram()
    await harness.send(NEW)
    await harness.settle()
    [reply] = await harness.send("/link")
    code = reply.body.plain().split("/link ")[-1].strip()  # type: ignore[union-attr]
    harness.in_chat("paris", platform=Platform.CONSOLE)
    await harness.send(f"/link {code}")
    c.in_telegram()
    await harness.send("/meeting edit 1 | title | Diálogo de enero")
    await harness.settle()
    assert any("Diálogo de enero" in t for t in harness.messenger.texts("paris"))
