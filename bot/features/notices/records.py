"""Organisations, notices and subscriptions as the core sees them, and the store they live in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.events import Platform
from bot.i18n import pgettext
from bot.records import Chat, DeliveryStatus
from bot.sources import NOTICE_COPY, SourceRef


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
    def source(self) -> SourceRef:
        """The outbox source of its copies."""
        return NOTICE_COPY.of(self.id)

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


