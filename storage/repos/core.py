"""Chats, people, communities and the audit log."""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.permissions import Role
from bot.records import AuditEntry, Chat, Community, Person
from storage.db import Base
from storage.models.core import (
    AuditRow,
    ChatMemberRow,
    ChatRow,
    CommunityRow,
    LinkCodeRow,
    PersonRow,
    RoleGrantRow,
)
from storage.repos.base import Repo, invalidates
from storage.repos.minutes import make_room


def chat_record(row: ChatRow) -> Chat:
    """A chat row as the core's record."""
    return Chat(
        id=row.id, platform=Platform(row.platform), platform_id=row.platform_id,
        kind=ChatKind(row.kind), community_id=row.community_id, title=row.title,
        language=row.language, timezone=row.timezone, active=row.active, space_id=row.space_id,
        settings=dict(row.settings or {}),
    )


def person_record(row: PersonRow) -> Person:
    """A person row as the core's record."""
    return Person(
        id=row.id, platform=Platform(row.platform), platform_id=row.platform_id,
        display_name=row.display_name, username=row.username, language=row.language,
        timezone=row.timezone,
    )


class SqlChats(Repo):
    """Chats and their settings."""

    async def ensure(self, ref: ChatRef, language: str | None) -> Chat:
        """The stored chat for `ref`, created in a community of its own if new."""
        try:
            async with self.sessions.begin() as s:
                row = await s.scalar(select(ChatRow).where(
                    ChatRow.platform == ref.platform.value, ChatRow.platform_id == ref.id))
                if row is None:
                    community = CommunityRow(name=ref.title, created_at=self.now())
                    s.add(community)
                    await s.flush()
                    row = ChatRow(platform=ref.platform.value, platform_id=ref.id,
                                  kind=ref.kind.value, title=ref.title, space_id=ref.space_id,
                                  language=language, active=True, community_id=community.id,
                                  settings={}, created_at=self.now())
                    s.add(row)
                    await s.flush()
                elif (ref.title and row.title != ref.title) or (ref.space_id and not row.space_id):
                    row.title = ref.title or row.title
                    row.space_id = row.space_id or ref.space_id
                return chat_record(row)
        except IntegrityError:
            # Another process created it first: use theirs.
            return await self._get_ref(ref)

    async def _get_ref(self, ref: ChatRef) -> Chat:
        found = await self.find(ref.platform, ref.id)
        assert found is not None
        return found

    async def get(self, chat_id: int) -> Chat | None:
        """A chat by id."""
        async with self.sessions() as s:
            row = await s.get(ChatRow, chat_id)
            return chat_record(row) if row else None

    async def get_many(self, chat_ids: Sequence[int]) -> dict[int, Chat]:
        """Chats by id (missing ones left out), in one query."""
        if not chat_ids:
            return {}
        async with self.sessions() as s:
            rows = await s.scalars(select(ChatRow).where(ChatRow.id.in_(sorted(set(chat_ids)))))
            return {row.id: chat_record(row) for row in rows}

    async def find(self, platform: Platform, platform_id: str) -> Chat | None:
        """A chat by its platform id."""
        async with self.sessions() as s:
            row = await s.scalar(select(ChatRow).where(
                ChatRow.platform == platform.value, ChatRow.platform_id == platform_id))
            return chat_record(row) if row else None

    @invalidates
    async def update(self, chat: Chat) -> None:
        """Save the chat's mutable fields."""
        async with self.sessions.begin() as s:
            await s.execute(update(ChatRow).where(ChatRow.id == chat.id).values(
                title=chat.title, language=chat.language, timezone=chat.timezone,
                active=chat.active, settings=chat.settings))

    async def in_community(self, community_id: int, *, active_only: bool = True) -> list[Chat]:
        """The chats of a community, oldest first."""
        query = select(ChatRow).where(ChatRow.community_id == community_id)
        if active_only:
            query = query.where(ChatRow.active.is_(True))
        async with self.sessions() as s:
            rows = await s.scalars(query.order_by(ChatRow.id))
            return [chat_record(r) for r in rows]

    async def in_space(self, platform: Platform, space_id: str) -> list[Chat]:
        """The active chats of one space (a Discord server's channels), oldest first."""
        query = select(ChatRow).where(ChatRow.platform == platform.value,
                                      ChatRow.space_id == space_id, ChatRow.active.is_(True))
        async with self.sessions() as s:
            rows = await s.scalars(query.order_by(ChatRow.id))
            return [chat_record(r) for r in rows]

    @invalidates
    async def migrate(self, platform: Platform, old_id: str, new_id: str) -> Chat | None:
        """Move a chat to a new platform id; a row already created for the new id is merged."""
        async with self.sessions.begin() as s:
            old = await s.scalar(select(ChatRow).where(
                ChatRow.platform == platform.value, ChatRow.platform_id == old_id))
            if old is None:
                return None
            new = await s.scalar(select(ChatRow).where(
                ChatRow.platform == platform.value, ChatRow.platform_id == new_id))
            if new is not None:
                # The new id spoke first (a race between the two service messages):
                # keep the old row, with its history, and drop the empty new one.
                await _repoint_chat(s, new.id, old.id)
                await s.delete(new)
                await s.flush()
            old.platform_id = new_id
            old.active = True
            return chat_record(old)

    async def active_groups(self) -> list[Chat]:
        """Every active shared chat, oldest first."""
        async with self.sessions() as s:
            rows = await s.scalars(select(ChatRow).where(
                ChatRow.active.is_(True), ChatRow.kind != ChatKind.PRIVATE.value,
            ).order_by(ChatRow.id))
            return [chat_record(r) for r in rows]

    async def of_person(self, person_id: int) -> list[Chat]:
        """The active shared chats a person has been seen in."""
        async with self.sessions() as s:
            rows = await s.scalars(
                select(ChatRow).join(ChatMemberRow, ChatMemberRow.chat_id == ChatRow.id)
                .where(ChatMemberRow.person_id == person_id, ChatRow.active.is_(True))
                .order_by(ChatRow.id))
            return [chat_record(r) for r in rows]

    @invalidates
    async def set_active(self, chat_id: int, active: bool) -> None:
        """Mark a chat active or inactive."""
        async with self.sessions.begin() as s:
            await s.execute(update(ChatRow).where(ChatRow.id == chat_id).values(active=active))


