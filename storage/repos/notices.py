"""Verified broadcasters, subscriptions and notices; publishing queues every copy at once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, literal, select, update
from sqlalchemy.exc import IntegrityError

from bot.events import ChatKind, Platform
from bot.features.notices.records import (
    Account,
    Category,
    Copy,
    Notice,
    NoticeStatus,
    NoticeText,
    Organisation,
    Published,
    Subscription,
)
from bot.records import Chat, DeliveryOp, DeliveryStatus, NewDelivery
from bot.sources import NOTICE_COPY
from storage.models.core import ChatRow, DeliveryRow
from storage.models.notices import (
    BroadcasterAccountRow,
    BroadcasterOrgRow,
    NoticeRow,
    NoticeSeenRow,
    NoticeSubscriptionRow,
)
from storage.repos.base import Repo
from storage.repos.core import chat_record
from storage.repos.outbox import insert_deliveries


def org_record(row: BroadcasterOrgRow) -> Organisation:
    """An organisation row as the core's record."""
    return Organisation(row.id, row.short_name, row.name, row.country, row.language, row.active)


def notice_record(row: NoticeRow) -> Notice:
    """A notice row as the core's record."""
    texts = {lang: NoticeText(t.get("title", ""), t.get("body", ""))
             for lang, t in (row.texts or {}).items()}
    return Notice(
        id=row.id, org_id=row.org_id, author_person_id=row.author_person_id,
        author_chat_id=row.author_chat_id, main_language=row.main_language,
        status=NoticeStatus(row.status), category=Category(row.category), texts=texts,
        urgent=row.urgent, seen_button=row.seen_button, publish_at=row.publish_at,
        expires_at=row.expires_at, revision=row.revision, created_at=row.created_at,
        published_at=row.published_at, corrected_at=row.corrected_at,
        retracted_at=row.retracted_at,
        retract_reason=row.retract_reason, expired_at=row.expired_at,
        report_delivery_id=row.report_delivery_id, report_digest=row.report_digest,
    )


def _fields(notice: Notice) -> dict[str, Any]:
    return {
        "status": notice.status.value, "category": notice.category.value,
        "main_language": notice.main_language,
        "texts": {lang: {"title": t.title, "body": t.body} for lang, t in notice.texts.items()},
        "urgent": notice.urgent, "seen_button": notice.seen_button,
        "publish_at": notice.publish_at, "expires_at": notice.expires_at,
        "revision": notice.revision, "corrected_at": notice.corrected_at,
        "retracted_at": notice.retracted_at,
        "retract_reason": notice.retract_reason, "expired_at": notice.expired_at,
        "report_digest": notice.report_digest,
    }


# What a correction or retraction changes (never the report or expiry bookkeeping).
_REVISED = frozenset({"texts", "revision", "corrected_at", "status", "retracted_at",
                      "retract_reason"})


