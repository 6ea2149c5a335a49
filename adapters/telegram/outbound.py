"""Direct replies to an event: outcomes → Bot API calls, with the chat kept in step.

Every callback query is answered exactly once (first, so the button stops
spinning). In groups, answers quote the command they answer (so they land in
its forum topic too). A reply meant only for the caller goes to their
private chat; if Telegram refuses (they never started the bot), the group is
told so briefly, in its language, without the private content. A reply that
still cannot be sent after the in-place retries is handed to the outbox,
which keeps it durably and sends it when Telegram allows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from adapters.telegram.inbound import Inbound
from adapters.telegram.messenger import TelegramMessenger
from adapters.telegram.render import toast
from bot.app import App
from bot.events import ChatKind, ChatRef, CommandInvoked, Event, Platform
from bot.i18n import _, use_locale
from bot.ports import DeliveryError
from bot.records import NewDelivery
from bot.replies import Delete, Outcome, Reply, Toast, private_chat, reply_to_json
from bot.richtext import doc
from bot.sources import fixed

log = logging.getLogger(__name__)

# A reply that hit the flood limit and goes out through the outbox instead (its stored name
# is what databases hold).
TELEGRAM_REPLY = fixed("telegram-reply")


class Responder:
    """Sends the core's answer to one event."""

    def __init__(self, app: App, messenger: TelegramMessenger) -> None:
        self.app = app
        self.messenger = messenger

    async def deliver(self, inbound: Inbound, outcomes: Sequence[Outcome]) -> None:
        """Answer the button (if any), then send, edit or delete as the outcomes say."""
        event = inbound.event
        if inbound.query_id is not None:
            shown = next((o for o in outcomes if isinstance(o, Toast)), Toast(""))
            await self.messenger.answer(inbound.query_id, toast(shown.text), alert=shown.alert)
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, Toast):
                continue
            try:
                await self._one(event, event.chat, outcome)
            except DeliveryError as err:
                log.info("reply in chat %s failed: %s", event.chat.id, err.reason)
                if err.transient and isinstance(outcome, Reply):
                    await self._later(event, outcome, err, f"{inbound.update_id}:{index}")

    async def _one(self, event: Event, chat: ChatRef, outcome: Reply | Delete) -> None:
        try:
            if isinstance(outcome, Delete):
                await self.messenger.delete(chat, [outcome.message_id])
            elif outcome.private and chat.kind != ChatKind.PRIVATE:
                await self._private(event, outcome)
            elif outcome.edit_of:
                await self.messenger.edit(chat, [outcome.edit_of], outcome)
            else:
                await self.messenger.send(chat, outcome, reply_to=_quote(event, chat))
        except DeliveryError as err:
            if err.new_chat_id and err.new_chat_id != chat.id:
                await self.app.store.chats.migrate(Platform.TELEGRAM, chat.id, err.new_chat_id)
                moved = ChatRef(chat.platform, err.new_chat_id, chat.kind, chat.title)
                await self._one(event, moved, outcome)
                return
            if err.chat_gone:
                await self._gone(chat)
            raise

    async def _private(self, event: Event, reply: Reply) -> None:
        person = private_chat(Platform.TELEGRAM, event.user.id)
        try:
            await self.messenger.send(person, reply)
        except DeliveryError as err:
            if not err.chat_gone:
                raise
            await self._gone(person)
            stored = await self.app.store.chats.find(Platform.TELEGRAM, event.chat.id)
            language = (self.app.services.chat_locale(stored) if stored
                        else self.app.settings.default_language)
            with use_locale(language):
                notice = _("{name}, I can't write to you privately yet. Open a private chat "
                           "with me, press Start, then try again.", name=event.user.display_name)
            await self.messenger.send(event.chat, Reply(doc(notice)), reply_to=_quote(
                event, event.chat))

    async def _later(self, event: Event, reply: Reply, err: DeliveryError, ref: str) -> None:
        """Queue a reply Telegram would not take now (edits and files are not kept)."""
        if reply.edit_of or reply.document is not None:
            return
        target = (private_chat(Platform.TELEGRAM, event.user.id)
                  if reply.private and event.chat.kind != ChatKind.PRIVATE else event.chat)
        stored = await self.app.store.chats.find(Platform.TELEGRAM, target.id)
        if stored is None:
            return
        wait = timedelta(seconds=err.retry_after or 0)
        await self.app.services.outbox.enqueue([NewDelivery(
            stored.id, reply_to_json(reply), key=f"telegram-reply:{target.id}:{ref}",
            source=TELEGRAM_REPLY, not_before=self.app.clock.now() + wait)])
        log.info("reply in chat %s queued in the outbox", target.id)

    async def _gone(self, chat: ChatRef) -> None:
        stored = await self.app.store.chats.find(Platform.TELEGRAM, chat.id)
        if stored is not None and stored.active:
            log.info("chat %s is gone; marking it inactive", chat.id)
            await self.app.store.chats.set_active(stored.id, False)


def _quote(event: Event, chat: ChatRef) -> str | None:
    """In a group, answer a command by quoting it (same chat, not after a move)."""
    if (isinstance(event, CommandInvoked) and chat.kind == ChatKind.GROUP
            and chat.id == event.chat.id):
        return event.message_id
    return None