async def _repoint_chat(s: object, from_id: int, to_id: int) -> None:
    """Point every row that references chat `from_id` at `to_id`."""
    for table in Base.metadata.sorted_tables:
        if table.name == "chats":
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "chats":
                col = fk.parent
                if table.name == "chat_members":
                    await s.execute(delete(table).where(col == from_id))  # type: ignore[attr-defined]
                else:
                    await s.execute(  # type: ignore[attr-defined]
                        update(table).where(col == from_id).values({col.name: to_id}))


class SqlPeople(Repo):
    """People."""

    async def ensure(self, ref: UserRef, language: str | None) -> Person:
        """The stored person for `ref`; the display name and username are refreshed."""
        try:
            async with self.sessions.begin() as s:
                row = await s.scalar(select(PersonRow).where(
                    PersonRow.platform == ref.platform.value, PersonRow.platform_id == ref.id))
                if row is None:
                    row = PersonRow(platform=ref.platform.value, platform_id=ref.id,
                                    display_name=ref.display_name[:256], username=ref.username,
                                    language=language, created_at=self.now())
                    s.add(row)
                    await s.flush()
                elif row.display_name != ref.display_name[:256] or row.username != ref.username:
                    row.display_name = ref.display_name[:256]
                    row.username = ref.username
                return person_record(row)
        except IntegrityError:
            found = await self.find(ref.platform, ref.id)
            assert found is not None
            return found

    async def get(self, person_id: int) -> Person | None:
        """A person by id."""
        async with self.sessions() as s:
            row = await s.get(PersonRow, person_id)
            return person_record(row) if row else None

    async def find(self, platform: Platform, platform_id: str) -> Person | None:
        """A person by platform id."""
        async with self.sessions() as s:
            row = await s.scalar(select(PersonRow).where(
                PersonRow.platform == platform.value, PersonRow.platform_id == platform_id))
            return person_record(row) if row else None

    async def find_by_name(self, community_id: int, name: str) -> list[Person]:
        """People seen in a community whose username or display name is `name`."""
        lowered = name.lower()
        query = (
            select(PersonRow).distinct()
            .join(ChatMemberRow, ChatMemberRow.person_id == PersonRow.id)
            .join(ChatRow, ChatRow.id == ChatMemberRow.chat_id)
            .where(ChatRow.community_id == community_id)
            .where(or_(func.lower(PersonRow.username) == lowered,
                       func.lower(PersonRow.display_name) == lowered))
        )
        async with self.sessions() as s:
            return [person_record(r) for r in await s.scalars(query)]

    @invalidates
    async def update(self, person: Person) -> None:
        """Save language and time zone."""
        async with self.sessions.begin() as s:
            await s.execute(update(PersonRow).where(PersonRow.id == person.id).values(
                language=person.language, timezone=person.timezone))

    async def seen_in(self, person_id: int, chat_id: int) -> None:
        """Remember that the person spoke in a chat."""
        try:
            async with self.sessions.begin() as s:
                row = await s.get(ChatMemberRow, (chat_id, person_id))
                if row is None:
                    s.add(ChatMemberRow(chat_id=chat_id, person_id=person_id,
                                        last_seen=self.now()))
                else:
                    row.last_seen = self.now()
        except IntegrityError:
            pass  # seen at the same moment by another process: nothing to add


    @invalidates
    async def forget(self, person_id: int) -> None:
        """Delete the person and their private chat; foreign keys cascade or set NULL."""
        async with self.sessions.begin() as s:
            person = await s.get(PersonRow, person_id)
            if person is None:
                return
            await s.execute(delete(ChatRow).where(
                ChatRow.platform == person.platform, ChatRow.platform_id == person.platform_id,
                ChatRow.kind == ChatKind.PRIVATE.value))
            await s.delete(person)


