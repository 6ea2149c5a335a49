"""The few interfaces the core needs: sending, time, storage, scheduling."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.events import ChatRef, Platform, UserRef
from bot.permissions import Role
from bot.records import (
    AuditEntry,
    Chat,
    Community,
    Delivery,
    NewDelivery,
    Person,
    ScheduledItem,
)
from bot.replies import Reply, SentMessage
from bot.sources import SourceRef

if TYPE_CHECKING:
    from bot.features.knowledge.store import KnowledgeStore
    from bot.features.meetings.store import MeetingStore, MinutesStore
    from bot.features.notices.store import NoticeStore
    from bot.features.polls.store import PollStore
    from bot.forms import FormStore


class Clock(Protocol):
    """The current time (UTC, aware)."""

    def now(self) -> datetime:
        """Now."""
        ...


class DeliveryError(Exception):
    """A platform refused or failed a send; adapters raise it, the outbox decides."""

    def __init__(
        self,
        reason: str,
        *,
        transient: bool = False,
        retry_after: float | None = None,
        chat_gone: bool = False,
        new_chat_id: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.retry_after = retry_after
        self.chat_gone = chat_gone
        self.new_chat_id = new_chat_id


class Messenger(Protocol):
    """Sends replies to one platform; raises DeliveryError on failure."""

    platform: Platform

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        """Post `reply` in `chat`; `key` makes the send idempotent where the platform can."""
        ...

    async def edit(self, chat: ChatRef, message_ids: Sequence[str], reply: Reply) -> None:
        """Replace a message the bot sent earlier."""
        ...

    async def delete(self, chat: ChatRef, message_ids: Sequence[str]) -> None:
        """Delete messages the bot sent earlier."""
        ...

    async def unpin(self, chat: ChatRef, message_id: str) -> None:
        """Unpin a message the bot pinned."""
        ...


class AdminRights(Protocol):
    """Asks a platform, now, whether a person administers a chat.

    The router calls it before refusing what those rights would allow, so that a person
    promoted a moment ago is not refused on stale information."""

    async def is_admin_now(self, chat: ChatRef, user: UserRef) -> bool:
        """True when the platform says, now, that `user` administers `chat`."""
        ...


class Membership(Protocol):
    """Asks a platform whether a person is a member of a shared chat.

    Public Telegram supergroups show their messages, and let anyone press their buttons,
    without joining; a rule that counts only members asks here (bot/permissions.py)."""

    async def is_member(self, chat: ChatRef, user: UserRef) -> bool | None:
        """True or False as the platform says; None when it cannot tell."""
        ...


class ChatStore(Protocol):
    """Chats and their settings."""

    async def ensure(self, ref: ChatRef, language: str | None) -> Chat:
        """The stored chat for `ref`, created (in a community of its own) if new."""
        ...

    async def get(self, chat_id: int) -> Chat | None:
        """A chat by id."""
        ...

    async def get_many(self, chat_ids: Sequence[int]) -> dict[int, Chat]:
        """Chats by id (missing ones left out), in one query."""
        ...

    async def find(self, platform: Platform, platform_id: str) -> Chat | None:
        """A chat by its platform id."""
        ...

    async def update(self, chat: Chat) -> None:
        """Save language, time zone, title, activity and settings."""
        ...

    async def in_community(self, community_id: int, *, active_only: bool = True) -> list[Chat]:
        """The chats of a community."""
        ...

    async def migrate(self, platform: Platform, old_id: str, new_id: str) -> Chat | None:
        """Move a chat to a new platform id, keeping everything attached to it."""
        ...

    async def active_groups(self) -> list[Chat]:
        """Every active shared (non-private) chat."""
        ...

    async def of_person(self, person_id: int) -> list[Chat]:
        """The active shared chats a person has been seen in."""
        ...

    async def in_space(self, platform: Platform, space_id: str) -> list[Chat]:
        """The active chats of one space (a Discord server's channels), oldest first."""
        ...

    async def set_active(self, chat_id: int, active: bool) -> None:
        """Mark a chat active or inactive (nothing is sent to inactive chats)."""
        ...


class EventStore(Protocol):
    """Everything an inbound event needs, loaded in one go."""

    async def load(self, chat: ChatRef, user: UserRef, chat_language: str | None, *,
                   reactivate: bool) -> tuple[Chat, Person, Role | None]:
        """The stored chat and person (created if new; the person marked as seen in a shared
        chat; an inactive chat reactivated when asked) and the person's granted role in the
        chat's community."""
        ...


class PersonStore(Protocol):
    """People and their preferences."""

    async def ensure(self, ref: UserRef, language: str | None) -> Person:
        """The stored person for `ref`, created if new; the display name is refreshed."""
        ...

    async def get(self, person_id: int) -> Person | None:
        """A person by id."""
        ...

    async def find(self, platform: Platform, platform_id: str) -> Person | None:
        """A person by platform id."""
        ...

    async def find_by_name(self, community_id: int, name: str) -> list[Person]:
        """People seen in a community whose username or display name is `name`."""
        ...

    async def update(self, person: Person) -> None:
        """Save language and time zone."""
        ...

    async def seen_in(self, person_id: int, chat_id: int) -> None:
        """Remember that the person spoke in a chat."""
        ...

    async def forget(self, person_id: int) -> None:
        """Erase the person: their row, memberships, grants and private chat; audit rows
        keep the action without the identity."""
        ...


class CommunityStore(Protocol):
    """Communities, link codes and granted roles."""

    async def get(self, community_id: int) -> Community | None:
        """A community by id."""
        ...

    async def create_link_code(self, community_id: int, code: str, expires_at: datetime) -> None:
        """Store a one-time code that lets another chat join the community."""
        ...

    async def redeem_link_code(self, code: str, now: datetime) -> int | None:
        """The community of a valid code, consuming it; None if unknown or expired."""
        ...

    async def merge(self, source_id: int, target_id: int) -> dict[int, int]:
        """Move every chat and everything owned by `source_id` into `target_id`; return the
        action items of `source_id` that took new numbers (old -> new) because the target
        already used theirs."""
        ...

    async def detach(self, chat_id: int) -> int:
        """Move one chat to a new community of its own; return the new community id."""
        ...

    async def granted_role(self, community_id: int, person_id: int) -> Role | None:
        """A role granted in a community, if any."""
        ...

    async def grant(self, community_id: int, person_id: int, role: Role | None,
                    by_person_id: int | None) -> None:
        """Grant a role (None revokes it)."""
        ...

    async def moderators(self, community_id: int) -> list[Person]:
        """People granted the moderator role in a community."""
        ...


class AuditStore(Protocol):
    """The audit log."""

    async def record(self, entry: AuditEntry) -> None:
        """Append one entry."""
        ...

    async def recent(self, community_id: int | None, limit: int = 20) -> list[AuditEntry]:
        """The latest entries of a community (or all)."""
        ...

    async def of_person(self, person_id: int) -> list[AuditEntry]:
        """Every entry a person is the actor of."""
        ...

    async def purge_before(self, moment: datetime) -> int:
        """Delete entries older than `moment`; return how many."""
        ...


class ScheduleStore(Protocol):
    """The persistent schedule."""

    async def add(self, kind: str, ref: str, due_at: datetime, *, grace_seconds: int = 3600,
                  payload: dict[str, Any] | None = None) -> ScheduledItem:
        """Schedule an item; an existing pending item of the same kind and ref is replaced."""
        ...

    async def cancel(self, kind: str, ref: str) -> int:
        """Cancel pending items of a kind and ref; return how many."""
        ...

    async def cancel_prefix(self, kind: str, ref_prefix: str) -> int:
        """Cancel pending items whose ref starts with `ref_prefix`."""
        ...

    async def get(self, item_id: int) -> ScheduledItem | None:
        """An item by id."""
        ...

    async def pending(self, until: datetime | None = None,
                      limit: int | None = None) -> list[ScheduledItem]:
        """Pending items due before `until` (all when None), earliest first; at most `limit`."""
        ...

    async def pending_refs(self, kind: str) -> set[str]:
        """The refs of pending items of one kind."""
        ...

    async def claim(self, item_ids: Sequence[int], now: datetime,
                    owner: str | None = None) -> list[ScheduledItem]:
        """Atomically move pending items to running; return those this caller won."""
        ...

    async def claim_due(self, now: datetime, limit: int,
                        owner: str | None = None) -> list[ScheduledItem]:
        """Claim the earliest due pending items (safe across processes)."""
        ...

    async def complete(self, item_id: int, deliveries: Sequence[NewDelivery], now: datetime,
                       *, note: str | None = None, owner: str | None = None) -> list[int] | None:
        """Mark an item done and queue its messages, in one transaction; with `owner`, only
        while the claim is still its own (None when another process took the item over)."""
        ...

    async def skip(self, item_id: int, reason: str, now: datetime) -> None:
        """Mark an item skipped with a reason."""
        ...

    async def fail(self, item_id: int, reason: str, now: datetime) -> None:
        """Mark an item failed with a reason."""
        ...

    async def recover_running(self, older_than: datetime, *,
                              owners: Sequence[str] = ()) -> int:
        """Return items stuck in running (claimed before `older_than`, or by one of
        `owners`, processes known to be gone) to pending."""
        ...

    async def claimants(self) -> list[str]:
        """The processes holding running items."""
        ...


class WorkerStore(Protocol):
    """Heartbeats of the running processes (they share each platform's send budget)."""

    async def beat(self, owner: str, now: datetime, *, alive_since: datetime) -> int:
        """Record that `owner` runs; return how many processes were seen since `alive_since`."""
        ...

    async def alive(self, since: datetime) -> set[str]:
        """The processes seen since `since`."""
        ...

    async def leave(self, owner: str) -> None:
        """Forget `owner` (it is stopping)."""
        ...


class OutboxStore(Protocol):
    """Durable delivery: queued messages and their outcome."""

    async def enqueue(self, deliveries: Sequence[NewDelivery]) -> list[int]:
        """Queue messages; a key already queued is not queued again."""
        ...

    async def claim(self, now: datetime, limit: int, owner: str,
                    platforms: Sequence[str] | None = None) -> list[Delivery]:
        """Claim due pending deliveries (safe across processes), to chats on `platforms`."""
        ...

    async def mark_sent(self, delivery_id: int, message_ids: Sequence[str], now: datetime) -> None:
        """Record a delivery as sent with the platform's message ids."""
        ...

    async def mark_retry(self, delivery_id: int, error: str, not_before: datetime) -> None:
        """Return a delivery to pending after a transient failure."""
        ...

    async def mark_failed(self, delivery_id: int, error: str) -> None:
        """Give up on a delivery."""
        ...

    async def recover_stale(self, older_than: datetime, *,
                            exclude_owner: str | None = None) -> list[Delivery]:
        """Deliveries claimed before `older_than` and never recorded (their sender died)."""
        ...

    async def confirm_claim(self, delivery_id: int, owner: str, now: datetime) -> bool:
        """Renew a claim just before sending; False when it is no longer this owner's."""
        ...

    async def release(self, delivery_ids: Sequence[int]) -> int:
        """Return claimed deliveries that were never attempted to the queue."""
        ...

    async def claimants(self) -> list[str]:
        """The owners holding claims (deliveries being sent)."""
        ...

    async def recover_owner(self, owner: str, *, keep: Sequence[int] = ()) -> list[Delivery]:
        """Return the claims of an owner that no longer works on them (all but `keep`)."""
        ...

    async def get(self, delivery_id: int) -> Delivery | None:
        """A delivery by id."""
        ...

    async def by_source(self, source: SourceRef) -> list[Delivery]:
        """Every delivery produced by one source (for reports, edits and retractions)."""
        ...

    async def peek_due(self, now: datetime) -> int:
        """How many deliveries are due now or being sent."""
        ...

    async def cancel_pending(self, source: SourceRef) -> int:
        """Cancel deliveries of a source not yet claimed."""
        ...

    async def depth(self) -> int:
        """How many deliveries wait to be sent."""
        ...


class InboundStore(Protocol):
    """Claims on inbound platform updates (several processes behind one webhook)."""

    async def claim(self, platform: str, key: str, owner: str | None = None, *,
                    gone: Callable[[str], bool] | None = None,
                    alive_for: timedelta | None = None) -> str:
        """"mine" if this process should handle the update, "done" if it was handled,
        "busy" if another (live) process is handling it."""
        ...

    async def done(self, platform: str, key: str) -> None:
        """The update was handled."""
        ...

    async def purge_before(self, moment: datetime) -> int:
        """Forget old claims."""
        ...


class Store(Protocol):
    """Everything the core keeps."""

    chats: ChatStore
    people: PersonStore
    events: EventStore
    communities: CommunityStore
    audit: AuditStore
    schedule: ScheduleStore
    outbox: OutboxStore
    workers: WorkerStore
    inbound: InboundStore
    knowledge: KnowledgeStore
    forms: FormStore
    notices: NoticeStore
    polls: PollStore
    meetings: MeetingStore
    minutes: MinutesStore
