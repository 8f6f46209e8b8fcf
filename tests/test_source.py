"""Loading JSON and YAML with source positions: spans, pointers and the FT0xx findings."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftspec.compiler.source as source
import ftspec.compiler.yaml_loader as yaml_loader
from ftspec.compiler.yaml_events import Fallback
from ftspec.compiler.diagnostics import Collector, Diagnostic
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, Span, to_python
from ftspec.compiler.source import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    SourceDocument,
    detect_format,
    load_bytes,
    load_path,
    load_text,
)


def _fresh_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a new interpreter with this checkout first on the path (what it imports is its own)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)


def load(text: str, fmt: str) -> tuple[SourceDocument, list[Diagnostic]]:
    collector = Collector("f")
    doc = load_text(text, "f", collector, fmt)
    return doc, collector.diagnostics


def codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


def where(d: Diagnostic) -> tuple[str, int, int, int, int]:
    return d.code, d.line, d.column, d.end_line, d.end_column


def pos(node: Node | Scalar) -> tuple[int, int, int, int]:
    s = node.span
    return s.line, s.column, s.end_line, s.end_column


def walk(node: Node):
    """Every node of a tree, keys included."""
    yield node
    if isinstance(node, Mapping):
        for entry in node.entries:
            yield entry.key
            yield from walk(entry.value)
    elif isinstance(node, Sequence):
        for item in node.items:
            yield from walk(item)


def naive_positions(text: str) -> list[tuple[int, int]]:
    """1-based (line, column) of every offset 0..len(text), computed character by character;
    "\n", "\r\n" and a lone "\r" are line breaks."""
    table = []
    line, col = 1, 1
    for i, c in enumerate(text):
        table.append((line, col))
        if c == "\n" or (c == "\r" and text[i + 1 : i + 2] != "\n"):
            line, col = line + 1, 1
        else:
            col += 1
    table.append((line, col))
    return table


def check_spans(doc: SourceDocument) -> None:
    """Every span lies inside the text and its line/columns agree with its offsets."""
    if doc.root is None:
        return
    text = doc.text
    table = naive_positions(text)
    for node in walk(doc.root):
        s = node.span
        assert 0 <= s.start <= s.end <= len(text), (node, s)
        assert (s.line, s.column) == table[s.start], (node, s)
        assert (s.end_line, s.end_column) == table[s.end], (node, s)
        assert node.pointer == "" or node.pointer.startswith("/")


# ----------------------------------------------------------------------------------------------
# format detection


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("a.json", "x: 1", "json"),
        ("a.JSON", "", "json"),
        ("a.yaml", "{}", "yaml"),
        ("a.yml", "[1]", "yaml"),
        ("config", '  \n {"a": 1}', "json"),
        ("config", "[1, 2]", "json"),
        ("config.txt", "a: 1", "yaml"),
        ("config", "", "yaml"),
    ],
)
def test_detect_format(path: str, text: str, expected: str) -> None:
    assert detect_format(path, text) == expected


def test_json_loading_does_not_import_ruamel() -> None:

    code = (
        "import sys\n"
        "from ftspec.compiler.diagnostics import Collector\n"
        "from ftspec.compiler.source import load_text\n"
        "load_text('{\"a\": 1}', 'a.json', Collector('a.json'))\n"
        "print(sorted(m for m in sys.modules if m.startswith('ruamel')))\n"
    )
    out = _fresh_python(code)
    assert out.stdout.strip() == "[]"


def test_format_follows_the_path_when_not_given() -> None:
    collector = Collector("p.yaml")
    doc = load_text("a: 1\n", "p.yaml", collector)
    assert doc.format == "yaml"
    assert to_python(doc.root) == {"a": 1}


# ----------------------------------------------------------------------------------------------
# JSON: spans and pointers

JSON_DOC = """{
  "pipeline": [
    {"name": "pls", "n": 10},
    3.5,
    [true, null]
  ],
  "a/b~c": "x"
}
"""


def test_json_spans_and_pointers() -> None:
    doc, diags = load(JSON_DOC, "json")
    assert diags == []
    root = doc.root
    assert isinstance(root, Mapping) and root.style == "flow"
    assert root.pointer == ""
    assert (root.span.start, root.span.end) == (0, len(JSON_DOC) - 1)
    assert pos(root) == (1, 1, 8, 2)

    pipeline_entry = root.entry("pipeline")
    assert pipeline_entry is not None
    key = pipeline_entry.key
    assert key.value == "pipeline" and key.style == '"'
    assert pos(key) == (2, 3, 2, 13)  # the key includes its quotes
    assert JSON_DOC[key.span.start : key.span.end] == '"pipeline"'
    assert key.pointer == "/pipeline"

    seq = pipeline_entry.value
    assert isinstance(seq, Sequence) and seq.style == "flow"
    assert seq.pointer == "/pipeline"
    assert pos(seq) == (2, 15, 6, 4)

    step = seq.items[0]
    assert isinstance(step, Mapping)
    assert step.pointer == "/pipeline/0"
    assert pos(step) == (3, 5, 3, 29)
    n = step.get("n")
    assert isinstance(n, Scalar) and n.value == 10 and type(n.value) is int
    assert n.pointer == "/pipeline/0/n"
    assert pos(n) == (3, 26, 3, 28)
    name = step.get("name")
    assert name.value == "pls" and name.style == '"' and pos(name) == (3, 14, 3, 19)

    f = seq.items[1]
    assert f.value == 3.5 and type(f.value) is float and f.pointer == "/pipeline/1"
    assert pos(f) == (4, 5, 4, 8)

    inner = seq.items[2]
    assert [i.value for i in inner.items] == [True, None]
    assert inner.items[1].pointer == "/pipeline/2/1"
    assert pos(inner.items[1]) == (5, 12, 5, 16)

    escaped = root.entry("a/b~c")
    assert escaped.key.pointer == "/a~1b~0c"
    assert escaped.value.pointer == "/a~1b~0c"
    assert to_python(root) == json.loads(JSON_DOC)
    check_spans(doc)


def test_spans_are_ordinary_frozen_spans() -> None:
    import dataclasses

    doc, _ = load('{"a": 1}', "json")
    span = doc.root.get("a").span
    assert type(span) is Span
    assert span == Span(6, 7, 1, 7, 1, 8) and hash(span) == hash(Span(6, 7, 1, 7, 1, 8))
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 0  # type: ignore[misc]


def test_json_string_escapes_and_numbers() -> None:
    text = '{"s": "a\\u00e9\\n\\"", "i": -0, "big": 12345678901234567890, "f": 1e3, "g": -2.5E-2}'
    doc, diags = load(text, "json")
    assert diags == []
    assert to_python(doc.root) == json.loads(text)
    assert type(doc.root.get("f").value) is float
    assert type(doc.root.get("big").value) is int
    s = doc.root.get("s")
    assert text[s.span.start : s.span.end] == '"a\\u00e9\\n\\""'


def test_json_crlf_columns_and_newline() -> None:
    text = '{\r\n  "a": 1,\r\n  "b": [2]\r\n}\r\n'
    doc, diags = load(text, "json")
    assert diags == []
    assert doc.newline == "\r\n"
    a = doc.root.entry("a")
    assert pos(a.key) == (2, 3, 2, 6)
    assert pos(a.value) == (2, 8, 2, 9)
    b = doc.root.get("b")
    assert pos(b) == (3, 8, 3, 11)
    assert pos(doc.root) == (1, 1, 4, 2)
    check_spans(doc)


def test_lf_newline_is_default() -> None:
    doc, _ = load('{"a": 1}\n', "json")
    assert doc.newline == "\n"
    doc, _ = load("a: 1\r\nb: 2\nc: 3\r\n", "yaml")
    assert doc.newline == "\r\n"


def test_json_duplicate_key() -> None:
    text = '{\n  "a": 1,\n  "b": 2,\n  "a": 3\n}'
    doc, diags = load(text, "json")
    assert codes(diags) == ["FT002"]
    assert where(diags[0]) == ("FT002", 4, 3, 4, 6)
    assert diags[0].pointer == "/a"
    assert "first at line 2" in diags[0].message
    root = doc.root
    assert [e.key.value for e in root.entries] == ["a", "b", "a"]
    assert root.get("a").value == 3
    assert to_python(root) == {"a": 3, "b": 2}


@pytest.mark.parametrize("literal, expected", [("NaN", math.nan), ("Infinity", math.inf), ("-Infinity", -math.inf)])
def test_json_non_finite_literals(literal: str, expected: float) -> None:
    text = f'{{"low": {literal}}}'
    doc, diags = load(text, "json")
    assert codes(diags) == ["FT003"]
    assert where(diags[0]) == ("FT003", 1, 9, 1, 9 + len(literal))
    assert diags[0].pointer == "/low"
    assert literal in diags[0].message
    value = doc.root.get("low").value
    assert type(value) is float
    assert (math.isnan(value) and math.isnan(expected)) or value == expected


def test_json_overflowing_float_is_non_finite() -> None:
    doc, diags = load("[1e999]", "json")
    assert codes(diags) == ["FT003"]
    assert doc.root.items[0].value == math.inf


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        ('{"a": 1,}', 1, 8, "trailing comma before '}'"),
        ("[1, 2,\n]", 1, 6, "trailing comma before ']'"),
        ('{"a": 1 "b": 2}', 1, 9, "expected ',' or '}' after object member"),
        ("[1 2]", 1, 4, "expected ',' or ']' after array element"),
        ('{"a" 1}', 1, 6, "expected ':' after object key"),
        ("{a: 1}", 1, 2, "expected an object key in double quotes"),
        ('{"a": 1, // note\n}', 1, 10, "comments are not allowed in JSON"),
        ('/* c */ {"a": 1}', 1, 1, "comments are not allowed in JSON"),
        ("{'a': 1}", 1, 2, "strings must be in double quotes"),
        ('{"a": "x', 1, 7, "unterminated string"),
        ('{"a": "x\ny"}', 1, 9, "unescaped line break in a string"),
        ('{"a": "\\q"}', 1, 8, "invalid \\escape"),
        ('{"a": tru}', 1, 7, "expected a value"),
        ('{"a": 1} {}', 1, 10, "extra data after the JSON value"),
        ('{"a": [1, 2', 1, 12, "unexpected end of file"),
        ("[01]", 1, 3, "expected ',' or ']' after array element"),
        ("[.5]", 1, 2, "expected a value"),
    ],
)
def test_json_syntax_errors(text: str, line: int, column: int, reason: str) -> None:
    doc, diags = load(text, "json")
    assert doc.root is None
    assert codes(diags) == ["FT001"]
    assert (diags[0].line, diags[0].column) == (line, column)
    assert diags[0].message.startswith("cannot parse JSON: ")
    assert reason in diags[0].message


def test_json_error_after_other_findings_keeps_them() -> None:
    doc, diags = load('{"a": 1, "a": NaN, "b": }', "json")
    assert doc.root is None
    assert codes(diags) == ["FT002", "FT003", "FT001"]


def test_json_deep_nesting_is_refused() -> None:
    depth = 10_000
    doc, diags = load("[" * depth + "]" * depth, "json")
    assert doc.root is None
    assert codes(diags) == ["FT007"]
    assert (diags[0].line, diags[0].column) == (1, MAX_DEPTH + 1)
    assert "deeper than 256" in diags[0].message
    doc, diags = load('{"a":' * depth + "1" + "}" * depth, "json")
    assert codes(diags) == ["FT007"]


def test_json_nesting_at_the_limit_is_fine() -> None:
    doc, diags = load("[" * MAX_DEPTH + "]" * MAX_DEPTH, "json")
    assert diags == []
    assert doc.root is not None


@pytest.mark.parametrize("text", ["", "   \n\t", "\n"])
def test_json_empty_file(text: str) -> None:
    doc, diags = load(text, "json")
    assert doc.root is None
    assert codes(diags) == ["FT013"]


def test_json_scalar_root_and_empty_containers() -> None:
    doc, diags = load('  "x"  ', "json")
    assert diags == [] and doc.root.value == "x" and doc.root.pointer == ""
    assert pos(doc.root) == (1, 3, 1, 6)
    doc, diags = load('{"a": {}, "b": [ ]}', "json")
    assert diags == []
    assert pos(doc.root.get("a")) == (1, 7, 1, 9)
    assert pos(doc.root.get("b")) == (1, 16, 1, 19)


def test_too_large_file_is_refused() -> None:
    collector = Collector("big.json")
    doc = load_bytes(b" " * (MAX_FILE_BYTES + 1), "big.json", collector)
    assert doc.root is None
    assert codes(collector.diagnostics) == ["FT007"]
    assert "20 MB" in collector.diagnostics[0].message


# ----------------------------------------------------------------------------------------------
# bytes: BOM, encodings


def test_bom_is_skipped_and_reported() -> None:
    collector = Collector("f.json")
    doc = load_bytes(b'\xef\xbb\xbf{"a": 1}', "f.json", collector)
    assert doc.bom is True
    assert doc.text == '{"a": 1}'
    assert [(d.code, d.severity, d.line, d.column) for d in collector.diagnostics] == [("FT008", "info", 1, 1)]
    assert pos(doc.root) == (1, 1, 1, 9)
    assert pos(doc.root.get("a")) == (1, 7, 1, 8)


def test_bom_in_text_and_yaml() -> None:
    collector = Collector("f.yaml")
    doc = load_text("\ufeffa: 1\n", "f.yaml", collector)
    assert doc.bom is True and doc.text == "a: 1\n"
    assert codes(collector.diagnostics) == ["FT008"]
    assert pos(doc.root.entry("a").key) == (1, 1, 1, 2)


def test_invalid_utf8() -> None:
    collector = Collector("f.json")
    doc = load_bytes(b'{\n  "a": "caf\xe9"\n}', "f.json", collector)
    assert doc.root is None
    assert [where(d) for d in collector.diagnostics] == [("FT010", 2, 12, 2, 13)]
    assert "0xe9" in collector.diagnostics[0].message


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"a: 1\n\x00\x01\x02", "binary data"),
        ("a: 1\n".encode("utf-16"), "UTF-16"),
        (b"\xff\xfe\x00\x00a\x00\x00\x00", "UTF-32"),
    ],
)
def test_binary_and_other_encodings(data: bytes, reason: str) -> None:
    collector = Collector("f.yaml")
    doc = load_bytes(data, "f.yaml", collector)
    assert doc.root is None
    assert codes(collector.diagnostics) == ["FT010"]
    assert reason in collector.diagnostics[0].message


def test_nul_position_is_reported() -> None:
    collector = Collector("f.yaml")
    load_bytes(b"a: 1\nb: \x00\n", "f.yaml", collector)
    assert where(collector.diagnostics[0]) == ("FT010", 2, 4, 2, 5)


# ----------------------------------------------------------------------------------------------
# files


def test_load_path_reads_a_file(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"a: [1, 2]\n")
    collector = Collector(str(path))
    doc = load_path(str(path), collector)
    assert doc is not None and doc.path == str(path) and doc.format == "yaml"
    assert to_python(doc.root) == {"a": [1, 2]}
    assert collector.diagnostics == []


def test_missing_file(tmp_path) -> None:
    path = str(tmp_path / "nope.json")
    collector = Collector(path)
    assert load_path(path, collector) is None
    assert codes(collector.diagnostics) == ["FT012"]
    assert collector.diagnostics[0].message == f"cannot read {path}: no such file"


def test_directory_path(tmp_path) -> None:
    collector = Collector(str(tmp_path))
    assert load_path(str(tmp_path), collector) is None
    assert codes(collector.diagnostics) == ["FT012"]
    assert "is a directory" in collector.diagnostics[0].message


def test_unreadable_file(tmp_path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    path = tmp_path / "secret.json"
    path.write_text("{}")
    # chmod does not stop root, so make open() fail the way it does for a user without access
    monkeypatch.setattr(source, "open", refuse, raising=False)
    collector = Collector(str(path))
    assert load_path(str(path), collector) is None
    assert codes(collector.diagnostics) == ["FT012"]
    assert collector.diagnostics[0].message == f"cannot read {path}: permission denied"


def test_too_large_file_is_not_read(tmp_path) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    collector = Collector(str(path))
    doc = load_path(str(path), collector)
    assert doc is not None and doc.root is None
    assert codes(collector.diagnostics) == ["FT007"]


# ----------------------------------------------------------------------------------------------
# YAML: styles, spans, pointers

YAML_DOC = """\
# a pipeline
pipeline:
  - name: pls   # trailing comment
    params: {k: 10, scale: true}
  - 'single'
  - "double"
  - [1, 2.5]
