"""Who administers a Telegram group: getChatAdministrators, cached briefly.

Chat creators and administrators are moderators of their chat. The list is
cached per chat for `ttl` seconds; before a privileged command from someone
the cache says is not an admin, it is fetched again (at most once every
`recheck` seconds per chat), so a newly promoted admin is not refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot
from telegram.error import TelegramError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Entry:
    admins: frozenset[int]
    fetched: float


class AdminCache:
    """Administrators of each group, looked up on demand."""

    def __init__(self, bot: Bot, *, ttl: float = 120.0, recheck: float = 2.0,
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
