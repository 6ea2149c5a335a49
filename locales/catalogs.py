"""Catalog upkeep: `python locales/catalogs.py` fills the English catalog from the msgids.

English is the source language, so its catalog is the identity; filling it keeps
every catalog complete and lets a reviewer override an English wording there.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent


def fill_english() -> int:
    """Copy each msgid into the English catalog's empty msgstr; return how many."""
    path = HERE / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string or ()):
                message.string = (message.id[0], message.id[1])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0, sort_by_file=True, ignore_obsolete=True)
    return filled


if __name__ == "__main__":
    print(f"English catalog: {fill_english()} entries filled")
