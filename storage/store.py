"""The SQL store: every repository over one engine."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Clock
from storage.db import make_engine, sessions
from storage.repos.core import (
    EventCache,
    SqlAudit,
    SqlChats,
    SqlCommunities,
    SqlEvents,
    SqlPeople,
)
from storage.repos.forms import SqlForms
from storage.repos.inbound import SqlInbound
from storage.repos.knowledge import SqlKnowledge
from storage.repos.meetings import SqlMeetings
from storage.repos.minutes import SqlMinutes
from storage.repos.notices import SqlNotices
from storage.repos.outbox import SqlOutbox
from storage.repos.polls import SqlPolls
from storage.repos.schedule import SqlSchedule
from storage.repos.workers import SqlWorkers


class SqlStore:
    """Implements the core's `Store` on SQLite or PostgreSQL."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        factory = sessions(engine)
        dialect = engine.dialect.name
        args = (factory, clock, dialect)
        self.chats = SqlChats(*args)
        self.people = SqlPeople(*args)
        self.events = SqlEvents(*args)
        self.communities = SqlCommunities(*args)
        self.audit = SqlAudit(*args)
        # Loading an event's chat, person and role is the hot path; the cache is
        # dropped by every write to those through this store.
        cache = EventCache()
        self.events.cache = cache
        for repo in (self.chats, self.people, self.communities):
            repo.on_change = cache.clear
        self.schedule = SqlSchedule(*args)
        self.outbox = SqlOutbox(*args)
        self.workers = SqlWorkers(*args)
        self.inbound = SqlInbound(*args)
        self.knowledge = SqlKnowledge(*args)
        self.forms = SqlForms(*args)
        self.notices = SqlNotices(*args)
        self.polls = SqlPolls(*args)
        self.meetings = SqlMeetings(*args)
        self.minutes = SqlMinutes(*args)

    @classmethod
    def from_url(cls, url: str, clock: Clock) -> SqlStore:
        """A store on a new engine for `url`."""
        return cls(make_engine(url), clock)

    async def close(self) -> None:
        """Release the engine's connections."""
        await self.engine.dispose()
