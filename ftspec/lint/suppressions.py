"""Inline suppressions, applied by the linter (never by the rules).

- YAML: a comment `# ftlint: ignore[FT201, FT305]` at the end of a line suppresses those codes on
  that line; on a line of its own it applies to the next line with content. `# ftlint: ignore`
  without codes suppresses every code there; `# ftlint: ignore-file[FT106]` anywhere applies to the
  whole file.
- JSON (no comments) and YAML alike: a `"_comment"` key whose string (or list of strings) contains
  `ftlint: ignore[...]` suppresses those codes for every finding inside the mapping that holds it;
  `ftlint: ignore-file[...]` in a `_comment` applies to the whole file. nirs4all already ignores
  `_comment` keys, and ftspec treats them as annotations, so the config's meaning does not change.

A suppression (or one of its codes) that suppresses nothing is reported as FT501.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ftspec._record import Fields
from ftspec.compiler.diagnostics import Collector, Diagnostic
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, Span
from ftspec.lint.rules import INVALID_SUPPRESSION, UNUSED_SUPPRESSION
from ftspec.compiler.source import SourceDocument

# Compiled on first use (re caches them): most files have no suppression, and ftlint's start-up
# counts on every commit.
_DIRECTIVE = r"ftlint:\s*(?P<kind>ignore-file|ignore)\b\s*(?:\[(?P<codes>[^\]]*)\])?"
_COMMENT_START = r"(?:^|\s)#"
_CODE = r"FT\d{3}"
_UNSUPPRESSIBLE = {UNUSED_SUPPRESSION.code, INVALID_SUPPRESSION.code}


@dataclass(eq=False, repr=False)
class Suppression(Fields):
    codes: list[str] | None
    """None: every code."""
    span: Span
    """Where the directive is written (for FT501)."""
    pointer: str
    line: int | None = None
    """YAML comment: the line it covers."""
    scope: str | None = None
    """`_comment`: the pointer of the mapping it covers."""
    file_level: bool = False
    used: set[str] = field(default_factory=set)

    def covers(self, diag: Diagnostic) -> bool:
        if diag.code in _UNSUPPRESSIBLE or (self.codes is not None and diag.code not in self.codes):
            return False
        if self.file_level:
            return True
        if self.line is not None:
            return diag.line == self.line
        assert self.scope is not None
        return diag.pointer == self.scope or diag.pointer.startswith(self.scope + "/")


def _parse(text: str, span: Span, pointer: str, collector: Collector, known: set[str]) -> tuple[str, list[str] | None] | None:
    match = re.search(_DIRECTIVE, text)
    if match is None:
        return None
    raw = match.group("codes")
    if raw is None:
        return match.group("kind"), None
    codes = [c.strip() for c in raw.split(",") if c.strip()]
    bad = [c for c in codes if not re.fullmatch(_CODE, c) or c not in known]
    if bad or not codes:
        collector.report(INVALID_SUPPRESSION, span, pointer=pointer, reason=f"unknown code(s) {', '.join(bad)}" if bad else "empty code list")
        codes = [c for c in codes if c not in bad]
        if not codes:
            return None
    return match.group("kind"), codes


def find_suppressions(doc: SourceDocument, collector: Collector, known: set[str]) -> list[Suppression]:
    found: list[Suppression] = []
    if doc.format == "yaml":
        found += _yaml_comments(doc, collector, known)
    if doc.root is not None:
        found += _comment_keys(doc.root, collector, known)
    return found


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _string_spans(root: Node) -> list[tuple[int, int]]:
    """(start, end) offsets of the string scalars, sorted: a `#` inside a quoted or block scalar is text, not a comment."""
    spans: list[tuple[int, int]] = []
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            for entry in node.entries:
                stack += [entry.key, entry.value]
        elif isinstance(node, Sequence):
            stack += node.items
        elif isinstance(node, Scalar) and isinstance(node.value, str) and node.span.end > node.span.start:
            spans.append((node.span.start, node.span.end))
    return sorted(spans)


def _comment_column(line: str, line_start: int, strings: list[tuple[int, int]]) -> int | None:
    """0-based column just after the `#` that starts the line's comment (outside every string scalar), or None."""
    for match in re.finditer(_COMMENT_START, line):
        hash_at = line_start + match.end() - 1
        index = bisect.bisect_right(strings, (hash_at, float("inf"))) - 1
        if index >= 0 and strings[index][0] <= hash_at < strings[index][1]:
            continue  # inside a string: text
        return match.end()
    return None