SEEN_REFRESH = timedelta(hours=1)


CACHE_SECONDS = 10.0
CACHE_SIZE = 20_000
Loaded = tuple[Chat, Person, Role | None]


class EventCache:
    """Recently loaded (chat, person, role) triples, dropped on any write through the store.

    Writes made by other processes are seen within CACHE_SECONDS.
    """

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, str], tuple[float, Loaded]] = {}
        self.generation = 0

    def clear(self) -> None:
        """Forget everything (a chat, person or role changed)."""
        self.generation += 1
        self.entries.clear()

    def get(self, key: tuple[str, str, str]) -> Loaded | None:
        """A fresh entry, copied so handlers may change it freely."""
        found = self.entries.get(key)
        if found is None or time.monotonic() - found[0] > CACHE_SECONDS:
            return None
        chat, person, role = found[1]
        return replace(chat, settings=copy.deepcopy(chat.settings)), replace(person), role

    def put(self, key: tuple[str, str, str], value: Loaded, generation: int) -> None:
        """Keep a loaded triple unless something changed while it was being read."""
        if generation != self.generation:
            return
        if len(self.entries) >= CACHE_SIZE:
            self.entries.clear()
        chat, person, role = value
        self.entries[key] = (time.monotonic(), (
            replace(chat, settings=copy.deepcopy(chat.settings)), replace(person), role))


