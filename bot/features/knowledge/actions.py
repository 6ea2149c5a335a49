"""The knowledge base's buttons: packed actions that carry only ids (checked on every press)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action


@dataclass(frozen=True)
class KbOpen(Action, prefix="ko"):
    """Show one entry."""

    entry_id: int


@dataclass(frozen=True)
class KbHelpful(Action, prefix="kh"):
    """Count one helpful vote."""

    entry_id: int


@dataclass(frozen=True)
class KbApprove(Action, prefix="ka"):
    """Publish a waiting entry, or apply a proposed version."""

    entry_id: int
    version: int


@dataclass(frozen=True)
class KbReject(Action, prefix="kr"):
    """Ask the moderator for a reason before rejecting."""

    entry_id: int
    version: int


@dataclass(frozen=True)
class KbRejectWhy(Action, prefix="kw"):
    """Reject with one of the common reasons."""

    entry_id: int
    version: int
    reason: str
