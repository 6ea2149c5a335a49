"""The foundation's commands through the real router and store, on every backend."""

from __future__ import annotations

from bot.actions import Action
from bot.events import BotAdded, BotRemoved, ChatKind, ChatMigrated, ChatRef, Platform, UserRef
from bot.feature import Feature
from bot.features.settings import SetLanguage
from bot.i18n import N_
from bot.permissions import ANYONE
from bot.replies import Reply, Toast
from tests.support import Harness, make_harness, texts


async def test_help_lists_only_what_the_caller_may_do(harness: Harness) -> None:
    as_moderator = texts(await harness.send("/help"))
    assert "/link" in as_moderator and "/promote" in as_moderator
    harness.as_user("alice")
    as_member = texts(await harness.send("/help"))
    assert "/language" in as_member and "/link" not in as_member
    harness.in_chat("alice", private=True)
    in_private = texts(await harness.send("/help"))
    assert "/unlink" not in in_private


async def test_help_explains_one_command(harness: Harness) -> None:
    out = texts(await harness.send("/help timezone"))
    assert "/timezone [zone]" in out and "/timezone Europe/Madrid" in out
    assert "I don't know /nope" in texts(await harness.send("/help nope"))


async def test_language_changes_what_the_chat_reads(harness: Harness) -> None:
    # The confirmation is already in the new language.
    assert "en este chat escribo en español" in texts(await harness.send("/language es"))
    assert "Esto es lo que puedes hacer aquí" in texts(await harness.send("/help"))
    assert "fr" in texts(await harness.send("/language xx"))


async def test_a_member_cannot_change_the_chat_but_can_change_their_own(
        harness: Harness) -> None:
    harness.as_user("alice")
    assert texts(await harness.send("/language fr")) == (
        "Only moderators of this chat can do that.")
    audit = await harness.app.store.audit.recent(None)
    assert audit[0].action == "language" and not audit[0].allowed
    harness.in_chat("alice", private=True)
    assert "Je vous écrirai en français" in texts(await harness.send("/language fr"))
    assert "Voici ce que vous pouvez faire" in texts(await harness.send("/help"))


async def test_language_menu_buttons_work_and_refuse_members(harness: Harness) -> None:
    [menu] = await harness.send("/language")
    assert isinstance(menu, Reply) and len([b for r in menu.buttons for b in r]) == 6
    spanish = menu.buttons[0][1].action
    assert spanish == SetLanguage("es").pack()
    harness.as_user("bob")
    [toast] = await harness.press(spanish)
    assert isinstance(toast, Toast) and toast.alert
    harness.as_user("me", admin=True)
    outcomes = await harness.press(spanish, message_id="m7")
    assert any(isinstance(o, Reply) and o.edit_of == "m7" for o in outcomes)
    chat = await harness.app.store.chats.find(Platform.CONSOLE, "main")
    assert chat is not None and chat.language == "es"


async def test_forged_buttons_are_refused_politely(harness: Harness) -> None:
    for payload in ("lang", "lang:es:extra", "nope:1", "x" * 300, "", "lang:\u202e"):
        outcomes = await harness.press(payload)
        assert [type(o) for o in outcomes] == [Toast], payload
        assert outcomes[0].text  # type: ignore[union-attr]


async def test_timezone_suggests_close_matches(harness: Harness) -> None:
    assert "Europe/Madrid" in texts(await harness.send("/timezone madrid"))
    typo = texts(await harness.send("/timezone Europe/Madird"))
    assert "Did you mean" in typo and "Europe/Madrid" in typo
    assert "I don't know the time zone" in texts(await harness.send("/timezone qqqqqq"))
    assert "Europe/Madrid" in texts(await harness.send("/timezone"))


async def test_unknown_commands_and_bad_places_get_clear_answers(harness: Harness) -> None:
    assert "I don't know /frobnicate" in texts(await harness.send("/frobnicate"))
    harness.in_chat("me", private=True)
    assert "group chat" in texts(await harness.send("/link"))
    too_long = texts(await harness.send("/timezone " + "x" * 30_000))
    assert "too long" in too_long


async def test_link_joins_two_chats_across_platforms(harness: Harness) -> None:
    [reply] = await harness.send("/link")
    code = reply.body.plain().split("/link ")[-1].strip()  # type: ignore[union-attr]
    harness.in_chat("discord-general", platform=Platform.DISCORD, title="general")
    harness.user = UserRef(Platform.DISCORD, "42", "Dee", "dee")
    assert "Linked" in texts(await harness.send(f"/link {code.lower()}"))
    await harness.settle()
    assert any("general (Discord) is now linked" in t for t in harness.messenger.texts("main"))
    assert "unknown or has expired" in texts(await harness.send(f"/link {code}"))
    settings = texts(await harness.send("/settings"))
    assert "Linked with: Main (console)" in settings


async def test_promote_and_demote(harness: Harness) -> None:
    harness.as_user("alice")
    await harness.send("/help")
    assert "Only moderators" in texts(await harness.send("/promote me"))
    harness.as_user("me", admin=True)
    assert "Alice is now a moderator" in texts(await harness.send("/promote @alice"))
    harness.as_user("alice")
    assert "/link" in texts(await harness.send("/help"))
    harness.as_user("me", admin=True)
    assert "no longer a moderator" in texts(await harness.send("/demote alice"))
    assert "haven't seen zoe" in texts(await harness.send("/promote zoe"))
    harness.as_user("alice")
    assert "/link" not in texts(await harness.send("/help"))


async def test_bot_added_greets_in_the_adders_language(harness: Harness) -> None:
    group = ChatRef(Platform.TELEGRAM, "-77", ChatKind.GROUP, "Paris")
    adder = UserRef(Platform.TELEGRAM, "9", "Zoé", "zoe")
    [greeting] = await harness.event(BotAdded(group, adder, locale_hint="fr-FR"))
    assert "Bonjour" in greeting.body.plain()  # type: ignore[union-attr]
    await harness.event(BotRemoved(group, adder))
    chat = await harness.app.store.chats.find(Platform.TELEGRAM, "-77")
    assert chat is not None and not chat.active and chat.language == "fr"
    await harness.event(ChatMigrated(group, adder, new_id="-10077"))
    moved = await harness.app.store.chats.find(Platform.TELEGRAM, "-10077")
    assert moved is not None and moved.id == chat.id and moved.language == "fr"


async def test_a_crashing_handler_becomes_a_polite_reply(db_url: str) -> None:
    broken = Feature("broken", N_("Broken"))

    @broken.command("boom", N_("Fails"), rule=ANYONE)
    async def boom(ctx: object) -> None:
        raise RuntimeError("kaboom")

    from bot.features import all_features

    async with make_harness(db_url) as h:
        h.app.router.__init__(h.app.services, [*all_features(), broken])  # type: ignore[misc]
        out = texts(await h.send("/boom"))
        assert out.startswith("Sorry, something went wrong")
        await h.send("/language es")
        assert "Lo siento" in texts(await h.send("/boom"))


def test_every_action_prefix_is_unique_and_packs_small() -> None:
    from bot.actions import registered

    for prefix, cls in registered().items():
        assert issubclass(cls, Action) and cls.prefix == prefix
