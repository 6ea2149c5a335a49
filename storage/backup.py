"""Backups and moves: an online SQLite backup, and copying every row to another database."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import is_sqlite, make_engine
from storage.migrate import upgrade
from storage.models import metadata

BATCH = 1000


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL."""
    return Path(url.split(":///", 1)[1])


async def backup_sqlite(url: str, destination: Path) -> int:
    """Copy a live SQLite database to `destination` with SQLite's online backup API.

    Safe while the bot runs (WAL): the copy is a consistent snapshot. Returns its size.
    """
    source = sqlite_path(url)
    if not source.exists():
        raise FileNotFoundError(source)
    destination.parent.mkdir(parents=True, exist_ok=True)

    def run() -> int:
        with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
            src.backup(dst)
        return destination.stat().st_size

    return await asyncio.to_thread(run)


async def copy_database(source_url: str, target_url: str,
                        progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every row of every table from one database to another, empty one (migrated here).

    Tables go in foreign-key order and rows in id order; PostgreSQL sequences are moved
    past the copied ids. Returns the row count per table.
    """
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        await upgrade(target)
        await _refuse_non_empty(target)
        counts: dict[str, int] = {}
        async with source.connect() as src, target.begin() as dst:
            for table in metadata.sorted_tables:
                order = list(table.primary_key.columns)
                copied = 0
                result = await src.stream(select(table).order_by(*order))
                async for chunk in result.mappings().partitions(BATCH):
                    await dst.execute(insert(table), [dict(row) for row in chunk])
                    copied += len(chunk)
                counts[table.name] = copied
                if progress:
                    progress(table.name, copied)
            if target.dialect.name == "postgresql":
                await _reset_sequences(dst)
        await _copy_extras(source, target)
        return counts
    finally:
        await source.dispose()
        await target.dispose()


async def _refuse_non_empty(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if await conn.scalar(select(func.count()).select_from(table)):
                raise ValueError(f"the target database is not empty (table {table.name})")


async def _reset_sequences(conn: object) -> None:
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement is not False and str(pk[0].type) == "INTEGER":
            await conn.execute(text(  # type: ignore[attr-defined]
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"))


async def _copy_extras(source: AsyncEngine, target: AsyncEngine) -> None:
    """Derived structures (search indexes) rebuild themselves from the copied rows."""
    for hook in REBUILD_HOOKS:
        await hook(target)


# Features with derived data outside the ORM tables (e.g. a full-text index) register a
# coroutine here that rebuilds it on a freshly copied database.
REBUILD_HOOKS: list[Callable[[AsyncEngine], Awaitable[None]]] = []


def describe(url: str) -> str:
    """A URL without its password, for messages."""
    if is_sqlite(url):
        return url
    head, sep, tail = url.partition("@")
    if not sep:
        return url
    scheme, _, creds = head.partition("://")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{tail}"
