"""The knowledge base as the core sees it: entries, their versions, and the store it needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class EntryStatus(StrEnum):
    """Where an entry stands: only published entries are found by everyone."""

    PENDING = "pending"
    PUBLISHED = "published"
    ARCHIVED = "archived"
    REJECTED = "rejected"


class EntryKind(StrEnum):
    """A plain entry, or an opportunity (grant, call, programme) with a deadline."""

    NOTE = "note"
    OPPORTUNITY = "opportunity"


class RevisionState(StrEnum):
    """A version in force (or once in force), waiting for a moderator, or turned down."""

    APPLIED = "applied"
    PROPOSED = "proposed"
    REJECTED = "rejected"


# The key of a credit whose person erased their data (/forgetme): the text stays.
FORMER_MEMBER = "former"


@dataclass(frozen=True, slots=True)
class Credit:
    """Who did something: the platform key (`telegram:123`) and the name shown then."""

    key: str
    name: str

    def shown(self) -> str:
        """The name to show; "former member" once the person erased their data."""
        if self.key == FORMER_MEMBER:
            from bot.i18n import _

            return _("former member")
        return self.name


@dataclass(slots=True)
class Entry:
    """One entry in its current (latest applied) version."""

    id: int
    uid: str
    community_id: int
    # Translations share a group: the id of the entry they translate.
    group_id: int
    title: str
    body: str
    tags: tuple[str, ...]
    language: str
    status: EntryStatus
    kind: EntryKind
    author: Credit
    submitted_by: Credit
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    deadline: datetime | None = None
    link: str | None = None
    helpful: int = 0
    reviewed_by: Credit | None = None
    reason: str | None = None

    def may_edit(self, person_key: str) -> bool:
        """True for the author and for whoever submitted the entry."""
        return person_key in (self.author.key, self.submitted_by.key)


@dataclass(frozen=True, slots=True)
class Revision:
    """One version of an entry's text, kept forever: who wrote it and when."""

    entry_id: int
    version: int
    title: str
    body: str
    tags: tuple[str, ...]
    language: str
    state: RevisionState
    editor: Credit
    at: datetime
    # The version this one was written against (proposals apply only on top of it).
    base_version: int = 0
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A new entry before it is stored."""

    community_id: int
    title: str
    body: str
    tags: tuple[str, ...]
    language: str
    author: Credit
    submitted_by: Credit
    status: EntryStatus
    kind: EntryKind = EntryKind.NOTE
    deadline: datetime | None = None
    link: str | None = None
    # The group of the entry this one translates, if any.
    group_id: int | None = None


@dataclass(frozen=True, slots=True)
class Changes:
    """An edit: None keeps a field as it is."""

    title: str | None = None
    body: str | None = None
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked entries for a query, with how many matched in all."""

    entries: list[Entry]
    # Translation groups, not rows: an entry and its translations count once.
    total: int
    # True when no entry had every word and entries with some of them are shown.
    broadened: bool = False
    # True when so many entries matched that only the newest ones were ranked.
    capped: bool = False


@dataclass(frozen=True, slots=True)
class Proposal:
    """Something waiting in the moderators' queue: a new entry, or an edit of one."""

    entry: Entry
    revision: Revision | None = None

    @property
    def version(self) -> int:
        """The version a moderator approves or rejects."""
        return self.revision.version if self.revision else self.entry.version


@dataclass(frozen=True, slots=True)
class Imported:
    """An entry read from an export, with every version and its translation group."""

    entry: Entry
    group_uid: str
    revisions: tuple[Revision, ...]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did."""

    created: list[Entry]
    skipped: int


