"""Votes arriving at once: every one counted exactly once, on every backend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.events import Platform
from bot.replies import Toast
from tests.polls_helpers import DC, TG, community, event_for


async def test_two_hundred_votes_at_once_from_two_hundred_people(db_url: str) -> None:
    async with community(db_url) as h:
        h.telegram("mod", admin=True)
        await h.send("/poll new Where shall we meet? | Café Lisboa | Online | Library")
        await h.settle()
        events = [event_for(TG if n % 2 else DC, f"voter{n}", f"pv:1:{n % 3}")
                  for n in range(200)]
        outcomes = await asyncio.gather(*(h.app.handle(e) for e in events))
        toasts = [(e.chat, o) for e, out in zip(events, outcomes, strict=True)
                  for o in out if isinstance(o, Toast)]
        # Voters who never chose a language read their toast in their chat's language.
        expected = {TG: "Has votado por", DC: "You voted for"}
        assert len(toasts) == 200, toasts[:3]
        assert all(expected[chat] in t.text for chat, t in toasts), toasts[:3]
        tally = await h.app.store.polls.tally(1)
        assert tally.voters == 200
        assert tally.counts == (67, 67, 66)
        await h.advance(timedelta(seconds=3))
        # However the burst fell into refresh windows, the copies end with every vote.
        assert "200 people have voted." in h.dc.edits[-1][2].body.plain()
        assert "200 personas han votado." in h.tg.edits[-1][2].body.plain()
        assert len(h.dc.edits) < 20


async def test_one_person_pressing_many_times_at_once_stays_consistent(db_url: str) -> None:
    async with community(db_url) as h:
        h.telegram("mod", admin=True)
        await h.send("/poll new Which days? | Fri | Sat | Sun | Mon --multi")
        await h.send("/poll new Lunch? | Pizza | Sushi")
        await h.settle()
        # Each option of the multiple-choice poll pressed once, all at the same moment.
        multi = [event_for(DC, "dee", f"pv:1:{option}") for option in range(4)]
        # The same option of the single-choice poll pressed seven times at once.
        single = [event_for(TG, "ana", "pv:2:1") for _ in range(7)]
        await asyncio.gather(*(h.app.handle(e) for e in [*multi, *single]))
        store = h.app.store
        multi_tally = await store.polls.tally(1)
        assert (multi_tally.counts, multi_tally.voters) == ((1, 1, 1, 1), 1)
        single_tally = await store.polls.tally(2)
        # Seven toggles: chosen, withdrawn, ... chosen.
        assert (single_tally.counts, single_tally.voters) == ((0, 1), 1)
        assert h.dc.sent and h.dc.sent[0][0].platform == Platform.DISCORD
