"""What the polls feature needs from storage (implemented in `storage/repos/`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.features.polls.records import NewPoll, Poll, Tally, VoteResult
from bot.records import Person


class PollStore(Protocol):
    """Polls and their ballots."""

    async def create(self, new: NewPoll) -> Poll:
        """Store a new open poll."""
        ...

    async def get(self, poll_id: int) -> Poll | None:
        """A poll by id (deleted ones included)."""
        ...

    async def open_in(self, community_ids: Sequence[int]) -> list[Poll]:
        """Open polls of these communities, newest first."""
        ...

    async def closed_between(self, community_id: int, since: datetime,
                             until: datetime) -> list[Poll]:
        """Polls of a community closed in a period."""
        ...

    async def ballots_of(self, person_id: int) -> list[tuple[Poll, int]]:
        """A person's ballots in public polls, with the chosen options as a bitmask."""
        ...

    async def count_open(self, community_id: int) -> int:
        """How many polls of a community are open."""
        ...

    async def person_communities(self, person_id: int) -> list[int]:
        """The communities of the active shared chats where the person has spoken."""
        ...

    async def vote(self, poll_id: int, voter: str, person_id: int | None, option: int,
                   now: datetime, *, refresh_stale_after: float = 60.0) -> VoteResult:
        """Toggle one option on the voter's ballot, atomically; refuse closed or missing polls."""
        ...

    async def choices(self, poll_id: int, voter: str) -> int:
        """The voter's current choices (a bitmask; 0 for none)."""
        ...

    async def tally(self, poll_id: int) -> Tally:
        """The merged counts of a poll."""
        ...

    async def voters(self, poll_id: int) -> list[tuple[int, Person]]:
        """Each named voter with their choices (non-anonymous polls hold names; others none)."""
        ...

    async def close(self, poll_id: int, now: datetime) -> bool:
        """Close an open poll; False when it was not open (so only one caller closes it)."""
        ...

    async def delete(self, poll_id: int, now: datetime) -> bool:
        """Mark a poll deleted and erase its ballots; False when it was already deleted."""
        ...

    async def refreshed(self, poll_id: int) -> None:
        """Clear the poll's "copies need a refresh" mark (a refresh is running now)."""
        ...
