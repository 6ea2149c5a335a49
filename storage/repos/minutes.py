"""Live-minutes sessions and their marks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.meetings.records import Mark, MarkKind, NewMark, Session
from storage.models.core import CommunityRow
from storage.models.meetings import MarkRow, SessionRow
from storage.repos.base import Repo


def session_record(row: SessionRow) -> Session:
    """A session row as the feature's record."""
    return Session(
        id=row.id, community_id=row.community_id, title=row.title, started_at=row.started_at,
        chat_id=row.chat_id, meeting_id=row.meeting_id, occ=row.occ, started_by=row.started_by,
        chairs=tuple(int(c) for c in row.chairs or ()), ended_at=row.ended_at,
    )


def mark_record(row: MarkRow) -> Mark:
    """A mark row as the feature's record."""
    return Mark(
        id=row.id, session_id=row.session_id, kind=MarkKind(row.kind), text=row.text,
        at=row.at, person_id=row.person_id, person_name=row.person_name,
        owner_person_id=row.owner_person_id, owner_name=row.owner_name, due_at=row.due_at,
        done_at=row.done_at, undone=row.undone, number=row.number,
    )


async def highest_number(s: AsyncSession, community_id: int) -> int:
    """The highest action-item number a community has given (0 before its first)."""
    found = await s.scalar(select(func.max(MarkRow.number))
                           .join(SessionRow, SessionRow.id == MarkRow.session_id)
                           .where(SessionRow.community_id == community_id))
    return int(found or 0)


async def make_room(s: AsyncSession, source_id: int, target_id: int) -> dict[int, int]:
    """Before community `source_id` joins `target_id`: give the source's action items whose
    number the target already uses the next free numbers; return old number -> new.

    Numbers the target does not use stay as they are, so what was sent about those keeps
    naming the same item."""
    def numbered(community_id: int) -> Any:
        return (select(MarkRow).join(SessionRow, SessionRow.id == MarkRow.session_id)
                .where(SessionRow.community_id == community_id, MarkRow.number.is_not(None)))

    taken = {row.number for row in await s.scalars(numbered(target_id))}
    mine = list(await s.scalars(numbered(source_id).order_by(MarkRow.number)))
    after = max(taken | {row.number for row in mine}, default=0)
    moved: dict[int, int] = {}
    for row in mine:
        if row.number in taken:
            after += 1
            assert row.number is not None
            moved[row.number], row.number = after, after
    await s.flush()
    return moved


