"""The rule registry: every FT code, one module per family, registered on import.

`all_rules()` imports every family module found in this package (no hand-kept list), so the
CLI, `--list-rules`, `--explain` and the generated catalogue all read the same registry.
"""

from __future__ import annotations

import importlib
import pkgutil

from ftspec.compiler.diagnostics import RULES, Rule


_loaded = False


def all_rules() -> dict[str, Rule]:
    """Every registered rule, by code, in code order."""
    global _loaded
    if not _loaded:
        for info in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True
    return dict(sorted(RULES.items()))
