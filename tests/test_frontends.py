"""Front-end tests: each legacy form and each v2 feature lowers to an exact IR with exact findings.

Findings are compared as (code, pointer) pairs; line/column spans are pinned by the golden fixtures.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftspec.compiler.compile import compile_text
from ftspec.ir import (
    CategoricalParam,
    ComponentSpec,
    Condition,
    ElementSpec,
    FloatParam,
    IntParam,
    Location,
    PipelineContext,
    SortedTupleParam,
    StepSpec,
    Study,
    UnsupportedStep,
    dump_ir,
)
from ftspec.schema.ir_model import load_ir
from ftspec.schema.vocab import PRUNERS, SAMPLERS, default_options


def compile_block(block: Any, *, step: dict[str, Any] | None = None) -> tuple[list[Study], list[tuple[str, str]], Any]:
    doc = {"pipeline": [{**(step or {"model": {"class": "sklearn.linear_model.Ridge"}}), "finetune_params": block}]}
    result = compile_text(json.dumps(doc, indent=1), "p.json")
    return result.ir.studies, [(d.code, d.pointer) for d in result.diagnostics], result


B = "/pipeline/0/finetune_params"


def codes(found: list[tuple[str, str]]) -> set[str]:
    return {c for c, _ in found}


def entry(study: Study, name: str, target: str = "model") -> Any:
    (hit,) = [e for e in study.space if e.name == name and e.target == target]
    return hit


def strip_source(e: Any) -> Any:
    """The entry without its location (compared separately)."""
    from dataclasses import replace

    return replace(e, source=Location("", 0, 0))


# --------------------------------------------------------------------------- legacy space forms


def test_tagged_list_is_a_range_with_a_safe_fix() -> None:
    block = {"model_params": {"n": ["int", 1, 30], "lr": ["log_float", 1e-4, 0.1], "m": ["int", 1.5, 30], "k": ["builtins.int", 1, 30]}}
    (study,), found, result = compile_block(block)
    assert strip_source(entry(study, "n")) == IntParam(name="n", target="model", low=1, high=30, step=1, log=False, path=["n"], condition=None, source=Location("", 0, 0))
    assert strip_source(entry(study, "lr")) == FloatParam(name="lr", target="model", low=1e-4, high=0.1, step=None, log=True, path=["lr"], condition=None, source=Location("", 0, 0))
    assert [c for c, p in found if c == "FT204"] == ["FT204"] * 4
    fixes = {d.pointer.rsplit("/", 1)[1]: d.fix for d in result.diagnostics if d.code == "FT204"}
    # `["int", 1, 30]` is already v2 (a tagged range): nothing to rewrite. The other alias and the
    # fractional int bound are not, and keep their safe fix to the mapping form.
    assert fixes["n"] is None
    assert {k: [(op.op, op.value) for op in f.ops] for k, f in fixes.items() if f is not None} == {
        "lr": [("replace_value", {"type": "float", "low": 1e-4, "high": 0.1, "log": True})],
        "m": [("replace_value", {"type": "int", "low": 1, "high": 30})],
        "k": [("replace_value", {"type": "int", "low": 1, "high": 30})],
    }
    assert {f.applicability for f in fixes.values() if f is not None} == {"safe"}


TAGGED = {
    "n_trials": 40, "approach": "grouped", "sampler": "tpe", "pruner": "median", "eval_mode": "mean", "metric": "rmse",
    "direction": "minimize", "seed": 42, "timeout_seconds": 1800,
    "model_params": {"n_components": ["int", 1, 30], "alpha": ["float_log", 0.0001, 10.0]},
    "train_params": {"epochs": ["int", 10, 150], "batch_size": {"type": "categorical", "choices": [16, 32, 64]},
                     "learning_rate": ["float_log", 0.00001, 0.01]},
}
DICT_TWIN = {
    **TAGGED,
    "model_params": {"n_components": {"type": "int", "low": 1, "high": 30}, "alpha": {"type": "float", "low": 0.0001, "high": 10.0, "log": True}},
    "train_params": {"epochs": {"type": "int", "low": 10, "high": 150}, "batch_size": {"type": "categorical", "choices": [16, 32, 64]},
                     "learning_rate": {"type": "float", "low": 0.00001, "high": 0.01, "log": True}},
}


def test_v2_tagged_lists_are_their_mapping_forms() -> None:
    (tagged,), found, _ = compile_block({"version": 2, **TAGGED})
    (twin,), twin_found, _ = compile_block({"version": 2, **DICT_TWIN})
    assert [strip_source(e) for e in tagged.space] == [strip_source(e) for e in twin.space]
    assert [e.source.pointer for e in tagged.space] == [e.source.pointer for e in twin.space]
    assert found == twin_found == []
    assert [(e.name, e.kind, e.low, e.high, e.log) for e in tagged.space if e.kind != "categorical"] == [
        ("n_components", "int", 1, 30, False), ("alpha", "float", 0.0001, 10.0, True),
        ("epochs", "int", 10, 150, False), ("learning_rate", "float", 0.00001, 0.01, True),
    ]
    assert [e.kind for e in tagged.space] == ["int", "float", "int", "categorical", "float"]
    assert entry(tagged, "n_components").source.pointer == f"{B}/model_params/n_components"


@pytest.mark.parametrize(
    ("value", "code", "pointer"),
    [
        (["INT", 1, 30], "FT223", ""),  # other spellings
        (["Float", 0.1, 1.0], "FT223", ""),
        (["log_int", 1, 30], "FT223", ""),  # legacy-only aliases
        (["builtins.float", 0.1, 1.0], "FT223", ""),
        (["categorical", 1, 30], "FT223", ""),  # other tags
        (["int", 1, 30, 2], "FT223", ""),  # other lengths
        (["int", 1], "FT223", ""),
        ([1, 30], "FT223", ""),  # untagged
        (["int", "1", "30"], "FT223", ""),  # non-numeric bounds
        (["int", True, 30], "FT223", ""),
        (["int", 1.5, 30], "FT213", "/1"),  # a tagged list whose bound the mapping form refuses too
        (["int_log", 0, 30], "FT402", ""),  # log needs low >= 1, as in {type: int, low: 0, high: 30, log: true}
    ],
)
def test_v2_other_lists_stay_errors(value: list[Any], code: str, pointer: str) -> None:
    (study,), found, result = compile_block({**V2, "model_params": {"a": value}})
    assert (code, f"{B}/model_params/a{pointer}") in found, found
    assert [e.name for e in study.space if e.name == "a"] == (["a"] if code == "FT402" else [])
    if code == "FT223":
        (d,) = [d for d in result.diagnostics if d.code == "FT223"]
        assert d.message == "a list is not a v2 parameter value: write {type: categorical, choices: [...]} or {fixed: [...]}"


def test_two_element_list_is_a_categorical_and_says_so() -> None:
    (study,), found, _ = compile_block({"model_params": {"alpha": [0.1, 10]}})
    assert entry(study, "alpha").choices == [0.1, 10]
    assert ("FT201", f"{B}/model_params/alpha") in found


@pytest.mark.parametrize(
    ("value", "code", "fix_value"),
    [
        (["int", 1, 10, 2], "FT202", {"type": "int", "low": 1, "high": 10, "step": 2}),
        (["INT", 1, 5], "FT203", {"type": "int", "low": 1, "high": 5}),
        (["float", "0.1", "1"], "FT202", {"type": "float", "low": 0.1, "high": 1.0}),
    ],
)
def test_lookalike_ranges_stay_categorical_with_an_unsafe_fix(value: list[Any], code: str, fix_value: dict[str, Any]) -> None:
    (study,), found, result = compile_block({"model_params": {"k": value}})
    assert entry(study, "k").choices == value
    diag = next(d for d in result.diagnostics if d.code == code)
    assert diag.pointer == f"{B}/model_params/k"
    assert diag.fix is not None and diag.fix.applicability == "unsafe"
    assert diag.fix.ops[0].value == fix_value


def test_int_bounds_are_truncated_like_nirs4all() -> None:
    (study,), found, _ = compile_block({"model_params": {"k": ["int", 1.5, 30.7]}})
    assert (entry(study, "k").low, entry(study, "k").high) == (1, 30)
    assert [p for c, p in found if c == "FT206"] == [f"{B}/model_params/k/1", f"{B}/model_params/k/2"]


def test_dict_specs_min_max_step_log_and_values() -> None:
    (study,), found, _ = compile_block({"model_params": {
        "a": {"type": "int", "min": 2, "max": 10, "step": 2},
        "b": {"type": "float_log", "low": 0.001, "high": 1},
        "c": {"values": ["x", "y"]},
    }})
    a, b, c = (entry(study, n) for n in "abc")
    assert (a.low, a.high, a.step, a.log) == (2, 10, 2, False)
    assert (b.low, b.high, b.step, b.log) == (0.001, 1.0, None, True)
    assert c.choices == ["x", "y"]
    assert [p for code, p in found if code == "FT209"] == [f"{B}/model_params/a", f"{B}/model_params/b", f"{B}/model_params/c", f"{B}/model_params/c/values"]


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ({"min": 1, "max": 5}, "FT207"),
        ({"type": "log_float", "low": 0.01, "high": 1}, "FT208"),
        ({"type": "bool"}, "FT212"),
        ({"type": "categorical", "choices": []}, "FT211"),
        ({"type": "int", "low": 1}, "FT213"),
        ({"type": "int", "low": "one", "high": 5}, "FT213"),
    ],
)
def test_dict_specs_nirs4all_rejected_are_errors_and_leave_the_space(spec: dict[str, Any], code: str) -> None:
    (study,), found, result = compile_block({"model_params": {"p": spec}})
    assert study.space == []
    assert code in codes(found)
    assert result.has_errors


def test_sorted_tuple_length_min_zero_became_two() -> None:
    (study,), found, _ = compile_block({"model_params": {"w": {"type": "sorted_tuple", "length": {"min": 0, "max": 4}, "min": 0, "max": 2, "element_type": "int"}}})
    w = entry(study, "w")
    assert isinstance(w, SortedTupleParam)
    assert (w.length_low, w.length_high) == (2, 4)
    assert w.element == ElementSpec(kind="int", low=0, high=2, step=1, log=False)
    assert ("FT218", f"{B}/model_params/w/length/min") in found


def test_nested_groups_flatten_names_and_keep_fixed_values_nested() -> None:
    (study,), found, _ = compile_block({"model_params": {"cfg": {"depth": [1, 2, 3], "mode": "fast"}}})
    depth = entry(study, "cfg__depth")
    assert depth.path == ["cfg", "depth"]
    assert study.fixed.model == {"cfg": {"mode": "fast"}}


def test_double_underscore_key_is_split_like_nirs4all() -> None:
    (study,), found, result = compile_block({"sampler": "tpe", "model_params": {"final_estimator__alpha": [0.1, 1.0, 10.0]}})
    assert entry(study, "final_estimator__alpha").path == ["final_estimator", "alpha"]
    diag = next(d for d in result.diagnostics if d.code == "FT216")
    assert diag.fix is not None and diag.fix.ops[0].op == "move_key"
    assert (diag.fix.ops[0].destination, diag.fix.ops[0].key) == (f"{B}/model_params/final_estimator", "alpha")


def test_flat_form_top_level_hyperparameters_are_model_params() -> None:
    (study,), found, result = compile_block({"n_trials": 5, "C": [0.1, 1.0, 10.0]})
    assert entry(study, "C").choices == [0.1, 1.0, 10.0]
    diag = next(d for d in result.diagnostics if d.code == "FT107")
    assert diag.fix is not None and diag.fix.applicability == "safe"
    assert diag.fix.ops[0].destination == f"{B}/model_params"


def test_unknown_and_dead_keys_are_reported_not_used() -> None:
    (study,), found, _ = compile_block({"model_params": {"a": [1, 2, 3]}, "cv_mode": "nested", "bogus": 1, "tuner": "optuna", "timeout": 60})
    assert ("FT104", f"{B}/cv_mode") in found and ("FT104", f"{B}/tuner") in found
    assert ("FT103", f"{B}/bogus") in found
    assert ("FT105", f"{B}/timeout") in found
    assert study.timeout_seconds == 60.0
    assert [e.name for e in study.space] == ["a"]


def test_control_key_inside_model_params() -> None:
    (study,), found, _ = compile_block({"model_params": {"n_trials": 5, "a": [1, 2, 3]}})
    assert ("FT108", f"{B}/model_params/n_trials") in found
    assert study.fixed.model == {"n_trials": 5}


# --------------------------------------------------------------------------- legacy study controls


def test_sample_alias_and_sample_beside_sampler() -> None:
    (s1,), f1, _ = compile_block({"sample": "random", "model_params": {"a": ["int", 1, 3]}})
    assert s1.sampler.kind == "random" and ("FT109", f"{B}/sample") in f1 and ("FT303", f"{B}/sample") in f1
    (s2,), f2, _ = compile_block({"sample": "grid", "sampler": "tpe", "model_params": {"a": ["int", 1, 3]}})
    assert s2.sampler.kind == "tpe" and ("FT110", f"{B}/sample") in f2


def test_pruner_as_sampler_is_an_error_with_an_unsafe_two_key_fix() -> None:
    (study,), found, result = compile_block({"sample": "hyperband", "model_params": {"a": ["int", 1, 3]}})
    assert study.sampler == ComponentSpec("tpe", default_options(SAMPLERS["tpe"]))
    assert study.pruner == ComponentSpec("none", {})
    diag = next(d for d in result.diagnostics if d.code == "FT302")
    assert diag.fix.applicability == "unsafe"  # type: ignore[union-attr]
    assert [(o.op, o.key, o.value) for o in diag.fix.ops] == [("replace_value", None, "tpe"), ("insert_key", "pruner", "hyperband")]  # type: ignore[union-attr]


def test_auto_sampler_resolves_to_grid_only_for_all_categorical_lists() -> None:
    (grid,), found, _ = compile_block({"model_params": {"a": [1, 2, 3], "b": {"type": "categorical", "choices": ["x", "y"]}}})
    assert grid.sampler.kind == "grid" and ("FT305", B) in found
    (tpe,), found, _ = compile_block({"sampler": "grid", "model_params": {"a": [1, 2, 3], "b": ["int", 1, 5]}})
    assert tpe.sampler.kind == "tpe" and ("FT304", f"{B}/sampler") in found


def test_approach_cross_and_eval_mode_avg() -> None:
    (study,), found, result = compile_block({"approach": "cross", "eval_mode": "avg", "model_params": {"a": [1, 2, 3]}})
    assert (study.approach, study.eval_mode) == ("grouped", "nirs4all_mean")  # avg is nirs4all's mean
    assert ("FT307", f"{B}/approach") in found and ("FT309", f"{B}/eval_mode") in found
    assert result.has_errors


def test_single_gets_nirs4all_holdout_and_a_warning() -> None:
    (study,), found, _ = compile_block({"approach": "single", "model_params": {"a": [1, 2, 3]}})
    assert study.validation is not None and (study.validation.holdout_fraction, study.validation.seed) == (0.2, 42)
    assert ("FT308", f"{B}/approach") in found


def test_metric_direction_conflict_and_classifier_default() -> None:
    (study,), found, _ = compile_block({"metric": "r2", "direction": "minimize", "model_params": {"a": [1, 2, 3]}})
    assert (study.objectives[0].metric, study.objectives[0].direction) == ("r2", "maximize") and ("FT314", f"{B}/direction") in found
    (clf,), found, _ = compile_block({"model_params": {"a": [1, 2, 3]}}, step={"model": {"class": "sklearn.ensemble.RandomForestClassifier"}})
    assert (clf.objectives[0].metric, clf.objectives[0].direction) == ("balanced_accuracy", "maximize") and ("FT315", B) in found


def test_train_params_ranges_are_sampled_and_untyped_choices_are_not() -> None:
    (study,), found, _ = compile_block({"model_params": {"a": [1, 2, 3]}, "train_params": {"epochs": {"type": "int", "low": 5, "high": 50}, "opt": {"choices": ["adam", "sgd"]}, "verbose": 0}})
    assert strip_source(entry(study, "epochs", "train")) == IntParam(name="epochs", target="train", low=5, high=50, step=1, log=False, path=["epochs"], condition=None, source=Location("", 0, 0))
    assert study.fixed.train == {"opt": {"choices": ["adam", "sgd"]}, "verbose": 0}
    assert ("FT221", f"{B}/train_params/epochs") in found and ("FT220", f"{B}/train_params/opt") in found


def test_meta_model_finetune_space_keeps_set_params_addressing() -> None:
    doc = {"pipeline": [{"model": {"class": "nirs4all.operators.models.MetaModel", "params": {"finetune_space": {"n_trials": 5, "model__alpha": ["float", 0.01, 10.0]}}}}]}
    result = compile_text(json.dumps(doc), "m.json")
    (study,) = result.ir.studies
    assert entry(study, "model__alpha").path == ["model__alpha"]
    assert [d.code for d in result.diagnostics if d.code == "FT217"] == ["FT217"]
    assert study.n_trials == 5


def test_when_is_ignored_by_the_legacy_engine() -> None:
    (study,), found, _ = compile_block({"model_params": {"est": ["pls", "ridge", "svr"], "alpha": {"type": "float", "min": 0.1, "max": 1, "when": {"est": "ridge"}}}})
    assert entry(study, "alpha").condition is None
    assert ("FT214", f"{B}/model_params/alpha/when") in found


def test_phases_sum_and_phase_sampler_default() -> None:
    (study,), found, _ = compile_block({"n_trials": 99, "phases": [{"n_trials": 10, "sampler": "random"}, {"n_trials": 20}], "model_params": {"a": ["int", 1, 9]}})
    assert study.n_trials == 30
    assert [(p.n_trials, p.sampler.kind) for p in study.phases] == [(10, "random"), (20, "tpe")]
    assert ("FT321", f"{B}/n_trials") in found and ("FT322", f"{B}/phases/1") in found


def test_legacy_force_params_use_optuna_names() -> None:
    (study,), found, _ = compile_block({"model_params": {"a": ["int", 1, 9]}, "train_params": {"epochs": [5, 10, 20]}, "force_params": {"a": 3, "train_epochs": 10, "zzz": 1}})
    assert len(study.force_params) == 1
    assert (study.force_params[0].model, study.force_params[0].train) == ({"a": 3}, {"epochs": 10})
    assert ("FT323", f"{B}/force_params/zzz") in found


# --------------------------------------------------------------------------- v2

V2 = {
    "version": 2,
    "n_trials": 40,
    "seed": 7,
    "metric": "r2",
    "approach": "grouped",
    "eval_mode": "median",
    "sampler": {"kind": "tpe", "options": {"n_startup_trials": 5, "group": True}},
    "pruner": "median",
    "model_params": {
        "est": {"type": "categorical", "choices": ["pls", "ridge"]},
        "alpha": {"type": "float", "low": 0.01, "high": 10.0, "log": True, "when": {"est": "ridge"}},
        "cfg": {"depth": {"type": "int", "low": 1, "high": 9, "step": 2}, "mode": "fast"},
        "ranges": {"fixed": [0.1, 0.9]},
    },
    "train_params": {"epochs": {"type": "int", "low": 10, "high": 100, "step": 10}, "verbose": 0},
    "force_params": [{"model_params": {"est": "pls", "cfg__depth": 3}, "train_params": {"epochs": 20}}],
}


def test_v2_block_lowers_to_the_exact_study() -> None:
    (study,), found, result = compile_block(V2)
    assert not result.has_errors and not any(d.severity == "warning" for d in result.diagnostics)
    tpe = default_options(SAMPLERS["tpe"]) | {"n_startup_trials": 5, "group": True}
    assert (study.n_trials, study.seed, study.objectives[0].metric, study.objectives[0].direction, study.approach) == (40, 7, "r2", "maximize", "grouped")
    assert study.sampler == ComponentSpec("tpe", tpe)
    assert study.pruner == ComponentSpec("median", default_options(PRUNERS["median"]))
    assert study.eval_mode == "median" and study.validation is None
    assert [strip_source(e) for e in study.space] == [
        CategoricalParam(name="est", target="model", choices=["pls", "ridge"], path=["est"], condition=None, source=Location("", 0, 0)),
        FloatParam(name="alpha", target="model", low=0.01, high=10.0, step=None, log=True, path=["alpha"], condition=Condition("est", ["ridge"], False), source=Location("", 0, 0)),
        IntParam(name="cfg__depth", target="model", low=1, high=9, step=2, log=False, path=["cfg", "depth"], condition=None, source=Location("", 0, 0)),
        IntParam(name="epochs", target="train", low=10, high=100, step=10, log=False, path=["epochs"], condition=None, source=Location("", 0, 0)),
    ]
    assert (study.fixed.model, study.fixed.train) == ({"cfg": {"mode": "fast"}, "ranges": [0.1, 0.9]}, {"verbose": 0})
    assert (study.force_params[0].model, study.force_params[0].train) == ({"est": "pls", "cfg__depth": 3}, {"epochs": 20})
    assert entry(study, "alpha").source.pointer == f"{B}/model_params/alpha"


@pytest.mark.parametrize(
    ("change", "code", "pointer"),
    [
        ({"bogus": 1}, "FT102", "/bogus"),
        ({"version": 3}, "FT112", "/version"),
        ({"model_params": {"a": [1, 2]}}, "FT223", "/model_params/a"),
        ({"sampler": {"kind": "tpe", "options": {"n_startup": 3}}}, "FT102", "/sampler/options/n_startup"),
        ({"sampler": {"kind": "tpe", "options": {"multivariate": "yes"}}}, "FT111", "/sampler/options/multivariate"),
        ({"sampler": "hyperopt"}, "FT301", "/sampler"),
        ({"pruner": "wilcox"}, "FT318", "/pruner"),
        ({"approach": "cross"}, "FT307", "/approach"),
        ({"metric": "rmsep"}, "FT313", "/metric"),
        ({"direction": "minimize"}, "FT314", "/direction"),
        ({"n_trials": 0}, "FT317", "/n_trials"),
        ({"model_params": {"a": {"type": "int", "low": 1, "high": 5, "lo": 2}}}, "FT102", "/model_params/a/lo"),
        ({"model_params": {"a": {"type": "float", "low": 1, "high": 5, "when": {"zz": 1}}}}, "FT224", "/model_params/a/when/zz"),
        ({"phases": [{"n_trials": 10}, {"n_trials": 5, "sampler": "random"}]}, "FT321", "/n_trials"),
        ({"force_params": [{"model_params": {"est": "svr"}}]}, "FT324", "/force_params/0/model_params/est"),
        ({"force_params": [{"model_params": {"nope": 1}}]}, "FT323", "/force_params/0/model_params/nope"),
    ],
)
def test_v2_errors_are_located(change: dict[str, Any], code: str, pointer: str) -> None:
    (study,), found, result = compile_block({**V2, **change})
    assert (code, B + pointer) in found, found


def test_seeds_above_numpy_range_are_errors_in_both_front_ends() -> None:
    """Optuna's samplers and sklearn's splits seed numpy, which takes 0..2**32 - 1; nirs4all passed
    the seed to Optuna, so the study failed at start: an error (FT111) at the seed, in both front-ends."""
    expected = f"seed must be an integer >= 0 and <= {2**32 - 1} or null, got number 4294967296"
    for block, pointer in (({**V2, "seed": 2**32}, "/seed"), ({"n_trials": 5, "seed": 2**32, "model_params": {"a": [1, 2, 3]}}, "/seed")):
        (study,), found, result = compile_block(block)
        assert [(d.code, d.severity, d.pointer, d.message) for d in result.diagnostics if d.code == "FT111"] == [
            ("FT111", "error", B + pointer, expected)
        ]
        assert study.seed is None
    (study,), found, result = compile_block({**V2, "approach": "single", "pruner": "none", "validation": {"seed": 2**32}})
    assert [(d.code, d.pointer, d.message) for d in result.diagnostics if d.code == "FT111"] == [
        ("FT111", f"{B}/validation/seed", f"validation.seed must be an integer >= 0 and <= {2**32 - 1} or null, got number 4294967296")
    ]
    (study,), found, result = compile_block({**V2, "seed": 2**32 - 1, "approach": "single", "pruner": "none", "validation": {"seed": 2**32 - 1}})
    assert "FT111" not in codes(found) and (study.seed, study.validation.seed) == (2**32 - 1, 2**32 - 1)  # type: ignore[union-attr]


_X = {"type": "sorted_tuple", "length": {"low": 1, "high": 2}, "element": {"type": "int", "low": 0, "high": 3}}
_X_FIXED = {"type": "sorted_tuple", "length": 2, "element": {"type": "int", "low": 0, "high": 3}}
_CAT = {"type": "categorical", "choices": ["a", "b"]}


@pytest.mark.parametrize(
    ("model", "train", "found"),
    [
        ({"train:a": _CAT}, {"a": _CAT},
         [("/train_params/a", "train param 'a' is suggested to Optuna as 'train:a', as is model param 'train:a'")]),
        ({"x": _X, "x_length": _CAT}, {},
         [("/model_params/x_length", "model param 'x_length' is suggested to Optuna as 'x_length', as is the length of sorted_tuple model param 'x'")]),
        ({"x_1": _CAT, "x": _X}, {},
         [("/model_params/x", "element 1 of sorted_tuple model param 'x' is suggested to Optuna as 'x_1', as is model param 'x_1'")]),
        ({"train:x_0": _CAT}, {"x": _X_FIXED},
         [("/train_params/x", "element 0 of sorted_tuple train param 'x' is suggested to Optuna as 'train:x_0', as is model param 'train:x_0'")]),
        ({"train:a__b": _CAT}, {"a": {"b": _CAT}},
         [("/train_params/a/b", "train param 'a__b' is suggested to Optuna as 'train:a__b', as is model param 'train:a__b'")]),
        # Names the runtime never suggests do not collide: a fixed length has no `x_length`, a
        # length of at most 2 no `x_2`, fixed values and a model/train pair of one name are fine.
        ({"x": _X_FIXED, "x_length": _CAT, "x_2": _CAT, "x_0": {"fixed": 1}, "a": _CAT}, {"a": _CAT}, []),
    ],
)
def test_optuna_name_collisions_are_errors_at_the_later_parameter(model: dict[str, Any], train: dict[str, Any], found: list[tuple[str, str]]) -> None:
    (study,), _, result = compile_block({**V2, "model_params": model, "train_params": train})
    assert [(d.pointer, d.severity, d.message) for d in result.diagnostics if d.code == "FT228"] == [
        (B + pointer, "error", f"{message}: Optuna keeps one distribution per name") for pointer, message in found
    ]


def test_legacy_optuna_name_collisions_are_errors() -> None:
    """nirs4all passed the names to Optuna as written: the same collisions, the same error."""
    block = {"n_trials": 5, "sampler": "random", "model_params": {"train:epochs": [1, 2], "h": {"type": "sorted_tuple", "length": {"min": 1, "max": 3},
             "element": {"type": "int", "min": 8, "max": 64}}, "h_2": ["int", 1, 4]}, "train_params": {"epochs": ["int", 5, 9]}}
    (study,), _, result = compile_block(block)
    assert [(d.pointer, d.severity, d.message) for d in result.diagnostics if d.code == "FT228"] == [
        (f"{B}/model_params/h_2", "error", "model param 'h_2' is suggested to Optuna as 'h_2', as is element 2 of sorted_tuple model param 'h': "
         "Optuna keeps one distribution per name"),
        (f"{B}/train_params/epochs", "error", "train param 'epochs' is suggested to Optuna as 'train:epochs', as is model param 'train:epochs': "
         "Optuna keeps one distribution per name"),
    ]
    assert result.has_errors


def test_v2_validation_defaults_to_the_study_seed() -> None:
    (study,), found, _ = compile_block({**V2, "approach": "single", "pruner": "none", "validation": {"holdout_fraction": 0.25}})
    assert study.validation is not None and (study.validation.holdout_fraction, study.validation.seed) == (0.25, 7)
    (grouped,), found, _ = compile_block({**V2, "validation": {"holdout_fraction": 0.25}})
    assert grouped.validation is None and ("FT327", f"{B}/validation") in found


def test_v2_requires_metric() -> None:
    block = {k: v for k, v in V2.items() if k != "metric"}
    _, found, result = compile_block(block)
    assert ("FT111", B) in found and result.has_errors


def test_ir_records_the_high_optuna_really_uses() -> None:
    (study,), found, result = compile_block({**V2, "model_params": {"k": {"type": "int", "low": 0, "high": 10, "step": 3}, "x": {"type": "float", "low": 0.0, "high": 1.0, "step": 0.3}}})
    assert (entry(study, "k").high, entry(study, "x").high) == (9, 0.9)
    fixes = {d.pointer: d.fix.ops[0].value for d in result.diagnostics if d.code == "FT401"}  # type: ignore[union-attr]
    assert fixes == {f"{B}/model_params/k": 9, f"{B}/model_params/x": 0.9}


# --------------------------------------------------------------------------- pipeline context


FT = "finetune_params: {n_trials: 4, model_params: {alpha: [0.1, 1.0]}}"


def pipelines(text: str, path: str = "p.yaml") -> dict[str, PipelineContext | None]:
    """Study id -> PipelineContext of a YAML (or JSON) text; the IR survives dump -> load unchanged."""
    result = compile_text(text, path)
    assert load_ir(dump_ir(result.ir)) == result.ir
    return {s.id: s.pipeline for s in result.ir.studies}


def at(pointer: str, line: int, column: int) -> Location:
    return Location(pointer=pointer, line=line, column=column)


def test_flat_pipeline_transforms_splitter_y_processing_and_model() -> None:
    text = f"""\
