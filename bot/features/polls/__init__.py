"""Polls: one poll in every chat of a community, votes merged across platforms.

Besides the common modules: `syntax` reads what was typed, `commands` and `voting` handle
commands and buttons, `jobs` refreshes and closes, `ballots` keeps anonymous ballots
unreadable.

Every feature package has the same shape (see CONTRIBUTING.md): `common` (the feature, its
shared arguments, checks and look-ups), `actions` (button actions), `records` (what it
keeps), `store` (what it needs from storage), `render` or `text` (how it looks), `reports`
(digest sections, /mydata and /forgetme); the other modules hold the commands, buttons and
jobs, one concern each.
"""

from __future__ import annotations

from bot.features.polls import commands, jobs, reports, voting
from bot.features.polls.common import feature

__all__ = ["commands", "feature", "jobs", "reports", "voting"]
