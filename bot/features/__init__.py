"""Features: each module exposes `feature`, a `bot.feature.Feature`; all are found here."""

from __future__ import annotations

import importlib
import pkgutil

from bot.feature import Feature


def all_features() -> list[Feature]:
    """Every feature module's `feature`, imported once."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        feature = getattr(module, "feature", None)
        if isinstance(feature, Feature):
            found.append(feature)
    return found
