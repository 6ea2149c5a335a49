"""Inbound de-duplication: each platform update is handled by one process, once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models.core import InboundRow
from storage.repos.base import Repo

# A claim not marked done within this long belongs to a process that died: take it over.
TAKEOVER_AFTER = timedelta(seconds=60)


class SqlInbound(Repo):
    """Claims on inbound updates."""

    async def claim(self, platform: str, key: str) -> bool:
        """True if this process should handle the update (first time, or its handler died)."""
        now = self.now()
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        async with self.sessions.begin() as s:
            inserted = await s.scalar(
                insert(InboundRow)
                .values(platform=platform, update_key=key, status="processing", claimed_at=now)
                .on_conflict_do_nothing().returning(InboundRow.update_key))
            if inserted is not None:
                return True
            taken = await s.scalar(
                update(InboundRow)
                .where(InboundRow.platform == platform, InboundRow.update_key == key,
                       InboundRow.status == "processing",
                       InboundRow.claimed_at < now - TAKEOVER_AFTER)
                .values(claimed_at=now).returning(InboundRow.update_key))
            return taken is not None

    async def done(self, platform: str, key: str) -> None:
        """The update was handled."""
        async with self.sessions.begin() as s:
            await s.execute(update(InboundRow).where(
                InboundRow.platform == platform, InboundRow.update_key == key,
            ).values(status="done"))

    async def purge_before(self, moment: datetime) -> int:
        """Forget claims older than `moment` (platforms stop redelivering long before)."""
        async with self.sessions.begin() as s:
            result = await s.execute(delete(InboundRow).where(InboundRow.claimed_at < moment))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
