"""What the bot posts on Discord: mentions made inert, long replies split, faults handled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.fanout import person_delivery
from bot.records import Chat, DeliveryOp, DeliveryStatus, NewDelivery
from bot.replies import Button, Reply, reply_to_json
from bot.richtext import bold, doc, line
from bot.sources import SourceRef
from tests.adapters.discord_features import base_features
from tests.adapters.discord_harness import DiscordHarness, discord_harness

NO_PINGS = {"parse": []}


@pytest.fixture
async def dt(db_url: str, clock: FakeClock) -> AsyncIterator[DiscordHarness]:
    """The harness with the test feature."""
    async with discord_harness(db_url, clock=clock, features=base_features()) as harness:
        yield harness


async def _chat(dc: DiscordHarness, channel: int | None = None) -> Chat:
    ref = ChatRef(Platform.DISCORD, str(channel or dc.world.channel), ChatKind.GROUP, "general",
                  space_id=str(dc.world.guild))
    return await dc.store.chats.ensure(ref, "es")


async def _post(dc: DiscordHarness, chat: Chat, reply: Reply, key: str = "t1",
                op: DeliveryOp = DeliveryOp.SEND, target: int | None = None) -> int:
    [delivery_id] = await dc.app.services.outbox.enqueue([NewDelivery(
        chat.id, reply_to_json(reply), key=key, op=op, target_delivery_id=target)])
    await dc.settle()
    return delivery_id


async def test_everyone_in_user_text_never_pings(dt: DiscordHarness) -> None:
    role = dt.world.mod_role
    hostile = f"@everyone @here <@{dt.world.mod}> <@&{role}> hola"
    answer = await dt.slash("echo", {"text": hostile})
    assert (answer.callback.data or {})["allowed_mentions"] == NO_PINGS
    [message] = answer.messages
    assert not message.mention_everyone and message.mentions == [] and message.mention_roles == []
    assert "@everyone" not in message.content and f"<@{dt.world.mod}>" not in message.content
    # The same through the outbox (fan-out, reminders): the payload says "no pings" too.
    delivery_id = await _post(dt, await _chat(dt), Reply(doc(hostile)))
    [post] = dt.fake.calls_to("POST", "/channels/*/messages")
    assert post.json["allowed_mentions"] == NO_PINGS
    assert post.json["nonce"] == f"d{delivery_id}.0" and post.json["enforce_nonce"] is True
    sent = dt.fake.messages(dt.world.channel, ephemeral=False)[-1]
    assert not sent.mention_everyone and sent.mentions == [] and sent.mention_roles == []


async def test_a_2500_character_reply_is_split(dt: DiscordHarness) -> None:
    answer = await dt.slash("long")
    assert [m.content for m in answer.messages] == ["a" * 1500, "b" * 1000]
    delivery_id = await _post(dt, await _chat(dt), Reply(doc("c" * 1500, "d" * 1000)))
    posted = dt.fake.messages(dt.world.channel, ephemeral=False)[-2:]
    assert [m.content for m in posted] == ["c" * 1500, "d" * 1000]
    delivery = await dt.store.outbox.get(delivery_id)
    assert delivery is not None and delivery.message_ids == tuple(str(m.id) for m in posted)


@pytest.mark.parametrize("fault", ["forbid", "hide", "unknown_channel"])
async def test_a_forbidden_or_gone_channel_marks_the_chat_inactive(
        dc: DiscordHarness, fault: str) -> None:
    chat = await _chat(dc)
    if fault == "unknown_channel":
        dc.fake.fail_next("POST /channels/*/messages", "unknown_channel")
    else:
        dc.fake.forbid_bot(dc.world.channel, hide=fault == "hide")
    delivery_id = await _post(dc, chat, Reply(doc("¿Hola?")))
    stored = await dc.store.chats.get(chat.id)
    delivery = await dc.store.outbox.get(delivery_id)
    assert stored is not None and not stored.active
    assert delivery is not None and delivery.status == DeliveryStatus.FAILED
    assert dc.fake.messages(dc.world.channel) == []
    # Nothing more is sent there until someone uses the bot in that channel again.
    later = await _post(dc, chat, Reply(doc("¿Sigues ahí?")), key="t2")
    assert (await dc.store.outbox.get(later)).error == "chat inactive"  # type: ignore[union-attr]


async def test_transient_faults_are_retried_without_duplicates(dc: DiscordHarness) -> None:
    chat = await _chat(dc)
    # 500: discord.py retries by itself; 503: the outbox retries later.
    dc.fake.fail_next("POST /channels/*/messages", 500)
    await _post(dc, chat, Reply(doc("uno")), key="k1")
    dc.fake.fail_next("POST /channels/*/messages", 503)
    second = await _post(dc, chat, Reply(doc("dos")), key="k2")
    assert (await dc.store.outbox.get(second)).status == DeliveryStatus.PENDING  # type: ignore[union-attr]
    await dc.advance(timedelta(seconds=5))
    # The answer is lost after Discord created the message: the retry carries the same
    # nonce, so Discord answers with the message it already has.
    dc.fake.fail_next("POST /channels/*/messages", "drop_after")
    third = await _post(dc, chat, Reply(doc("tres")), key="k3")
    await dc.advance(timedelta(seconds=5))
    assert dc.channel_texts() == ["uno", "dos", "tres"]
    assert (await dc.store.outbox.get(third)).status == DeliveryStatus.SENT  # type: ignore[union-attr]
    assert len(dc.fake.calls_to("POST", "/channels/*/messages")) == 6


async def test_cards_buttons_pins_edits_unpins_and_deletes(dc: DiscordHarness) -> None:
    chat = await _chat(dc)
    card = Reply(doc(line(bold("Asamblea")), "viernes"), card=True, pin=True,
                 buttons=((Button("Voy", "lang:es"),),))
    first = await _post(dc, chat, card, key="c1")
    [message] = dc.fake.messages(dc.world.channel)
    assert message.embeds[0]["title"] == "Asamblea" and message.pinned
    assert message.custom_ids() == ["lang:es"]
    await _post(dc, chat, Reply(doc("cancelada")), key="c2", op=DeliveryOp.EDIT, target=first)
    assert (message.content, message.embeds, message.components) == ("cancelada", [], [])
    await _post(dc, chat, Reply(doc("")), key="c3", op=DeliveryOp.UNPIN, target=first)
    assert not message.pinned
    await _post(dc, chat, Reply(doc("")), key="c4", op=DeliveryOp.DELETE, target=first)
    await _post(dc, chat, Reply(doc("")), key="c5", op=DeliveryOp.DELETE, target=first)
    assert message.deleted
    assert (await dc.store.outbox.get(first + 4)).status == DeliveryStatus.SENT  # type: ignore[union-attr]


async def test_a_pin_the_bot_may_not_make_does_not_fail_the_delivery(dc: DiscordHarness) -> None:
    chat = await _chat(dc)
    dc.fake.fail_next("PUT /channels/*/messages/pins/*", "missing_permissions")
    delivery_id = await _post(dc, chat, Reply(doc("urgente"), pin=True))
    assert (await dc.store.outbox.get(delivery_id)).status == DeliveryStatus.SENT  # type: ignore[union-attr]
    assert dc.channel_texts() == ["urgente"]


async def test_private_messages_go_to_the_persons_dm(dc: DiscordHarness) -> None:
    services = dc.app.services
    person = await dc.store.people.ensure(
        UserRef(Platform.DISCORD, str(dc.world.member), "Ben", "ben"), "fr")
    delivery = await person_delivery(services, person, lambda: Reply(doc("Bonjour")),
                                     key="dm1", source=SourceRef("test"))
    await services.outbox.enqueue([delivery])
    await dc.settle()
    dm = dc.fake.dm_channel_id(dc.world.member)
    assert [m.content for m in dc.fake.messages(dm)] == ["Bonjour"]
    # Someone who does not accept messages from the bot: their private chat goes inactive.
    shy = dc.fake.add_user("shy", accepts_dms=False)
    other = await dc.store.people.ensure(UserRef(Platform.DISCORD, str(shy), "Shy"), None)
    delivery = await person_delivery(services, other, lambda: Reply(doc("Hola")), key="dm2",
                                     source=SourceRef("test"))
    await services.outbox.enqueue([delivery])
    await dc.settle()
    chat = await dc.store.chats.find(Platform.DISCORD, str(shy))
    assert chat is not None and not chat.active


async def test_a_document_is_attached(dt: DiscordHarness) -> None:
    answer = await dt.slash("export")
    [message] = answer.messages
    assert message.content == "calendar"
    assert [(a["filename"], f.data) for a, f in zip(message.attachments, message.files,
                                                      strict=True)] == [
        ("m.ics", b"BEGIN:VCALENDAR")]


async def _inactive(dc: DiscordHarness, chat_id: int) -> bool:
    """Whether the chat becomes inactive within a few seconds (gateway events are async)."""
    for _ in range(500):
        chat = await dc.store.chats.get(chat_id)
        if chat is not None and not chat.active:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_leaving_a_server_or_losing_a_channel_stops_sending_there(dc: DiscordHarness) -> None:
    kept = await _chat(dc)
    other_channel = dc.fake.add_channel(dc.world.guild, "otro")
    doomed = await _chat(dc, other_channel)
    await dc.fake.dispatch("CHANNEL_CREATE", dc.fake.state.channel_payload(other_channel),
                           guild_id=dc.world.guild)
    await dc.fake.dispatch("CHANNEL_DELETE", dc.fake.state.channel_payload(other_channel),
                           guild_id=dc.world.guild)
    assert await _inactive(dc, doomed.id)
    assert (await dc.store.chats.get(kept.id)).active  # type: ignore[union-attr]
    await dc.fake.dispatch("GUILD_DELETE", {"id": str(dc.world.guild)}, guild_id=dc.world.guild)
    assert await _inactive(dc, kept.id)


async def test_a_command_can_edit_or_delete_an_earlier_message(dt: DiscordHarness) -> None:
    chat = await _chat(dt)
    first = await _post(dt, chat, Reply(doc("borrador")), key="e1")
    [message] = dt.fake.messages(dt.world.channel)
    assert (await dt.store.outbox.get(first)).message_ids == (str(message.id),)  # type: ignore[union-attr]
    edited = await dt.slash("tidy", {"message": str(message.id), "text": "final"})
    assert edited.ephemeral and edited.text == "tidied"
    assert message.content == "final"
    await dt.slash("tidy", {"message": str(message.id)})
    assert message.deleted
    # Garbage ids are refused by Discord and change nothing; the caller still gets an answer.
    answer = await dt.slash("tidy", {"message": "not-a-number", "text": "x"})
    assert answer.text == "tidied"
