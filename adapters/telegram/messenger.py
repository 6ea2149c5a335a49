"""Reply → Bot API calls (send, edit, delete, pin), with Telegram's errors as DeliveryError.

The outbox uses a messenger that fails fast on the first call (the outbox
retries the whole delivery later); direct replies use a patient one that
retries 429 and 5xx in place. Either way, once one part of a split message
is visible, the remaining parts are retried in place rather than the whole
message being repeated.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from adapters.telegram.render import label, safe_url, split
from bot.events import ChatRef, Platform
from bot.ports import DeliveryError
from bot.replies import Button, Reply, SentMessage
from scheduling.pacing import Limits

log = logging.getLogger(__name__)
T = TypeVar("T")

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_TAG = re.compile(r"<[^>]*>")
# Bad Request texts (as PTB shows them: prefix stripped, capitalised) meaning the chat is gone.
_GONE = ("chat not found", "peer_id_invalid", "have no rights to send",
         "not enough rights to send")


@dataclass(frozen=True, slots=True)
class Retry:
    """How hard to try one call: attempts, and the longest wait we accept in place."""

    attempts: int = 4
    backoff: float = 0.5  # seconds before the 2nd attempt after a 5xx; doubles each time
    max_wait: float = 30.0


NO_RETRY = Retry(attempts=1)


def delivery_error(exc: TelegramError) -> DeliveryError:
    """A Telegram error as the outbox understands it."""
    reason = f"{type(exc).__name__}: {exc.message}"
    if isinstance(exc, RetryAfter):
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return DeliveryError(reason, transient=True, retry_after=seconds)
    if isinstance(exc, ChatMigrated):
        return DeliveryError(reason, new_chat_id=str(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return DeliveryError(reason, chat_gone=True)
    if isinstance(exc, BadRequest):  # before NetworkError: BadRequest subclasses it
        gone = any(marker in exc.message.lower() for marker in _GONE)
        return DeliveryError(reason, chat_gone=gone)
    if isinstance(exc, NetworkError):  # 5xx, timeouts, dropped connections
        return DeliveryError(reason, transient=True)
    return DeliveryError(reason)


async def call_with_retry(call: Callable[[], Awaitable[T]], retry: Retry) -> T:
    """Run one Bot API call; retry 429 (after retry_after) and 5xx (with backoff), bounded."""
    attempt = 1
    while True:
        try:
            return await call()
        except TelegramError as exc:
            err = delivery_error(exc)
            if not err.transient or attempt >= retry.attempts:
                raise err from exc
            wait = err.retry_after if err.retry_after is not None else (
                retry.backoff * 2 ** (attempt - 1))
            if wait > retry.max_wait:
                raise err from exc
            log.info("Telegram: %s; retrying in %.1fs", err.reason, wait)
            await asyncio.sleep(wait)
            attempt += 1


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard for reply buttons (links only when safe to open)."""
    out = []
    for row in rows:
        buttons = []
        for button in row:
            if button.url:
                if safe_url(button.url):
                    buttons.append(InlineKeyboardButton(label(button.label), url=button.url))
            elif button.action:
                buttons.append(InlineKeyboardButton(label(button.label),
                                                    callback_data=button.action))
        if buttons:
            out.append(buttons)
    return InlineKeyboardMarkup(out) if out else None


def plain(part: str) -> str:
    """An HTML part as plain text (our renderer escapes every literal `<`)."""
    return html.unescape(_TAG.sub("", part))


def _says(err: DeliveryError, *markers: str) -> bool:
    return any(marker in err.reason.lower() for marker in markers)