doc: |
  line one
  line two

folded: >-
  a
  b
empty:
plain: multi
  line
"""


def test_yaml_block_mapping_and_sequence_spans() -> None:
    doc, diags = load(YAML_DOC, "yaml")
    assert diags == []
    root = doc.root
    assert isinstance(root, Mapping) and root.style == ""
    # from the first key to the end of the last value
    assert pos(root) == (2, 1, 17, 7)
    pipeline = root.entry("pipeline")
    assert pos(pipeline.key) == (2, 1, 2, 9) and pipeline.key.style == ""
    seq = pipeline.value
    assert isinstance(seq, Sequence) and seq.style == "" and seq.pointer == "/pipeline"
    assert pos(seq) == (3, 3, 7, 13)
    step = seq.items[0]
    assert isinstance(step, Mapping) and step.style == "" and step.pointer == "/pipeline/0"
    assert pos(step) == (3, 5, 4, 33)
    name = step.get("name")
    assert name.value == "pls" and name.style == "" and pos(name) == (3, 11, 3, 14)
    params = step.get("params")
    assert params.style == "flow" and pos(params) == (4, 13, 4, 33)
    k = params.get("k")
    assert k.value == 10 and k.pointer == "/pipeline/0/params/k" and pos(k) == (4, 17, 4, 19)
    assert params.get("scale").value is True


def test_yaml_scalar_styles() -> None:
    doc, diags = load(YAML_DOC, "yaml")
    root = doc.root
    items = root.get("pipeline").items
    assert (items[1].value, items[1].style, pos(items[1])) == ("single", "'", (5, 5, 5, 13))
    assert (items[2].value, items[2].style, pos(items[2])) == ("double", '"', (6, 5, 6, 13))
    flow = items[3]
    assert flow.style == "flow" and [i.value for i in flow.items] == [1, 2.5]
    literal = root.get("doc")
    assert literal.style == "|" and literal.value == "line one\nline two\n"
    # the span covers the block scalar's text, not the blank lines after it
    assert pos(literal) == (8, 6, 10, 11)
    assert doc.text[literal.span.start : literal.span.end] == "|\n  line one\n  line two"
    folded = root.get("folded")
    assert folded.style == ">" and folded.value == "a b" and pos(folded) == (12, 9, 14, 4)
    empty = root.get("empty")
    assert empty.value is None and pos(empty) == (15, 7, 15, 7)  # just after the ':'
    plain = root.get("plain")
    assert plain.value == "multi line" and pos(plain) == (16, 8, 17, 7)
    check_spans(doc)


def test_yaml_sequence_of_scalars_and_indentless_sequence() -> None:
    text = "a:\n- 1\n-\n- x\nb: [ ]\n"
    doc, diags = load(text, "yaml")
    assert diags == []
    seq = doc.root.get("a")
    assert [i.value for i in seq.items] == [1, None, "x"]
    assert pos(seq) == (2, 1, 4, 4)
    assert pos(seq.items[1]) == (3, 2, 3, 2)
    assert seq.items[2].pointer == "/a/2"
    assert pos(doc.root.get("b")) == (5, 4, 5, 7)


def test_yaml_core_schema_values() -> None:
    text = (
        "a: 12\nb: -3\nc: 0x1F\nd: 0o17\ne: 1.5\nf: .5\ng: 1e3\nh: true\ni: False\nj: ~\nk: null\n"
        "l: hello\nm: 1_000\nn: .inf\nq: 2024-01-01\nr: '12'\ns: +7\n"
    )
    doc, diags = load(text, "yaml")
    assert to_python(doc.root) == {
        "a": 12, "b": -3, "c": 31, "d": 15, "e": 1.5, "f": 0.5, "g": 1000.0, "h": True, "i": False,
        "j": None, "k": None, "l": "hello", "m": "1_000", "n": math.inf, "q": "2024-01-01", "r": "12", "s": 7,
    }
    assert type(doc.root.get("g").value) is float
    assert {d.code for d in diags} == {"FT003", "FT014"}  # .inf; 0o17, 1e3, 1_000, 2024-01-01


def test_yaml_crlf_spans() -> None:
    text = "a: 1\r\nb:\r\n  - x\r\n"
    doc, diags = load(text, "yaml")
    assert diags == []
    assert pos(doc.root.get("a")) == (1, 4, 1, 5)
    b = doc.root.get("b")
    assert pos(b.items[0]) == (3, 5, 3, 6)
    assert doc.newline == "\r\n"
    check_spans(doc)


def test_yaml_flow_document_and_json_compatible_text() -> None:
    text = '{"a": [1, {"b": null}], c: d}'
    doc, diags = load(text, "yaml")
    assert diags == []
    assert to_python(doc.root) == {"a": [1, {"b": None}], "c": "d"}
    assert doc.root.style == "flow"
    assert pos(doc.root) == (1, 1, 1, 30)
    b_key = doc.root.get("a").items[1].entry("b").key
    assert b_key.style == '"' and pos(b_key) == (1, 12, 1, 15)


def test_yaml_duplicate_key() -> None:
    doc, diags = load("a: 1\nb: 2\na: 3\n", "yaml")
    assert codes(diags) == ["FT002"]
    assert where(diags[0]) == ("FT002", 3, 1, 3, 2)
    assert "first at line 1" in diags[0].message
    assert doc.root.get("a").value == 3
    assert len(doc.root.entries) == 3


@pytest.mark.parametrize(
    ("text", "key", "type_"),
    [
        ("1: a\n", "1", "number"),
        ("1.5: a\n", "1.5", "number"),
        ("true: a\n", "true", "boolean"),
        ("null: a\n", "null", "null"),
        ("~: a\n", "null", "null"),
        ("? [1, 2]\n: a\n", "[1, 2]", "sequence"),
        ("{x: 1}: a\n", "{x: 1}", "mapping"),
    ],
)
def test_yaml_non_string_keys(text: str, key: str, type_: str) -> None:
    doc, diags = load(text, "yaml")
    assert codes(diags) == ["FT004"]
    assert f"key {key!r} is a {type_}" in diags[0].message
    entry = doc.root.entries[0]
    assert entry.key.value == key and isinstance(entry.key.value, str)
    assert doc.root.get(key).value == "a"
    assert entry.value.pointer == "/" + key.replace("~", "~0").replace("/", "~1")


def test_yaml_quoted_number_key_is_a_string() -> None:
    doc, diags = load("'1': a\n", "yaml")
    assert diags == [] and doc.root.get("1").value == "a"


def test_yaml_non_string_key_position() -> None:
    doc, diags = load("a: 1\n10: b\n", "yaml")
    assert where(diags[0]) == ("FT004", 2, 1, 2, 3)
    assert diags[0].pointer == "/10"


# ----------------------------------------------------------------------------------------------
# YAML: tags


def test_yaml_standard_tags_are_applied() -> None:
    text = (
        "a: !!str 123\nb: !!int '12'\nc: !!float 1\nd: !!bool 'true'\ne: !!null ''\n"
        "f: !!map {x: 1}\ng: !!seq [1]\nh: ! 12\n"
    )
    doc, diags = load(text, "yaml")
    assert diags == []
    assert to_python(doc.root) == {
        "a": "123", "b": 12, "c": 1.0, "d": True, "e": None, "f": {"x": 1}, "g": [1], "h": "12",
    }
    a = doc.root.get("a")
    assert a.tag == "!!str"
    assert pos(a) == (1, 10, 1, 13)  # the content, after the tag
    assert type(doc.root.get("c").value) is float


@pytest.mark.parametrize(
    ("text", "tag", "value", "line", "column"),
    [
        ("a: !!python/object:os.system ls\n", "!!python/object:os.system", "ls", 1, 4),
        ("a: !custom 5\n", "!custom", "5", 1, 4),
        ("a: !!binary aGk=\n", "!!binary", "aGk=", 1, 4),
        (
            "a: !!python/object/apply:os.system\n  args: [ls]\n",
            "!!python/object/apply:os.system", {"args": ["ls"]}, 1, 4,
        ),
        ("a: !thing [1, 2]\n", "!thing", [1, 2], 1, 4),
        ("a: !!set {p, q}\n", "!!set", {"p": None, "q": None}, 1, 4),
    ],
)
def test_yaml_other_tags_are_reported_and_ignored(text: str, tag: str, value, line: int, column: int) -> None:
    doc, diags = load(text, "yaml")
    assert codes(diags) == ["FT005"]
    assert diags[0].message.startswith(f"YAML tag {tag} is not allowed")
    assert (diags[0].line, diags[0].column) == (line, column)
    assert diags[0].end_column == column + len(tag)
    assert diags[0].pointer == "/a"
    assert to_python(doc.root) == {"a": value}


def test_yaml_tag_with_wrong_content_is_an_error() -> None:
    doc, diags = load("a: !!int abc\n", "yaml")
    assert codes(diags) == ["FT001"]
    assert doc.root is None
    doc, diags = load("a: !!map 5\n", "yaml")
    assert codes(diags) == ["FT001"]


# ----------------------------------------------------------------------------------------------
# YAML: aliases and merge keys


def test_yaml_alias_is_a_copy_with_its_own_pointers_and_span() -> None:
    text = "base: &b\n  lr: 0.1\n  layers: [1, 2]\nother: *b\n"
    doc, diags = load(text, "yaml")
    assert codes(diags) == ["FT006"]
    assert where(diags[0]) == ("FT006", 4, 8, 4, 10)
    assert diags[0].message == "alias *b repeats the node anchored at line 1"
    assert diags[0].pointer == "/other"
    root = doc.root
    base, other = root.get("base"), root.get("other")
    assert to_python(other) == to_python(base) == {"lr": 0.1, "layers": [1, 2]}
    assert other is not base
    # the copy has its own pointers, and every node of it has the alias's span
    assert other.pointer == "/other"
    assert other.get("layers").items[1].pointer == "/other/layers/1"
    alias_span = other.span
    assert doc.text[alias_span.start : alias_span.end] == "*b"
    assert all(node.span == alias_span for node in walk(other))
    # the anchored node keeps its own spans, without the anchor
    assert pos(base) == (2, 3, 3, 17)
    assert pos(base.get("lr")) == (2, 7, 2, 10)


def test_yaml_alias_of_a_scalar() -> None:
    doc, diags = load("a: &x 5\nb: [*x, *x]\n", "yaml")
    assert to_python(doc.root) == {"a": 5, "b": [5, 5]}
    assert codes(diags) == ["FT006", "FT006"]
    assert [d.pointer for d in diags] == ["/b/0", "/b/1"]
    assert pos(doc.root.get("a")) == (1, 7, 1, 8)


def test_billion_laughs_is_refused_at_the_expansion_bound() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghij"
    for prev, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(lines) + "\n"
    doc, diags = load(text, "yaml")
    assert doc.root is None
    assert codes(diags)[-1] == "FT007"
    assert "aliases expand to more than" in diags[-1].message  # refused at the expansion bound, not by time


def test_recursive_alias_is_refused() -> None:
    doc, diags = load("a: &a\n  b: *a\n", "yaml")
    assert doc.root is None
    assert codes(diags) == ["FT007"]
    assert where(diags[0])[:3] == ("FT007", 2, 6)


def test_undefined_alias_is_an_error() -> None:
    doc, diags = load("a: *nope\n", "yaml")
    assert doc.root is None
    assert codes(diags) == ["FT001"]
    assert where(diags[0]) == ("FT001", 1, 4, 1, 9)


def test_yaml_merge_key() -> None:
    text = "base: &b {x: 1, z: 2}\nm:\n  <<: *b\n  z: 3\n  w: 4\n"
    doc, diags = load(text, "yaml")
    assert codes(diags) == ["FT006"]
    m = doc.root.get("m")
    assert to_python(m) == {"x": 1, "z": 3, "w": 4}
    assert [e.key.value for e in m.entries] == ["x", "z", "w"]
    assert m.get("x").pointer == "/m/x"
    assert m.entry("x").key.pointer == "/m/x"


def test_yaml_merge_key_with_a_list() -> None:
    text = "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n"
    doc, _ = load(text, "yaml")
    assert to_python(doc.root.get("c")) == {"x": 1, "y": 2}


def test_yaml_bad_merge_value() -> None:
    doc, diags = load("a:\n  <<: 5\n", "yaml")
    assert doc.root is None
    assert "FT001" in codes(diags)


def test_yaml_alias_depth_is_bounded() -> None:
    deep = "[" * 200 + "]" * 200
    doc, diags = load(f"a: &a {deep}\nb: {'[' * 57}*a{']' * 57}\n", "yaml")
    assert doc.root is None
    assert codes(diags) == ["FT007"]
    assert "alias *a nests deeper than 256 levels" in diags[0].message
    assert (diags[0].line, diags[0].column) == (2, 61)
    # the same alias less deep is fine
    doc, diags = load(f"a: &a {deep}\nb: {'[' * 50}*a{']' * 50}\n", "yaml")
    assert doc.root is not None and codes(diags) == ["FT006"]


# ----------------------------------------------------------------------------------------------
# YAML: documents, errors, tabs


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "--- # nothing\n...\n"])
def test_yaml_empty_document(text: str) -> None:
    doc, diags = load(text, "yaml")
    assert doc.root is None
    assert codes(diags) == ["FT013"]
    assert diags[0].severity == "warning"


def test_yaml_explicit_null_document_is_not_empty() -> None:
    doc, diags = load("null\n", "yaml")
    assert diags == []
    assert doc.root is not None and doc.root.value is None


def test_yaml_multiple_documents() -> None:
    doc, diags = load("a: 1\n---\nb: 2\n---\nc: [\n3]\n", "yaml")
    assert to_python(doc.root) == {"a": 1}
    assert codes(diags) == ["FT011"]
    assert "holds 3 documents" in diags[0].message
    assert where(diags[0]) == ("FT011", 2, 1, 2, 4)


def test_yaml_syntax_error() -> None:
    doc, diags = load("a: 1\nb: c: d\n", "yaml")
    assert doc.root is None
    assert codes(diags) == ["FT001"]
    assert where(diags[0]) == ("FT001", 2, 5, 2, 6)
    assert diags[0].message == "cannot parse YAML: mapping values are not allowed here"


def test_yaml_unclosed_flow_sequence() -> None:
    doc, diags = load("a: [1, 2\n", "yaml")
    assert codes(diags) == ["FT001"]
    assert diags[0].pointer == "/a/2"  # where the parser was when it stopped
    assert (diags[0].line, diags[0].column) == (2, 1)
    assert "while parsing a flow sequence at line 1, column 4" in diags[0].message


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a:\n\tb: 1\n", 2, 1),
        ("a:\n  b: 1\n\tc: 2\n", 3, 1),
        ("- a\n-\tb\n", 2, 2),
        ("a: 1\n  \t- x\n", 2, 3),
    ],
)
def test_yaml_tab_indentation(text: str, line: int, column: int) -> None:
    doc, diags = load(text, "yaml")
    assert doc.root is None
    assert codes(diags) == ["FT009"]
    assert (diags[0].line, diags[0].column) == (line, column)


def test_yaml_tabs_inside_quoted_scalars_are_fine() -> None:
    doc, diags = load('a: "x\ty"\n', "yaml")
    assert diags == [] and doc.root.get("a").value == "x\ty"


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("[\n" * 10_000 + "]\n" * 10_000, MAX_DEPTH + 1, 1),
        ("- " * 10_000 + "x\n", 1, 2 * MAX_DEPTH + 1),
        # the root mapping is level 1, so the 256th '{' is one too many
        ("a: " + "{b: " * 10_000 + "1" + "}" * 10_000 + "\n", 1, 4 + 4 * (MAX_DEPTH - 1)),
        # one long line is slow for ruamel's scanner (its implicit-key lookahead), so not 10000 here
        ("[" * 300 + "]" * 300, 1, MAX_DEPTH + 1),
    ],
)
def test_yaml_deep_nesting_is_refused(text: str, line: int, column: int) -> None:
    doc, diags = load(text, "yaml")
    assert doc.root is None
    assert codes(diags) == ["FT007"]
    assert (diags[0].line, diags[0].column) == (line, column)
    assert "deeper than 256 levels" in diags[0].message


def test_yaml_reader_error_is_a_parse_error() -> None:
    doc, diags = load("a: \x07\n", "yaml")
    assert doc.root is None
    assert codes(diags) == ["FT001"]
    assert (diags[0].line, diags[0].column) == (1, 4)


# ----------------------------------------------------------------------------------------------
# YAML 1.1 vs 1.2 scalars


@pytest.mark.parametrize(
    ("text", "value", "yaml12", "yaml11"),
    [
        ("yes", "yes", "a string", "a boolean"),
        ("No", "No", "a string", "a boolean"),
        ("ON", "ON", "a string", "a boolean"),
        ("off", "off", "a string", "a boolean"),
        ("1e-3", 0.001, "a float", "a string"),
        ("1E5", 100000.0, "a float", "a string"),
        ("1.0e3", 1000.0, "a float", "a string"),
        ("+.5", 0.5, "a float", "a string"),
        ("010", 10, "the int 10", "the int 8"),
        ("0b101", "0b101", "a string", "an int"),
        ("0o17", 15, "an int", "a string"),
        ("1:30", "1:30", "a string", "an int"),
        ("1_000", "1_000", "a string", "an int"),
        ("-0x10", "-0x10", "a string", "an int"),
        ("2024-01-31", "2024-01-31", "a string", "a date"),
    ],
)
def test_yaml11_scalars_are_reported(text: str, value, yaml12: str, yaml11: str) -> None:
    doc, diags = load(f"k: {text}\n", "yaml")
    assert doc.root.get("k").value == value
    assert codes(diags) == ["FT014"]
    assert where(diags[0]) == ("FT014", 1, 4, 1, 4 + len(text))
    assert diags[0].message == (
        f"{text!r} is {yaml12} in YAML 1.2 but {yaml11} for YAML 1.1 loaders such as nirs4all's; read as {yaml12}"
    )


@pytest.mark.parametrize(
    "text",
    [
        "'yes'", '"no"', "true", "False", "null", "~", "12", "1.5", "-3", "0x1F", ".inf", "hello", "yEs",
        "1.0e+3", "0", "!!str yes",
    ],
)
def test_yaml_scalars_without_version_difference(text: str) -> None:
    doc, diags = load(f"k: {text}\n", "yaml")
    assert "FT014" not in codes(diags)


def test_yaml11_single_letters_are_strings_as_for_pyyaml() -> None:
    """YAML 1.1 lists y/n as booleans, but PyYAML (nirs4all's loader) reads them as strings, like YAML 1.2."""
    doc, diags = load("a: y\nb: Y\nc: n\nd: N\ne: [y, n]\nf: yes\n", "yaml")
    assert to_python(doc.root) == {"a": "y", "b": "Y", "c": "n", "d": "N", "e": ["y", "n"], "f": "yes"}
    assert [where(d) for d in diags] == [("FT014", 6, 4, 6, 7)]
    assert diags[0].pointer == "/f"
    assert diags[0].message == (
        "'yes' is a string in YAML 1.2 but a boolean for YAML 1.1 loaders such as nirs4all's; read as a string"
    )


def test_yaml11_key_is_reported() -> None:
    doc, diags = load("on: push\n", "yaml")
    assert codes(diags) == ["FT014"]
    assert doc.root.get("on").value == "push"


# ----------------------------------------------------------------------------------------------
# properties: nothing raises, round trips hold

_ANY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_ANY_SETTINGS
@given(st.text(), st.sampled_from(["json", "yaml"]))
def test_any_text_loads_without_raising(text: str, fmt: str) -> None:
    collector = Collector("f")
    doc = load_text(text, "f", collector, fmt)
    check_spans(doc)
    if doc.root is None and text.strip(" \t\r\n\ufeff"):
        assert collector.diagnostics, "a refused document must say why"


_YAMLISH = st.text(alphabet=st.sampled_from(list("ab01:-[]{},'\"&*!#|>?~.\t \n%@")), max_size=40)


@_ANY_SETTINGS
@given(_YAMLISH, st.sampled_from(["json", "yaml"]))
def test_syntax_heavy_text_loads_without_raising(text: str, fmt: str) -> None:
    doc = load_text(text, "f", Collector("f"), fmt)
    check_spans(doc)


@_ANY_SETTINGS
@given(st.binary(), st.sampled_from(["json", "yaml"]))
def test_any_bytes_load_without_raising(data: bytes, fmt: str) -> None:
    doc = load_bytes(data, "f", Collector("f"), fmt)
    check_spans(doc)


_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)


