"""Who may do what: ordered roles, and the rule every command and button declares.

A rule is read by the router, which enforces and audits it in one place before the handler
runs (see `Router.permit`); the permission table of the docs and the tests is generated from
the rules (`bot/access.py`). A rule is:

- a role needed to run it at all;
- optionally a higher role needed to *change* something, where running it to look is open
  (`/language` shows the language to everyone and sets it for moderators);
- optionally a check that lets someone below the role through (`unless`: the poll's creator,
  a chair of the running session);
- optionally a check everyone must pass besides the role (`also`: a verified broadcaster);
- which platform rights grant the moderator role for it (chat administrators always; Discord's
  Manage Events too, for meetings and sessions);
- whether only the chat's members count (`members`): a vote, an answer to a meeting, a
  notice marked as seen. Public Telegram supergroups let people who never joined read and
  press buttons; the router asks the platform (`bot.ports.Membership`) and refuses them.
  When the platform cannot tell, the press counts.

Before refusing what platform rights could grant, the router asks the adapter to look at the
person's rights again (`bot.ports.AdminRights`), so a newly promoted admin is never refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from bot.events import PlatformRight

if TYPE_CHECKING:
    from bot.context import Context


class Role(IntEnum):
    """What a person may do in a chat; a higher role may do all a lower one may."""

    MEMBER = 10
    MODERATOR = 20
    OPERATOR = 30


class PermissionDenied(Exception):
    """The caller may not do this; `message` says why when the role alone does not."""

    def __init__(self, needed: Role, message: str | None = None,
                 check: str | None = None) -> None:
        super().__init__(f"needs {needed.name.lower()}")
        self.needed = needed
        self.message = message
        # The check that failed, as the permission table names it.
        self.check = check


@dataclass(frozen=True, slots=True)
class Check:
    """A condition besides the role, declared once and named in the permission table."""

    # Who passes, as the permission table in the docs says it ("the poll's creator").
    who: str
    test: Callable[[Context], Awaitable[bool]]
    # What a person who fails it is told (translated when called); the role's refusal if None.
    refusal: Callable[[Context], str] | None = None


def _has_args(args: str) -> bool:
    return bool(args.strip())


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may use one command or button."""

    role: Role = Role.MEMBER
    # Needed in a group to change something (a private chat is the person's own).
    change: Role | None = None
    # Which argument lines count as a change (any, by default), and how the docs say it.
    changing: Callable[[str], bool] = _has_args
    change_doc: str = "to change"
    unless: Check | None = None
    also: Check | None = None
    # Discord's Manage Events grants the moderator role here (meetings and sessions).
    events: bool = False
    # Only members of the chat count here (votes, answers, "seen"): see bot.ports.Membership.
    members: bool = False

    def needed(self, *, changing: bool, private: bool) -> Role:
        """The role needed here, for a change or only to look."""
        if self.change is not None and not private and changing:
            return max(self.role, self.change)
        return self.role

    @property
    def shown_to(self) -> Role:
        """The lowest role /help and the menus show it to: a check may let members through."""
        return self.role if self.unless is None else Role.MEMBER

    def granted_by(self, admin: bool, rights: frozenset[PlatformRight]) -> bool:
        """True when the platform's rights make the person a moderator for this rule."""
        return admin or (self.events and PlatformRight.MANAGE_EVENTS in rights)


ANYONE = Rule()
# Anyone who is a member of the chat the button is in: what they press is counted.
CHAT_MEMBERS = Rule(members=True)
MODERATORS = Rule(Role.MODERATOR)
OPERATOR = Rule(Role.OPERATOR)


def to_change(role: Role = Role.MODERATOR, changing: Callable[[str], bool] = _has_args,
              doc: str = "to change") -> Rule:
    """Open to look; `role` in a group to change (arguments that `changing` accepts)."""
    return Rule(change=role, changing=changing, change_doc=doc)


def moderators_or(check: Check) -> Rule:
    """Moderators, and whoever passes `check` (its creator, its owner, a chair)."""
    return Rule(Role.MODERATOR, unless=check)


def only(check: Check) -> Rule:
    """Whoever passes `check`, whatever their role (a verified broadcaster)."""
    return Rule(also=check)