class SqlMinutes(Repo):
    """Sessions and marks on SQLite or PostgreSQL."""

    async def start(self, community_id: int, chat_id: int, title: str, started_by: int,
                    now: datetime, meeting_id: int | None = None,
                    occ: str | None = None) -> Session | None:
        """Open a session unless one is open in the community already."""
        async with self.sessions.begin() as s:
            # Serialise starts per community (SQLite's BEGIN IMMEDIATE already does).
            await s.execute(select(CommunityRow.id).where(CommunityRow.id == community_id)
                            .with_for_update())
            if await self._open_row(s, community_id) is not None:
                return None
            row = SessionRow(community_id=community_id, chat_id=chat_id, meeting_id=meeting_id,
                             occ=occ, title=title, started_by=started_by, chairs=[started_by],
                             started_at=now)
            s.add(row)
            await s.flush()
            return session_record(row)

    async def _open_row(self, s: object, community_id: int) -> SessionRow | None:
        return await s.scalar(select(SessionRow).where(  # type: ignore[attr-defined,no-any-return]
            SessionRow.community_id == community_id, SessionRow.ended_at.is_(None))
            .order_by(SessionRow.id.desc()).limit(1))

    async def open_session(self, community_id: int) -> Session | None:
        """The community's open session."""
        async with self.sessions() as s:
            row = await self._open_row(s, community_id)
            return session_record(row) if row else None

    async def get(self, session_id: int) -> Session | None:
        """A session by id."""
        async with self.sessions() as s:
            row = await s.get(SessionRow, session_id)
            return session_record(row) if row else None

    async def latest(self, community_ids: Sequence[int]) -> Session | None:
        """The most recently ended session of some communities."""
        if not community_ids:
            return None
        async with self.sessions() as s:
            row = await s.scalar(select(SessionRow).where(
                SessionRow.community_id.in_(list(community_ids)),
                SessionRow.ended_at.is_not(None)).order_by(SessionRow.ended_at.desc(),
                                                           SessionRow.id.desc()).limit(1))
            return session_record(row) if row else None

    async def add_chair(self, session_id: int, person_id: int) -> None:
        """Make someone a chair of the session."""
        async with self.sessions.begin() as s:
            row = await s.get(SessionRow, session_id)
            if row is not None and person_id not in (row.chairs or []):
                row.chairs = [*(row.chairs or []), person_id]

    async def end(self, session_id: int, now: datetime) -> Session | None:
        """Close a session; None when it was not open."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(SessionRow).where(
                SessionRow.id == session_id, SessionRow.ended_at.is_(None),
            ).values(ended_at=now).returning(SessionRow))
            row = result.scalar_one_or_none()
            return session_record(row) if row else None

    async def mark(self, session_id: int, new: NewMark, now: datetime) -> Mark:
        """Add a mark; an action item gets its community's next number."""
        async with self.sessions.begin() as s:
            number = None
            if new.kind == MarkKind.ACTION:
                community_id = await s.scalar(select(SessionRow.community_id)
                                              .where(SessionRow.id == session_id))
                assert community_id is not None
                # Two processes adding actions at once take turns on the community's row
                # (SQLite's BEGIN IMMEDIATE already does), so no number is given twice.
                await s.execute(select(CommunityRow.id).where(CommunityRow.id == community_id)
                                .with_for_update())
                number = await highest_number(s, community_id) + 1
            row = MarkRow(session_id=session_id, kind=new.kind.value, text=new.text,
                          person_id=new.person_id, person_name=new.person_name[:256],
                          owner_person_id=new.owner_person_id, owner_name=new.owner_name[:256],
                          due_at=new.due_at, undone=False, at=now, number=number)
            s.add(row)
            await s.flush()
            return mark_record(row)

    async def marks(self, session_id: int) -> list[Mark]:
        """The session's marks in order, undone ones left out."""
        async with self.sessions() as s:
            rows = await s.scalars(select(MarkRow).where(
                MarkRow.session_id == session_id, MarkRow.undone.is_(False)).order_by(MarkRow.id))
            return [mark_record(r) for r in rows]

    async def undo_last(self, session_id: int) -> Mark | None:
        """Undo the latest mark; return it."""
        async with self.sessions.begin() as s:
            row = await s.scalar(select(MarkRow).where(
                MarkRow.session_id == session_id, MarkRow.undone.is_(False))
                .order_by(MarkRow.id.desc()).limit(1))
            if row is None:
                return None
            record = mark_record(row)
            # The number goes back: the next action item (the corrected one) takes it.
            row.undone, row.number = True, None
            return record

    async def get_mark(self, mark_id: int) -> Mark | None:
        """One mark."""
        async with self.sessions() as s:
            row = await s.get(MarkRow, mark_id)
            return mark_record(row) if row else None

    async def numbered(self, community_ids: Sequence[int],
                       number: int) -> list[tuple[Mark, Session]]:
        """The action items with this number in some communities (one per community)."""
        if not community_ids:
            return []
        query = (select(MarkRow, SessionRow).join(SessionRow, SessionRow.id == MarkRow.session_id)
                 .where(SessionRow.community_id.in_(list(community_ids)),
                        MarkRow.kind == MarkKind.ACTION.value, MarkRow.undone.is_(False),
                        MarkRow.number == number)
                 .order_by(SessionRow.community_id))
        async with self.sessions() as s:
            return [(mark_record(m), session_record(r)) for m, r in (await s.execute(query)).all()]

    async def open_actions(self, community_ids: Sequence[int],
                           owner_person_id: int | None = None) -> list[tuple[Mark, Session]]:
        """Action items not done yet, soonest due first, with their session."""
        if not community_ids:
            return []
        query = (select(MarkRow, SessionRow).join(SessionRow, SessionRow.id == MarkRow.session_id)
                 .where(SessionRow.community_id.in_(list(community_ids)),
                        MarkRow.kind == MarkKind.ACTION.value, MarkRow.undone.is_(False),
                        MarkRow.done_at.is_(None)))
        if owner_person_id is not None:
            query = query.where(MarkRow.owner_person_id == owner_person_id)
        async with self.sessions() as s:
            pairs = [(mark_record(m), session_record(r)) for m, r in (await s.execute(query)).all()]
        return sorted(pairs, key=lambda p: (p[0].due_at is None, p[0].due_at or p[0].at, p[0].id))

    async def set_done(self, mark_id: int, now: datetime) -> bool:
        """Mark an action item done; False when it already was (or is no action)."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(MarkRow).where(
                MarkRow.id == mark_id, MarkRow.kind == MarkKind.ACTION.value,
                MarkRow.done_at.is_(None)).values(done_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def marks_of(self, person_id: int) -> list[tuple[Mark, Session]]:
        """The marks a person wrote or owns (action items), with their session."""
        query = (select(MarkRow, SessionRow).join(SessionRow, SessionRow.id == MarkRow.session_id)
                 .where((MarkRow.person_id == person_id)
                        | (MarkRow.owner_person_id == person_id))
                 .order_by(MarkRow.id))
        async with self.sessions() as s:
            return [(mark_record(m), session_record(r)) for m, r in (await s.execute(query)).all()]

    async def forget_person(self, person_id: int) -> None:
        """Blank the name copied into the marks a person wrote or owns; the text stays.

        The ids go too, when the person row is deleted (ON DELETE SET NULL)."""
        async with self.sessions.begin() as s:
            await s.execute(update(MarkRow).where(MarkRow.person_id == person_id)
                            .values(person_name=""))
            await s.execute(update(MarkRow).where(MarkRow.owner_person_id == person_id)
                            .values(owner_name=""))

    async def purge_ended_before(self, cutoff: datetime) -> int:
        """Delete sessions (and their marks) that ended before `cutoff`; return how many."""
        async with self.sessions.begin() as s:
            ended = list(await s.scalars(select(SessionRow.id).where(
                SessionRow.ended_at.is_not(None), SessionRow.ended_at < cutoff)))
            if ended:
                await s.execute(delete(MarkRow).where(MarkRow.session_id.in_(ended)))
                await s.execute(delete(SessionRow).where(SessionRow.id.in_(ended)))
            return len(ended)
