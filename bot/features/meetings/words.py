"""Repetitions in words: read "monthly 2nd tuesday" (en, es, fr, pt), and describe an RRULE.

Reading yields only RRULE fields; dateutil does every expansion. A word that
is not understood makes the whole text unreadable (a question back), never
a silently ignored typo.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from babel import Locale
from babel.dates import get_day_names

from bot.dates import normalise
from bot.fmt import date_text, joined
from bot.i18n import _, current_locale, is_rtl, ngettext

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
EVERY = {"every", "each", "cada", "chaque", "tous", "toutes", "todo", "toda", "todos", "todas",
         "كل", "हर"}
UNITS = {
    "WEEKLY": {"week", "weeks", "semana", "semanas", "semaine", "semaines", "أسبوع", "أسابيع",
               "सप्ताह", "हफ़्ते", "हफ्ते"},
    "MONTHLY": {"month", "months", "mes", "meses", "mois", "شهر", "أشهر", "महीने"},
    "DAILY": {"day", "days", "dia", "dias", "jour", "jours", "يوم", "أيام", "दिन"},
    "YEARLY": {"year", "years", "ano", "anos", "an", "ans", "annee", "annees", "سنة", "साल"},
}
KEYWORDS = {
    "weekly": ("WEEKLY", 1), "semanal": ("WEEKLY", 1), "semanalmente": ("WEEKLY", 1),
    "hebdomadaire": ("WEEKLY", 1), "أسبوعي": ("WEEKLY", 1), "أسبوعيا": ("WEEKLY", 1),
    "साप्ताहिक": ("WEEKLY", 1),
    "biweekly": ("WEEKLY", 2), "fortnightly": ("WEEKLY", 2), "quincenal": ("WEEKLY", 2),
    "quinzenal": ("WEEKLY", 2),
    "monthly": ("MONTHLY", 1), "mensual": ("MONTHLY", 1), "mensualmente": ("MONTHLY", 1),
    "mensuel": ("MONTHLY", 1), "mensuelle": ("MONTHLY", 1), "mensal": ("MONTHLY", 1),
    "mensalmente": ("MONTHLY", 1), "شهري": ("MONTHLY", 1), "شهريا": ("MONTHLY", 1),
    "मासिक": ("MONTHLY", 1),
    "daily": ("DAILY", 1), "diario": ("DAILY", 1), "diaria": ("DAILY", 1),
    "diariamente": ("DAILY", 1), "quotidien": ("DAILY", 1), "quotidienne": ("DAILY", 1),
    "يومي": ("DAILY", 1), "दैनिक": ("DAILY", 1),
    "yearly": ("YEARLY", 1), "annually": ("YEARLY", 1), "anual": ("YEARLY", 1),
    "annuel": ("YEARLY", 1), "anualmente": ("YEARLY", 1),
}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1,
    "primer": 1, "primero": 1, "primera": 1, "segundo": 2, "segunda": 2, "tercer": 3,
    "tercero": 3, "tercera": 3, "cuarto": 4, "cuarta": 4, "quinto": 5, "quinta": 5,
    "ultimo": -1, "ultima": -1,
    "premier": 1, "premiere": 1, "deuxieme": 2, "seconde": 2, "troisieme": 3,
    "quatrieme": 4, "cinquieme": 5, "dernier": -1, "derniere": -1,
    "primeiro": 1, "primeira": 1, "terceiro": 3, "terceira": 3, "quarto": 4, "quarta": 4,
    "الأول": 1, "الثاني": 2, "الثالث": 3, "الرابع": 4, "الخامس": 5, "الأخير": -1,
    "पहला": 1, "पहले": 1, "दूसरा": 2, "दूसरे": 2, "तीसरा": 3, "तीसरे": 3, "चौथा": 4,
    "चौथे": 4, "पाँचवाँ": 5, "आखिरी": -1, "अंतिम": -1,
}
DAY_WORDS = {"day", "dia", "jour", "يوم", "दिन", "le"}
FILLER = {"on", "the", "of", "at", "in", "and", "a", "el", "la", "los", "las", "de", "del", "en",
          "y", "le", "les", "du", "des", "et", "o", "os", "as", "do", "da", "dos", "das", "no",
          "na", "nos", "nas", "em", "e", "feira", "من", "في", "को", "का", "की", "के"}
_ORDINAL_DIGIT = re.compile(r"(\d)(?:st|nd|rd|th|o|a|e|er|re|eme|ere|\.)?")
_COUNT = re.compile(r"\b(?:count|veces|fois|vezes|مرات|बार)\s*:?\s*(\d+)\b"
                    r"|\b(\d+)\s*(?:times|x|veces|fois|vezes|مرات|बार)(?!\w)", re.IGNORECASE)
_UNTIL = re.compile(r"(?:^|\s)(?:until|till|hasta|jusqu['’]?(?:au|à|a)|até|ate|حتى|तक)\s+(.+)$",
                    re.IGNORECASE)


# "hasta el 30 de junio": dateparser reads the date better without the article.
_ARTICLE = re.compile(r"^(?:the|el|la|le|les|o|a|al|au|aux|do|da|ao)\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RuleWords:
    """The RRULE fields a text names, with its end as typed."""

    rule: str
    count: int | None = None
    until: str | None = None


def fold(text: str) -> str:
    """Lower case without Latin accents ("miércoles" → "miercoles"); other scripts kept."""
    out: list[str] = []
    for ch in text.lower():
        if ord(ch) < 0x250:
            out.extend(c for c in unicodedata.normalize("NFKD", ch)
                       if not unicodedata.combining(c))
        else:
            out.append(ch)
    return "".join(out)


@cache
def weekday_words(locale: str) -> dict[str, int]:
    """Weekday names (wide and short, in English and `locale`) → 0 for Monday."""
    words: dict[str, int] = {}
    for code in dict.fromkeys(("en", locale)):
        days = Locale.parse(code).days
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for index, name in days[context][width].items():
                    word = fold(name).rstrip(".")
                    words.setdefault(word, index)
                    words.setdefault(word.split("-")[0], index)
                    if code == "en":
                        words.setdefault(word + "s", index)
    return words


def _ordinal(token: str) -> int | None:
    match = _ORDINAL_DIGIT.fullmatch(token)
    if match and 1 <= int(match.group(1)) <= 5:
        return int(match.group(1))
    return ORDINALS.get(token)


def parse_rule_words(text: str, start: datetime, locale: str) -> RuleWords | None:
    """The fields of a repetition typed in words; None when a word is not understood."""
    text = normalise(text)
    count = until = None
    if (found := _UNTIL.search(text)) is not None:
        until, text = _ARTICLE.sub("", found.group(1).strip()), text[:found.start()]
    if (found := _COUNT.search(text)) is not None:
        count = int(found.group(1) or found.group(2))
        text = text[:found.start()] + text[found.end():]
    # Articles and prepositions carry nothing here ("tous les 15 jours", "a cada 2 semanas").
    tokens = [t for t in re.split(r"[\s,;:]+", fold(text)) if t and t not in FILLER]
    days = weekday_words(locale)
    freq, interval = None, 1
    byday: list[str] = []
    monthday: int | None = None
    used = set()
    for i, token in enumerate(tokens):
        if token in KEYWORDS:
            freq, interval = KEYWORDS[token]
            used.add(i)
        elif token in EVERY:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            step = int(nxt) if nxt.isdigit() else None
            unit = tokens[i + 2] if step is not None and i + 2 < len(tokens) else nxt
            kind = next((k for k, names in UNITS.items() if unit in names), None)
            if kind is not None:
                freq, interval = kind, step or 1
                used.update({i, i + 1, i + 2} if step is not None else {i, i + 1})
    for i, token in enumerate(tokens):
        if i in used:
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (nth := _ordinal(token)) is not None and nxt in days:
            byday.append(f"{nth:+d}{DAYS[days[nxt]]}")
            used.update({i, i + 1})
        elif token in days and nxt in ORDINALS:
            # Arabic puts the ordinal after the weekday ("الثلاثاء الثاني").
            byday.append(f"{ORDINALS[nxt]:+d}{DAYS[days[token]]}")
            used.update({i, i + 1})
        elif token in DAY_WORDS and nxt.isdigit():
            monthday = int(nxt)
            used.update({i, i + 1})
    for i, token in enumerate(tokens):
        if i in used:
            continue
        if token in days:
            byday.append(DAYS[days[token]])
        elif token.isdigit() and 1 <= int(token) <= 31 and monthday is None:
            monthday = int(token)
        elif not any(token in names for names in UNITS.values()):
            return None
    if freq is None or interval < 1 or interval > 52:
        return None
    parts = [f"FREQ={freq}"] + ([f"INTERVAL={interval}"] if interval > 1 else [])
    if freq == "WEEKLY":
        if any(d[0] in "+-" for d in byday) or monthday is not None:
            return None
        parts.append("BYDAY=" + ",".join(dict.fromkeys(byday or [DAYS[start.weekday()]])))
    elif freq == "MONTHLY":
        if byday and monthday is not None:
            return None
        if byday:
            parts.append("BYDAY=" + ",".join(dict.fromkeys(byday)))
        else:
            parts.append(f"BYMONTHDAY={monthday or start.day}")
    elif byday or monthday is not None:
        return None
    return RuleWords(";".join(parts), count, until)


# -- an RRULE in the reader's words ----------------------------------------------------

def _weekday(code: str) -> str:
    return get_day_names("wide", locale=current_locale())[DAYS.index(code)]


def _nth_weekday(nth: int, weekday: str) -> str:
    if nth == 1:
        return _("on the first {weekday}", weekday=weekday)
    if nth == 2:
        return _("on the second {weekday}", weekday=weekday)
    if nth == 3:
        return _("on the third {weekday}", weekday=weekday)
    if nth == 4:
        return _("on the fourth {weekday}", weekday=weekday)
    if nth == 5:
        return _("on the fifth {weekday}", weekday=weekday)
    return _("on the last {weekday}", weekday=weekday)


def describe(rule: str, zone: str) -> str:
    """"Every month, on the second Tuesday, until 30 Jun 2027" in the current locale."""
    from bot.features.meetings.recurrence import to_utc

    fields = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    known = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"}
    interval = int(fields.get("INTERVAL", "1")) if fields.get("INTERVAL", "1").isdigit() else 0
    freq = fields.get("FREQ", "")
    days = [d for d in fields.get("BYDAY", "").split(",") if d]
    if set(fields) - known or not interval or (days and freq not in ("WEEKLY", "MONTHLY")):
        return _("Repeats: {rule}", rule=rule)
    parts = []
    if freq == "DAILY":
        parts.append(ngettext("Every day", "Every {n} days", interval))
    elif freq == "WEEKLY":
        parts.append(ngettext("Every week", "Every {n} weeks", interval))
        if days and all(d in DAYS for d in days):
            parts.append(_("on {weekday}", weekday=joined([_weekday(d) for d in days])))
    elif freq == "MONTHLY":
        parts.append(ngettext("Every month", "Every {n} months", interval))
        nth = re.fullmatch(r"([+-]?\d)(MO|TU|WE|TH|FR|SA|SU)", days[0]) if len(days) == 1 else None
        if nth:
            parts.append(_nth_weekday(int(nth.group(1)), _weekday(nth.group(2))))
        elif fields.get("BYMONTHDAY", "").isdigit():
            parts.append(_("on day {day}", day=fields["BYMONTHDAY"]))
    elif freq == "YEARLY":
        parts.append(ngettext("Every year", "Every {n} years", interval))
    else:
        return _("Repeats: {rule}", rule=rule)
    if fields.get("COUNT", "").isdigit():
        parts.append(ngettext("{n} time in all", "{n} times in all", int(fields["COUNT"])))
    elif "UNTIL" in fields:
        until = datetime.strptime(fields["UNTIL"][:15], "%Y%m%dT%H%M%S")
        parts.append(_("until {date}", date=date_text(to_utc(until, zone), zone)))
    # One description in phrases, not a list: the locale's comma ("،" in Arabic), no "and".
    return ("، " if is_rtl() else ", ").join(parts)
