"""The SQL store: every repository over one engine."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Clock
from storage.db import make_engine, sessions
from storage.repos.core import SqlAudit, SqlChats, SqlCommunities, SqlPeople
from storage.repos.outbox import SqlOutbox
from storage.repos.polls import SqlPolls
from storage.repos.schedule import SqlSchedule


class SqlStore:
    """Implements the core's `Store` on SQLite or PostgreSQL."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        factory = sessions(engine)
        dialect = engine.dialect.name
        args = (factory, clock, dialect)
        self.chats = SqlChats(*args)
        self.people = SqlPeople(*args)
        self.communities = SqlCommunities(*args)
        self.audit = SqlAudit(*args)
        self.schedule = SqlSchedule(*args)
        self.outbox = SqlOutbox(*args)
        self.polls = SqlPolls(*args)

    @classmethod
    def from_url(cls, url: str, clock: Clock) -> SqlStore:
        """A store on a new engine for `url`."""
        return cls(make_engine(url), clock)

    async def close(self) -> None:
        """Release the engine's connections."""
        await self.engine.dispose()
