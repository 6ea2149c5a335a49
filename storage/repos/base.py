"""What every repository shares: the session factory and the clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.ports import Clock


class Repo:
    """Base of repositories: one method, one transaction."""

    def __init__(self, sessions: async_sessionmaker[Any], clock: Clock, dialect: str) -> None:
        self.sessions = sessions
        self.clock = clock
        self.dialect = dialect

    def now(self) -> datetime:
        """Now, from the injected clock."""
        return self.clock.now()
