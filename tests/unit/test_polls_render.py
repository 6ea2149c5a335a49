"""The largest possible poll still fits one Discord message (2,000 characters) in every language."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.features.polls.records import MAX_OPTION_CHARS, MAX_QUESTION_CHARS, Poll, PollStatus, Tally
from bot.features.polls.render import card, results
from bot.i18n import SUPPORTED, use_locale

LARGEST = Poll(
    id=123456, community_id=1, question="Q" * MAX_QUESTION_CHARS,
    options=tuple(f"{i}" + "x" * (MAX_OPTION_CHARS - 1) for i in range(10)), multiple=True,
    anonymous=False, hide_results=False, status=PollStatus.OPEN,
    created_at=datetime(2026, 1, 5, tzinfo=UTC), closes_at=datetime(2026, 12, 5, 18, tzinfo=UTC))
BUSY = Tally((99_999,) * 10, 99_999)


@pytest.mark.parametrize("locale", SUPPORTED)
def test_the_largest_poll_fits_one_discord_message(locale: str) -> None:
    closed = replace(LARGEST, status=PollStatus.CLOSED, closed_at=LARGEST.closes_at)
    with use_locale(locale):
        bodies = [card(LARGEST, BUSY, "America/Argentina/ComodRivadavia"),
                  card(replace(LARGEST, anonymous=True, hide_results=True), BUSY, "UTC"),
                  card(closed, BUSY, "UTC"),
                  results(closed, BUSY, "UTC", late=True)]
    assert max(len(b.body.plain()) for b in bodies) < 2000
    assert all(len(b.label) <= 60 for row in bodies[0].buttons for b in row)
