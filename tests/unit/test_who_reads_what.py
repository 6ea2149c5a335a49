"""What only one person sees is in their language: their choice, else what their platform
reports, else the chat's language, else the default. Lists follow the locale's own words."""

from __future__ import annotations

import pytest

from bot.features.polls.actions import Vote
from bot.fmt import joined
from bot.i18n import _, use_locale
from tests.notices.helpers import register
from tests.support import Harness, texts


async def _spanish_group_with_a_poll(h: Harness) -> None:
    await h.send("/language es")
    await h.send("/poll new ¿Dónde comemos? | Pizza | Sushi")
    await h.settle()


async def test_a_person_who_never_chose_reads_private_answers_in_the_chats_language(
        harness: Harness) -> None:
    h = harness
    await _spanish_group_with_a_poll(h)
    h.as_user("ana")  # no language of her own, and the console reports none
    toast = texts(await h.press(Vote(1, 0).pack()))
    assert toast.startswith("Has votado por Pizza"), toast
    out = texts(await h.send("/mydata"))
    with use_locale("es"):
        assert out == _("Here is everything I store about you.") != (
            "Here is everything I store about you.")


async def test_the_persons_platform_language_comes_before_the_chats(harness: Harness) -> None:
    h = harness
    await _spanish_group_with_a_poll(h)
    h.as_user("bea", locale="fr")
    toast = texts(await h.press(Vote(1, 0).pack()))
    assert toast.startswith("Vous avez voté pour"), toast


async def test_the_persons_own_choice_comes_first(harness: Harness) -> None:
    h = harness
    await _spanish_group_with_a_poll(h)
    h.as_user("cid", locale="fr").in_chat("cid", private=True)
    await h.send("/language pt")
    h.in_chat("main")
    toast = texts(await h.press(Vote(1, 0).pack()))
    assert toast.startswith("Você votou em"), toast


@pytest.mark.parametrize("locale", ["en", "es", "fr", "pt", "ar", "hi"])
def test_lists_use_the_locales_own_separators_and_isolate_each_item(locale: str) -> None:
    with use_locale(locale):
        text = joined(["documents", "elections", "events"])
    if locale == "ar":
        assert ", " not in text and ("،" in text or " و" in text), text
        assert "\u2068documents\u2069" in text
    else:
        assert "documents" in text and "events" in text
        assert "\u2068" not in text


async def test_an_arabic_chat_reads_categories_as_an_arabic_list(harness: Harness) -> None:
    h = harness
    await register(h)
    await h.send("/language ar")
    out = texts(await h.send("/subscribe mx-madrid documents elections"))
    assert ", " not in out, out
    assert "\u2068" in out and " و" in out, out


@pytest.mark.parametrize("locale", ["en", "es", "fr", "pt", "ar", "hi"])
async def test_group_help_stays_short_in_every_language(harness: Harness, locale: str) -> None:
    h = harness
    await h.send(f"/language {locale}")
    [reply] = await h.send("/help")
    text = texts([reply])
    assert len(text) <= 1500 and "/help poll" in text and "/meeting" in text, len(text)


@pytest.mark.parametrize("locale", ["en", "es", "fr", "pt", "ar", "hi"])
def test_every_list_style_works_in_every_language(locale: str) -> None:
    with use_locale(locale):
        for style in ("standard", "or"):
            assert "b" in joined(["a", "b", "c"], style)  # type: ignore[arg-type]
