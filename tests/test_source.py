"""Loading JSON and YAML with source positions: spans, pointers and the FT0xx findings."""

from __future__ import annotations

import io
import json
import math
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from ftspec.compiler.diagnostics import Collector\n"
        "from ftspec.compiler.source import load_text\n"
        "load_text('{\"a\": 1}', 'a.json', Collector('a.json'))\n"
        "print(sorted(m for m in sys.modules if m.startswith('ruamel')))\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
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
    import ftspec.compiler.source as source

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


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghij"
    for prev, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(lines) + "\n"
    started = time.perf_counter()
    doc, diags = load(text, "yaml")
    elapsed = time.perf_counter() - started
    assert doc.root is None
    assert codes(diags)[-1] == "FT007"
    assert "aliases expand to more than" in diags[-1].message
    assert elapsed < 1.0


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
        ("y", "y", "a string", "a boolean"),
        ("N", "N", "a string", "a boolean"),
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
