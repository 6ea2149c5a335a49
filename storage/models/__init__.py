"""Every model module is imported here, so `Base.metadata` knows all tables."""

from __future__ import annotations

import importlib
import pkgutil

from storage.db import Base

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_info.name}")

metadata = Base.metadata

__all__ = ["Base", "metadata"]
