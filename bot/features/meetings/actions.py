"""The meeting card's buttons: packed actions that carry only ids (checked on every press)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action
from bot.features.meetings.records import Answer


@dataclass(frozen=True)
class Respond(Action, prefix="mr"):
    """Going / maybe / not going for one occurrence."""

    meeting_id: int
    occ: str
    answer: Answer


@dataclass(frozen=True)
class RemindMe(Action, prefix="mrm"):
    """Turn a private reminder on or off for one occurrence."""

    meeting_id: int
    occ: str


@dataclass(frozen=True)
class Who(Action, prefix="mw"):
    """Show who answered for one occurrence."""

    meeting_id: int
    occ: str
