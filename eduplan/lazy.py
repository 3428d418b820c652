"""Names a package exports but imports only when first used (so that a command that does not need a heavy
module — scipy, xlsxwriter — does not pay for importing it at start-up)."""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable


def lazy_exports(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: `names` maps an exported name to the submodule (relative, e.g.
    ".planner") that defines it; the first use imports it and keeps it in the package."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