@_ANY_SETTINGS
@given(_JSON_VALUES, st.sampled_from([None, 0, 2]), st.booleans())
def test_json_round_trip(value, indent, ensure_ascii: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)
    collector = Collector("f")
    doc = load_text(text, "f", collector, "json")
    assert collector.diagnostics == []
    assert to_python(doc.root) == json.loads(text)
    check_spans(doc)
    for node in walk(doc.root):
        if isinstance(node, Scalar):
            assert json.loads(text[node.span.start : node.span.end]) == node.value
        else:
            assert json.loads(text[node.span.start : node.span.end]) == to_python(node)


# NEL and the Unicode line/paragraph separators are line breaks to ruamel's reader, which folds
# them when it reads its own output back; leave them out.
_YAML_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x85\u2028\u2029")
_YAML_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(_YAML_CHARS)
_YAML_VALUES = st.recursive(
    _YAML_SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(_YAML_CHARS, max_size=8), children, max_size=4),
    max_leaves=15,
)


def _yaml_dump(value, flow: bool) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    buffer = io.StringIO()
    yaml.dump(value, buffer)
    return buffer.getvalue()


@_ANY_SETTINGS
@given(_YAML_VALUES, st.booleans())
def test_yaml_round_trip(value, flow: bool) -> None:
    from ruamel.yaml import YAML

    text = _yaml_dump(value, flow)
    collector = Collector("f")
    doc = load_text(text, "f", collector, "yaml")
    try:
        expected = YAML(typ="safe", pure=True).load(text)
    except Exception:  # ruamel's dumper sometimes writes what its parser rejects (e.g. {:0: x})
        assert doc.root is None and "FT001" in codes(collector.diagnostics)
        return
    if expected != value:  # ... or what its parser reads otherwise ({'?0': None} as {?0: null}, read {0: None})
        return
    assert to_python(doc.root) == expected == value
    assert not [d for d in collector.diagnostics if d.code not in ("FT003", "FT014")]
    check_spans(doc)
    for node in walk(doc.root):
        if isinstance(node, Scalar) and node.style in ("", "'", '"'):
            piece = text[node.span.start : node.span.end]
            reread = load_text(piece, "g", Collector("g"), "yaml").root
            assert reread is not None and reread.value == node.value


