"""The knowledge base as the core sees it: entries, their versions, and the store it needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


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


class KnowledgeStore(Protocol):
    """Entries, versions, tags, votes and search."""

    async def create(self, draft: Draft) -> Entry:
        """Store a new entry with its first version and tags."""
        ...

    async def get(self, entry_id: int) -> Entry | None:
        """An entry by id."""
        ...

    async def group(self, group_id: int) -> list[Entry]:
        """Every entry of a translation group, oldest first."""
        ...

    async def revise(self, entry_id: int, changes: Changes, editor: Credit, *,
                     propose: bool) -> Revision | None:
        """A new version: applied at once, or proposed for review; None if nothing changed."""
        ...

    async def revisions(self, entry_id: int) -> list[Revision]:
        """Every version of an entry, oldest first."""
        ...

    async def set_status(self, entry_id: int, status: EntryStatus, *,
                         expected: Sequence[EntryStatus], by: Credit | None,
                         reason: str | None = None) -> Entry | None:
        """Move an entry to `status` if it is in one of `expected`; None if it was not."""
        ...

    async def settle_proposal(self, entry_id: int, version: int, *, approve: bool,
                              by: Credit, reason: str | None = None) -> Revision | None:
        """Apply or reject a proposed version; None if it is no longer proposed or is outdated."""
        ...

    async def queue(self, community_id: int, limit: int) -> tuple[list[Proposal], int]:
        """What waits for a moderator (oldest first), and how many in all."""
        ...

    async def search(self, community_ids: Sequence[int], terms: Sequence[str], *,
                     any_term: bool, limit: int) -> SearchResult:
        """Published entries matching every term (or any, with `any_term`), best first."""
        ...

    async def by_tag(self, community_ids: Sequence[int], tag_key: str,
                     limit: int) -> list[Entry]:
        """Published entries with a tag (its folded form), most helpful first."""
        ...

    async def tags(self, community_ids: Sequence[int], limit: int) -> list[tuple[str, int]]:
        """Tags of published entries with how many entries carry each, most used first."""
        ...

    async def vote(self, entry_id: int, person_id: int) -> tuple[bool, int]:
        """Count one helpful vote per person: (whether it was new, the count now)."""
        ...

    async def opportunities(self, community_ids: Sequence[int], after: datetime,
                            limit: int) -> list[Entry]:
        """Published opportunities with a deadline after `after`, soonest first."""
        ...

    async def set_deadline(self, group_id: int, deadline: datetime | None,
                           link: str | None) -> list[Entry]:
        """Set the deadline (and link, unless None) of every entry of a group."""
        ...

    async def archive_group(self, group_id: int, deadline: datetime) -> int:
        """Archive a group's open entries whose deadline is still `deadline`."""
        ...

    async def published_since(self, community_id: int, since: datetime) -> list[Entry]:
        """Entries published since a moment (for digests), newest first."""
        ...

    async def communities_of(self, person_id: int) -> list[int]:
        """The communities of the group chats a person has spoken in."""
        ...

    async def export(self, community_id: int) -> list[tuple[Entry, list[Revision]]]:
        """Every entry of a community with every version, oldest first."""
        ...

    async def import_entries(self, community_id: int,
                             items: Sequence[Imported]) -> ImportReport:
        """Add exported entries; one whose uid the community already has is skipped."""
        ...

    async def written_by(self, key: str) -> list[Entry]:
        """Entries a person wrote or saved (for /mydata)."""
        ...

    async def forget_person(self, key: str) -> None:
        """Replace a person's credits everywhere with "former member"; the text stays."""
        ...