class TelegramMessenger:
    """The Bot API as the core's Messenger; raises DeliveryError."""

    platform = Platform.TELEGRAM
    # Telegram's limits: ~30 messages/s overall, 20/min per group, ~1/s per private chat.
    limits = Limits(per_second=30, group_per_minute=20, private_per_second=1)

    def __init__(self, bot: Bot, *, first: Retry = NO_RETRY, rest: Retry | None = None,
                 ready: asyncio.Event | None = None) -> None:
        self.bot = bot
        self.first = first
        self.rest = rest or Retry()
        # Sends wait until the adapter has logged in (getMe).
        self.ready = ready

    async def _call(self, call: Callable[[], Awaitable[T]], retry: Retry) -> T:
        if self.ready is not None and not self.ready.is_set():
            await self.ready.wait()
        return await call_with_retry(call, retry)

    async def _text(self, chat_id: int, part: str, retry: Retry, *,
                    markup: InlineKeyboardMarkup | None, silent: bool,
                    reply_to: str | None = None) -> Message:
        quote = (ReplyParameters(int(reply_to), allow_sending_without_reply=True)
                 if reply_to else None)

        async def send(text: str, mode: str | None) -> Message:
            return await self.bot.send_message(
                chat_id, text, parse_mode=mode, reply_markup=markup,
                disable_notification=silent, link_preview_options=NO_PREVIEW,
                reply_parameters=quote)
        try:
            return await self._call(lambda: send(part, ParseMode.HTML), retry)
        except DeliveryError as err:
            if not _says(err, "can't parse entities"):
                raise
            # A renderer bug must not cost the reader the message: send it unformatted.
            log.error("Telegram refused our HTML (%s); sending plain text", err.reason)
            return await self._call(lambda: send(plain(part), None), retry)

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None,
                   reply_to: str | None = None) -> SentMessage:
        """Post a reply (split if long; buttons and pin on the first part).

        `reply_to` quotes that message (in its forum topic, if any) when it still exists.
        """
        chat_id = int(chat.id)
        ids: list[str] = []
        markup = keyboard(reply.buttons)
        for part in split(reply.body):
            retry = self.rest if ids else self.first
            message = await self._text(chat_id, part, retry, markup=None if ids else markup,
                                       silent=reply.silent, reply_to=None if ids else reply_to)
            ids.append(str(message.message_id))
        if reply.document is not None:
            doc = reply.document
            retry = self.rest if ids else self.first
            quote = (ReplyParameters(int(reply_to), allow_sending_without_reply=True)
                     if reply_to and not ids else None)
            message = await self._call(lambda: self.bot.send_document(
                chat_id, InputFile(doc.data, filename=doc.filename),
                disable_notification=reply.silent, reply_parameters=quote), retry)
            ids.append(str(message.message_id))
        if reply.pin and ids:
            await self._pin(chat_id, int(ids[0]), silent=reply.silent)
        return SentMessage(chat, tuple(ids))

    async def _pin(self, chat_id: int, message_id: int, *, silent: bool) -> None:
        try:
            await self._call(lambda: self.bot.pin_chat_message(
                chat_id, message_id, disable_notification=silent), self.rest)
        except DeliveryError as err:
            # The message is out; a missing pin right must not make it count as failed.
            log.info("could not pin message %s in chat %s: %s", message_id, chat_id, err.reason)

    async def edit(self, chat: ChatRef, message_ids: Sequence[str], reply: Reply) -> None:
        """Replace the text (and keyboard) of a message the bot sent, part by part."""
        chat_id = int(chat.id)
        parts = split(reply.body)
        markup = keyboard(reply.buttons)
        for index, (message_id, part) in enumerate(zip(message_ids, parts, strict=False)):
            retry = self.rest if index else self.first
            try:
                await self._call(functools.partial(
                    self.bot.edit_message_text, part, chat_id, int(message_id),
                    parse_mode=ParseMode.HTML, reply_markup=markup if index == 0 else None,
                    link_preview_options=NO_PREVIEW), retry)
            except DeliveryError as err:
                if not _says(err, "message is not modified"):
                    raise
        for part in parts[len(message_ids):]:
            # The new text needs more parts than the old one had.
            await self._text(chat_id, part, self.rest, markup=None, silent=True)

    async def delete(self, chat: ChatRef, message_ids: Sequence[str]) -> None:
        """Delete messages; one already gone counts as deleted."""
        chat_id = int(chat.id)
        failure: DeliveryError | None = None
        for message_id in message_ids:
            try:
                await self._call(
                    functools.partial(self.bot.delete_message, chat_id, int(message_id)),
                    self.first)
            except DeliveryError as err:
                if not _says(err, "message to delete not found"):
                    failure = failure or err
        if failure is not None:
            raise failure

    async def unpin(self, chat: ChatRef, message_id: str) -> None:
        """Unpin a message the bot pinned."""
        await self._call(lambda: self.bot.unpin_chat_message(int(chat.id), int(message_id)),
                         self.first)

    async def answer(self, query_id: str, text: str = "", *, alert: bool = False) -> None:
        """Answer a callback query (stops the button's spinner); a stale query is ignored."""
        try:
            await self._call(lambda: self.bot.answer_callback_query(
                query_id, text=text or None, show_alert=alert), self.rest)
        except DeliveryError as err:
            log.info("could not answer callback query %s: %s", query_id, err.reason)
