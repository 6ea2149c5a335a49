"""The notice buttons: composing a draft (broadcasters) and reading a notice (members)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action
from bot.features.notices.records import Category


@dataclass(frozen=True)
class NewFor(Action, prefix="nto"):
    """Start a notice for one of the person's organisations."""

    org_id: int


@dataclass(frozen=True)
class PublishNotice(Action, prefix="ntp"):
    """Publish (or schedule) the previewed notice."""

    notice_id: int


@dataclass(frozen=True)
class EditNotice(Action, prefix="nte"):
    """Edit the main-language text."""

    notice_id: int


@dataclass(frozen=True)
class DiscardNotice(Action, prefix="ntx"):
    """Discard a draft, or unschedule a scheduled notice."""

    notice_id: int


@dataclass(frozen=True)
class ChooseCategory(Action, prefix="ntc"):
    """Show the categories."""

    notice_id: int


@dataclass(frozen=True)
class SetCategory(Action, prefix="ntk"):
    """Choose a category."""

    notice_id: int
    category: Category


@dataclass(frozen=True)
class ChooseLanguage(Action, prefix="ntl"):
    """Show the languages a version can be written in."""

    notice_id: int


@dataclass(frozen=True)
class WriteLanguage(Action, prefix="ntt"):
    """Write (or rewrite) the version in one language."""

    notice_id: int
    lang: str


@dataclass(frozen=True)
class AskSchedule(Action, prefix="nts"):
    """Ask when to publish."""

    notice_id: int


@dataclass(frozen=True)
class AskExpiry(Action, prefix="ntz"):
    """Ask when the notice expires."""

    notice_id: int


@dataclass(frozen=True)
class ToggleOption(Action, prefix="ntu"):
    """Switch urgency or the seen button on or off."""

    notice_id: int
    option: str


@dataclass(frozen=True)
class ReadIn(Action, prefix="ntr"):
    """Read a published notice in another language (answered only to the presser)."""

    notice_id: int
    lang: str


@dataclass(frozen=True)
class MarkSeen(Action, prefix="ntn"):
    """Count the presser as having seen the notice (counts only)."""

    notice_id: int
