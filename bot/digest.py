"""What a feature contributes to a digest: a section of what happened and what is coming."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.richtext import Block

if TYPE_CHECKING:
    from bot.context import Services
    from bot.records import Chat, Person

# Summaries (poll results, session minutes) are posted when they happen; a digest
# leaves out what was summarised within this long before it, so nothing repeats.
RECENT_SUMMARY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DigestContext:
    """The period and the reader a digest section is written for (locale already set)."""

    services: Services
    community_id: int
    # What happened since `since`, what is coming until `until`; `now` is the digest time.
    since: datetime
    now: datetime
    until: datetime
    zone: str
    # The chat the digest goes to, or None for a person's private digest.
    chat: Chat | None = None
    person: Person | None = None
    # What earlier sections of this digest already showed ("notice:12"): a private digest
    # covers several communities, and a notice that reached two of them is shown once.
    shown: set[str] = field(default_factory=set)

    @property
    def summarised_after(self) -> datetime:
        """Items summarised after this moment were already posted recently; leave them out."""
        return self.now - RECENT_SUMMARY


DigestSection = Callable[[DigestContext], Awaitable[Block | None]]
