"""Organisations, notices and subscriptions as the core sees them, and the store they live in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.events import Platform
from bot.i18n import pgettext
from bot.records import Chat, DeliveryStatus, NewDelivery


class Category(StrEnum):
    """What a notice is about (chats may subscribe to some categories only)."""

    DOCUMENTS = "documents"
    ELECTIONS = "elections"
    EMERGENCIES = "emergencies"
    EVENTS = "events"
    SERVICES = "services"
    OTHER = "other"


def category_name(category: Category | str) -> str:
    """The category's name in the current language."""
    names = {
        Category.DOCUMENTS: pgettext("category", "Documents and passports"),
        Category.ELECTIONS: pgettext("category", "Elections"),
        Category.EMERGENCIES: pgettext("category", "Emergencies"),
        Category.EVENTS: pgettext("category", "Events"),
        Category.SERVICES: pgettext("category", "Services"),
        Category.OTHER: pgettext("category", "Other"),
    }
    return names[Category(category)]


class NoticeStatus(StrEnum):
    """Where a notice stands."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    RETRACTED = "retracted"
    CANCELLED = "cancelled"


EDITABLE = (NoticeStatus.DRAFT, NoticeStatus.SCHEDULED)


@dataclass(slots=True)
class Organisation:
    """A verified broadcaster: a consulate, an embassy, another official body."""

    id: int
    short_name: str
    name: str
    country: str
    language: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class Account:
    """A platform account attached to an organisation (it may publish for it)."""

    org_id: int
    platform: Platform
    platform_id: str

    @property
    def key(self) -> str:
        """`platform:id`."""
        return f"{self.platform}:{self.platform_id}"


@dataclass(frozen=True, slots=True)
class NoticeText:
    """One language's version of a notice, exactly as the broadcaster wrote it."""

    title: str
    body: str


@dataclass(slots=True)
class Notice:
    """An official notice, from draft to published (and corrected or retracted)."""

    id: int
    org_id: int
    author_person_id: int | None
    # Where the broadcaster composed it: the delivery report goes there.
    author_chat_id: int | None
    main_language: str
    status: NoticeStatus = NoticeStatus.DRAFT
    category: Category = Category.OTHER
    texts: dict[str, NoticeText] = field(default_factory=dict)
    urgent: bool = False
    seen_button: bool = False
    publish_at: datetime | None = None
    expires_at: datetime | None = None
    # 0 when published; every correction (and the retraction) adds one.
    revision: int = 0
    created_at: datetime | None = None
    published_at: datetime | None = None
    corrected_at: datetime | None = None
    retracted_at: datetime | None = None
    retract_reason: str | None = None
    expired_at: datetime | None = None
    report_delivery_id: int | None = None
    report_digest: str | None = None

    @property
    def source(self) -> str:
        """The outbox source of its copies."""
        return f"notice:{self.id}"

    @property
    def main_text(self) -> NoticeText | None:
        """The text in the main language, if written."""
        return self.texts.get(self.main_language)

    @property
    def languages(self) -> list[str]:
        """Its languages, the main one first."""
        others = sorted(lang for lang in self.texts if lang != self.main_language)
        return ([self.main_language] if self.main_language in self.texts else []) + others


@dataclass(frozen=True, slots=True)
class Subscription:
    """A chat following an organisation, for some categories (none: all)."""

    chat_id: int
    org_id: int
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Copy:
    """One chat's copy of a notice, as the delivery report and corrections see it."""

    delivery_id: int
    chat: Chat
    status: DeliveryStatus
    error: str | None
    # The revision the copy shows or will show once its queued edit lands.
    revision: int
    # Where the latest queued edit of this copy stands (None: never edited).
    edit_status: DeliveryStatus | None = None


@dataclass(frozen=True, slots=True)
class Published:
    """What publishing queued: the number of chats and the report message."""

    chats: int
    report_delivery_id: int | None


