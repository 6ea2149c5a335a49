"""The core's view of stored things: plain dataclasses, no ORM."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.events import ChatKind, ChatRef, Platform

if TYPE_CHECKING:
    from bot.sources import SourceRef


@dataclass(slots=True)
class Chat:
    """A chat the bot is in, with its settings."""

    id: int
    platform: Platform
    platform_id: str
    kind: ChatKind
    community_id: int
    title: str | None = None
    language: str | None = None
    timezone: str | None = None
    active: bool = True
    space_id: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> ChatRef:
        """The platform reference of this chat."""
        return ChatRef(self.platform, self.platform_id, self.kind, self.title, self.space_id)

    @property
    def is_private(self) -> bool:
        """True for a person's private chat with the bot."""
        return self.kind == ChatKind.PRIVATE


@dataclass(slots=True)
class Person:
    """A platform account, with its own language and time zone."""

    id: int
    platform: Platform
    platform_id: str
    display_name: str
    username: str | None = None
    language: str | None = None
    timezone: str | None = None

    @property
    def key(self) -> str:
        """`platform:id`."""
        return f"{self.platform}:{self.platform_id}"


@dataclass(slots=True)
class Community:
    """Chats that belong together, on any platforms."""

    id: int
    name: str | None = None


class ScheduleStatus(StrEnum):
    """Where a scheduled item stands."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    FAILED = "failed"


# A grace long enough that an item is never skipped as stale: housekeeping sweeps, which
# should still run when the bot comes back after any downtime.
NEVER_STALE = int(timedelta(days=3650).total_seconds())


@dataclass(slots=True)
class ScheduledItem:
    """Something that must happen at a time: the database is the source of truth."""

    id: int
    kind: str
    ref: str
    due_at: datetime
    status: ScheduleStatus = ScheduleStatus.PENDING
    # How late it may still run after being missed (e.g. while the bot was down).
    grace_seconds: int = 3600
    payload: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    ran_at: datetime | None = None


class DeliveryStatus(StrEnum):
    """Where one outbox message stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DeliveryOp(StrEnum):
    """What a delivery does to the chat."""

    SEND = "send"
    EDIT = "edit"
    DELETE = "delete"
    UNPIN = "unpin"


@dataclass(slots=True)
class Delivery:
    """One message to one chat, queued durably in the outbox."""

    id: int
    chat_id: int
    op: DeliveryOp
    payload: dict[str, Any]
    key: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    not_before: datetime | None = None
    message_ids: tuple[str, ...] = ()
    error: str | None = None
    # What it is a copy of, as stored: the text of a SourceRef ("notice:12").
    source: str | None = None
    # The delivery whose message this one edits or deletes.
    target_delivery_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """A message to queue: to `chat_id`, idempotent by `key`."""

    chat_id: int
    payload: dict[str, Any]
    key: str
    op: DeliveryOp = DeliveryOp.SEND
    # What it is a copy of (declared in bot/sources.py), so edits reach every copy.
    source: SourceRef | None = None
    not_before: datetime | None = None
    target_delivery_id: int | None = None
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One privileged action, allowed or refused."""

    at: datetime
    action: str
    actor_person_id: int | None
    chat_id: int | None
    community_id: int | None
    allowed: bool
    detail: dict[str, Any] = field(default_factory=dict)
