"""Quiet hours: no scheduled posts in a chat between two local times (urgent ones excepted)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.records import Chat

_HHMM = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*$")


def parse_hhmm(text: str) -> time | None:
    """ "22", "22:00", "7:30" → a time of day; None when unreadable."""
    match = _HHMM.match(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def window(chat: Chat) -> tuple[time, time] | None:
    """The chat's quiet hours (start, end), or None."""
    quiet = chat.settings.get("quiet")
    if not quiet:
        return None
    start, end = parse_hhmm(quiet.get("start", "")), parse_hhmm(quiet.get("end", ""))
    return (start, end) if start and end and start != end else None


def _at(day: datetime, moment: time, zone: ZoneInfo) -> datetime:
    """`moment` on `day`'s date in `zone`; a time skipped by DST moves to the next valid one."""
    naive = datetime.combine(day.date(), moment)
    for extra in range(0, 4):
        candidate = (naive + timedelta(hours=extra)).replace(tzinfo=zone)
        if candidate.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) == (
                naive + timedelta(hours=extra)):
            return candidate
    return naive.replace(tzinfo=zone)


def quiet_until(chat: Chat, zone: str, now: datetime) -> datetime | None:
    """When the chat's current quiet hours end, or None when it is not quiet now."""
    span = window(chat)
    if span is None:
        return None
    start, end = span
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        ends_on = local
    else:  # across midnight, e.g. 22:00-08:00
        inside = clock >= start or clock < end
        ends_on = local + timedelta(days=1) if clock >= start else local
    return _at(ends_on, end, tz) if inside else None
