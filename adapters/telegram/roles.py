"""Who administers a Telegram group, and who is a member of it: cached look-ups.

Chat creators and administrators are moderators of their chat. The list is
cached per chat for `ttl` seconds. Before the core refuses someone what admin
rights would allow, it asks again (`is_admin_now`, the core's `AdminRights`
port), and the list is fetched again unless it was fetched less than `recheck`
seconds ago, so a newly promoted admin is not refused.

People who never joined a public supergroup can read it and press its buttons.
`MemberCache` answers the core's `Membership` port with getChatMember on a
person's first counted press in a chat, cached the same way: members for `ttl`
seconds, non-members only `recheck` seconds (someone who just joined is counted
on their next press). Telegram guarantees getChatMember for other users only to
administrators: when the look-up fails the answer is "cannot tell" (the press
counts), kept for `ttl` seconds so a failing chat is not asked on every press.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, ChatMemberRestricted
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.events import ChatRef, UserRef

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Entry:
    admins: frozenset[int]
    fetched: float


class AdminCache:
    """Administrators of each group, looked up on demand."""

    def __init__(self, bot: Bot, *, ttl: float = 120.0, recheck: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bot = bot
        self.ttl = ttl
        self.recheck = recheck
        self.clock = clock
        self._entries: dict[int, _Entry] = {}
        self.fetches = 0

    async def is_admin(self, chat_id: int, user_id: int, *, privileged: bool = False) -> bool:
        """True if the user is the group's creator or one of its administrators."""
        now = self.clock()
        entry = self._entries.get(chat_id)
        stale = entry is None or now - entry.fetched > self.ttl
        refused = (privileged and entry is not None and user_id not in entry.admins
                   and now - entry.fetched > self.recheck)
        if stale or refused:
            entry = await self._fetch(chat_id, entry)
        return entry is not None and user_id in entry.admins

    async def is_admin_now(self, chat: ChatRef, user: UserRef) -> bool:
        """Look again before a refusal that admin rights would lift (`bot.ports.AdminRights`)."""
        try:
            chat_id, user_id = int(chat.id), int(user.id)
        except ValueError:
            return False
        return await self.is_admin(chat_id, user_id, privileged=True)

    def forget(self, chat_id: int) -> None:
        """Drop what is known about a chat (the bot left, the chat moved)."""
        self._entries.pop(chat_id, None)

    async def _fetch(self, chat_id: int, old: _Entry | None) -> _Entry | None:
        self.fetches += 1
        try:
            members = await self.bot.get_chat_administrators(chat_id)
        except TelegramError as exc:
            # Keep what we knew (or nobody): a lookup failure must not grant anything new.
            log.info("could not list administrators of chat %s: %s", chat_id, exc)
            return old
        admins = frozenset(m.user.id for m in members)
        entry = _Entry(admins, self.clock())
        self._entries[chat_id] = entry
        return entry


_MEMBERS = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER)


@dataclass(slots=True)
class _Known:
    member: bool | None
    fetched: float


class MemberCache:
    """Whether a person is a member of a group (the core's `Membership` port)."""

    def __init__(self, bot: Bot, *, ttl: float = 120.0, recheck: float = 1.0,
                 size: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.bot = bot
        self.ttl = ttl
        self.recheck = recheck
        self.size = size
        self.clock = clock
        self._known: dict[tuple[int, int], _Known] = {}
        self.fetches = 0

    async def is_member(self, chat: ChatRef, user: UserRef) -> bool | None:
        """True or False as Telegram says; None when it cannot tell."""
        try:
            key = (int(chat.id), int(user.id))
        except ValueError:
            return None
        now = self.clock()
        known = self._known.get(key)
        if known is not None:
            fresh = self.recheck if known.member is False else self.ttl
            if now - known.fetched <= fresh:
                return known.member
        member = await self._fetch(*key)
        self._known.pop(key, None)
        self._known[key] = _Known(member, now)
        if len(self._known) > self.size:
            del self._known[next(iter(self._known))]  # the oldest look-up
        return member

    async def _fetch(self, chat_id: int, user_id: int) -> bool | None:
        self.fetches += 1
        try:
            found = await self.bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.info("could not look up a member of chat %s: %s", chat_id, exc)
            return None
        if isinstance(found, ChatMemberRestricted):
            return found.is_member
        return found.status in _MEMBERS