pipeline:
  - sklearn.preprocessing.StandardScaler
  - class: sklearn.decomposition.PCA
    params: {{n_components: 5, whiten: true}}
  - chart_2d
  - {{y_chart: {{include_excluded: true}}}}
  - _comment: a note between steps
  - y_processing: {{class: sklearn.preprocessing.MinMaxScaler, params: {{feature_range: [0, 1]}}}}
  - class: sklearn.model_selection.ShuffleSplit
  - class: sklearn.model_selection.KFold
    params: {{n_splits: 3, shuffle: true, random_state: 0}}
  - name: baseline
    model: {{class: sklearn.linear_model.LinearRegression}}
  - preprocessing: sklearn.preprocessing.Normalizer
  - name: tuned
    model:
      class: sklearn.linear_model.Ridge
      params: {{fit_intercept: false, solver: svd}}
    {FT}
  - class: sklearn.preprocessing.RobustScaler
"""
    assert pipelines(text) == {"tuned": PipelineContext(
        transforms=[
            StepSpec(class_path="sklearn.preprocessing.StandardScaler", params={}, source=at("/pipeline/0", 2, 5)),
            StepSpec(class_path="sklearn.decomposition.PCA", params={"n_components": 5, "whiten": True}, source=at("/pipeline/1", 3, 5)),
            StepSpec(class_path="sklearn.preprocessing.Normalizer", params={}, source=at("/pipeline/9/preprocessing", 14, 20)),
        ],
        y_processing=StepSpec(class_path="sklearn.preprocessing.MinMaxScaler", params={"feature_range": [0, 1]}, source=at("/pipeline/5/y_processing", 8, 19)),
        splitter=StepSpec(class_path="sklearn.model_selection.KFold", params={"n_splits": 3, "shuffle": True, "random_state": 0}, source=at("/pipeline/7", 10, 5)),
        model=StepSpec(class_path="sklearn.linear_model.Ridge", params={"fit_intercept": False, "solver": "svd"}, source=at("/pipeline/10/model", 17, 7)),
        unsupported=[],
    )}


def test_nested_branches_take_the_enclosing_steps_then_the_branch_own() -> None:
    text = f"""\
