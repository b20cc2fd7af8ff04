"""The feature packages (program, checkin, timer, qa, ...) and their optional modules.

Each feature is a subpackage of eventapp. The app looks in each for `models`, `views` (a blueprint `bp`, and its
`STAFF_LINKS`), `events` (socket handlers, `CHANNELS`, `ON_REMOTE`), `schemas` (`PUSHES`, `SNAPSHOTS`), `cli`
(`register(group)`) and `demo` (`seed(session, day)`), so adding a feature never edits the backbone.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

PACKAGE_NAME = __package__ or "eventapp"

# The order of import: program first, since every other feature builds on it.
_FIRST = ("program",)


def feature_names() -> list[str]:
    package = importlib.import_module(PACKAGE_NAME)
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.ispkg)
    return [n for n in _FIRST if n in names] + [n for n in names if n not in _FIRST]


def import_modules(module: str) -> list[ModuleType]:
    """Import `eventapp.<feature>.<module>` for every feature that has one."""
    found = []
    for name in feature_names():
        qualified = f"{PACKAGE_NAME}.{name}.{module}"
        if importlib.util.find_spec(qualified) is not None:
            found.append(importlib.import_module(qualified))
    return found
