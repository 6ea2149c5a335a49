"""Job kinds: what a schedule row's kind and ref mean, declared once per kind.

A schedule row holds two strings, `kind` and `ref`. Each kind is declared here
with the type of its ref, and only the declaration turns one into the other,
so a feature schedules `CLOSE` with a poll id and its job receives the poll id
back. The names and the text of the refs are what existing databases hold:
they must never change.

    CLOSE = JobKind("poll.close", "polls", ROW_ID, table="polls", moves=True)
    await services.scheduler.schedule(CLOSE, poll.id, closes_at)

    @feature.job(CLOSE)
    async def close(jctx, item, poll_id: int) -> list[NewDelivery]: ...
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

R = TypeVar("R")
D = TypeVar("D")

SEPARATOR = ":"
_NUMBER = re.compile(r"0|[1-9][0-9]*")


class BadRef(ValueError):
    """A stored ref that does not fit its kind's declaration."""


class RefCodec(Protocol[R]):
    """How one shape of reference is written in a schedule row."""

    def encode(self, ref: R) -> str:
        """The text stored for `ref` (ValueError for a value of the wrong shape)."""
        ...

    def decode(self, text: str) -> R:
        """The reference `text` stands for (BadRef when it is not one)."""
        ...

    def head(self, ref: R) -> str:
        """The first field: the row the item is about (a meeting, a poll, a chat)."""
        ...

    def rehead(self, ref: R, head: int) -> R:
        """`ref` about row `head` instead (the row got a new id in another database)."""
        ...


def _number(text: str) -> int:
    if not _NUMBER.fullmatch(text):
        raise BadRef(f"{text!r} is not an id")
    return int(text)


def _field(value: object) -> str:
    """One field as text: a non-negative int, or a word without the separator."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value and SEPARATOR not in value:
        return value
    raise ValueError(f"{value!r} cannot be a field of a schedule ref")


class Id:
    """One row id: "12"."""

    def encode(self, ref: int) -> str:
        """The id as written."""
        if isinstance(ref, bool) or not isinstance(ref, int):
            raise ValueError(f"{ref!r} is not an id")
        return _field(ref)

    def decode(self, text: str) -> int:
        """The id written in `text`."""
        return _number(text)

    def head(self, ref: int) -> str:
        """The id itself."""
        return str(ref)

    def rehead(self, ref: int, head: int) -> int:
        """The new id."""
        return head


ROW_ID = Id()


@dataclass(frozen=True, slots=True)
class Word:
    """A fixed word, for a kind with one item at a time ("all", "audit")."""

    word: str

    def encode(self, ref: str) -> str:
        """The word (nothing else is a ref of this kind)."""
        if ref != self.word:
            raise ValueError(f"{ref!r} is not {self.word!r}")
        return ref

    def decode(self, text: str) -> str:
        """The word, if `text` is it."""
        if text != self.word:
            raise BadRef(f"{text!r} is not {self.word!r}")
        return text

    def head(self, ref: str) -> str:
        """The word."""
        return ref

    def rehead(self, ref: str, head: int) -> str:
        """Never: a word names no row."""
        raise ValueError(f"{self.word!r} names no row")


class Fields(Generic[D]):
    """A frozen dataclass of int and str fields, written "12:20260116T1800:60"."""

    def __init__(self, shape: type[D]) -> None:
        hints = typing.get_type_hints(shape)
        self.shape = shape
        self.fields = [(f.name, hints[f.name]) for f in dataclasses.fields(shape)]  # type: ignore[arg-type]
        if not self.fields or any(kind not in (int, str) for _name, kind in self.fields):
            raise TypeError(f"{shape.__name__}: a ref holds int and str fields only")

    def encode(self, ref: D) -> str:
        """The fields, in order, joined by the separator."""
        if not isinstance(ref, self.shape):
            raise ValueError(f"{ref!r} is not a {self.shape.__name__}")
        values = [getattr(ref, name) for name, _kind in self.fields]
        for value, (name, kind) in zip(values, self.fields, strict=True):
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"{self.shape.__name__}.{name} must be {kind.__name__}")
        return SEPARATOR.join(_field(v) for v in values)

    def decode(self, text: str) -> D:
        """The dataclass whose fields `text` holds."""
        parts = text.split(SEPARATOR)
        if len(parts) != len(self.fields):
            raise BadRef(f"{text!r} does not have {len(self.fields)} fields")
        values: dict[str, Any] = {}
        for part, (name, kind) in zip(parts, self.fields, strict=True):
            if kind is int:
                values[name] = _number(part)
            elif part:
                values[name] = part
            else:
                raise BadRef(f"{text!r} has an empty {name}")
        return self.shape(**values)

    def head(self, ref: D) -> str:
        """The first field."""
        return str(getattr(ref, self.fields[0][0]))

    def rehead(self, ref: D, head: int) -> D:
        """The same fields, the first one `head`."""
        name, kind = self.fields[0]
        if kind is not int:
            raise ValueError(f"{self.shape.__name__}.{name} names no row")
        return dataclasses.replace(ref, **{name: head})  # type: ignore[type-var]


_DECLARED: dict[str, JobKind[Any]] = {}


@dataclass(frozen=True, slots=True, eq=False)
class JobKind(Generic[R]):
    """One kind of scheduled item: its stored name, its feature, the shape of its ref.

    `table`: the table whose row id the ref's first field is, if any; `moves`: pending
    items of this kind travel with a community moved to another database (see
    storage/transfer), their first field rewritten to the row's new id.
    """

    name: str
    feature: str
    codec: RefCodec[R]
    table: str | None = None
    moves: bool = False

    def __post_init__(self) -> None:
        if self.moves and self.table is None:
            raise ValueError(f"job kind {self.name!r} moves, but names no table")
        if self.name in _DECLARED:
            raise ValueError(f"job kind {self.name!r} declared twice")
        _DECLARED[self.name] = self

    def encode(self, ref: R) -> str:
        """The ref as stored in the schedule row."""
        return self.codec.encode(ref)

    def decode(self, text: str) -> R:
        """The ref a schedule row holds (BadRef when malformed)."""
        return self.codec.decode(text)

    def subject(self, ref: R) -> tuple[str, str]:
        """What an item is about: its feature and its ref's first field. The runner runs
        one subject's items one after another."""
        return self.feature, self.codec.head(ref)

    def row_id(self, text: str) -> int | None:
        """The id of the `table` row a stored ref names (None: malformed, or no table)."""
        try:
            head = self.codec.head(self.decode(text))
        except BadRef:
            return None
        return int(head) if self.table is not None and head.isdigit() else None

    def moved(self, text: str, row_id: int) -> str:
        """A stored ref, now naming row `row_id` of `table` (moved to another database)."""
        return self.encode(self.codec.rehead(self.decode(text), row_id))

    def head_prefix(self, head: int) -> str:
        """How every ref of this kind whose first field is `head` begins."""
        return _field(head) + SEPARATOR

    def __repr__(self) -> str:
        return f"JobKind({self.name!r})"


def declared() -> Mapping[str, JobKind[Any]]:
    """Every job kind declared so far (by the modules imported), by name."""
    return _DECLARED
