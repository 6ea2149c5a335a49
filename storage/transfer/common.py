"""The document and the rules both directions share: what a community owns, which
shared rows it points at, where ids hide outside foreign keys, and how values are
written as JSON."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, Select, Table, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator

from bot.features import all_features
from bot.jobs import JobKind, declared
from storage.backup import sqlite_path
from storage.db import is_sqlite, make_engine
from storage.migrate import alembic_config, current
from storage.models import metadata

FORMAT = "diaspora-bot/community"
VERSION = 1
MOVED = "moved"
BATCH = 500

# Owned by a community, yet left behind (see the module docstring).
NOT_MOVED = frozenset({"deliveries", "form_states", "link_codes"})


def _moving() -> dict[str, JobKind[Any]]:
    all_features()  # each feature module declares its job kinds when imported
    return {name: kind for name, kind in declared().items() if kind.moves}


# Pending schedule items that move, as their kinds declare: kind -> the table whose id
# opens the ref.
MOVING = _moving()
SCHEDULED = {name: kind.table for name, kind in MOVING.items() if kind.table is not None}
SCHEDULE = "schedule_items"
_PUBLIC_VOTER = re.compile(r"p(\d+)")


class TransferError(ValueError):
    """A community that cannot be exported, or a document that cannot be imported."""


@dataclass(frozen=True)
class SoftRef:
    """Ids of `table` held in a column without a foreign key."""

    table: str
    found: Callable[[Any], list[int]]
    rewrite: Callable[[Any, Callable[[int], int | None]], Any]


def plain_ids(value: Any) -> list[int]:
    """The id a plain integer column holds, if any."""
    return [value] if isinstance(value, int) else []


def _voters(value: Any) -> list[int]:
    match = _PUBLIC_VOTER.fullmatch(value) if isinstance(value, str) else None
    return [int(match.group(1))] if match else []


def _voter_new(value: Any, new: Callable[[int], int | None]) -> Any:
    found = _voters(value)
    person = new(found[0]) if found else None
    return value if not found else None if person is None else f"p{person}"


SOFT_REFS = {
    ("kb_entries", "group_id"): SoftRef("kb_entries", plain_ids, lambda v, new: new(v)),
    ("kb_tags", "community_id"): SoftRef("communities", plain_ids, lambda v, new: new(v)),
    # A chair missing from the document is dropped, not refused.
    ("minutes_sessions", "chairs"): SoftRef(
        "people", lambda v: list(v or []), lambda v, new: [n for n in map(new, v) if n]),
    ("poll_ballots", "voter"): SoftRef("people", _voters, _voter_new),
}


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote: the new community, rows per table, shared rows reused."""

    community_id: int
    rows: dict[str, int]
    reused: dict[str, int]


def owned_tables() -> dict[str, list[Column[Any]]]:
    """Tables owned by a community, parents first, each with the columns that tie it there."""
    owned: dict[str, list[Column[Any]]] = {"communities": []}
    for table in metadata.sorted_tables:
        if table.name in owned or table.name in NOT_MOVED:
            continue
        ties = [fk.parent for fk in table.foreign_keys
                if not fk.parent.nullable and fk.column.table.name in owned]
        if ties:
            owned[table.name] = ties
    return owned


def natural_key(table: Table) -> tuple[str, ...] | None:
    """The columns of a table's unique key other than its primary key (not a partial one)."""
    for index in sorted(table.indexes, key=lambda i: str(i.name)):
        if index.unique and not any(k.endswith("owned_by") for k in index.dialect_kwargs):
            return tuple(c.name for c in index.columns)
    for column in table.c:
        if column.unique:
            return (column.name,)
    return None


def shared_tables() -> list[str]:
    """Tables outside any community that owned rows point at; matched by natural key."""
    owned = owned_tables()
    found = {fk.column.table.name for name in owned for fk in metadata.tables[name].foreign_keys}
    found |= {ref.table for ref in SOFT_REFS.values()}
    return [t.name for t in metadata.sorted_tables if t.name in found - owned.keys()]


def serial_id(table: Table) -> Column[Any] | None:
    """The single integer primary key new ids come from, if the table has one."""
    pk = list(table.primary_key.columns)
    return pk[0] if len(pk) == 1 and isinstance(pk[0].type, Integer) else None


def owned_by(table: Table, community_id: int, owned: dict[str, list[Column[Any]]]) -> Any:
    """The condition selecting the rows of `table` that belong to the community."""
    if table.name == "communities":
        return table.c.id == community_id
    return or_(*(tie.in_(_ids(tie, community_id, owned)) for tie in owned[table.name]))


def _ids(tie: Column[Any], community_id: int, owned: dict[str, list[Column[Any]]]) -> Select[Any]:
    [fk] = tie.foreign_keys
    return select(fk.column).where(owned_by(fk.column.table, community_id, owned))


def _python_type(column: Column[Any]) -> type:
    kind = column.type
    try:
        return (kind.impl_instance if isinstance(kind, TypeDecorator) else kind).python_type
    except NotImplementedError:
        return object


def encode(value: Any) -> Any:
    """A column value as JSON: datetimes in ISO 8601 (with their offset if aware), bytes base64."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def decode(column: Column[Any], value: Any) -> Any:
    """The inverse of `encode`, by the column's type."""
    if value is None:
        return None
    kind = _python_type(column)
    try:
        if kind in (datetime, date, time):
            return kind.fromisoformat(value)  # type: ignore[attr-defined]
        if kind is bytes:
            return base64.b64decode(value, validate=True)
    except (TypeError, ValueError) as err:
        raise TransferError(f"bad value for {column.table.name}.{column.name}: {err}") from None
    return value


async def schema_of(engine: AsyncEngine) -> list[str]:
    """The migration heads the database is at."""
    revisions = await current(engine)
    return sorted(revisions.split(", ")) if revisions else []


def migrations() -> ScriptDirectory:
    """This version's migration scripts."""
    return ScriptDirectory.from_config(alembic_config())


def up_to_date(schema: list[str]) -> bool:
    """Whether every migration this version knows is applied under these heads."""
    script = migrations()
    applied = {r.revision for r in script.iterate_revisions(tuple(schema), "base")}
    return bool(schema) and set(script.get_heads()) <= applied


def engine_for(target: str | AsyncEngine, *, existing: bool = False) -> tuple[AsyncEngine, bool]:
    """An engine for a URL (True: ours to dispose of) or the engine given; with `existing`,
    refuse a SQLite file that is not there rather than create an empty one."""
    if not isinstance(target, str):
        return target, False
    if existing and is_sqlite(target) and not sqlite_path(target).exists():
        raise TransferError(f"there is no database at {sqlite_path(target)}")
    return make_engine(target), True


def ref_head(kind: str, ref: str) -> int | None:
    """The id of the moving row a pending item's ref names (None: not a moving kind, or a
    malformed ref)."""
    moving = MOVING.get(kind)
    return moving.row_id(ref) if moving is not None else None


def moved_ref(kind: str, ref: str, row_id: int) -> str:
    """A moving item's ref, naming the row's id in the target."""
    return MOVING[kind].moved(ref, row_id)
