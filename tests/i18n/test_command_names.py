"""The `commands` catalogs: every command word and option name, one valid Discord name each."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from adapters.discord.commands import build, name_tokens, valid_local_name
from bot.features import all_features

LOCALES = Path(__file__).resolve().parents[2] / "locales"
LANGUAGES = ("es", "fr", "pt", "ar", "hi")


def names(lang: str) -> dict[tuple[str, str], str]:
    """(context, name) → translation, from a language's commands catalog."""
    with (LOCALES / lang / "LC_MESSAGES" / "commands.po").open("rb") as fh:
        return {(str(m.context), str(m.id)): str(m.string) for m in read_po(fh) if m.id}


def test_the_template_lists_every_name_the_registry_has() -> None:
    with (LOCALES / "commands.pot").open("rb") as fh:
        listed = {(str(m.context), str(m.id)) for m in read_po(fh) if m.id}
    assert listed == set(name_tokens(all_features())), "run `make i18n-update` and translate"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_name_is_translated_as_one_valid_discord_name(lang: str) -> None:
    found = names(lang)
    assert set(found) == set(name_tokens(all_features()))
    bad = {key: text for key, text in found.items() if not valid_local_name(text)}
    assert bad == {}, "one lowercase word, hyphens allowed, at most 32 characters"


def test_no_localized_name_is_dropped_from_the_real_command_tree(
        caplog: pytest.LogCaptureFixture) -> None:
    # A clash between siblings in one locale (Discord would refuse the whole sync) or an
    # invalid name is left out with a warning: the real tree must have none.
    features = all_features()
    with caplog.at_level(logging.WARNING, logger="adapters.discord.commands"):
        build([spec for f in features for spec in f.commands], features)
    assert [r.getMessage() for r in caplog.records] == []


def test_the_validity_rule_matches_discords() -> None:
    assert valid_local_name("encuesta") and valid_local_name("mis-datos")
    assert valid_local_name("बैठक") and valid_local_name("सहायता")  # Devanagari marks
    assert valid_local_name("réunion") and valid_local_name("الاجتماعات")
    for bad in ("Encuesta", "mis datos", "a" * 33, "", "what?", "l'aide"):
        assert not valid_local_name(bad), bad