def _ruamel_differs_from_core(text: str) -> bool:
    """Where ruamel's YAML 1.2 resolver is looser or stricter than the 1.2 core schema."""
    bare = text.lstrip("+-")
    return (
        "_" in text  # ruamel: 1_000 is an int
        or ":" in text  # ruamel: sexagesimal
        or "0b" in text  # ruamel: binary ints
        or (bare[:1] == "0" and bare[1:2].isdigit())  # ruamel: 012 is an int (octal or not)
        or (bare[:1] == "." and "e" in bare.lower())  # ruamel: .5e3 needs a signed exponent
        or text[:1] in "+-" and bare[:1] == "0" and bare[1:2] in ("x", "o")  # ruamel: -0x10
    )


@_ANY_SETTINGS
@given(st.text(alphabet="ynoYNOfalsetruFALSETRU0123456789.:_-+ebxEBX", min_size=1, max_size=8))
def test_yaml_plain_scalar_matches_the_12_reading(text: str) -> None:
    """A plain scalar reads as ruamel's YAML 1.2 loader reads it, where ruamel follows the core schema."""
    from ruamel.yaml import YAML

    source = f"k: {text}\n"
    doc = load_text(source, "f", Collector("f"), "yaml")
    try:
        theirs = YAML(typ="safe", pure=True).load(source)["k"]
    except Exception:
        return
    if doc.root is None or _ruamel_differs_from_core(text) or type(theirs) not in (int, float, bool, str, type(None)):
        return
    ours = doc.root.get("k").value
    if isinstance(theirs, float) and math.isnan(theirs):
        assert math.isnan(ours)
    else:
        assert ours == theirs and type(ours) is type(theirs), (text, ours, theirs)


