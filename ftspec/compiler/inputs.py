"""The files a command works on: named files, and pipeline files found under named directories.

Shared by ftcompile, ftlint and ftmigrate; free of click so that the linter starts fast.
"""

from __future__ import annotations

import os
from typing import Sequence

from ftspec.compiler.diagnostics import Collector, Diagnostic
from ftspec.compiler.rules.source import UNREADABLE_FILE

SOURCE_SUFFIXES = (".json", ".yaml", ".yml")
IR_SUFFIX = ".ir.json"
"""ftcompile's own output; never read back as input when a directory is searched."""


def collect_inputs(paths: Sequence[str]) -> tuple[list[str], list[Diagnostic]]:
    """Files named on the command line, and *.json/*.yaml/*.yml under named directories (sorted)."""
    inputs: list[str] = []
    problems: list[Diagnostic] = []
    for arg in paths:
        if os.path.isdir(arg):
            found = []
            for dirpath, dirnames, filenames in os.walk(arg):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in filenames:
                    if name.endswith(SOURCE_SUFFIXES) and not name.endswith(IR_SUFFIX):
                        found.append(os.path.join(dirpath, name))
            inputs.extend(sorted(found))
        elif os.path.exists(arg) or os.path.islink(arg):
            inputs.append(arg)
        else:
            collector = Collector(arg)
            collector.report(UNREADABLE_FILE, None, path=arg, reason="no such file or directory")
            problems.extend(collector.diagnostics)
    return inputs, problems
