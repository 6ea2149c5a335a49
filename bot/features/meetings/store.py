"""What the meetings feature needs from storage (implemented in `storage/repos/`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.features.meetings.records import (
    AgendaItem,
    AgendaStatus,
    Answer,
    Mark,
    Meeting,
    NewMark,
    NewMeeting,
    Rsvp,
    Session,
)


class MeetingStore(Protocol):
    """Meetings, their exceptions, answers, agenda and reminder settings."""

    async def create(self, new: NewMeeting) -> Meeting:
        """Store a new meeting."""
        ...

    async def get(self, meeting_id: int) -> Meeting | None:
        """A meeting with its exceptions."""
        ...

    async def in_communities(self, community_ids: Sequence[int], *,
                             active_only: bool = True) -> list[Meeting]:
        """The meetings of some communities."""
        ...

    async def update(self, meeting: Meeting) -> Meeting:
        """Save the editable fields; the version goes up by one."""
        ...

    async def set_exception(self, meeting_id: int, occ: str, moved_to: datetime | None) -> None:
        """Skip an occurrence (None) or move it to a new wall-clock start."""
        ...

    async def rekey(self, meeting_id: int, old: str, new: str) -> None:
        """Carry answers and agenda from one occurrence key to another."""
        ...

    async def answer(self, meeting_id: int, occ: str, person_id: int,
                     answer: Answer) -> Answer | None:
        """Record a person's answer; return their previous one."""
        ...

    async def set_private_reminder(self, meeting_id: int, occ: str, person_id: int,
                                   wanted: bool) -> None:
        """Turn a person's private reminder on or off."""
        ...

    async def rsvp_of(self, meeting_id: int, occ: str, person_id: int) -> Rsvp | None:
        """A person's answer, if any."""
        ...

    async def rsvps(self, meeting_id: int, occ: str) -> list[Rsvp]:
        """Every answer for an occurrence, oldest first."""
        ...

    async def counts(self, meeting_id: int, occ: str) -> dict[Answer, int]:
        """How many answered what."""
        ...

    async def reminder_offsets(self, community_id: int) -> list[int] | None:
        """Minutes before each occurrence to remind, if the community chose."""
        ...

    async def set_reminder_offsets(self, community_id: int, minutes: Sequence[int]) -> None:
        """Choose the reminder offsets for a community."""
        ...

    async def communities_of(self, person_id: int) -> list[int]:
        """The communities whose chats a person has spoken in."""
        ...

    async def add_agenda(self, meeting_id: int, occ: str, text: str, person_id: int | None,
                         status: AgendaStatus) -> AgendaItem:
        """Propose (or directly accept) an agenda item."""
        ...

    async def agenda(self, meeting_id: int, occ: str) -> list[AgendaItem]:
        """The agenda of an occurrence: accepted items in order, then proposals."""
        ...

    async def agenda_item(self, item_id: int) -> AgendaItem | None:
        """One agenda item."""
        ...

    async def set_agenda_status(self, item_id: int, status: AgendaStatus) -> None:
        """Accept or drop an item (an accepted item goes to the end of the order)."""
        ...

    async def answers_of(self, person_id: int) -> list[tuple[Meeting, str, Answer]]:
        """A person's answers: the meeting, the occurrence key and the answer."""
        ...

    async def agenda_of(self, person_id: int) -> list[AgendaItem]:
        """The agenda items a person proposed."""
        ...

    async def forget_agenda(self, person_id: int) -> int:
        """Delete the agenda items a person proposed; return how many."""
        ...

    async def move_agenda(self, item_id: int, position: int) -> None:
        """Put an accepted item at a position (1-based) among the accepted ones."""
        ...


class MinutesStore(Protocol):
    """Live-minutes sessions and their marks."""

    async def start(self, community_id: int, chat_id: int, title: str, started_by: int,
                    now: datetime, meeting_id: int | None = None,
                    occ: str | None = None) -> Session | None:
        """Open a session; None when one is already open in the community."""
        ...

    async def open_session(self, community_id: int) -> Session | None:
        """The community's open session."""
        ...

    async def get(self, session_id: int) -> Session | None:
        """A session by id."""
        ...

    async def latest(self, community_ids: Sequence[int]) -> Session | None:
        """The most recently ended session of some communities."""
        ...

    async def add_chair(self, session_id: int, person_id: int) -> None:
        """Make someone a chair of the session."""
        ...

    async def end(self, session_id: int, now: datetime) -> Session | None:
        """Close a session; None when it was not open."""
        ...

    async def mark(self, session_id: int, new: NewMark, now: datetime) -> Mark:
        """Add a mark; an action item gets its community's next number."""
        ...

    async def marks(self, session_id: int) -> list[Mark]:
        """The session's marks in order, undone ones left out."""
        ...

    async def undo_last(self, session_id: int) -> Mark | None:
        """Undo the latest mark; return it."""
        ...

    async def get_mark(self, mark_id: int) -> Mark | None:
        """One mark."""
        ...

    async def numbered(self, community_ids: Sequence[int],
                       number: int) -> list[tuple[Mark, Session]]:
        """The action items with this number in some communities (one per community)."""
        ...

    async def open_actions(self, community_ids: Sequence[int],
                           owner_person_id: int | None = None) -> list[tuple[Mark, Session]]:
        """Action items not done yet, with their session."""
        ...

    async def set_done(self, mark_id: int, now: datetime) -> bool:
        """Mark an action item done; False when it already was."""
        ...

    async def marks_of(self, person_id: int) -> list[tuple[Mark, Session]]:
        """The marks a person wrote or owns (action items), with their session."""
        ...

    async def forget_person(self, person_id: int) -> None:
        """Blank the name copied into the marks a person wrote or owns; the text stays."""
        ...

    async def purge_ended_before(self, cutoff: datetime) -> int:
        """Delete sessions (and their marks) that ended before `cutoff`; return how many."""
        ...