class NoticeStore(Protocol):
    """Organisations, accounts, subscriptions and notices."""

    async def add_org(self, short_name: str, name: str, country: str,
                      language: str) -> Organisation | None:
        """Register an organisation; None when the short name is taken."""
        ...

    async def find_org(self, short_name: str) -> Organisation | None:
        """An active organisation by short name (any case)."""
        ...

    async def get_org(self, org_id: int) -> Organisation | None:
        """An organisation by id (removed ones too)."""
        ...

    async def orgs(self) -> list[Organisation]:
        """Every active organisation, by short name."""
        ...

    async def remove_org(self, org_id: int) -> None:
        """Deactivate an organisation, detach its accounts and end its subscriptions."""
        ...

    async def attach(self, org_id: int, platform: Platform, platform_id: str) -> bool:
        """Attach an account; False if it already was."""
        ...

    async def detach(self, org_id: int, platform: Platform, platform_id: str) -> bool:
        """Detach an account; False if it was not attached."""
        ...

    async def accounts(self, org_id: int) -> list[Account]:
        """The accounts attached to an organisation."""
        ...

    async def orgs_of(self, platform: Platform, platform_id: str) -> list[Organisation]:
        """The active organisations an account may publish for."""
        ...

    async def subscribe(self, chat_id: int, org_id: int, categories: Sequence[str],
                        by_person_id: int | None) -> bool:
        """Subscribe a chat (or change its categories); True if it is new."""
        ...

    async def unsubscribe(self, chat_id: int, org_id: int) -> bool:
        """End a subscription; False if there was none."""
        ...

    async def subscriptions(self, chat_id: int) -> list[Subscription]:
        """A chat's subscriptions."""
        ...

    async def subscribers(self, org_id: int) -> list[tuple[Chat, tuple[str, ...]]]:
        """The active chats subscribed to an organisation, with their categories."""
        ...

    async def create(self, notice: Notice) -> Notice:
        """Store a new draft; returns it with its id."""
        ...

    async def get(self, notice_id: int) -> Notice | None:
        """A notice by id."""
        ...

    async def save(self, notice: Notice, *, expect: Sequence[NoticeStatus]) -> bool:
        """Save a notice's fields if its stored status is one of `expect`."""
        ...

    async def recent(self, org_ids: Sequence[int], limit: int = 10) -> list[Notice]:
        """The latest notices of some organisations, newest first."""
        ...

    async def publish(self, notice_id: int, deliveries: Sequence[NewDelivery],
                      report: NewDelivery | None, now: datetime) -> Published | None:
        """Mark a draft or scheduled notice published and queue its copies, in one transaction.

        None when it was no longer a draft or scheduled (published twice, cancelled).
        """
        ...

    async def revise(self, notice: Notice, expected_revision: int,
                     pending_payloads: dict[int, dict[str, Any]] | None) -> bool:
        """Save a correction or retraction and rewrite the copies not yet claimed (a payload
        per chat id; None cancels them all), in one transaction.

        False when someone else revised it first.
        """
        ...

    async def reached(self, community_id: int, since: datetime,
                      until: datetime) -> list[tuple[Notice, Organisation]]:
        """Published notices with a copy in a chat of the community, in a period."""
        ...

    async def copies(self, notice_id: int) -> list[Copy]:
        """Every chat's copy of a published notice."""
        ...

    async def set_report_digest(self, notice_id: int, digest: str) -> None:
        """Remember what the delivery report last showed."""
        ...

    async def mark_expired(self, notice_id: int, now: datetime) -> bool:
        """Mark a published notice expired and cancel its unsent copies; False if it was not
        published or already expired."""
        ...

    async def mark_seen(self, notice_id: int, token: str) -> bool:
        """Count one person (by an opaque token) as having seen a notice; False if counted."""
        ...

    async def seen_count(self, notice_id: int) -> int:
        """How many distinct people marked a notice as seen."""
        ...
