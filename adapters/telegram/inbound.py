"""Telegram updates → core events.

Commands (`/name args`, `/name@OurBot args`; commands addressed to another
bot are ignored), replies to a message (the quoted text and author), button
presses, the bot being added to or removed from a chat, and a group moving
to a new id when it becomes a supergroup. Channels are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict

from telegram import (
    Chat,
    ChatMember,
    ChatMemberRestricted,
    ChatMemberUpdated,
    Message,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, MessageEntityType

from adapters.telegram.roles import AdminCache
from bot.events import (
    Attachment,
    BotAdded,
    BotRemoved,
    ButtonPressed,
    ChatKind,
    ChatMigrated,
    ChatRef,
    CommandInvoked,
    Event,
    MessagePosted,
    Platform,
    QuotedMessage,
    UserRef,
)
from bot.router import Router

_COMMAND = re.compile(r"/([^\s@]+)(?:@(\S+))?(?:\s+(.*))?", re.DOTALL)
# Files handed to a command (a JSON import): bots may download up to 20 MB; we need far less.
MAX_ATTACHMENT = 5 * 1024 * 1024
_IN = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
_OUT = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


@dataclass(frozen=True, slots=True)
class Inbound:
    """A core event, and the callback query to answer when it was a button press."""

    event: Event
    query_id: str | None = None
    update_id: int = 0


class _Membership(TypedDict):
    """The fields shared by the events for the bot joining or leaving a chat."""

    chat: ChatRef
    user: UserRef
    locale_hint: str | None


def chat_ref(chat: Chat) -> ChatRef:
    """A Telegram chat as the core names it."""
    private = chat.type == ChatType.PRIVATE
    return ChatRef(Platform.TELEGRAM, str(chat.id),
                   ChatKind.PRIVATE if private else ChatKind.GROUP,
                   None if private else chat.title)


def user_ref(user: User) -> UserRef:
    """A Telegram account as the core names it."""
    return UserRef(Platform.TELEGRAM, str(user.id), user.full_name, user.username)


def parse_command(text: str, username: str | None) -> tuple[str, str, bool] | None:
    """`/name@bot args` → (name, args, addressed to us by name); None for another bot."""
    match = _COMMAND.fullmatch(text.strip())
    if match is None:
        return None
    name, addressee, args = match.group(1), match.group(2), match.group(3) or ""
    if addressee and (username is None or addressee.lower() != username.lower()):
        return None
    return name.lower(), args.strip(), bool(addressee)


def quoted(message: Message) -> QuotedMessage | None:
    """The message a command replies to, if any."""
    replied = message.reply_to_message
    if replied is None:
        return None
    author = user_ref(replied.from_user) if replied.from_user else None
    return QuotedMessage(str(replied.message_id), replied.text or replied.caption or "", author)


async def attachment_of(message: Message) -> Attachment | None:
    """The document sent with a command, or in the message it replied to (size-capped)."""
    document = message.document
    if document is None and message.reply_to_message is not None:
        document = message.reply_to_message.document
    if document is None or (document.file_size or 0) > MAX_ATTACHMENT:
        return None
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    if len(data) > MAX_ATTACHMENT:
        return None
    return Attachment(document.file_name or "file", data,
                      document.mime_type or "application/octet-stream")


class UpdateReader:
    """Turns updates into events; asks the admin cache who may moderate."""

    def __init__(self, router: Router, admins: AdminCache) -> None:
        self.router = router
        self.admins = admins
        self.username: str | None = None
        self.bot_id: int | None = None

    async def read(self, update: Update) -> Inbound | None:
        """The event an update carries, or None for what the bot ignores."""
        if update.callback_query is not None:
            return await self._button(update)
        if update.my_chat_member is not None:
            return self._membership(update.my_chat_member)
        message = update.message
        if message is None or message.chat.type == ChatType.CHANNEL:
            return None
        if message.migrate_to_chat_id:
            user = message.from_user or User(0, message.chat.title or "", False)
            return Inbound(ChatMigrated(chat=chat_ref(message.chat), user=user_ref(user),
                                        new_id=str(message.migrate_to_chat_id)))
        sender = message.from_user
        if sender is None or (sender.is_bot and not self._anonymous(message)):
            return None
        text = message.text or ""
        command = self._command(message)
        if command is not None:
            name, args, addressed = command
            spec, _ = self.router.resolve(name, args)
            if spec is None and not (addressed or self._ours(message, name)):
                return None
            admin = await self._admin(message)
            return Inbound(CommandInvoked(
                chat=chat_ref(message.chat), user=user_ref(sender),
                locale_hint=sender.language_code, platform_admin=admin,
                command=name, args=args, message_id=str(message.message_id),
                reply_to=quoted(message), attachment=await attachment_of(message)))
        if not text:
            return None
        return Inbound(MessagePosted(
            chat=chat_ref(message.chat), user=user_ref(sender),
            locale_hint=sender.language_code,
            platform_admin=await self._admin(message), text=text,
            message_id=str(message.message_id)))

    def _command(self, message: Message) -> tuple[str, str, bool] | None:
        # A command is a text starting with one, or a file's caption starting with one.
        text = message.text or message.caption
        entities = message.entities if message.text else message.caption_entities
        if not text or not any(e.type == MessageEntityType.BOT_COMMAND and e.offset == 0
                               for e in entities or ()):
            return None
        return parse_command(text, self.username)

    def _ours(self, message: Message, name: str) -> bool:
        # An unknown command in a group may belong to another bot: answer it only in
        # private, when addressed to us by name, or when it is one of our command groups.
        return message.chat.type == ChatType.PRIVATE or name in self.router.groups()

    @staticmethod
    def _anonymous(message: Message) -> bool:
        sender = message.sender_chat
        return sender is not None and sender.id == message.chat.id

    async def _admin(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE or message.from_user is None:
            return False
        if self._anonymous(message):
            return True
        return await self.admins.is_admin(message.chat.id, message.from_user.id)

    async def _button(self, update: Update) -> Inbound | None:
        query = update.callback_query
        assert query is not None
        message = query.message
        if message is None or not query.data or message.chat.type == ChatType.CHANNEL:
            return None  # inline-mode messages and games are not ours
        chat = message.chat
        admin = False
        if chat.type != ChatType.PRIVATE:
            admin = await self.admins.is_admin(chat.id, query.from_user.id)
        return Inbound(ButtonPressed(
            chat=chat_ref(chat), user=user_ref(query.from_user),
            locale_hint=query.from_user.language_code, platform_admin=admin,
            data=query.data, message_id=str(message.message_id)), query_id=query.id)

    def _membership(self, change: ChatMemberUpdated) -> Inbound | None:
        if self.bot_id is not None and change.new_chat_member.user.id != self.bot_id:
            return None
        if change.chat.type == ChatType.CHANNEL:
            return None
        old, new = change.old_chat_member, change.new_chat_member
        common: _Membership = {"chat": chat_ref(change.chat), "user": user_ref(change.from_user),
                               "locale_hint": change.from_user.language_code}
        was_in = old.status in _IN or _restricted_member(old)
        now_in = new.status in _IN or _restricted_member(new)
        if now_in and not was_in:
            if change.chat.type == ChatType.PRIVATE:
                return None  # unblocked: the next /start reactivates the chat
            return Inbound(BotAdded(**common))
        if was_in and not now_in and new.status in (*_OUT, ChatMemberStatus.RESTRICTED):
            self.admins.forget(change.chat.id)
            return Inbound(BotRemoved(**common))
        return None


def _restricted_member(member: ChatMember) -> bool:
    return isinstance(member, ChatMemberRestricted) and member.is_member
