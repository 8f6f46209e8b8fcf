"""Positions in loaded text, shared by the JSON and YAML loaders: spans, line starts, and the
exception that ends a load (a syntax error or a refusal) with where it happened."""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from typing import Callable

from ftspec.compiler.diagnostics import Collector
from ftspec.compiler.nodes import Span
from ftspec.compiler.rules import source as rules

SpanFn = Callable[[int, int], Span]

MAX_DEPTH = 256
"""Deepest nesting of mappings/sequences accepted (the root container is at depth 1)."""

START = Span(0, 0, 1, 1, 1, 1)


_BREAKS = r"\r\n?|\n"


def _span_factory() -> Callable[[int, int, int, int, int, int], Span]:
    """The fastest way to build a Span(start, end, line, column, end_line, end_column).

    Span is a frozen, slotted dataclass: its __init__ sets each field through
    object.__setattr__, which costs more than the rest of the work per JSON node. A mutable
    twin with the same slots is built instead and then given the Span class (CPython allows
    the switch between classes with identical slot layouts); the result is an ordinary Span.
    If Span's layout ever changes, the check below falls back to the plain constructor.
    """
    names = ("start", "end", "line", "column", "end_line", "end_column")
    try:
        from dataclasses import fields

        if tuple(f.name for f in fields(Span)) != names or tuple(Span.__slots__) != names:
            return Span

        class _Twin:
            __slots__ = names

            def __init__(self, start: int, end: int, line: int, column: int, end_line: int, end_column: int) -> None:
                self.start = start
                self.end = end
                self.line = line
                self.column = column
                self.end_line = end_line
                self.end_column = end_column

        def make(start: int, end: int, line: int, column: int, end_line: int, end_column: int) -> Span:
            span = _Twin(start, end, line, column, end_line, end_column)
            span.__class__ = Span  # type: ignore[assignment]
            return span  # type: ignore[return-value]

        probe = make(1, 2, 3, 4, 5, 6)
        if type(probe) is Span and probe == Span(1, 2, 3, 4, 5, 6) and hash(probe) == hash(Span(1, 2, 3, 4, 5, 6)):
            return make
    except (TypeError, AttributeError):  # pragma: no cover - other Python implementations
        pass
    return Span  # pragma: no cover


new_span = _span_factory()


def spanner(text: str) -> SpanFn:
    """A function (start, end) -> Span for `text`, using precomputed line starts and bisect."""
    starts = line_starts(text)
    build = new_span

    def make(start: int, end: int) -> Span:
        line = bisect_right(starts, start)
        first = starts[line - 1]
        if end < starts[line]:  # the common case: the node ends on the line it starts on
            return build(start, end, line, start - first + 1, line, end - first + 1)
        end_line = bisect_right(starts, end)
        return build(start, end, line, start - first + 1, end_line, end - starts[end_line - 1] + 1)

    return make


def position_span(text: str, offset: int) -> Span:
    """A one-character span at `offset` (zero-length at the end of the text)."""
    offset = max(0, min(offset, len(text)))
    return spanner(text)(offset, min(offset + 1, len(text)))


class Stop(Exception):
    """Ends loading: a syntax error (FT001) or a refusal (FT007) at `pos`."""

    def __init__(self, pos: int, reason: str, pointer: str = "", refused: bool = False) -> None:
        super().__init__(reason)
        self.pos = pos
        self.reason = reason
        self.pointer = pointer
        self.refused = refused


def report_stop(stop: Stop, text: str, span: SpanFn, collector: Collector, fmt: str) -> None:
    pos = max(0, min(stop.pos, len(text)))
    at = span(pos, min(pos + 1, len(text)))
    if stop.refused:
        collector.report(rules.DOCUMENT_TOO_LARGE, at, pointer=stop.pointer, reason=stop.reason)
    else:
        collector.report(rules.PARSE_ERROR, at, pointer=stop.pointer, format=fmt, reason=stop.reason)


def line_starts(text: str) -> list[int]:
    """Offsets where lines start, plus a sentinel so that `starts[line]` always exists."""
    starts = [0]
    if "\r" in text:
        starts.extend(m.end() for m in re.finditer(_BREAKS, text))
    else:
        find = text.find
        i = find("\n")
        while i >= 0:
            i += 1
            starts.append(i)
            i = find("\n", i)
    starts.append(sys.maxsize)
    return starts
