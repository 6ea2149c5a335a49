"""Occurrences of a meeting: wall-clock DTSTART + IANA zone + RRULE, expanded by dateutil.

Expansion happens in naive wall-clock time, and each occurrence is turned
into UTC with the zone's own rules for that day, so a series stays at 18:00
local across daylight-saving changes (and follows the zone database when a
country changes its rules). A wall time that a spring change skips is read
with the offset before the change (RFC 5545: 02:30 becomes 03:30).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from bot.context import UserError
from bot.dates import MAX_AHEAD, has_time_of_day, parse_when
from bot.features.meetings.records import KEY_FORMAT, Meeting, Occurrence
from bot.features.meetings.words import parse_rule_words
from bot.fmt import number
from bot.i18n import _

MAX_OCCURRENCES = 500
_UNTIL_UTC = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)
_KEY = re.compile(r"\d{8}T\d{4}")


def key_of(local: datetime) -> str:
    """The key of an occurrence from its original wall-clock start."""
    return local.strftime(KEY_FORMAT)


def local_of(key: str) -> datetime | None:
    """The wall-clock start a key names; None for anything malformed."""
    if not _KEY.fullmatch(key):
        return None
    try:
        return datetime.strptime(key, KEY_FORMAT)
    except ValueError:
        return None


def to_utc(local: datetime, zone: str) -> datetime:
    """A naive wall-clock time in `zone` as UTC (gaps read with the earlier offset)."""
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def to_local(moment: datetime, zone: str) -> datetime:
    """A UTC moment as naive wall-clock time in `zone`."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def rule_of(rule: str, start_local: datetime) -> rrule:
    """The dateutil rule for an RRULE string anchored at a wall-clock start."""
    parsed = rrulestr(rule, dtstart=start_local)
    assert isinstance(parsed, rrule)
    return parsed


def originals(meeting: Meeting) -> list[datetime]:
    """Every original wall-clock start of a meeting (capped, so never endless)."""
    if not meeting.rrule:
        return [meeting.start_local]
    return list(islice(rule_of(meeting.rrule, meeting.start_local), MAX_OCCURRENCES))


def occurrences(meeting: Meeting) -> list[Occurrence]:
    """Every date of a meeting after skips and moves, earliest first."""
    out = []
    for original in originals(meeting):
        key = key_of(original)
        local = original
        moved = False
        if key in meeting.exceptions:
            target = meeting.exceptions[key]
            if target is None:
                continue
            local, moved = target, True
        start = to_utc(local, meeting.zone)
        out.append(Occurrence(key, start, start + meeting.duration, local, moved))
    return sorted(out, key=lambda o: (o.start, o.key))


def occurrence(meeting: Meeting, key: str) -> Occurrence | None:
    """The occurrence a key names, if it still takes place."""
    return next((o for o in occurrences(meeting) if o.key == key), None)


def is_original(meeting: Meeting, key: str) -> bool:
    """True when `key` is one of the meeting's dates (skipped ones included)."""
    local = local_of(key)
    return local is not None and local in set(originals(meeting))


def current(meeting: Meeting, now: datetime) -> Occurrence | None:
    """The occurrence under way or next to come."""
    if meeting.cancelled:
        return None
    return next((o for o in occurrences(meeting) if o.end > now), None)


def upcoming(meeting: Meeting, now: datetime) -> Occurrence | None:
    """The next occurrence that has not started yet."""
    if meeting.cancelled:
        return None
    return next((o for o in occurrences(meeting) if o.start > now), None)


def on_day(meeting: Meeting, day: datetime, now: datetime) -> Occurrence | None:
    """The coming occurrence whose original date (in the meeting's zone) is `day`'s date."""
    for occ in occurrences(meeting):
        original = local_of(occ.key)
        if original is not None and original.date() == day.date() and occ.end > now:
            return occ
    return None


# -- the repetition a moderator types ------------------------------------------------

@dataclass(frozen=True, slots=True)
class Repeat:
    """A checked repetition: the RRULE and the first date it gives."""

    rrule: str
    first: datetime