class SqlEvents(Repo):
    """The per-event load: one transaction instead of four, writing only what changed."""

    cache: EventCache | None = None

    async def load(self, chat: ChatRef, user: UserRef, chat_language: str | None, *,
                   reactivate: bool) -> Loaded:
        """The chat, the person and their granted role (creating and touching as needed)."""
        key = (chat.platform.value, chat.id, user.id)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None and (hit[0].active or not reactivate) and (
                    hit[1].display_name == user.display_name[:256]
                    and hit[1].username == user.username
                    and (not chat.title or hit[0].title == chat.title)):
                return hit
        generation = self.cache.generation if self.cache is not None else 0
        try:
            loaded = await self._load(chat, user, chat_language, reactivate)
        except IntegrityError:
            # Another process created the chat or person at the same moment: read theirs.
            loaded = await self._load(chat, user, chat_language, reactivate)
        if self.cache is not None:
            self.cache.put(key, loaded, generation)
        return loaded

    async def _load(self, ref: ChatRef, user: UserRef, chat_language: str | None,
                    reactivate: bool) -> tuple[Chat, Person, Role | None]:
        now = self.now()
        async with self.sessions.begin() as s:
            chat = await s.scalar(select(ChatRow).where(
                ChatRow.platform == ref.platform.value, ChatRow.platform_id == ref.id))
            if chat is None:
                community = CommunityRow(name=ref.title, created_at=now)
                s.add(community)
                await s.flush()
                chat = ChatRow(platform=ref.platform.value, platform_id=ref.id,
                               kind=ref.kind.value, title=ref.title, space_id=ref.space_id,
                               language=chat_language, active=True,
                               community_id=community.id, settings={}, created_at=now)
                s.add(chat)
            else:
                if ref.title and chat.title != ref.title:
                    chat.title = ref.title
                if ref.space_id and not chat.space_id:
                    chat.space_id = ref.space_id
                if reactivate and not chat.active:
                    chat.active = True
            person = await s.scalar(select(PersonRow).where(
                PersonRow.platform == user.platform.value, PersonRow.platform_id == user.id))
            name = user.display_name[:256]
            if person is None:
                person = PersonRow(platform=user.platform.value, platform_id=user.id,
                                   display_name=name, username=user.username, created_at=now)
                s.add(person)
            elif person.display_name != name or person.username != user.username:
                person.display_name, person.username = name, user.username
            await s.flush()
            granted = None
            if ref.kind != ChatKind.PRIVATE:
                member = await s.get(ChatMemberRow, (chat.id, person.id))
                if member is None:
                    s.add(ChatMemberRow(chat_id=chat.id, person_id=person.id, last_seen=now))
                elif now - member.last_seen >= SEEN_REFRESH:
                    member.last_seen = now
                grant = await s.get(RoleGrantRow, (chat.community_id, person.id))
                granted = Role(grant.role) if grant else None
            return chat_record(chat), person_record(person), granted


