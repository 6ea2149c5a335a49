"""What a handler sees: the event, the stored chat and person, the role and the services."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from bot.events import Event
from bot.i18n import SUPPORTED, supported_locale, use_locale
from bot.jobs import JobKind
from bot.permissions import Role
from bot.records import AuditEntry, Chat, NewDelivery, Person, ScheduledItem
from bot.richtext import RichText

if TYPE_CHECKING:
    from bot.actions import Action
    from bot.config import Settings
    from bot.digest import DigestSection
    from bot.feature import Arg
    from bot.ports import Clock, Store
    from bot.router import Router

R = TypeVar("R")


T = TypeVar("T")


class UserError(Exception):
    """A refusal or question for the user; the message is already translated.

    `body` is the same message as rich text, when it needs more than plain text (the
    seal named in a refusal can only be shown through the core's own `Seal` node).
    """

    def __init__(self, message: str, body: RichText | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.body = body


class SchedulerPort(Protocol):
    """Puts items on the persistent schedule and keeps the timer in step."""

    async def schedule(self, kind: JobKind[R], ref: R, due_at: datetime, *,
                       grace_seconds: int | None = None,
                       payload: dict[str, Any] | None = None) -> ScheduledItem:
        """Schedule (or reschedule) one item; the grace defaults to SCHEDULE_GRACE_SECONDS."""
        ...

    async def cancel(self, kind: JobKind[R], ref: R) -> int:
        """Cancel pending items of a kind and ref."""
        ...

    async def cancel_all(self, kind: JobKind[Any], head: int) -> int:
        """Cancel the pending items of a kind whose ref starts with `head` (every reminder
        of one meeting, say)."""
        ...

    async def pending_refs(self, kind: JobKind[R]) -> set[R]:
        """The refs of a kind's pending items (any malformed one left out)."""
        ...


class OutboxPort(Protocol):
    """Queues messages durably and wakes the delivery worker."""

    async def enqueue(self, deliveries: Sequence[NewDelivery]) -> list[int]:
        """Queue messages for delivery."""
        ...

    def wake(self) -> None:
        """Tell the delivery worker that something was queued by other means (a repository
        transaction that queued messages itself)."""
        ...


@dataclass(slots=True)
class Services:
    """The core's collaborators, injected once."""

    settings: Settings
    store: Store
    clock: Clock
    scheduler: SchedulerPort
    outbox: OutboxPort
    # Every feature's digest section, in order (filled in once the features are collected).
    digest_sections: list[DigestSection] = field(default_factory=list)

    def chat_locale(self, chat: Chat) -> str:
        """The language everyone in `chat` reads."""
        return chat.language or self.settings.default_language

    def chat_zone(self, chat: Chat) -> str:
        """The time zone of `chat`."""
        return chat.timezone or self.settings.default_timezone

    def person_locale(self, person: Person, hint: str | None = None,
                      chat: Chat | None = None) -> str:
        """The language of what only `person` sees: their own choice, else a language of ours
        their platform reports for them, else the language of the chat they are in, else the
        deployment's default."""
        return (person.language or supported_locale(hint)
                or (chat.language if chat is not None else None)
                or self.settings.default_language)

    def person_zone(self, person: Person, chat: Chat | None = None) -> str:
        """The time zone of `person` (their chat's, if they never set one)."""
        if person.timezone:
            return person.timezone
        return self.chat_zone(chat) if chat else self.settings.default_timezone


@dataclass(slots=True)
class Context:
    """One handled event."""

    services: Services
    event: Event
    chat: Chat
    person: Person
    role: Role
    locale: str
    args: str = ""
    values: dict[str, str] = field(default_factory=dict)
    # Arguments declared with a kind, converted by the router (see bot/convert.py).
    typed: dict[str, Any] = field(default_factory=dict)
    router: Router | None = None
    # The button's action, for a button press.
    action: Action | None = None

    @property
    def store(self) -> Store:
        """The store."""
        return self.services.store

    @property
    def settings(self) -> Settings:
        """The settings."""
        return self.services.settings

    def now(self) -> datetime:
        """The current time, from the injected clock."""
        return self.services.clock.now()

    @property
    def is_private(self) -> bool:
        """True in a private chat with the bot."""
        return self.chat.is_private

    @property
    def event_message_id(self) -> str | None:
        """The platform id of the message that carried the command or button."""
        return getattr(self.event, "message_id", None)

    @property
    def chat_locale(self) -> str:
        """What everyone in the chat reads (the person's language in private)."""
        if self.chat.is_private:
            return self.person_locale
        return self.services.chat_locale(self.chat)

    @property
    def person_locale(self) -> str:
        """What only this person reads."""
        return self.services.person_locale(self.person, self.event.locale_hint, self.chat)

    @property
    def zone(self) -> str:
        """The time zone to show times in here."""
        if self.chat.is_private:
            return self.services.person_zone(self.person)
        return self.services.chat_zone(self.chat)

    @contextmanager
    def for_chat(self) -> Iterator[None]:
        """Render in the chat's language."""
        with use_locale(self.chat_locale):
            yield

    @contextmanager
    def for_person(self) -> Iterator[None]:
        """Render in the person's language."""
        with use_locale(self.person_locale):
            yield

    async def audit(self, action: str, *, allowed: bool = True, **detail: Any) -> None:
        """Write what this person did here (or tried to) to the audit log."""
        await self.store.audit.record(AuditEntry(
            at=self.now(), action=action, actor_person_id=self.person.id, chat_id=self.chat.id,
            community_id=self.chat.community_id, allowed=allowed, detail=detail))

    def arg(self, name: str, default: str = "") -> str:
        """A parsed argument by name."""
        return self.values.get(name, default)

    def value(self, arg: Arg[T]) -> T | None:
        """The converted value of an argument declared with a kind; None when not given."""
        return self.typed.get(arg.name)  # type: ignore[no-any-return]

    def need(self, arg: Arg[T]) -> T:
        """The converted value of a required argument (the router refused its absence)."""
        if arg.name not in self.typed:
            raise KeyError(f"argument {arg.name!r} was not converted")
        return self.typed[arg.name]  # type: ignore[no-any-return]


@dataclass(slots=True)
class JobContext:
    """What a scheduled job sees."""

    services: Services
    # How late the job runs (it was due while the bot was down, for example).
    late_by: timedelta = timedelta(0)

    @property
    def store(self) -> Store:
        """The store."""
        return self.services.store

    def now(self) -> datetime:
        """The current time."""
        return self.services.clock.now()


def known_locale(value: str) -> str | None:
    """`value` as one of our languages, or None."""
    value = value.strip().lower()
    return value if value in SUPPORTED else supported_locale(value)
