"""Engine, sessions and column types shared by every model."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (Alembic needs them on SQLite)."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL."""
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys, a busy timeout and immediate writes."""
    if is_sqlite(url):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
    else:
        # Webhook requests claim their update concurrently (Telegram keeps up to 40 in
        # flight): with the default pool (5 kept, 10 more opened and closed again) a busy
        # process spent a tenth of its CPU in PostgreSQL starting connections
        # (bench/scale.py). Keep them open instead; at most 20 per process.
        kwargs.setdefault("pool_size", 15)
        kwargs.setdefault("max_overflow", 5)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        _sqlite_pragmas(engine)
    return engine


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves: every write transaction takes the write lock
        # up front, so two writers queue on busy_timeout instead of failing with
        # "database is locked" when a read transaction tries to upgrade. Reads
        # (Sessions.__call__) begin deferred: under WAL they never wait for a writer.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Any) -> None:
        read = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


READ_ONLY = "diaspora_read_only"


class Sessions:
    """The sessions every repository uses: `sessions()` to read, `sessions.begin()` to write.

    A read session never commits (what it changed would be rolled back), so on SQLite it
    begins deferred and does not queue behind writers; a write transaction takes the write
    lock when it begins. On SQLite the writers of this process also take turns on an
    asyncio lock: SQLite makes a waiting writer sleep-poll (1, 2, 5, 10 ms...), so three
    busy writers (schedule, outbox, inbound) lost most of their time asleep. Holding every
    read to the write lock as well made each query wait ~9 ms on the others.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._write = async_sessionmaker(engine, expire_on_commit=False)
        self._read = async_sessionmaker(engine.execution_options(**{READ_ONLY: True}),
                                        expire_on_commit=False)
        self._turns = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    def __call__(self) -> AsyncSession:
        """A session for reading."""
        return self._read()

    def begin(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session in a write transaction, committed when the block ends."""
        if self._turns is None:
            return self._write.begin()
        return self._in_turn()

    @asynccontextmanager
    async def _in_turn(self) -> AsyncIterator[AsyncSession]:
        assert self._turns is not None
        async with self._turns, self._write.begin() as session:
            yield session


def sessions(engine: AsyncEngine) -> Sessions:
    """The session factory used by every repository."""
    return Sessions(engine)