class SqlCommunities(Repo):
    """Communities, link codes and granted roles."""

    async def get(self, community_id: int) -> Community | None:
        """A community by id."""
        async with self.sessions() as s:
            row = await s.get(CommunityRow, community_id)
            return Community(row.id, row.name) if row else None

    async def create_link_code(self, community_id: int, code: str, expires_at: datetime) -> None:
        """Store a one-time link code (expired codes are swept at the same time)."""
        async with self.sessions.begin() as s:
            await s.execute(delete(LinkCodeRow).where(LinkCodeRow.expires_at < self.now()))
            s.add(LinkCodeRow(code=code, community_id=community_id, expires_at=expires_at))

    async def redeem_link_code(self, code: str, now: datetime) -> int | None:
        """The community of a valid code, consumed; None when unknown or expired."""
        async with self.sessions.begin() as s:
            row = await s.get(LinkCodeRow, code)
            if row is None:
                return None
            community_id = row.community_id
            expired = row.expires_at < now
            await s.delete(row)
            return None if expired else community_id

    @invalidates
    async def merge(self, source_id: int, target_id: int) -> dict[int, int]:
        """Move everything owned by community `source_id` into `target_id`; return the
        action items of the source given new numbers (old -> new), so numbers stay unique."""
        async with self.sessions.begin() as s:
            renumbered = await make_room(s, source_id, target_id)
            await s.execute(delete(RoleGrantRow).where(
                RoleGrantRow.community_id == source_id,
                RoleGrantRow.person_id.in_(select(RoleGrantRow.person_id).where(
                    RoleGrantRow.community_id == target_id))))
            for table in Base.metadata.sorted_tables:
                if "community_id" in table.c and table.name != "communities":
                    await s.execute(update(table).where(table.c.community_id == source_id)
                                    .values(community_id=target_id))
            await s.execute(delete(CommunityRow).where(CommunityRow.id == source_id))
            return renumbered

    @invalidates
    async def detach(self, chat_id: int) -> int:
        """Give one chat a new, empty community of its own."""
        async with self.sessions.begin() as s:
            chat = await s.get(ChatRow, chat_id)
            assert chat is not None
            community = CommunityRow(name=chat.title, created_at=self.now())
            s.add(community)
            await s.flush()
            chat.community_id = community.id
            return community.id

    async def granted_role(self, community_id: int, person_id: int) -> Role | None:
        """A granted role, if any."""
        async with self.sessions() as s:
            row = await s.get(RoleGrantRow, (community_id, person_id))
            return Role(row.role) if row else None

    @invalidates
    async def grant(self, community_id: int, person_id: int, role: Role | None,
                    by_person_id: int | None) -> None:
        """Grant or revoke (None) a role in a community."""
        async with self.sessions.begin() as s:
            row = await s.get(RoleGrantRow, (community_id, person_id))
            if role is None:
                if row is not None:
                    await s.delete(row)
                return
            if row is None:
                s.add(RoleGrantRow(community_id=community_id, person_id=person_id,
                                   role=int(role), granted_by=by_person_id,
                                   granted_at=self.now()))
            else:
                row.role, row.granted_by, row.granted_at = int(role), by_person_id, self.now()

    async def moderators(self, community_id: int) -> list[Person]:
        """People granted the moderator role or above."""
        query = (select(PersonRow).join(RoleGrantRow, RoleGrantRow.person_id == PersonRow.id)
                 .where(RoleGrantRow.community_id == community_id,
                        RoleGrantRow.role >= int(Role.MODERATOR)))
        async with self.sessions() as s:
            return [person_record(r) for r in await s.scalars(query)]


class SqlAudit(Repo):
    """The audit log."""

    async def record(self, entry: AuditEntry) -> None:
        """Append one entry."""
        async with self.sessions.begin() as s:
            s.add(AuditRow(at=entry.at, action=entry.action[:64],
                           actor_person_id=entry.actor_person_id, chat_id=entry.chat_id,
                           community_id=entry.community_id, allowed=entry.allowed,
                           detail=entry.detail))

    async def of_person(self, person_id: int) -> list[AuditEntry]:
        """Every entry the person is the actor of, oldest first."""
        async with self.sessions() as s:
            rows = await s.scalars(select(AuditRow).where(AuditRow.actor_person_id == person_id)
                                   .order_by(AuditRow.id))
            return [AuditEntry(r.at, r.action, r.actor_person_id, r.chat_id, r.community_id,
                               r.allowed, dict(r.detail or {})) for r in rows]

    async def purge_before(self, moment: datetime) -> int:
        """Delete entries older than `moment`."""
        async with self.sessions.begin() as s:
            result = await s.execute(delete(AuditRow).where(AuditRow.at < moment))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def recent(self, community_id: int | None, limit: int = 20) -> list[AuditEntry]:
        """The latest entries, newest first."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if community_id is not None:
            query = query.where(AuditRow.community_id == community_id)
        async with self.sessions() as s:
            return [AuditEntry(r.at, r.action, r.actor_person_id, r.chat_id, r.community_id,
                               r.allowed, dict(r.detail or {})) for r in await s.scalars(query)]
