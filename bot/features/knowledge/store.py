"""What the knowledge feature needs from storage (implemented in `storage/repos/`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.features.knowledge.records import (
    Changes,
    Credit,
    Draft,
    Entry,
    EntryStatus,
    Imported,
    ImportReport,
    Proposal,
    Revision,
    SearchResult,
)


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
