"""What a trial computes: intermediate values under `grouped`, every pruner kind pruning on them,
the eval modes' failed-fold rules, and the eval-mode registry as the compiler and migrator read it."""

from __future__ import annotations

import json
import time
import math
from typing import Any

import numpy as np
import pytest

from ftspec.compiler.compile import compile_text
from ftspec.migrate.engine import migrate_text, strip_source
from ftspec.runtime.metrics import aggregate
from ftspec.runtime.optimize import StudyFailed, optimize
from ftspec.schema.vocab import EVAL_MODES, PRUNERS
from tests.runtime_ir import entry, make_study

N_TRIALS, N_FOLDS = 8, 4
BAD = {3, 5, 6}
"""Trials that score 10 + fold on every fold; the others score 2 - 0.1 t + 0.01 fold (each better than the last)."""
DATA = (np.zeros((40, 1)), np.arange(40.0))
FOLDS = [(np.setdiff1d(np.arange(40), np.arange(k * 10, k * 10 + 10)), np.arange(k * 10, k * 10 + 10)) for k in range(N_FOLDS)]
WARMUP = {"n_startup_trials": 2, "n_warmup_steps": 0, "interval_steps": 1, "n_min_trials": 1}
PRUNER_OPTIONS: dict[str, dict[str, Any]] = {
    "median": WARMUP,
    "percentile": {"percentile": 25.0, **WARMUP},
    "successive_halving": {"min_resource": 1, "reduction_factor": 2, "min_early_stopping_rate": 0, "bootstrap_count": 0},
    "hyperband": {"min_resource": 1, "max_resource": N_FOLDS, "reduction_factor": 2, "bootstrap_count": 0},
    "threshold": {"lower": None, "upper": 5.0, "n_warmup_steps": 0, "interval_steps": 1},
    "wilcoxon": {"p_threshold": 0.1, "n_startup_steps": 2},
    "patient": {"wrapped": {"kind": "median", "options": WARMUP}, "patience": 0, "min_delta": 0.0},
}
# (trial, state, folds scored) of the trials each pruner prunes; every other trial completes its 4 folds.
PRUNED: dict[str, list[tuple[int, int]]] = {
    "median": [(3, 1), (5, 1), (6, 1)],  # worse than the median of the earlier trials at fold 0
    "percentile": [(3, 1), (5, 1), (6, 1)],
    "successive_halving": [(3, 2), (5, 2), (6, 2)],  # rung 0 is the first 2**0 = 1 step: judged after fold 1
    "hyperband": [(6, 2)],  # trials 3 and 5 fall in the bracket that never stops early (crc32 of the study name)
    "threshold": [(3, 1), (5, 1), (6, 1)],  # 10 > upper 5 at once
    "wilcoxon": [(3, 4), (5, 4), (6, 4)],  # the test needs every step against the best trial's
    "patient": [(3, 2), (5, 2), (6, 2)],  # patience 0: one step without improvement, then the median decides
}


def scheduled(model: dict[str, Any], train: dict[str, Any], split: Any) -> float:
    t, k = model["t"], split.index
    return 10.0 + k if t in BAD else 2.0 - 0.1 * t + 0.01 * k


def _study(pruner: str = "none", options: dict[str, Any] | None = None, **overrides: Any) -> Any:
    fields: dict[str, Any] = dict(
        approach="grouped", validation=None, eval_mode="mean", n_trials=N_TRIALS, seed=0,
        space=[entry("int", "t", low=0, high=N_TRIALS - 1, step=1, log=False)],
        force_params=[{"model": {"t": t}, "train": {}} for t in range(N_TRIALS)],
        pruner={"kind": pruner, "options": options if options is not None else {}},
    )
    fields.update(overrides)
    return make_study(**fields)


def test_every_pruner_of_the_registry_has_a_case() -> None:
    assert set(PRUNER_OPTIONS) == {k for k, spec in PRUNERS.items() if spec.intermediate}


@pytest.mark.parametrize("kind", list(PRUNER_OPTIONS))
def test_grouped_reports_the_running_aggregate_after_each_fold_and_the_pruner_prunes(kind: str) -> None:
    # A fixed study name: HyperbandPruner draws each trial's bracket from crc32(study name + number).
    report = optimize(_study(kind, PRUNER_OPTIONS[kind]), scheduled, DATA, folds=FOLDS, study_name="semantics")
    pruned = [(t.model_params["t"], len(t.intermediate)) for t in report.trials if t.state == "PRUNED"]
    assert pruned == PRUNED[kind]
    for t in report.trials:
        scores = [scheduled({"t": t.model_params["t"]}, {}, type("S", (), {"index": k})()) for k in range(N_FOLDS)]
        expected = [[k, float(np.mean(scores[: k + 1]))] for k in range(len(t.intermediate))]
        assert t.intermediate == expected  # step = fold index, value = the mean of the folds so far
        if t.state == "COMPLETE":
            assert len(t.intermediate) == N_FOLDS and t.value == expected[-1][1] and t.fold_scores == scores
        else:
            assert t.value is None and t.fold_scores == scores[: len(t.intermediate)]
    assert report.n_pruned == len(PRUNED[kind]) and report.n_complete == N_TRIALS - len(PRUNED[kind])


