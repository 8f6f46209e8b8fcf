"""ftlint settings: `[tool.ftlint]` in the nearest pyproject.toml, then the command line on top.

    [tool.ftlint]
    select = ["FT"]               # codes or prefixes ("FT2", "FT20", "ALL")
    extend-select = []
    ignore = ["FT114"]
    strict = false                # warnings fail too
    output-format = "text"
    [tool.ftlint.per-file-ignores]
    "examples/legacy/*.json" = ["FT106"]
"""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable

from ftspec._record import Fields

# tomllib and pathlib are imported only when a pyproject.toml with [tool.ftlint] is read: the linter
# runs on every commit and most runs never need them.


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    return tomllib

KNOWN_KEYS = ("select", "extend-select", "ignore", "per-file-ignores", "strict", "output-format", "show-source")


class ConfigError(Exception):
    """A bad configuration file or option (exit code 2)."""


@dataclass(eq=False, repr=False)
class LintConfig(Fields):
    """The `[tool.ftlint]` table of pyproject.toml (the defaults when there is none)."""

    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    strict: bool | None = None
    output_format: str | None = None
    show_source: bool | None = None
    root: str | None = None
    """Directory of the pyproject.toml (per-file-ignores patterns are relative to it)."""
    path: str | None = None


def find_pyproject(start: Iterable[str]) -> str | None:
    """The nearest pyproject.toml with a [tool.ftlint] table, walking up from the first path."""
    first = next(iter(start), None)
    here = os.path.realpath(first) if first else os.getcwd()
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                with open(candidate, encoding="utf-8") as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError):
                text = ""
            if "ftlint" in text:  # cheap test first: most pyproject.toml files have no [tool.ftlint]
                tomllib = _toml()
                try:
                    data = tomllib.loads(text)
                except tomllib.TOMLDecodeError:
                    data = {}
                if isinstance(data.get("tool"), dict) and "ftlint" in data["tool"]:
                    return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def load_config(path: str) -> LintConfig:
    tomllib = _toml()
    try:
        with open(path, encoding="utf-8") as handle:
            data = tomllib.loads(handle.read())
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    table = data.get("tool", {}).get("ftlint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.ftlint] must be a table")
    for key in table:
        if key not in KNOWN_KEYS:
            from ftspec.compiler.values import did_you_mean  # only on this error: difflib stays off the start-up

            hint = did_you_mean(key, KNOWN_KEYS).strip() or f"(known: {', '.join(KNOWN_KEYS)})"
            raise ConfigError(f"{path}: unknown [tool.ftlint] key {key!r} {hint}")

    def strings(key: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: [tool.ftlint] {key} must be a list of strings")
        return value

    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict) or not all(isinstance(v, list) and all(isinstance(c, str) for c in v) for v in per_file.values()):
        raise ConfigError(f"{path}: [tool.ftlint.per-file-ignores] must map glob patterns to lists of codes")
    for key, kind in (("strict", bool), ("show-source", bool), ("output-format", str)):
        if key in table and not isinstance(table[key], kind):
            raise ConfigError(f"{path}: [tool.ftlint] {key} must be a {kind.__name__}")
    return LintConfig(
        select=strings("select") if "select" in table else None,
        extend_select=strings("extend-select"),
        ignore=strings("ignore"),
        per_file_ignores=per_file,
        strict=table.get("strict"),
        output_format=table.get("output-format"),
        show_source=table.get("show-source"),
        root=os.path.dirname(os.path.abspath(path)),
        path=path,
    )


def expand_selectors(selectors: Iterable[str], codes: Iterable[str], origin: str) -> set[str]:
    """Codes matched by selectors (a code, a prefix such as FT2 or FT20, or ALL)."""
    codes = list(codes)
    chosen: set[str] = set()
    for selector in selectors:
        sel = selector.strip().upper()
        matched = codes if sel == "ALL" else [c for c in codes if c.startswith(sel)]
        if not matched:
            raise ConfigError(f"{origin}: unknown rule selector {selector!r}")
        chosen.update(matched)
    return chosen


@dataclass(eq=False, repr=False)
class Selection(Fields):
    """Which codes are reported, per file."""

    enabled: set[str]
    per_file: list[tuple[str, set[str]]]
    root: str

    def enabled_for(self, path: str) -> set[str]:
        if not self.per_file:
            return self.enabled
        rel = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
        given = path.replace(os.sep, "/")
        ignored: set[str] = set()
        for pattern, codes in self.per_file:
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(given, pattern):
                ignored |= codes
        return self.enabled - ignored


def build_selection(config: LintConfig, cli: dict[str, Any], codes: Iterable[str]) -> Selection:
    """CLI options replace the configuration's (except extend-select, which adds)."""
    codes = sorted(codes)
    origin = str(config.path) if config.path else "configuration"
    select = cli.get("select") or config.select or ["ALL"]
    enabled = expand_selectors(select, codes, "--select" if cli.get("select") else origin)
    enabled |= expand_selectors(config.extend_select, codes, origin)
    enabled |= expand_selectors(cli.get("extend_select") or [], codes, "--extend-select")
    ignore = cli.get("ignore") if cli.get("ignore") else config.ignore
    enabled -= expand_selectors(ignore, codes, "--ignore" if cli.get("ignore") else origin)
    per_file = [(pattern, expand_selectors(sel, codes, origin)) for pattern, sel in config.per_file_ignores.items()]
    return Selection(enabled, per_file, config.root or os.getcwd())
