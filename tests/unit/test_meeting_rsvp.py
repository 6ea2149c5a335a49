"""Answers across a Telegram group and a Discord channel of one community."""

from __future__ import annotations

from datetime import timedelta

from bot.features.meetings.actions import RemindMe, Respond, Who
from bot.features.meetings.records import Answer
from bot.replies import Reply, Toast
from tests.support import Harness, texts
from tests.unit.meeting_helpers import edited, last, linked

NEW = "/meeting new Diálogo mensual | viernes 18:00 | 90m | Zoom https://zoom.us/j/1"
KEY = "20260109T1800"


def press(answer: Answer) -> str:
    return Respond(1, KEY, answer).pack()


async def test_answers_from_both_platforms_are_counted_together_on_every_copy(
        harness: Harness) -> None:
    c = await linked(harness)
    c.in_telegram()
    await harness.send(NEW)
    await harness.settle()
    tg_going = last(c.tg).buttons[0][0].action
    dc_maybe = last(c.dc).buttons[0][1].action
    assert tg_going == press(Answer.GOING) and dc_maybe == press(Answer.MAYBE)

    c.in_telegram("ana", admin=False)
    [toast] = await harness.press(tg_going)
    assert isinstance(toast, Toast) and "Nos vemos" in toast.text
    c.in_discord("dee", admin=False)
    await harness.press(dc_maybe)
    c.in_telegram("bob", admin=False)
    await harness.press(press(Answer.GOING))
    await harness.press(press(Answer.NO))  # changed his mind within the same second
    # Nothing is edited until the debounce has passed; then one edit per copy.
    await harness.advance(timedelta(seconds=1))
    assert edited(c.tg) == [] and edited(c.dc) == []
    await harness.advance(timedelta(seconds=2))
    assert len(edited(c.tg)) == 1 and len(edited(c.dc)) == 1
    assert "1 asistirá · 1 quizás · 1 no asistirá" in edited(c.tg)[0]
    assert "1 vient · 1 peut-être · 1 ne vient pas" in edited(c.dc)[0]
    counts = await harness.app.store.meetings.counts(1, KEY)
    assert counts == {Answer.GOING: 1, Answer.MAYBE: 1, Answer.NO: 1}


async def test_one_answer_per_person_changeable_and_repeated_presses_change_nothing(
        harness: Harness) -> None:
    await harness.send("/meeting new Dialogue | friday 18:00")
    await harness.settle()
    harness.as_user("ana")
    assert "See you there" in texts(await harness.press(press(Answer.GOING)))
    assert "You already answered: Going" in texts(await harness.press(press(Answer.GOING)))
    assert "Noted: maybe" in texts(await harness.press(press(Answer.MAYBE)))
    rsvps = await harness.app.store.meetings.rsvps(1, KEY)
    assert [(r.name, r.answer) for r in rsvps] == [("Ana", Answer.MAYBE)]


async def test_attendee_list_shows_names_as_each_platform_shows_them(harness: Harness) -> None:
    c = await linked(harness, tg=("en", "Europe/Madrid"), dc=("en", "Europe/Madrid"))
    c.in_telegram()
    await harness.send("/meeting new Dialogue | friday 18:00")
    await harness.settle()
    c.in_telegram("ana", admin=False)
    await harness.press(press(Answer.GOING))
    c.in_discord("zoé", admin=False)
    await harness.press(press(Answer.GOING))
    c.in_discord("dee", admin=False)
    await harness.press(press(Answer.NO))
    out = texts(await harness.send("/meeting attendees 1"))
    assert "2 going: Ana and Zoé" in out and "1 not going: Dee" in out
    [private, toast] = await harness.press(Who(1, KEY).pack())
    assert isinstance(private, Reply) and private.private and toast == Toast("")
    assert "Ana and Zoé" in private.body.plain()


async def test_private_reminders_are_for_people_who_are_going(harness: Harness) -> None:
    await harness.send("/meeting new Dialogue | friday 18:00")
    await harness.settle()
    harness.as_user("ana")
    [refused] = await harness.press(RemindMe(1, KEY).pack())
    assert isinstance(refused, Toast) and refused.alert and "Going" in refused.text
    await harness.press(press(Answer.GOING))
    assert "private message" in texts(await harness.press(RemindMe(1, KEY).pack()))
    mine = await harness.app.store.meetings.rsvp_of(1, KEY, (await _ana(harness)))
    assert mine is not None and mine.private_reminder
    # Saying maybe afterwards drops the private reminder with the promise to come.
    await harness.press(press(Answer.MAYBE))
    await harness.press(press(Answer.GOING))
    mine = await harness.app.store.meetings.rsvp_of(1, KEY, (await _ana(harness)))
    assert mine is not None and not mine.private_reminder
    assert "private message" in texts(await harness.press(RemindMe(1, KEY).pack()))
    assert "turned off" in texts(await harness.press(RemindMe(1, KEY).pack()))


async def _ana(h: Harness) -> int:
    from bot.events import Platform

    person = await h.app.store.people.find(Platform.CONSOLE, "ana")
    assert person is not None
    return person.id


async def test_stale_forged_and_foreign_buttons_change_nothing(harness: Harness) -> None:
    await harness.send("/meeting new Dialogue | friday 18:00")
    await harness.send("/meeting repeat 1 weekly count 3")
    harness.in_chat("elsewhere")
    await harness.send("/meeting new Other | friday 19:00")
    harness.in_chat("main")
    harness.as_user("ana")
    cases = {
        Respond(1, "20260110T1800", Answer.GOING).pack(): "no longer takes place",
        Respond(2, KEY, Answer.GOING).pack(): "no longer works",
        Respond(99, KEY, Answer.GOING).pack(): "no longer works",
        Respond(1, "garbage", Answer.GOING).pack(): "no longer takes place",
        "mr:1:20260109T1800:yes": "no longer works",
        "mr:1:20260109T1800": "no longer works",
    }
    for data, fragment in cases.items():
        [toast] = await harness.press(data)
        assert isinstance(toast, Toast) and fragment in toast.text, data
    harness.as_user("me", admin=True)
    await harness.send("/meeting skip 1")
    harness.as_user("ana")
    assert "no longer takes place" in texts(await harness.press(press(Answer.GOING)))
    await harness.advance(timedelta(days=12))
    assert "already taken place" in texts(await harness.press(
        Respond(1, "20260116T1800", Answer.GOING).pack()))
    assert await harness.app.store.meetings.rsvps(1, KEY) == []