pipeline:
  - sklearn.preprocessing.StandardScaler
  - branch:
      - - sklearn.decomposition.PCA
        - branch:
            first:
              - [sklearn.preprocessing.Normalizer, sklearn.model_selection.GroupKFold]
              - name: deep
                model: sklearn.svm.SVR
                {FT}
            second:
              - sklearn.preprocessing.MaxAbsScaler
      - - sklearn.feature_selection.VarianceThreshold
        - name: other
          model: {{class: sklearn.linear_model.Lasso, params: {{alpha: 0.5}}}}
          {FT}
"""
    found = pipelines(text)
    assert found["deep"] == PipelineContext(
        transforms=[
            StepSpec(class_path="sklearn.preprocessing.StandardScaler", params={}, source=at("/pipeline/0", 2, 5)),
            StepSpec(class_path="sklearn.decomposition.PCA", params={}, source=at("/pipeline/1/branch/0/0", 4, 11)),
            StepSpec(class_path="sklearn.preprocessing.Normalizer", params={}, source=at("/pipeline/1/branch/0/1/branch/first/0/0", 7, 18)),
        ],
        y_processing=None,
        splitter=StepSpec(class_path="sklearn.model_selection.GroupKFold", params={}, source=at("/pipeline/1/branch/0/1/branch/first/0/1", 7, 52)),
        model=StepSpec(class_path="sklearn.svm.SVR", params={}, source=at("/pipeline/1/branch/0/1/branch/first/1/model", 9, 24)),
        unsupported=[],
    )
    assert found["other"] == PipelineContext(
        transforms=[
            StepSpec(class_path="sklearn.preprocessing.StandardScaler", params={}, source=at("/pipeline/0", 2, 5)),
            StepSpec(class_path="sklearn.feature_selection.VarianceThreshold", params={}, source=at("/pipeline/1/branch/1/0", 13, 11)),
        ],
        y_processing=None,
        splitter=None,
        model=StepSpec(class_path="sklearn.linear_model.Lasso", params={"alpha": 0.5}, source=at("/pipeline/1/branch/1/1/model", 15, 18)),
        unsupported=[],
    )


def test_meta_model_finetune_space_tunes_the_inner_model_and_is_refused() -> None:
    text = """\
