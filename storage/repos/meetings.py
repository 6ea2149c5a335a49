"""Meetings, their exceptions, answers, agenda and reminder settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.features.meetings.records import (
    AgendaItem,
    AgendaStatus,
    Answer,
    Meeting,
    MeetingStatus,
    NewMeeting,
    Rsvp,
)
from storage.models.core import ChatMemberRow, ChatRow, PersonRow
from storage.models.meetings import (
    AgendaRow,
    MeetingExceptionRow,
    MeetingPrefsRow,
    MeetingRow,
    RsvpRow,
)
from storage.repos.base import Repo


def meeting_record(row: MeetingRow, exceptions: Sequence[MeetingExceptionRow]) -> Meeting:
    """A meeting row and its exceptions as the feature's record."""
    return Meeting(
        id=row.id, community_id=row.community_id, title=row.title,
        start_local=row.start_local.replace(tzinfo=None), zone=row.zone,
        duration=timedelta(minutes=row.duration_minutes), place=row.place or "",
        description=row.description or "", rrule=row.rrule, status=MeetingStatus(row.status),
        created_by=row.created_by, chat_id=row.chat_id, card_occ=row.card_occ,
        version=row.version,
        exceptions={e.occ: e.moved_to.replace(tzinfo=None) if e.moved_to else None
                    for e in exceptions},
    )


def _agenda_record(row: AgendaRow, name: str | None) -> AgendaItem:
    return AgendaItem(row.id, row.meeting_id, row.occ, row.text, AgendaStatus(row.status),
                      row.position, row.proposed_by, name or "")


