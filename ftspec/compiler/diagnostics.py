"""Diagnostics are data: rules in one registry, findings as frozen values, fixes as tree edits.

A `Rule` holds everything a user needs (code, kebab-case name, severity, one-line title, message
template, and a doc in three parts: what the old runtime silently did, what the config means now,
how to fix it). Checks never format locations or severities themselves: they call
`Collector.report(rule, node, **args)` and the collector stamps code, severity, file and span.

Fixes are format-neutral operations on the located tree (rename a key, replace a value, move or
remove an entry, insert a key); the migration engine turns them into minimal text edits for JSON
or YAML. `safe` fixes keep the IR unchanged; `unsafe` ones change what the config means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ftspec._record import Fields, Record
from ftspec.compiler.nodes import Node, Span

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

FAMILIES: dict[str, str] = {
    "FT0": "source: reading JSON and YAML",
    "FT1": "structure: blocks, keys and dialects",
    "FT2": "space: search-space forms",
    "FT3": "study: sampler, pruner, approach, evaluation, metric and budget",
    "FT4": "optuna: behaviours of Optuna that silently change a config",
    "FT5": "lint: suppressions, v2 style and schema-only checks (ftlint only)",
    "FT6": "campaign: multi-stage, multi-seed campaign files",
}


@dataclass(eq=False, repr=False)
class Rule(Record):
    """One FT rule: its code, severity, message template and documentation (`ftlint --explain`)."""

    code: str
    """`FT` + 3 digits; never reused."""
    name: str
    """kebab-case name."""
    severity: Severity
    title: str
    """One line."""
    message: str
    """str.format template; the arguments come from the check."""
    old: str
    """What the old runtime (nirs4all, or Optuna itself) silently did."""
    now: str
    """What the config means under ftspec."""
    fix: str
    """How to fix it by hand; `fixable` says whether `ftmigrate` can."""
    fixable: Literal["safe", "unsafe", None] = None

    @property
    def family(self) -> str:
        return self.code[:3]

    def doc(self) -> str:
        """The rule's documentation, as `ftlint --explain` prints it (Markdown)."""
        fixable = {"safe": "yes (safe fix)", "unsafe": "yes, with --unsafe-fixes (changes the meaning)", None: "no"}
        return (
            f"# {self.code} {self.name}\n\n{self.title}\n\n"
            f"Severity: {self.severity}. Family: {FAMILIES[self.family]}. Auto-fix: {fixable[self.fixable]}.\n\n"
            f"## What used to happen\n\n{self.old}\n\n"
            f"## What the config means now\n\n{self.now}\n\n"
            f"## How to fix\n\n{self.fix}\n"
        )


RULES: dict[str, Rule] = {}


def define(
    code: str,
    name: str,
    severity: Severity,
    title: str,
    message: str,
    *,
    old: str,
    now: str,
    fix: str,
    fixable: Literal["safe", "unsafe", None] = None,
) -> Rule:
    """Register a rule; a duplicate code or name is a programming error."""
    if code in RULES:
        raise ValueError(f"rule code {code} defined twice")
    if any(r.name == name for r in RULES.values()):
        raise ValueError(f"rule name {name} defined twice")
    if code[:3] not in FAMILIES or len(code) != 5 or not code[2:].isdigit():
        raise ValueError(f"bad rule code {code}")
    rule = Rule(code, name, severity, title, message, old.strip(), now.strip(), fix.strip(), fixable)
    RULES[code] = rule
    return rule


FixOpName = Literal["rename_key", "replace_value", "remove_key", "move_key", "insert_key"]


@dataclass(eq=False, repr=False)
class FixOp(Record):
    """One tree edit.

    - rename_key: the entry at `pointer` gets key `key`.
    - replace_value: the value at `pointer` becomes `value`.
    - remove_key: the entry at `pointer` is deleted.
    - move_key: the entry at `pointer` moves into the mapping at `destination` (created when
      missing), under `key` (default: its own key).
    - insert_key: the mapping at `pointer` gets a new entry `key: value` (first position when
      `first` is true, else last).
    """

    op: FixOpName
    pointer: str
    key: str | None = None
    value: Any = None
    destination: str | None = None
    first: bool = False


@dataclass(eq=False, repr=False)
class Fix(Record):
    """A fix of one finding: the tree edits that `ftmigrate` / `ftlint --fix` apply together."""

    applicability: Literal["safe", "unsafe"]
    description: str
    ops: tuple[FixOp, ...]


@dataclass(eq=False, repr=False)
class Diagnostic(Record):
    """One finding, stamped with its rule's code and severity and located in its file."""

    code: str
    severity: Severity
    message: str
    file: str
    pointer: str
    line: int
    column: int
    end_line: int
    end_column: int
    fix: Fix | None = None

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file, self.line, self.column, self.code, self.pointer, self.message)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape of a finding (the public diagnostic contract)."""
        fix = None
        if self.fix is not None:
            fix = {
                "applicability": self.fix.applicability,
                "description": self.fix.description,
                "ops": [
                    {k: v for k, v in vars(op).items() if v is not None and not (k == "first" and v is False)}
                    for op in self.fix.ops
                ],
            }
        return {
            "code": self.code,
            "name": RULES[self.code].name,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "pointer": self.pointer,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "fix": fix,
        }


_NO_SPAN = Span(0, 0, 1, 1, 1, 1)


@dataclass(eq=False, repr=False)
class Collector(Fields):
    """Collects every finding of one file; the single place that stamps code, severity and location."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def report(
        self,
        rule: Rule,
        at: Node | Span | None,
        fix: Fix | None = None,
        *,
        pointer: str | None = None,
        **args: Any,
    ) -> Diagnostic:
        if at is None:
            span, where = _NO_SPAN, pointer or ""
        elif isinstance(at, Span):
            span, where = at, pointer or ""
        else:
            span, where = at.span, pointer if pointer is not None else at.pointer
        diag = Diagnostic(
            code=rule.code,
            severity=rule.severity,
            message=rule.message.format(**args),
            file=self.file,
            pointer=where,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
            fix=fix,
        )
        self.diagnostics.append(diag)
        return diag

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=Diagnostic.sort_key)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)
