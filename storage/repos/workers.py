"""Heartbeats of the running processes, so they can share each platform's send budget."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models.core import WorkerRow
from storage.repos.base import Repo

# Rows of processes gone this long are deleted (they stopped counting long before).
FORGET_AFTER = timedelta(days=1)


class SqlWorkers(Repo):
    """One row per process: when it started and when it was last seen."""

    async def beat(self, owner: str, now: datetime, *, alive_since: datetime) -> int:
        """Record that `owner` runs; return how many processes were seen since `alive_since`."""
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        async with self.sessions.begin() as s:
            seen = await s.execute(update(WorkerRow).where(WorkerRow.owner == owner)
                                   .values(seen_at=now))
            if not seen.rowcount:  # type: ignore[attr-defined]
                await s.execute(insert(WorkerRow).values(owner=owner, started_at=now, seen_at=now)
                                .on_conflict_do_nothing())
                await s.execute(delete(WorkerRow).where(WorkerRow.seen_at < now - FORGET_AFTER))
            count = await s.scalar(select(func.count()).select_from(WorkerRow)
                                   .where(WorkerRow.seen_at >= alive_since))
            return max(1, int(count or 0))

    async def alive(self, since: datetime) -> set[str]:
        """The processes seen since `since`."""
        async with self.sessions() as s:
            return set(await s.scalars(select(WorkerRow.owner)
                                       .where(WorkerRow.seen_at >= since)))

    async def leave(self, owner: str) -> None:
        """Forget `owner` (it is stopping): the others take its share at their next beat."""
        async with self.sessions.begin() as s:
            await s.execute(delete(WorkerRow).where(WorkerRow.owner == owner))