pipeline:
  - sklearn.preprocessing.StandardScaler
  - class: sklearn.model_selection.KFold
  - model: {class: sklearn.cross_decomposition.PLSRegression, params: {n_components: 4}}
  - name: stacker
    model:
      class: nirs4all.operators.models.MetaModel
      params:
        model: {class: sklearn.linear_model.Ridge, params: {alpha: 2.0}}
        source_models: all
        finetune_space: {n_trials: 5, model__alpha: [0.1, 1.0]}
"""
    assert pipelines(text) == {"stacker": PipelineContext(
        transforms=[StepSpec(class_path="sklearn.preprocessing.StandardScaler", params={}, source=at("/pipeline/0", 2, 5))],
        y_processing=None,
        splitter=StepSpec(class_path="sklearn.model_selection.KFold", params={}, source=at("/pipeline/1", 3, 5)),
        model=StepSpec(class_path="sklearn.linear_model.Ridge", params={"alpha": 2.0}, source=at("/pipeline/3/model/params/model", 9, 16)),
        unsupported=[UnsupportedStep(
            source=at("/pipeline/3/model", 7, 7),
            reason="a MetaModel trains its model on the predictions of the models before it; ftrun cannot build that input",
        )],
    )}


def test_feature_augmentation_before_or_around_the_model_is_unsupported() -> None:
    text = f"""\