def parse_repeat(text: str, *, start_local: datetime, zone: str, now: datetime,
                 locale: str) -> Repeat:
    """An RRULE from "weekly", "every 2 weeks", "monthly 2nd tuesday until 2027-06-30"...

    Raises UserError with a question or a refusal for anything unclear,
    endless or too long.
    """
    raw = text.strip()
    if raw.upper().startswith(("RRULE:", "FREQ=")):
        rule = _raw_rule(raw, zone)
    else:
        words = parse_rule_words(raw[:200], start_local, locale)
        if words is None:
            raise UserError(_("I could not read {text} as a repetition. Try: weekly, every 2 "
                              "weeks, monthly 2nd tuesday or monthly day 15, with until "
                              "2027-06-30 or count 10.", text=raw[:80]))
        rule = words.rule
        if words.count is not None:
            rule += f";COUNT={_check_count(words.count)}"
        elif words.until is not None:
            rule += f";UNTIL={_until(words.until, locale, zone, now, start_local)}"
    return _checked(rule, raw, start_local, zone, now)


def _check_count(count: int) -> int:
    if count < 1:
        raise UserError(_("A series needs at least one date."))
    if count > MAX_OCCURRENCES:
        raise UserError(_("A series can have at most {max} dates.",
                          max=number(MAX_OCCURRENCES)))
    return count


def _until(text: str, locale: str, zone: str, now: datetime, start_local: datetime) -> str:
    typed = text if has_time_of_day(text) else f"{text} 23:59"
    end = parse_when(typed, locale=locale, zone=zone, now=now)
    local = to_local(end, zone)
    if local < start_local:
        raise UserError(_("The repetition would end before the first meeting."))
    return local.strftime("%Y%m%dT%H%M%S")


def _raw_rule(raw: str, zone: str) -> str:
    line = next((ln for ln in raw.splitlines() if ln.upper().startswith(("RRULE:", "FREQ="))),
                "")
    rule = line.split(":", 1)[1] if line.upper().startswith("RRULE:") else line
    # A UTC UNTIL (as calendars write it) becomes wall-clock time in the meeting's zone.
    return _UNTIL_UTC.sub(lambda m: "UNTIL=" + to_local(
        datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC), zone,
    ).strftime("%Y%m%dT%H%M%S"), rule.strip()).upper()


def _checked(rule: str, typed: str, start_local: datetime, zone: str,
             now: datetime) -> Repeat:
    try:
        parsed = rule_of(rule, start_local)
    except (ValueError, TypeError, KeyError):
        raise UserError(_("I could not read {text} as a repetition. Try: weekly, every 2 "
                          "weeks, monthly 2nd tuesday or monthly day 15, with until "
                          "2027-06-30 or count 10.", text=typed[:80])) from None
    fields = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    if fields.get("FREQ") not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise UserError(_("Meetings can repeat daily, weekly, monthly or yearly."))
    if "COUNT" not in fields and "UNTIL" not in fields:
        raise UserError(_("Until when should it repeat? Add an end, for example: "
                          "{example} until 2027-06-30, or {example} count 10.",
                          example=typed[:60]))
    if "COUNT" in fields:
        _check_count(int(fields["COUNT"]) if fields["COUNT"].isdigit() else 0)
    dates = list(islice(parsed, MAX_OCCURRENCES + 1))
    if not dates:
        raise UserError(_("That repetition gives no dates at all."))
    if len(dates) > MAX_OCCURRENCES:
        raise UserError(_("That repetition gives more than {max} dates. Choose an earlier "
                          "end.", max=number(MAX_OCCURRENCES)))
    if to_utc(dates[-1], zone) - now > MAX_AHEAD:
        raise UserError(_("That is more than five years away. Please give a nearer date."))
    text = str(parsed).splitlines()[-1].removeprefix("RRULE:")
    return Repeat(text, dates[0])


def ical_rrule(rule: str, zone: str) -> str:
    """The RRULE for iCalendar: with a TZID start, UNTIL must be UTC (RFC 5545 3.3.10)."""
    def utc(match: re.Match[str]) -> str:
        local = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S")
        return "UNTIL=" + to_utc(local, zone).strftime("%Y%m%dT%H%M%SZ")

    return re.sub(r"UNTIL=(\d{8}T\d{6})(?!Z)", utc, rule)

