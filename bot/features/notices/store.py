"""What the notices feature needs from storage (implemented in `storage/repos/`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.events import Platform
from bot.features.notices.records import (
    Account,
    Copy,
    Notice,
    NoticeStatus,
    Organisation,
    Published,
    Subscription,
)
from bot.records import Chat, NewDelivery


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
