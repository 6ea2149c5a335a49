"""Reading what moderators type: a time with an optional zone, a length or an end, a date."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.context import UserError
from bot.convert import find_zone, western_digits
from bot.dates import has_time_of_day, parse_duration, parse_when
from bot.features.meetings.common import DEFAULT_DURATION
from bot.features.meetings.records import Meeting, Occurrence
from bot.features.meetings.recurrence import occurrences, on_day, to_local, upcoming
from bot.fmt import date_text, joined, time_text
from bot.i18n import _

_END_TIME = re.compile(r"(\d{1,2})\s*(?:[:.h])\s*(\d{2})?")
# "1h30" is a length and "19h30" an end time: an "h" reading longer than this is an end.
LONGEST_H_LENGTH = timedelta(hours=4)
_ZONE_LIKE = re.compile(r"[A-Za-z_]+/[A-Za-z_/+-]+|UTC|GMT", re.IGNORECASE)
NEXT_WORDS = {"next", "próxima", "proxima", "siguiente", "prochaine", "prochain", "التالي",
              "अगली", "अगला"}


def split_zone(text: str, default: str) -> tuple[str, str]:
    """ "friday 18:00 Europe/Madrid" → ("friday 18:00", "Europe/Madrid"); else the default."""
    words = text.split()
    if len(words) > 1 and _ZONE_LIKE.fullmatch(words[-1]):
        found = find_zone(words[-1][:64])
        if isinstance(found, str):
            return " ".join(words[:-1]), found
        if found:
            raise UserError(_("I don't know the time zone {zone}. Did you mean: {choices}?",
                              zone=words[-1][:64], choices=joined(found, "or")))
        raise UserError(_("I don't know the time zone {zone}. Use a name like "
                          "Europe/Madrid or America/Mexico_City.", zone=words[-1][:64]))
    return text, default


def parse_length(text: str, start: datetime, zone: str) -> timedelta:
    """A duration ("90m", "1h30") or an end time ("19:30"); the default when empty."""
    text = western_digits(text).strip()
    if not text:
        return DEFAULT_DURATION
    end_match = _END_TIME.fullmatch(text)
    if end_match and _reads_as_end(text, end_match):
        hour, minute = int(end_match.group(1)), int(end_match.group(2) or 0)
        if hour > 23 or minute > 59:
            raise UserError(_("I could not read {text} as a length. Try 90m, 1h30 or an end "
                              "time such as 19:30.", text=text[:40]))
        local = to_local(start, zone)
        end_local = local.replace(hour=hour, minute=minute)
        if end_local <= local:
            raise UserError(_("The end ({end}) is before the start ({start}). Give an end "
                              "later that day, or a length such as 90m.",
                              end=f"{hour:02d}:{minute:02d}", start=time_text(start, zone)))
        return end_local - local
    length = parse_duration(text)
    if length is None:
        raise UserError(_("I could not read {text} as a length. Try 90m, 1h30 or an end "
                          "time such as 19:30.", text=text[:40]))
    return length


def _reads_as_end(text: str, match: re.Match[str]) -> bool:
    """ "19:30" and "19.30" are end times; "19h30" and "20h" too, but "1h30" and "2h" are
    lengths (French and Portuguese write clock times with an h)."""
    if ":" in text or "." in text:
        return True
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    return timedelta(hours=hours, minutes=minutes) > LONGEST_H_LENGTH


def parse_day(text: str, *, locale: str, zone: str, now: datetime) -> datetime:
    """A coming day typed in words or as a date (its last minute, so "today" still counts)."""
    typed = text if has_time_of_day(text) else f"{text} 23:59"
    return parse_when(typed, locale=locale, zone=zone, now=now)


def pick_occurrence(meeting: Meeting, typed: str, *, locale: str,
                    now: datetime) -> Occurrence:
    """The coming date a moderator names ("2026-12-18", "viernes"), or the next one."""
    typed = typed.strip()
    if not typed or typed.lower() in NEXT_WORDS:
        occ = upcoming(meeting, now)
        if occ is None:
            raise UserError(_("Meeting #{id} has no coming dates.", id=str(meeting.id)))
        return occ
    day = parse_day(typed, locale=locale, zone=meeting.zone, now=now)
    occ = on_day(meeting, to_local(day, meeting.zone), now)
    if occ is None:
        coming = [o for o in occurrences(meeting) if o.end > now][:3]
        dates = joined(date_text(o.start, meeting.zone) for o in coming) or "—"
        raise UserError(_("Meeting #{id} has no date on {date}. Its next dates: {dates}.",
                          id=str(meeting.id), date=date_text(day, meeting.zone), dates=dates))
    return occ

