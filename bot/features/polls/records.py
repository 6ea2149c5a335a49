"""The core's view of polls: plain records, and the storage interface the feature needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.sources import POLL_CARD, SourceRef

MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_OPTION_CHARS = 100
MAX_QUESTION_CHARS = 250


class PollStatus(StrEnum):
    """Where a poll stands."""

    OPEN = "open"
    CLOSED = "closed"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class NewPoll:
    """What creating a poll stores."""

    community_id: int
    origin_chat_id: int
    creator_id: int
    question: str
    options: tuple[str, ...]
    multiple: bool = False
    anonymous: bool = False
    hide_results: bool = False
    closes_at: datetime | None = None
    # For anonymous polls: a keyed check value that tells whether the ballot key changed.
    key_check: str | None = None


@dataclass(frozen=True, slots=True)
class Poll:
    """A poll of a community, shown in every chat of it."""

    id: int
    community_id: int
    question: str
    options: tuple[str, ...]
    multiple: bool
    anonymous: bool
    hide_results: bool
    status: PollStatus
    created_at: datetime
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    creator_id: int | None = None
    origin_chat_id: int | None = None
    key_check: str | None = None

    def accepts_votes(self, now: datetime) -> bool:
        """True while the poll is open and its closing time has not come."""
        return self.status == PollStatus.OPEN and (self.closes_at is None or now < self.closes_at)

    @property
    def source(self) -> SourceRef:
        """The outbox source of the poll's copies in every chat."""
        return POLL_CARD.of(self.id)


@dataclass(frozen=True, slots=True)
class Tally:
    """Votes per option, merged across every chat and platform, and how many people voted."""

    counts: tuple[int, ...]
    voters: int

    def fraction(self, index: int) -> float:
        """The share of voters who chose option `index` (0 when nobody voted)."""
        return self.counts[index] / self.voters if self.voters else 0.0


class VoteStatus(StrEnum):
    """What became of a vote."""

    RECORDED = "recorded"
    MISSING = "missing"
    DELETED = "deleted"
    CLOSED = "closed"
    BAD_OPTION = "bad_option"


@dataclass(frozen=True, slots=True)
class VoteResult:
    """The voter's choices after a vote, and whether the copies need a refresh scheduled."""

    status: VoteStatus
    choices: int = 0
    schedule_refresh: bool = False


def chosen(mask: int, size: int = MAX_OPTIONS) -> list[int]:
    """The option indexes set in a choices bitmask."""
    return [i for i in range(size) if mask >> i & 1]


def tally_from(groups: Sequence[tuple[int, int]], size: int) -> Tally:
    """A tally from (choices bitmask, how many ballots) pairs."""
    counts = [0] * size
    voters = 0
    for mask, count in groups:
        if not mask:
            continue
        voters += count
        for index in chosen(mask, size):
            counts[index] += count
    return Tally(tuple(counts), voters)