def test_without_a_pruner_nothing_is_reported_as_in_nirs4all() -> None:
    report = optimize(_study(), scheduled, DATA, folds=FOLDS)
    assert [t.intermediate for t in report.trials] == [[]] * N_TRIALS and report.n_complete == N_TRIALS


@pytest.mark.parametrize("approach", ["single", "individual"])
def test_one_score_per_trial_reports_nothing(approach: str) -> None:
    validation = {"holdout_fraction": 0.25, "seed": 0} if approach == "single" else None
    study = _study("median", WARMUP, approach=approach, validation=validation)
    report = optimize(study, scheduled, DATA, folds=None if approach == "single" else FOLDS)
    trials = [t for f in report.folds for t in f.trials] if report.folds else report.trials
    assert all(t.intermediate == [] and t.state == "COMPLETE" for t in trials)


# --------------------------------------------------------------------------- failed folds

def _failing(outcomes: dict[int, Any]) -> Any:
    """Fold k returns outcomes[k] (an exception is raised), 1.0 + k otherwise; records the folds called."""
    called: list[int] = []

    def objective(model: dict[str, Any], train: dict[str, Any], split: Any) -> float:
        called.append(split.index)
        value = outcomes.get(split.index, 1.0 + split.index)
        if isinstance(value, BaseException):
            raise value
        return value  # type: ignore[no-any-return]

    objective.called = called  # type: ignore[attr-defined]
    return objective


def _one_trial(eval_mode: str, outcomes: dict[int, Any], direction: str = "minimize", pruner: str = "none") -> tuple[Any, list[int]]:
    objective = _failing(outcomes)
    metric = "rmse" if direction == "minimize" else "r2"
    options = WARMUP if pruner == "median" else {}
    study = _study(pruner, options, eval_mode=eval_mode, direction=direction, metric=metric, n_trials=1, force_params=[])
    try:
        report = optimize(study, objective, DATA, folds=FOLDS)
    except StudyFailed as exc:
        report = exc.report
    return report.trials[0], objective.called


@pytest.mark.parametrize("eval_mode", [m for m, spec in EVAL_MODES.items() if spec.failed_folds == "fail_trial"])
def test_fail_trial_modes_stop_the_trial_at_the_failed_fold(eval_mode: str) -> None:
    trial, called = _one_trial(eval_mode, {1: RuntimeError("singular matrix\nsecond line")})
    assert (trial.state, trial.value, called) == ("FAIL", None, [0, 1])
    assert trial.failure == {"type": "RuntimeError", "message": "singular matrix", "fold": 1}
    trial, called = _one_trial(eval_mode, {2: float("nan")})
    assert (trial.state, trial.failure, called) == ("FAIL", {"type": "ValueError", "message": "the fold scored nan", "fold": 2}, [0, 1, 2])


@pytest.mark.parametrize(("eval_mode", "direction", "outcomes", "value"), [
    ("nirs4all_mean", "minimize", {1: RuntimeError("boom")}, math.inf),
    ("nirs4all_mean", "maximize", {1: float("nan")}, -math.inf),
    ("nirs4all_best", "minimize", {0: RuntimeError("boom")}, 2.0),  # best of folds 1..3 (2, 3, 4)
    ("nirs4all_best", "maximize", {3: float("inf")}, 3.0),  # +inf is a failed fold, not the best score
    ("nirs4all_best", "minimize", {k: ValueError("x") for k in range(N_FOLDS)}, math.inf),
])
def test_worst_modes_score_a_failed_fold_as_the_worst_value_and_go_on(eval_mode: str, direction: str, outcomes: dict[int, Any], value: float) -> None:
    trial, called = _one_trial(eval_mode, outcomes, direction)
    assert (trial.state, trial.value, called) == ("COMPLETE", value, [0, 1, 2, 3])
    worst = math.inf if direction == "minimize" else -math.inf
    assert trial.fold_scores == [worst if k in outcomes else 1.0 + k for k in range(N_FOLDS)]
    assert [f["fold"] for f in trial.failed_folds] == sorted(outcomes)


