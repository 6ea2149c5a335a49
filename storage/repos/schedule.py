"""The persistent schedule: items due at a time, claimed once, completed with their messages."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.records import NewDelivery, ScheduledItem, ScheduleStatus
from storage.models.core import ScheduleRow
from storage.repos.base import Repo
from storage.repos.outbox import insert_deliveries


def item_record(row: ScheduleRow) -> ScheduledItem:
    """A schedule row as the core's record."""
    return ScheduledItem(
        id=row.id, kind=row.kind, ref=row.ref, due_at=row.due_at,
        status=ScheduleStatus(row.status), grace_seconds=row.grace_seconds,
        payload=dict(row.payload or {}), note=row.note, ran_at=row.ran_at,
    )


class SqlSchedule(Repo):
    """Schedule items."""

    async def add(self, kind: str, ref: str, due_at: datetime, *, grace_seconds: int = 3600,
                  payload: dict[str, Any] | None = None) -> ScheduledItem:
        """Schedule an item, replacing a pending one of the same kind and ref."""
        for _ in range(2):
            # Another process may schedule the same kind and ref at the same moment (each
            # process plans every chat's digest at start): try again, the last one wins.
            with contextlib.suppress(IntegrityError):
                return await self._replace(kind, ref, due_at, grace_seconds, payload)
        return await self._replace(kind, ref, due_at, grace_seconds, payload)

    async def _replace(self, kind: str, ref: str, due_at: datetime, grace_seconds: int,
                       payload: dict[str, Any] | None) -> ScheduledItem:
        async with self.sessions.begin() as s:
            await s.execute(update(ScheduleRow).where(
                ScheduleRow.kind == kind, ScheduleRow.ref == ref,
                ScheduleRow.status == ScheduleStatus.PENDING.value,
            ).values(status=ScheduleStatus.CANCELLED.value, note="replaced"))
            row = ScheduleRow(kind=kind, ref=ref, due_at=due_at, grace_seconds=grace_seconds,
                              payload=payload or {}, status=ScheduleStatus.PENDING.value,
                              created_at=self.now())
            s.add(row)
            await s.flush()
            return item_record(row)

    async def cancel(self, kind: str, ref: str) -> int:
        """Cancel pending items of a kind and ref."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(ScheduleRow).where(
                ScheduleRow.kind == kind, ScheduleRow.ref == ref,
                ScheduleRow.status == ScheduleStatus.PENDING.value,
            ).values(status=ScheduleStatus.CANCELLED.value))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def cancel_prefix(self, kind: str, ref_prefix: str) -> int:
        """Cancel pending items of a kind whose ref starts with `ref_prefix`."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(ScheduleRow).where(
                ScheduleRow.kind == kind, ScheduleRow.ref.startswith(ref_prefix, autoescape=True),
                ScheduleRow.status == ScheduleStatus.PENDING.value,
            ).values(status=ScheduleStatus.CANCELLED.value))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def get(self, item_id: int) -> ScheduledItem | None:
        """An item by id."""
        async with self.sessions() as s:
            row = await s.get(ScheduleRow, item_id)
            return item_record(row) if row else None

    async def pending(self, until: datetime | None = None,
                      limit: int | None = None) -> list[ScheduledItem]:
        """Pending items due before `until`, earliest first (the first `limit` of them)."""
        query = select(ScheduleRow).where(ScheduleRow.status == ScheduleStatus.PENDING.value)
        if until is not None:
            query = query.where(ScheduleRow.due_at <= until)
        query = query.order_by(ScheduleRow.due_at, ScheduleRow.id)
        if limit is not None:
            query = query.limit(limit)
        async with self.sessions() as s:
            rows = await s.scalars(query)
            return [item_record(r) for r in rows]

    async def pending_refs(self, kind: str) -> set[str]:
        """The refs of pending items of one kind."""
        async with self.sessions() as s:
            return set(await s.scalars(select(ScheduleRow.ref).where(
                ScheduleRow.kind == kind, ScheduleRow.status == ScheduleStatus.PENDING.value)))

    async def claim(self, item_ids: Sequence[int], now: datetime,
                    owner: str | None = None) -> list[ScheduledItem]:
        """Move pending items to running (for `owner`); only the winner of each row gets it."""
        if not item_ids:
            return []
        async with self.sessions.begin() as s:
            result = await s.execute(
                update(ScheduleRow)
                .where(ScheduleRow.id.in_(list(item_ids)),
                       ScheduleRow.status == ScheduleStatus.PENDING.value)
                .values(status=ScheduleStatus.RUNNING.value, claimed_at=now, claimed_by=owner)
                .returning(ScheduleRow)
            )
            return [item_record(r) for r in result.scalars()]

    async def claim_due(self, now: datetime, limit: int,
                        owner: str | None = None) -> list[ScheduledItem]:
        """Claim the earliest due items (safe across processes on PostgreSQL)."""
        async with self.sessions.begin() as s:
            ids = list(await s.scalars(
                select(ScheduleRow.id)
                .where(ScheduleRow.status == ScheduleStatus.PENDING.value,
                       ScheduleRow.due_at <= now)
                .order_by(ScheduleRow.due_at).limit(limit)
                .with_for_update(skip_locked=True)))
            if not ids:
                return []
            result = await s.execute(
                update(ScheduleRow).where(ScheduleRow.id.in_(ids))
                .values(status=ScheduleStatus.RUNNING.value, claimed_at=now, claimed_by=owner)
                .returning(ScheduleRow))
            return sorted((item_record(r) for r in result.scalars()),
                          key=lambda i: (i.due_at, i.id))

    async def complete(self, item_id: int, deliveries: Sequence[NewDelivery], now: datetime,
                       *, note: str | None = None, owner: str | None = None) -> list[int] | None:
        """Mark an item done and queue its messages in the same transaction.

        With `owner`, only while the item is still that owner's claim: None (and nothing
        written) when it was handed to another process meanwhile.
        """
        mine = [ScheduleRow.id == item_id]
        if owner is not None:
            mine += [ScheduleRow.status == ScheduleStatus.RUNNING.value,
                     ScheduleRow.claimed_by == owner]
        async with self.sessions.begin() as s:
            done = await s.execute(update(ScheduleRow).where(*mine).values(
                status=ScheduleStatus.DONE.value, ran_at=now, note=note))
            if not done.rowcount:  # type: ignore[attr-defined]
                return None
            return await insert_deliveries(s, self.dialect, deliveries, self.now())

    async def skip(self, item_id: int, reason: str, now: datetime) -> None:
        """Mark an item skipped, with the reason."""
        await self._finish(item_id, ScheduleStatus.SKIPPED, reason, now)

    async def fail(self, item_id: int, reason: str, now: datetime) -> None:
        """Mark an item failed, with the reason."""
        await self._finish(item_id, ScheduleStatus.FAILED, reason, now)

    async def _finish(self, item_id: int, status: ScheduleStatus, note: str,
                      now: datetime) -> None:
        async with self.sessions.begin() as s:
            await s.execute(update(ScheduleRow).where(ScheduleRow.id == item_id).values(
                status=status.value, note=note[:1000], ran_at=now))

    async def recover_running(self, older_than: datetime, *,
                              owners: Sequence[str] = ()) -> int:
        """Return to pending the items whose runner died mid-run: claimed before
        `older_than`, or claimed by one of `owners` (processes known to be gone)."""
        stuck = ScheduleRow.claimed_at < older_than
        if owners:
            stuck = stuck | ScheduleRow.claimed_by.in_(list(owners))
        async with self.sessions.begin() as s:
            result = await s.execute(update(ScheduleRow).where(
                ScheduleRow.status == ScheduleStatus.RUNNING.value, stuck,
            ).values(status=ScheduleStatus.PENDING.value, claimed_by=None))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def claimants(self) -> list[str]:
        """The processes holding running items."""
        async with self.sessions() as s:
            rows = await s.scalars(select(ScheduleRow.claimed_by).distinct().where(
                ScheduleRow.status == ScheduleStatus.RUNNING.value,
                ScheduleRow.claimed_by.is_not(None)))
            return sorted(r for r in rows if r)
