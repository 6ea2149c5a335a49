"""Tests of the fake Telegram Bot API server, driving the real python-telegram-bot against it."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from adapters.telegram.adapter import TOKEN_BEARING_LOGGERS
from bot.logs import guard
from tests.fakes.telegram_api import FakeTelegram, FaultKind, WaitTimeoutError
from tests.fakes.telegram_updates import bad_request

USER = 4201
GROUP = -4242
HTML = ParseMode.HTML


# --- a tiny bare bot ------------------------------------------------------------------------


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user in their language."""
    user = update.effective_user
    assert user is not None and update.effective_message is not None
    await update.effective_message.reply_text(f"Hello, {user.first_name}! ({user.language_code})")


async def on_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the command arguments."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"cmd {context.args}")


async def on_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer an inline keyboard."""
    assert update.effective_message is not None
    buttons = [InlineKeyboardButton(t, callback_data=f"vote:{t.lower()}") for t in ("Yes", "No")]
    await update.effective_message.reply_text(
        "Pick one", reply_markup=InlineKeyboardMarkup([buttons])
    )


async def on_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button press and edit the menu."""
    query = update.callback_query
    assert query is not None and query.data is not None
    choice = query.data.removeprefix("vote:")
    await query.answer(f"You chose {choice}")
    await query.edit_message_text(f"Chose {choice}")


async def on_save(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Save the message the command replies to."""
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    await message.reply_text(f"Saved: {replied.text if replied else 'nothing'}")


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Thank the group when the bot is added."""
    change = update.my_chat_member
    assert change is not None
    if change.new_chat_member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
        await context.bot.send_message(change.chat.id, "Thanks for adding me")


def build_app(fake: FakeTelegram) -> Application:
    """Build the tiny bot against the fake."""
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CommandHandler("cmd", on_cmd))
    app.add_handler(CommandHandler("menu", on_menu))
    app.add_handler(CommandHandler("save", on_save))
    app.add_handler(CallbackQueryHandler(on_vote, pattern=r"^vote:"))
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    return app


@asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    """Run ``app`` with long polling for the duration of the block."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to timedelta periods; otherwise RetryAfter warns (an error under our filters)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A running fake with one German-speaking user."""
    async with FakeTelegram() as server:
        server.add_user(USER, "Ada", language_code="de")
        # These tests drive python-telegram-bot without our adapter; guard its loggers the
        # way the adapter does, or httpx logs the token in every request URL.
        guard(TOKEN_BEARING_LOGGERS, [server.token])
        yield server


# --- polling with the real Application ------------------------------------------------------


async def test_start_is_answered_in_a_private_chat(fake: FakeTelegram) -> None:
    pushed = fake.push_command(USER, USER, "/start")
    async with polling(build_app(fake)):
        [reply] = await fake.wait_for_messages(USER, 1)
    assert reply.text == "Hello, Ada! (de)"
    assert reply.from_bot and reply.chat_id == USER
    assert [c.method for c in fake.calls[:2]] == ["getMe", "deleteWebhook"]
    assert fake.pending_updates == []  # PTB confirmed the update with a later offset
    polls = fake.calls_to("getUpdates")
    assert any(c.params.get("offset") == pushed.update_id + 1 for c in polls)


async def test_command_for_another_bot_is_ignored(fake: FakeTelegram) -> None:
    fake.add_chat(GROUP, "group", "Diaspora", members=[USER])
    fake.push_command(GROUP, USER, "/cmd@OtherBot nope")
    fake.push_command(GROUP, USER, "/cmd@DiasporaTestBot one")
    async with polling(build_app(fake)):
        [reply] = await fake.wait_for_messages(GROUP, 1)
    assert reply.text == "cmd ['one']"
    assert len(fake.messages(GROUP)) == 1
    assert len(fake.messages(GROUP, include_incoming=True)) == 3