class SqlNotices(Repo):
    """Organisations, accounts, subscriptions, notices and seen marks."""

    # -- organisations and accounts ------------------------------------------------

    async def add_org(self, short_name: str, name: str, country: str,
                      language: str) -> Organisation | None:
        """Register an organisation; None when the short name is taken."""
        try:
            async with self.sessions.begin() as s:
                row = BroadcasterOrgRow(short_name=short_name.lower(), name=name,
                                        country=country.upper(), language=language,
                                        active=True, created_at=self.now())
                s.add(row)
                await s.flush()
                return org_record(row)
        except IntegrityError:
            return None

    async def find_org(self, short_name: str) -> Organisation | None:
        """An active organisation by short name (any case)."""
        async with self.sessions() as s:
            row = await s.scalar(select(BroadcasterOrgRow).where(
                BroadcasterOrgRow.short_name == short_name.lower(),
                BroadcasterOrgRow.active.is_(True)))
            return org_record(row) if row else None

    async def get_org(self, org_id: int) -> Organisation | None:
        """An organisation by id (removed ones too)."""
        async with self.sessions() as s:
            row = await s.get(BroadcasterOrgRow, org_id)
            return org_record(row) if row else None

    async def orgs(self) -> list[Organisation]:
        """Every active organisation, by short name."""
        async with self.sessions() as s:
            rows = await s.scalars(select(BroadcasterOrgRow).where(
                BroadcasterOrgRow.active.is_(True)).order_by(BroadcasterOrgRow.short_name))
            return [org_record(r) for r in rows]

    async def remove_org(self, org_id: int) -> None:
        """Deactivate an organisation, detach its accounts, end its subscriptions and drafts."""
        async with self.sessions.begin() as s:
            await s.execute(update(BroadcasterOrgRow).where(BroadcasterOrgRow.id == org_id)
                            .values(active=False))
            await s.execute(delete(BroadcasterAccountRow).where(
                BroadcasterAccountRow.org_id == org_id))
            await s.execute(delete(NoticeSubscriptionRow).where(
                NoticeSubscriptionRow.org_id == org_id))
            await s.execute(update(NoticeRow).where(
                NoticeRow.org_id == org_id,
                NoticeRow.status.in_([NoticeStatus.DRAFT.value, NoticeStatus.SCHEDULED.value]),
            ).values(status=NoticeStatus.CANCELLED.value))

    async def attach(self, org_id: int, platform: Platform, platform_id: str) -> bool:
        """Attach an account; False if it already was."""
        try:
            async with self.sessions.begin() as s:
                if await s.get(BroadcasterAccountRow, (org_id, platform.value, platform_id)):
                    return False
                s.add(BroadcasterAccountRow(org_id=org_id, platform=platform.value,
                                            platform_id=platform_id, attached_at=self.now()))
                return True
        except IntegrityError:
            return False

    async def detach(self, org_id: int, platform: Platform, platform_id: str) -> bool:
        """Detach an account; False if it was not attached."""
        async with self.sessions.begin() as s:
            result = await s.execute(delete(BroadcasterAccountRow).where(
                BroadcasterAccountRow.org_id == org_id,
                BroadcasterAccountRow.platform == platform.value,
                BroadcasterAccountRow.platform_id == platform_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def accounts(self, org_id: int) -> list[Account]:
        """The accounts attached to an organisation."""
        async with self.sessions() as s:
            rows = await s.scalars(select(BroadcasterAccountRow).where(
                BroadcasterAccountRow.org_id == org_id).order_by(
                BroadcasterAccountRow.platform, BroadcasterAccountRow.platform_id))
            return [Account(r.org_id, Platform(r.platform), r.platform_id) for r in rows]

    async def orgs_of(self, platform: Platform, platform_id: str) -> list[Organisation]:
        """The active organisations an account may publish for."""
        async with self.sessions() as s:
            rows = await s.scalars(
                select(BroadcasterOrgRow)
                .join(BroadcasterAccountRow, BroadcasterAccountRow.org_id == BroadcasterOrgRow.id)
                .where(BroadcasterAccountRow.platform == platform.value,
                       BroadcasterAccountRow.platform_id == platform_id,
                       BroadcasterOrgRow.active.is_(True))
                .order_by(BroadcasterOrgRow.short_name))
            return [org_record(r) for r in rows]

    # -- subscriptions ----------------------------------------------------------------

    async def subscribe(self, chat_id: int, org_id: int, categories: Sequence[str],
                        by_person_id: int | None) -> bool:
        """Subscribe a chat (or change its categories); True if it is new."""
        try:
            async with self.sessions.begin() as s:
                row = await s.get(NoticeSubscriptionRow, (chat_id, org_id))
                if row is not None:
                    row.categories = list(categories)
                    return False
                s.add(NoticeSubscriptionRow(chat_id=chat_id, org_id=org_id,
                                            categories=list(categories),
                                            created_by=by_person_id, created_at=self.now()))
                return True
        except IntegrityError:
            return False

    async def unsubscribe(self, chat_id: int, org_id: int) -> bool:
        """End a subscription; False if there was none."""
        async with self.sessions.begin() as s:
            result = await s.execute(delete(NoticeSubscriptionRow).where(
                NoticeSubscriptionRow.chat_id == chat_id, NoticeSubscriptionRow.org_id == org_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def subscriptions(self, chat_id: int) -> list[Subscription]:
        """A chat's subscriptions to active organisations."""
        async with self.sessions() as s:
            rows = await s.scalars(
                select(NoticeSubscriptionRow)
                .join(BroadcasterOrgRow, BroadcasterOrgRow.id == NoticeSubscriptionRow.org_id)
                .where(NoticeSubscriptionRow.chat_id == chat_id,
                       BroadcasterOrgRow.active.is_(True))
                .order_by(BroadcasterOrgRow.short_name))
            return [Subscription(r.chat_id, r.org_id, tuple(r.categories or ())) for r in rows]

    async def subscribers(self, org_id: int) -> list[tuple[Chat, tuple[str, ...]]]:
        """The active chats subscribed to an organisation, with their categories."""
        async with self.sessions() as s:
            rows = await s.execute(
                select(ChatRow, NoticeSubscriptionRow.categories)
                .join(NoticeSubscriptionRow, NoticeSubscriptionRow.chat_id == ChatRow.id)
                .where(NoticeSubscriptionRow.org_id == org_id, ChatRow.active.is_(True))
                .order_by(ChatRow.id))
            return [(chat_record(chat), tuple(cats or ())) for chat, cats in rows]

    # -- notices ----------------------------------------------------------------------

    async def create(self, notice: Notice) -> Notice:
        """Store a new draft; returns it with its id."""
        async with self.sessions.begin() as s:
            row = NoticeRow(org_id=notice.org_id, author_person_id=notice.author_person_id,
                            author_chat_id=notice.author_chat_id, created_at=self.now(),
                            **_fields(notice))
            s.add(row)
            await s.flush()
            return notice_record(row)

    async def get(self, notice_id: int) -> Notice | None:
        """A notice by id."""
        async with self.sessions() as s:
            row = await s.get(NoticeRow, notice_id)
            return notice_record(row) if row else None

    async def save(self, notice: Notice, *, expect: Sequence[NoticeStatus]) -> bool:
        """Save a notice's fields if its stored status is one of `expect`."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(NoticeRow).where(
                NoticeRow.id == notice.id, NoticeRow.status.in_([e.value for e in expect]),
            ).values(**_fields(notice)))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def recent(self, org_ids: Sequence[int], limit: int = 10) -> list[Notice]:
        """The latest notices of some organisations, newest first."""
        async with self.sessions() as s:
            rows = await s.scalars(select(NoticeRow).where(NoticeRow.org_id.in_(list(org_ids)))
                                   .order_by(NoticeRow.id.desc()).limit(limit))
            return [notice_record(r) for r in rows]

    async def publish(self, notice_id: int, deliveries: Sequence[NewDelivery],
                      report: NewDelivery | None, now: datetime) -> Published | None:
        """Mark the notice published and queue its copies and report in one transaction."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(NoticeRow).where(
                NoticeRow.id == notice_id,
                NoticeRow.status.in_([NoticeStatus.DRAFT.value, NoticeStatus.SCHEDULED.value]),
            ).values(status=NoticeStatus.PUBLISHED.value, published_at=now))
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            await insert_deliveries(s, self.dialect, deliveries, now)
            report_id = None
            if report is not None:
                ids = await insert_deliveries(s, self.dialect, [report], now)
                report_id = ids[0] if ids else None
                await s.execute(update(NoticeRow).where(NoticeRow.id == notice_id)
                                .values(report_delivery_id=report_id))
            return Published(len(deliveries), report_id)

    async def revise(self, notice: Notice, expected_revision: int,
                     pending_payloads: dict[int, dict[str, Any]] | None) -> bool:
        """Save a correction or retraction and rewrite (or, for None, cancel) unsent copies."""
        source = notice.source.text
        async with self.sessions.begin() as s:
            result = await s.execute(update(NoticeRow).where(
                NoticeRow.id == notice.id, NoticeRow.revision == expected_revision,
                NoticeRow.status == NoticeStatus.PUBLISHED.value,
            ).values({k: v for k, v in _fields(notice).items() if k in _REVISED}))
            if not result.rowcount:  # type: ignore[attr-defined]
                return False
            unsent = (DeliveryRow.source == source,
                      DeliveryRow.op == DeliveryOp.SEND.value,
                      DeliveryRow.status == DeliveryStatus.PENDING.value)
            if pending_payloads is None:
                await s.execute(update(DeliveryRow).where(*unsent)
                                .values(status=DeliveryStatus.CANCELLED.value))
                return True
            groups: dict[str, list[int]] = {}
            for chat_id, payload in pending_payloads.items():
                groups.setdefault(json.dumps(payload, sort_keys=True), []).append(chat_id)
            for raw, chat_ids in groups.items():
                for start in range(0, len(chat_ids), 500):
                    await s.execute(update(DeliveryRow).where(
                        *unsent, DeliveryRow.chat_id.in_(chat_ids[start:start + 500]),
                    ).values(payload=json.loads(raw)))
            return True

    async def reached(self, community_id: int, since: datetime,
                      until: datetime) -> list[tuple[Notice, Organisation]]:
        """Published notices with a copy in a chat of the community, in a period, oldest first."""
        # Ids first: PostgreSQL cannot compare the JSON columns a DISTINCT on rows needs.
        reached = (
            select(NoticeRow.id)
            .join(DeliveryRow, DeliveryRow.source
                  == literal(NOTICE_COPY.prefix) + cast(NoticeRow.id, String))
            .join(ChatRow, ChatRow.id == DeliveryRow.chat_id)
            .where(ChatRow.community_id == community_id,
                   NoticeRow.status == NoticeStatus.PUBLISHED.value,
                   NoticeRow.published_at >= since, NoticeRow.published_at <= until))
        query = (
            select(NoticeRow, BroadcasterOrgRow)
            .join(BroadcasterOrgRow, BroadcasterOrgRow.id == NoticeRow.org_id)
            .where(NoticeRow.id.in_(reached))
            .order_by(NoticeRow.published_at, NoticeRow.id))
        async with self.sessions() as s:
            return [(notice_record(n), org_record(o)) for n, o in await s.execute(query)]

    async def copies(self, notice_id: int) -> list[Copy]:
        """Every chat's copy of a published notice, with the revision it shows."""
        source = NOTICE_COPY.of(notice_id)
        rev = DeliveryRow.payload["rev"].as_integer()
        async with self.sessions() as s:
            edits: dict[int, tuple[int, str]] = {}
            for target, edit_rev, status in await s.execute(
                    select(DeliveryRow.target_delivery_id, rev, DeliveryRow.status)
                    .where(DeliveryRow.source == source.edits.text)):
                if target is not None and (target not in edits or edits[target][0] < edit_rev):
                    edits[target] = (edit_rev or 0, status)
            # Plain columns, not ORM rows: the report tick reads this every two seconds.
            rows = await s.execute(
                select(DeliveryRow.id, DeliveryRow.status, DeliveryRow.error, rev, ChatRow.id,
                       ChatRow.platform, ChatRow.platform_id, ChatRow.kind,
                       ChatRow.community_id, ChatRow.title, ChatRow.language,
                       ChatRow.timezone, ChatRow.active, ChatRow.space_id)
                .join(ChatRow, ChatRow.id == DeliveryRow.chat_id)
                .where(DeliveryRow.source == source.text,
                       DeliveryRow.op == DeliveryOp.SEND.value)
                .order_by(DeliveryRow.id))
            out = []
            for (did, status, error, sent_rev, chat_id, platform, platform_id, kind, community,
                 title, language, zone, active, space) in rows:
                chat = Chat(chat_id, Platform(platform), platform_id, ChatKind(kind), community,
                            title, language, zone, bool(active), space)
                edit_rev, edit_status = edits.get(did, (0, None))
                out.append(Copy(did, chat, DeliveryStatus(status), error,
                                max(sent_rev or 0, edit_rev),
                                DeliveryStatus(edit_status) if edit_status else None))
            return out

    async def set_report_digest(self, notice_id: int, digest: str) -> None:
        """Remember what the delivery report last showed."""
        async with self.sessions.begin() as s:
            await s.execute(update(NoticeRow).where(NoticeRow.id == notice_id)
                            .values(report_digest=digest))

    async def mark_expired(self, notice_id: int, now: datetime) -> bool:
        """Mark a published notice expired and cancel its unsent copies, in one transaction."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(NoticeRow).where(
                NoticeRow.id == notice_id, NoticeRow.status == NoticeStatus.PUBLISHED.value,
                NoticeRow.expired_at.is_(None)).values(expired_at=now))
            if not result.rowcount:  # type: ignore[attr-defined]
                return False
            await s.execute(update(DeliveryRow).where(
                DeliveryRow.source == NOTICE_COPY.of(notice_id).text,
                DeliveryRow.status == DeliveryStatus.PENDING.value,
            ).values(status=DeliveryStatus.CANCELLED.value))
            return True

    async def mark_seen(self, notice_id: int, token: str) -> bool:
        """Count one person (by an opaque token) as having seen a notice; False if counted."""
        try:
            async with self.sessions.begin() as s:
                if await s.get(NoticeSeenRow, (notice_id, token)):
                    return False
                s.add(NoticeSeenRow(notice_id=notice_id, token=token))
                return True
        except IntegrityError:
            return False

    async def seen_count(self, notice_id: int) -> int:
        """How many distinct people marked a notice as seen."""
        async with self.sessions() as s:
            count = await s.scalar(select(func.count()).select_from(NoticeSeenRow).where(
                NoticeSeenRow.notice_id == notice_id))
            return int(count or 0)
