"""Catalog upkeep, run by `make i18n-update`.

- Fills the English catalog from the msgids. English is the source language, so its
  catalog is the identity; filling it keeps every catalog complete and lets a reviewer
  override an English wording there.
- Writes the `commands` domain: the words of every command name (context "command") and
  every option name (context "option") from the registry, which Discord shows localized in
  its command menu. They are names, not sentences: each translation must be one lowercase
  word (hyphens allowed), see tests/i18n/test_command_names.py. English needs no catalog.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
NAME_LANGUAGES = ("es", "fr", "pt", "ar", "hi")
# Fixed, so regenerating an unchanged catalog changes nothing.
STAMP = datetime(2026, 1, 1, tzinfo=UTC)
HEADER = ("# diaspora-bot: the names of commands and options as Discord's menu shows them.\n"
          "# One lowercase word each (hyphens allowed); see tests/i18n/test_command_names.py.")


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


def command_names() -> list[tuple[str, str]]:
    """(context, name) of every command word and option name Discord shows."""
    sys.path.insert(0, str(HERE.parent))
    from adapters.discord.commands import name_tokens
    from bot.features import all_features

    return name_tokens(all_features())


def update_command_names() -> int:
    """Write locales/commands.pot and merge it into each language's commands.po; return how
    many names still need a translation."""
    template = Catalog(project="diaspora-bot", fuzzy=False, creation_date=STAMP,
                       header_comment=HEADER)
    for context, name in command_names():
        template.add(name, context=context)
    with (HERE / "commands.pot").open("wb") as fh:
        write_po(fh, template, width=0, omit_header=False)
    missing = 0
    for lang in NAME_LANGUAGES:
        path = HERE / lang / "LC_MESSAGES" / "commands.po"
        old = {}
        if path.exists():
            with path.open("rb") as fh:
                old = {(m.context, m.id): m.string for m in read_po(fh, locale=lang) if m.id}
        catalog = Catalog(locale=lang, project="diaspora-bot", fuzzy=False,
                          creation_date=STAMP, revision_date=STAMP, header_comment=HEADER)
        for message in template:
            if message.id:
                string = old.get((message.context, message.id), "")
                missing += not string
                catalog.add(message.id, string, context=message.context)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=0)
    return missing


if __name__ == "__main__":
    print(f"English catalog: {fill_english()} entries filled")
    print(f"Command names: {update_command_names()} to translate")
