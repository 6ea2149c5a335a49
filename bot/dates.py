"""Dates typed in a chat's language ("viernes 18:00", "demain 18h", "next friday 6pm").

Always read as a future wall-clock time in the chat's zone. Anything unclear
(no time of day, a numeric date that reads two ways, a time that does not
exist on a daylight-saving day, a moment already past) raises a UserError
with a clear question instead of a silent guess.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dateparser

from bot.context import UserError
from bot.convert import duration_value, western_digits
from bot.fmt import date_text, datetime_text
from bot.i18n import _

# "18h", "18h30", "18 h 30" (French, Portuguese) → "18:00", "18:30".
_H_TIME = re.compile(r"\b(\d{1,2})\s*h\s*(\d{2})?\b", re.IGNORECASE)
_HAS_TIME = re.compile(
    r"\d{1,2}[:.]\d{2}"                      # 18:00, 18.30
    r"|\d\s*(?:am|pm|a\.m\.|p\.m\.)"          # 6pm
    r"|T\d{2}"                                # ISO 2026-12-05T18:00
    r"|\b\d+\s*(?:hours?|hrs?|minutes?|mins?|horas?|minutos?|heures?|minutes?)\b"
    r"|\b(?:noon|midnight|mediod[ií]a|medianoche|midi|minuit|meio-dia|meia-noite)\b"
    r"|(?:घंटे|मिनट|बजे|ساعة|ساعات|دقيقة|دقائق)",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\b")
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}")
MAX_AHEAD = timedelta(days=5 * 366)


def normalise(text: str) -> str:
    """Latin digits and 24-hour "18:00" for the French and Portuguese "18h"."""
    text = western_digits(text).strip()
    return _H_TIME.sub(lambda m: f"{m.group(1)}:{m.group(2) or '00'}", text)


def has_time_of_day(text: str) -> bool:
    """True when the text names a time of day ("18:00", "6pm", "18h"), not just a date."""
    return bool(_HAS_TIME.search(normalise(text)))


def _languages(locale: str) -> list[str]:
    return ["en"] if locale == "en" else [locale, "en"]


def _check_numeric(text: str, locale: str) -> None:
    if _ISO_DATE.search(text):
        return
    match = _NUMERIC_DATE.search(text)
    if not match or match.group(0).count(":"):
        return
    first, second = int(match.group(1)), int(match.group(2))
    if first != second and first <= 12 and second <= 12:
        raise UserError(_("{date} can be read two ways. Please write the month as a word "
                          "(5 June) or use the form 2026-06-05.", date=match.group(0)))


def local_wall_time(naive: datetime, zone: str) -> datetime:
    """A wall-clock time in `zone` as an aware datetime; refuses times a DST change skips."""
    tz = ZoneInfo(zone)
    aware = naive.replace(tzinfo=tz)
    round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:
        raise UserError(_("{time} does not exist on that day in {zone} (the clocks change). "
                          "Please choose another time.", time=naive.strftime("%H:%M"),
                          zone=zone))
    return aware




def _tomorrow(base: datetime) -> str:
    # An example day that is surely future, in ISO form, which every language reads.
    return (base + timedelta(days=1)).date().isoformat()


def parse_when(text: str, *, locale: str, zone: str, now: datetime) -> datetime:
    """A future moment from what someone typed, aware in `zone`; UserError when unclear."""
    cleaned = normalise(text)[:200]
    if not cleaned:
        raise UserError(_("When? For example: 2026-12-05 18:00, or next friday 18:00."))
    _check_numeric(cleaned, locale)
    tz = ZoneInfo(zone)
    base = now.astimezone(tz).replace(tzinfo=None, microsecond=0)
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "DATE_ORDER": "MDY" if locale == "en" else "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    parsed = dateparser.parse(cleaned, languages=_languages(locale), settings=settings)
    if parsed is None:
        raise UserError(_("I could not read {text} as a date. Try 2026-12-05 18:00 or "
                          "next friday 18:00.", text=text[:80]))
    if not _HAS_TIME.search(cleaned):
        if parsed.date() < base.date():
            raise UserError(_("{date} has already passed. Please give a day and time in the "
                              "future, for example {example}.",
                              date=date_text(parsed, "UTC", "full"),
                              example=f"{_tomorrow(base)} 18:00"))
        # The example must be future too: "today" after 18:00 gets tomorrow's date.
        day = text[:80] if parsed.replace(hour=18, minute=0) > base else _tomorrow(base)
        raise UserError(_("At what time? For example: {text} 18:00.", text=day))
    moment = local_wall_time(parsed.replace(second=0, microsecond=0), zone)
    if moment <= now:
        raise UserError(_("{moment} has already passed. Please give a time in the future.",
                          moment=datetime_text(moment, zone)))
    if moment - now > MAX_AHEAD:
        raise UserError(_("That is more than five years away. Please give a nearer date."))
    return moment


def parse_duration(text: str) -> timedelta | None:
    """A meeting's length as typed ("90", "90m", "1h30", "2 horas"): up to a day; else None."""
    delta = duration_value(text)
    return delta if delta is not None and delta <= timedelta(hours=24) else None
