"""Groups: admins are moderators, the bot joining and leaving, supergroup migration, privacy."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bot.events import Platform
from bot.features.polls.records import PollStatus
from bot.records import DeliveryStatus, NewDelivery
from bot.replies import Reply, reply_to_json
from bot.richtext import text
from tests.adapters.probe import with_probe
from tests.adapters.telegram_harness import TelegramHarness, telegram_harness

ADA, BEA, CID, OPS = 801, 802, 803, 804
GROUP, SUPER = -801, -1008010000001


@pytest.fixture
async def tgp(db_url: str) -> AsyncIterator[TelegramHarness]:
    """Ada created the group, Bea administers it, Cid is a member; Ops is an operator."""
    async with telegram_harness(db_url, features=with_probe(),
                                operator_ids=[f"telegram:{OPS}"]) as harness:
        fake = harness.fake
        fake.add_user(ADA, "Ada", language_code="en")
        fake.add_user(BEA, "Bea", language_code="fr")
        fake.add_user(CID, "Cid", language_code="es")
        fake.add_user(OPS, "Ops", language_code="en")
        fake.add_chat(GROUP, "group", "Paris", creator=ADA, admins=[BEA], members=[CID, OPS])
        await harness.command(GROUP, ADA, "/start")  # the group reads the bot in English
        yield harness


async def stored_chat(tg: TelegramHarness, chat_id: int):  # type: ignore[no-untyped-def]
    return await tg.store.chats.find(Platform.TELEGRAM, str(chat_id))


async def test_creator_and_admins_are_moderators_members_are_not(tgp: TelegramHarness) -> None:
    [done] = await tgp.command(GROUP, ADA, "/modonly")
    assert done.text == "moderator stuff done"
    [done] = await tgp.command(GROUP, BEA, "/modonly")
    assert done.text == "moderator stuff done"
    [refused] = await tgp.command(GROUP, CID, "/modonly")
    assert refused.text == "Only moderators of this chat can do that."
    [done] = await tgp.command(GROUP, OPS, "/modonly")  # operators by configuration
    assert done.text == "moderator stuff done"
    [roles] = await tgp.command(GROUP, BEA, "/settings")
    assert "Your role here: moderator" in roles.text
    # One fresh lookup served them all.
    assert tgp.fake.call_count("getChatAdministrators") == 1


async def test_a_newly_promoted_admin_is_not_refused(tgp: TelegramHarness) -> None:
    [refused] = await tgp.command(GROUP, CID, "/modonly")
    assert refused.text.startswith("Only moderators")
    tgp.fake.chats[GROUP].admins[CID] = {}
    tgp.adapter.admins.recheck = 0  # as if a moment had passed
    [done] = await tgp.command(GROUP, CID, "/modonly")
    assert done.text == "moderator stuff done"


async def test_a_member_promoted_a_moment_ago_may_change_the_language_and_close_a_poll(
        tgp: TelegramHarness) -> None:
    moments = [time.monotonic()]
    tgp.adapter.admins.clock = lambda: moments[0]
    await tgp.command(GROUP, ADA, "/poll new Lunch? | Pizza | Sushi")
    await tgp.settle()
    refused = await tgp.command(GROUP, CID, "/language es")
    assert [m.text for m in refused] == ["Only moderators of this chat can do that."]
    refused = await tgp.command(GROUP, CID, "/poll close 1")
    assert [m.text for m in refused] == [
        "Only moderators or the person who started this poll can do that."]
    lookups = tgp.fake.call_count("getChatAdministrators")

    tgp.fake.chats[GROUP].admins[CID] = {}  # Ada makes Cid an admin in Telegram
    moments[0] += 3  # the time it takes to tap through Telegram's admin screen
    [done] = await tgp.command(GROUP, CID, "/language es")
    assert done.text == "A partir de ahora, en este chat escribo en español."
    assert tgp.fake.call_count("getChatAdministrators") == lookups + 1
    closed = await tgp.command(GROUP, CID, "/poll close 1")
    assert closed and not any("Solo" in m.text for m in closed)
    poll = await tgp.store.polls.get(1)
    assert poll is not None and poll.status == PollStatus.CLOSED


async def test_refusals_do_not_flood_telegram_with_lookups(tgp: TelegramHarness) -> None:
    for _ in range(5):
        [refused] = await tgp.command(GROUP, CID, "/modonly")
        assert refused.text.startswith("Only moderators")
    assert tgp.fake.call_count("getChatAdministrators") == 1
    tgp.adapter.admins.recheck = 0
    await tgp.command(GROUP, CID, "/modonly")
    assert tgp.fake.call_count("getChatAdministrators") == 2  # rechecked before refusing
    # Member commands never ask again while the list is fresh.
    await tgp.command(GROUP, CID, "/settings")
    assert tgp.fake.call_count("getChatAdministrators") == 2


async def test_members_cannot_change_the_group_but_admins_can(tgp: TelegramHarness) -> None:
    [refused] = await tgp.command(GROUP, CID, "/language es")
    assert refused.text == "Only moderators of this chat can do that."
    [done] = await tgp.command(GROUP, BEA, "/language fr")
    assert done.text == "Dans cette discussion, j'écris désormais en français."


async def test_added_to_a_group_greets_in_the_adders_language(tgp: TelegramHarness) -> None:
    await tgp.push(tgp.fake.push_my_chat_member(-802, CID, "left", "member", title="Madrid"))
    [greeting] = tgp.fake.messages(-802)
    assert greeting.text.startswith("¡Hola a todos!")
    chat = await stored_chat(tgp, -802)
    assert chat is not None and chat.language == "es" and chat.title == "Madrid"
    [help_] = await tgp.command(-802, ADA, "/help")
    assert help_.text.startswith("Esto es lo que puedes hacer aquí:")


async def test_removed_from_a_group_nothing_is_sent_there(tgp: TelegramHarness) -> None:
    await tgp.command(GROUP, ADA, "/start")
    await tgp.push(tgp.fake.push_my_chat_member(GROUP, ADA, "member", "kicked"))
    chat = await stored_chat(tgp, GROUP)
    assert chat is not None and not chat.active
    [delivery_id] = await tgp.app.services.outbox.enqueue(
        [NewDelivery(chat.id, reply_to_json(Reply(text("reminder"))), key="k")])
    await tgp.settle()
    delivery = await tgp.store.outbox.get(delivery_id)
    assert delivery is not None and delivery.status == DeliveryStatus.FAILED
    assert [m.text for m in tgp.fake.messages(GROUP)][-1] != "reminder"


async def test_a_user_blocking_the_bot_deactivates_their_private_chat(
        tgp: TelegramHarness) -> None:
    await tgp.command(CID, CID, "/start")
    await tgp.push(tgp.fake.push_my_chat_member(CID, CID, "member", "kicked"))
    chat = await stored_chat(tgp, CID)
    assert chat is not None and not chat.active


async def test_promotions_of_the_bot_are_not_greetings(tgp: TelegramHarness) -> None:
    mark = tgp.mark()
    await tgp.push(tgp.fake.push_my_chat_member(GROUP, ADA, "member", "administrator"))
    assert tgp.sent_since(mark) == []


async def test_a_group_becoming_a_supergroup_keeps_everything(tgp: TelegramHarness) -> None:
    await tgp.command(GROUP, ADA, "/language fr")
    await tgp.command(GROUP, ADA, "/timezone Europe/Paris")
    before = await stored_chat(tgp, GROUP)
    assert before is not None
    await tgp.push(tgp.fake.push_migration(GROUP, SUPER))
    after = await stored_chat(tgp, SUPER)
    assert after is not None and after.id == before.id
    assert (after.language, after.timezone, after.community_id) == (
        "fr", "Europe/Paris", before.community_id)
    assert await stored_chat(tgp, GROUP) is None
    [settings] = await tgp.command(SUPER, BEA, "/settings")
    assert settings.text.startswith("Paramètres") and "Europe/Paris" in settings.text


async def test_a_private_answer_goes_to_the_private_chat(tgp: TelegramHarness) -> None:
    mark = tgp.mark()
    await tgp.push(tgp.fake.push_command(GROUP, CID, "/whisper"))
    [secret] = tgp.sent_since(mark)
    assert secret.chat_id == CID and secret.text == "the secret is 42"


async def test_a_private_answer_to_someone_who_never_started_the_bot(
        tgp: TelegramHarness) -> None:
    tgp.fake.add_user(805, "Dee", language_code="hi", started=False)
    await tgp.command(GROUP, BEA, "/language fr")
    mark = tgp.mark()
    pushed = tgp.fake.push_command(GROUP, 805, "/whisper")
    await tgp.push(pushed)
    [notice] = tgp.sent_since(mark)
    assert notice.chat_id == GROUP
    assert notice.text.startswith("Dee, je ne peux pas encore vous écrire en privé.")
    assert "42" not in notice.text


async def test_answers_in_a_group_quote_the_command(tgp: TelegramHarness) -> None:
    pushed = tgp.fake.push_command(GROUP, CID, "/settings")
    mark = tgp.mark()
    await tgp.push(pushed)
    [answer] = tgp.sent_since(mark)
    assert answer.reply_to_message_id == pushed.message_id
    [private] = await tgp.command(CID, CID, "/settings")
    assert private.reply_to_message_id is None  # no quoting in a one-to-one chat


async def test_an_anonymous_admin_is_a_moderator(tgp: TelegramHarness) -> None:
    group = {"id": GROUP, "type": "group", "title": "Paris"}
    anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                 "username": "GroupAnonymousBot"}
    mark = tgp.mark()
    await tgp.push(tgp.fake.push_raw({"message": {
        "message_id": 9001, "date": 0, "chat": group, "from": anonymous, "sender_chat": group,
        "text": "/modonly", "entities": [{"type": "bot_command", "offset": 0, "length": 8}]}}))
    [done] = tgp.sent_since(mark)
    assert done.text == "moderator stuff done"


async def test_group_help_is_one_short_message_and_private_help_the_whole_list(
        tgp: TelegramHarness) -> None:
    sent = await tgp.command(GROUP, CID, "/help")
    assert len(sent) == 1 and len(sent[0].text) <= 1500, [len(m.text) for m in sent]
    assert "/poll" in sent[0].text and "/help poll" in sent[0].text
    whole = await tgp.command(CID, CID, "/help")
    assert sum(len(m.text) for m in whole) > 2 * len(sent[0].text)
    [detail] = await tgp.command(GROUP, CID, "/help poll")
    assert "/poll close" in detail.text
