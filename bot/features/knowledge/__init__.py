"""The knowledge base: entries members contribute and moderators curate, found by search or tag.

The modules below register their commands, buttons and jobs on `feature`
when imported; `bot.features.all_features` finds `feature` here.
"""

from __future__ import annotations

from . import contribute, find, moderation, opportunities, reports, transfer
from .common import feature

__all__ = ["contribute", "feature", "find", "moderation", "opportunities", "reports",
           "transfer"]