def _yaml_comments(doc: SourceDocument, collector: Collector, known: set[str]) -> list[Suppression]:
    found: list[Suppression] = []
    if "ftlint:" not in doc.text:
        return found
    lines = doc.text.splitlines()
    starts = _line_starts(doc.text)
    strings = _string_spans(doc.root) if doc.root is not None else []
    pending: list[tuple[str, list[str] | None, Span]] = []
    for index, line in enumerate(lines, start=1):
        stripped = line.strip()
        body_col = _comment_column(line, starts[index - 1], strings) if "#" in line else None
        parsed = None
        span = None
        if body_col is not None and "ftlint:" in line[body_col:]:
            col = body_col  # character after '#'
            offset = starts[index - 1] + col - 1
            span = Span(offset, starts[index - 1] + len(line), index, col, index, len(line) + 1)
            parsed = _parse(line[body_col:], span, "", collector, known)
        if parsed is not None and span is not None:
            kind, codes = parsed
            if kind == "ignore-file":
                found.append(Suppression(codes, span, "", file_level=True))
                continue
            if stripped.startswith("#"):
                pending.append((kind, codes, span))
                continue
            found.append(Suppression(codes, span, "", line=index))
        if stripped and not stripped.startswith("#") and pending:
            for _, codes, pspan in pending:
                found.append(Suppression(codes, pspan, "", line=index))
            pending = []
    for _, codes, pspan in pending:  # a trailing comment-only directive covers nothing
        found.append(Suppression(codes, pspan, "", line=-1))
    return found


def _comment_keys(root: Node, collector: Collector, known: set[str]) -> list[Suppression]:
    found: list[Suppression] = []
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Sequence):
            stack.extend(node.items)
            continue
        if not isinstance(node, Mapping):
            continue
        for entry in node.entries:
            if entry.key.value == "_comment":
                texts = [entry.value] if isinstance(entry.value, Scalar) else entry.value.items if isinstance(entry.value, Sequence) else []
                for text_node in texts:
                    if isinstance(text_node, Scalar) and isinstance(text_node.value, str) and "ftlint:" in text_node.value:
                        parsed = _parse(text_node.value, text_node.span, text_node.pointer, collector, known)
                        if parsed is not None:
                            kind, codes = parsed
                            found.append(Suppression(codes, text_node.span, text_node.pointer, scope=node.pointer, file_level=kind == "ignore-file"))
            else:
                stack.append(entry.value)
    return found


def apply_suppressions(diagnostics: list[Diagnostic], suppressions: list[Suppression], collector: Collector) -> tuple[list[Diagnostic], int]:
    """(kept findings, number suppressed); reports unused suppressions through `collector`."""
    kept: list[Diagnostic] = []
    suppressed = 0
    for diag in diagnostics:
        hit = False
        for sup in suppressions:
            if sup.covers(diag):
                sup.used.add(diag.code)
                hit = True
        if hit:
            suppressed += 1
        else:
            kept.append(diag)
    for sup in suppressions:
        if sup.codes is None:
            if not sup.used:
                collector.report(UNUSED_SUPPRESSION, sup.span, pointer=sup.pointer, codes="")
        else:
            unused = [c for c in sup.codes if c not in sup.used]
            if unused:
                collector.report(UNUSED_SUPPRESSION, sup.span, pointer=sup.pointer, codes=f" of {', '.join(unused)}")
    return kept, suppressed
