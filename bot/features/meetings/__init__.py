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

# /help lists commands in registration order; show them in the order people use them.
_ORDER = ["meetings", "meeting new", "meeting show", "meeting repeat", "meeting skip",
          "meeting move", "meeting edit", "meeting cancel", "meeting attendees", "meeting ics",
          "meeting reminders", "agenda", "agenda add", "agenda accept", "agenda drop",
          "agenda move", "session start", "topic", "info", "idea", "agreed", "action", "chair",
          "present", "undo", "session end", "minutes", "actions", "done"]
feature.commands.sort(key=lambda spec: _ORDER.index(spec.name) if spec.name in _ORDER
                      else len(_ORDER))
