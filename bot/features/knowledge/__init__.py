"""The knowledge base: entries members contribute and moderators curate, found by search or tag.

Besides the common modules: `contribute`, `find`, `moderation`, `opportunities` (deadlines
and their jobs) and `transfer` (export and import), with `schema` and `text` reading and
writing entries.

Every feature package has the same shape (see CONTRIBUTING.md): `common` (the feature, its
shared arguments, checks and look-ups), `actions` (button actions), `records` (what it
keeps), `store` (what it needs from storage), `render` or `text` (how it looks), `reports`
(digest sections, /mydata and /forgetme); the other modules hold the commands, buttons and
jobs, one concern each.
"""

from __future__ import annotations

from . import contribute, find, moderation, opportunities, reports, transfer
from .common import feature

__all__ = ["contribute", "feature", "find", "moderation", "opportunities", "reports",
           "transfer"]