pipeline:
  - sklearn.preprocessing.StandardScaler
  - feature_augmentation: [null, sklearn.preprocessing.MinMaxScaler]
  - sample_augmentation: {{transformers: [sklearn.preprocessing.Normalizer], count: 2}}
  - name: after
    model: sklearn.linear_model.Ridge
    {FT}
  - feature_augmentation:
      - name: inside
        model: sklearn.linear_model.Lasso
        {FT}
"""
    augmentation = UnsupportedStep(source=at("/pipeline/1", 3, 5), reason="feature_augmentation branches are not supported by ftrun")
    sample = UnsupportedStep(source=at("/pipeline/2", 4, 5), reason="`sample_augmentation` steps are not supported by ftrun")
    scaler = StepSpec(class_path="sklearn.preprocessing.StandardScaler", params={}, source=at("/pipeline/0", 2, 5))
    assert pipelines(text) == {
        "after": PipelineContext(
            transforms=[scaler], y_processing=None, splitter=None,
            model=StepSpec(class_path="sklearn.linear_model.Ridge", params={}, source=at("/pipeline/3/model", 6, 12)),
            unsupported=[augmentation, sample],
        ),
        "inside": PipelineContext(
            transforms=[scaler], y_processing=None, splitter=None,
            model=StepSpec(class_path="sklearn.linear_model.Lasso", params={}, source=at("/pipeline/4/feature_augmentation/0/model", 10, 16)),
            unsupported=[augmentation, sample, UnsupportedStep(source=at("/pipeline/4", 8, 5), reason="feature_augmentation branches are not supported by ftrun")],
        ),
    }


def test_bare_block_has_no_pipeline() -> None:
    assert pipelines("n_trials: 3\nmodel_params: {alpha: [0.1, 1.0]}\n") == {"finetune_params": None}
    assert pipelines("finetune_params: {n_trials: 3, model_params: {alpha: [0.1, 1.0]}}\n") == {"/finetune_params": None}


def test_single_step_file_has_a_pipeline_of_its_model_only() -> None:
    text = f"name: knn\nmodel: {{class: sklearn.neighbors.KNeighborsRegressor, params: {{weights: distance}}}}\n{FT}\n"
    assert pipelines(text) == {"knn": PipelineContext(
        transforms=[], y_processing=None, splitter=None,
        model=StepSpec(class_path="sklearn.neighbors.KNeighborsRegressor", params={"weights": "distance"}, source=at("/model", 2, 8)),
        unsupported=[],
    )}


def test_string_steps_class_paths_keywords_and_the_string_model() -> None:
    text = f"""\
