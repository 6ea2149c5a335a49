"""The knowledge base: entries, versions, tags, votes, and ranked full-text search."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.features.knowledge.records import (
    FORMER_MEMBER,
    Changes,
    Credit,
    Draft,
    Entry,
    EntryKind,
    EntryStatus,
    Imported,
    ImportReport,
    Proposal,
    Revision,
    RevisionState,
    SearchResult,
)
from bot.features.knowledge.text import tag_key
from storage.models.core import ChatMemberRow, ChatRow
from storage.models.knowledge import KbEntryRow, KbRevisionRow, KbTagRow, KbVoteRow
from storage.repos import kb_search
from storage.repos.base import Repo
from storage.repos.kb_search import (
    POSTGRES_SEARCH,
    SQLITE_MATCHES,
    SQLITE_SEARCH,
    fts5_query,
    statement,
    tsquery_text,
)


def entry_record(row: Any) -> Entry:
    """An entry row (ORM or a result row with its columns) as the core's record."""
    reviewed = Credit(row.reviewed_key, row.reviewed_name or "") if row.reviewed_key else None
    return Entry(
        id=row.id, uid=row.uid, community_id=row.community_id, group_id=row.group_id,
        title=row.title, body=row.body, tags=tuple(row.tags_text.split()),
        language=row.language, status=EntryStatus(row.status), kind=EntryKind(row.kind),
        author=Credit(row.author_key, row.author_name),
        submitted_by=Credit(row.submitted_key, row.submitted_name), version=row.version,
        created_at=row.created_at, updated_at=row.updated_at, published_at=row.published_at,
        deadline=row.deadline, link=row.link, helpful=row.helpful, reviewed_by=reviewed,
        reason=row.reason,
    )


def revision_record(row: KbRevisionRow) -> Revision:
    """A revision row as the core's record."""
    return Revision(
        entry_id=row.entry_id, version=row.version, title=row.title, body=row.body,
        tags=tuple(row.tags_text.split()), language=row.language,
        state=RevisionState(row.state), editor=Credit(row.editor_key, row.editor_name),
        at=row.at, base_version=row.base_version, note=row.note,
    )


