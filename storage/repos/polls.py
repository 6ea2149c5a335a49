"""Polls and ballots. A vote locks its poll row, so votes, closing and counting never interleave."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from bot.events import ChatKind
from bot.features.polls.records import (
    NewPoll,
    Poll,
    PollStatus,
    Tally,
    VoteResult,
    VoteStatus,
    tally_from,
)
from bot.records import Person
from storage.models.core import ChatMemberRow, ChatRow, PersonRow
from storage.models.polls import BallotRow, PollRow
from storage.repos.base import Repo
from storage.repos.core import person_record


def poll_record(row: PollRow) -> Poll:
    """A poll row as the core's record."""
    return Poll(
        id=row.id, community_id=row.community_id, question=row.question,
        options=tuple(row.options), multiple=row.multiple, anonymous=row.anonymous,
        hide_results=row.hide_results, status=PollStatus(row.status),
        created_at=row.created_at, closes_at=row.closes_at, closed_at=row.closed_at,
        creator_id=row.creator_id, origin_chat_id=row.origin_chat_id, key_check=row.key_check,
    )


class SqlPolls(Repo):
    """Polls and their ballots."""

    async def create(self, new: NewPoll) -> Poll:
        """Store a new open poll."""
        async with self.sessions.begin() as s:
            row = PollRow(
                community_id=new.community_id, origin_chat_id=new.origin_chat_id,
                creator_id=new.creator_id, question=new.question, options=list(new.options),
                multiple=new.multiple, anonymous=new.anonymous, hide_results=new.hide_results,
                status=PollStatus.OPEN.value, closes_at=new.closes_at, key_check=new.key_check,
                created_at=self.now())
            s.add(row)
            await s.flush()
            return poll_record(row)

    async def get(self, poll_id: int) -> Poll | None:
        """A poll by id."""
        async with self.sessions() as s:
            row = await s.get(PollRow, poll_id)
            return poll_record(row) if row else None

    async def open_in(self, community_ids: Sequence[int]) -> list[Poll]:
        """Open polls of these communities, newest first."""
        if not community_ids:
            return []
        async with self.sessions() as s:
            rows = await s.scalars(select(PollRow).where(
                PollRow.community_id.in_(list(community_ids)),
                PollRow.status == PollStatus.OPEN.value).order_by(PollRow.id.desc()))
            return [poll_record(r) for r in rows]

    async def closed_between(self, community_id: int, since: datetime,
                             until: datetime) -> list[Poll]:
        """Polls of a community closed in a period, oldest first."""
        async with self.sessions() as s:
            rows = await s.scalars(select(PollRow).where(
                PollRow.community_id == community_id,
                PollRow.status == PollStatus.CLOSED.value,
                PollRow.closed_at >= since, PollRow.closed_at <= until)
                .order_by(PollRow.closed_at, PollRow.id))
            return [poll_record(r) for r in rows]

    async def ballots_of(self, person_id: int) -> list[tuple[Poll, int]]:
        """A person's ballots in public polls (anonymous ones hold no person), with choices."""
        async with self.sessions() as s:
            rows = await s.execute(select(PollRow, BallotRow.choices)
                                   .join(BallotRow, BallotRow.poll_id == PollRow.id)
                                   .where(BallotRow.person_id == person_id)
                                   .order_by(PollRow.id))
            return [(poll_record(p), int(c)) for p, c in rows]

    async def count_open(self, community_id: int) -> int:
        """How many polls of a community are open."""
        async with self.sessions() as s:
            count = await s.scalar(select(func.count()).select_from(PollRow).where(
                PollRow.community_id == community_id, PollRow.status == PollStatus.OPEN.value))
            return int(count or 0)

    async def person_communities(self, person_id: int) -> list[int]:
        """Communities of the active shared chats where the person has spoken."""
        async with self.sessions() as s:
            ids = await s.scalars(
                select(ChatRow.community_id).distinct()
                .join(ChatMemberRow, ChatMemberRow.chat_id == ChatRow.id)
                .where(ChatMemberRow.person_id == person_id,
                       ChatRow.kind == ChatKind.GROUP.value, ChatRow.active.is_(True)))
            return sorted(ids)

    async def vote(self, poll_id: int, voter: str, person_id: int | None, option: int,
                   now: datetime, *, refresh_stale_after: float = 60.0) -> VoteResult:
        """Toggle one option on the voter's ballot (single choice: replace or withdraw)."""
        async with self.sessions.begin() as s:
            # The row lock orders this vote against other votes and against closing.
            poll = await s.scalar(select(PollRow).where(PollRow.id == poll_id)
                                  .with_for_update())
            if poll is None:
                return VoteResult(VoteStatus.MISSING)
            if poll.status == PollStatus.DELETED.value:
                return VoteResult(VoteStatus.DELETED)
            if poll.status != PollStatus.OPEN.value or (
                    poll.closes_at is not None and now >= poll.closes_at):
                return VoteResult(VoteStatus.CLOSED)
            if not 0 <= option < len(poll.options):
                return VoteResult(VoteStatus.BAD_OPTION)
            bit = 1 << option
            ballot = await s.get(BallotRow, (poll_id, voter))
            before = ballot.choices if ballot else 0
            after = before ^ bit if poll.multiple else (0 if before == bit else bit)
            if ballot is None:
                s.add(BallotRow(poll_id=poll_id, voter=voter, person_id=person_id,
                                choices=after))
            elif after:
                ballot.choices = after
            else:
                await s.delete(ballot)
            requested = poll.refresh_requested_at
            stale = now - timedelta(seconds=refresh_stale_after)
            schedule = requested is None or requested < stale
            if schedule:
                poll.refresh_requested_at = now
            return VoteResult(VoteStatus.RECORDED, after, schedule)

    async def choices(self, poll_id: int, voter: str) -> int:
        """The voter's current choices."""
        async with self.sessions() as s:
            ballot = await s.get(BallotRow, (poll_id, voter))
            return ballot.choices if ballot else 0

    async def tally(self, poll_id: int) -> Tally:
        """Counts per option, merged over every ballot of the poll."""
        async with self.sessions() as s:
            size = len(await s.scalar(select(PollRow.options).where(PollRow.id == poll_id))
                       or [])
            groups = await s.execute(
                select(BallotRow.choices, func.count()).where(BallotRow.poll_id == poll_id)
                .group_by(BallotRow.choices))
            return tally_from([(int(m), int(c)) for m, c in groups], size)

    async def voters(self, poll_id: int) -> list[tuple[int, Person]]:
        """Named voters and their choices (anonymous ballots have no name to join)."""
        async with self.sessions() as s:
            rows = await s.execute(
                select(BallotRow.choices, PersonRow)
                .join(PersonRow, PersonRow.id == BallotRow.person_id)
                .where(BallotRow.poll_id == poll_id).order_by(PersonRow.id))
            return [(int(mask), person_record(person)) for mask, person in rows]

    async def close(self, poll_id: int, now: datetime) -> bool:
        """Close an open poll; only the first caller gets True."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(PollRow).where(
                PollRow.id == poll_id, PollRow.status == PollStatus.OPEN.value,
            ).values(status=PollStatus.CLOSED.value, closed_at=now, refresh_requested_at=None))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete(self, poll_id: int, now: datetime) -> bool:
        """Mark a poll deleted and erase its ballots (the id is never reused)."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(PollRow).where(
                PollRow.id == poll_id, PollRow.status != PollStatus.DELETED.value,
            ).values(status=PollStatus.DELETED.value, refresh_requested_at=None))
            await s.execute(delete(BallotRow).where(BallotRow.poll_id == poll_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def refreshed(self, poll_id: int) -> None:
        """Clear the refresh mark: votes from now on ask for a new refresh."""
        async with self.sessions.begin() as s:
            await s.execute(update(PollRow).where(PollRow.id == poll_id)
                            .values(refresh_requested_at=None))
