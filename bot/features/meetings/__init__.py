"""Meetings and dialogue sessions: schedule, RSVP, reminders, agenda, live minutes, iCalendar."""

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
