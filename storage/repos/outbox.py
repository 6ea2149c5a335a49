"""The outbox: messages queued in the database, claimed, sent and recorded once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.records import Delivery, DeliveryOp, DeliveryStatus, NewDelivery
from bot.sources import SourceRef
from storage.models.core import ChatRow, DeliveryRow
from storage.repos.base import Repo


def delivery_record(row: DeliveryRow) -> Delivery:
    """A delivery row as the core's record."""
    return Delivery(
        id=row.id, chat_id=row.chat_id, op=DeliveryOp(row.op), payload=dict(row.payload),
        key=row.key, status=DeliveryStatus(row.status), attempts=row.attempts,
        not_before=row.not_before, message_ids=tuple(row.message_ids or ()), error=row.error,
        source=row.source, target_delivery_id=row.target_delivery_id,
    )


async def insert_deliveries(s: Any, dialect: str, deliveries: Sequence[NewDelivery],
                            now: datetime) -> list[int]:
    """Insert deliveries in an open session; keys already queued are left alone."""
    if not deliveries:
        return []
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows: list[dict[str, Any]] = [{
        "key": d.key[:200], "chat_id": d.chat_id, "op": d.op.value, "payload": d.payload,
        "status": DeliveryStatus.PENDING.value, "attempts": 0,
        "not_before": d.not_before or now, "message_ids": [],
        "source": d.source.text if d.source is not None else None,
        "target_delivery_id": d.target_delivery_id, "urgent": d.urgent, "created_at": now,
    } for d in deliveries]
    ids: list[int] = []
    for start in range(0, len(rows), 500):
        stmt = (insert(DeliveryRow).values(rows[start:start + 500])
                .on_conflict_do_nothing(index_elements=["key"]).returning(DeliveryRow.id))
        ids.extend(await s.scalars(stmt))
    return ids


