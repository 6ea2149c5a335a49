"""Outbox sources: what a queued message is a copy of, declared once per shape.

Every delivery carries a source, so that later edits, deletions, unpins and
cancellations reach every copy of the same thing in every chat. A source is
written "family:ref[:suffix]", with the ref in one of the codecs of bot/jobs.py;
each shape is declared here, and only the declaration writes or reads one:

    cards = POLL_CARD.of(poll.id)                 # "poll:12"
    await post_to_community(services, community, render, key=cards.text, source=cards)
    await store.outbox.by_source(cards.edits)      # "poll:12:edit"

The text is what existing databases hold and what outbox rows are matched by:
it must never change (tests/unit/test_sources.py pins every shape).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.jobs import ROW_ID, SEPARATOR, BadRef, Fields, RefCodec
from bot.records import DeliveryOp

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One source as stored ("poll:12"); build it from a declaration, never by hand."""

    text: str

    def after(self, op: DeliveryOp) -> SourceRef:
        """The source of the edits, deletions or unpins of this source's copies."""
        if op == DeliveryOp.SEND:
            raise ValueError("a copy is sent under its own source")
        return SourceRef(self.text + SEPARATOR + op.value)

    @property
    def edits(self) -> SourceRef:
        """The source of the edits of its copies ("poll:12:edit")."""
        return self.after(DeliveryOp.EDIT)

    @property
    def deletions(self) -> SourceRef:
        """The source of the deletions of its copies ("poll:12:delete")."""
        return self.after(DeliveryOp.DELETE)

    @property
    def unpins(self) -> SourceRef:
        """The source of the unpins of its copies ("notice:4:unpin")."""
        return self.after(DeliveryOp.UNPIN)

    def key(self, *parts: str | int) -> str:
        """An outbox key made of this source and `parts` ("poll:12:results" for "results")."""
        return SEPARATOR.join((self.text, *(str(p) for p in parts)))


_DECLARED: dict[str, Source[Any] | SourceRef] = {}


def _declare(name: str, shape: Source[Any] | SourceRef) -> None:
    if name in _DECLARED:
        raise ValueError(f"source {name!r} declared twice")
    _DECLARED[name] = shape


@dataclass(frozen=True, slots=True, eq=False)
class Source(Generic[R]):
    """One shape of source: "family:ref", then the suffix if any."""

    family: str
    codec: RefCodec[R]
    suffix: str | None = None

    def __post_init__(self) -> None:
        if not self.family or SEPARATOR in self.family:
            raise ValueError(f"{self.family!r} cannot be a source family")
        _declare(self.name, self)

    @property
    def name(self) -> str:
        """How the shape reads: "mtg:<ref>:say"."""
        return SEPARATOR.join(p for p in (self.family, "<ref>", self.suffix) if p)

    def of(self, ref: R) -> SourceRef:
        """The source of the copies of `ref` (ValueError for a ref of the wrong shape)."""
        parts = (self.family, self.codec.encode(ref), self.suffix)
        return SourceRef(SEPARATOR.join(p for p in parts if p))

    def parse(self, text: str) -> R:
        """The ref a stored source of this shape names (BadRef when it is not one)."""
        head = self.family + SEPARATOR
        tail = SEPARATOR + self.suffix if self.suffix else ""
        if not text.startswith(head) or not text.endswith(tail) or len(text) <= len(head + tail):
            raise BadRef(f"{text!r} is not a {self.name} source")
        return self.codec.decode(text[len(head):len(text) - len(tail)])

    @property
    def prefix(self) -> str:
        """How every source of this shape begins; for a shape with no suffix, the source of
        row `id` is this prefix followed by the id (a query may join on it)."""
        return self.family + SEPARATOR

    def __repr__(self) -> str:
        return f"Source({self.name!r})"


def fixed(text: str) -> SourceRef:
    """A source that names no row: one word for every message of its kind."""
    if not text or SEPARATOR in text:
        raise ValueError(f"{text!r} cannot be a fixed source")
    ref = SourceRef(text)
    _declare(text, ref)
    return ref


@dataclass(frozen=True, slots=True)
class MeetingDate:
    """One date (occurrence) of a meeting, by the occurrence's key."""

    meeting_id: int
    occ: str


# -- the shapes ------------------------------------------------------------------------

# Meetings: announcements, each date's live card, each date's reminders.
MEETING_SAY = Source("mtg", ROW_ID, suffix="say")
MEETING_CARD = Source("mtg", Fields(MeetingDate))
MEETING_REMINDER = Source("mtg", Fields(MeetingDate), suffix="rem")
# Live minutes of a session, and the reminders of its action items.
MINUTES = Source("minutes", ROW_ID)
MINUTES_ACTION = Source("minutes", ROW_ID, suffix="act")
# A poll's copies, and the results posted when it closes.
POLL_CARD = Source("poll", ROW_ID)
POLL_RESULTS = Source("poll", ROW_ID, suffix="results")
# A notice's copies, its delivery report to the author, and private notes to the author.
NOTICE_COPY = Source("notice", ROW_ID)
NOTICE_REPORT = Source("notice-report", ROW_ID)
NOTICE_AUTHOR = fixed("notice-author")
# Knowledge-base messages about an entry, or about its translation group (the id of
# the entry the others translate).
KB_ENTRY = Source("kb", ROW_ID)
# A chat's digest.
DIGEST = Source("digest", ROW_ID)
# "This chat is now linked", to every chat of the community it joined.
LINK = Source("link", ROW_ID)


def declared() -> Mapping[str, Source[Any] | SourceRef]:
    """Every source shape, by how it reads."""
    return _DECLARED
