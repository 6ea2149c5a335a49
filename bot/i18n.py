"""Translations: the locale is context, set once per event or job.

`_`, `ngettext`, `pgettext` translate into the locale of the current context
(a ContextVar set by the router and by scheduled jobs), with named
placeholders. In right-to-left locales every inserted value is wrapped in
Unicode isolates so names, links, numbers and dates keep their own direction.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from gettext import GNUTranslations, NullTranslations
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
SUPPORTED = ("en", "es", "fr", "pt", "ar", "hi")
RTL = frozenset({"ar"})
FSI, PDI = "\u2068", "\u2069"

_current: ContextVar[str] = ContextVar("locale", default="en")


def supported_locale(hint: str | None) -> str | None:
    """Our language for a platform hint ("pt-BR" → "pt", "es_419" → "es"), or None."""
    if not hint:
        return None
    lang = hint.replace("_", "-").split("-")[0].strip().lower()
    return lang if lang in SUPPORTED else None


def current_locale() -> str:
    """The locale of the event or job being handled."""
    return _current.get()


def set_locale(locale: str) -> None:
    """Set the locale for the rest of the current task (router and jobs only)."""
    _current.set(locale if locale in SUPPORTED else "en")


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Render in `locale` for the duration of the block."""
    token = _current.set(locale if locale in SUPPORTED else "en")
    try:
        yield
    finally:
        _current.reset(token)


def is_rtl(locale: str | None = None) -> bool:
    """True for right-to-left locales."""
    return (locale or current_locale()) in RTL


_ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))


def isolate(value: str) -> str:
    """Wrap `value` in first-strong isolates when the current locale is right-to-left
    (isolates typed inside the value are dropped, so it cannot close ours early)."""
    return f"{FSI}{value.translate(_ISOLATES)}{PDI}" if is_rtl() and value else value


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog of `locale` (compiled in memory when no .mo exists)."""
    if locale == "en" and not (LOCALES_DIR / "en").exists():
        return NullTranslations()
    folder = LOCALES_DIR / locale / "LC_MESSAGES"
    mo = folder / f"{DOMAIN}.mo"
    po = folder / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return GNUTranslations(fh)
    if po.exists():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        return GNUTranslations(buf)
    return NullTranslations()


def _fill(template: str, values: dict[str, Any]) -> str:
    if not values:
        return template
    return template.format(**{k: isolate(str(v)) for k, v in values.items()})


def _(msgid: str, /, **values: Any) -> str:
    """Translate `msgid` and fill its named placeholders."""
    return _fill(translations(current_locale()).gettext(msgid), values)


def ngettext(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """Translate a counted message; `{n}` is the count, formatted for the locale."""
    from bot.fmt import number

    text = translations(current_locale()).ngettext(singular, plural, n)
    return _fill(text, {"n": number(n), **values})


def pgettext(context: str, msgid: str, /, **values: Any) -> str:
    """Translate a short text (button label) that needs a disambiguating context."""
    return _fill(translations(current_locale()).pgettext(context, msgid), values)


def npgettext(context: str, singular: str, plural: str, n: int, /, **values: Any) -> str:
    """`ngettext` with a context."""
    from bot.fmt import number

    text = translations(current_locale()).npgettext(context, singular, plural, n)
    return _fill(text, {"n": number(n), **values})


@dataclass(frozen=True, slots=True)
class Lazy:
    """A message marked for translation now and translated when shown."""

    msgid: str
    context: str | None = None

    def text(self, **values: Any) -> str:
        """The translation in the current locale."""
        if self.context:
            return pgettext(self.context, self.msgid, **values)
        return _(self.msgid, **values)

    def __str__(self) -> str:
        return self.text()


def N_(msgid: str, /) -> Lazy:
    """Mark `msgid` for extraction; translate later with `.text()`."""
    return Lazy(msgid)


def language_name(locale: str) -> str:
    """The language's own name ("español"), for menus."""
    from babel import Locale

    return Locale.parse(locale).get_display_name(locale) or locale
