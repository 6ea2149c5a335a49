"""Polls: one poll in every chat of a community, votes merged across platforms.

Split by concern: `syntax` reads what was typed, `render` draws cards and results,
`commands` and `voting` handle commands and buttons, `jobs` refreshes and closes,
`ballots` keeps anonymous ballots unreadable, `records` is the storage interface.
"""

from __future__ import annotations

from bot.features.polls import commands, jobs, reports, voting
from bot.features.polls.common import feature

__all__ = ["commands", "feature", "jobs", "reports", "voting"]