pipeline:
  - sklearn.preprocessing.StandardScaler
  - sklearn.model_selection.KFold
  - uncluster
  - fold_chart
  - null
  - name: s
    model: sklearn.svm.SVR
    y_pipeline: sklearn.preprocessing.StandardScaler
    {FT}
"""
    assert pipelines(text) == {"s": PipelineContext(
        transforms=[StepSpec(class_path="sklearn.preprocessing.StandardScaler", params={}, source=at("/pipeline/0", 2, 5))],
        y_processing=StepSpec(class_path="sklearn.preprocessing.StandardScaler", params={}, source=at("/pipeline/5/y_pipeline", 9, 17)),
        splitter=StepSpec(class_path="sklearn.model_selection.KFold", params={}, source=at("/pipeline/1", 3, 5)),
        model=StepSpec(class_path="sklearn.svm.SVR", params={}, source=at("/pipeline/5/model", 8, 12)),
        unsupported=[UnsupportedStep(source=at("/pipeline/2", 4, 5), reason="`uncluster` is not a step ftrun knows")],
    )}


def test_params_that_are_not_a_mapping_are_refused() -> None:
    text = f"""\
pipeline:
  - class: sklearn.preprocessing.StandardScaler
    params: [true, false]
  - name: m
    model: {{class: sklearn.linear_model.Ridge, params: 1.5}}
    {FT}