def test_worst_rule_reports_a_non_finite_fold_but_not_one_that_raised() -> None:
    # nirs4all 1.4.10 reports inside the try block: a fold that raised leaves it before the report.
    trial, _ = _one_trial("nirs4all_mean", {1: RuntimeError("boom"), 2: float("nan")}, pruner="median")
    assert trial.intermediate == [[0, 1.0], [2, math.inf], [3, math.inf]]
    assert trial.failed_folds == [{"type": "RuntimeError", "message": "boom", "fold": 1},
                                  {"type": "ValueError", "message": "the fold scored nan", "fold": 2}]


@pytest.mark.parametrize(("direction", "q", "expected"), [("minimize", 0.75, 3.75), ("maximize", 0.25, 1.75)])
def test_robust_best_is_the_pessimistic_quantile_the_ir_records(direction: str, q: float, expected: float) -> None:
    metric = "rmse" if direction == "minimize" else "r2"
    block = {"version": 2, "metric": metric, "eval_mode": "robust_best", "model_params": {"alpha": {"type": "float", "low": 0.1, "high": 1.0}}}
    (study,) = compile_text(json.dumps({"finetune_params": block}), "b.json").ir.studies
    assert (study.eval_mode, study.objectives[0].eval_quantile) == ("robust_best", q)
    assert aggregate("robust_best", direction, study.objectives[0].eval_quantile)([3.0, 1.0, 2.0, 6.0]) == expected == float(np.quantile([1, 2, 3, 6], q))


# --------------------------------------------------------------------------- the compiler and migrator read the registry

@pytest.mark.parametrize(("written", "mode"), [(None, "nirs4all_best"), ("best", "nirs4all_best"), ("robust_best", "nirs4all_best"),
                                               ("mean", "nirs4all_mean"), ("avg", "nirs4all_mean")])
def test_legacy_eval_modes_lower_to_what_nirs4all_computes(written: str | None, mode: str) -> None:
    block: dict[str, Any] = {"metric": "rmse", "model_params": {"alpha": [0.1, 1.0, 10.0]}}
    if written is not None:
        block["eval_mode"] = written
    result = compile_text(json.dumps({"finetune_params": block}), "b.json")
    (study,) = result.ir.studies
    assert (study.eval_mode, study.objectives[0].eval_quantile) == (mode, None)
    ft334 = [(d.severity, d.pointer, d.line, d.column) for d in result.diagnostics if d.code == "FT334"]
    assert ft334 == ([("warning", "/finetune_params/eval_mode", 1, 98)] if written == "robust_best" else [])


def test_v2_reads_the_nirs4all_modes_and_rejects_them_nowhere() -> None:
    for mode in ("nirs4all_mean", "nirs4all_best", "mean", "median", "best", "robust_best"):
        block = {"version": 2, "metric": "rmse", "eval_mode": mode, "model_params": {"alpha": [0.1, 1.0, 10.0]}}
        result = compile_text(json.dumps({"finetune_params": block}), "b.json")
        assert result.ir.studies[0].eval_mode == mode and not [d for d in result.diagnostics if d.code == "FT310"]


@pytest.mark.parametrize(("written", "v2"), [("robust_best", "nirs4all_best"), ("mean", "nirs4all_mean"), ("best", "nirs4all_best")])
def test_migration_keeps_nirs4all_number(written: str, v2: str) -> None:
    text = f"finetune_params:\n  eval_mode: {written}\n  sampler: tpe\n  seed: 1\n  metric: rmse\n  model_params:\n    alpha: {{type: float, low: 0.1, high: 1.0}}\n"
    result = migrate_text(text, "p.yaml")
    assert result.text == text.replace("finetune_params:\n", "finetune_params:\n  version: 2\n").replace(f"eval_mode: {written}", f"eval_mode: {v2}")
    before, after = (compile_text(t, "p.yaml").ir.studies[0] for t in (text, result.text))
    assert strip_source(before) == strip_source(after)


def test_timeout_under_individual_is_one_budget_for_all_folds() -> None:
    def slow(model: dict[str, Any], train: dict[str, Any], split: Any) -> float:
        time.sleep(0.05)
        return 1.0

    study = _study(approach="individual", n_trials=1000, force_params=[], timeout_seconds=0.3)
    report = optimize(study, slow, DATA, folds=FOLDS)
    # Fold 0 used the whole budget (Optuna stops it at the deadline); the other folds never start.
    assert [f.stop_reason for f in report.folds] == ["timeout"]
    assert (report.partial, report.stop_reason, report.n_trials) == (True, "timeout", 1000 * N_FOLDS)
    assert 1 <= report.n_finished < 1000