class SqlKnowledge(Repo):
    """Entries and everything attached to them."""

    # -- entries ----------------------------------------------------------------------

    async def create(self, draft: Draft) -> Entry:
        """Store a new entry with its first version and tags."""
        now = self.now()
        async with self.sessions.begin() as s:
            row = KbEntryRow(
                uid=secrets.token_hex(8), community_id=draft.community_id, group_id=0,
                title=draft.title, body=draft.body, tags_text=" ".join(draft.tags),
                language=draft.language, status=draft.status.value, kind=draft.kind.value,
                author_key=draft.author.key, author_name=draft.author.name[:256],
                submitted_key=draft.submitted_by.key,
                submitted_name=draft.submitted_by.name[:256], version=1, helpful=0,
                deadline=draft.deadline, link=draft.link, created_at=now, updated_at=now,
                published_at=now if draft.status == EntryStatus.PUBLISHED else None,
            )
            s.add(row)
            await s.flush()
            row.group_id = draft.group_id or row.id
            s.add(KbRevisionRow(
                entry_id=row.id, version=1, base_version=0, title=draft.title, body=draft.body,
                tags_text=row.tags_text, language=draft.language,
                state=RevisionState.APPLIED.value, editor_key=draft.submitted_by.key,
                editor_name=draft.submitted_by.name[:256], at=now))
            _add_tags(s, row)
            await s.flush()
            return entry_record(row)

    async def get(self, entry_id: int) -> Entry | None:
        """An entry by id."""
        async with self.sessions() as s:
            row = await s.get(KbEntryRow, entry_id)
            return entry_record(row) if row else None

    async def group(self, group_id: int) -> list[Entry]:
        """Every entry of a translation group, oldest first."""
        async with self.sessions() as s:
            rows = await s.scalars(select(KbEntryRow).where(KbEntryRow.group_id == group_id)
                                   .order_by(KbEntryRow.id))
            return [entry_record(r) for r in rows]

    async def revise(self, entry_id: int, changes: Changes, editor: Credit, *,
                     propose: bool) -> Revision | None:
        """A new version, applied or proposed; None when it changes nothing."""
        now = self.now()
        async with self.sessions.begin() as s:
            row = await s.get(KbEntryRow, entry_id, with_for_update=True)
            if row is None:
                return None
            title = row.title if changes.title is None else changes.title
            body = row.body if changes.body is None else changes.body
            tags_text = row.tags_text if changes.tags is None else " ".join(changes.tags)
            if (title, body, tags_text) == (row.title, row.body, row.tags_text):
                return None
            version = int(await s.scalar(select(func.max(KbRevisionRow.version)).where(
                KbRevisionRow.entry_id == entry_id)) or 0) + 1
            revision = KbRevisionRow(
                entry_id=entry_id, version=version, base_version=row.version, title=title,
                body=body, tags_text=tags_text, language=row.language,
                state=(RevisionState.PROPOSED if propose else RevisionState.APPLIED).value,
                editor_key=editor.key, editor_name=editor.name[:256], at=now)
            s.add(revision)
            if not propose:
                await _apply(s, row, revision, now)
            await s.flush()
            return revision_record(revision)

    async def revisions(self, entry_id: int) -> list[Revision]:
        """Every version of an entry, oldest first."""
        async with self.sessions() as s:
            rows = await s.scalars(select(KbRevisionRow).where(
                KbRevisionRow.entry_id == entry_id).order_by(KbRevisionRow.version))
            return [revision_record(r) for r in rows]

    async def set_status(self, entry_id: int, status: EntryStatus, *,
                         expected: Sequence[EntryStatus], by: Credit | None,
                         reason: str | None = None) -> Entry | None:
        """Move an entry to `status` only from one of `expected` (one winner when raced)."""
        now = self.now()
        values: dict[str, Any] = {"status": status.value, "updated_at": now}
        if by is not None:
            values.update(reviewed_key=by.key, reviewed_name=by.name[:256])
        if status == EntryStatus.PUBLISHED:
            values.update(published_at=now, reason=None)
        if status == EntryStatus.REJECTED:
            values["reason"] = reason
        async with self.sessions.begin() as s:
            result = await s.execute(
                update(KbEntryRow)
                .where(KbEntryRow.id == entry_id,
                       KbEntryRow.status.in_([e.value for e in expected]))
                .values(values))
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            row = await s.get(KbEntryRow, entry_id, populate_existing=True)
            assert row is not None
            return entry_record(row)

    async def settle_proposal(self, entry_id: int, version: int, *, approve: bool,
                              by: Credit, reason: str | None = None) -> Revision | None:
        """Apply or reject a proposed version; None if already settled or outdated."""
        now = self.now()
        async with self.sessions.begin() as s:
            row = await s.get(KbEntryRow, entry_id, with_for_update=True)
            revision = await s.scalar(select(KbRevisionRow).where(
                KbRevisionRow.entry_id == entry_id, KbRevisionRow.version == version))
            if row is None or revision is None or revision.state != RevisionState.PROPOSED:
                return None
            if approve and revision.base_version != row.version:
                return None
            revision.state = (RevisionState.APPLIED if approve else RevisionState.REJECTED).value
            revision.note = None if approve else reason
            if approve:
                await _apply(s, row, revision, now)
            row.reviewed_key, row.reviewed_name = by.key, by.name[:256]
            await s.flush()
            return revision_record(revision)

    async def queue(self, community_id: int, limit: int) -> tuple[list[Proposal], int]:
        """New entries and proposed edits waiting for a moderator, oldest first."""
        async with self.sessions() as s:
            pending = list(await s.scalars(select(KbEntryRow).where(
                KbEntryRow.community_id == community_id,
                KbEntryRow.status == EntryStatus.PENDING.value).order_by(KbEntryRow.created_at,
                                                                          KbEntryRow.id)))
            proposed = list(await s.execute(
                select(KbRevisionRow, KbEntryRow)
                .join(KbEntryRow, KbEntryRow.id == KbRevisionRow.entry_id)
                .where(KbEntryRow.community_id == community_id,
                       KbRevisionRow.state == RevisionState.PROPOSED.value)
                .order_by(KbRevisionRow.at, KbRevisionRow.id)))
        items = [(r.created_at, Proposal(entry_record(r))) for r in pending]
        items += [(rev.at, Proposal(entry_record(row), revision_record(rev)))
                  for rev, row in proposed]
        items.sort(key=lambda pair: pair[0])
        return [p for _at, p in items[:limit]], len(items)

    # -- search -----------------------------------------------------------------------

    async def search(self, community_ids: Sequence[int], terms: Sequence[str], *,
                     any_term: bool, limit: int) -> SearchResult:
        """Published entries matching the terms, best first (relevance, then helpfulness)."""
        if not terms or not community_ids:
            return SearchResult([], 0, any_term)
        values: dict[str, Any] = {"communities": list(community_ids), "limit": limit}
        if self.dialect == "postgresql":
            values.update(query=tsquery_text(terms, any_term),
                          rank_query=tsquery_text(terms, True))
            found = await self._ranked(POSTGRES_SEARCH, values)
            capped = False
        else:
            values.update(query=fts5_query(terms, any_term), cap=kb_search.RANK_CAP)
            found = await self._ranked(SQLITE_SEARCH, values)
            capped = bool(found) and found[0].scanned >= kb_search.RANK_CAP
            if len(found) < limit and (capped if found else await self._matches(values)):
                # The newest matches were mostly other communities' or unpublished:
                # rank every match (rare, and slower) rather than miss this community's.
                found = await self._ranked(SQLITE_SEARCH, {**values, "cap": -1})
                capped = False
        if not found:
            return SearchResult([], 0, any_term)
        return SearchResult([entry_record(f) for f in found], int(found[0].total), any_term,
                            capped)

    async def _matches(self, values: dict[str, Any]) -> bool:
        """True when the newest matches fill the cap (cheap: no ranking)."""
        async with self.sessions() as s:
            count = await s.scalar(text(SQLITE_MATCHES), values)
        return int(count or 0) >= kb_search.RANK_CAP

    async def _ranked(self, sql: str, values: dict[str, Any]) -> list[Any]:
        async with self.sessions() as s:
            return list(await s.execute(statement(sql), values))

    async def by_tag(self, community_ids: Sequence[int], tag_key_: str,
                     limit: int) -> list[Entry]:
        """Published entries with a tag, most helpful first."""
        query = (select(KbEntryRow).join(KbTagRow, KbTagRow.entry_id == KbEntryRow.id)
                 .where(KbTagRow.community_id.in_(list(community_ids)),
                        KbTagRow.key == tag_key_,
                        KbEntryRow.status == EntryStatus.PUBLISHED.value)
                 .order_by(KbEntryRow.helpful.desc(), KbEntryRow.id).limit(limit))
        async with self.sessions() as s:
            return [entry_record(r) for r in await s.scalars(query)]

    async def tags(self, community_ids: Sequence[int], limit: int) -> list[tuple[str, int]]:
        """Tags of published entries, most used first."""
        query = (select(func.min(KbTagRow.label), func.count())
                 .join(KbEntryRow, KbEntryRow.id == KbTagRow.entry_id)
                 .where(KbTagRow.community_id.in_(list(community_ids)),
                        KbEntryRow.status == EntryStatus.PUBLISHED.value)
                 .group_by(KbTagRow.key).order_by(func.count().desc(), KbTagRow.key)
                 .limit(limit))
        async with self.sessions() as s:
            return [(label, int(count)) for label, count in await s.execute(query)]

    async def vote(self, entry_id: int, person_id: int) -> tuple[bool, int]:
        """One helpful vote per person and entry; (new vote?, count now)."""
        try:
            async with self.sessions.begin() as s:
                s.add(KbVoteRow(entry_id=entry_id, person_id=person_id, at=self.now()))
                await s.flush()
                await s.execute(update(KbEntryRow).where(KbEntryRow.id == entry_id)
                                .values(helpful=KbEntryRow.helpful + 1))
                new = True
        except IntegrityError:
            new = False
        async with self.sessions() as s:
            count = await s.scalar(select(KbEntryRow.helpful).where(KbEntryRow.id == entry_id))
        return new, int(count or 0)

    # -- opportunities ----------------------------------------------------------------

    async def opportunities(self, community_ids: Sequence[int], after: datetime,
                            limit: int) -> list[Entry]:
        """Published opportunities still open, soonest deadline first."""
        query = (select(KbEntryRow).where(
            KbEntryRow.community_id.in_(list(community_ids)),
            KbEntryRow.status == EntryStatus.PUBLISHED.value,
            KbEntryRow.kind == EntryKind.OPPORTUNITY.value,
            KbEntryRow.deadline > after).order_by(KbEntryRow.deadline, KbEntryRow.id)
            .limit(limit))
        async with self.sessions() as s:
            return [entry_record(r) for r in await s.scalars(query)]

    async def set_deadline(self, group_id: int, deadline: datetime | None,
                           link: str | None) -> list[Entry]:
        """Set the deadline (and the link, unless None) of a whole translation group."""
        values: dict[str, Any] = {"deadline": deadline, "updated_at": self.now(),
                                  "kind": (EntryKind.OPPORTUNITY if deadline
                                           else EntryKind.NOTE).value}
        if link is not None:
            values["link"] = link
        async with self.sessions.begin() as s:
            await s.execute(update(KbEntryRow).where(KbEntryRow.group_id == group_id)
                            .values(values))
            rows = await s.scalars(select(KbEntryRow).where(KbEntryRow.group_id == group_id)
                                   .order_by(KbEntryRow.id).execution_options(
                                       populate_existing=True))
            return [entry_record(r) for r in rows]

    async def archive_group(self, group_id: int, deadline: datetime) -> int:
        """Archive the open entries of a group whose deadline is still `deadline`."""
        async with self.sessions.begin() as s:
            result = await s.execute(update(KbEntryRow).where(
                KbEntryRow.group_id == group_id, KbEntryRow.deadline == deadline,
                KbEntryRow.status.in_([EntryStatus.PUBLISHED.value, EntryStatus.PENDING.value]),
            ).values(status=EntryStatus.ARCHIVED.value, updated_at=self.now()))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # -- for other features and for transfer ---------------------------------------------

    async def published_since(self, community_id: int, since: datetime) -> list[Entry]:
        """Entries published since a moment, newest first."""
        query = (select(KbEntryRow).where(
            KbEntryRow.community_id == community_id,
            KbEntryRow.status == EntryStatus.PUBLISHED.value, KbEntryRow.published_at >= since)
            .order_by(KbEntryRow.published_at.desc(), KbEntryRow.id.desc()))
        async with self.sessions() as s:
            return [entry_record(r) for r in await s.scalars(query)]

    async def written_by(self, key: str) -> list[Entry]:
        """Entries a person wrote or saved, oldest first."""
        query = (select(KbEntryRow).where(
            (KbEntryRow.author_key == key) | (KbEntryRow.submitted_key == key))
            .order_by(KbEntryRow.id))
        async with self.sessions() as s:
            return [entry_record(r) for r in await s.scalars(query)]

    async def forget_person(self, key: str) -> None:
        """Replace a person's credits (author, saver, reviewer, editor) with "former member"."""
        async with self.sessions.begin() as s:
            for key_col, name_col in (("author_key", "author_name"),
                                      ("submitted_key", "submitted_name"),
                                      ("reviewed_key", "reviewed_name")):
                await s.execute(update(KbEntryRow)
                                .where(getattr(KbEntryRow, key_col) == key)
                                .values({key_col: FORMER_MEMBER, name_col: ""}))
            await s.execute(update(KbRevisionRow).where(KbRevisionRow.editor_key == key)
                            .values(editor_key=FORMER_MEMBER, editor_name=""))

    async def communities_of(self, person_id: int) -> list[int]:
        """Communities of the group chats a person has spoken in."""
        query = (select(ChatRow.community_id).distinct()
                 .join(ChatMemberRow, ChatMemberRow.chat_id == ChatRow.id)
                 .where(ChatMemberRow.person_id == person_id, ChatRow.kind != "private")
                 .order_by(ChatRow.community_id))
        async with self.sessions() as s:
            return [int(c) for c in await s.scalars(query)]

    async def export(self, community_id: int) -> list[tuple[Entry, list[Revision]]]:
        """Every entry of a community with every version, oldest first."""
        async with self.sessions() as s:
            rows = list(await s.scalars(select(KbEntryRow).where(
                KbEntryRow.community_id == community_id).order_by(KbEntryRow.created_at,
                                                                  KbEntryRow.id)))
            revisions: dict[int, list[Revision]] = {}
            ids = [r.id for r in rows]
            for start in range(0, len(ids), 500):
                for rev in await s.scalars(select(KbRevisionRow).where(
                        KbRevisionRow.entry_id.in_(ids[start:start + 500]))
                        .order_by(KbRevisionRow.entry_id, KbRevisionRow.version)):
                    revisions.setdefault(rev.entry_id, []).append(revision_record(rev))
        return [(entry_record(r), revisions.get(r.id, [])) for r in rows]

    async def import_entries(self, community_id: int,
                             items: Sequence[Imported]) -> ImportReport:
        """Add exported entries in one transaction; uids already here are skipped."""
        async with self.sessions.begin() as s:
            uids = [i.entry.uid for i in items]
            known: dict[str, KbEntryRow] = {}
            for start in range(0, len(uids), 500):
                for row in await s.scalars(select(KbEntryRow).where(
                        KbEntryRow.community_id == community_id,
                        KbEntryRow.uid.in_(uids[start:start + 500]))):
                    known[row.uid] = row
            created: list[tuple[Imported, KbEntryRow]] = []
            # In file order (so ids follow it); translation groups are linked afterwards,
            # since a translation may come before the entry it translates.
            for item in items:
                if item.entry.uid in known:
                    continue
                row = _imported_row(item.entry, community_id)
                s.add(row)
                await s.flush()
                row.group_id = row.id
                known[item.entry.uid] = row
                created.append((item, row))
                for rev in item.revisions:
                    s.add(KbRevisionRow(
                        entry_id=row.id, version=rev.version, base_version=rev.base_version,
                        title=rev.title, body=rev.body, tags_text=" ".join(rev.tags),
                        language=rev.language, state=rev.state.value, editor_key=rev.editor.key,
                        editor_name=rev.editor.name[:256], at=rev.at, note=rev.note))
                _add_tags(s, row)
            for item, row in created:
                root = known.get(item.group_uid)
                if root is not None:
                    row.group_id = root.group_id
            await s.flush()
            return ImportReport([entry_record(r) for _i, r in created],
                                len(items) - len(created))


