"""Loading JSON and YAML into the located tree (nodes with spans and RFC 6901 pointers).

The loader never raises for bad input: every odd input is either accepted with a defined
meaning or reported as an FT0xx finding (see `ftspec.compiler.rules.source`), and a file that
cannot be read into a tree gets `root=None`.

- JSON has its own located parser: strict JSON (no comments, no trailing commas), plus the
  `NaN`/`Infinity` literals that Python's `json` accepts (read as floats and reported FT003).
  Strings go through `json.decoder.scanstring` (C), numbers and whitespace through compiled
  regexes, so that loading stays cheap for the linter.
- YAML is read through ruamel.yaml's event stream (never its constructors, so no tag can build
  an object) and resolved with the YAML 1.2 core schema; plain scalars that a YAML 1.1 loader
  (PyYAML, as nirs4all used) would type differently are reported FT014. ruamel is imported only
  when a YAML file is loaded. The events come from ruamel's C parser (libyaml, installed by
  `ruamel.yaml[oldlibyaml]` or `[libyaml]`), some 25x faster than the pure-Python one, where the
  two read the text alike: the C reading is dropped, and the text loaded again with the pure
  parser, for text with tabs or YAML 1.1 line breaks, for a directive or a second document,
  for a tag or name that libyaml delimits differently, and for any syntax error or refusal (so
  FT001 quotes ruamel's own message and position). Without the C parser everything goes through the pure one. Both
  ways give the same tree and findings; tests/test_source.py compares them.

Spans: 0-based `start`/`end` character offsets into `SourceDocument.text` (BOM removed, end
exclusive), 1-based line/column of the first character and of the position just after the last
one. Line breaks are "\\n", "\\r\\n" (one break) and a lone "\\r".

Example:

    >>> from ftspec.compiler.diagnostics import Collector
    >>> doc = load_text('{"a": [1, 2.5]}', "x.json", Collector("x.json"))
    >>> item = doc.root.get("a").items[1]
    >>> item.value, item.pointer, (item.span.line, item.span.column, item.span.end_column)
    (2.5, '/a/1', (1, 11, 14))
"""

from __future__ import annotations

import math
import os
import re
import stat
import sys
from bisect import bisect_right
from dataclasses import dataclass
from functools import partial
from json import JSONDecodeError
from json.decoder import scanstring
from typing import Any, Callable, Iterator, Literal

from ftspec._record import Fields
from ftspec.compiler.diagnostics import Collector
from ftspec.compiler.nodes import Entry, Mapping, Node, Scalar, Sequence, Span, child_pointer
from ftspec.compiler.rules import source as rules

__all__ = ["SourceDocument", "detect_format", "load_bytes", "load_path", "load_text"]

MAX_DEPTH = 256
"""Deepest nesting of mappings/sequences accepted (the root container is at depth 1)."""
MAX_ALIAS_NODES = 100_000
"""Most nodes that YAML aliases (and merge keys) may add by copying anchored nodes."""
MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest file read (20 MB)."""

Format = Literal["json", "yaml"]
_SpanFn = Callable[[int, int], Span]


@dataclass(eq=False, repr=False)  # eq and repr come from Fields: cheaper to import
class SourceDocument(Fields):
    path: str
    """The path as given."""
    text: str
    """Decoded text, BOM removed; every Span offset refers to this text."""
    format: Format
    root: Node | None
    """None when the file could not be parsed, was refused, or holds no document."""
    bom: bool
    """The file started with a UTF-8 byte-order mark."""
    newline: str
    """The dominant line ending, "\\n" or "\\r\\n", for writers."""


# --------------------------------------------------------------------------------------------
# Public entry points


def detect_format(path: str, text: str) -> Format:
    """`.json` -> json, `.yaml`/`.yml` -> yaml; otherwise json when the text starts with `{` or `[`."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext == ".json":
        return "json"
    if ext in (".yaml", ".yml"):
        return "yaml"
    stripped = text.lstrip(" \t\r\n\ufeff")
    return "json" if stripped[:1] in ("{", "[") else "yaml"


def load_text(text: str, path: str, collector: Collector, format: str | None = None) -> SourceDocument:
    """Load already decoded text. A leading U+FEFF is removed and reported FT008."""
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
        collector.report(rules.BYTE_ORDER_MARK, _START)
    return _load_decoded(text, path, collector, format, bom)


def load_bytes(data: bytes, path: str, collector: Collector, format: str | None = None) -> SourceDocument:
    """Decode UTF-8 (a BOM is skipped and reported FT008; bad bytes are FT010) and load."""
    fmt = _normalize_format(format)
    if len(data) > MAX_FILE_BYTES:
        collector.report(rules.DOCUMENT_TOO_LARGE, _START, reason=_too_large(len(data)))
        return SourceDocument(path, "", fmt or detect_format(path, ""), None, False, "\n")
    problem = None
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        problem = "the file is UTF-32 encoded", _START
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problem = "the file is UTF-16 encoded", _START
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            nul = data.find(b"\x00", 0, exc.start)
            if nul >= 0:
                problem = _binary(data, nul)
            else:
                where = _byte_position(data, exc.start)
                problem = f"invalid byte 0x{data[exc.start]:02x} at line {where.line}, column {where.column}", where
        else:
            if "\x00" in text:
                problem = _binary(data, data.find(b"\x00"))
    if problem is not None:
        text = data.decode("utf-8", errors="replace")
        collector.report(rules.NOT_UTF8, problem[1], reason=problem[0])
        return SourceDocument(path, text, fmt or detect_format(path, text), None, False, _newline(text))
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
        collector.report(rules.BYTE_ORDER_MARK, _START)
    return _load_decoded(text, path, collector, fmt, bom)