class SqlMeetings(Repo):
    """Meetings on SQLite or PostgreSQL."""

    async def create(self, new: NewMeeting) -> Meeting:
        """Store a new meeting."""
        async with self.sessions.begin() as s:
            row = MeetingRow(
                community_id=new.community_id, title=new.title, start_local=new.start_local,
                zone=new.zone, duration_minutes=int(new.duration.total_seconds() // 60),
                place=new.place, description=new.description, rrule=new.rrule,
                status=MeetingStatus.ACTIVE.value, created_by=new.created_by,
                chat_id=new.chat_id, version=1, created_at=self.now(), updated_at=self.now())
            s.add(row)
            await s.flush()
            return meeting_record(row, [])

    async def get(self, meeting_id: int) -> Meeting | None:
        """A meeting with its exceptions."""
        async with self.sessions() as s:
            row = await s.get(MeetingRow, meeting_id)
            if row is None:
                return None
            exceptions = await s.scalars(select(MeetingExceptionRow).where(
                MeetingExceptionRow.meeting_id == meeting_id))
            return meeting_record(row, list(exceptions))

    async def in_communities(self, community_ids: Sequence[int], *,
                             active_only: bool = True) -> list[Meeting]:
        """The meetings of some communities, oldest first."""
        if not community_ids:
            return []
        query = select(MeetingRow).where(MeetingRow.community_id.in_(list(community_ids)))
        if active_only:
            query = query.where(MeetingRow.status == MeetingStatus.ACTIVE.value)
        async with self.sessions() as s:
            rows = list(await s.scalars(query.order_by(MeetingRow.id)))
            exceptions: dict[int, list[MeetingExceptionRow]] = {}
            if rows:
                for e in await s.scalars(select(MeetingExceptionRow).where(
                        MeetingExceptionRow.meeting_id.in_([r.id for r in rows]))):
                    exceptions.setdefault(e.meeting_id, []).append(e)
            return [meeting_record(r, exceptions.get(r.id, [])) for r in rows]

    async def update(self, meeting: Meeting) -> Meeting:
        """Save the editable fields; the version goes up by one."""
        async with self.sessions.begin() as s:
            await s.execute(update(MeetingRow).where(MeetingRow.id == meeting.id).values(
                title=meeting.title, start_local=meeting.start_local, zone=meeting.zone,
                duration_minutes=int(meeting.duration.total_seconds() // 60),
                place=meeting.place, description=meeting.description, rrule=meeting.rrule,
                status=meeting.status.value, card_occ=meeting.card_occ,
                version=MeetingRow.version + 1, updated_at=self.now()))
        meeting.version += 1
        return meeting

    async def set_exception(self, meeting_id: int, occ: str,
                            moved_to: datetime | None) -> None:
        """Skip an occurrence (None) or move it; the meeting's version goes up."""
        async with self.sessions.begin() as s:
            row = await s.scalar(select(MeetingExceptionRow).where(
                MeetingExceptionRow.meeting_id == meeting_id, MeetingExceptionRow.occ == occ))
            if row is None:
                s.add(MeetingExceptionRow(meeting_id=meeting_id, occ=occ, moved_to=moved_to,
                                          created_at=self.now()))
            else:
                row.moved_to = moved_to
            await s.execute(update(MeetingRow).where(MeetingRow.id == meeting_id).values(
                version=MeetingRow.version + 1, updated_at=self.now()))

    async def rekey(self, meeting_id: int, old: str, new: str) -> None:
        """Carry answers and agenda items from one occurrence key to another."""
        async with self.sessions.begin() as s:
            taken = select(RsvpRow.person_id).where(RsvpRow.meeting_id == meeting_id,
                                                    RsvpRow.occ == new)
            await s.execute(delete(RsvpRow).where(
                RsvpRow.meeting_id == meeting_id, RsvpRow.occ == old,
                RsvpRow.person_id.in_(taken)))
            await s.execute(update(RsvpRow).where(
                RsvpRow.meeting_id == meeting_id, RsvpRow.occ == old).values(occ=new))
            await s.execute(update(AgendaRow).where(
                AgendaRow.meeting_id == meeting_id, AgendaRow.occ == old).values(occ=new))

    # -- answers ---------------------------------------------------------------------

    async def answer(self, meeting_id: int, occ: str, person_id: int,
                     answer: Answer) -> Answer | None:
        """Record a person's answer; return their previous one."""
        for attempt in (1, 2):
            try:
                async with self.sessions.begin() as s:
                    row = await s.scalar(select(RsvpRow).where(
                        RsvpRow.meeting_id == meeting_id, RsvpRow.occ == occ,
                        RsvpRow.person_id == person_id))
                    if row is None:
                        s.add(RsvpRow(meeting_id=meeting_id, occ=occ, person_id=person_id,
                                      answer=answer.value, private_reminder=False,
                                      updated_at=self.now()))
                        return None
                    previous = Answer(row.answer)
                    row.answer = answer.value
                    row.updated_at = self.now()
                    if answer != Answer.GOING:
                        row.private_reminder = False
                    return previous
            except IntegrityError:
                # The same person pressed twice at once: the second press updates.
                if attempt == 2:
                    raise
        return None

    async def set_private_reminder(self, meeting_id: int, occ: str, person_id: int,
                                   wanted: bool) -> None:
        """Turn a person's private reminder on or off."""
        async with self.sessions.begin() as s:
            await s.execute(update(RsvpRow).where(
                RsvpRow.meeting_id == meeting_id, RsvpRow.occ == occ,
                RsvpRow.person_id == person_id).values(private_reminder=wanted))

    async def rsvp_of(self, meeting_id: int, occ: str, person_id: int) -> Rsvp | None:
        """A person's answer, if any."""
        found = [r for r in await self.rsvps(meeting_id, occ) if r.person_id == person_id]
        return found[0] if found else None

    async def rsvps(self, meeting_id: int, occ: str) -> list[Rsvp]:
        """Every answer for an occurrence, oldest first, with the names people show."""
        query = (select(RsvpRow, PersonRow.display_name)
                 .join(PersonRow, PersonRow.id == RsvpRow.person_id)
                 .where(RsvpRow.meeting_id == meeting_id, RsvpRow.occ == occ)
                 .order_by(RsvpRow.updated_at, RsvpRow.id))
        async with self.sessions() as s:
            return [Rsvp(r.person_id, name, Answer(r.answer), r.private_reminder)
                    for r, name in (await s.execute(query)).all()]

    async def counts(self, meeting_id: int, occ: str) -> dict[Answer, int]:
        """How many answered what."""
        query = (select(RsvpRow.answer, func.count()).where(
            RsvpRow.meeting_id == meeting_id, RsvpRow.occ == occ).group_by(RsvpRow.answer))
        async with self.sessions() as s:
            found = {Answer(a): int(n) for a, n in (await s.execute(query)).all()}
        return {a: found.get(a, 0) for a in Answer}

    # -- settings and membership ----------------------------------------------------------

    async def reminder_offsets(self, community_id: int) -> list[int] | None:
        """The community's reminder offsets in minutes, if it chose any."""
        async with self.sessions() as s:
            row = await s.scalar(select(MeetingPrefsRow).where(
                MeetingPrefsRow.community_id == community_id)
                .order_by(MeetingPrefsRow.updated_at.desc(), MeetingPrefsRow.id.desc()).limit(1))
            return [int(m) for m in row.reminders] if row is not None else None

    async def set_reminder_offsets(self, community_id: int, minutes: Sequence[int]) -> None:
        """Choose the reminder offsets for a community."""
        async with self.sessions.begin() as s:
            await s.execute(delete(MeetingPrefsRow).where(
                MeetingPrefsRow.community_id == community_id))
            s.add(MeetingPrefsRow(community_id=community_id, reminders=list(minutes),
                                  updated_at=self.now()))

    async def communities_of(self, person_id: int) -> list[int]:
        """The communities whose active chats a person has spoken in."""
        query = (select(ChatRow.community_id).distinct()
                 .join(ChatMemberRow, ChatMemberRow.chat_id == ChatRow.id)
                 .where(ChatMemberRow.person_id == person_id, ChatRow.active.is_(True)))
        async with self.sessions() as s:
            return sorted(int(c) for c in await s.scalars(query))

    # -- agenda -------------------------------------------------------------------------

    async def add_agenda(self, meeting_id: int, occ: str, text: str, person_id: int | None,
                         status: AgendaStatus) -> AgendaItem:
        """Propose (or directly accept) an agenda item."""
        async with self.sessions.begin() as s:
            position = await self._next_position(s, meeting_id, occ)
            row = AgendaRow(meeting_id=meeting_id, occ=occ, text=text, status=status.value,
                            position=position if status == AgendaStatus.ACCEPTED else 0,
                            proposed_by=person_id, created_at=self.now())
            s.add(row)
            await s.flush()
            name = await s.scalar(select(PersonRow.display_name).where(
                PersonRow.id == person_id)) if person_id else None
            return _agenda_record(row, name)

    async def _next_position(self, s: object, meeting_id: int, occ: str) -> int:
        top = await s.scalar(select(func.max(AgendaRow.position)).where(  # type: ignore[attr-defined]
            AgendaRow.meeting_id == meeting_id, AgendaRow.occ == occ,
            AgendaRow.status == AgendaStatus.ACCEPTED.value))
        return int(top or 0) + 1

    async def agenda(self, meeting_id: int, occ: str) -> list[AgendaItem]:
        """Accepted items in order, then proposals oldest first (dropped ones left out)."""
        query = (select(AgendaRow, PersonRow.display_name)
                 .outerjoin(PersonRow, PersonRow.id == AgendaRow.proposed_by)
                 .where(AgendaRow.meeting_id == meeting_id, AgendaRow.occ == occ,
                        AgendaRow.status != AgendaStatus.DROPPED.value))
        async with self.sessions() as s:
            items = [_agenda_record(r, n) for r, n in (await s.execute(query)).all()]
        return sorted(items, key=lambda i: (i.status != AgendaStatus.ACCEPTED, i.position, i.id))

    async def agenda_item(self, item_id: int) -> AgendaItem | None:
        """One agenda item."""
        async with self.sessions() as s:
            row = await s.get(AgendaRow, item_id)
            return _agenda_record(row, None) if row else None

    async def set_agenda_status(self, item_id: int, status: AgendaStatus) -> None:
        """Accept (at the end of the order) or drop an item."""
        async with self.sessions.begin() as s:
            row = await s.get(AgendaRow, item_id)
            if row is None:
                return
            if status == AgendaStatus.ACCEPTED and row.status != status.value:
                row.position = await self._next_position(s, row.meeting_id, row.occ)
            row.status = status.value

    async def answers_of(self, person_id: int) -> list[tuple[Meeting, str, Answer]]:
        """A person's answers: the meeting, the occurrence key and the answer."""
        query = (select(RsvpRow.meeting_id, RsvpRow.occ, RsvpRow.answer)
                 .where(RsvpRow.person_id == person_id)
                 .order_by(RsvpRow.meeting_id, RsvpRow.occ))
        async with self.sessions() as s:
            rows = (await s.execute(query)).all()
        out = []
        for meeting_id, occ, answer in rows:
            meeting = await self.get(meeting_id)
            if meeting is not None:
                out.append((meeting, occ, Answer(answer)))
        return out

    async def agenda_of(self, person_id: int) -> list[AgendaItem]:
        """The agenda items a person proposed."""
        query = (select(AgendaRow, PersonRow.display_name)
                 .join(PersonRow, PersonRow.id == AgendaRow.proposed_by)
                 .where(AgendaRow.proposed_by == person_id).order_by(AgendaRow.id))
        async with self.sessions() as s:
            return [_agenda_record(r, n) for r, n in (await s.execute(query)).all()]

    async def forget_agenda(self, person_id: int) -> int:
        """Delete the agenda items a person proposed; return how many."""
        async with self.sessions.begin() as s:
            result = await s.execute(delete(AgendaRow).where(AgendaRow.proposed_by == person_id))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def move_agenda(self, item_id: int, position: int) -> None:
        """Put an accepted item at a position (1-based) among the accepted ones."""
        async with self.sessions.begin() as s:
            row = await s.get(AgendaRow, item_id)
            if row is None:
                return
            accepted = list(await s.scalars(select(AgendaRow).where(
                AgendaRow.meeting_id == row.meeting_id, AgendaRow.occ == row.occ,
                AgendaRow.status == AgendaStatus.ACCEPTED.value, AgendaRow.id != item_id,
            ).order_by(AgendaRow.position, AgendaRow.id)))
            index = max(0, min(position - 1, len(accepted)))
            accepted.insert(index, row)
            for number, item in enumerate(accepted, start=1):
                item.position = number
