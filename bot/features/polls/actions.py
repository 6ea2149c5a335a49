"""The poll's buttons: packed actions that carry only ids (validated again on every press)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action


@dataclass(frozen=True)
class Vote(Action, prefix="pv"):
    """Toggle option `option` (0-based) of poll `poll_id`."""

    poll_id: int
    option: int


@dataclass(frozen=True)
class ShowPoll(Action, prefix="ps"):
    """Show poll `poll_id` again, to the presser."""

    poll_id: int
