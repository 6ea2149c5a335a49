"""Import: a document's community added to a database, with new ids, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.backup import REBUILD_HOOKS
from storage.migrate import upgrade
from storage.models import metadata
from storage.transfer.common import (
    BATCH,
    FORMAT,
    MOVED,
    SCHEDULE,
    SCHEDULED,
    SOFT_REFS,
    VERSION,
    ImportSummary,
    TransferError,
    decode,
    engine_for,
    migrations,
    moved_ref,
    natural_key,
    owned_tables,
    ref_head,
    serial_id,
    shared_tables,
)


async def import_community(target: str | AsyncEngine, document: Any, *,
                           now: datetime | None = None) -> ImportSummary:
    """Add a document's community to `target` (migrated first), all in one transaction.

    Every row gets a new id and every reference follows it; nothing is written when a chat
    of the document is already in the target, or when the document is not one we read.
    """
    community, tables = _validated(document)
    engine, own = engine_for(target)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            summary = await _insert_all(conn, community, tables)
            await conn.execute(insert(metadata.tables["audit_log"]).values(
                at=now or datetime.now(UTC), action="community import", actor_person_id=None,
                chat_id=None, community_id=summary.community_id, allowed=True,
                detail={"via": "import", "from_community": community["id"],
                        "exported_at": document.get("exported_at"),
                        "rows": sum(summary.rows.values())}))
        for hook in REBUILD_HOOKS:
            await hook(engine)
        return summary
    except StatementError as err:
        raise TransferError(f"the target refused the document ({err.orig}); "
                            "nothing was imported") from None
    finally:
        if own:
            await engine.dispose()


def _validated(document: Any) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TransferError(f'not a community export (no "format": "{FORMAT}")')
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TransferError("the document has no valid version")
    if version > VERSION:
        raise TransferError(f"the document was made by a newer diaspora-bot (format version "
                            f"{version}, this one reads {VERSION}): upgrade diaspora-bot here "
                            "first")
    schema = document.get("schema")
    if not isinstance(schema, list) or not all(isinstance(r, str) for r in schema):
        raise TransferError("the document names no schema revisions")
    known = {r.revision for r in migrations().walk_revisions()}
    if newer := [r for r in schema if r not in known]:
        raise TransferError(f"the document comes from a newer database schema (revision "
                            f"{', '.join(newer)} is unknown here): upgrade diaspora-bot here "
                            "first")
    community, tables = document.get("community"), document.get("tables")
    if not isinstance(community, dict) or not isinstance(community.get("id"), int):
        raise TransferError("the document has no community")
    if not isinstance(tables, dict):
        raise TransferError("the document has no tables")
    movable = (owned_tables().keys() | set(shared_tables()) | {SCHEDULE}) - {"communities"}
    if unknown := sorted(tables.keys() - movable):
        raise TransferError(f"the document has a table {unknown[0]!r} this diaspora-bot "
                            "does not move (a newer schema?)")
    for name, rows in [("communities", [community]), *tables.items()]:
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise TransferError(f"table {name} of the document is not a list of rows")
        table = metadata.tables[name]
        serial = serial_id(table)
        for row in rows:
            if extra := row.keys() - table.c.keys():
                raise TransferError(f"table {name} of the document has unknown columns "
                                    f"{', '.join(sorted(extra))} (a newer schema?)")
            if serial is not None and not isinstance(row.get(serial.name), int):
                raise TransferError(f"a row of table {name} has no {serial.name}")
    return community, tables


async def _insert_all(conn: AsyncConnection, community: dict[str, Any],
                      tables: dict[str, list[dict[str, Any]]]) -> ImportSummary:
    await _refuse_known_chats(conn, tables.get("chats", []))
    shared = set(shared_tables())
    ids: dict[str, dict[int, int]] = {}
    rows: dict[str, int] = {}
    reused: dict[str, int] = {}
    for table in metadata.sorted_tables:
        given = [community] if table.name == "communities" else tables.get(table.name, [])
        if table.name == SCHEDULE or not given:
            continue
        if table.name in shared:
            rows[table.name], reused[table.name] = await _match(conn, table, given, ids)
        else:
            rows[table.name] = await _insert(conn, table, given, ids)
    rows[SCHEDULE] = await _insert_schedule(conn, tables.get(SCHEDULE, []), ids)
    return ImportSummary(ids["communities"][community["id"]], rows, reused)


async def _refuse_known_chats(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    chats = metadata.tables["chats"]
    for row in rows:
        found = await conn.scalar(select(chats.c.community_id).where(
            chats.c.platform == row.get("platform"), chats.c.platform_id == row.get("platform_id")))
        if found is not None:
            title = f" ({row['title']})" if row.get("title") else ""
            raise TransferError(f"chat {row.get('platform')}:{row.get('platform_id')}{title} "
                                f"already belongs to community {found} in the target; "
                                "nothing was imported")


def _values(table: Table, row: dict[str, Any],
            ids: dict[str, dict[int, int]]) -> tuple[dict[str, Any], dict[str, int]]:
    """A row ready to insert, and its references to rows of its own table (set afterwards)."""
    values: dict[str, Any] = {}
    later: dict[str, int] = {}
    serial = serial_id(table)
    for column in table.c:
        if column.name not in row or column is serial:
            continue
        value = decode(column, row[column.name])
        soft = SOFT_REFS.get((table.name, column.name))
        targets = [fk.column.table.name for fk in column.foreign_keys]
        if value is None or (soft is None and not targets):
            values[column.name] = value
            continue
        if soft is not None and soft.table == table.name:
            later[column.name], values[column.name] = value, 0
            continue
        target = soft.table if soft is not None else targets[0]
        known = ids.get(target, {})
        try:
            new = soft.rewrite(value, known.get) if soft is not None else known.get(value)
        except TypeError:  # a list where an id belongs, say
            raise TransferError(f"bad value for {table.name}.{column.name}") from None
        if new is None and not column.nullable:
            raise TransferError(f"{table.name}.{column.name} refers to a row of {target} "
                                f"({value}) that the document lacks")
        values[column.name] = new
    if table.name == "minutes_marks" and "number" not in row and row.get("kind") == "action":
        # A document from before action items were numbered per community: there, an
        # item's number was its id, the one its reminders and minutes named.
        values["number"] = row.get("id")
    if table.name == "polls" and values.get("anonymous") and values.get("key_check"):
        values["key_check"] = MOVED
    return values, later


def _batches(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    """Runs of rows with the same columns, at most BATCH long (one executemany each)."""
    run: list[dict[str, Any]] = []
    for row in rows:
        if run and (len(run) >= BATCH or row.keys() != run[0].keys()):
            yield run
            run = []
        run.append(row)
    if run:
        yield run


async def _insert(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]],
                  ids: dict[str, dict[int, int]]) -> int:
    prepared = [_values(table, row, ids) for row in rows]
    serial = serial_id(table)
    if serial is None:
        for run in _batches([values for values, _later in prepared]):
            await conn.execute(insert(table), run)
        return len(rows)
    new_ids: list[int] = []
    statement = insert(table).returning(serial, sort_by_parameter_order=True)
    for run in _batches([values for values, _later in prepared]):
        new_ids += (await conn.execute(statement, run)).scalars()
    mapping = ids.setdefault(table.name, {})
    mapping.update(zip((row[serial.name] for row in rows), new_ids, strict=True))
    changes: dict[tuple[str, int], list[int]] = {}
    for (_row, later), new_id in zip(prepared, new_ids, strict=True):
        for name, old in later.items():
            changes.setdefault((name, mapping.get(old, new_id)), []).append(new_id)
    for (name, value), targets in changes.items():
        await conn.execute(update(table).where(serial.in_(targets)).values({name: value}))
    return len(rows)


async def _match(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]],
                 ids: dict[str, dict[int, int]]) -> tuple[int, int]:
    """Reuse the target's row with the same natural key, or insert one; (made, reused)."""
    key, serial = natural_key(table), serial_id(table)
    assert key is not None and serial is not None, f"{table.name} has no natural key"
    mapping = ids.setdefault(table.name, {})
    made = reused = 0
    for row in rows:
        values, _later = _values(table, row, ids)
        found = await conn.scalar(select(serial).where(
            *(table.c[k] == values.get(k) for k in key)))
        if found is None:
            found = await conn.scalar(insert(table).values(values).returning(serial))
            made += 1
        else:
            reused += 1
        mapping[row[serial.name]] = found
    return made, reused


async def _insert_schedule(conn: AsyncConnection, rows: list[dict[str, Any]],
                           ids: dict[str, dict[int, int]]) -> int:
    """Pending items of moved rows, their refs following the new ids; others are dropped."""
    table = metadata.tables[SCHEDULE]
    made = 0
    for row in rows:
        kind, ref = row.get("kind"), row.get("ref")
        source = SCHEDULED.get(kind) if isinstance(kind, str) else None
        head = ref_head(kind, ref) if isinstance(kind, str) and isinstance(ref, str) else None
        new = ids.get(source, {}).get(head) if source and head is not None else None
        if new is None or not isinstance(kind, str) or not isinstance(ref, str):
            continue
        values, _later = _values(table, row, ids)
        values.update({name: None for name in ("claimed_at", "claimed_by", "ran_at")
                       if name in table.c})
        values.update(ref=moved_ref(kind, ref, new), status="pending")
        await conn.execute(insert(table).values(values))
        made += 1
    return made
