"""How findings are printed: the one text line of a finding (`render_text`, which ftlint, ftcompile
and ftrun all print) and ftlint's output formats, one reporter class per format, chosen from
`REPORTERS`.

Reporters are fed the finished result and only render; stability tiers: `json` and `sarif` are
documented contracts (fields are only ever added), `github` follows GitHub's workflow-command
syntax, `text` is for people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import IO, Any, Sequence

from ftspec import __version__
from ftspec._record import Fields
from ftspec.compiler.diagnostics import RULES, SEVERITY_RANK, Diagnostic

JSON_FORMAT_VERSION = 1


@dataclass(eq=False, repr=False)
class FileOutcome(Fields):
    """One linted file: its findings after suppressions and selection."""

    path: str
    diagnostics: list[Diagnostic]
    text: str | None = None
    """Decoded source text (for --show-source), None when unreadable."""
    suppressed: int = 0


@dataclass(eq=False, repr=False)
class LintReport(Fields):
    """Every linted file of one run, as the reporters print it."""

    files: list[FileOutcome] = field(default_factory=list)
    strict: bool = False

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for f in self.files for d in f.diagnostics]

    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for diag in self.diagnostics:
            counts[diag.severity] += 1
        return counts


# ANSI SGR codes of the text format on a terminal (ftspec._console.use_color decides).
BOLD, RESET = "\033[1m", "\033[0m"
SEVERITY_COLOR = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}


def render_text(diag: Diagnostic, *, color: bool = False) -> str:
    """`path:line:col: FT123 severity message`: the line every command prints for a finding."""
    if color:
        code = f"{BOLD}{diag.code}{RESET}"
        severity = f"{SEVERITY_COLOR[diag.severity]}{diag.severity}{RESET}"
    else:
        code, severity = diag.code, diag.severity
    return f"{diag.file}:{diag.line}:{diag.column}: {code} {severity} {diag.message}"


def summarize(diagnostics: Sequence[Diagnostic], files: int, studies: int) -> str:
    """ftcompile's and ftrun's summary line: files, studies and findings per severity."""
    counts = {s: sum(1 for d in diagnostics if d.severity == s) for s in ("error", "warning", "info")}
    return f"{files} file(s), {studies} stud{'y' if studies == 1 else 'ies'}: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info"


class Reporter:
    name = ""

    def __init__(self, out: IO[str], *, show_source: bool = False, statistics: bool = False, color: bool = False) -> None:
        self.out = out
        self.show_source = show_source
        self.statistics = statistics
        self.color = color

    def render(self, report: LintReport) -> None:
        raise NotImplementedError


def fix_hint(diag: Diagnostic) -> str | None:
    if diag.fix is None:
        return None
    if diag.fix.applicability == "safe":
        return f"fix: {diag.fix.description} (ftlint --fix)"
    return f"fix: {diag.fix.description} (unsafe: ftlint --fix --unsafe-fixes)"


class TextReporter(Reporter):
    """`path:line:col: FT123 severity message` (`render_text`), optional source excerpt, then a summary line."""

    name = "text"

    def render(self, report: LintReport) -> None:
        write = self.out.write
        for outcome in report.files:
            lines = outcome.text.splitlines() if (self.show_source and outcome.text is not None) else None
            for diag in outcome.diagnostics:
                write(render_text(diag, color=self.color) + "\n")
                if lines is not None and 1 <= diag.line <= len(lines):
                    src = lines[diag.line - 1].replace("\t", " ")
                    width = max(1, (diag.end_column if diag.end_line == diag.line else len(src) + 1) - diag.column)
                    write(f"  {diag.line:>4} | {src}\n       | {' ' * (diag.column - 1)}{'^' * width}\n")
                    hint = fix_hint(diag)
                    if hint:
                        write(f"       = {hint}\n")
        if self.statistics:
            for code, count in statistics(report):
                rule = RULES[code]
                write(f"{count:>5}  {code}  {rule.severity:<7}  {rule.name}\n")
        counts = report.counts()
        total = sum(counts.values())
        fixable = sum(1 for d in report.diagnostics if d.fix is not None and d.fix.applicability == "safe")
        if total == 0:
            write(f"All checks passed ({len(report.files)} file(s)).\n")
        else:
            tail = f"; {fixable} fixable with --fix" if fixable else ""
            write(f"Found {total} finding(s) in {len(report.files)} file(s): {counts['error']} error(s), "
                  f"{counts['warning']} warning(s), {counts['info']} info{tail}.\n")


def statistics(report: LintReport) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for diag in report.diagnostics:
        counts[diag.code] = counts.get(diag.code, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


class JsonReporter(Reporter):
    """A stable JSON document: {version, tool, summary, diagnostics: [diagnostic contract + fix]}."""

    name = "json"

    def render(self, report: LintReport) -> None:
        payload: dict[str, Any] = {
            "version": JSON_FORMAT_VERSION,
            "tool": {"name": "ftlint", "version": __version__},
            "summary": {**report.counts(), "files": len(report.files), "suppressed": sum(f.suppressed for f in report.files)},
            "diagnostics": [d.to_dict() for d in report.diagnostics],
        }
        if self.statistics:
            payload["statistics"] = dict(statistics(report))
        self.out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def fingerprint(diag: Diagnostic) -> str:
    """Stable across runs and line moves: rule, file and JSON pointer."""
    import hashlib  # only SARIF needs it; the linter's startup stays light

    return hashlib.sha256(f"{diag.code}\0{diag.file}\0{diag.pointer}".encode()).hexdigest()[:32]


class SarifReporter(Reporter):
    """SARIF 2.1.0 as GitHub code scanning accepts it."""

    name = "sarif"

    def render(self, report: LintReport) -> None:
        codes = sorted(RULES)
        index = {code: i for i, code in enumerate(codes)}
        rules = []
        for code in codes:
            rule = RULES[code]
            rules.append({
                "id": code,
                "name": rule.name,
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": f"{rule.old} {rule.now}".strip()},
                "help": {"text": rule.fix, "markdown": rule.doc()},
                "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity]},
                "properties": {"tags": [rule.family]},
            })
        results = []
        for diag in report.diagnostics:
            results.append({
                "ruleId": diag.code,
                "ruleIndex": index[diag.code],
                "level": SARIF_LEVEL[diag.severity],
                "message": {"text": diag.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(diag.file)},
                        "region": {"startLine": diag.line, "startColumn": diag.column, "endLine": diag.end_line, "endColumn": max(diag.end_column, diag.column)},
                    },
                    "logicalLocations": [{"fullyQualifiedName": diag.pointer or "/", "kind": "object"}],
                }],
                "partialFingerprints": {"ftlintPointer/v1": fingerprint(diag)},
            })
        sarif = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "ftlint", "version": __version__, "informationUri": "https://pypi.org/project/ftspec/", "rules": rules}},
                "results": results,
            }],
        }
        self.out.write(json.dumps(sarif, indent=2, ensure_ascii=False) + "\n")


def _uri(path: str) -> str:
    posix = path.replace("\\", "/")
    return posix[2:] if posix.startswith("./") else posix


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    """GitHub Actions workflow commands (`::error file=...::message`), errors first."""

    name = "github"

    def render(self, report: LintReport) -> None:
        command = {"error": "error", "warning": "warning", "info": "notice"}
        ordered = sorted(report.diagnostics, key=lambda d: (SEVERITY_RANK[d.severity], *d.sort_key()))
        for diag in ordered:
            props = (
                f"file={_escape_property(diag.file)},line={diag.line},endLine={diag.end_line},"
                f"col={diag.column},endColumn={max(diag.end_column, diag.column)},"
                f"title={_escape_property(f'{diag.code} {RULES[diag.code].name}')}"
            )
            self.out.write(f"::{command[diag.severity]} {props}::{_escape_data(f'{diag.code} {diag.message}')}\n")
        counts = report.counts()
        self.out.write(f"ftlint: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info in {len(report.files)} file(s)\n")


REPORTERS: dict[str, type[Reporter]] = {r.name: r for r in (TextReporter, JsonReporter, SarifReporter, GithubReporter)}
