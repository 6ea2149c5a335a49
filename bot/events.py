"""What adapters hand to the core: platform-free, frozen facts about one event."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Platform(StrEnum):
    """The chat platforms the bot speaks on."""

    CONSOLE = "console"
    TELEGRAM = "telegram"
    DISCORD = "discord"


class ChatKind(StrEnum):
    """Private chat with the bot, or a shared chat (group, channel)."""

    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A chat as its platform names it."""

    platform: Platform
    id: str
    kind: ChatKind = ChatKind.GROUP
    title: str | None = None
    # Discord: the guild a channel belongs to (its server); None elsewhere.
    space_id: str | None = None

    @property
    def key(self) -> str:
        """`platform:id`, unique across platforms."""
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person's platform account as the event shows it."""

    platform: Platform
    id: str
    display_name: str
    username: str | None = None

    @property
    def key(self) -> str:
        """`platform:id`, the form OPERATOR_IDS uses."""
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class QuotedMessage:
    """The message a command replied to (for "save this message")."""

    message_id: str
    text: str
    author: UserRef | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a command: sent with it, or in the message it replied to."""

    filename: str
    data: bytes
    mime: str = "application/octet-stream"


class PlatformRight(StrEnum):
    """A right the platform gives a person in a chat, besides administering it."""

    # Discord's Manage Events: moderates meetings and sessions (see bot/permissions.py).
    MANAGE_EVENTS = "manage_events"


@dataclass(frozen=True, slots=True)
class Event:
    """Common to every inbound event."""

    chat: ChatRef
    user: UserRef
    # The platform's own language hint for the user (Telegram language_code,
    # Discord interaction locale), and for the chat (Discord guild locale).
    locale_hint: str | None = None
    chat_locale_hint: str | None = None
    # True when the platform says this user administers this chat
    # (Telegram creator/administrator, Discord Manage Server).
    platform_admin: bool = False
    # Narrower rights the platform gives the user here (rules say which of them count).
    platform_rights: frozenset[PlatformRight] = frozenset()
    # Discord lets the bot answer only the caller (ephemeral replies).
    can_answer_privately: bool = False
    # The platform can show a form natively here (a Discord modal in answer to an
    # interaction); elsewhere the core asks the fields one message at a time.
    can_show_forms: bool = False


@dataclass(frozen=True, slots=True)
class CommandInvoked(Event):
    """A person ran a command (`/name args`)."""

    command: str = ""
    args: str = ""
    message_id: str | None = None
    reply_to: QuotedMessage | None = None
    # Structured options when the platform parsed them (Discord slash commands).
    options: dict[str, str] = field(default_factory=dict)
    # A file sent with the command (Telegram caption, Discord attachment option), or
    # the file of the message it replied to; adapters cap its size (e.g. /kb import).
    attachment: Attachment | None = None


@dataclass(frozen=True, slots=True)
class ButtonPressed(Event):
    """A person pressed a button the bot drew; `data` is the packed action."""

    data: str = ""
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class MessagePosted(Event):
    """A plain message the bot was allowed to see (e.g. `#tag` lookups)."""

    text: str = ""
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class FormSubmitted(Event):
    """A person filled in a form the platform showed natively (`form_id` is `Form.id`)."""

    form_id: str = ""
    values: dict[str, str] = field(default_factory=dict)
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class BotAdded(Event):
    """The bot was added to a shared chat; `user` is who added it."""


@dataclass(frozen=True, slots=True)
class BotRemoved(Event):
    """The bot was removed from a chat (kicked, or the chat is gone)."""


@dataclass(frozen=True, slots=True)
class ChatMigrated(Event):
    """The platform moved a chat to a new id (Telegram group → supergroup)."""

    new_id: str = ""
