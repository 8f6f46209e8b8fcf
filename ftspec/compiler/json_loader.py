"""JSON text to the located tree: strict JSON (no comments, no trailing commas), plus the
`NaN`/`Infinity` literals that Python's `json` accepts (read as floats and reported FT003).

Strings go through `json.decoder.scanstring` (C), numbers and whitespace through compiled
regexes, so that loading stays cheap for the linter.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from json import JSONDecodeError
from json.decoder import scanstring
from typing import Any

from ftspec.compiler.diagnostics import Collector
from ftspec.compiler.located import MAX_DEPTH, START, Stop, line_starts, new_span, report_stop, spanner
from ftspec.compiler.nodes import Entry, Mapping, Node, Scalar, Sequence, child_pointer
from ftspec.compiler.rules import source as rules

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


def _json_fail(s: str, n: int, pos: int, expected: str, pointer: str) -> Stop:
    c = s[pos]
    if pos >= n:
        reason = f"unexpected end of file ({expected})"
    elif c == "/" or c == "#":
        reason = "comments are not allowed in JSON"
    elif c == "'":
        reason = "strings must be in double quotes"
    else:
        reason = f"{expected}, found {c!r}"
    return Stop(pos, reason, pointer)


def _json_string_error(exc: JSONDecodeError, s: str, n: int, start: int, pointer: str) -> Stop:
    pos = exc.pos
    if pos >= n or exc.msg.startswith("Unterminated"):
        return Stop(start, "unterminated string", pointer)
    if exc.msg.startswith("Invalid control"):
        what = "line break" if s[pos] in "\r\n" else "control character"
        return Stop(pos, f"unescaped {what} in a string", pointer)
    return Stop(pos, exc.msg[:1].lower() + exc.msg[1:] + " in a string", pointer)


def load_json(text: str, collector: Collector) -> Node | None:
    """The root node of `text`, or None after an empty document, a syntax error or a refusal."""
    try:
        return _parse_json(text, collector)
    except Stop as stop:
        report_stop(stop, text, spanner(text), collector, "JSON")
        return None


def _parse_json(text: str, collector: Collector) -> Node | None:
    """Strict JSON to nodes; raises Stop on a syntax error or a refusal.

    Speed choices: one loop with an explicit stack (every variable a fast local, no recursion
    limit); a NUL sentinel after the text saves bounds checks (positions >= n are the end of
    the file); the parser only moves forward, so the current line (`line`, starting at offset
    `ls`, the next one at `nxt`) advances by bisect only when a position crosses `nxt`, and
    spans are built inline (a JSON scalar never contains a line break).
    """
    starts = line_starts(text)
    n = len(text)
    s = text + "\x00"
    ws = re.compile(_JSON_WS).match
    number = re.compile(_JSON_NUMBER).match
    report = collector.report
    literals = _JSON_LITERALS
    make_span = new_span
    scan = scanstring
    colon = re.compile(_JSON_COLON).match
    after = re.compile(_JSON_AFTER).match
    WS = " \t\n\r"
    line, ls, nxt = 1, 0, starts[1]

    i = ws(s, 0).end()
    if i >= n:
        collector.report(rules.EMPTY_DOCUMENT, START)
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
            keynode = Scalar(key, make_span(k, j, line, k - ls + 1, line, j - ls + 1), pointer, '"')
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
            node = Scalar(v, make_span(i, j, line, i - ls + 1, line, j - ls + 1), pointer, '"')
        elif c == "{" or c == "[":
            if len(stack) >= MAX_DEPTH:
                raise Stop(i, f"nesting deeper than {MAX_DEPTH} levels", pointer, refused=True)
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
                        raise Stop(i, "integer has too many digits", pointer) from None
                    node = Scalar(v, make_span(i, j, line, i - ls + 1, line, j - ls + 1), pointer)
                else:
                    f = float(s[i:j])
                    node = Scalar(f, make_span(i, j, line, i - ls + 1, line, j - ls + 1), pointer)
                    if f == _INF or f == -_INF:  # e.g. 1e999 overflows to infinity
                        report(rules.NON_FINITE_NUMBER, node, text=s[i:j])
            else:
                lit = literals.get(c)
                if lit is None or not s.startswith(lit[0], i):
                    raise _json_fail(s, n, i, "expected a value", pointer)
                word, v = lit
                j = i + len(word)
                node = Scalar(v, make_span(i, j, line, i - ls + 1, line, j - ls + 1), pointer)
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
                                raise Stop(m.start(1), "trailing comma before '}'", frame[2])
                            raise _json_fail(s, n, j, "expected an object key in double quotes", frame[2])
                        key_at = j
                    else:
                        if c == "]":
                            raise Stop(m.start(1), "trailing comma before ']'", frame[2])
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
            span = make_span(frame[3], j, frame[4], frame[5], line, j - ls + 1)
            if is_map:
                node = Mapping(frame[1], span, frame[2], "flow")
            else:
                node = Sequence(frame[1], span, frame[2], "flow")