"""
    assert pipelines(text) == {"m": PipelineContext(
        transforms=[], y_processing=None, splitter=None, model=None,
        unsupported=[
            UnsupportedStep(source=at("/pipeline/0/params", 3, 13), reason="the `params` of the step is not a mapping (found a list)"),
            UnsupportedStep(source=at("/pipeline/1/model/params", 5, 56), reason="the `params` of the `model` is not a mapping (found number 1.5)"),
        ],
    )}


@pytest.mark.parametrize(
    ("steps", "reason", "pointer"),
    [
        ("- split: sklearn.model_selection.GroupKFold\n    group: Sample_ID",
         "the `split` step has `group`, which ftrun does not apply", "/pipeline/0/group"),
        ("- y_processing: [sklearn.preprocessing.StandardScaler, sklearn.preprocessing.MinMaxScaler]",
         "the `y_processing` step is a list of 2 steps; ftrun applies one class here", "/pipeline/0/y_processing"),
        ("- function: numpy.log1p", "a function step, not a class; ftrun cannot run it", "/pipeline/0"),
        ("- class: StandardScaler", "the `class` of the step is not a dotted class path (found string 'StandardScaler')", "/pipeline/0/class"),
        ("- class: sklearn.preprocessing.StandardScaler\n    fit_on_all: true",
         "the step has `fit_on_all` beside class and params, which ftrun does not apply", "/pipeline/0/fit_on_all"),
        ("- class: sklearn.preprocessing.StandardScaler\n    params: {with_mean: .nan}",
         "the `params` of the step hold a number that is not finite (NaN, Infinity or too large)", "/pipeline/0/params"),
        ("- concat_transform: [sklearn.decomposition.PCA]", "`concat_transform` steps are not supported by ftrun", "/pipeline/0"),
        ("- branch: [[sklearn.decomposition.PCA], [sklearn.preprocessing.Normalizer]]",
         "a `branch` step before the model (the model would run once per branch) is not supported by ftrun", "/pipeline/0"),
        ("- 42", "the step is not a class path or a {class, params} mapping (found number 42)", "/pipeline/0"),
    ],
    ids=["split-group", "y-chain", "function", "undotted-class", "extra-key", "non-finite", "concat", "branch-before", "number"],
)
def test_steps_that_are_not_class_and_params_are_refused(steps: str, reason: str, pointer: str) -> None:
    text = f"pipeline:\n  {steps}\n  - name: m\n    model: sklearn.linear_model.Ridge\n    {FT}\n"
    (pipeline,) = pipelines(text).values()
    assert pipeline is not None
    assert [(u.source.pointer, u.reason) for u in pipeline.unsupported] == [(pointer, reason)]
    assert pipeline.transforms == [] and pipeline.y_processing is None
    assert pipeline.model == StepSpec(class_path="sklearn.linear_model.Ridge", params={}, source=pipeline.model.source)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("model", "reason"),
    [
        ("{function: nirs4all.operators.models.tensorflow.nicon.customizable_nicon}", "the `model` is a function, not a class"),
        ("{params: {alpha: 1}}", "the `model` has no `class`"),
        ("Ridge", "the `model` 'Ridge' is not a dotted class path"),
    ],
)
def test_a_model_that_is_not_class_and_params_is_null_and_refused(model: str, reason: str) -> None:
    (pipeline,) = pipelines(f"pipeline:\n  - model: {model}\n    {FT}\n").values()
    assert pipeline is not None and pipeline.model is None
    assert [(u.source.pointer, u.reason) for u in pipeline.unsupported] == [("/pipeline/0/model", reason)]


def test_separation_branch_and_stack_containers_are_refused() -> None:
    text = f"""\
