"""The meetings feature's view of what it stores: plain dataclasses, no ORM."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

# Occurrences are named by their original wall-clock start in the meeting's
# zone ("20261204T1800"): stable when the zone's rules change, and the same
# thing RECURRENCE-ID names in iCalendar.
KEY_FORMAT = "%Y%m%dT%H%M"


class Answer(StrEnum):
    """One person's answer for one occurrence."""

    GOING = "going"
    MAYBE = "maybe"
    NO = "no"


class MeetingStatus(StrEnum):
    """Whether a meeting (or series) still takes place."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class AgendaStatus(StrEnum):
    """Where an agenda item stands."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DROPPED = "dropped"


class MarkKind(StrEnum):
    """What a live-minutes mark records."""

    TOPIC = "topic"
    INFO = "info"
    IDEA = "idea"
    AGREED = "agreed"
    ACTION = "action"
    CHAIR = "chair"
    PRESENT = "present"


@dataclass(slots=True)
class Meeting:
    """A one-off meeting or a series: wall-clock start, IANA zone and an RRULE."""

    id: int
    community_id: int
    title: str
    start_local: datetime  # naive: the wall-clock DTSTART in `zone`
    zone: str
    duration: timedelta
    place: str = ""
    description: str = ""
    rrule: str | None = None
    status: MeetingStatus = MeetingStatus.ACTIVE
    created_by: int | None = None
    chat_id: int | None = None
    # The occurrence whose card is the live one in every chat.
    card_occ: str | None = None
    version: int = 1
    # Exceptions by occurrence key: None = skipped, else the new wall-clock start.
    exceptions: dict[str, datetime | None] = field(default_factory=dict)

    @property
    def recurring(self) -> bool:
        """True for a series."""
        return bool(self.rrule)

    @property
    def cancelled(self) -> bool:
        """True once cancelled."""
        return self.status == MeetingStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One date of a meeting: its key, and where it now falls (UTC)."""

    key: str
    start: datetime
    end: datetime
    local: datetime  # the naive wall-clock start (after a move)
    moved: bool = False


@dataclass(frozen=True, slots=True)
class Rsvp:
    """One person's answer for one occurrence."""

    person_id: int
    name: str
    answer: Answer
    private_reminder: bool = False


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """An item proposed for one occurrence."""

    id: int
    meeting_id: int
    occ: str
    text: str
    status: AgendaStatus
    position: int
    proposed_by: int | None = None
    proposer_name: str = ""


@dataclass(slots=True)
class Session:
    """A live-minutes session in a community."""

    id: int
    community_id: int
    title: str
    started_at: datetime
    chat_id: int | None = None
    meeting_id: int | None = None
    occ: str | None = None
    started_by: int | None = None
    chairs: tuple[int, ...] = ()
    ended_at: datetime | None = None

    @property
    def open(self) -> bool:
        """True while the session runs."""
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class Mark:
    """One line of the minutes, in the words its author wrote."""

    id: int
    session_id: int
    kind: MarkKind
    text: str
    at: datetime
    person_id: int | None = None
    person_name: str = ""
    owner_person_id: int | None = None
    owner_name: str = ""
    due_at: datetime | None = None
    done_at: datetime | None = None
    undone: bool = False
    # An action item's number in its community, the one people type after /done.
    number: int | None = None


@dataclass(frozen=True, slots=True)
class NewMeeting:
    """What a moderator asked for, checked and ready to store."""

    community_id: int
    title: str
    start_local: datetime
    zone: str
    duration: timedelta
    place: str = ""
    description: str = ""
    rrule: str | None = None
    created_by: int | None = None
    chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewMark:
    """A mark to add to a session."""

    kind: MarkKind
    text: str
    person_id: int | None
    person_name: str
    owner_person_id: int | None = None
    owner_name: str = ""
    due_at: datetime | None = None
