"""The knowledge base: entries members contribute and moderators curate, found by search or tag.

The modules below register their commands, buttons and jobs on `feature`
when imported; `bot.features.all_features` finds `feature` here.
"""

from __future__ import annotations

from . import contribute, find, moderation, opportunities, reports, transfer
from .common import feature

# /help lists commands in this order: finding first, curating last.
_ORDER = ("kb find", "kb open", "tag", "opportunities", "kb add", "save", "opportunity",
          "kb edit", "kb translate", "kb history", "kb export", "kb queue", "kb approve",
          "kb reject", "kb archive", "kb deadline", "kb import")
feature.commands.sort(key=lambda spec: _ORDER.index(spec.name) if spec.name in _ORDER
                      else len(_ORDER))

__all__ = ["contribute", "feature", "find", "moderation", "opportunities", "reports",
           "transfer"]