# ----------------------------------------------------------------------------------------------
# YAML: the C event source (libyaml, from ruamel.yaml.clib or .clibz) against the pure parser
#
# The loader reads YAML with ruamel's C parser when it is installed, and with the pure-Python
# parser otherwise or wherever the two could differ. Either way the tree and every finding must
# be the same; these tests load each text both ways and compare everything.

_HAS_C = yaml_loader._c_parser() is not None


def test_the_c_parser_is_installed() -> None:
    # ruamel.yaml[oldlibyaml] is a dependency: the tests that compare the two parsers must run.
    assert _HAS_C


@contextlib.contextmanager
def pure_yaml():
    """Load YAML as on a machine without the C parser."""
    saved = yaml_loader._c_parser_class
    yaml_loader._c_parser_class = False
    try:
        yield
    finally:
        yaml_loader._c_parser_class = saved


def tree(node: Node | None):
    """Everything a node holds: kind, value and its type, span, pointer, style, tag; recursively."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        value = node.value
        if isinstance(value, float) and math.isnan(value):
            value = "NaN"  # nan != nan
        return ("scalar", type(node.value).__name__, value, node.span, node.pointer, node.style, node.tag)
    if isinstance(node, Sequence):
        return ("seq", node.span, node.pointer, node.style, [tree(item) for item in node.items])
    return ("map", node.span, node.pointer, node.style, [(tree(e.key), tree(e.value)) for e in node.entries])


def loaded(data: str | bytes):
    collector = Collector("f.yaml")
    if isinstance(data, bytes):
        doc = load_bytes(data, "f.yaml", collector)
    else:
        doc = load_text(data, "f.yaml", collector, "yaml")
    return tree(doc.root), (doc.text, doc.bom, doc.newline, doc.format), collector.diagnostics


def c_path_taken(text: str) -> bool:
    """Whether the C parser's reading is used for `text` (else the pure parser's)."""
    if not yaml_loader._c_may_read(text):
        return False
    try:
        yaml_loader._load_yaml_c(text, Collector("f"))
    except Fallback:
        return False
    return True


def assert_same_both_ways(data: str | bytes) -> None:
    fast = loaded(data)
    with pure_yaml():
        pure = loaded(data)
    assert fast[2] == pure[2]  # findings first: the most readable difference
    assert fast == pure


# A generator of YAML documents that exercises what the two parsers might read differently:
# block and flow collections, every scalar style, comments, anchors, aliases and merge keys,
# tags, non-ASCII text, multi-line scalars, empty values, document markers, CRLF and a BOM.
# Most of what it writes is valid YAML; some is not (an alias before its anchor, a tab, a wrong
# indentation), which must then give the same findings too.

_WORDS = ["a", "lr", "name", "model_params", "héllo", "wörld", "日本語", "données", "😀", "x-y", "μ", "k1"]
_KEYS = _WORDS + ["<<", '"quoted key"', "'single'", "1", "true", "~", '"a/b~c"', "key with spaces"]
_PLAIN = [
    "1", "-2", "3.5", "1e3", "1e-3", "0x1F", "0o17", "010", "yes", "No", "on", "OFF", "y", "null", "Null", "~",
    "true", "False", ".inf", "-.Inf", ".nan", "2024-01-31", "2024-01-31 10:00:00", "1_000", "1:30", "0b101", "+7",
    ".5", "hello world", "a:b", "a#b", "http://x.y/z?q=1&r=2", "-x", "?y", "é ü", "12abc", "a'b", 'say "hi"',
    "99999999999999999999999", "1.0e+3", "x%y", "a@b", "!x",
]
_TAGS = ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq", "!custom", "!", "!<tag:x>", "!!python/x"]
_BLOCK_LINES = ["text", "é 😀 ü", "  more indented", "", "# not a comment", "a: b", "trailing  "]
_DQ_ESCAPES = ["\\n", "\\t", "\\\\", '\\"', "\\/", "\\x41", "\\u00e9", "\\U0001F600", "\\e", "\\N", "\\_", "\\ ", "\\0"]
_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\x85\u2028\u2029\ufeff")
    | st.sampled_from(["\n", "'", '"', "#", ":", " ", "\\", "\t"]),
    max_size=12,
)


@st.composite
def _scalar(draw, indent: int, flow: bool) -> str:
    """A scalar in some style; continuation lines indented past `indent`."""
    kinds = ["plain", "plain", "word", "single", "double", "json", "empty"] + ([] if flow else ["multi"])
    kind = draw(st.sampled_from(kinds))
    pad = "\n" + " " * (indent + draw(st.integers(1, 3)))
    if kind == "plain":
        return draw(st.sampled_from(_PLAIN))
    if kind == "word":
        return draw(st.sampled_from(_WORDS))
    if kind == "multi":  # a plain scalar over several lines
        return draw(st.sampled_from(_WORDS)) + pad + draw(st.sampled_from(_PLAIN[:20]))
    if kind == "single":
        return "'" + draw(_TEXT).replace("'", "''").replace("\n", pad) + "'"
    if kind == "double":
        unescaped = _TEXT.map(lambda t: t.replace("\\", "").replace('"', ""))
        parts = draw(st.lists(st.sampled_from(_DQ_ESCAPES) | unescaped, max_size=4))
        return '"' + "".join(parts).replace("\n", pad) + '"'
    if kind == "json":
        return json.dumps(draw(_TEXT), ensure_ascii=draw(st.booleans()))
    return ""


@st.composite
def _props(draw, anchors: list[str]) -> str:
    """Node properties: nothing mostly, else an anchor and/or a tag."""
    out = []
    if draw(st.integers(0, 5)) == 0:
        name = draw(st.sampled_from(["a", "b1", "base", "x-y", "é", "a.b"]))
        anchors.append(name)
        out.append("&" + name)
    if draw(st.integers(0, 7)) == 0:
        out.append(draw(st.sampled_from(_TAGS)))
    if out and draw(st.booleans()):
        out.reverse()
    return " ".join(out) + " " if out else ""


def _comment(draw) -> str:
    return draw(st.sampled_from(["", "", "", " # note", "  # é 😀 : - [", " #"]))


@st.composite
def _flow(draw, depth: int, indent: int, anchors: list[str]) -> str:
    items = []
    is_map = draw(st.booleans())
    for _ in range(draw(st.integers(0, 3))):
        if depth > 0 and draw(st.integers(0, 3)) == 0:
            value = draw(_flow(depth - 1, indent, anchors))
        elif anchors and draw(st.integers(0, 6)) == 0:
            value = "*" + draw(st.sampled_from(anchors))
        else:
            value = draw(_props(anchors)) + draw(_scalar(indent, flow=True))
        if is_map or draw(st.integers(0, 5)) == 0:  # a single pair inside a sequence too
            key = draw(st.sampled_from(_WORDS + ["<<", '"q k"', "'s k'", "1", "null"]))
            value = f"{key}: {value}" if value or draw(st.booleans()) else key
        items.append(value)
    sep = draw(st.sampled_from([", ", ",", " , ", ",\n" + " " * (indent + 1)]))
    trailing = draw(st.sampled_from(["", "", ","]))
    body = sep.join(items) + (trailing if items else "")
    space = draw(st.sampled_from(["", " "]))
    return ("{" if is_map else "[") + space + body + space + ("}" if is_map else "]")


@st.composite
def _block_value(draw, depth: int, indent: int, anchors: list[str]) -> str:
    """What follows `key:` or `-` at `indent`, through its last line break."""
    choices = ["scalar"] * 4 + ["flow", "alias", "block"] + (["map", "seq", "seq"] if depth > 0 else [])
    choice = draw(st.sampled_from(choices))
    if choice == "alias" and anchors:
        return " *" + draw(st.sampled_from(anchors)) + _comment(draw) + "\n"
    if choice == "flow":
        return " " + draw(_props(anchors)) + draw(_flow(min(depth, 2), indent, anchors)) + _comment(draw) + "\n"
    if choice == "block":
        header = draw(st.sampled_from(["|", ">"])) + draw(st.sampled_from(["", "-", "+"]))
        step = draw(st.integers(1, 3))
        if draw(st.integers(0, 4)) == 0:
            header += str(step)
        lines = draw(st.lists(st.sampled_from(_BLOCK_LINES), max_size=4))
        body = "".join((" " * (indent + step) + line if line else "") + "\n" for line in lines)
        blank = draw(st.sampled_from(["", "", "\n", " " * (indent + step) + "\n"]))
        return " " + draw(_props(anchors)) + header + _comment(draw) + "\n" + body + blank
    if choice in ("map", "seq"):
        props = draw(_props(anchors))
        head = (" " + props.rstrip() if props else "") + _comment(draw) + "\n"
        step = draw(st.integers(1, 3)) if choice == "map" else draw(st.integers(0, 2))  # indentless sequences too
        maker = _block_map if choice == "map" else _block_seq
        return head + draw(maker(depth - 1, indent + step, anchors))
    props = draw(_props(anchors))
    value = props + draw(_scalar(indent, flow=False))
    return (" " + value if value else "") + _comment(draw) + "\n"


def _extra_line(draw, indent: int) -> str:
    return draw(st.sampled_from(["", "", "", "", "\n", " " * indent + "# comment\n", "# at column 1\n", "   \n"]))


@st.composite
def _block_map(draw, depth: int, indent: int, anchors: list[str]) -> str:
    out = []
    for _ in range(draw(st.integers(1, 4))):
        out.append(_extra_line(draw, indent))
        key = draw(st.sampled_from(_KEYS))
        if draw(st.integers(0, 12)) == 0:
            key = "? " + key + "\n" + " " * indent  # an explicit key
        out.append(" " * indent + key + ":" + draw(_block_value(depth, indent, anchors)))
    return "".join(out)


@st.composite
def _block_seq(draw, depth: int, indent: int, anchors: list[str]) -> str:
    out = []
    for _ in range(draw(st.integers(1, 4))):
        out.append(_extra_line(draw, indent))
        if depth > 0 and draw(st.integers(0, 3)) == 0:  # "- a: 1" with the mapping's other keys below
            inner = draw(_block_map(depth - 1, indent + 2, anchors)).lstrip("\n")
            if inner.startswith(" " * (indent + 2)) and not inner.lstrip().startswith(("#", "?")):
                out.append(" " * indent + "- " + inner[indent + 2 :])
                continue
        out.append(" " * indent + "-" + draw(_block_value(depth, indent, anchors)))
    return "".join(out)


@st.composite
def yaml_documents(draw) -> str:
    anchors: list[str] = []
    root = draw(st.sampled_from(["map", "map", "map", "seq", "flow", "scalar"]))
    if root == "map":
        body = draw(_block_map(3, 0, anchors))
    elif root == "seq":
        body = draw(_block_seq(3, 0, anchors))
    elif root == "flow":
        body = draw(_flow(3, 0, anchors)) + "\n"
    else:
        body = draw(_scalar(0, flow=False)) + "\n"
    start = draw(st.sampled_from(["", "", "", "---\n", "--- ", "# head\n---\n", "%YAML 1.2\n---\n"]))
    if start == "--- " and root in ("map", "seq"):
        start = "---\n"
    end = draw(st.sampled_from(["", "", "", "...\n", "---\nsecond: doc\n", "---\n- x\n---\n"]))
    text = start + body + end
    if draw(st.integers(0, 3)) == 0:
        text = text.replace("\n", "\r\n")
    if draw(st.integers(0, 20)) == 0:
        text = text.replace("\n", "\r")
    if draw(st.integers(0, 5)) == 0:
        text = "\ufeff" + text
    if draw(st.integers(0, 3)) == 0:
        text = text.rstrip("\r\n")
    return text


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(yaml_documents())
def test_c_and_pure_parsers_give_the_same_tree_and_findings(text: str) -> None:
    assert_same_both_ways(text)
    assert_same_both_ways(text.encode("utf-8"))


@_ANY_SETTINGS
@given(_YAMLISH | st.text())
def test_c_and_pure_parsers_agree_on_any_text(text: str) -> None:
    assert_same_both_ways(text)


def _events(next_event) -> list[tuple]:
    """Everything an event stream holds, or the error that ends it (type and message)."""
    found: list[tuple] = []
    names = ("anchor", "tag", "implicit", "value", "style", "flow_style", "explicit", "version", "tags")
    while True:
        try:
            ev = next_event()
        except Exception as exc:  # noqa: BLE001 - the error is part of what is compared
            found.append((type(exc).__name__, str(exc)))
            return found
        if ev is None:
            return found
        marks = [(m.index, m.line, m.column) for m in (ev.start_mark, ev.end_mark)]
        found.append((type(ev).__name__, marks, [getattr(ev, n, None) for n in names]))


def assert_pure_loader_is_yaml_parse(text: str) -> None:
    from ruamel.yaml import YAML

    events = YAML(typ="safe", pure=True).parse(text)
    expected = _events(lambda: next(events, None))
    pure = yaml_loader._pure_events(text)
    assert _events(lambda: next(pure, None)) == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(yaml_documents() | _YAMLISH.filter(lambda t: "%" not in t))
def test_pure_loader_gives_the_events_of_yaml_parse(text: str) -> None:
    """The pure parser's events are those of YAML(typ="safe", pure=True).parse()."""
    assert_pure_loader_is_yaml_parse(text)