async def test_callback_query_round_trip(fake: FakeTelegram) -> None:
    fake.push_command(USER, USER, "/menu")
    async with polling(build_app(fake)) as app:
        [menu] = await fake.wait_for_messages(USER, 1)
        assert menu.callback_data == ["vote:yes", "vote:no"]
        query_id = fake.push_callback(USER, USER, menu.message_id, "vote:yes")
        answer = await fake.wait_for_callback_answer(query_id)
        await fake.wait_until(lambda: menu.edit_date is not None)
        with pytest.raises(BadRequest, match="Query is too old"):
            await app.bot.answer_callback_query(query_id)
    assert answer == {"text": "You chose yes", "show_alert": False}
    assert menu.text == "Chose yes" and menu.history == ["Pick one"]
    assert menu.reply_markup is None  # editMessageText without reply_markup drops the keyboard
    with pytest.raises(ValueError, match="no button"):
        fake.push_callback(USER, USER, menu.message_id, "vote:maybe")


async def test_reply_carries_the_replied_message(fake: FakeTelegram) -> None:
    fake.add_chat(GROUP, "supergroup", "Diaspora", members=[USER, 7])
    original = fake.push_text(GROUP, 7, "Meet at 6 <b>sharp</b>")
    assert original.message_id is not None
    pushed = fake.push_reply(GROUP, USER, "/save", original.message_id)
    assert pushed.message and pushed.message["reply_to_message"]["text"] == "Meet at 6 <b>sharp</b>"
    async with polling(build_app(fake)):
        [reply] = await fake.wait_for_messages(GROUP, 1)
    assert reply.text == "Saved: Meet at 6 <b>sharp</b>"


async def test_bot_added_to_group_is_greeted(fake: FakeTelegram) -> None:
    fake.push_my_chat_member(GROUP, USER, "left", "member", title="New group")
    async with polling(build_app(fake)) as app:
        [greeting] = await fake.wait_for_messages(GROUP, 1)
        me = await app.bot.get_chat_member(GROUP, app.bot.id)
        user = await app.bot.get_chat_member(GROUP, USER)
    assert greeting.text == "Thanks for adding me"
    assert (me.status, user.status) == (ChatMember.MEMBER, ChatMember.MEMBER)


# --- sending: formatting and limits ---------------------------------------------------------


async def test_html_bold_becomes_an_entity_but_escaped_html_stays_literal(
    fake: FakeTelegram,
) -> None:
    async with build_app(fake) as app:
        bold = await app.bot.send_message(USER, "<b>x</b> y", parse_mode=HTML)
        literal = await app.bot.send_message(USER, html.escape("<b>x</b>"), parse_mode=HTML)
        emoji = await app.bot.send_message(USER, "🎉 <i>party</i>", parse_mode=HTML)
    assert (bold.text, [e.type for e in bold.entities]) == ("x y", [MessageEntity.BOLD])
    assert (literal.text, literal.entities) == ("<b>x</b>", ())
    assert emoji.parse_entity(emoji.entities[0]) == "party"  # UTF-16 offsets
    first, second, _ = fake.messages(USER)
    assert first.entity_texts("bold") == ["x"] and first.raw_text == "<b>x</b> y"
    assert second.text == "<b>x</b>" and second.entities == []


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<b>x", "Can't parse entities: can't find end tag corresponding to start tag \"b\""),
        ("1 < 2", 'Can\'t parse entities: unsupported start tag "" at byte offset 2'),
        ("<foo>x</foo>", 'Can\'t parse entities: unsupported start tag "foo" at byte offset 0'),
        ("<b>x</i>", "Can't parse entities: unmatched end tag at byte offset 4, expected"),
    ],
)
async def test_malformed_html_raises_bad_request(
    fake: FakeTelegram, markup: str, error: str
) -> None:
    async with build_app(fake) as app:
        with pytest.raises(BadRequest) as raised:
            await app.bot.send_message(USER, markup, parse_mode=HTML)
    assert str(raised.value).startswith(error)
    assert fake.messages(USER) == []


