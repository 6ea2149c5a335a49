"""Meetings and dialogue sessions: schedule, RSVP, reminders, agenda, live minutes, iCalendar.

Besides the common modules: `commands`, `series`, `rsvp`, `prefs`, `agenda`, `minutes` and
`closing` (commands and buttons), `timeline` (a meeting's jobs: cards, reminders, the next
date), `ics`, and the readers `parsing`, `recurrence`, `words`, `minutes_text`.

Every feature package has the same shape (see CONTRIBUTING.md): `common` (the feature, its
shared arguments, checks and look-ups), `actions` (button actions), `records` (what it
keeps), `store` (what it needs from storage), `render` or `text` (how it looks), `reports`
(digest sections, /mydata and /forgetme); the other modules hold the commands, buttons and
jobs, one concern each.
"""

from __future__ import annotations

from bot.features.meetings import (  # noqa: F401  (each module registers its handlers)
    agenda,
    closing,
    commands,
    ics,
    minutes,
    prefs,
    reports,
    rsvp,
    series,
    timeline,
)
from bot.features.meetings.common import feature

__all__ = ["feature"]
