"""The Telegram adapter end to end: real python-telegram-bot polling FakeTelegram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.telegram.inbound import parse_command
from adapters.telegram.render import MAX_TEXT
from bot.i18n import SUPPORTED
from tests.adapters.probe import long_body, with_probe
from tests.adapters.telegram_harness import TelegramHarness, telegram_harness

ADA, BEA, CID = 501, 502, 503
GROUP = -100777


@pytest.fixture
async def tgp(db_url: str) -> AsyncIterator[TelegramHarness]:
    """The harness with the probe feature."""
    async with telegram_harness(db_url, features=with_probe()) as harness:
        harness.fake.add_user(ADA, "Ada", language_code="en")
        harness.fake.add_user(BEA, "Bea", language_code="es")
        harness.fake.add_chat(GROUP, "supergroup", "Madrid", creator=ADA, members=[BEA, CID])
        yield harness


async def test_start_and_help_in_private_in_two_languages(tg: TelegramHarness) -> None:
    tg.fake.add_user(ADA, "Ada", language_code="en")
    tg.fake.add_user(BEA, "Bea", language_code="es-419")
    [hello] = await tg.command(ADA, ADA, "/start")
    [hola] = await tg.command(BEA, BEA, "/start")
    assert hello.text.startswith("Hello, Ada!") and hello.entity_texts("bold") == ["Hello, Ada!"]
    assert hola.text.startswith("¡Hola, Bea!")
    [help_en] = await tg.command(ADA, ADA, "/help")
    [help_es] = await tg.command(BEA, BEA, "/help")
    assert help_en.text.startswith("Here is what you can do here:")
    assert "/timezone [zone]" in help_en.text
    assert help_es.text.startswith("Esto es lo que puedes hacer aquí:")
    assert "/timezone [zona]" in help_es.text
    assert help_en.parse_mode == "HTML" and "Settings" in help_en.entity_texts("bold")
    # Private replies go only where they were asked for.
    assert {m.chat_id for m in tg.fake.all_sent()} == {ADA, BEA}


async def test_group_commands_addressed_to_us_or_to_nobody_are_answered(
        tg: TelegramHarness) -> None:
    tg.fake.add_chat(GROUP, "group", "Madrid", members=[ADA])
    [settings] = await tg.command(GROUP, ADA, "/settings@DiasporaTestBot")
    assert settings.text.startswith("Settings") and "Your role here: member" in settings.text
    [tz] = await tg.command(GROUP, ADA, "/timezone@diasporatestbot   ")
    assert "This chat's time zone is UTC." in tz.text
    assert await tg.command(GROUP, ADA, "/settings@OtherBot") == []
    assert await tg.command(GROUP, ADA, "/weather Madrid") == []  # another bot's command
    [unknown] = await tg.command(GROUP, ADA, "/weather@DiasporaTestBot")
    assert unknown.text == "I don't know /weather. Send /help to see what I can do."
    [private_unknown] = await tg.command(ADA, ADA, "/weather")
    assert "I don't know /weather" in private_unknown.text


async def test_arguments_reach_the_core(tg: TelegramHarness) -> None:
    tg.fake.add_user(ADA, "Ada")
    [reply] = await tg.command(ADA, ADA, "/timezone   Europe/Madrid ")
    assert reply.text.startswith("Your time zone is now Europe/Madrid.")
    [reply] = await tg.command(ADA, ADA, "/help@DiasporaTestBot timezone")
    assert "/timezone Mexico_City" in reply.text


async def test_html_in_user_text_is_shown_literally(tg: TelegramHarness) -> None:
    tg.fake.add_user(ADA, "<b>Ada</b> & <script>x</script>")
    [hello] = await tg.command(ADA, ADA, "/start")
    assert hello.text.startswith("Hello, <b>Ada</b> & <script>x</script>!")
    [reply] = await tg.command(ADA, ADA, "/help <b>&amp;<script>")
    assert reply.text == "I don't know /<b>&amp;<script>. Send /help to see what I can do."
    assert reply.entities == [] or all(e["type"] == "bot_command" for e in reply.entities)


async def test_a_10000_character_reply_arrives_in_parts(tgp: TelegramHarness) -> None:
    parts = await tgp.command(ADA, ADA, "/long")
    assert len(parts) == 3
    assert all(len(p.text) <= MAX_TEXT for p in parts)
    assert all(p.text.startswith("Part ") for p in parts)  # cut between paragraphs
    paragraphs = [para.strip() for para in long_body().plain().split("\n\n")]
    assert [para.strip() for p in parts for para in p.text.split("\n\n")] == paragraphs
    assert sum(len(p.entity_texts("bold")) for p in parts) == 11


async def test_a_reply_to_a_message_is_quoted(tgp: TelegramHarness) -> None:
    original = tgp.fake.push_text(GROUP, BEA, "Meet at 6 <b>sharp</b> & on time")
    await tgp.push(original)
    assert original.message_id is not None
    [reply] = await tgp.reply(GROUP, CID, "/quote", original.message_id)
    assert reply.text == "Quoted: Meet at 6 <b>sharp</b> & on time\n\nby Bea"


async def test_documents_pins_and_url_buttons(tgp: TelegramHarness) -> None:
    tgp.fake.set_bot_membership(GROUP, "administrator", can_pin_messages=True)
    [note, doc] = await tgp.command(ADA, ADA, "/file")
    assert note.text == "your calendar" and doc.document is not None
    assert doc.upload is not None and doc.upload.content == b"BEGIN:VCALENDAR\r\n"
    assert doc.document["file_name"] == "meet.ics"
    [pinned] = await tgp.command(GROUP, ADA, "/pinme")
    assert pinned.pinned
    pin = tgp.fake.calls_to("pinChatMessage")[-1]
    assert pin.params["disable_notification"] is True
    [menu] = await tgp.command(ADA, ADA, "/menu")
    assert [b.get("url") for b in menu.buttons if "url" in b] == ["https://example.org"]
    assert len(menu.callback_data) == 4


async def test_a_failed_pin_does_not_lose_the_message(tgp: TelegramHarness) -> None:
    [pinned] = await tgp.command(GROUP, ADA, "/pinme")  # the bot is no admin here
    assert pinned.text == "pinned notice" and not pinned.pinned


async def test_the_commands_menu_is_set_in_every_language(tgp: TelegramHarness) -> None:
    fake = tgp.fake
    default = {c["command"]: c["description"] for c in fake.commands()}
    assert default["help"] == "Show what you can do here"
    assert default["meet"] == "Probe"  # a group of subcommands is one entry
    assert "quote" not in default and "modonly" not in default and "link" not in default
    assert "meet new" not in default
    admins = {c["command"] for c in fake.commands({"type": "all_chat_administrators"})}
    assert {"link", "promote", "modonly", "help"} <= admins
    for language in SUPPORTED:
        entries = fake.commands(language_code=language)
        assert [c["command"] for c in entries] == list(default)
    spanish = {c["command"]: c["description"] for c in fake.commands(language_code="es")}
    assert spanish["help"] == "Ver lo que puedes hacer aquí"
    assert fake.call_count("setMyCommands") == 2 * (1 + len(SUPPORTED))


async def test_plain_messages_and_other_bots_change_nothing(tgp: TelegramHarness) -> None:
    mark = tgp.mark()
    await tgp.push(tgp.fake.push_text(GROUP, BEA, "just chatting <b>"))
    tgp.fake.add_user(9, "Some Bot", is_bot=True)
    await tgp.push(tgp.fake.push_command(GROUP, 9, "/start"))
    assert tgp.sent_since(mark) == []


def test_command_lines_are_parsed_like_telegram_clients_send_them() -> None:
    bot = "DiasporaTestBot"
    assert parse_command("/HELP", bot) == ("help", "", False)
    assert parse_command("/help@diasporatestbot  timezone ", bot) == ("help", "timezone", True)
    assert parse_command("/poll new\nLunch? | yes | no", bot) == (
        "poll", "new\nLunch? | yes | no", False)
    assert parse_command("/help@OtherBot", bot) is None
    assert parse_command("/help@DiasporaTestBot", None) is None  # before getMe
    assert parse_command("/", bot) is None
