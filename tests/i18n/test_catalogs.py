"""Every catalog is complete, consistent with its msgids, and compiles."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.i18n import SUPPORTED

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
SAMPLE_COUNTS = (0, 1, 2, 3, 11, 100)


def load(lang: str) -> Catalog:
    """A language's catalog."""
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def template() -> Catalog:
    """The extracted template."""
    with (LOCALES / "messages.pot").open("rb") as fh:
        return read_po(fh)


def entries(catalog: Catalog) -> list[Message]:
    """Every real entry (not the header)."""
    return [m for m in catalog if m.id]


def placeholders(text: str) -> set[str]:
    """The named placeholders of a text."""
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("lang", SUPPORTED)
def test_catalog_has_every_template_entry(lang: str) -> None:
    wanted = {(m.context, m.id) for m in entries(template())}
    have = {(m.context, m.id) for m in entries(load(lang))}
    assert sorted(map(str, wanted - have)) == []


@pytest.mark.parametrize("lang", SUPPORTED)
def test_no_entry_is_empty_or_fuzzy(lang: str) -> None:
    bad = []
    for m in entries(load(lang)):
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(s and s.strip() for s in strings):
            bad.append(m.id)
    assert bad == []


@pytest.mark.parametrize("lang", SUPPORTED)
def test_placeholders_match_the_msgid(lang: str) -> None:
    bad = []
    for m in entries(load(lang)):
        if isinstance(m.id, tuple):
            wanted = placeholders(m.id[0]) | placeholders(m.id[1])
            for form in m.string:
                # A plural form may spell its number out ("one meeting"), so {n} may be absent.
                if placeholders(form) - wanted or (wanted - {"n"}) - placeholders(form):
                    bad.append((m.id[0], form))
        elif placeholders(m.string) != placeholders(m.id):
            bad.append((m.id, m.string))
    assert bad == []


@pytest.mark.parametrize("lang", SUPPORTED)
def test_plural_entries_have_every_form_of_the_header(lang: str) -> None:
    catalog = load(lang)
    forms = get_plural(lang).num_plurals
    assert catalog.num_plurals == forms
    for m in entries(catalog):
        if isinstance(m.id, tuple):
            assert len(m.string) == forms, m.id


@pytest.mark.parametrize("lang", SUPPORTED)
def test_catalog_compiles_and_plurals_render(lang: str) -> None:
    catalog = load(lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    from gettext import GNUTranslations

    translations = GNUTranslations(buf)
    for m in entries(catalog):
        if isinstance(m.id, tuple):
            for n in SAMPLE_COUNTS:
                text = translations.ngettext(m.id[0], m.id[1], n)
                assert text and text.strip()


def test_pybabel_compile_accepts_every_catalog(tmp_path: Path) -> None:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES, copy)
    out = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(copy),
         "-D", "messages", "--statistics"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert "fuzzy" not in out.stderr.replace("0 fuzzy", "")


def test_template_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
         str(LOCALES / "babel.cfg"), "-k", "_", "-k", "N_", "-k", "ngettext:1,2",
         "-k", "pgettext:1c,2", "-k", "npgettext:1c,2,3", "--no-wrap", "-o", str(fresh), "."],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    with fresh.open("rb") as fh:
        extracted = {(m.context, m.id) for m in entries(read_po(fh))}
    known = {(m.context, m.id) for m in entries(template())}
    assert sorted(map(str, extracted - known)) == [], "run `make i18n` and translate"


def test_arabic_plurals_follow_the_catalog_header() -> None:
    from bot.i18n import ngettext, use_locale

    with use_locale("ar"):
        forms = {n: ngettext("{n} other", "{n} others", n) for n in SAMPLE_COUNTS}
    assert forms[1] == "شخص آخر" and forms[2] == "شخصان آخران"
    assert forms[3].endswith("أشخاص آخرين")  # 3–10: plural
    assert forms[11].endswith("شخصًا آخر")  # 11–99: singular accusative
    assert forms[100].endswith("شخص آخر") and "100" in forms[100]  # 100–102: genitive
