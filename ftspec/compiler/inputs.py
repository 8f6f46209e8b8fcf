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


def no_files_warning(directory: str) -> str:
    """What a command says about a directory without a config file (like ruff), instead of a summary of 0 files."""
    return f"warning: No files found under {directory} (*.json, *.yaml, *.yml)"


def collect_inputs(paths: Sequence[str]) -> tuple[list[str], list[Diagnostic], list[str]]:
    """Files named on the command line, and *.json/*.yaml/*.yml under named directories (sorted);
    paths that do not exist (as FT012 findings); directories in which nothing was found."""
    inputs: list[str] = []
    problems: list[Diagnostic] = []
    empty: list[str] = []
    for arg in paths:
        if os.path.isdir(arg):
            found = []
            for dirpath, dirnames, filenames in os.walk(arg):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in filenames:
                    if name.endswith(SOURCE_SUFFIXES) and not name.endswith(IR_SUFFIX):
                        found.append(os.path.join(dirpath, name))
            inputs.extend(sorted(found))
            if not found:
                empty.append(arg)
        elif os.path.exists(arg) or os.path.islink(arg):
            inputs.append(arg)
        else:
            collector = Collector(arg)
            collector.report(UNREADABLE_FILE, None, path=arg, reason="no such file or directory")
            problems.extend(collector.diagnostics)
    return inputs, problems, empty