def load_path(path: str, collector: Collector) -> SourceDocument | None:
    """Read and load a file; a missing file, a directory or an unreadable path is FT012 and None."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            collector.report(rules.UNREADABLE_FILE, None, path=path, reason="is a directory")
            return None
        if stat.S_ISREG(st.st_mode) and st.st_size > MAX_FILE_BYTES:
            collector.report(rules.DOCUMENT_TOO_LARGE, _START, reason=_too_large(st.st_size))
            return SourceDocument(path, "", detect_format(path, ""), None, False, "\n")
        with open(path, "rb") as handle:
            # Bounded read: a device or pipe that never ends still gets refused with FT007.
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        collector.report(rules.UNREADABLE_FILE, None, path=path, reason=_os_reason(exc))
        return None
    return load_bytes(data, path, collector)


# --------------------------------------------------------------------------------------------
# Shared helpers

_START = Span(0, 0, 1, 1, 1, 1)


def _normalize_format(format: str | None) -> Format | None:
    if format is None:
        return None
    lowered = format.lower()
    if lowered == "json":
        return "json"
    if lowered in ("yaml", "yml"):
        return "yaml"
    raise ValueError(f"unknown format {format!r}: expected 'json' or 'yaml'")


def _too_large(size: int) -> str:
    return f"file is {size} bytes, over the {MAX_FILE_BYTES // (1024 * 1024)} MB limit"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


def _newline(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf > text.count("\n") - crlf else "\n"


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


_new_span = _span_factory()


def _spanner(text: str) -> _SpanFn:
    """A function (start, end) -> Span for `text`, using precomputed line starts and bisect."""
    starts = _line_starts(text)
    new_span = _new_span

    def make(start: int, end: int) -> Span:
        line = bisect_right(starts, start)
        first = starts[line - 1]
        if end < starts[line]:  # the common case: the node ends on the line it starts on
            return new_span(start, end, line, start - first + 1, line, end - first + 1)
        end_line = bisect_right(starts, end)
        return new_span(start, end, line, start - first + 1, end_line, end - starts[end_line - 1] + 1)

    return make


def _position_span(text: str, offset: int) -> Span:
    """A one-character span at `offset` (zero-length at the end of the text)."""
    offset = max(0, min(offset, len(text)))
    return _spanner(text)(offset, min(offset + 1, len(text)))


def _binary(data: bytes, nul: int) -> tuple[str, Span]:
    where = _byte_position(data, nul)
    return f"binary data (NUL byte at line {where.line}, column {where.column})", where


def _byte_position(data: bytes, index: int) -> Span:
    prefix = data[:index].decode("utf-8", errors="replace")
    if prefix.startswith("\ufeff"):
        prefix = prefix[1:]
    return _position_span(prefix + " ", len(prefix))


def _load_decoded(text: str, path: str, collector: Collector, format: str | None, bom: bool) -> SourceDocument:
    fmt = _normalize_format(format) or detect_format(path, text)
    doc = SourceDocument(path, text, fmt, None, bom, _newline(text))
    if len(text) > MAX_FILE_BYTES:
        size = len(text.encode("utf-8", "surrogatepass"))
        collector.report(rules.DOCUMENT_TOO_LARGE, _START, reason=_too_large(size))
        return doc
    if fmt == "json":
        doc.root = _load_json(text, collector)
    else:
        doc.root = _load_yaml(text, collector)
    return doc


class _Stop(Exception):
    """Ends loading: a syntax error (FT001) or a refusal (FT007) at `pos`."""

    def __init__(self, pos: int, reason: str, pointer: str = "", refused: bool = False) -> None:
        super().__init__(reason)
        self.pos = pos
        self.reason = reason
        self.pointer = pointer
        self.refused = refused


def _report_stop(stop: _Stop, text: str, span: _SpanFn, collector: Collector, fmt: str) -> None:
    pos = max(0, min(stop.pos, len(text)))
    at = span(pos, min(pos + 1, len(text)))
    if stop.refused:
        collector.report(rules.DOCUMENT_TOO_LARGE, at, pointer=stop.pointer, reason=stop.reason)
    else:
        collector.report(rules.PARSE_ERROR, at, pointer=stop.pointer, format=fmt, reason=stop.reason)


# --------------------------------------------------------------------------------------------
# JSON

# Compiled on the first JSON file (re caches them), so that a YAML-only run never compiles them.
_JSON_WS = r"[ \t\n\r]*"
_JSON_COLON = r"[ \t\n\r]*:[ \t\n\r]*"
_JSON_AFTER = r"[ \t\n\r]*([,}\]])[ \t\n\r]*"
_JSON_NUMBER = r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?"
_JSON_LITERALS: dict[str, tuple[str, Any]] = {
    "t": ("true", True),
    "f": ("false", False),
    "n": ("null", None),
    "N": ("NaN", math.nan),
    "I": ("Infinity", math.inf),
    "-": ("-Infinity", -math.inf),
}
_INF = math.inf


def _line_starts(text: str) -> list[int]:
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


def _json_fail(s: str, n: int, pos: int, expected: str, pointer: str) -> _Stop:
    c = s[pos]
    if pos >= n:
        reason = f"unexpected end of file ({expected})"
    elif c == "/" or c == "#":
        reason = "comments are not allowed in JSON"
    elif c == "'":
        reason = "strings must be in double quotes"
    else:
        reason = f"{expected}, found {c!r}"
    return _Stop(pos, reason, pointer)


def _json_string_error(exc: JSONDecodeError, s: str, n: int, start: int, pointer: str) -> _Stop:
    pos = exc.pos
    if pos >= n or exc.msg.startswith("Unterminated"):
        return _Stop(start, "unterminated string", pointer)
    if exc.msg.startswith("Invalid control"):
        what = "line break" if s[pos] in "\r\n" else "control character"
        return _Stop(pos, f"unescaped {what} in a string", pointer)
    return _Stop(pos, exc.msg[:1].lower() + exc.msg[1:] + " in a string", pointer)


def _load_json(text: str, collector: Collector) -> Node | None:
    try:
        return _parse_json(text, collector)
    except _Stop as stop:
        _report_stop(stop, text, _spanner(text), collector, "JSON")
        return None


def _parse_json(text: str, collector: Collector) -> Node | None:
    """Strict JSON to nodes; raises _Stop on a syntax error or a refusal.

    Speed choices: one loop with an explicit stack (every variable a fast local, no recursion
    limit); a NUL sentinel after the text saves bounds checks (positions >= n are the end of
    the file); the parser only moves forward, so the current line (`line`, starting at offset
    `ls`, the next one at `nxt`) advances by bisect only when a position crosses `nxt`, and
    spans are built inline (a JSON scalar never contains a line break).
    """
    starts = _line_starts(text)
    n = len(text)
    s = text + "\x00"
    ws = re.compile(_JSON_WS).match
    number = re.compile(_JSON_NUMBER).match
    report = collector.report
    literals = _JSON_LITERALS
    new_span = _new_span
    scan = scanstring
    colon = re.compile(_JSON_COLON).match
    after = re.compile(_JSON_AFTER).match
    WS = " \t\n\r"
    line, ls, nxt = 1, 0, starts[1]

    i = ws(s, 0).end()
    if i >= n:
        collector.report(rules.EMPTY_DOCUMENT, _START)
        return None
    # A frame is [is_map, children, pointer, start, start line, start column, seen keys,
    # current key node, next index]; `key_at` >= 0 asks for an object key there first.
    stack: list[list[Any]] = []
    pointer = ""
    key_at = -1
    node: Node | None
    while True:
        if key_at >= 0:
            frame = stack[-1]
            k = key_at
            key_at = -1
            try:
                key, j = scan(s, k + 1, True)
            except JSONDecodeError as exc:
                raise _json_string_error(exc, s, n, k, frame[2]) from None
            if "~" in key or "/" in key:
                pointer = child_pointer(frame[2], key)
            else:
                pointer = frame[2] + "/" + key
            if k >= nxt:
                line = bisect_right(starts, k, line)
                ls = starts[line - 1]
                nxt = starts[line]
            keynode = Scalar(key, new_span(k, j, line, k - ls + 1, line, j - ls + 1), pointer, '"')
            frame[7] = keynode
            first = frame[6].setdefault(key, keynode)
            if first is not keynode:
                report(rules.DUPLICATE_KEY, keynode, key=key, first_line=first.span.line)
            m = colon(s, j)
            if m is None:
                raise _json_fail(s, n, ws(s, j).end(), "expected ':' after object key", pointer)
            i = m.end()

        # -- the value that starts at i, to be found at `pointer`
        c = s[i]
        if i >= nxt:
            line = bisect_right(starts, i, line)
            ls = starts[line - 1]
            nxt = starts[line]
        if c == '"':
            try:
                v, j = scan(s, i + 1, True)
            except JSONDecodeError as exc:
                raise _json_string_error(exc, s, n, i, pointer) from None
            node = Scalar(v, new_span(i, j, line, i - ls + 1, line, j - ls + 1), pointer, '"')
        elif c == "{" or c == "[":
            if len(stack) >= MAX_DEPTH:
                raise _Stop(i, f"nesting deeper than {MAX_DEPTH} levels", pointer, refused=True)
            is_map = c == "{"
            stack.append([is_map, [], pointer, i, line, i - ls + 1, {} if is_map else None, None, 1])
            j = i + 1
            if s[j] in WS:
                j = ws(s, j).end()
            c = s[j]
            if c == ("}" if is_map else "]"):
                node = None  # an empty container, closed below
            elif is_map:
                if c != '"':
                    raise _json_fail(s, n, j, "expected an object key in double quotes", pointer)
                key_at = j
                continue
            else:
                i = j
                pointer += "/0"
                continue
        else:
            m = number(s, i)
            if m is not None:
                j = m.end()
                whole, frac, exp = m.groups()
                if frac is None and exp is None:
                    try:
                        v = int(whole)
                    except ValueError:  # more digits than int() accepts
                        raise _Stop(i, "integer has too many digits", pointer) from None
                    node = Scalar(v, new_span(i, j, line, i - ls + 1, line, j - ls + 1), pointer)
                else:
                    f = float(s[i:j])
                    node = Scalar(f, new_span(i, j, line, i - ls + 1, line, j - ls + 1), pointer)
                    if f == _INF or f == -_INF:  # e.g. 1e999 overflows to infinity
                        report(rules.NON_FINITE_NUMBER, node, text=s[i:j])
            else:
                lit = literals.get(c)
                if lit is None or not s.startswith(lit[0], i):
                    raise _json_fail(s, n, i, "expected a value", pointer)
                word, v = lit
                j = i + len(word)
                node = Scalar(v, new_span(i, j, line, i - ls + 1, line, j - ls + 1), pointer)
                if c in "NI-":
                    report(rules.NON_FINITE_NUMBER, node, text=word)

        # -- attach `node` to its container (None: the top container is empty and closes at j),
        # then move on to the next value, closing containers on the way
        while True:
            if not stack:
                if s[j] in WS:
                    j = ws(s, j).end()
                if j < n:
                    raise _json_fail(s, n, j, "extra data after the JSON value", "")
                return node
            frame = stack[-1]
            is_map = frame[0]
            if node is not None:
                if is_map:
                    frame[1].append(Entry(frame[7], node))
                else:
                    frame[1].append(node)
                m = after(s, j)
                if m is None:
                    j = ws(s, j).end()
                    if is_map:
                        raise _json_fail(s, n, j, "expected ',' or '}' after object member", frame[2])
                    raise _json_fail(s, n, j, "expected ',' or ']' after array element", frame[2])
                c = m[1]
                if c == ",":
                    j = m.end()
                    c = s[j]
                    if is_map:
                        if c != '"':
                            if c == "}":
                                raise _Stop(m.start(1), "trailing comma before '}'", frame[2])
                            raise _json_fail(s, n, j, "expected an object key in double quotes", frame[2])
                        key_at = j
                    else:
                        if c == "]":
                            raise _Stop(m.start(1), "trailing comma before ']'", frame[2])
                        i = j
                        pointer = f"{frame[2]}/{frame[8]}"
                        frame[8] += 1
                    break
                j = m.start(1)
                if c != ("}" if is_map else "]"):
                    if is_map:
                        raise _json_fail(s, n, j, "expected ',' or '}' after object member", frame[2])
                    raise _json_fail(s, n, j, "expected ',' or ']' after array element", frame[2])
            # close the container whose bracket is at j
            stack.pop()
            if j >= nxt:
                line = bisect_right(starts, j, line)
                ls = starts[line - 1]
                nxt = starts[line]
            j += 1
            span = new_span(frame[3], j, frame[4], frame[5], line, j - ls + 1)
            if is_map:
                node = Mapping(frame[1], span, frame[2], "flow")
            else:
                node = Sequence(frame[1], span, frame[2], "flow")


# --------------------------------------------------------------------------------------------
# YAML: scalar resolution

_CORE_INT = re.compile(r"[-+]?[0-9]+\Z")
# Patterns kept as strings are compiled on first use (re caches them): they serve rare inputs,
# and compiling every pattern of the module at import cost the linter ~2 ms on each run.
_CORE_OCT = r"0o[0-7]+\Z"
_CORE_HEX = r"0x[0-9a-fA-F]+\Z"
_CORE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_CORE_INF = r"[-+]?\.(?:inf|Inf|INF)\Z"
_CORE_NAN = frozenset((".nan", ".NaN", ".NAN"))
_CORE_WORDS: dict[str, Any] = {
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
    "null": None, "Null": None, "NULL": None, "~": None, "": None,
}
_NOT_CORE = object()


def _resolve_core(text: str) -> Any:
    """The value of a plain scalar under the YAML 1.2 core schema (str when nothing else matches).

    Raises ValueError for an int with more digits than Python converts.
    """
    if not text:
        return None
    c = text[0]
    if c in "-+.0123456789":
        if _CORE_INT.match(text):
            return int(text)
        if c == "0" and len(text) > 2:
            if text[1] == "o" and re.match(_CORE_OCT, text):
                return int(text[2:], 8)
            if text[1] == "x" and re.match(_CORE_HEX, text):
                return int(text[2:], 16)
        if _CORE_FLOAT.match(text):
            return float(text)
        if re.match(_CORE_INF, text):
            return -math.inf if c == "-" else math.inf
        if text in _CORE_NAN:
            return math.nan
        return text
    word = _CORE_WORDS.get(text, _NOT_CORE)
    return text if word is _NOT_CORE else word


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "a boolean"
    if isinstance(value, int):
        return "an int"
    if isinstance(value, float):
        return "a float"
    return "a string"


# YAML 1.1 as PyYAML implements it (yaml/resolver.py), which is what nirs4all loaded configs
# with. The YAML 1.1 bool type also lists y/Y/n/N, but PyYAML reads those four as strings, as
# YAML 1.2 does: no difference to report.
_Y11_BOOL = frozenset("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF".split())
_Y11_FLOAT = (
    r"""(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))\Z"""
)
_Y11_INT = (
    r"""(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\Z"""
)
_Y11_DATE = r"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]\Z"
_Y11_TIMESTAMP = (
    r"""[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?\Z"""
)
_Y11_NULL = frozenset(("", "~", "null", "Null", "NULL"))
# Plain scalars whose first character is not here are strings (or the same null/bool) in both.
_Y11_FIRST = frozenset("yYnNoO-+.0123456789")
# ... and of those that start with a letter here, only the YAML 1.1 booleans differ; of the
# others, plain decimal ints (no leading zero) and floats without exponent read the same.
_Y11_LETTERS = frozenset("yYnNoO")
_SAME_IN_BOTH = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?\Z")


def _yaml11_int(text: str) -> int | None:
    """PyYAML's construct_yaml_int."""
    value = text.replace("_", "")
    sign = 1
    if value[:1] == "-":
        sign, value = -1, value[1:]
    elif value[:1] == "+":
        value = value[1:]
    try:
        if value == "0":
            return 0
        if value.startswith("0b"):
            return sign * int(value[2:], 2)
        if value.startswith("0x"):
            return sign * int(value[2:], 16)
        if value[:1] == "0":
            return sign * int(value, 8)
        if ":" in value:
            result = 0
            for part in value.split(":"):
                result = result * 60 + int(part)
            return sign * result
        return sign * int(value)
    except ValueError:
        return None


def _yaml11_type(text: str) -> tuple[str, Any]:
    """(type name, value) of a plain scalar for a YAML 1.1 loader; the value only for ints."""
    if text in _Y11_BOOL:
        return "a boolean", None
    if re.match(_Y11_FLOAT, text, re.X):
        return "a float", None
    if re.match(_Y11_INT, text, re.X):
        return "an int", _yaml11_int(text)
    if text in _Y11_NULL:
        return "null", None
    if re.match(_Y11_DATE, text):
        return "a date", None
    if re.match(_Y11_TIMESTAMP, text, re.X):
        return "a timestamp", None
    return "a string", None


def _version_difference(text: str, value12: Any) -> tuple[str, str] | None:
    """How a plain scalar reads in YAML 1.2 vs 1.1 when the two disagree, else None."""
    type12 = _type_name(value12)
    type11, value11 = _yaml11_type(text)
    if type11 != type12:
        return type12, type11
    if type12 == "an int" and value11 is not None and value11 != value12:
        return f"the int {value12}", f"the int {value11}"
    return None


_YAML_PREFIX = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_YAML_PREFIX + t for t in ("str", "int", "float", "bool", "null"))
_MAP_TAG = _YAML_PREFIX + "map"
_SEQ_TAG = _YAML_PREFIX + "seq"


def _tag_name(tag: str) -> str:
    if tag.startswith(_YAML_PREFIX):
        return "!!" + tag[len(_YAML_PREFIX):]
    if tag.startswith("!"):
        return tag
    return f"!<{tag}>"


def _tagged_scalar(tag: str, text: str) -> Any:
    """The value of a scalar under a standard scalar tag; raises ValueError when it does not fit."""
    kind = tag[len(_YAML_PREFIX):]
    if kind == "str":
        return text
    if kind == "null":
        if text in _Y11_NULL:
            return None
        raise ValueError
    resolved = _resolve_core(text)
    if kind == "bool":
        if resolved is True or resolved is False:
            return resolved
        raise ValueError
    if kind == "int":
        if type(resolved) is int:
            return resolved
        raise ValueError
    # float: ints are accepted and converted, as the core schema's !!float allows
    if type(resolved) is float:
        return resolved
    if type(resolved) is int:
        return float(resolved)
    raise ValueError


def _key_string(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


# --------------------------------------------------------------------------------------------
# YAML: events -> nodes

_PROPERTY = re.compile(r"!<[^>]*>|[!&][^ \t\r\n,\[\]{}]*")
_SPACE_COMMENTS = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)*")
_TAB_PROBLEM = r"'\\t'|\btabs?\b"
# For the C parser's events: the tags and names it reads as the pure parser does
_SIMPLE_TAG = r"!(?:!([A-Za-z0-9_-]+)|([A-Za-z0-9_-]*))"
_AFTER_NAME = frozenset(" \r\n,[]{}")
_BLOCK_HEADER_COMMENT = r"[|>][-+0-9]*#"
_BLOCK_LEADING_BLANK = r"[|>][^\r\n]*(?:\r\n?|\n) *(?:[\r\n]|\Z)"


class _Frame:
    """An open mapping or sequence while its events arrive."""

    __slots__ = (
        "is_map", "pointer", "start", "raw", "flow", "anchor", "anchor_line", "items", "entries",
        "key", "key_merge", "merges", "seen", "size", "height", "first_raw", "last_end",
    )

    def __init__(self, is_map: bool, pointer: str, start: int, raw: int, flow: bool) -> None:
        self.is_map = is_map
        self.pointer = pointer
        self.start = start
        self.raw = raw
        self.flow = flow
        self.anchor: str | None = None
        self.anchor_line = 0
        self.items: list[Node] = []
        self.entries: list[Entry] = []
        self.key: Scalar | None = None
        self.key_merge = False
        self.merges: list[tuple[int, Node, Scalar]] = []
        self.seen: dict[str, Scalar] = {}
        self.size = 1
        self.height = 1
        self.first_raw = -1
        self.last_end = start


class _YamlBuilder:
    """Builds the located tree from ruamel.yaml's parse events (one document).

    Aliases: an alias means a copy of the anchored node, and every node of the copy gets the
    alias's span (the text that stands for the value there) and its own pointers. Findings
    about the anchored node's content (FT002, FT014, ...) are reported once, at the anchor.
    """

    def __init__(self, text: str, collector: Collector) -> None:
        self.text = text
        self.collector = collector
        self.span = _spanner(text)
        self.stack: list[_Frame] = []
        # anchor -> (node, size, height, line); node None while the anchored node is still open
        self.anchors: dict[str, tuple[Node | None, int, int, int]] = {}
        self.copied = 0
        self.failed = False
        self.root: Node | None = None
        self.root_empty = False
        self.fast = False
        """The events come from the C parser (see `run`)."""

    # -- helpers -----------------------------------------------------------------------------

    def _line(self, pos: int) -> int:
        return self.span(pos, pos).line

    def _props(self, i: int, anchor: str | None, tag: str | None) -> tuple[int, tuple[int, int] | None, int]:
        """Skip the node properties (anchor, tag) at `i`: (content start, tag span, anchor pos).

        From the C parser, the properties are also checked to read as the pure parser reads them.
        """
        text = self.text
        tag_at = None
        anchor_at = i
        while True:
            m = _PROPERTY.match(text, i)
            if m is None:
                break
            if text[i] == "&":
                anchor_at = i
            else:
                tag_at = (i, m.end())
            i = _SPACE_COMMENTS.match(text, m.end()).end()
        if self.fast:
            self._check_props(anchor, tag, tag_at, anchor_at)
        return i, tag_at, anchor_at

    def _check_name(self, indicator: str, name: str, at: int) -> None:
        """C parser only: `&name` or `*name` at `at` ends where the pure parser ends it, else _Fallback."""
        text = self.text
        end = at + 1 + len(name)
        if not (text.startswith(indicator + name, at) and (end >= len(text) or text[end] in _AFTER_NAME)):
            raise _Fallback

    def _check_props(self, anchor: str | None, tag: str | None, tag_at: tuple[int, int] | None, anchor_at: int) -> None:
        """C parser only: raise _Fallback unless the anchor and tag are read as the pure parser reads them.

        libyaml (YAML 1.1) ends names and tags at other characters than ruamel's YAML 1.2
        scanner; a name followed by a space, a line break or a flow indicator, and a tag `!`,
        `!name` or `!!name` (letters, digits, '-' and '_'), mean the same to both.
        """
        text = self.text
        if anchor is not None:
            if tag is not None:
                raise _Fallback  # ruamel starts `!tag &anchor x` at the anchor, libyaml at the tag
            self._check_name("&", anchor, anchor_at)
        elif tag is not None:
            m = re.compile(_SIMPLE_TAG).fullmatch(text, *tag_at) if tag_at is not None else None
            if m is None or tag != (_YAML_PREFIX + m[1] if m[1] else m[0]):
                raise _Fallback

    def _child_pointer(self) -> str:
        stack = self.stack
        if not stack:
            return ""
        top = stack[-1]
        if top.is_map:
            key = top.key
            return key.pointer if key is not None else top.pointer
        return f"{top.pointer}/{len(top.items)}"

    def _empty_position(self, pos: int) -> int:
        """Where an empty (implicit null) scalar is: just after its ':' or '-' indicator."""
        stack = self.stack
        if not stack:
            return pos
        top = stack[-1]
        text = self.text
        if top.is_map:
            if top.key is None:
                return pos
            base = top.key.span.end
            indicator = ":"
        else:
            base = top.last_end if top.items else top.start
            indicator = "-"
        p = _SPACE_COMMENTS.match(text, base).end()
        if p < pos and text[p] == indicator:
            return p + 1
        return min(base, pos)

    def _report_tag(self, rule_tag: str, at: tuple[int, int] | None, fallback: int, pointer: str, target: str) -> None:
        """A tag that is not applied: FT005 for a non-standard tag, FT001 for a misplaced standard one."""
        where = self.span(*at) if at is not None else self.span(fallback, fallback)
        name = _tag_name(rule_tag)
        if rule_tag.startswith(_YAML_PREFIX) and (rule_tag in _SCALAR_TAGS or rule_tag in (_MAP_TAG, _SEQ_TAG)):
            self.failed = True
            self.collector.report(
                rules.PARSE_ERROR, where, pointer=pointer, format="YAML", reason=f"tag {name} cannot apply to {target}"
            )
        else:
            self.collector.report(rules.YAML_TAG, where, pointer=pointer, tag=name)

    # -- tree building -----------------------------------------------------------------------

    def _attach(self, node: Node, size: int, height: int, raw: int) -> None:
        stack = self.stack
        if not stack:
            self.root = node
            return
        top = stack[-1]
        top.size += size
        if height >= top.height:
            top.height = height + 1
        if top.first_raw < 0:
            top.first_raw = raw
        end = node.span.end
        if end > top.last_end:
            top.last_end = end
        if not top.is_map:
            top.items.append(node)
            return
        key = top.key
        if key is None:
            self._take_key(top, node)
            return
        if top.key_merge:
            top.merges.append((len(top.entries), node, key))
            top.key_merge = False
        else:
            top.entries.append(Entry(key, node))
        top.key = None

    def _take_key(self, top: _Frame, node: Node) -> None:
        bad_type = None
        if type(node) is Scalar:
            key = node
            value = node.value
            if type(value) is str:
                text = value
                if value == "<<" and node.style == "" and node.tag is None:
                    # YAML merge key, as ruamel and PyYAML apply it: handled when the mapping closes
                    top.key_merge = True
            else:
                text = _key_string(value)
                bad_type = {"a boolean": "boolean", "an int": "number", "a float": "number"}.get(
                    _type_name(value), "null"
                )
                key.value = text
        else:
            start, end = node.span.start, node.span.end
            text = " ".join(self.text[start:end].split())
            bad_type = "mapping" if type(node) is Mapping else "sequence"
            key = Scalar(text, node.span, "", "", None)
        key.pointer = child_pointer(top.pointer, text) if "~" in text or "/" in text else top.pointer + "/" + text
        top.key = key
        if bad_type is not None:
            self.collector.report(rules.NON_STRING_KEY, key, key=text, type=bad_type)
        if top.key_merge:
            return
        first = top.seen.setdefault(text, key)
        if first is not key:
            self.collector.report(rules.DUPLICATE_KEY, key, key=text, first_line=first.span.line)

    def scalar(self, ev: Any) -> None:
        text = self.text
        raw = ev.start_mark.index
        start = raw
        end = ev.end_mark.index
        anchor = ev.anchor
        tag = ev.tag
        tag_at = None
        anchor_at = raw
        if anchor is not None or tag is not None:
            start, tag_at, anchor_at = self._props(raw, anchor, tag)
            if start > end:
                start = end
        style = ev.style or ""
        raw_value = ev.value
        if style == "|" or style == ">":
            if self.fast and (
                not self.stack
                or re.compile(_BLOCK_HEADER_COMMENT).match(text, start)
                or re.compile(_BLOCK_LEADING_BLANK).match(text, start)
            ):
                # '|#' is a comment to libyaml and an error to ruamel; ruamel refuses some blank
                # first lines that libyaml accepts; a block scalar at the root may have unindented
                # lines, which the two read differently.
                raise _Fallback
            while end > start and text[end - 1] in " \t\r\n":
                end -= 1
        elif start == end and style == "":
            start = end = self._empty_position(start)
        stack = self.stack
        if not stack:
            pointer = ""
        else:  # self._child_pointer(), inline
            top = stack[-1]
            if top.is_map:
                key = top.key
                pointer = key.pointer if key is not None else top.pointer
            else:
                pointer = f"{top.pointer}/{len(top.items)}"

        tag_name = None
        check11 = False
        if tag is None or tag == "!":
            if style == "" and tag is None:
                try:
                    value = _resolve_core(raw_value)
                except ValueError:
                    self.failed = True
                    self.collector.report(
                        rules.PARSE_ERROR, self.span(start, end), pointer=pointer, format="YAML",
                        reason="integer has too many digits",
                    )
                    value = raw_value
                c = raw_value[:1]
                check11 = c in _Y11_FIRST and (
                    raw_value in _Y11_BOOL if c in _Y11_LETTERS else _SAME_IN_BOTH.match(raw_value) is None
                )
            else:
                value = raw_value
        else:
            tag_name = _tag_name(tag)
            value = raw_value
            if tag in _SCALAR_TAGS:
                try:
                    value = _tagged_scalar(tag, raw_value)
                except ValueError:
                    self.failed = True
                    self.collector.report(
                        rules.PARSE_ERROR, self.span(start, end), pointer=pointer, format="YAML",
                        reason=f"{raw_value!r} is not a valid {tag_name}",
                    )
            else:
                self._report_tag(tag, tag_at, raw, pointer, "a scalar")

        node = Scalar(value, self.span(start, end), pointer, style, tag_name)
        if not stack and raw_value == "" and style == "" and tag is None and anchor is None:
            self.root_empty = True
        self._attach(node, 1, 0, raw)
        if anchor is not None:
            self.anchors[anchor] = (node, 1, 0, self._line(anchor_at))
        if check11:
            diff = _version_difference(raw_value, value)
            if diff is not None:
                self.collector.report(rules.YAML_VERSION_SCALAR, node, text=raw_value, yaml12=diff[0], yaml11=diff[1])
        if type(value) is float and not math.isfinite(value):
            self.collector.report(rules.NON_FINITE_NUMBER, node, text=raw_value)

    def start(self, ev: Any, is_map: bool) -> None:
        raw = ev.start_mark.index
        if len(self.stack) >= MAX_DEPTH:
            raise _Stop(raw, f"nesting deeper than {MAX_DEPTH} levels", self._child_pointer(), refused=True)
        start = raw
        anchor = ev.anchor
        tag = ev.tag
        tag_at = None
        anchor_at = raw
        if anchor is not None or tag is not None:
            start, tag_at, anchor_at = self._props(raw, anchor, tag)
        frame = _Frame(is_map, self._child_pointer(), start, raw, bool(ev.flow_style))
        if tag is not None and tag != "!" and tag != (_MAP_TAG if is_map else _SEQ_TAG):
            self._report_tag(tag, tag_at, raw, frame.pointer, "a mapping" if is_map else "a sequence")
        if anchor is not None:
            frame.anchor = anchor
            frame.anchor_line = self._line(anchor_at)
            self.anchors[anchor] = (None, 0, 0, frame.anchor_line)
        self.stack.append(frame)

    def end(self, ev: Any) -> None:
        frame = self.stack.pop()
        if frame.flow:
            start, end = frame.start, ev.end_mark.index
        else:
            # Block collections span from their first key or '-' to the end of their last value.
            start = frame.first_raw if frame.is_map and frame.first_raw >= 0 else frame.start
            end = max(frame.last_end, start)
        style = "flow" if frame.flow else ""
        node: Node
        if frame.is_map:
            entries = self._merge(frame) if frame.merges else frame.entries
            node = Mapping(entries, self.span(start, end), frame.pointer, style)
        else:
            node = Sequence(frame.items, self.span(start, end), frame.pointer, style)
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (node, frame.size, frame.height, frame.anchor_line)
        self._attach(node, frame.size, frame.height, frame.raw)

    def alias(self, ev: Any) -> None:
        name = ev.anchor
        raw = ev.start_mark.index
        if self.fast:
            self._check_name("*", name, raw)
        span = self.span(raw, ev.end_mark.index)
        pointer = self._child_pointer()
        found = self.anchors.get(name)
        if found is None:
            self.failed = True
            reason = f"alias *{name} has no anchor &{name} before it"
            self.collector.report(rules.PARSE_ERROR, span, pointer=pointer, format="YAML", reason=reason)
            self._attach(Scalar(None, span, pointer), 1, 0, raw)
            return
        target, size, height, line = found
        if target is None:
            raise _Stop(raw, f"alias *{name} refers to a node that contains it", pointer, refused=True)
        if len(self.stack) + height > MAX_DEPTH:
            raise _Stop(raw, f"alias *{name} nests deeper than {MAX_DEPTH} levels", pointer, refused=True)
        if self.copied + size > MAX_ALIAS_NODES:
            raise _Stop(raw, f"aliases expand to more than {MAX_ALIAS_NODES} nodes", pointer, refused=True)
        node = self._copy(target, pointer, span)
        self._attach(node, size, height, raw)
        self.collector.report(rules.YAML_ALIAS, span, pointer=node.pointer, anchor=name, anchor_line=line)

    def _copy(self, node: Node, pointer: str, span: Span) -> Node:
        self.copied += 1
        if type(node) is Scalar:
            return Scalar(node.value, span, pointer, node.style, node.tag)
        if type(node) is Sequence:
            items = [self._copy(item, f"{pointer}/{i}", span) for i, item in enumerate(node.items)]
            return Sequence(items, span, pointer, node.style)
        entries = []
        for entry in node.entries:  # type: ignore[union-attr]
            key = entry.key
            sub = child_pointer(pointer, key.value)  # type: ignore[arg-type]
            self.copied += 1
            entries.append(Entry(Scalar(key.value, span, sub, key.style, key.tag), self._copy(entry.value, sub, span)))
        return Mapping(entries, span, pointer, node.style)  # type: ignore[union-attr]

    def _merge(self, frame: _Frame) -> list[Entry]:
        """Apply `<<` merge keys: entries of the merged mappings whose keys the mapping lacks."""
        taken = set(frame.seen)
        inserts: list[tuple[int, list[Entry]]] = []
        for position, value, key in frame.merges:
            if type(value) is Mapping:
                sources = [value]
            elif type(value) is Sequence and all(type(item) is Mapping for item in value.items):
                sources = value.items
            else:
                self.failed = True
                self.collector.report(
                    rules.PARSE_ERROR, key, format="YAML", reason="merge key '<<' needs a mapping or a list of mappings"
                )
                continue
            added: list[Entry] = []
            for source in sources:
                for name in source.keys():  # type: ignore[union-attr]
                    if name in taken:
                        continue
                    taken.add(name)
                    entry = source.entry(name)  # type: ignore[union-attr]
                    sub = child_pointer(frame.pointer, name)
                    _repoint(entry.key, sub)  # type: ignore[union-attr]
                    _repoint(entry.value, sub)  # type: ignore[union-attr]
                    added.append(entry)  # type: ignore[arg-type]
            inserts.append((position, added))
        result: list[Entry] = []
        it = iter(inserts)
        pending = next(it, None)
        for index, entry in enumerate(frame.entries):
            while pending is not None and pending[0] == index:
                result.extend(pending[1])
                pending = next(it, None)
            result.append(entry)
        while pending is not None:
            result.extend(pending[1])
            pending = next(it, None)
        return result

    # -- driver ------------------------------------------------------------------------------

    def run(self, next_event: Callable[[], Any], fast: bool) -> Node | None:
        """Build the tree from `next_event()` (an event, or None after the last one).

        `fast`: the events come from the C parser, which stands in for the pure one only where
        the two agree, so anything the pure parser may report differently (a syntax error, a
        refusal, a directive) raises _Fallback instead of being reported.
        """
        from ruamel.yaml.events import (
            AliasEvent,
            DocumentStartEvent,
            MappingEndEvent,
            MappingStartEvent,
            ScalarEvent,
            SequenceEndEvent,
            SequenceStartEvent,
        )

        collector = self.collector
        self.fast = fast
        scalar, start, end, alias = self.scalar, self.start, self.end, self.alias
        documents = 0
        second: Span | None = None
        try:
            while True:
                try:
                    ev = next_event()
                except Exception as exc:  # ruamel raises many error types; none may escape
                    if fast:
                        raise _Fallback from None
                    if documents > 1:
                        collector.report(rules.MULTIPLE_DOCUMENTS, second, count=documents)
                    self._report_yaml_error(exc)
                    return None
                if ev is None:
                    break
                cls = type(ev)
                if cls is ScalarEvent:
                    if documents < 2:
                        scalar(ev)
                elif cls is MappingStartEvent:
                    if documents < 2:
                        start(ev, True)
                elif cls is SequenceStartEvent:
                    if documents < 2:
                        start(ev, False)
                elif cls is MappingEndEvent or cls is SequenceEndEvent:
                    if documents < 2:
                        end(ev)
                elif cls is AliasEvent:
                    if documents < 2:
                        alias(ev)
                elif cls is DocumentStartEvent:
                    # Later documents are parsed only to count them (and to find syntax errors);
                    # the C parser's events are checked only while they are built, so a second
                    # document, like a directive, goes to the pure parser.
                    if fast and (documents or ev.version is not None or ev.tags is not None):
                        raise _Fallback
                    documents += 1
                    if documents == 2:
                        second = self.span(ev.start_mark.index, ev.end_mark.index)
        except _Stop as stop:
            if fast:
                raise _Fallback from None
            _report_stop(stop, self.text, self.span, collector, "YAML")
            return None
        if documents > 1:
            collector.report(rules.MULTIPLE_DOCUMENTS, second, count=documents)
        if documents == 0 or self.root_empty:
            collector.report(rules.EMPTY_DOCUMENT, _START)
            return None
        if self.failed:
            return None
        return self.root

    def _report_yaml_error(self, exc: Exception) -> None:
        text = self.text
        problem = getattr(exc, "problem", None)
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        if mark is not None and isinstance(getattr(mark, "index", None), int):
            pos = mark.index
        elif isinstance(getattr(exc, "position", None), int):  # ReaderError
            pos = exc.position  # type: ignore[attr-defined]
        else:
            pos = len(text)
        pos = max(0, min(pos, len(text)))
        if problem:
            reason = str(problem)
            context = getattr(exc, "context", None)
            context_mark = getattr(exc, "context_mark", None)
            context_at = getattr(context_mark, "index", None)
            if context and isinstance(context_at, int) and context_at != pos:
                context_at = max(0, min(context_at, len(text)))
                where = self.span(context_at, context_at)
                reason += f" ({context} at line {where.line}, column {where.column})"
        else:
            lines = str(exc).strip().splitlines()
            reason = lines[0] if lines else type(exc).__name__
        at = self.span(pos, min(pos + 1, len(text)))
        pointer = self._child_pointer()  # where the parser was when it stopped
        if (pos < len(text) and text[pos] == "\t") or re.search(_TAB_PROBLEM, reason, re.I):
            self.collector.report(rules.TAB_INDENTATION, at, pointer=pointer)
        else:
            self.collector.report(rules.PARSE_ERROR, at, pointer=pointer, format="YAML", reason=reason)


def _repoint(node: Node, pointer: str) -> None:
    """Give a subtree new pointers (merged entries move under the merging mapping)."""
    node.pointer = pointer
    if type(node) is Sequence:
        for i, item in enumerate(node.items):
            _repoint(item, f"{pointer}/{i}")
    elif type(node) is Mapping:
        for entry in node.entries:
            sub = child_pointer(pointer, entry.key.value)  # type: ignore[arg-type]
            entry.key.pointer = sub
            _repoint(entry.value, sub)


class _Fallback(Exception):
    """The C event source cannot stand in for the pure parser on this input."""


# Characters that libyaml (YAML 1.1) and ruamel's pure parser (YAML 1.2) treat differently:
# tabs (libyaml accepts some as separation where ruamel refuses them), the YAML 1.1 line breaks
# NEL, LS and PS, and a byte-order mark inside the text.
_NOT_FOR_C = "\t\x85\u2028\u2029\ufeff"


def _c_may_read(text: str) -> bool:
    """Whether `text` is free of the characters that the C and the pure parser read differently."""
    return not any(c in text for c in _NOT_FOR_C)  # five scans beat compiling a character class

_c_parser_class: Any = None
"""The C parser class once looked up; False when there is none."""


def _defer_ruamel_init() -> None:
    """Make `ruamel.yaml`'s submodules importable without running ruamel/yaml/__init__.py yet.

    Importing any submodule (the C parser imports a dozen) first runs the package's __init__,
    which imports all of ruamel.yaml's API (main, loaders, dumpers, the C emitter): ~4 ms of
    the ~10 that the event parser needs, on every YAML lint. So the package module is created
    without running its code, and the code runs on the first access to a name it defines:
    `from ruamel.yaml import YAML` anywhere in the process still gets the real package.
    """
    if "ruamel.yaml" in sys.modules:
        return
    from importlib.util import find_spec, module_from_spec

    try:
        spec = find_spec("ruamel.yaml")
    except ImportError:
        return
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    package = module_from_spec(spec)
    loader = spec.loader

    def finish(name: str) -> Any:
        del package.__dict__["__getattr__"]
        loader.exec_module(package)
        return getattr(package, name)

    package.__dict__["__getattr__"] = finish  # PEP 562: called only for names not yet defined
    sys.modules["ruamel.yaml"] = package
    setattr(sys.modules["ruamel"], "yaml", package)


def _c_parser() -> Any:
    """ruamel's C parser (libyaml, from ruamel.yaml.clib or ruamel.yaml.clibz), or None."""
    global _c_parser_class
    if _c_parser_class is None:
        _c_parser_class = False
        _defer_ruamel_init()
        for name in ("_ruamel_yaml", "_ruamel_yaml_clibz"):
            try:
                _c_parser_class = __import__(name).CParser
                break
            except (ImportError, AttributeError):
                continue
    return _c_parser_class or None


_PURE_FIRST_CHARS = 2000
"""YAML text read by the pure parser before the C parser is imported at all.

Importing the C parser costs ~5 ms more than the pure one (it imports ruamel's constructors,
representers and emitter), which the pure parser, at ~3.5 us a character against the C
parser's ~0.3, takes some 1,500 characters to spend: a run on a small file or two never loads
it, a run on many files loads it after the first ones."""
_pure_first_left = _PURE_FIRST_CHARS


def _load_yaml(text: str, collector: Collector) -> Node | None:
    """Load YAML with the C parser when it is there and agrees with the pure one, else the pure one.

    Both give the same tree and findings (a differential test holds them to it): the C parser
    is used only for text without the characters the two read differently, and a document it
    cannot build cleanly (a syntax error, a refusal, a directive) is loaded again by the pure
    parser, whose messages and positions the FT001 findings use. The first YAML texts of a
    process go to the pure parser while they are small (`_PURE_FIRST_CHARS`).
    """
    global _pure_first_left
    if _c_parser_class is None and len(text) <= _pure_first_left:
        _pure_first_left -= len(text)
        return _load_yaml_pure(text, collector)
    if _c_parser() is not None and _c_may_read(text):
        mark = len(collector.diagnostics)
        try:
            return _load_yaml_c(text, collector)
        except _Fallback:
            del collector.diagnostics[mark:]
    return _load_yaml_pure(text, collector)


def _load_yaml_c(text: str, collector: Collector) -> Node | None:
    """The C parser's reading; raises _Fallback where it may differ from the pure parser's."""
    try:
        parser = _c_parser()(text)
    except Exception:  # e.g. a lone surrogate, which has no UTF-8 form
        raise _Fallback from None
    return _YamlBuilder(text, collector).run(parser.get_event, True)


def _load_yaml_pure(text: str, collector: Collector) -> Node | None:
    _defer_ruamel_init()  # before the builder imports ruamel's event classes
    if text.startswith("%") or "\n%" in text or "\r%" in text:
        # A directive can change the YAML version the scanner and parser follow, which ruamel's
        # YAML object keeps track of: the text goes through it (importing all of ruamel.yaml).
        from ruamel.yaml import YAML

        events = YAML(typ="safe", pure=True).parse(text)
    else:
        events = _pure_events(text)
    try:
        return _YamlBuilder(text, collector).run(partial(next, events, None), False)
    finally:
        events.close()


class _DefaultVersion:
    """What ruamel's VersionedResolver answers the scanner and parser for a text without directives."""

    __slots__ = ("processing_version",)

    def __init__(self, version: Any) -> None:
        self.processing_version = version


def _pure_events(text: str) -> Iterator[Any]:
    """The events of `YAML(typ="safe", pure=True).parse(text)`, for a text without directives.

    A generator like that one, so that an error in reading the text (even its first character)
    comes with the first event asked for.
    """
    parser = _PureLoader(text).parser
    while parser.check_event():
        yield parser.get_event()


class _PureLoader:
    """ruamel's pure reader, scanner and parser, wired as `YAML(typ="safe", pure=True).parse()`
    wires them for a text without directives, without importing ruamel.yaml.main (which imports
    the whole library, ~5 ms more than these modules).

    The three read these attributes of their `loader`; without a directive no tag handle is
    added and the YAML version stays ruamel's default, the one thing they ask of the resolver
    (so ruamel.yaml.resolver is not imported either). tests/test_source.py compares the events
    with those of `YAML(typ="safe", pure=True).parse()`.
    """

    typ = "safe"
    version = None
    comment_handling = None
    top_level_block_style_scalar_no_indent_error_1_1 = False

    def __init__(self, text: str) -> None:
        _defer_ruamel_init()
        from ruamel.yaml.compat import _DEFAULT_YAML_VERSION
        from ruamel.yaml.docinfo import DocInfo
        from ruamel.yaml.parser import Parser
        from ruamel.yaml.reader import Reader
        from ruamel.yaml.scanner import Scanner

        self.doc_infos = [DocInfo(requested_version=None)]
        self.tags: dict[str, str] = {}
        self.reader = Reader(None, loader=self)
        self.reader.stream = text
        self.resolver = _DefaultVersion(_DEFAULT_YAML_VERSION)
        self.scanner = Scanner(loader=self)
        self.parser = Parser(loader=self)
