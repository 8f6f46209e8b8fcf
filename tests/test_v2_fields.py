"""The v2 study keys, and the keys of its structured values (search specs, phases, ...), have one definition (`ftspec/schema/v2_fields.py`): the schema, the front-end,
the IR, the walker, the migrator and the docs table all follow it, and adding a key is one entry there."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

from ftspec.compiler.walk import BARE_MARKERS
from ftspec.ir import Study
from ftspec.migrate.engine import _GAP_FIELDS
from ftspec.schema.generate import v2_schema
from ftspec.schema.v2_fields import REGENERATE, V2_FIELDS, V2_KEYS, docs_path, with_generated_tables

ROOT = Path(__file__).resolve().parents[1]


def test_docs_table_is_generated_from_the_definition() -> None:
    text = docs_path().read_text(encoding="utf-8")
    assert text == with_generated_tables(text), f"docs/v2-syntax.md's generated tables are out of date: run `{REGENERATE}`"


def test_schema_properties_are_the_defined_keys_in_order() -> None:
    assert list(v2_schema()["properties"]) == [*V2_KEYS, "_comment"]


def test_required_keys_are_the_defined_required_ones() -> None:
    assert v2_schema()["required"] == ["version", "metric"]


def test_carried_keys_are_ir_attributes_with_their_v2_default() -> None:
    fields = {f.name: f for f in dataclasses.fields(Study)}
    carried = [f.name for f in V2_FIELDS if f.carried]
    assert carried == ["timeout_seconds", "trial_timeout_seconds", "n_jobs", "seed", "approach", "eval_mode"]
    assert all(name in fields for name in carried)


def test_walker_and_migrator_read_their_flags() -> None:
    assert set(BARE_MARKERS) == {
        "version", "model_params", "train_params", "n_trials", "sampler", "sample", "approach", "eval_mode",
        "pruner", "phases", "metric", "direction", "seed", "n_jobs", "storage", "study_name", "resume",
        "force_params", "timeout", "timeout_seconds", "engine", "cv_mode", "param_strategy", "inner_cv",
        "outer_cv", "use_full_train_for_final", "tuner", "training_params", "nb_trials",
    }
    assert _GAP_FIELDS == ("n_trials", "timeout_seconds", "n_jobs", "seed", "approach", "eval_mode", "validation")


# One new key, written once in a copy of the package: `max_memory_mb`, an optional positive int carried
# into the IR, a bare-file marker and a legacy gap field.
NEW_FIELD = '''    V2Field(
        "max_memory_mb", "int", minimum=1, nullable=True, default=None, carried=True, bare_marker=True,
        legacy_gap=True, description="Memory limit of a trial in MiB (null: none).",
        meaning="memory limit of a trial in MiB",
    ),
'''
ANCHOR = '    V2Field(\n        "n_jobs",'

PROBE = r'''
import json, sys
import jsonschema
import ftspec
from ftspec.compiler.compile import compile_text
from ftspec.compiler.walk import find_blocks
from ftspec.compiler.source import load_text
from ftspec.compiler.diagnostics import Collector
from ftspec.migrate.engine import _GAP_FIELDS
from ftspec.schema.generate import v2_schema, ir_schema
from ftspec.schema.ir_model import load_ir
from ftspec.schema.v2_fields import main, render_study_fields

schema = v2_schema()
validator = jsonschema.Draft7Validator(schema)
block = {"version": 2, "metric": "rmse"}

def compiled(extra):
    result = compile_text(json.dumps({"finetune_params": {**block, **extra}}), "b.json", "json")
    return [(d.code, d.pointer) for d in result.diagnostics], [s.to_dict() if hasattr(s, "to_dict") else s for s in result.ir.studies]

from ftspec.ir import ir_to_dict
def ir_of(extra):
    result = compile_text(json.dumps({"finetune_params": {**block, **extra}}), "b.json", "json")
    doc = ir_to_dict(result.ir)
    load_ir(doc)  # the IR's pydantic model (and schema) accept it
    return [(d.code, d.pointer) for d in result.diagnostics], doc["studies"][0]

given, given_ir = ir_of({"max_memory_mb": 512})
absent, absent_ir = ir_of({})
bad, bad_ir = ir_of({"max_memory_mb": 0})
collector = Collector("bare.json")
bare = find_blocks(load_text(json.dumps({"max_memory_mb": 512}), "bare.json", collector, "json").root)
stale = main(["--check"])
main([])
print(json.dumps({
    "package": ftspec.__file__,
    "schema_property": schema["properties"].get("max_memory_mb"),
    "schema_accepts": validator.is_valid({**block, "max_memory_mb": 512}),
    "schema_rejects_zero": not validator.is_valid({**block, "max_memory_mb": 0}),
    "ir_schema_property": "max_memory_mb" in ir_schema()["$defs"]["Study"]["properties"],
    "given": [given, given_ir["max_memory_mb"]],
    "absent": [absent, absent_ir["max_memory_mb"]],
    "bad": [bad, bad_ir["max_memory_mb"]],
    "bare_blocks": [b.kind for b in bare],
    "gap": "max_memory_mb" in _GAP_FIELDS,
    "docs_stale_before": stale,
    "docs_check_after": main(["--check"]),
    "docs_row": [line for line in render_study_fields().splitlines() if "max_memory_mb" in line],
}))
'''


def _run_in_a_copy(tmp_path: Path, anchor: str, addition: str, probe: str) -> dict:
    """Copy the package (and the docs it regenerates) to `tmp_path`, insert `addition` before `anchor`
    in its schema/v2_fields.py, run `probe` there in a fresh interpreter and return what it printed."""
    package = tmp_path / "ftspec"
    shutil.copytree(ROOT / "ftspec", package, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "v2-syntax.md", tmp_path / "docs" / "v2-syntax.md")
    fields = package / "schema" / "v2_fields.py"
    text = fields.read_text(encoding="utf-8")
    assert text.count(anchor) == 1
    fields.write_text(text.replace(anchor, addition + anchor), encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    out: dict = json.loads(run.stdout)
    assert out["package"] == str(package / "__init__.py")
    return out


def test_adding_a_v2_key_is_one_definition(tmp_path: Path) -> None:
    out = _run_in_a_copy(tmp_path, ANCHOR, NEW_FIELD, PROBE)
    assert out["schema_property"] == {
        "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
        "default": None,
        "description": "Memory limit of a trial in MiB (null: none).",
        "title": "Max Memory Mb",
    }
    assert out["schema_accepts"] and out["schema_rejects_zero"]
    assert out["ir_schema_property"]
    assert out["given"] == [[], 512]  # no FT102 unknown-key, nor anything else; the IR carries the value
    assert out["absent"] == [[], None]  # the default
    assert out["bad"] == [[["FT111", "/finetune_params/max_memory_mb"]], None]  # located wrong-type, then the default
    assert out["bare_blocks"] == ["bare"]
    assert out["gap"]
    assert out["docs_stale_before"] == 1 and out["docs_check_after"] == 0
    assert out["docs_row"] == ["| `max_memory_mb` | int >= 1 or null | null | memory limit of a trial in MiB |"]
    assert "| `max_memory_mb` |" in (tmp_path / "docs" / "v2-syntax.md").read_text(encoding="utf-8")


def test_structured_values_have_the_keys_of_their_tables() -> None:
    """Schema properties and the front-end's allowed keys of every structured value are its field table's."""
    from ftspec.compiler.rules.space import LENGTH_RANGE_KEYS, V2_ELEMENT_KEYS, V2_SPEC_KEYS
    from ftspec.schema import v2_fields as table

    defs = v2_schema()["definitions"]
    annotated = ["_comment"]  # search specs may carry an annotation
    expected = {
        "IntSpec": [*table.names(table.INT_SPEC_FIELDS), *annotated],
        "FloatSpec": [*table.names(table.FLOAT_SPEC_FIELDS), *annotated],
        "CategoricalSpec": [*table.names(table.CATEGORICAL_SPEC_FIELDS), *annotated],
        "SortedTupleSpec": [*table.names(table.SORTED_TUPLE_SPEC_FIELDS), *annotated],
        "IntElement": list(table.names(table.INT_ELEMENT_FIELDS)),
        "FloatElement": list(table.names(table.FLOAT_ELEMENT_FIELDS)),
        "LengthRange": list(table.names(table.LENGTH_RANGE_FIELDS)),
        "Phase": list(table.names(table.PHASE_FIELDS)),
        "ForcedTrial": list(table.names(table.FORCED_TRIAL_FIELDS)),
        "Select": list(table.names(table.SELECT_FIELDS)),
        "Tracking": list(table.names(table.TRACKING_FIELDS)),
        "MlflowTracking": list(table.names(table.MLFLOW_FIELDS)),
    }
    assert {name: list(defs[name]["properties"]) for name in expected} == expected
    assert V2_SPEC_KEYS == {kind: table.names(fields) for kind, fields in table.SPEC_FIELDS.items()}
    assert V2_SPEC_KEYS["int"] == ("type", "low", "high", "step", "log", "when", "when_not")
    assert V2_ELEMENT_KEYS == {"int": ("type", "low", "high", "step", "log"), "float": ("type", "low", "high", "step", "log")}
    assert LENGTH_RANGE_KEYS == ("low", "high")


# One new key of the float spec, written once in a copy of the package: `quantile_step`, an optional positive number.
NEW_SPEC_FIELD = '''    V2Field("quantile_step", "number", exclusive_minimum=0, nullable=True, default=None, description="A new key."),
'''
SPEC_ANCHOR = '    V2Field("log", "bool", default=False, description="Sample on a log scale (needs `low > 0` and no step)."),\n'

SPEC_PROBE = r'''
import json
import jsonschema
import ftspec
from ftspec.compiler.compile import compile_text
from ftspec.schema.generate import v2_schema
from ftspec.schema.v2_fields import main, render_spec_forms

schema = v2_schema()
validator = jsonschema.Draft7Validator(schema)
spec = {"type": "float", "low": 0.0, "high": 1.0, "quantile_step": 0.5}

def findings(value):
    block = {"version": 2, "metric": "rmse", "model_params": {"alpha": value}}
    result = compile_text(json.dumps({"finetune_params": block}), "b.json", "json")
    return [(d.code, d.pointer) for d in result.diagnostics]

stale = main(["--check"])
main([])
print(json.dumps({
    "package": ftspec.__file__,
    "schema_property": schema["definitions"]["FloatSpec"]["properties"].get("quantile_step"),
    "schema_accepts": validator.is_valid({"version": 2, "metric": "rmse", "model_params": {"alpha": spec}}),
    "schema_rejects_int_spec": validator.is_valid({"version": 2, "metric": "rmse", "model_params": {"alpha": {**spec, "type": "int", "low": 0, "high": 1}}}),
    "findings": findings(spec),
    "findings_int_spec": findings({**spec, "type": "int", "low": 0, "high": 1}),
    "docs_stale_before": stale,
    "docs_check_after": main(["--check"]),
    "docs_row": [line for line in render_spec_forms().splitlines() if "quantile_step" in line],
}))
'''


def test_adding_a_search_spec_key_is_one_definition(tmp_path: Path) -> None:
    out = _run_in_a_copy(tmp_path, SPEC_ANCHOR, NEW_SPEC_FIELD, SPEC_PROBE)
    assert out["schema_property"] == {
        "anyOf": [{"exclusiveMinimum": 0, "type": "number"}, {"type": "null"}],
        "default": None,
        "description": "A new key.",
        "title": "Quantile Step",
    }
    assert out["schema_accepts"] and not out["schema_rejects_int_spec"]  # a float spec's key, not an int spec's
    assert out["findings"] == []  # no FT102 unknown-key
    assert out["findings_int_spec"] == [["FT102", "/finetune_params/model_params/alpha/quantile_step"]]
    assert out["docs_stale_before"] == 1 and out["docs_check_after"] == 0
    assert out["docs_row"] and out["docs_row"][0].startswith(
        "| `{type: float, low, high, step: null, quantile_step: null, log: false}` |"
    )
    assert "quantile_step: null" in (tmp_path / "docs" / "v2-syntax.md").read_text(encoding="utf-8")
