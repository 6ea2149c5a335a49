"""Polls in the digest (open ones, and closed ones not already summarised) and in /mydata."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.features.polls.actions import Vote
from bot.replies import Reply
from tests.support import Harness, texts


async def test_digest_lists_open_polls_and_closed_ones_not_summarised_today(
        harness: Harness) -> None:
    h = harness
    await h.send("/poll new Lunch? | Pizza | Sushi | Tacos")
    await h.send("/poll new Venue? | Café | Online --closes 2026-01-06 12:00")
    for name, option in (("ana", 0), ("ben", 0), ("cy", 1)):
        h.as_user(name)
        await h.press(Vote(1, option).pack())
    h.as_user("me", admin=True)
    digest = texts(await h.send("/digest"))
    assert "2 open polls" in digest
    assert "Venue? (/poll show 2) — closes Tuesday, January 6, 2026" in digest
    assert "Lunch? (/poll show 1) — no closing time" in digest
    await h.send("/poll close 1")
    await h.settle()
    # Results went to every chat when it closed: the digest does not repeat them today.
    assert "poll closed" not in texts(await h.send("/digest"))
    await h.advance(timedelta(days=2))
    later = texts(await h.send("/digest"))
    # Venue? closed on its own yesterday at 12:00: still within the day of its results.
    assert "1 poll closed" in later and "Venue?" not in later
    await h.advance(timedelta(days=1))
    later = texts(await h.send("/digest"))
    assert "2 polls closed" in later
    assert "Lunch? — Pizza won (66.7%)" in later
    assert "Venue? — nobody voted" in later
    assert "open poll" not in later


async def test_a_tie_is_named_as_such(harness: Harness) -> None:
    h = harness
    await h.send("/poll new Day? | Monday | Friday")
    for name, option in (("ana", 0), ("ben", 1)):
        h.as_user(name)
        await h.press(Vote(1, option).pack())
    h.as_user("me", admin=True)
    await h.send("/poll close 1")
    await h.advance(timedelta(days=2))
    assert "a tie between Monday and Friday (50% each)" in texts(await h.send("/digest"))


async def test_public_votes_are_in_mydata(harness: Harness) -> None:
    h = harness
    await h.send("/poll new Lunch? | Pizza | Sushi --multi")
    h.as_user("ana")
    await h.press(Vote(1, 0).pack())
    await h.press(Vote(1, 1).pack())
    [reply] = await h.send("/mydata")
    assert isinstance(reply, Reply) and reply.document is not None
    data = json.loads(reply.document.data)
    assert data["poll_votes"] == [{"poll": 1, "question": "Lunch?", "chose": ["Pizza", "Sushi"]}]