async def test_length_is_checked_after_parsing_entities(fake: FakeTelegram) -> None:
    async with build_app(fake) as app:
        await app.bot.send_message(USER, "a" * 4096)
        await app.bot.send_message(USER, f"<b>{'a' * 4096}</b>", parse_mode=HTML)
        with pytest.raises(BadRequest, match=r"^Message is too long$"):
            await app.bot.send_message(USER, "a" * 4097)
        with pytest.raises(BadRequest, match=r"^Message text is empty$"):
            await app.bot.send_message(USER, "<b> </b>", parse_mode=HTML)
    assert [len(m.text) for m in fake.messages(USER)] == [4096, 4096]


async def test_long_callback_data_is_rejected(fake: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    async with build_app(fake) as app:
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await app.bot.send_message(USER, "menu", reply_markup=keyboard)


# --- errors and faults ------------------------------------------------------------------------


async def test_fail_next_429_raises_retry_after(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", FaultKind.RETRY_AFTER, retry_after=3)
    async with build_app(fake) as app:
        with pytest.raises(RetryAfter) as raised:
            await app.bot.send_message(USER, "first")
        await app.bot.send_message(USER, "second")
    assert raised.value.retry_after == dtm.timedelta(seconds=3)
    assert fake.calls_to("sendMessage")[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert fake.faults_injected == 1
    assert [m.text for m in fake.messages(USER)] == ["second"]


async def test_retry_after_warns_without_ptb_timedelta(
    fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PTB_TIMEDELTA")
    fake.fail_next("sendMessage", FaultKind.RETRY_AFTER, retry_after=2)
    async with build_app(fake) as app:
        with pytest.warns(PTBDeprecationWarning, match="retry_after"), pytest.raises(RetryAfter):
            await app.bot.send_message(USER, "x")


async def test_server_faults_raise_network_errors(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", FaultKind.SERVER_ERROR)
    fake.fail_next("sendMessage", FaultKind.BAD_GATEWAY)
    fake.fail_next("sendMessage", FaultKind.DROP_CONNECTION)
    fake.fail_next("sendMessage", FaultKind.SLOW, delay=0.3)
    async with build_app(fake) as app:
        errors = []
        for _ in range(3):
            with pytest.raises(NetworkError) as raised:
                await app.bot.send_message(USER, "x")
            errors.append(raised.value)
        with pytest.raises(TimedOut):
            await app.bot.send_message(USER, "slow", read_timeout=0.05)
        [late] = await fake.wait_for_messages(USER, 1)  # the slow request still took effect
    assert [type(e) for e in errors] == [NetworkError] * 3
    assert str(errors[0]) == "Internal Server Error"
    assert str(errors[1]).startswith("Bad Gateway (502)")
    assert "disconnected" in str(errors[2]).lower()
    assert late.text == "slow" and fake.faults_injected == 4


async def test_fail_next_after_some_calls_and_with_any_api_error(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", FaultKind.RETRY_AFTER, after=1, retry_after=2)
    fake.fail_next("sendMessage", FaultKind.API_ERROR, error=bad_request("message is too long"))
    async with build_app(fake) as app:
        await app.bot.send_message(USER, "first")
        with pytest.raises(RetryAfter):
            await app.bot.send_message(USER, "second")
        with pytest.raises(BadRequest, match=r"^Message is too long$"):
            await app.bot.send_message(USER, "third")
        await app.bot.send_message(USER, "fourth")
    assert [m.text for m in fake.messages(USER)] == ["first", "fourth"]
    with pytest.raises(ValueError, match="needs error"):
        fake.fail_next("sendMessage", FaultKind.API_ERROR)
    fake.latency = 0.05
    async with build_app(fake) as app:
        started = asyncio.get_running_loop().time()
        await app.bot.get_me()
    assert asyncio.get_running_loop().time() - started >= 0.05


async def test_random_faults_are_seeded_and_counted(fake: FakeTelegram) -> None:
    fake.set_fault_rate(0.5, kinds=[FaultKind.SERVER_ERROR], seed=7)
    failures = 0
    async with build_app(fake) as app:
        for i in range(20):
            try:
                await app.bot.send_message(USER, f"m{i}")
            except NetworkError:
                failures += 1
        await app.bot.get_chat(USER)  # not a sending method: never faulted
    assert 0 < failures < 20 and failures == fake.faults_injected
    assert len(fake.messages(USER)) == 20 - failures


async def test_unreachable_chats_raise_like_telegram(fake: FakeTelegram) -> None:
    fake.add_chat(GROUP, "group", "Kicked us")
    fake.kick_bot(GROUP)
    fake.block_bot(USER)
    async with build_app(fake) as app:
        with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
            await app.bot.send_message(USER, "hi")
        with pytest.raises(Forbidden, match=r"^Forbidden: bot was kicked from the group chat$"):
            await app.bot.send_message(GROUP, "hi")
        with pytest.raises(BadRequest, match=r"^Chat not found$"):
            await app.bot.send_message(999, "hi")


async def test_migrated_group_raises_chat_migrated(fake: FakeTelegram) -> None:
    fake.add_chat(GROUP, "group", "Old", creator=USER)
    seen: list[tuple[int | None, int | None]] = []

    async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        seen.append((update.message.migrate_to_chat_id, update.message.migrate_from_chat_id))

    app = build_app(fake)
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    fake.push_migration(GROUP, -100_4242)
    async with polling(app):
        await fake.wait_until(lambda: len(seen) == 2)
        with pytest.raises(ChatMigrated) as raised:
            await app.bot.send_message(GROUP, "hi")
        await app.bot.send_message(raised.value.new_chat_id, "hi again")
    assert seen == [(-100_4242, None), (None, GROUP)]
    assert raised.value.new_chat_id == -100_4242
    assert [m.text for m in fake.messages(-100_4242)] == ["hi again"]
    assert fake.chats[-100_4242].type == "supergroup"


async def test_tokens_and_unknown_methods(fake: FakeTelegram) -> None:
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")
        me = await bot.do_api_request("GETME")  # method names are case-insensitive
        assert isinstance(me, dict) and me["username"] == "DiasporaTestBot"
    with pytest.raises(InvalidToken):
        async with Bot("654321:WRONG", base_url=fake.base_url):
            pass
    assert fake.calls_to("noSuchMethod")[0].response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found",
    }


async def test_concurrent_get_updates_conflict(fake: FakeTelegram) -> None:
    async with (
        Bot(fake.token, base_url=fake.base_url) as first,
        Bot(fake.token, base_url=fake.base_url) as second,
    ):
        waiting = asyncio.create_task(first.get_updates(timeout=5))
        await fake.wait_until(lambda: fake.long_polls_waiting == 1)
        assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await waiting


# --- uploads, commands, webhook, rate limits ----------------------------------------------------


async def test_send_document_multipart_is_recorded(fake: FakeTelegram) -> None:
    async with build_app(fake) as app:
        sent = await app.bot.send_document(
            USER, b"hello", filename="notes.txt", caption="<i>Notes</i>", parse_mode=HTML
        )
        assert sent.document is not None
        downloaded = await (await app.bot.get_file(sent.document.file_id)).download_as_bytearray()
    [record] = fake.messages(USER)
    assert record.upload is not None and record.upload.content == b"hello"
    assert record.document and record.document["file_name"] == "notes.txt"
    assert (record.text, record.entity_texts("italic")) == ("Notes", ["Notes"])
    assert set(fake.calls_to("sendDocument")[0].files) == {"document"}
    assert (sent.caption, bytes(downloaded)) == ("Notes", b"hello")


async def test_set_my_commands_per_scope_and_language(fake: FakeTelegram) -> None:
    async with build_app(fake) as app:
        await app.bot.set_my_commands([BotCommand("start", "Start")])
        await app.bot.set_my_commands([BotCommand("start", "Beginnen")], language_code="de")
        await app.bot.set_my_commands(
            [BotCommand("save", "Save")], scope=BotCommandScopeChat(GROUP)
        )
        german = await app.bot.get_my_commands(language_code="de")
        with pytest.raises(BadRequest):
            await app.bot.set_my_commands([BotCommand("Start!", "bad")])
        await app.bot.delete_my_commands(language_code="de")
    assert fake.commands() == [{"command": "start", "description": "Start"}]
    assert fake.commands({"type": "chat", "chat_id": GROUP})[0]["command"] == "save"
    assert [c.description for c in german] == ["Beginnen"]
    assert fake.commands(language_code="de") == []


async def test_webhook_delivery_retries_and_redelivers(fake: FakeTelegram) -> None:
    received: list[tuple[str | None, int]] = []

    async def receive(request: web.Request) -> web.Response:
        update = await request.json()
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), update["update_id"])
        )
        return web.Response(status=500 if len(received) == 1 else 200)

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        async with build_app(fake) as app:
            await app.bot.set_webhook(url, secret_token="s3cret")
            pushed = fake.push_text(USER, USER, "hello")
            await fake.wait_until(lambda: len(received) == 2 and not fake.pending_updates)
            assert await fake.redeliver(pushed.update_id) == 200
            info = await app.bot.get_webhook_info()
            with pytest.raises(Conflict, match="webhook is active"):
                await app.bot.get_updates()
    finally:
        await runner.cleanup()
    assert received == [("s3cret", pushed.update_id)] * 3
    assert [d.status for d in fake.webhook_deliveries] == [500, 200, 200]
    assert info.url == url and "500" in (info.last_error_message or "")


async def test_rate_limits_answer_429(fake: FakeTelegram) -> None:
    fake.add_chat(GROUP, "supergroup", "Busy")
    async with build_app(fake) as app:
        fake.set_rate_limits(per_private_per_second=1)
        await app.bot.send_message(USER, "one")
        with pytest.raises(RetryAfter) as private:
            await app.bot.send_message(USER, "two")
        fake.set_rate_limits(per_group_per_minute=2)
        await app.bot.send_message(GROUP, "a")
        await app.bot.send_message(GROUP, "b")
        with pytest.raises(RetryAfter) as group:
            await app.bot.send_message(GROUP, "c")
        fake.set_rate_limits(global_per_second=2)
        await app.bot.send_message(USER, "x")
        await app.bot.send_message(GROUP, "y")
        with pytest.raises(RetryAfter):
            await app.bot.send_message(USER, "z")
        fake.set_rate_limits()
        await app.bot.send_message(USER, "unlimited")
    assert private.value.retry_after == dtm.timedelta(seconds=1)
    assert dtm.timedelta(seconds=58) <= group.value.retry_after <= dtm.timedelta(seconds=60)
    assert fake.rate_limited == 3


async def test_wait_for_call_times_out_with_a_clear_error(fake: FakeTelegram) -> None:
    async with build_app(fake):
        with pytest.raises(WaitTimeoutError, match=r"0\.1s .*sendMessage.*getMe->200"):
            await fake.wait_for_call("sendMessage", timeout=0.1)


async def test_raw_wire_format_accepts_json_and_query_strings(fake: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    async with aiohttp.ClientSession(base_url=fake.url) as http:
        url = f"/bot{fake.token}/sendMessage"
        async with http.post(url, json={"chat_id": USER, "text": "j", "reply_markup": markup}) as r:
            sent = await r.json()
        async with http.get(url, params={"chat_id": str(USER), "text": "q"}) as r:
            queried = await r.json()
        async with http.get(f"/bot{fake.token}/getMe") as r:
            assert (r.status, (await r.json())["result"]["is_bot"]) == (200, True)
        async with http.get("/bot1:wrong/getMe") as r:
            unauthorized = (r.status, await r.json())
    assert sent["ok"] and sent["result"]["reply_markup"] == markup
    assert sent["result"]["from"]["username"] == "DiasporaTestBot"
    assert queried["result"]["text"] == "q" and queried["result"]["chat"]["type"] == "private"
    assert unauthorized == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
