"""Inbound de-duplication: each platform update is handled by one process, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models.core import InboundRow, WorkerRow
from storage.repos.base import Repo

# A claim not marked done within this long belongs to a process that died: take it over.
TAKEOVER_AFTER = timedelta(seconds=60)


class SqlInbound(Repo):
    """Claims on inbound updates."""

    async def claim(self, platform: str, key: str, owner: str | None = None, *,
                    gone: Callable[[str], bool] | None = None,
                    alive_for: timedelta | None = None) -> str:
        """Who handles the update: "mine" (first time, or its handler died: claimed before
        TAKEOVER_AFTER, by an owner `gone` says is dead, or, with `alive_for`, by one
        without a heartbeat that recent), "done", or "busy" (another process has it)."""
        now = self.now()
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        async with self.sessions.begin() as s:
            inserted = await s.scalar(
                insert(InboundRow)
                .values(platform=platform, update_key=key, status="processing", claimed_at=now,
                        claimed_by=owner)
                .on_conflict_do_nothing().returning(InboundRow.update_key))
            if inserted is not None:
                return "mine"
            held = (await s.execute(
                select(InboundRow.status, InboundRow.claimed_at, InboundRow.claimed_by)
                .where(InboundRow.platform == platform, InboundRow.update_key == key)
                .with_for_update())).one_or_none()
            if held is None or held.status != "processing":
                return "done"
            stale = held.claimed_at < now - TAKEOVER_AFTER
            dead = bool(held.claimed_by and gone is not None and gone(held.claimed_by))
            if held.claimed_by and alive_for is not None and not (stale or dead):
                seen = await s.scalar(select(WorkerRow.seen_at)
                                      .where(WorkerRow.owner == held.claimed_by))
                dead = seen is None or seen < now - alive_for
            if not (stale or dead):
                return "busy"
            await s.execute(
                update(InboundRow)
                .where(InboundRow.platform == platform, InboundRow.update_key == key)
                .values(claimed_at=now, claimed_by=owner))
            return "mine"

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
