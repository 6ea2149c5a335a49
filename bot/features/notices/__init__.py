"""Consular announcements: verified broadcasters publish notices to the chats that follow them.

Modules: `base` (the feature, actions, who may act), `records`, `render`,
`broadcasters` (the operator's register), `subscriptions`, `compose`,
`preview` and `buttons` (drafts), `publish`, `report` (delivery report and the tick that
applies corrections), `corrections`, `reading` (members' buttons).
"""

from __future__ import annotations

from bot.features.notices import (  # noqa: F401  (each module registers its handlers)
    broadcasters,
    buttons,
    compose,
    corrections,
    digest,
    publish,
    reading,
    report,
    subscriptions,
)
from bot.features.notices.base import feature

__all__ = ["feature"]
