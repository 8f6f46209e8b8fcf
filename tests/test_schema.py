"""The v2 pydantic model, the generated JSON Schemas and the IR model.

- the checked-in schema files are the generated ones (regenerate: `python -m ftspec.schema.generate`);
- each schema is valid under its metaschema and uses only draft-07 keywords (editor schemas);
- hand-written positive/negative v2 blocks are judged the same by pydantic and the JSON Schema;
- property: on generated valid and slightly-invalid blocks, `FinetuneParamsV2.model_validate`
  accepts exactly what `Draft7Validator` accepts. The generator keeps to JSON values (no NaN or
  infinity, which JSON cannot write; integers within +-1e12, so that a float field never meets an
  integer too large for a float) and writes categorical `choices` from scalars and mappings, never
  lists of lists: jsonschema's `uniqueItems` check sorts sortable items and then compares only
  neighbours, which misses `[[1], [true], [1]]` (a jsonschema quirk, not a schema question);
- the IR round trip `load_ir(dump_ir(doc)) == doc`, and the IR schema validates the dumped IR.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from jsonschema import Draft7Validator, Draft202012Validator
from pydantic import ValidationError

from ftspec.ir import (
    Objective,
    Select,
    IR_VERSION,
    CategoricalParam,
    ComponentSpec,
    Condition,
    ElementSpec,
    FailurePolicy,
    Fixed,
    FloatParam,
    ForcedTrial,
    IntParam,
    IRDocument,
    Location,
    Phase,
    PipelineContext,
    SortedTupleParam,
    Storage,
    Study,
    StepSpec,
    StudySource,
    UnsupportedStep,
    Validation,
    dump_ir,
    ir_to_dict,
)
from ftspec.schema import generate
from ftspec.schema.ir_model import ir_json_schema, load_ir
from ftspec.schema.metrics import METRICS
from ftspec.schema.v2 import FinetuneParamsV2, FloatSpec, IntSpec, json_equal
from ftspec.schema.vocab import APPROACHES, DIRECTIONS, EVAL_MODES, PRUNERS, SAMPLERS
from tests.strategies import documents

SCHEMA_DIR = generate.SCHEMA_DIR


def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


V2_SCHEMA = _load(generate.V2_FILE)
PIPELINE_SCHEMA = _load(generate.PIPELINE_FILE)
IR_SCHEMA = _load(generate.IR_FILE)
V2 = Draft7Validator(V2_SCHEMA)
PIPELINE = Draft7Validator(PIPELINE_SCHEMA)
IR = Draft202012Validator(IR_SCHEMA)


def pydantic_ok(doc: Any) -> bool:
    try:
        FinetuneParamsV2.model_validate(doc)
    except ValidationError:
        return False
    return True


def schema_errors(doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in V2.iter_errors(doc)]


# ---------------------------------------------------------------------------------------------
# Checked-in files, metaschemas, editor conventions
# ---------------------------------------------------------------------------------------------


def test_checked_in_schemas_are_up_to_date() -> None:
    stale = generate.stale_files()
    assert not stale, f"{generate.OUT_OF_DATE} (stale: {', '.join(stale)})"


def test_check_mode_reports_a_stale_file(tmp_path, capsys) -> None:
    for name, text in generate.build_all().items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="\n")
    assert generate.main(["--check", "--dir", str(tmp_path)]) == 0
    (tmp_path / generate.V2_FILE).write_text("{}\n", encoding="utf-8")
    assert generate.main(["--check", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "JSON schema is out of date: run `python -m ftspec.schema.generate`" in err
    assert generate.V2_FILE in err
    assert generate.main(["--dir", str(tmp_path)]) == 0
    assert generate.main(["--check", "--dir", str(tmp_path)]) == 0


def test_generation_is_deterministic() -> None:
    assert generate.build_all() == generate.build_all()
    for name, text in generate.build_all().items():
        assert text.endswith("}\n") and "\n  \"" in text, name


@pytest.mark.parametrize(
    ("schema", "validator"),
    [(V2_SCHEMA, Draft7Validator), (PIPELINE_SCHEMA, Draft7Validator), (IR_SCHEMA, Draft202012Validator)],
    ids=["v2", "pipeline", "ir"],
)
def test_schemas_are_valid_under_their_metaschema(schema: dict[str, Any], validator: Any) -> None:
    assert schema["$schema"] == validator.META_SCHEMA["$schema"]
    assert schema["$id"].startswith("https://ftspec.dev/schemas/")
    validator.check_schema(schema)


@pytest.mark.parametrize("schema", [V2_SCHEMA, PIPELINE_SCHEMA], ids=["v2", "pipeline"])
def test_editor_schemas_use_only_draft07_keywords(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    text = json.dumps(schema)
    for keyword in ("$defs", "prefixItems", "discriminator", "unevaluatedProperties", "$dynamicRef"):
        assert f'"{keyword}"' not in text, keyword
    for sub in generate._walk_schemas(schema):
        assert set(sub) <= generate.DRAFT07_KEYWORDS, set(sub) - generate.DRAFT07_KEYWORDS
        if "$ref" in sub:  # draft-07 ignores siblings of $ref
            assert set(sub) == {"$ref"}, sub
            assert sub["$ref"].startswith("#/definitions/")
            assert sub["$ref"].split("/")[-1] in schema["definitions"]


def test_v2_schema_documents_everything() -> None:
    assert V2_SCHEMA["additionalProperties"] is False
    assert V2_SCHEMA["required"] == ["version", "metric"]
    models = {"root": V2_SCHEMA, **V2_SCHEMA["definitions"]}
    for name, definition in models.items():
        assert definition.get("description"), name
        assert definition.get("title"), name
        if "properties" in definition:  # closed objects, or maps of parameter values
            assert definition["additionalProperties"] in (False, {"$ref": "#/definitions/ParamValue"}), name
            for prop, sub in definition["properties"].items():
                assert sub.get("description"), f"{name}.{prop}"


def _consts(schema: dict[str, Any]) -> dict[str, str]:
    return {alt["const"]: alt["description"] for alt in schema["oneOf"]}


def test_enums_come_from_the_registries() -> None:
    props = V2_SCHEMA["properties"]
    one_metric, metric_list = props["metric"]["anyOf"]
    assert list(_consts(one_metric)) == list(METRICS) == list(_consts(metric_list["items"]))
    assert (metric_list["minItems"], metric_list["uniqueItems"]) == (1, True)
    one_direction, direction_list = props["direction"]["anyOf"]
    assert _consts(one_direction) == DIRECTIONS == _consts(direction_list["items"])
    assert _consts(props["approach"]) == APPROACHES
    assert _consts(props["eval_mode"]) == {name: spec.description for name, spec in EVAL_MODES.items() if spec.v2}
    defs = V2_SCHEMA["definitions"]
    sampler_alts = defs["SamplerSpec"]["oneOf"]
    assert list(_consts(sampler_alts[0])) == list(SAMPLERS)
    assert [alt["$ref"].split("/")[-1] for alt in sampler_alts[1:]] == [
        "".join(p.capitalize() for p in k.split("_")) + "Sampler" for k in SAMPLERS
    ]
    pruner_names = _consts(defs["PrunerSpec"]["oneOf"][0])
    assert list(pruner_names) == [k for k, s in PRUNERS.items() if not any(o.required for o in s.options.values())]
    assert "percentile" not in pruner_names and "patient" not in pruner_names


@pytest.mark.parametrize(
    ("family", "kinds"), [("Sampler", SAMPLERS), ("Pruner", PRUNERS)], ids=["samplers", "pruners"]
)
def test_option_models_follow_vocab(family: str, kinds: dict[str, Any]) -> None:
    defs = V2_SCHEMA["definitions"]
    for kind, spec in kinds.items():
        camel = "".join(p.capitalize() for p in kind.split("_"))
        component = defs[f"{camel}{family}"]
        assert component["properties"]["kind"]["const"] == kind
        options = defs[f"{camel}{family}Options"]
        assert list(options["properties"]) == list(spec.options)
        required = [n for n, o in spec.options.items() if o.required]
        assert options.get("required", []) == required
        assert ("options" in component["required"]) == bool(required)
        for name, opt in spec.options.items():
            prop = options["properties"][name]
            assert prop["description"] == opt.description
            if opt.required:
                assert "default" not in prop
            else:
                assert prop["default"] == opt.default


# ---------------------------------------------------------------------------------------------
# Hand-written examples
# ---------------------------------------------------------------------------------------------

MINIMAL = {"version": 2, "metric": "rmse"}

VALID_BLOCKS: dict[str, dict[str, Any]] = {
    "minimal": MINIMAL,
    "tagged lists": {
        **MINIMAL,
        "model_params": {"n": ["int", 1, 30], "m": ["int_log", 1.0, 64], "x": ["float", 0, 0.5], "g": {"lr": ["float_log", 1e-5, 0.01]}},
    },
    "doc example": V2_SCHEMA["examples"][0],
    "every field": {
        "version": 2,
        "n_trials": 40,
        "timeout_seconds": 3600,
        "n_jobs": 2,
        "seed": 0,
        "approach": "grouped",
        "eval_mode": "robust_best",
        "metric": "accuracy",
        "direction": "maximize",
        "sampler": "qmc",
        "pruner": {"kind": "patient", "options": {"patience": 3, "wrapped": {"kind": "percentile", "options": {"percentile": 25.0}}}},
        "validation": {"holdout_fraction": 0.25, "seed": None},
        "storage": "sqlite:///study.db",
        "study_name": "pls",
        "resume": True,
        "failure_policy": {"max_consecutive_failures": 3, "max_failure_ratio": 0.5},
        "force_params": [{"model_params": {"n_components": 5, "scaler__with_mean": True}}],
        "phases": [{"n_trials": 10, "sampler": "random"}, {"n_trials": 30, "sampler": {"kind": "tpe", "options": {"multivariate": False}}}],
        "model_params": {
            "kernel": {"type": "categorical", "choices": ["rbf", "poly", None, 1, True, {"a": 1}, [1, 2]]},
            "degree": {"type": "int", "low": 2, "high": 5, "when": {"kernel": "poly"}},
            "gamma": {"type": "float", "low": 1e-4, "high": 1, "log": True, "when_not": {"kernel": ["poly", None]}},
            "C": {"type": "float", "low": 0.5, "high": 10, "step": 0.5},
            "hidden": {"type": "sorted_tuple", "length": {"low": 1, "high": 3}, "element": {"type": "int", "low": 8, "high": 128, "step": 8}},
            "quantiles": {"type": "sorted_tuple", "length": 2, "element": {"type": "float", "low": 0, "high": 1}},
            "layers": {"fixed": [64, 32]},
            "optimizer": {"lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True}, "name": "adam", "betas": {"fixed": [0.9, 0.99]}},
            "final_estimator__alpha": 0.1,
            "random_state": None,
            "empty_group": {},
        },
        "train_params": {"epochs": {"type": "int", "low": 10, "high": 100, "step": 10}, "verbose": 0},
    },
    "integral floats are integers (JSON Schema)": {"version": 2.0, "metric": "r2", "n_trials": 10.0},
    "options at every bound": {
        **MINIMAL,
        "sampler": {"kind": "cmaes", "options": {"n_startup_trials": 0, "sigma0": 0.1, "popsize": None}},
        "pruner": {"kind": "successive_halving", "options": {"min_resource": "auto", "reduction_factor": 2}},
    },
    "hyperband with int max_resource": {**MINIMAL, "pruner": {"kind": "hyperband", "options": {"max_resource": 81}}},
    "kind object without options": {**MINIMAL, "sampler": {"kind": "gp"}, "pruner": {"kind": "none", "options": {}}},
    "wilcoxon bounds": {**MINIMAL, "pruner": {"kind": "wilcoxon", "options": {"p_threshold": 1, "n_startup_steps": 0}}},
    "nullable study fields": {**MINIMAL, "timeout_seconds": None, "seed": None, "storage": None, "study_name": None},
    "largest seeds numpy takes": {**MINIMAL, "seed": 2**32 - 1, "approach": "single", "validation": {"seed": 2**32 - 1}},
    "_comment annotations where the front-end ignores them": {
        **MINIMAL,
        "_comment": ["ftlint: ignore[FT503]", "tuned for the 2024 data"],
        "model_params": {
            "_comment": "ftlint: ignore[FT301]",
            "a": {"type": "int", "low": 1, "high": 2, "_comment": "inclusive"},
            "b": {"fixed": [1, 2], "_comment": ["x"]},
            "g": {"_comment": "a group", "c": {"type": "categorical", "choices": [1], "_comment": ""}},
        },
    },
}

INVALID_BLOCKS: dict[str, Any] = {
    "unknown key": {**MINIMAL, "n_trial": 10},
    "$schema annotation key": {**MINIMAL, "$schema": "https://ftspec.dev/schemas/finetune_params.v2.schema.json"},
    "bad enum (approach)": {**MINIMAL, "approach": "holdout"},
    "bad enum (metric alias)": {"version": 2, "metric": "rmsep"},
    "bad enum (sampler kind)": {**MINIMAL, "sampler": "optuna"},
    "bad enum (sampler object kind)": {**MINIMAL, "sampler": {"kind": "skopt"}},
    "bare list param": {**MINIMAL, "model_params": {"n_components": [1, 5, 10]}},
    "tagged list in another case": {**MINIMAL, "model_params": {"n": ["INT", 1, 30]}},
    "tagged list with a legacy alias": {**MINIMAL, "model_params": {"n": ["log_int", 1, 30]}},
    "tagged list with a step": {**MINIMAL, "model_params": {"n": ["int", 1, 30, 2]}},
    "tagged list with a fractional int bound": {**MINIMAL, "model_params": {"n": ["int_log", 1.5, 30]}},
    "tagged list with a boolean bound": {**MINIMAL, "model_params": {"x": ["float", True, 2.0]}},
    "tagged list with a string bound": {**MINIMAL, "model_params": {"x": ["float", "0.1", 2.0]}},
    "bare list in a nested group": {**MINIMAL, "model_params": {"opt": {"betas": [0.9, 0.99]}}},
    "missing version": {"metric": "rmse"},
    "version 1": {"version": 1, "metric": "rmse"},
    "version as string": {"version": "2", "metric": "rmse"},
    "version true": {"version": True, "metric": "rmse"},
    "missing metric": {"version": 2},
    "n_trials 0": {**MINIMAL, "n_trials": 0},
    "n_trials as string": {**MINIMAL, "n_trials": "50"},
    "n_trials true": {**MINIMAL, "n_trials": True},
    "n_trials non-integral": {**MINIMAL, "n_trials": 2.5},
    "timeout 0": {**MINIMAL, "timeout_seconds": 0},
    "negative seed": {**MINIMAL, "seed": -1},
    "seed 2**32 (numpy takes 0..2**32 - 1)": {**MINIMAL, "seed": 2**32},
    "validation seed 2**32": {**MINIMAL, "approach": "single", "validation": {"seed": 2**32}},
    "bad sampler option": {**MINIMAL, "sampler": {"kind": "tpe", "options": {"n_startup": 5}}},
    "wrong option type": {**MINIMAL, "sampler": {"kind": "tpe", "options": {"multivariate": "yes"}}},
    "option as bool for int": {**MINIMAL, "sampler": {"kind": "tpe", "options": {"n_startup_trials": True}}},
    "option below minimum": {**MINIMAL, "pruner": {"kind": "median", "options": {"interval_steps": 0}}},
    "option above maximum": {**MINIMAL, "pruner": {"kind": "percentile", "options": {"percentile": 101}}},
    "option not in choices": {**MINIMAL, "sampler": {"kind": "qmc", "options": {"qmc_type": "lattice"}}},
    "options of another kind": {**MINIMAL, "sampler": {"kind": "random", "options": {"n_startup_trials": 5}}},
    "pruner with required option as string": {**MINIMAL, "pruner": "percentile"},
    "pruner missing required option": {**MINIMAL, "pruner": {"kind": "patient", "options": {}}},
    "int_or_auto wrong string": {**MINIMAL, "pruner": {"kind": "hyperband", "options": {"max_resource": "max"}}},
    "holdout 1": {**MINIMAL, "validation": {"holdout_fraction": 1}},
    "validation null": {**MINIMAL, "validation": None},
    "direction null": {**MINIMAL, "direction": None},
    "storage without scheme": {**MINIMAL, "storage": "study.db"},
    "empty study_name": {**MINIMAL, "study_name": ""},
    "resume as int": {**MINIMAL, "resume": 1},
    "failure ratio 0": {**MINIMAL, "failure_policy": {"max_failure_ratio": 0}},
    "force_params not a list": {**MINIMAL, "force_params": {"model_params": {}}},
    "phase without sampler": {**MINIMAL, "phases": [{"n_trials": 5}]},
    "unknown param type": {**MINIMAL, "model_params": {"a": {"type": "integer", "low": 1, "high": 2}}},
    "int spec with float bound": {**MINIMAL, "model_params": {"a": {"type": "int", "low": 0.5, "high": 2}}},
    "int spec step 0": {**MINIMAL, "model_params": {"a": {"type": "int", "low": 1, "high": 2, "step": 0}}},
    "float spec step null is fine but 0 is not": {**MINIMAL, "model_params": {"a": {"type": "float", "low": 0, "high": 1, "step": 0}}},
    "spec missing high": {**MINIMAL, "model_params": {"a": {"type": "float", "low": 0}}},
    "spec with unknown key": {**MINIMAL, "model_params": {"a": {"type": "int", "low": 1, "high": 2, "default": 1}}},
    "empty choices": {**MINIMAL, "model_params": {"a": {"type": "categorical", "choices": []}}},
    "duplicate choices": {**MINIMAL, "model_params": {"a": {"type": "categorical", "choices": [1, 2, 1.0]}}},
    "when and when_not": {
        **MINIMAL,
        "model_params": {"a": {"type": "int", "low": 1, "high": 2, "when": {"k": 1}, "when_not": {"k": 2}}},
    },
    "when with two parents": {**MINIMAL, "model_params": {"a": {"type": "int", "low": 1, "high": 2, "when": {"k": 1, "j": 2}}}},
    "when empty": {**MINIMAL, "model_params": {"a": {"type": "int", "low": 1, "high": 2, "when": {}}}},
    "fixed with extra key": {**MINIMAL, "model_params": {"a": {"fixed": 1, "when": {"k": 1}}}},
    "group with fixed key": {**MINIMAL, "model_params": {"g": {"inner": {"fixed": 1, "other": 2}}}},
    "sorted_tuple length 0": {
        **MINIMAL,
        "model_params": {"t": {"type": "sorted_tuple", "length": 0, "element": {"type": "int", "low": 1, "high": 2}}},
    },
    "sorted_tuple categorical element": {
        **MINIMAL,
        "model_params": {"t": {"type": "sorted_tuple", "length": 2, "element": {"type": "categorical", "choices": [1]}}},
    },
    "not a mapping": [MINIMAL],
    "_comment not a string": {**MINIMAL, "_comment": 5},
    "_comment list of non-strings in a group": {**MINIMAL, "model_params": {"g": {"_comment": [1], "a": 1}}},
    "_comment in a sampler object": {**MINIMAL, "sampler": {"kind": "tpe", "_comment": "x"}},
    "comment by its Python name": {**MINIMAL, "comment": "x"},
}


@pytest.mark.parametrize("name", list(VALID_BLOCKS))
def test_valid_blocks(name: str) -> None:
    doc = VALID_BLOCKS[name]
    assert schema_errors(doc) == []
    FinetuneParamsV2.model_validate(doc)
    FinetuneParamsV2.model_validate_json(json.dumps(doc))


@pytest.mark.parametrize("name", list(INVALID_BLOCKS))
def test_invalid_blocks(name: str) -> None:
    doc = INVALID_BLOCKS[name]
    assert schema_errors(doc), "JSON Schema accepted it"
    with pytest.raises(ValidationError):
        FinetuneParamsV2.model_validate(doc)
    with pytest.raises(ValidationError):
        FinetuneParamsV2.model_validate_json(json.dumps(doc))


def test_tagged_lists_validate_as_their_mapping_forms() -> None:
    block = FinetuneParamsV2.model_validate(VALID_BLOCKS["tagged lists"])
    params = block.model_params.root
    assert params["n"] == IntSpec(type="int", low=1, high=30)
    assert params["m"] == IntSpec(type="int", low=1, high=64, log=True)
    assert params["x"] == FloatSpec(type="float", low=0.0, high=0.5)
    assert params["g"].root["lr"] == FloatSpec(type="float", low=1e-5, high=0.01, log=True)
    (int_list,) = [s for s in V2_SCHEMA["definitions"]["ParamValue"]["oneOf"] if s.get("title") == "int range (tagged list)"]
    assert int_list["items"][0] == {"enum": ["int", "int_log"]} and int_list["description"].startswith("Shorthand for `{type: int, low, high}`")


def test_bare_list_message_says_what_to_write() -> None:
    with pytest.raises(ValidationError) as info:
        FinetuneParamsV2.model_validate(INVALID_BLOCKS["bare list param"])
    message = str(info.value)
    assert "model_params.n_components" in message
    assert "categorical" in message and "fixed" in message


def test_cross_field_rules_are_left_to_the_compiler() -> None:
    """low > high, a step that does not divide the range, log with low <= 0, direction vs metric."""
    doc = {
        "version": 2,
        "metric": "rmse",
        "direction": "maximize",
        "n_trials": 5,
        "phases": [{"n_trials": 2, "sampler": "random"}],
        "model_params": {
            "a": {"type": "int", "low": 10, "high": 1, "step": 4, "log": True},
            "b": {"type": "float", "low": -1, "high": 1, "log": True, "step": 0.3},
        },
    }
    assert schema_errors(doc) == []
    assert pydantic_ok(doc)


def test_defaults_come_from_vocab() -> None:
    block = FinetuneParamsV2.model_validate(MINIMAL)
    assert block.n_trials == 50 and block.approach == "grouped" and block.eval_mode == "mean"
    assert block.sampler == "tpe" and block.pruner == "none" and block.model_params.root == {}
    tpe = FinetuneParamsV2.model_validate({**MINIMAL, "sampler": {"kind": "tpe"}}).sampler
    assert tpe.options.model_dump() == {n: o.default for n, o in SAMPLERS["tpe"].options.items()}


def test_json_equal_matches_json_schema_equality() -> None:
    assert json_equal(1, 1.0) and not json_equal(1, True) and not json_equal(0, False)
    assert not json_equal([1], [True]) and json_equal({"a": [1]}, {"a": [1.0]})
    assert not json_equal("1", 1) and json_equal(None, None) and not json_equal(None, False)


# ---------------------------------------------------------------------------------------------
# Property: pydantic accepts exactly what the JSON Schema accepts
# ---------------------------------------------------------------------------------------------

# The generator (`documents`, a v2 block with at most one near miss) is in tests/strategies.py,
# shared with the front-end agreement and runtime properties.


@settings(
    max_examples=int(os.environ.get("FTSPEC_SCHEMA_EXAMPLES", "300")),  # raise it for a deeper run
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(doc=documents())
def test_pydantic_model_agrees_with_json_schema(doc: Any) -> None:
    by_schema = V2.is_valid(doc)
    event("valid" if by_schema else "invalid")
    by_pydantic = pydantic_ok(doc)
    try:
        FinetuneParamsV2.model_validate_json(json.dumps(doc))
        by_pydantic_json = True
    except ValidationError:
        by_pydantic_json = False
    assert by_pydantic_json == by_pydantic, f"pydantic's JSON and Python modes disagree on {json.dumps(doc)[:2000]}"
    assert by_pydantic == by_schema, (
        f"pydantic {'accepts' if by_pydantic else 'rejects'}, JSON Schema {'accepts' if by_schema else 'rejects'}: "
        f"{json.dumps(doc)[:2000]}\nschema errors: {schema_errors(doc)}"
    )


# ---------------------------------------------------------------------------------------------
# Pipeline editor schema
# ---------------------------------------------------------------------------------------------


def test_pipeline_schema() -> None:
    good_block = VALID_BLOCKS["every field"]
    bad_block = INVALID_BLOCKS["bare list param"]
    legacy = {"n_trials": 10, "model_params": {"n_components": [1, 30]}, "approach": "single"}
    assert PIPELINE.is_valid({"pipeline": [{"model": "PLS", "finetune_params": good_block}], "name": "x"})
    assert PIPELINE.is_valid([{"class": "sklearn.preprocessing.StandardScaler"}, "MinMaxScaler", {"finetune_params": legacy}])
    assert PIPELINE.is_valid({"pipeline": [{"branch": [[{"finetune_params": MINIMAL}], [{"model": {"finetune_params": legacy}}]]}]})
    assert not PIPELINE.is_valid({"pipeline": [{"model": "PLS", "finetune_params": bad_block}]})
    assert not PIPELINE.is_valid([{"branch": [[{"y": 1}], [{"finetune_params": {"version": 2}}]]}])
    assert not PIPELINE.is_valid({"pipeline": [{"finetune_params": {"version": 1, "metric": "rmse"}}]})
    assert not PIPELINE.is_valid({"steps": []})
    assert not PIPELINE.is_valid("pipeline")
    assert PIPELINE_SCHEMA["definitions"]["FinetuneParamsV2"]["properties"] == V2_SCHEMA["properties"]


# ---------------------------------------------------------------------------------------------
# IR model
# ---------------------------------------------------------------------------------------------


def _loc(pointer: str, line: int) -> Location:
    return Location(pointer=pointer, line=line, column=7)


def _ir_document() -> IRDocument:
    base = "/pipeline/2/finetune_params"
    tpe = ComponentSpec("tpe", {"n_startup_trials": 10, "n_ei_candidates": 24, "multivariate": True, "group": False, "constant_liar": True})
    space = [
        CategoricalParam(name="kernel", target="model", choices=["rbf", "poly", None, 1.5, True, [1, 2], {"a": 1}], path=["kernel"], condition=None, source=_loc(f"{base}/model_params/kernel", 10)),
        IntParam(name="degree", target="model", low=2, high=5, step=1, log=False, path=["degree"], condition=Condition("kernel", ["poly"], False), source=_loc(f"{base}/model_params/degree", 11)),
        FloatParam(name="gamma", target="model", low=1e-4, high=1.0, step=None, log=True, path=["gamma"], condition=Condition("kernel", ["poly", None], True), source=_loc(f"{base}/model_params/gamma", 12)),
        FloatParam(name="optimizer__lr", target="train", low=0.0, high=0.5, step=0.1, log=False, path=["optimizer", "lr"], condition=None, source=_loc(f"{base}/train_params/optimizer/lr", 13)),
        SortedTupleParam(name="hidden", target="model", length_low=1, length_high=3, element=ElementSpec("int", 8, 128, 8, False), path=["hidden"], condition=None, source=_loc(f"{base}/model_params/hidden", 14)),
        SortedTupleParam(name="q", target="train", length_low=2, length_high=2, element=ElementSpec("float", 0.0, 1.0, None, False), path=["q"], condition=None, source=_loc(f"{base}/train_params/q", 15)),
    ]
    study = Study(
        id="PLS-Finetuned",
        source=StudySource("pipeline.yaml", base, 8, 5),
        n_trials=40,
        timeout_seconds=3600.0,
        n_jobs=2,
        seed=42,
        approach="single",
        eval_mode="mean",
        objectives=[Objective(metric="rmse", direction="minimize", eval_quantile=None),
                    Objective(metric="fit_seconds", direction="minimize", eval_quantile=None)],
        select=Select(objective="fit_seconds"),
        sampler=tpe,
        pruner=ComponentSpec("patient", {"wrapped": {"kind": "median", "options": {"n_startup_trials": 5}}, "patience": 3, "min_delta": 0.0}),
        validation=Validation(0.2, 42),
        storage=Storage("sqlite:///study.db", "pls", True),
        failure_policy=FailurePolicy(3, 0.5),
        space=space,
        fixed=Fixed(model={"scale": False, "layers": [64, 32]}, train={"epochs": 100, "optimizer": {"name": "adam"}}),
        force_params=[ForcedTrial(model={"kernel": "rbf", "degree": 3}, train={"optimizer__lr": 0.1})],
        phases=[Phase(10, ComponentSpec("random", {})), Phase(30, tpe)],
        pipeline=PipelineContext(
            transforms=[
                StepSpec(class_path="sklearn.preprocessing.MinMaxScaler", params={"feature_range": [0.1, 0.9]}, source=_loc("/pipeline/0", 2)),
                StepSpec(class_path="sklearn.decomposition.PCA", params={}, source=_loc("/pipeline/1", 5)),
            ],
            y_processing=StepSpec(class_path="sklearn.preprocessing.StandardScaler", params={}, source=_loc("/pipeline/1/y_processing", 6)),
            splitter=StepSpec(class_path="sklearn.model_selection.KFold", params={"n_splits": 3, "shuffle": True, "random_state": None}, source=_loc("/pipeline/2", 7)),
            model=StepSpec(class_path="sklearn.svm.SVR", params={"cache_size": 500.5, "nested": {"class": "x.Y"}}, source=_loc("/pipeline/2/model", 8)),
            unsupported=[UnsupportedStep(source=_loc("/pipeline/1", 5), reason="feature_augmentation branches are not supported by ftrun")],
        ),
    )
    minimal = Study(
        id="/pipeline/5/finetune_params", source=StudySource("pipeline.yaml", "/pipeline/5/finetune_params", 40, 5),
        n_trials=50, timeout_seconds=None, n_jobs=1, seed=None, approach="grouped", eval_mode="robust_best",
        objectives=[Objective(metric="accuracy", direction="maximize", eval_quantile=0.25)], select=Select(objective="accuracy"),
        sampler=ComponentSpec("random", {}), pruner=ComponentSpec("none", {}),
        validation=None, storage=None, failure_policy=FailurePolicy(None, None), space=[], fixed=Fixed({}, {}),
        force_params=[], phases=[], pipeline=None,
    )  # fmt: skip
    return IRDocument(ir_version=IR_VERSION, studies=[study, minimal])


def test_ir_round_trip() -> None:
    doc = _ir_document()
    text = dump_ir(doc)
    loaded = load_ir(text)
    assert loaded == doc
    assert load_ir(json.loads(text)) == doc
    assert [type(e) for e in loaded.studies[0].space] == [type(e) for e in doc.studies[0].space]
    assert dump_ir(loaded) == text


def test_ir_schema_validates_dumped_ir() -> None:
    data = json.loads(dump_ir(_ir_document()))
    assert [e.message for e in IR.iter_errors(data)] == []
    assert ir_json_schema()["$id"] == IR_SCHEMA["$id"]


def _entry(kind: str) -> dict[str, Any]:
    data = ir_to_dict(_ir_document())
    return next(e for e in data["studies"][0]["space"] if e["kind"] == kind)


def _with_entry(entry: dict[str, Any]) -> dict[str, Any]:
    data = ir_to_dict(_ir_document())
    data["studies"][0]["space"] = [entry]
    return data


def test_ir_space_entries_are_discriminated_by_kind() -> None:
    float_entry = {**_entry("float"), "low": 1, "high": 2, "step": None}
    assert type(load_ir(_with_entry(float_entry)).studies[0].space[0]) is FloatParam
    as_int = {**float_entry, "kind": "int"}  # a FloatParam dict labelled int: never an IntParam
    with pytest.raises(ValidationError, match="space"):
        load_ir(_with_entry(as_int))
    assert not IR.is_valid(_with_entry(as_int))
    no_kind = {k: v for k, v in _entry("int").items() if k != "kind"}
    with pytest.raises(ValidationError, match="kind"):
        load_ir(_with_entry(no_kind))
    assert not IR.is_valid(_with_entry(no_kind))


def test_ir_version_error_names_both_versions() -> None:
    data = {**ir_to_dict(_ir_document()), "ir_version": 1}
    with pytest.raises(ValidationError) as info:
        load_ir(data)
    assert [(e["loc"], e["msg"]) for e in info.value.errors()] == [
        (("ir_version",), "IR version 1 is not supported: this ftspec reads IR version 3 (and converts version 2); "
         "recompile the source file with ftcompile"),
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(ir_version=IR_VERSION + 1),
        lambda d: d.update(ir_version=1),
        lambda d: d.update(ir_version=True),
        lambda d: d.update(extra=1),
        lambda d: d.pop("studies"),
        lambda d: d["studies"][0].update(n_trials="40"),
        lambda d: d["studies"][0].update(approach="holdout"),
        lambda d: d["studies"][0]["source"].update(line=True),
        lambda d: d["studies"][0]["space"][0].update(unknown=1),
        lambda d: d["studies"][0]["space"][1].update(kind="bool"),
        lambda d: d["studies"][1].pop("pipeline"),
        lambda d: d["studies"][0]["pipeline"].pop("unsupported"),
        lambda d: d["studies"][0]["pipeline"]["model"].update(params=[1]),
        lambda d: d["studies"][0]["pipeline"]["transforms"][0].update(class_path=None),
        lambda d: d["studies"][0]["pipeline"]["unsupported"][0].update(why="x"),
    ],
    ids=[
        "version-next", "version-1", "version-bool", "extra", "missing", "str-int", "enum", "bool-int", "entry-extra",
        "bad-kind", "no-pipeline", "pipeline-missing-field", "params-not-mapping", "class-path-null", "unsupported-extra",
    ],
)
def test_ir_rejects_invalid(change: Any) -> None:
    data = ir_to_dict(_ir_document())
    change(data)
    with pytest.raises(ValidationError):
        load_ir(data)
    with pytest.raises(ValidationError):
        load_ir(json.dumps(data))
    assert not IR.is_valid(data)
