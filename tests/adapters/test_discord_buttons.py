"""Buttons dispatched by custom_id (also after a restart), and /setup on a Discord server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.discord import respond
from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform
from bot.records import NewDelivery
from bot.replies import Button, Reply, reply_to_json
from bot.richtext import doc
from tests.adapters.discord_features import base_features
from tests.adapters.discord_harness import DiscordHarness, discord_harness


@pytest.fixture
async def dt(db_url: str, clock: FakeClock) -> AsyncIterator[DiscordHarness]:
    """The harness with the test feature."""
    async with discord_harness(db_url, clock=clock, features=base_features()) as harness:
        yield harness


async def test_a_button_on_an_old_message_works_after_a_restart(dc: DiscordHarness) -> None:
    mod = dc.world.mod
    menu = await dc.slash(dc.world.guild, dc.world.channel, mod, "language")
    [message] = menu.messages
    assert message.custom_ids() == ["lang:en", "lang:es", "lang:fr", "lang:pt", "lang:ar",
                                    "lang:hi"]
    await dc.restart()  # a new process: nothing of the first one is left in memory
    click = await dc.click(message.id, "lang:fr", user=mod, locale="fr")
    assert click.type == 7  # the menu itself becomes the confirmation
    confirmation = "Dans cette discussion, j'écris désormais en français."
    assert dc.fake.message(message.id).content == confirmation
    assert dc.fake.message(message.id).components == []
    [toast] = click.handle.followups
    assert toast.ephemeral and toast.content == confirmation
    chat = await dc.store.chats.find(Platform.DISCORD, str(dc.world.channel))
    assert chat is not None and chat.language == "fr"


async def test_a_members_click_is_refused_privately_in_their_language(dc: DiscordHarness) -> None:
    menu = await dc.slash(dc.world.guild, dc.world.channel, dc.world.mod, "language")
    [message] = menu.messages
    before = message.content
    click = await dc.click(message.id, "lang:hi", locale="pt-BR")
    assert click.type == 4 and click.ephemeral
    assert click.text == "Só os moderadores deste chat podem fazer isso."
    assert dc.fake.message(message.id).content == before
    chat = await dc.store.chats.find(Platform.DISCORD, str(dc.world.channel))
    assert chat is not None and chat.language == "es"


async def test_forged_or_unknown_buttons_are_refused(dc: DiscordHarness) -> None:
    chat = await dc.store.chats.ensure(
        ChatRef(Platform.DISCORD, str(dc.world.channel), ChatKind.GROUP, "general"), "es")
    forged = ("zz:nope", "lang:xx", "lang:es:extra", "lang")
    reply = Reply(doc("?")).with_buttons(tuple(Button(f, f) for f in forged))
    await dc.app.services.outbox.enqueue([NewDelivery(chat.id, reply_to_json(reply), key="f")])
    await dc.settle()
    [message] = dc.fake.messages(dc.world.channel)
    for custom_id in forged:
        click = await dc.click(message.id, custom_id, locale="es-ES")
        # A well-formed action is checked against its rule first: a member may not change
        # the language at all, whatever the code says.
        expected = ("Solo los moderadores de este chat pueden hacer eso."
                    if custom_id in ("lang:xx", "lang") else "Este botón ya no funciona.")
        assert click.ephemeral and click.text == expected, custom_id
    assert (await dc.store.chats.get(chat.id)).language == "es"  # type: ignore[union-attr]


async def test_a_click_can_answer_publicly_and_with_a_toast(dt: DiscordHarness) -> None:
    echo = await dt.slash("echo", {"text": "hola"})
    [message] = echo.messages
    click = await dt.click(message.id, "zzpoke:1")
    assert click.type == 4 and not click.ephemeral
    [public, toast] = click.handle.sent_messages
    assert public.content == "poked 1" and not public.ephemeral
    assert toast.content == "toast 1" and toast.ephemeral


async def test_a_slow_click_is_deferred_then_updated(
        dc: DiscordHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    menu = await dc.slash(dc.world.guild, dc.world.channel, dc.world.mod, "language")
    [message] = menu.messages
    monkeypatch.setattr(respond, "DEFER_AFTER", 0.0)
    handle = await dc.fake.click_button(dc.world.channel, message.id, dc.world.mod, "lang:pt")
    assert (await handle.response()).type == 6
    await dc.adapter.wait_idle(timeout=5)
    assert dc.fake.message(message.id).content == "Neste chat, agora escrevo em português."
    [toast] = handle.followups
    assert toast.ephemeral


async def test_setup_greets_and_joins_the_servers_community(dc: DiscordHarness) -> None:
    world, fake = dc.world, dc.fake
    refused = await dc.slash("setup")
    assert refused.ephemeral
    first = await dc.slash(world.guild, world.channel, world.mod, "setup", locale="en-US")
    assert first.text.startswith("**¡Hola a todos!**") and not first.ephemeral
    second_channel = fake.add_channel(world.guild, "francais")
    await dc.slash(world.guild, second_channel, world.mod, "language", {"code": "fr"})
    second = await dc.slash(world.guild, second_channel, world.mod, "setup")
    assert second.text.startswith("**Bonjour à tous\u00a0!**")
    assert "general (discord)" in second.text
    await dc.settle()
    [notice] = dc.channel_texts(world.channel)[-1:]
    assert notice.startswith("francais (Discord)")
    chats = [await dc.store.chats.find(Platform.DISCORD, str(c))
             for c in (world.channel, second_channel)]
    assert chats[0] is not None and chats[1] is not None
    assert chats[0].community_id == chats[1].community_id
    # Running it again greets again and links nothing more.
    again = await dc.slash(world.guild, second_channel, world.mod, "setup")
    assert "general" not in again.text
    # Discord does not even offer it in a private chat.
    with pytest.raises(PermissionError):
        await dc.slash(None, fake.dm_channel_id(world.mod), world.mod, "setup")


async def test_many_clicks_at_once_are_each_answered_once(dc: DiscordHarness) -> None:
    menu = await dc.slash(dc.world.guild, dc.world.channel, dc.world.mod, "language")
    [message] = menu.messages
    members = []
    for i in range(8):
        user = dc.fake.add_user(f"m{i}")
        dc.fake.add_member(dc.world.guild, user)
        members.append(user)
    handles = await asyncio.gather(*(dc.fake.click_button(dc.world.channel, message.id, u,
                                                          "lang:en") for u in members))
    await asyncio.gather(*(h.response() for h in handles))
    await dc.adapter.wait_idle(timeout=5)
    assert all(len(h.callbacks) == 1 and h.callback.ephemeral for h in handles)  # type: ignore[union-attr]
