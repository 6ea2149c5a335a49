"""Meetings in the digest (coming dates, open action items) and in /mydata and /forgetme."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.events import Platform
from bot.features.meetings.actions import Respond
from bot.features.meetings.records import Answer
from bot.features.privacy import Forget
from bot.replies import Reply
from tests.support import Harness, make_harness, texts

# The harness clock starts on Monday 5 January 2026, 09:00 UTC (10:00 in Madrid).


async def _meeting_and_action(h: Harness) -> None:
    await h.send("/timezone Europe/Madrid")
    await h.send("/meeting new Dialogue | 2026-01-08 18:00")
    await h.send("/meeting new Far away | 2026-03-01 18:00")
    h.as_user("ana")
    await h.say("hello")  # known in the community, so an action item can name her
    await h.press(Respond(1, "20260108T1800", Answer.GOING).pack())
    await h.send("/agenda add #1 The new venue")
    h.as_user("me", admin=True)
    await h.send("/session start Budget")
    await h.send("/action ana Send the flyer | 2026-01-07")
    await h.send("/session end")
    await h.settle()


async def test_digest_lists_the_coming_week_and_open_action_items(harness: Harness) -> None:
    h = harness
    await _meeting_and_action(h)
    digest = texts(await h.send("/digest"))
    assert "1 meeting coming up" in digest
    assert "Dialogue (/meeting show 1) — Thursday, January 8, 2026" in digest
    assert "1 going · 0 maybe · 0 not going" in digest
    assert "Far away" not in digest  # beyond the coming week
    assert "1 open action item" in digest
    assert "Ana: Send the flyer (due Jan 7, 2026)" in digest
    assert "overdue" not in digest

    await h.advance(timedelta(days=3))  # Thursday: the flyer is late
    digest = texts(await h.send("/digest"))
    assert "overdue" in digest
    await h.send("/done 1")
    await h.advance(timedelta(days=1))  # Friday: the meeting has taken place
    digest = texts(await h.send("/digest"))
    assert "action item" not in digest and "coming up" not in digest


async def test_answers_proposals_and_marks_are_in_mydata_and_forgetme_removes_the_name(
        harness: Harness) -> None:
    h = harness
    await _meeting_and_action(h)
    await h.advance(timedelta(seconds=5))  # the card is redrawn after her answer
    h.as_user("ana")
    [reply] = await h.send("/mydata")
    assert isinstance(reply, Reply) and reply.document is not None
    data = json.loads(reply.document.data)
    assert data["meeting_answers"] == [
        {"meeting": 1, "title": "Dialogue", "date": "20260108T1800", "answer": "going"}]
    assert [p["text"] for p in data["agenda_proposals"]] == ["The new venue"]
    [owned] = data["minutes_marks"]
    assert owned["text"] == "Send the flyer" and owned["owner"] is True
    assert owned["due"].startswith("2026-01-0")

    ana = await h.app.store.people.find(Platform.CONSOLE, "ana")
    assert ana is not None
    assert "erased" in texts(await h.press(Forget(ana.id, True).pack()))

    h.as_user("me", admin=True)
    actions = texts(await h.send("/actions"))
    assert "former member: Send the flyer" in actions and "Ana" not in actions
    assert "No answers yet." in texts(await h.send("/meeting show 1"))  # her answer went too
    h.messenger.edits.clear()
    await h.advance(timedelta(seconds=5))  # the card she answered on is redrawn
    redrawn = [r.body.plain() for _chat, _ids, r in h.messenger.edits]
    assert redrawn and all("No answers yet." in text for text in redrawn)
    assert "The new venue" not in texts(await h.send("/agenda #1"))  # her proposal went too
    minutes = await h.send("/minutes")
    assert "former member" in texts(minutes) and "Ana" not in texts(minutes)


async def test_minutes_older_than_the_retention_are_deleted_daily(db_url: str) -> None:
    async with make_harness(db_url, minutes_retention_days=30) as h:
        await h.send("/session start Budget")
        await h.send("/info The hall costs 200")
        await h.send("/session end")
        await h.advance(timedelta(days=29, hours=23))
        assert "The hall costs 200" in texts(await h.send("/minutes"))
        await h.advance(timedelta(days=2))  # the daily sweep after day 30
        assert "The hall costs 200" not in texts(await h.send("/minutes"))
    async with make_harness(db_url) as h:  # the default keeps minutes
        await h.send("/session start Budget")
        await h.send("/info Kept")
        await h.send("/session end")
        await h.advance(timedelta(days=400))
        assert "Kept" in texts(await h.send("/minutes"))
