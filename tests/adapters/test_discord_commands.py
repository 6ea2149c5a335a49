"""Slash commands through the real discord.py against the fake Discord: sync, locales, roles."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.discord import respond
from bot.clock import FakeClock
from bot.events import Platform
from tests.adapters import discord_features
from tests.adapters.discord_features import base_features
from tests.adapters.discord_harness import DiscordHarness, discord_harness
from tests.fakes.discord_api import Perm


@pytest.fixture
async def dt(db_url: str, clock: FakeClock) -> AsyncIterator[DiscordHarness]:
    """The harness with the test feature (command shapes the adapter must map)."""
    async with discord_harness(db_url, clock=clock, features=base_features()) as harness:
        yield harness


async def test_sync_records_localized_names_and_descriptions(dc: DiscordHarness) -> None:
    commands = {c["name"]: c for c in dc.fake.commands[None]}
    assert {"help", "language", "setup", "link"} <= set(commands)
    help_ = commands["help"]
    assert help_["description"] == "Show what you can do here"
    assert help_["description_localizations"] == {
        "es-ES": "Ver lo que puedes hacer aquí", "es-419": "Ver lo que puedes hacer aquí",
        "fr": "Afficher ce que vous pouvez faire ici", "pt-BR": "Ver o que você pode fazer aqui",
        "hi": "देखें कि यहाँ क्या-क्या किया जा सकता है"}
    # Names are localized too, from the commands catalogs; the default names stay English.
    assert help_["name_localizations"] == {"es-ES": "ayuda", "es-419": "ayuda", "fr": "aide",
                                           "pt-BR": "ajuda", "hi": "मदद"}
    [option] = help_["options"]
    assert option["name"] == "command" and option["type"] == 3 and not option["required"]
    assert option["name_localizations"]["fr"] == "commande"
    assert option["description_localizations"]["fr"] == "Une commande à expliquer"
    language = commands["language"]["options"][0]
    assert [c["value"] for c in language["choices"]] == ["en", "es", "fr", "pt", "ar", "hi"]
    # Group-only commands are not offered in private chats; the others are.
    assert commands["setup"]["contexts"] == [0]
    assert commands["help"]["contexts"] == [0, 1]
    assert len(dc.fake.calls_to("PUT", "/applications/*/commands")) == 1


async def test_groups_subcommands_free_text_and_bare_group_commands(dt: DiscordHarness) -> None:
    note = dt.fake.command("note")
    assert [(o["name"], o["type"]) for o in note["options"]] == [("show", 1), ("add", 1)]
    add = note["options"][1]
    # Multi-field commands leave every option optional (a modal asks for what is missing).
    assert [(o["name"], o["required"]) for o in add["options"]] == [("title", False),
                                                                    ("body", False)]
    assert dt.fake.command("echo")["options"][0]["name"] == "text"
    answer = await dt.slash("note show")
    assert answer.text == "no notes"
    answer = await dt.slash("echo", {"text": "hola *mundo*"})
    assert answer.text == "hola \\*mundo\\*"
    assert not answer.ephemeral


async def test_dev_guild_sync_goes_to_that_server_only(dc: DiscordHarness) -> None:
    dc.settings = dc.settings.model_copy(update={"discord_dev_guild_id": dc.world.guild})
    puts_before = len(dc.fake.calls_to("PUT", "/applications/*/commands"))
    await dc.restart()
    assert len(dc.fake.calls_to("PUT", "/applications/*/commands")) == puts_before
    [put] = dc.fake.calls_to("PUT", "/applications/*/guilds/*/commands")
    assert put.params["guild_id"] == str(dc.world.guild)
    assert {c["name"] for c in dc.fake.commands[dc.world.guild]} >= {"help", "setup"}
    answer = await dc.slash("help")
    assert "Esto es lo que puedes hacer aquí" in answer.text


async def test_answered_in_the_chat_language_and_the_callers(dc: DiscordHarness) -> None:
    # Public replies in a server channel follow the server's language (es-ES here).
    public = await dc.slash("help", locale="fr")
    assert "Esto es lo que puedes hacer aquí" in public.text and not public.ephemeral
    # A refusal only the caller sees is in the caller's language.
    refused = await dc.slash("link", locale="fr")
    assert refused.ephemeral
    assert refused.text == "Seuls les modérateurs de cette discussion peuvent faire cela."
    # In a private chat everything follows the person.
    dm = dc.fake.dm_channel_id(dc.world.member)
    private = await dc.slash(None, dm, dc.world.member, "help", locale="pt-BR")
    assert "Veja o que você pode fazer aqui" in private.text and not private.ephemeral
    person = await dc.store.people.find(Platform.DISCORD, str(dc.world.member))
    chat = await dc.store.chats.find(Platform.DISCORD, str(dc.world.member))
    assert person is not None and chat is not None and chat.is_private


async def test_stored_language_wins_over_the_client_locale(dc: DiscordHarness) -> None:
    dm = dc.fake.dm_channel_id(dc.world.member)
    await dc.slash(None, dm, dc.world.member, "language", {"code": "ar"}, locale="en-US")
    answer = await dc.slash(None, dm, dc.world.member, "settings", locale="en-US")
    assert "لغتك" in answer.text


async def test_manage_server_is_moderator_and_members_are_refused(dc: DiscordHarness) -> None:
    answer = await dc.slash(dc.world.guild, dc.world.channel, dc.world.mod, "link")
    assert "/link" in answer.text and not answer.ephemeral
    refused = await dc.slash("link")
    assert refused.ephemeral and "moderators" in refused.text
    entries = await dc.store.audit.recent(None)
    assert {(e.action, e.allowed) for e in entries} >= {("link", True), ("link", False)}


async def test_operator_ids_make_a_discord_user_an_operator(dc: DiscordHarness) -> None:
    operators = [*dc.settings.operator_ids, f"discord:{dc.world.member}"]
    dc.settings = dc.settings.model_copy(update={"operator_ids": operators})
    await dc.restart()
    answer = await dc.slash("settings", locale="en-US")
    assert "operador" in answer.text  # the chat reads Spanish; the role is the operator's
    assert not (await dc.slash("link")).ephemeral


async def test_manage_events_counts_for_meeting_and_session_commands(dt: DiscordHarness) -> None:
    role = dt.fake.add_role(dt.world.guild, "Eventos", Perm.MANAGE_EVENTS)
    planner = dt.fake.add_user("eva")
    dt.fake.add_member(dt.world.guild, planner, roles=[role])
    started = await dt.slash(dt.world.guild, dt.world.channel, planner, "session start")
    assert started.text == "started"
    refused = await dt.slash(dt.world.guild, dt.world.channel, planner, "event plan")
    assert refused.ephemeral and refused.text != "planned"


async def test_missing_fields_open_a_modal(dt: DiscordHarness) -> None:
    answer = await dt.slash("note add", {"title": "Consulado"}, locale="es-ES")
    assert answer.type == 9
    modal = answer.callback.data or {}
    assert modal["custom_id"] == "f:note add" and modal["title"] == "Add a note"
    inputs = [row["components"][0] for row in modal["components"]]
    # One input per argument: labels from their summaries, the long one multi-line,
    # what was given already filled in.
    assert [(i["custom_id"], i["label"], i["style"], i.get("value")) for i in inputs] == [
        ("title", "The note's title", 1, "Consulado"), ("body", "The note itself", 2, None)]
    submitted = await dt.submit("f:note add", {"title": "Consulado", "body": "Línea 1\nLínea 2"})
    assert submitted.type == 4
    [message] = submitted.messages
    assert message.embeds[0]["title"] == "Consulado"
    assert message.embeds[0]["description"] == "Línea 1\nLínea 2"
    # With every field given, no modal: answered at once.
    direct = await dt.slash("note add", {"title": "A", "body": "B"})
    assert direct.type == 4 and "B" in direct.text


async def test_a_modal_speaks_the_callers_language(dt: DiscordHarness) -> None:
    dm = dt.fake.dm_channel_id(dt.world.member)
    await dt.slash(None, dm, dt.world.member, "language", {"code": "fr"})
    # In the server (Spanish), the member's own choice (French) labels their form.
    answer = await dt.slash("form ask", locale="es-ES")
    modal = answer.callback.data or {}
    assert modal["title"] == "Afficher les paramètres de cette discussion"
    labels = [row["components"][0]["label"] for row in modal["components"]]
    assert labels[0].startswith("Un fuseau horaire IANA")
    assert len(labels[1]) <= 45 and labels[1].endswith("…")
    done = await dt.submit("f:form ask", {"zone": "Europe/Paris", "code": "AB12-CD34"})
    assert done.text == "Europe/Paris / AB12-CD34"


async def test_slow_commands_are_deferred_then_followed_up(
        dt: DiscordHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(respond, "DEFER_AFTER", 0.01)
    discord_features.gate["slow"] = gate = __import__("asyncio").Event()
    try:
        handle = await dt.fake.slash_command(dt.world.guild, dt.world.channel, dt.world.member,
                                             "slow", {})
        assert (await handle.response()).type == 5
        gate.set()
        [message] = await handle.wait_messages(1)
        assert message.content == "finally" and not message.ephemeral
        # A refusal after a deferral replaces the public placeholder by a private message.
        gate.clear()
        handle = await dt.fake.slash_command(dt.world.guild, dt.world.channel, dt.world.member,
                                             "slow", {"fail": "yes"})
        assert (await handle.response()).type == 5
        gate.set()
        await dt.adapter.wait_idle(timeout=5)
        assert handle.original is not None and handle.original.deleted
        [private] = handle.sent_messages
        assert private.ephemeral and private.content == "nope"
    finally:
        discord_features.gate.clear()


async def test_commands_without_outcome_leave_nothing_behind(dt: DiscordHarness) -> None:
    answer = await dt.slash("quiet")
    assert answer.type == 5 and answer.ephemeral
    assert answer.messages == []
    assert answer.handle.original is not None and answer.handle.original.deleted


async def test_a_command_discord_still_offers_but_the_core_dropped(dc: DiscordHarness) -> None:
    dc.fake.state.upsert_command(None, {"name": "ghost", "description": "Gone", "type": 1})
    answer = await dc.slash("ghost")
    assert answer.ephemeral and "/ghost" in answer.text


async def test_garbage_options_are_refused_and_change_nothing(dc: DiscordHarness) -> None:
    mod = dc.world.mod
    answer = await dc.slash(dc.world.guild, dc.world.channel, mod, "timezone",
                            {"zone": "Mars/Olympus_Mons" * 50})
    assert answer.ephemeral
    answer = await dc.slash(dc.world.guild, dc.world.channel, mod, "link", {"code": "@everyone"})
    assert answer.ephemeral and "@everyone" not in answer.text
    chat = await dc.store.chats.find(Platform.DISCORD, str(dc.world.channel))
    assert chat is not None and chat.timezone is None and chat.language == "es"
