"""Reading `/poll new` as typed on a phone: question and options, then a few flags.

    /poll new Where shall we meet? | Café Lisboa | Online | Library --closes friday 18:00

Parts are separated by `|` or by line breaks. Flags may stand anywhere, start with
`--` (or the long dash a phone's keyboard turns `--` into) and have a few aliases in
English, Spanish, French and Portuguese. Empty parts are ignored; everything else that
is wrong gets a clear refusal that says how to fix it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.context import UserError
from bot.features.polls.records import (
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    MAX_QUESTION_CHARS,
    MIN_OPTIONS,
)
from bot.i18n import _, ngettext

# `--multi`, `—multi`, `–multi` at the start, or after a space, `|` or a line break.
_FLAG = re.compile(r"(?:^|(?<=[\s|]))(?:--|[—–])([^\W\d_][\w'’-]*)", re.UNICODE)
_SEPARATOR = re.compile(r"[|\n]")

_ALIASES = {
    "multi": ("multi", "multiple", "many", "several", "multiplechoice", "varias", "varios",
              "plusieurs", "multipla", "multiplas"),
    "anonymous": ("anon", "anonymous", "secret", "anonima", "anonimo", "anonyme"),
    "hidden": ("hidden", "hide", "hideresults", "blind", "oculta", "oculto", "ocultos",
               "cache", "caches", "cachee", "masque", "escondida", "escondido"),
    "closes": ("closes", "close", "closing", "until", "ends", "end", "deadline", "cierra",
               "cierre", "hasta", "ferme", "fermeture", "jusqua", "fecha", "encerra", "ate"),
}
_FLAGS = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}


@dataclass(frozen=True, slots=True)
class Draft:
    """A poll as typed, checked, before it is stored."""

    question: str
    options: tuple[str, ...]
    multiple: bool = False
    anonymous: bool = False
    hidden: bool = False
    closes: str | None = None


def _fold(word: str) -> str:
    """Lower case, without accents, apostrophes or hyphens: how flags are compared."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


# Direction overrides would let an option disguise itself (we add isolates ourselves),
# and invisible spaces would make two equal-looking options differ.
_INVISIBLE = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                                    "\u200b\u2060\ufeff"))


def _tidy(text: str) -> str:
    """One line, single spaces, no control characters, overrides or invisible spaces."""
    text = text.translate(_INVISIBLE)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return " ".join(text.split())


def same_option_key(text: str) -> str:
    """What makes two options the same: case and spacing do not count."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _take_flags(raw: str) -> tuple[str, dict[str, str]]:
    """The text without its flags, and the flags found (with the closing time's words)."""
    flags: dict[str, str] = {}
    matches = list(_FLAG.finditer(raw))
    kept: list[str] = []
    position = 0
    for i, match in enumerate(matches):
        if match.start() < position:
            continue
        name = _FLAGS.get(_fold(match.group(1)))
        if name is None:
            raise UserError(_("I don't know {flag}. Use --multi, --anonymous, --hidden or "
                              "--closes followed by a time.",
                              flag=match.group(0)[:40]))
        kept.append(raw[position:match.start()])
        position = match.end()
        if name == "closes":
            # The time runs to the next flag, `|` or line break.
            end = len(raw)
            following = matches[i + 1].start() if i + 1 < len(matches) else len(raw)
            separator = _SEPARATOR.search(raw, position)
            end = min(following, separator.start() if separator else end)
            flags[name] = raw[position:end].strip()
            position = end
        else:
            flags[name] = "yes"
    kept.append(raw[position:])
    return "".join(kept), flags


def parse_draft(raw: str) -> Draft:
    """A checked draft from what was typed after `/poll new`; UserError says what is wrong."""
    text, flags = _take_flags(raw)
    first, *rest = _SEPARATOR.split(text.lstrip(" \t\r\n"))
    question = _tidy(first)
    options = [o for o in (_tidy(p) for p in rest) if o]
    if not question:
        raise UserError(_("Write the question, then each option after a | sign. For "
                          "example: /poll new Where shall we meet? | Café | Online"))
    if len(question) > MAX_QUESTION_CHARS:
        raise UserError(_("The question is too long: {limit} characters at most.",
                          limit=MAX_QUESTION_CHARS))
    if not options:
        raise UserError(_("Add the options after the question, each after a | sign (or on a "
                          "line of its own). For example: /poll new {question} | Yes | No",
                          question=question[:80]))
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise UserError(ngettext("You gave {n} option; a poll needs 2 to 10.",
                                 "You gave {n} options; a poll needs 2 to 10.", len(options)))
    seen: set[str] = set()
    for number, option in enumerate(options, start=1):
        if len(option) > MAX_OPTION_CHARS:
            raise UserError(_("Option {number} is longer than {limit} characters. Please "
                              "shorten it.", number=number, limit=MAX_OPTION_CHARS))
        key = same_option_key(option)
        if key in seen:
            raise UserError(_("{option} appears twice. Each option must be different.",
                              option=option))
        seen.add(key)
    closes = flags.get("closes")
    if closes is not None and not closes:
        raise UserError(_("When should the poll close? For example: --closes friday 18:00"))
    return Draft(question, tuple(options), multiple="multi" in flags,
                 anonymous="anonymous" in flags, hidden="hidden" in flags, closes=closes)