@pytest.mark.parametrize(
    "text",
    ["a: 1\n", "--- 1\n--- 2\n", "a: !!int 5\nb: &x [1, *x]\n", "a: [1, 2\n", "a:\tb\n", "\ufeffa: 1\n", "a: b: c\n", "- |\n x\n"],
)
def test_pure_loader_gives_the_events_of_yaml_parse_on_examples(text: str) -> None:
    assert_pure_loader_is_yaml_parse(text)


def test_directives_go_through_ruamels_yaml_object() -> None:
    """A %YAML or %TAG directive can change how the text is read: such text goes through YAML().parse."""
    doc, diags = load("%YAML 1.1\n---\na: 1\n", "yaml")
    assert to_python(doc.root) == {"a": 1} and diags == []
    doc, diags = load("%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n", "yaml")
    assert [(d.code, d.message) for d in diags] == [("FT005", "YAML tag !<tag:example.com,2000:x> is not allowed: nothing is constructed from tags")]


def test_the_parser_that_reads_a_text_depends_on_the_text_only() -> None:
    """Neither the order of the files nor what the process read before picks the parser."""

    code = (
        "from ftspec.compiler import source, yaml_loader\n"
        "from ftspec.compiler.diagnostics import Collector\n"
        "pure = []\n"
        "read_pure = yaml_loader._load_yaml_pure\n"
        "def counting(text, collector):\n"
        "    pure.append(text)\n"
        "    return read_pure(text, collector)\n"
        "yaml_loader._load_yaml_pure = counting\n"
        "small, big, tabs = 'a: [1, yes]\\n', 'k: v\\n' * 1000, 'a:\\t1\\n'\n"
        "for text in (small, big, small, tabs, small):\n"
        "    source.load_text(text, 'a.yaml', Collector('a.yaml'))\n"
        "print(pure == [tabs] if yaml_loader._c_parser() else pure == [small, big, small, tabs, small])\n"
    )
    out = _fresh_python(code)
    assert out.stdout.split() == ["True"]


