"""The agenda: members propose, moderators accept, reorder and drop."""

from __future__ import annotations

from bot.features.meetings.records import AgendaStatus
from tests.support import Harness, texts


async def _meetings(h: Harness) -> None:
    await h.send("/meeting new Dialogue | friday 18:00")
    await h.send("/meeting new Q&A | 2026-01-20 18:00")


async def test_members_propose_and_moderators_decide(harness: Harness) -> None:
    await _meetings(harness)
    harness.as_user("ana")
    assert "A moderator will" in texts(await harness.send("/agenda add Passport renewals"))
    assert "item 2" in texts(await harness.send("/agenda add #2 Visa questions"))
    assert "Only moderators" in texts(await harness.send("/agenda accept 1"))
    harness.as_user("me", admin=True)
    assert "item 3" in texts(await harness.send("/agenda add Welcome"))
    assert "Accepted: Passport renewals" in texts(await harness.send("/agenda accept 1"))
    moved = texts(await harness.send("/agenda move 1 1"))
    assert moved.index("Passport renewals") < moved.index("Welcome")
    shown = texts(await harness.send("/agenda"))
    assert "#1 Dialogue" in shown and "1. Passport renewals  [1]" in shown
    assert "2. Welcome  [3]" in shown
    assert "Visa questions" not in shown
    q_and_a = texts(await harness.send("/agenda 2"))
    assert "Visa questions" in q_and_a and "(proposed by Ana)" in q_and_a
    assert "Dropped: Visa questions" in texts(await harness.send("/agenda drop 2"))
    assert "Nothing on the agenda yet" in texts(await harness.send("/agenda #2"))
    items = await harness.app.store.meetings.agenda(1, "20260109T1800")
    assert [(i.text, i.status, i.position) for i in items] == [
        ("Passport renewals", AgendaStatus.ACCEPTED, 1), ("Welcome", AgendaStatus.ACCEPTED, 2)]


async def test_bad_agenda_requests_change_nothing(harness: Harness) -> None:
    assert "No meetings are coming up" in texts(await harness.send("/agenda add Hello"))
    await _meetings(harness)
    await harness.send("/agenda add First")
    before = await harness.app.store.meetings.agenda(1, "20260109T1800")
    for line, fragment in [
        ("/agenda add #7 Hello", "no meeting #7"),
        ("/agenda add " + "x" * 600, "too long"),
        ("/agenda add #1", "What should be on the agenda?"),
        ("/agenda accept 99", "no agenda item 99"),
        ("/agenda accept 1", "already on the agenda"),
        ("/agenda move 1 zero", "“zero” is not a whole number"),
        ("/agenda move 1", "Usage: /agenda move"),
        ("/agenda drop abc", "“abc” is not a number"),
    ]:
        assert fragment in texts(await harness.send(line)), line
    harness.in_chat("other")
    await harness.send("/meeting new Elsewhere | friday 19:00")
    assert "no agenda item 1" in texts(await harness.send("/agenda drop 1"))
    assert await harness.app.store.meetings.agenda(1, "20260109T1800") == before
    harness.in_chat("main")
    for n in range(29):
        await harness.send(f"/agenda add Item {n}")
    assert "full" in texts(await harness.send("/agenda add One too many"))