class SqlOutbox(Repo):
    """Deliveries."""

    async def enqueue(self, deliveries: Sequence[NewDelivery]) -> list[int]:
        """Queue messages; a key already queued is not queued again."""
        async with self.sessions.begin() as s:
            return await insert_deliveries(s, self.dialect, deliveries, self.now())

    async def claim(self, now: datetime, limit: int, owner: str,
                    platforms: Sequence[str] | None = None) -> list[Delivery]:
        """Claim due pending deliveries, urgent first (SKIP LOCKED across processes); only
        to chats on `platforms` when given (the platforms this process can send to).

        A delivery is left for later while an earlier one to the same chat is being sent or
        is due but not in this claim (another process holds it, or the limit left it out),
        so two processes never send to one chat at once: a chat's messages keep their
        order, and an edit never overtakes the message it edits. Urgent deliveries only
        wait for earlier urgent ones.
        """
        due = [DeliveryRow.status == DeliveryStatus.PENDING.value, DeliveryRow.not_before <= now]
        if platforms is not None:
            due.append(DeliveryRow.chat_id.in_(
                select(ChatRow.id).where(ChatRow.platform.in_(list(platforms)))))
        async with self.sessions.begin() as s:
            candidates = (await s.execute(
                select(DeliveryRow.id, DeliveryRow.chat_id, DeliveryRow.urgent)
                .where(*due)
                .order_by(DeliveryRow.urgent.desc(), DeliveryRow.id).limit(limit)
                .with_for_update(skip_locked=True))).all()
            if not candidates:
                return []
            ids = await self._in_order(s, candidates, now)
            if not ids:
                return []
            result = await s.execute(
                update(DeliveryRow).where(DeliveryRow.id.in_(ids))
                .values(status=DeliveryStatus.SENDING.value, claimed_at=now, claimed_by=owner,
                        attempts=DeliveryRow.attempts + 1)
                .returning(DeliveryRow))
            return sorted((delivery_record(r) for r in result.scalars()), key=lambda d: d.id)

    @staticmethod
    async def _in_order(s: Any, candidates: Sequence[Any], now: datetime) -> list[int]:
        """The candidates no earlier unfinished delivery to their chat is left out of."""
        mine = {c.id for c in candidates}
        chats = {c.chat_id for c in candidates}
        unfinished = (DeliveryRow.status == DeliveryStatus.SENDING.value) | (
            (DeliveryRow.status == DeliveryStatus.PENDING.value) & (DeliveryRow.not_before <= now))
        others = (await s.execute(
            select(DeliveryRow.chat_id, DeliveryRow.id, DeliveryRow.urgent)
            .where(DeliveryRow.chat_id.in_(chats), DeliveryRow.id < max(mine), unfinished,
                   DeliveryRow.id.not_in(mine)))).all()
        first_other: dict[tuple[int, bool], int] = {}
        for row in others:
            for urgent in (False, True) if row.urgent else (False,):
                key = (row.chat_id, urgent)
                first_other[key] = min(first_other.get(key, row.id), row.id)
        return [c.id for c in candidates
                if first_other.get((c.chat_id, bool(c.urgent)), c.id) >= c.id]

    async def mark_sent(self, delivery_id: int, message_ids: Sequence[str], now: datetime) -> None:
        """Record the platform message ids of a sent delivery."""
        async with self.sessions.begin() as s:
            await s.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(
                status=DeliveryStatus.SENT.value, message_ids=list(message_ids), sent_at=now,
                error=None))

    async def mark_retry(self, delivery_id: int, error: str, not_before: datetime) -> None:
        """Return a delivery to the queue after a transient failure."""
        async with self.sessions.begin() as s:
            await s.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(
                status=DeliveryStatus.PENDING.value, error=error[:1000], not_before=not_before,
                claimed_at=None, claimed_by=None))

    async def mark_failed(self, delivery_id: int, error: str) -> None:
        """Give up on a delivery, keeping the reason."""
        async with self.sessions.begin() as s:
            await s.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(
                status=DeliveryStatus.FAILED.value, error=error[:1000]))

    async def cancel_pending(self, source: SourceRef) -> int:
        """Cancel deliveries of a source that have not been claimed yet."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(DeliveryRow).where(
                DeliveryRow.source == source.text,
                DeliveryRow.status == DeliveryStatus.PENDING.value,
            ).values(status=DeliveryStatus.CANCELLED.value))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def recover_stale(self, older_than: datetime, *,
                            exclude_owner: str | None = None) -> list[Delivery]:
        """Put deliveries whose sender died mid-send back in the queue; return them."""
        stale = [DeliveryRow.status == DeliveryStatus.SENDING.value,
                 DeliveryRow.claimed_at < older_than]
        if exclude_owner is not None:
            stale.append(DeliveryRow.claimed_by.is_distinct_from(exclude_owner))
        async with self.sessions.begin() as s:
            result = await s.execute(
                update(DeliveryRow).where(*stale)
                .values(status=DeliveryStatus.PENDING.value, claimed_at=None, claimed_by=None)
                .returning(DeliveryRow))
            return [delivery_record(r) for r in result.scalars()]

    async def confirm_claim(self, delivery_id: int, owner: str, now: datetime) -> bool:
        """Renew a claim just before sending; False when it is no longer this owner's."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(DeliveryRow).where(
                DeliveryRow.id == delivery_id, DeliveryRow.claimed_by == owner,
                DeliveryRow.status == DeliveryStatus.SENDING.value,
            ).values(claimed_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release(self, delivery_ids: Sequence[int]) -> int:
        """Return claimed deliveries that were never attempted to the queue (claim undone)."""
        if not delivery_ids:
            return 0
        async with self.sessions.begin() as s:
            result = await s.execute(update(DeliveryRow).where(
                DeliveryRow.id.in_(list(delivery_ids)),
                DeliveryRow.status == DeliveryStatus.SENDING.value,
            ).values(status=DeliveryStatus.PENDING.value, claimed_at=None, claimed_by=None,
                     attempts=DeliveryRow.attempts - 1))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def claimants(self) -> list[str]:
        """The owners holding claims (deliveries being sent)."""
        async with self.sessions() as s:
            rows = await s.scalars(select(DeliveryRow.claimed_by).distinct().where(
                DeliveryRow.status == DeliveryStatus.SENDING.value,
                DeliveryRow.claimed_by.is_not(None)))
            return sorted(r for r in rows if r)

    async def recover_owner(self, owner: str, *, keep: Sequence[int] = ()) -> list[Delivery]:
        """Return the claims of an owner that no longer works on them (all but `keep`)."""
        async with self.sessions.begin() as s:
            result = await s.execute(
                update(DeliveryRow).where(
                    DeliveryRow.status == DeliveryStatus.SENDING.value,
                    DeliveryRow.claimed_by == owner,
                    DeliveryRow.id.not_in(list(keep)),
                ).values(status=DeliveryStatus.PENDING.value, claimed_at=None, claimed_by=None)
                .returning(DeliveryRow))
            return [delivery_record(r) for r in result.scalars()]

    async def get(self, delivery_id: int) -> Delivery | None:
        """A delivery by id."""
        async with self.sessions() as s:
            row = await s.get(DeliveryRow, delivery_id)
            return delivery_record(row) if row else None

    async def by_source(self, source: SourceRef) -> list[Delivery]:
        """Every delivery of one source, in order."""
        async with self.sessions() as s:
            rows = await s.scalars(select(DeliveryRow).where(DeliveryRow.source == source.text)
                                   .order_by(DeliveryRow.id))
            return [delivery_record(r) for r in rows]

    async def peek_due(self, now: datetime) -> int:
        """How many deliveries are due now or being sent."""
        async with self.sessions() as s:
            count = await s.scalar(select(func.count()).select_from(DeliveryRow).where(
                ((DeliveryRow.status == DeliveryStatus.PENDING.value)
                 & (DeliveryRow.not_before <= now))
                | (DeliveryRow.status == DeliveryStatus.SENDING.value)))
            return int(count or 0)

    async def depth(self) -> int:
        """How many deliveries wait (pending or being sent)."""
        async with self.sessions() as s:
            count = await s.scalar(select(func.count()).select_from(DeliveryRow).where(
                DeliveryRow.status.in_([DeliveryStatus.PENDING.value,
                                        DeliveryStatus.SENDING.value])))
            return int(count or 0)
