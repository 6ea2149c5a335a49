"""What every repository shares: the session factory and the clock."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from bot.ports import Clock
from storage.db import Sessions


class Repo:
    """Base of repositories: one method, one transaction."""

    # Called after a write marked `invalidates`; the store sets it on chats, people and
    # communities so the per-event cache is dropped.
    on_change: Callable[[], None] | None = None

    def __init__(self, sessions: Sessions, clock: Clock, dialect: str) -> None:
        self.sessions = sessions
        self.clock = clock
        self.dialect = dialect

    def now(self) -> datetime:
        """Now, from the injected clock."""
        return self.clock.now()

    def changed(self) -> None:
        """Chats, people or roles changed: drop what the per-event cache holds."""
        if self.on_change is not None:
            self.on_change()


F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def invalidates(method: F) -> F:
    """Mark a write to chats, people or roles: the per-event cache is dropped once it is done."""

    @functools.wraps(method)
    async def wrapper(self: Repo, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        finally:
            self.changed()

    return wrapper  # type: ignore[return-value]
