"""The rule registry: every FT code, one module per family, registered on import.

`all_rules()` imports every family module found in this package (no hand-kept list), so the
CLI, `--list-rules`, `--explain` and the generated catalogue all read the same registry.
"""

from __future__ import annotations

import importlib
import pkgutil

from ftspec.compiler.diagnostics import RULES, Rule


def all_rules() -> dict[str, Rule]:
    """Every registered rule, by code, in code order."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return dict(sorted(RULES.items()))
