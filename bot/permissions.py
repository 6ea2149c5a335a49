"""Roles, ordered, and the one decorator that checks them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import IntEnum
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.context import Context


class Role(IntEnum):
    """What a person may do in a chat; a higher role may do all a lower one may."""

    MEMBER = 10
    MODERATOR = 20
    OPERATOR = 30


class PermissionDenied(Exception):
    """The caller's role is below what the action needs."""

    def __init__(self, needed: Role) -> None:
        super().__init__(f"needs {needed.name.lower()}")
        self.needed = needed


F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def requires(role: Role) -> Callable[[F], F]:
    """Refuse the handler unless the caller holds `role` (checked by the router)."""

    def decorate(handler: F) -> F:
        @wraps(handler)
        async def checked(ctx: Context, *args: Any, **kwargs: Any) -> Any:
            ctx.require(role)
            return await handler(ctx, *args, **kwargs)

        checked.required_role = role  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def required_role(handler: Callable[..., Any]) -> Role:
    """The role a handler declared with `@requires`, else MEMBER."""
    return getattr(handler, "required_role", Role.MEMBER)
