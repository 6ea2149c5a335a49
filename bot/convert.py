"""Typed argument converters: what a number, an id, an on/off word and a duration may look like.

Every command declares its arguments with one of these kinds (`Arg(..., kind=ID)`); the router
converts what was typed before the handler runs and answers a value that does not convert with
the argument's name and an example, in the chat's language. No feature parses these by hand.

A number is written with the digits of any of our scripts: 0-9, Arabic-Indic (٠-٩), Persian
(۰-۹) or Devanagari (०-९), and nothing else: not superscripts, not fractions, not other
Unicode "decimal" characters that Python's `int()` would also accept.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Generic, TypeVar
from zoneinfo import available_timezones

from bot.i18n import N_, Lazy

if TYPE_CHECKING:
    from bot.context import Context

T = TypeVar("T")

# The digits people type, in the scripts of our languages, as 0-9.
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९", "0123456789" * 3)
# Ids are database integers.
MAX_ID = 2**31 - 1
_WHOLE = re.compile(r"[0-9]{1,18}")


class BadValue(ValueError):
    """What was typed is not a value of the kind; the router says which argument and why."""


@dataclass(frozen=True, slots=True)
class Kind(Generic[T]):
    """A kind of argument: how to read it, and how to describe it to a person."""

    name: str
    what: Lazy
    example: str
    read: Callable[[str, Context], T]

    def __call__(self, raw: str, ctx: Context) -> T:
        """The typed value; BadValue when it is not one."""
        return self.read(raw, ctx)


def western_digits(text: str) -> str:
    """`text` with the digits of every script we read written as 0-9."""
    return text.translate(DIGITS)


def whole_number(raw: str) -> int | None:
    """A whole number of at most 18 digits, in any of our scripts; None for anything else."""
    value = western_digits(raw.strip())
    return int(value) if _WHOLE.fullmatch(value) else None


def read_id(raw: str, _ctx: Context | None = None) -> int:
    """ "12", "#12", "№12", "١٢", "१२" → 12."""
    value = raw.strip()
    if value[:1] in ("#", "№"):
        value = value[1:].strip()
    found = whole_number(value)
    if found is None or not 1 <= found <= MAX_ID:
        raise BadValue(raw)
    return found


def read_count(raw: str, _ctx: Context | None = None) -> int:
    """A positive whole number (a position, a count)."""
    found = whole_number(raw)
    if found is None or not 1 <= found <= MAX_ID:
        raise BadValue(raw)
    return found


# -- on / off ---------------------------------------------------------------------------------

# One list, every language: what turns a setting on, and what turns it off.
SWITCH_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("on", "yes", "y", "true", "1", "enable", "enabled", "allow"),
           ("off", "no", "n", "false", "0", "disable", "disabled", "deny")),
    "es": (("sí", "si", "activar", "activado", "activada", "permitir"),
           ("no", "desactivar", "desactivado", "desactivada")),
    "fr": (("oui", "activer", "activé", "activée", "autoriser"),
           ("non", "désactiver", "desactiver", "désactivé", "désactivée")),
    "pt": (("sim", "ativar", "ativado", "ativada", "permitir"),
           ("não", "nao", "desativar", "desativado", "desativada")),
    "ar": (("نعم", "تشغيل", "تفعيل", "مفعل", "مفعّل"),
           ("لا", "إيقاف", "ايقاف", "تعطيل", "معطل")),
    "hi": (("हाँ", "हां", "चालू"),
           ("नहीं", "नही", "बंद")),
}


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", western_digits(text)).casefold().split())


_ON = frozenset(_fold(w) for on, _off in SWITCH_WORDS.values() for w in on)
_OFF = frozenset(_fold(w) for _on, off in SWITCH_WORDS.values() for w in off)


def switch_value(raw: str) -> bool | None:
    """True for an "on" word, False for an "off" word, None for anything else."""
    folded = _fold(raw)
    if folded in _ON:
        return True
    if folded in _OFF:
        return False
    return None


def read_switch(raw: str, _ctx: Context | None = None) -> bool:
    """An on/off word in any of our languages."""
    value = switch_value(raw)
    if value is None:
        raise BadValue(raw)
    return value


# -- durations --------------------------------------------------------------------------------

# Unit words, each language, to minutes. Longest first, so "min" wins over "m".
_UNITS: dict[str, int] = {}
for _minutes, _words in (
    (1440, "d day days día días dia dias jour jours j يوم أيام ايام يومان दिन"),
    (60, "h hr hrs hour hours hora horas heure heures س ساعة ساعات ساعتان घंटा घंटे घं"),
    (1, "m min mins minute minutes minuto minutos د دقيقة دقائق دقيقتان मिनट मि"),
):
    for _word in _words.split():
        _UNITS[_word] = _minutes
_UNIT = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
_PART = re.compile(rf"([0-9]{{1,5}})\s*({_UNIT})?(?![^\W\d_])", re.IGNORECASE)
_CLOCK = re.compile(r"([0-9]{1,2}):([0-5][0-9])")


def duration_value(raw: str) -> timedelta | None:
    """ "90m", "1h30", "1h 30m", "2h", "1:30", "90", "2 horas", "1 घंटा 30 मिनट" → a duration.

    A bare number is minutes; a bare number after hours is minutes ("1h30"). None when
    anything else is typed, or nothing.
    """
    text = " ".join(western_digits(raw).casefold().split())
    text = text.replace(",", " ").replace(" and ", " ").replace(" y ", " ").replace(" et ", " ")
    text = text.replace(" e ", " ").replace(" و ", " ").replace(" और ", " ").strip()
    if not text:
        return None
    clock = _CLOCK.fullmatch(text)
    if clock:
        return timedelta(hours=int(clock.group(1)), minutes=int(clock.group(2)))
    minutes, at, last_unit = 0, 0, None
    while at < len(text):
        if text[at] == " ":
            at += 1
            continue
        part = _PART.match(text, at)
        if part is None:
            return None
        amount, unit = int(part.group(1)), part.group(2)
        if unit is None:
            # A bare number: minutes, and only as the last part ("1h30") or alone ("90").
            if last_unit not in (None, 60) or part.end() != len(text.rstrip()):
                return None
            scale = 1
        else:
            scale = _UNITS[unit.lower()]
            if last_unit is not None and scale >= last_unit:
                return None  # "30m 1h", "1h 2h": units go from large to small, once each
        minutes += amount * scale
        last_unit = scale
        at = part.end()
    return timedelta(minutes=minutes) if minutes > 0 else None


def read_duration(raw: str, _ctx: Context | None = None) -> timedelta:
    """A duration such as 90m or 1h30."""
    value = duration_value(raw)
    if value is None:
        raise BadValue(raw)
    return value


# -- time zones and languages ----------------------------------------------------------------

@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def find_zone(value: str) -> str | list[str]:
    """An IANA zone for what the user typed, or a list of close matches."""
    value = value.strip().replace(" ", "_")
    if not value:
        return []
    zones = _zones()
    by_lower = {z.lower(): z for z in zones}
    if value.lower() in by_lower:
        return by_lower[value.lower()]
    cities = [z for z in zones if z.rsplit("/", 1)[-1].lower() == value.lower()]
    if len(cities) == 1:
        return cities[0]
    if cities:
        return cities[:5]
    close = difflib.get_close_matches(value.lower(), list(by_lower), n=5, cutoff=0.6)
    city_close = difflib.get_close_matches(
        value.lower(), [z.rsplit("/", 1)[-1].lower() for z in zones], n=5, cutoff=0.7)
    close += [by_lower[z.lower()] for z in zones
              if z.rsplit("/", 1)[-1].lower() in city_close]
    names = [by_lower.get(c, c) for c in close]
    return list(dict.fromkeys(names))[:5]


def read_zone(raw: str, _ctx: Context | None = None) -> str:
    """An IANA zone for a zone name or a city; a question with close matches otherwise."""
    from bot.context import UserError
    from bot.fmt import joined
    from bot.i18n import _

    typed = raw.strip()[:64]
    found = find_zone(typed)
    if isinstance(found, str):
        return found
    if found:
        raise UserError(_("I don't know the time zone {zone}. Did you mean: {choices}?",
                          zone=typed, choices=joined(found, "or")))
    raise UserError(_("I don't know the time zone {zone}. Use a name like "
                      "Europe/Madrid or America/Mexico_City.", zone=typed))


def read_language(raw: str, _ctx: Context | None = None) -> str:
    """One of our languages, by code or locale ("es", "es-MX", "pt_BR")."""
    from bot.context import UserError, known_locale
    from bot.fmt import joined
    from bot.i18n import SUPPORTED, _

    found = known_locale(raw)
    if found is None:
        raise UserError(_("I don't speak {code} yet. Choose one of: {choices}.",
                          code=raw.strip()[:16], choices=joined(SUPPORTED, "or")))
    return found


ID: Kind[int] = Kind("id", N_("a number, such as 12 or #12"), "12", read_id)
COUNT: Kind[int] = Kind("count", N_("a whole number, such as 2"), "2", read_count)
SWITCH: Kind[bool] = Kind("switch", N_("on or off"), "on", read_switch)
DURATION: Kind[timedelta] = Kind("duration", N_("a length such as 90m, 1h30 or 2h"), "1h30",
                                 read_duration)
# These answer what they cannot read with a question of their own (close matches, the
# languages there are), so their `what` is never shown.
ZONE: Kind[str] = Kind("zone", N_("An IANA time zone such as Europe/Madrid"), "Europe/Madrid",
                       read_zone)
LANGUAGE: Kind[str] = Kind("language", N_("en, es, fr, pt, ar or hi"), "es", read_language)


def maybe_id(raw: str) -> int | None:
    """An id if `raw` is one (for lines whose first word may or may not be a number)."""
    try:
        return read_id(raw)
    except BadValue:
        return None
