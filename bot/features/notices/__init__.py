"""Consular announcements: verified broadcasters publish notices to the chats that follow them.

Besides the common modules: `broadcasters` (the operator's register), `subscriptions`,
`compose`, `preview` and `buttons` (drafts), `publish`, `report` (the delivery report and
the tick that applies corrections), `corrections`, `reading` (members' buttons), `digest`.

Every feature package has the same shape (see CONTRIBUTING.md): `common` (the feature, its
shared arguments, checks and look-ups), `actions` (button actions), `records` (what it
keeps), `store` (what it needs from storage), `render` or `text` (how it looks), `reports`
(digest sections, /mydata and /forgetme); the other modules hold the commands, buttons and
jobs, one concern each.
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
from bot.features.notices.common import feature

__all__ = ["feature"]
