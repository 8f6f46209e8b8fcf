"""Property-based tests of the compiler (hypothesis).

- Arbitrary JSON values, arbitrary YAML-ish text and arbitrary bytes given to the compiler never
  raise: bad input only ever becomes findings, and the IR can always be written (`dump_ir`, UTF-8).
- Compilation is deterministic: the same input gives the identical IR text and findings.
- Generated legacy `finetune_params` blocks (random control keys, and model/train params mixing
  every legacy spec form) compile, and every space entry satisfies its invariants: int bounds and
  steps are integers with step >= 1, float steps are null or positive, categoricals have choices,
  sorted tuples have 0 <= length_low <= length_high and a valid element range, names are unique
  per target, `"__".join(path) == name`, and each entry's source pointer resolves inside its block
  to a node written at the entry's line and column.
- IR -> JSON -> IR is the identity through `ftspec.schema.ir_model.load_ir`.

Inputs that once made the compiler raise, hang or emit an invalid IR are kept as `REGRESSIONS`
(each with the finding it must now produce). The "never raises" properties tolerate no
exception: a bug they find fails the suite until it is fixed.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftspec.compiler.compile import CompileResult, compile_path, compile_text
from ftspec.compiler.diagnostics import RULES
from ftspec.compiler.nodes import Mapping, Node, Sequence
from ftspec.compiler.rules import all_rules
from ftspec.ir import IR_VERSION, CategoricalParam, FloatParam, IntParam, SortedTupleParam, dump_ir
from tests.timelimit import time_limit
from tests.strategies import examples, json_documents, legacy_blocks, legacy_document, yaml_bytes, yaml_texts

all_rules()

SETTINGS = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- checking one input






def resolve(root: Node | None, pointer: str) -> Node | None:
    """The located node at an RFC 6901 pointer (last value for duplicate keys), or None."""
    node = root
    if pointer == "":
        return node
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping):
            node = node.get(token)
        elif isinstance(node, Sequence) and token.isdigit() and int(token) < len(node.items):
            node = node.items[int(token)]
        else:
            return None
    return node


def check_result(result: CompileResult) -> str:
    """Invariants of any compile result; returns the IR text."""
    text = dump_ir(result.ir)
    text.encode("utf-8")  # ftcompile writes the IR as UTF-8
    assert json.loads(text)["ir_version"] == IR_VERSION
    for diag in result.diagnostics:
        rule = RULES[diag.code]
        assert diag.severity == rule.severity
        assert diag.line >= 1 and diag.column >= 1
        assert (diag.end_line, diag.end_column) >= (diag.line, diag.column)
        assert diag.pointer == "" or diag.pointer.startswith("/")
        assert diag.message
    assert result.diagnostics == sorted(result.diagnostics, key=lambda d: d.sort_key())
    root = result.document.root if result.document is not None else None
    for study in result.ir.studies:
        check_study(study, root)
    return text


def check_study(study: Any, root: Node | None) -> None:
    names = [(e.target, e.name) for e in study.space]
    assert len(names) == len(set(names)), f"parameter names not unique per target: {names}"
    block = study.source.pointer
    for entry in study.space:
        assert entry.target in ("model", "train")
        assert entry.path and all(isinstance(p, str) for p in entry.path)
        assert "__".join(entry.path) == entry.name, (entry.name, entry.path)
        if isinstance(entry, IntParam):
            assert type(entry.low) is int and type(entry.high) is int, entry
            assert type(entry.step) is int and entry.step >= 1, entry
            assert isinstance(entry.log, bool)
        elif isinstance(entry, FloatParam):
            assert type(entry.low) is float and type(entry.high) is float, entry
            assert entry.step is None or (type(entry.step) is float and entry.step > 0), entry
            assert isinstance(entry.log, bool)
        elif isinstance(entry, CategoricalParam):
            assert isinstance(entry.choices, list) and entry.choices, entry
        else:
            assert isinstance(entry, SortedTupleParam)
            assert isinstance(entry.length_low, int) and isinstance(entry.length_high, int), entry
            assert 0 <= entry.length_low <= entry.length_high, entry
            element = entry.element
            assert element.kind in ("int", "float") and isinstance(element.log, bool), entry
            if element.kind == "int":
                assert element.step is not None and element.step >= 1, entry
            else:
                assert element.step is None or element.step > 0, entry
        pointer = entry.source.pointer
        assert pointer.startswith(block + "/"), f"{pointer} is not inside the block {block}"
        node = resolve(root, pointer)
        assert node is not None, f"{pointer} does not resolve in the document"
        assert (node.span.line, node.span.column) == (entry.source.line, entry.source.column), pointer


def compile_and_check(text: str, fmt: str) -> tuple[str, list[dict[str, Any]]]:
    with time_limit(20):
        result = compile_text(text, f"input.{fmt}", fmt)
        ir_text = check_result(result)
    return ir_text, [d.to_dict() for d in result.diagnostics]


def checked(text: str, fmt: str) -> tuple[str, list[dict[str, Any]]]:
    """compile_and_check: any exception fails the property (no open bug is tolerated)."""
    return compile_and_check(text, fmt)


def never_raises(text: str, fmt: str) -> None:
    """Compile twice: no exception, identical output."""
    first = checked(text, fmt)
    assert checked(text, fmt) == first, "compilation is not deterministic"


# --------------------------------------------------------------------------- arbitrary JSON


@SETTINGS
@given(json_documents, st.sampled_from([None, 2]))
def test_arbitrary_json_never_raises(value: Any, indent: int | None) -> None:
    never_raises(json.dumps(value, indent=indent, ensure_ascii=False), "json")


# --------------------------------------------------------------------------- arbitrary YAML text and bytes


@SETTINGS
@given(yaml_texts)
def test_arbitrary_yaml_text_never_raises(text: str) -> None:
    never_raises(text, "yaml")


@SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_unicode_text_never_raises(text: str) -> None:
    never_raises(text, "yaml")
    never_raises(text, "json")


@SETTINGS
@given(yaml_bytes, st.sampled_from([".yaml", ".json", ".yml"]))
def test_arbitrary_bytes_never_raise(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input" + suffix)
        with open(path, "wb") as handle:
            handle.write(data)
        outputs = []
        for _ in range(2):
            with time_limit(20):
                result = compile_path(path)
                outputs.append((check_result(result), [d.to_dict() for d in result.diagnostics]))
        assert outputs[0] == outputs[1], "compilation is not deterministic"
        if result.unreadable:
            assert result.ir.studies == []


# --------------------------------------------------------------------------- legacy blocks


@SETTINGS
@given(legacy_blocks(), st.sampled_from(["sklearn.linear_model.Ridge", "sklearn.svm.SVC"]), st.sampled_from([None, 1]))
def test_legacy_blocks_compile_to_valid_entries(drawn: tuple[dict[str, Any], str], model_class: str, indent: int | None) -> None:
    block, kind = drawn
    text = json.dumps(legacy_document(block, kind, model_class), indent=indent)
    ir_text, _ = checked(text, "json")
    assert checked(text, "json")[0] == ir_text
    studies = json.loads(ir_text)["studies"]
    if not block:
        assert studies == [], "an empty block means no tuning (FT113), hence no study"
        return
    assert len(studies) == 1
    expected_block = "/pipeline/1/model/params/finetune_space" if kind == "finetune_space" else "/pipeline/1/finetune_params"
    assert studies[0]["source"]["pointer"] == expected_block
    assert all(entry["condition"] is None for entry in studies[0]["space"]), "legacy when/when_not are ignored"


@SETTINGS
@given(legacy_blocks(), st.sampled_from(["sklearn.linear_model.Ridge", "sklearn.svm.SVC"]))
def test_legacy_blocks_yaml_and_json_agree(drawn: tuple[dict[str, Any], str], model_class: str) -> None:
    """The same document written as JSON or as YAML (JSON is YAML) compiles to the same studies."""
    block, kind = drawn
    document = legacy_document(block, kind, model_class)
    checked(json.dumps(document), "json")
    as_json = compile_text(json.dumps(document), "input.json", "json")
    as_yaml = compile_text(json.dumps(document), "input.json", "yaml")
    strip = lambda ir: [{k: v for k, v in s.items() if k != "source"} for s in json.loads(dump_ir(ir))["studies"]]  # noqa: E731
    if any(d.code == "FT014" for d in as_yaml.diagnostics):
        return  # a string YAML 1.2 reads differently (cannot happen in JSON-quoted text, kept as a guard)
    assert strip(as_json.ir) == strip(as_yaml.ir)
    assert [(d.code, d.pointer) for d in as_json.diagnostics] == [(d.code, d.pointer) for d in as_yaml.diagnostics]


@SETTINGS
@given(legacy_blocks(), st.sampled_from(["sklearn.linear_model.Ridge", "sklearn.svm.SVC"]))
def test_ir_json_ir_roundtrip(drawn: tuple[dict[str, Any], str], model_class: str) -> None:
    from ftspec.schema.ir_model import load_ir
    block, kind = drawn
    text = json.dumps(legacy_document(block, kind, model_class))
    checked(text, "json")
    result = compile_text(text, "input.json", "json")
    assert load_ir(dump_ir(result.ir)) == result.ir


# --------------------------------------------------------------------------- regressions and known bugs


def _doc(block: Any, key: str = "finetune_params") -> str:
    return json.dumps({key: block})


def _meta(block: Any) -> str:
    return json.dumps({"model": {"class": "nirs4all.operators.models.MetaModel", "params": {"finetune_space": block}}})


# (id, text, format, (code, pointer) that must be reported): inputs that once made the compiler raise,
# hang or emit an invalid IR, found by these properties.
REGRESSIONS = [
    ("list-block", _doc(["n_trials", 10]), "json", ("FT101", "/finetune_params")),
    ("untyped-one-bound", _doc({"n_trials": 3, "model_params": {"a": {"low": 1}}}), "json",
     ("FT207", "/finetune_params/model_params/a")),
    ("nan-bound", '{"finetune_params": {"n_trials": 3, "model_params": {"a": ["float", NaN, 1.0]}}}', "json",
     ("FT003", "/finetune_params/model_params/a/1")),
    ("yaml-inf-bound", "finetune_params:\n  n_trials: 3\n  model_params:\n    a: {type: float, low: -.inf, high: 1}\n", "yaml",
     ("FT003", "/finetune_params/model_params/a/low")),
    ("huge-int-float-bound", _doc({"n_trials": 3, "model_params": {"a": ["float", 10**400, 1]}}), "json",
     ("FT213", "/finetune_params/model_params/a/1")),
    ("huge-int-v2-timeout", _doc({"version": 2, "metric": "rmse", "timeout_seconds": 10**400}), "json",
     ("FT111", "/finetune_params/timeout_seconds")),
    ("huge-int-legacy-timeout", _doc({"n_trials": 3, "timeout": 10**400}), "json", ("FT111", "/finetune_params/timeout")),
    ("lone-surrogate", '{"finetune_params": {"n_trials": 3, "model_params": {"a": "\\ud800", "b": [1, 2, 3]}}}', "json", None),
    ("v2-duplicate-name", _doc({"version": 2, "metric": "rmse", "model_params": {
        "a__b": {"type": "int", "low": 1, "high": 3}, "a": {"b": {"type": "int", "low": 1, "high": 3}}}}), "json",
     ("FT222", "/finetune_params/model_params/a/b")),
    ("meta-duplicate-name", _meta({"n_trials": 3, "model__alpha": [1, 2, 3], "model": {"alpha": [4, 5, 6]}}), "json",
     ("FT222", "/model/params/finetune_space/model/alpha")),
    ("legacy-empty-segment-name", _doc({"n_trials": 3, "model_params": {"a____b": [1, 2, 3], "a": {"": {"b": [4, 5]}}}}),
     "json", ("FT222", "/finetune_params/model_params/a//b")),
    ("sorted-length-reversed", _doc({"n_trials": 3, "model_params": {"s": {"type": "sorted_tuple", "length": {"min": 5, "max": 2}}}}),
     "json", ("FT404", "/finetune_params/model_params/s/length")),
    ("sorted-length-zero-min", _doc({"n_trials": 3, "model_params": {"s": {"type": "sorted_tuple", "length": {"min": 0, "max": 1}}}}),
     "json", ("FT218", "/finetune_params/model_params/s/length/min")),
    ("sorted-length-negative", _doc({"n_trials": 3, "model_params": {"s": {"type": "sorted_tuple", "length": -3}}}), "json",
     ("FT213", "/finetune_params/model_params/s/length")),
    ("sorted-int-step-zero", _doc({"n_trials": 3, "model_params": {"s": {"type": "sorted_tuple", "length": 2, "element_type": "int", "step": 0}}}),
     "json", ("FT213", "/finetune_params/model_params/s/step")),
    ("sorted-float-step-negative", _doc({"n_trials": 3, "model_params": {"s": {"type": "sorted_tuple", "length": 2, "step": -0.5}}}),
     "json", ("FT213", "/finetune_params/model_params/s/step")),
    ("sorted-bool-bound", _doc({"n_trials": 3, "model_params": {"s": {"type": "sorted_tuple", "low": True, "step": 0.5}}}),
     "json", None),
    ("sorted-huge-length", _doc({"n_trials": 3, "sampler": "random", "model_params": {"s": {
        "type": "sorted_tuple", "length": [1, 1000000], "element_type": "int", "low": 1, "high": 100}}}), "json", None),
    ("many-parameters", _doc({"n_trials": 3, "model_params": {f"p{i}": i for i in range(3000)}}), "json", None),
]


@pytest.mark.parametrize(("text", "fmt", "expected"), [pytest.param(t, f, e, id=n) for n, t, f, e in REGRESSIONS])
def test_regression(text: str, fmt: str, expected: tuple[str, str] | None) -> None:
    with time_limit(10):
        result = compile_text(text, f"input.{fmt}", fmt)
        check_result(result)
    if expected is not None:
        assert expected in [(d.code, d.pointer) for d in result.diagnostics]


def test_legacy_sorted_tuple_log_string_is_reported() -> None:
    """`log: "no"` must not silently become log=True (bool("no")): it needs a finding at the key."""
    text = _doc({"n_trials": 3, "model_params": {"s": {"type": "sorted_tuple", "length": 2, "low": 1, "high": 2, "log": "no"}}})
    result = compile_text(text, "input.json", "json")
    entries = result.ir.studies[0].space
    if entries and entries[0].element.log is True:
        assert any(d.pointer.endswith("/s/log") for d in result.diagnostics), (
            "log: 'no' was read as log: true without a finding at /model_params/s/log"
        )


def test_tiny_float_step_does_not_crash() -> None:
    """(high - low) / step beyond Decimal's 28 digits: Optuna's arithmetic fails there; ftspec must not."""
    text = _doc({"version": 2, "metric": "rmse", "model_params": {"a": {"type": "float", "low": 0, "high": 1, "step": 1e-30}}})
    with time_limit(10):
        result = compile_text(text, "input.json", "json")
        check_result(result)
    assert result.ir.studies[0].space[0].high == 1.0
