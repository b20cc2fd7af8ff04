"""The readers moved to `program.importing` (a module per source format); this name stays for callers."""

from .importing import *  # noqa: F403
from .importing import __all__  # noqa: F401
