"""Dates, times, numbers and lists for the current locale (Babel/CLDR)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers

from bot.i18n import current_locale, isolate

if TYPE_CHECKING:
    from bot.records import Chat


def number(value: int | float) -> str:
    """A number with the locale's separators."""
    return babel_numbers.format_decimal(value, locale=current_locale())


def percent(fraction: float) -> str:
    """A fraction as a percentage ("42 %" in French)."""
    return babel_numbers.format_percent(
        round(fraction, 3), locale=current_locale(), decimal_quantization=False
    )


def local(moment: datetime, zone: str) -> datetime:
    """A UTC moment as wall-clock time in `zone`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone))


def datetime_text(moment: datetime, zone: str, fmt: str = "full_short") -> str:
    """A moment in `zone`: weekday, date and time, in the locale's words."""
    loc = local(moment, zone)
    locale = current_locale()
    if fmt == "full_short":
        date_part = babel_dates.format_date(loc, "full", locale=locale)
        time_part = babel_dates.format_time(loc, "short", locale=locale)
        pattern = str(babel_dates.get_datetime_format("medium", locale=locale))
        return pattern.replace("{1}", date_part).replace("{0}", time_part)
    return babel_dates.format_datetime(loc, fmt, locale=locale)


def date_text(moment: datetime, zone: str, fmt: str = "medium") -> str:
    """The date of a moment in `zone`."""
    return babel_dates.format_date(local(moment, zone), fmt, locale=current_locale())


def time_text(moment: datetime, zone: str) -> str:
    """The time of a moment in `zone`."""
    return babel_dates.format_time(local(moment, zone), "short", locale=current_locale())


def zone_label(zone: str) -> str:
    """A short human name for a zone ("Madrid", "Kolkata")."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def relative(delta: timedelta) -> str:
    """A duration from now, "in 2 days" / "3 hours ago", without coarse rounding."""
    return babel_dates.format_timedelta(
        delta, add_direction=True, threshold=1.5, locale=current_locale()
    )


def duration(delta: timedelta) -> str:
    """A length of time, "1 hour", "90 minutes"."""
    minutes = int(delta.total_seconds() // 60)
    unit: Literal["hour", "minute"] = "hour" if minutes % 60 == 0 and minutes >= 60 else "minute"
    return babel_dates.format_timedelta(
        delta, granularity=unit, threshold=10_000, locale=current_locale()
    )


def joined(items: Iterable[str],
           style: Literal["standard", "or"] = "standard") -> str:
    """A list in the locale's words ("Ana, Ben and Chloé"; "or": "es, fr or pt"), each item
    isolated: never a Latin ", " inside Arabic text."""
    items = [isolate(i) for i in items]
    if not items:
        return ""
    return babel_lists.format_list(items, style=style, locale=current_locale())


def chat_names(chats: Iterable[Chat]) -> str:
    """ "Madrid (telegram) and Paris (discord)": chats as people recognise them."""
    return joined(f"{c.title or c.platform_id} ({c.platform})" for c in chats)


def some_names(names: Sequence[str], shown: int = 3) -> str:
    """ "Ana, Ben and Chloé", or "Ana, Ben and 3 others" when there are more than `shown`."""
    from bot.i18n import ngettext

    if len(names) <= shown:
        return joined(names)
    rest = len(names) - (shown - 1)
    others = ngettext("{n} other", "{n} others", rest)
    return joined([*names[: shown - 1], others])
