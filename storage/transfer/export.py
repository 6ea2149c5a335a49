"""Export: one community and everything it owns, read in one snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.db import READ_ONLY
from storage.models import metadata
from storage.transfer.common import (
    BATCH,
    FORMAT,
    SCHEDULE,
    SCHEDULED,
    SOFT_REFS,
    VERSION,
    TransferError,
    encode,
    engine_for,
    owned_by,
    owned_tables,
    plain_ids,
    ref_head,
    schema_of,
    serial_id,
    shared_tables,
    up_to_date,
)


async def resolve_community(source: str | AsyncEngine, ref: str) -> int:
    """A community by its number, or by one of its chats given as platform:chat id."""
    if ref.isdigit():
        return int(ref)
    platform, sep, chat = ref.partition(":")
    if not sep or not chat:
        raise TransferError(f"{ref!r} is neither a community number nor platform:chat id")
    engine, own = engine_for(source, existing=True)
    chats = metadata.tables["chats"]
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(select(chats.c.community_id).where(
                chats.c.platform == platform, chats.c.platform_id == chat))
    finally:
        if own:
            await engine.dispose()
    if found is None:
        raise TransferError(f"there is no chat {ref}")
    return int(found)


async def export_community(source: str | AsyncEngine, community_id: int, *,
                           now: datetime | None = None) -> dict[str, Any]:
    """The community and everything it owns, as a JSON-serialisable document."""
    engine, own = engine_for(source, existing=True)
    try:
        schema = await schema_of(engine)
        if not up_to_date(schema):
            raise TransferError(f"the database is at revision {', '.join(schema) or 'none'}, "
                                "not this diaspora-bot's: run `diaspora-bot migrate` first")
        options: dict[str, Any] = {READ_ONLY: True}
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"  # one snapshot for every query
        async with engine.connect() as conn:
            conn = await conn.execution_options(**options)
            rows = await _collect(conn, community_id)
    finally:
        if own:
            await engine.dispose()
    [community] = rows.pop("communities")
    return {"format": FORMAT, "version": VERSION,
            "exported_at": (now or datetime.now(UTC)).isoformat(), "schema": schema,
            "community": community, "tables": rows}


async def _collect(conn: AsyncConnection, community_id: int) -> dict[str, list[dict[str, Any]]]:
    owned = owned_tables()
    raw: dict[str, list[Any]] = {}
    for name in owned:
        table = metadata.tables[name]
        result = await conn.execute(select(table).where(owned_by(table, community_id, owned))
                                    .order_by(*table.primary_key.columns))
        raw[name] = list(result.mappings())
    if not raw["communities"]:
        raise TransferError(f"there is no community {community_id}")
    wanted: dict[str, set[int]] = {name: set() for name in shared_tables()}
    for name, found in raw.items():
        for column in metadata.tables[name].c:
            soft = SOFT_REFS.get((name, column.name))
            targets = [fk.column.table.name for fk in column.foreign_keys]
            for target in [*targets, *([soft.table] if soft else [])]:
                if target in wanted:
                    pick = soft.found if soft and target == soft.table else plain_ids
                    wanted[target].update(i for row in found for i in pick(row[column.name]))
    for name, ids in wanted.items():
        table = metadata.tables[name]
        serial = serial_id(table)
        assert serial is not None, f"shared table {name} needs a single integer id"
        raw[name] = []
        ordered = sorted(ids)
        for start in range(0, len(ordered), BATCH):
            chunk = ordered[start:start + BATCH]
            result = await conn.execute(select(table).where(serial.in_(chunk)).order_by(serial))
            raw[name] += list(result.mappings())
    raw[SCHEDULE] = await _schedule_rows(conn, raw)
    out = {}
    for table in metadata.sorted_tables:
        if table.name in raw:
            out[table.name] = [{c.name: encode(row[c.name]) for c in table.c}
                               for row in raw[table.name]]
    return out


async def _schedule_rows(conn: AsyncConnection, raw: dict[str, list[Any]]) -> list[Any]:
    ids = {name: {row["id"] for row in raw.get(name, [])} for name in set(SCHEDULED.values())}
    table = metadata.tables[SCHEDULE]
    result = await conn.execute(select(table).where(
        table.c.status == "pending", table.c.kind.in_(list(SCHEDULED))).order_by(table.c.id))
    return [row for row in result.mappings() if ref_head(row["kind"], row["ref"]) in ids[SCHEDULED[row["kind"]]]]