def _yaml_files() -> list[Path]:
    from tests import golden

    corpus = golden.corpus_root() / "nirs4all" / "pipelines"
    found = sorted((golden.ROOT / "fixtures").rglob("*.y*ml")) + sorted(corpus.rglob("*.y*ml"))
    return [p for p in found if p.suffix in (".yaml", ".yml")]


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_c_and_pure_parsers_agree_on_yaml_files(path: Path) -> None:
    assert_same_both_ways(path.read_bytes())


def test_c_parser_reads_the_usual_files() -> None:
    """The fast path is not an empty promise: valid files without tabs, tags or directives take it."""
    taken = {p.name: c_path_taken(p.read_text(encoding="utf-8-sig")) for p in _yaml_files()}
    handed_over = ("tabs.yaml", "python_tag.yaml", "malformed_yaml.yaml", "alias_bomb.yaml", "multi_document.yaml")
    usual = [name for name in taken if name not in handed_over]
    assert usual and all(taken[name] for name in usual), taken


@pytest.mark.parametrize(
    "text",
    [
        "- a\n-\tb\n",  # libyaml takes the tab as a separator, ruamel refuses it
        "a: |#x\n  b\n",  # libyaml reads '#x' as a comment, ruamel refuses it
        "*a: 1\n",  # the alias is named 'a:' for ruamel, 'a' for libyaml
        "a: !!!int 5\n",  # a tag ruamel reads differently
        "!x &a 5\n",  # ruamel starts the node at the anchor, libyaml at the tag
        "%YAML 1.2\n---\na: 1\n",  # a directive
        "a: [1, 2\n",  # a syntax error: FT001 carries ruamel's message and position
        "a: caf\u00e9\u2028b\n",  # a YAML 1.1 line break
        "a: \ud800\n",  # a lone surrogate has no UTF-8 form
        "[" * 300 + "]" * 300,  # a refusal
    ],
)
def test_c_parser_hands_over_where_the_two_differ(text: str) -> None:
    assert not c_path_taken(text)
    assert_same_both_ways(text)