def _imported_row(entry: Entry, community_id: int) -> KbEntryRow:
    reviewed = entry.reviewed_by
    return KbEntryRow(
        uid=entry.uid, community_id=community_id, group_id=0, title=entry.title,
        body=entry.body, tags_text=" ".join(entry.tags), language=entry.language,
        status=entry.status.value, kind=entry.kind.value, author_key=entry.author.key,
        author_name=entry.author.name[:256], submitted_key=entry.submitted_by.key,
        submitted_name=entry.submitted_by.name[:256],
        reviewed_key=reviewed.key if reviewed else None,
        reviewed_name=reviewed.name if reviewed else None, reason=entry.reason,
        version=entry.version, helpful=entry.helpful, deadline=entry.deadline, link=entry.link,
        created_at=entry.created_at, updated_at=entry.updated_at,
        published_at=entry.published_at)


def _add_tags(s: Any, row: KbEntryRow) -> None:
    seen: set[str] = set()
    for label in row.tags_text.split():
        key = tag_key(label)[:64]
        if key and key not in seen:
            seen.add(key)
            s.add(KbTagRow(entry_id=row.id, key=key, label=label[:64],
                           community_id=row.community_id))


async def _apply(s: Any, row: KbEntryRow, revision: KbRevisionRow, now: datetime) -> None:
    """Make a revision the entry's current text (and its tags the entry's tags)."""
    tags_changed = row.tags_text != revision.tags_text
    row.title, row.body, row.tags_text = revision.title, revision.body, revision.tags_text
    row.version, row.updated_at = revision.version, now
    if tags_changed:
        await s.execute(delete(KbTagRow).where(KbTagRow.entry_id == row.id))
        await s.flush()
        _add_tags(s, row)