pipeline:
  - branch:
      by_tag: outlier
      steps:
        - name: sep
          model: sklearn.linear_model.Ridge
          {FT}
  - stack:
      base_learners:
        - name: base
          model: sklearn.linear_model.Lasso
          {FT}
"""
    found = {k: [(u.source.pointer, u.reason) for u in v.unsupported] for k, v in pipelines(text).items()}  # type: ignore[union-attr]
    assert found == {
        "sep": [("/pipeline/0", "a separation branch (`branch` with `by_tag`) is not supported by ftrun")],
        "base": [
            ("/pipeline/0", "a `branch` step before the model (the model would run once per branch) is not supported by ftrun"),
            ("/pipeline/1", "the model sits inside a `stack` step, which ftrun cannot run"),
        ],
    }


_STEP_KEYS = [
    "class", "params", "model", "name", "preprocessing", "y_processing", "y_pipeline", "split", "group", "branch",
    "dispatch", "feature_augmentation", "sample_augmentation", "stack", "base_learners", "function", "_comment",
    "chart_2d", "by_tag", "steps", "finetune_params", "finetune_space",
]
_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["sklearn.preprocessing.StandardScaler", "sklearn.model_selection.KFold", "chart_2d", "x", "a.b-c", ""]),
)
_steps = st.recursive(
    _leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(_STEP_KEYS), inner, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_steps, max_size=6), st.integers(0, 6), _steps)
def test_lowering_any_pipeline_never_crashes_and_round_trips(steps: list[Any], where: int, model: Any) -> None:
    steps = list(steps)
    steps.insert(min(where, len(steps)), {"model": model, "finetune_params": {"n_trials": 2, "model_params": {"a": [1, 2]}}})
    result = compile_text(json.dumps({"pipeline": steps}, allow_nan=True), "p.json")
    text = dump_ir(result.ir)
    assert load_ir(text) == result.ir
    for study in result.ir.studies:
        assert study.pipeline is not None


def test_a_string_splitter_step_gives_the_model_folds() -> None:
    text = f"pipeline:\n  - sklearn.model_selection.KFold\n  - name: m\n    model: sklearn.linear_model.Ridge\n    {FT}\n"
    result = compile_text(text, "p.yaml")
    (study,) = result.ir.studies
    assert study.pipeline is not None and study.pipeline.splitter is not None
    assert study.pipeline.splitter.class_path == "sklearn.model_selection.KFold"
    assert "FT326" not in {d.code for d in result.diagnostics}  # approach-without-folds: the splitter is seen
    no_split = compile_text(text.replace("sklearn.model_selection.KFold", "sklearn.preprocessing.StandardScaler"), "p.yaml")
    assert "FT326" in {d.code for d in no_split.diagnostics}


# --------------------------------------------------------------------------- messages say what is true (issue 11)


@pytest.mark.parametrize("key", ["timeout", "timeout_seconds"])
def test_ft105_names_the_key_as_written(key: str) -> None:
    _, _, result = compile_block({key: 600, "model_params": {"a": {"type": "int", "low": 1, "high": 3}}})
    (d,) = [d for d in result.diagnostics if d.code == "FT105"]
    assert d.message == f"`{key}` was never read by nirs4all; it now limits the study to 600 seconds"
    assert d.pointer == f"{B}/{key}"


def test_ft114_points_to_ftrun_verbose() -> None:
    _, _, result = compile_block({"verbose": 2, "model_params": {"a": {"type": "int", "low": 1, "high": 3}}})
    (d,) = [d for d in result.diagnostics if d.code == "FT114"]
    assert d.message == "`verbose` is not part of the study: for a verbose run, use `ftrun --verbose`"


# --------------------------------------------------------------------------- did you mean


@pytest.mark.parametrize(
    ("block", "code", "suggestion"),
    [
        ({**V2, "n_trails": 10}, "FT102", "n_trials"),
        ({**V2, "sampler": "tpee"}, "FT301", "tpe"),
        ({**V2, "pruner": "medain"}, "FT318", "median"),
        ({**V2, "approach": "grouped_"}, "FT307", "grouped"),
        ({**V2, "eval_mode": "meen"}, "FT310", "mean"),
        ({**V2, "metric": "rsme"}, "FT313", "rmse"),
        ({**V2, "metric": "r2", "direction": "maximise"}, "FT328", "maximize"),
        ({**V2, "model_params": {"a": {"type": "categorial", "choices": [1]}}}, "FT212", "categorical"),
        ({**V2, "model_params": {"a": {"type": "int", "low": 1, "hihg": 3}}}, "FT102", "high"),
        ({"n_trails": 10, "model_params": {"a": [1, 2, 3]}}, "FT103", "n_trials"),  # legacy
        ({"sampler": "tpes", "model_params": {"a": [1, 2, 3]}}, "FT301", "tpe"),
        ({"pruner": "hyperbandd", "model_params": {"a": [1, 2, 3]}}, "FT318", "hyperband"),
        ({"approach": "singel", "model_params": {"a": [1, 2, 3]}}, "FT307", "single"),
        ({"eval_mode": "robust_bset", "model_params": {"a": [1, 2, 3]}}, "FT310", "robust_best"),
        ({"direction": "minimse", "model_params": {"a": [1, 2, 3]}}, "FT328", "minimize"),
    ],
)
def test_unknown_names_suggest_the_closest_valid_one(block: dict[str, Any], code: str, suggestion: str) -> None:
    _, _, result = compile_block(block)
    (d,) = [d for d in result.diagnostics if d.code == code]
    assert d.message.endswith(f"(did you mean {suggestion!r}?)"), d.message


def test_no_suggestion_when_nothing_is_close() -> None:
    _, _, result = compile_block({"pruner": "asha", "model_params": {"a": [1, 2, 3]}})
    (d,) = [d for d in result.diagnostics if d.code == "FT318"]
    assert d.message == "unknown pruner 'asha' (nirs4all accepts none, median, successive_halving, hyperband)"
