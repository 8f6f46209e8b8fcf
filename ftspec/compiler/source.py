"""Loading JSON and YAML into the located tree (nodes with spans and RFC 6901 pointers).

The loader never raises for bad input: every odd input is either accepted with a defined
meaning or reported as an FT0xx finding (see `ftspec.compiler.rules.source`), and a file that
cannot be read into a tree gets `root=None`.

The stages, one module each, in the order a file goes through them:

- here: reading and decoding the file (size limit, encodings, BOM), and the format, from the
  path or else from the text (`detect_format`);
- `json_loader`: JSON's own located parser;
- `yaml_loader` (which of ruamel.yaml's parsers reads the text), `yaml_events` (its events to
  nodes) and `yaml_scalars` (the YAML 1.2 core schema, and the YAML 1.1 reading reported FT014);
- `located`: the spans and stop positions the loaders share.

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

import os
import stat
from dataclasses import dataclass
from typing import Literal

from ftspec._record import Fields
from ftspec.compiler.diagnostics import Collector
from ftspec.compiler.json_loader import load_json
from ftspec.compiler.located import MAX_DEPTH, START, position_span
from ftspec.compiler.nodes import Node, Span
from ftspec.compiler.rules import source as rules
from ftspec.compiler.yaml_events import MAX_ALIAS_NODES
from ftspec.compiler.yaml_loader import load_yaml

__all__ = ["MAX_ALIAS_NODES", "MAX_DEPTH", "MAX_FILE_BYTES", "SourceDocument", "detect_format", "load_bytes", "load_path", "load_text"]

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest file read (20 MB)."""

Format = Literal["json", "yaml"]


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
        collector.report(rules.BYTE_ORDER_MARK, START)
    return _load_decoded(text, path, collector, format, bom)


def load_bytes(data: bytes, path: str, collector: Collector, format: str | None = None) -> SourceDocument:
    """Decode UTF-8 (a BOM is skipped and reported FT008; bad bytes are FT010) and load."""
    fmt = _normalize_format(format)
    if len(data) > MAX_FILE_BYTES:
        collector.report(rules.DOCUMENT_TOO_LARGE, START, reason=_too_large(len(data)))
        return SourceDocument(path, "", fmt or detect_format(path, ""), None, False, "\n")
    problem = None
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        problem = "the file is UTF-32 encoded", START
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problem = "the file is UTF-16 encoded", START
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
        collector.report(rules.BYTE_ORDER_MARK, START)
    return _load_decoded(text, path, collector, fmt, bom)


def load_path(path: str, collector: Collector) -> SourceDocument | None:
    """Read and load a file; a missing file, a directory or an unreadable path is FT012 and None."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            collector.report(rules.UNREADABLE_FILE, None, path=path, reason="is a directory")
            return None
        if stat.S_ISREG(st.st_mode) and st.st_size > MAX_FILE_BYTES:
            collector.report(rules.DOCUMENT_TOO_LARGE, START, reason=_too_large(st.st_size))
            return SourceDocument(path, "", detect_format(path, ""), None, False, "\n")
        with open(path, "rb") as handle:
            # Bounded read: a device or pipe that never ends still gets refused with FT007.
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        collector.report(rules.UNREADABLE_FILE, None, path=path, reason=_os_reason(exc))
        return None
    return load_bytes(data, path, collector)


# --------------------------------------------------------------------------------------------


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


def _binary(data: bytes, nul: int) -> tuple[str, Span]:
    where = _byte_position(data, nul)
    return f"binary data (NUL byte at line {where.line}, column {where.column})", where


def _byte_position(data: bytes, index: int) -> Span:
    prefix = data[:index].decode("utf-8", errors="replace")
    if prefix.startswith("\ufeff"):
        prefix = prefix[1:]
    return position_span(prefix + " ", len(prefix))


def _load_decoded(text: str, path: str, collector: Collector, format: str | None, bom: bool) -> SourceDocument:
    fmt = _normalize_format(format) or detect_format(path, text)
    doc = SourceDocument(path, text, fmt, None, bom, _newline(text))
    if len(text) > MAX_FILE_BYTES:
        size = len(text.encode("utf-8", "surrogatepass"))
        collector.report(rules.DOCUMENT_TOO_LARGE, START, reason=_too_large(size))
        return doc
    if fmt == "json":
        doc.root = load_json(text, collector)
    else:
        doc.root = load_yaml(text, collector)
    return doc