def test_c_parser_marks_count_characters_not_bytes() -> None:
    text = "é: [ü, 😀]\n日本: {k: 'ß'}\n"
    assert c_path_taken(text)
    doc, diags = load(text, "yaml")
    assert diags == []
    assert pos(doc.root.get("é").items[1]) == (1, 8, 1, 9)  # columns count characters, not bytes
    k = doc.root.get("日本").get("k")
    assert (k.span.start, k.span.end, pos(k)) == (text.index("'ß'"), text.index("'ß'") + 3, (2, 9, 2, 12))
    check_spans(doc)


def test_yaml_loads_without_the_c_parser() -> None:
    """A machine without ruamel.yaml.clib (or .clibz) loads YAML with the pure parser."""

    code = (
        "import sys\n"
        "sys.modules['_ruamel_yaml'] = sys.modules['_ruamel_yaml_clibz'] = None  # as if not installed\n"
        "from ftspec.compiler import source, yaml_loader\n"
        "from ftspec.compiler.diagnostics import Collector\n"
        "c = Collector('a.yaml')\n"
        "doc = source.load_text('a: [1, yes]\\nb: &x é\\nc: *x\\n', 'a.yaml', c)\n"
        "print(yaml_loader._c_parser(), doc.root.get('a').items[1].value, [d.code for d in c.diagnostics])\n"
    )
    out = _fresh_python(code)
    assert out.stdout.split() == ["None", "yes", "['FT014',", "'FT006']"]


def test_pure_fallback_gives_the_pinned_results() -> None:
    with pure_yaml():
        doc, diags = load(YAML_DOC, "yaml")
        assert diags == [] and pos(doc.root) == (2, 1, 17, 7)
        doc, diags = load("a: 1\nb: c: d\n", "yaml")
        assert where(diags[0]) == ("FT001", 2, 5, 2, 6)
