"""ftspec.runtime.optimize with a plain-callable objective: exact counts, order, failures, limits."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pytest

import optuna

import ftspec.runtime  # noqa: E402
from ftspec.runtime import optimize as optimize_fn  # noqa: E402
from ftspec.runtime.build import build_sampler  # noqa: E402
from ftspec.runtime.optimize import FAILURE_ATTR, INTERRUPTED_ATTR, Report, StudyFailed  # noqa: E402
from ftspec.schema.ir_model import load_ir  # noqa: E402
from runtime_ir import entry as _entry  # noqa: E402
from runtime_ir import make_study, xnm_space  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
optuna.logging.set_verbosity(optuna.logging.ERROR)

TPE = {"kind": "tpe", "options": {"n_startup_trials": 3, "n_ei_candidates": 8, "multivariate": True, "group": False, "constant_liar": True}}
RANDOM = {"kind": "random", "options": {}}


SPACE = xnm_space(n_path=["inner", "n"])


def _study(**overrides):
    fixed = {"model": {"inner": {"k": 1}, "alpha": 0.5}, "train": {"epochs": 3}}
    return make_study(**{"n_trials": 8, "approach": "grouped", "validation": None, "space": SPACE, "fixed": fixed, **overrides})


def quadratic(model, train, split):
    return (model["x"] - 0.5) ** 2 + model["inner"]["n"] / 10 + (train["mode"] == "b")


def _sequence(report: Report):
    return [(t.number, t.state, t.model_params, t.train_params, t.value) for t in report.trials]


def test_package_exports_the_function():
    assert ftspec.runtime.optimize is optimize_fn and callable(optimize_fn)


def test_objective_gets_nested_params_with_fixed_values_and_the_split():
    seen = []

    def objective(model, train, split):
        seen.append((model, train, split))
        return 1.0

    report = optimize_fn(_study(n_trials=3), objective, split="SPLIT")
    assert len(seen) == 3
    for (model, train, split), record in zip(seen, report.trials):
        assert set(model) == {"x", "inner", "alpha"} and model["inner"]["k"] == 1 and model["alpha"] == 0.5
        assert set(model["inner"]) == {"k", "n"} and train["epochs"] == 3 and split == "SPLIT"
        assert record.model_params == {"x": model["x"], "n": model["inner"]["n"]} and record.train_params == {"mode": train["mode"]}


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_direction_from_the_ir(direction):
    report = optimize_fn(_study(direction=direction, n_trials=10), quadratic)
    values = [t.value for t in report.trials]
    best = min(values) if direction == "minimize" else max(values)
    assert report.direction == direction and report.best_value == best
    assert report.best_number == values.index(best)
    best_trial = report.trials[report.best_number]
    assert report.best_model_params == {"x": best_trial.model_params["x"], "inner": {"k": 1, "n": best_trial.model_params["n"]}, "alpha": 0.5}
    assert report.best_train_params == {"epochs": 3, "mode": best_trial.train_params["mode"]}


@pytest.mark.parametrize("sampler", [RANDOM, TPE])
def test_same_ir_and_seed_give_the_same_trials(sampler):
    a = optimize_fn(_study(sampler=sampler, n_trials=8), quadratic)
    b = optimize_fn(_study(sampler=sampler, n_trials=8), quadratic)
    c = optimize_fn(_study(sampler=sampler, n_trials=8, seed=8), quadratic)
    assert _sequence(a) == _sequence(b)
    assert [t.model_params for t in a.trials] != [t.model_params for t in c.trials]


def test_force_params_are_enqueued_first():
    forced = [{"model": {"x": 1.5, "n": 7}, "train": {"mode": "b"}}, {"model": {"x": -1.0}, "train": {}}]
    report = optimize_fn(_study(force_params=forced, n_trials=4), quadratic)
    assert report.trials[0].model_params == {"x": 1.5, "n": 7} and report.trials[0].train_params == {"mode": "b"}
    assert report.trials[1].model_params["x"] == -1.0
    assert report.trials[0].value == pytest.approx(1.0 + 0.7 + 1)


def test_fixture_phases_and_force_params():
    study = load_ir((ROOT / "fixtures/v2/phases_force.ir.json").read_text()).studies[0]
    report = optimize_fn(study, lambda m, t, s: m["max_depth"] * m["learning_rate"] + t["rounds"] / 1000)
    assert report.n_finished == report.n_complete == 40 and not report.partial and report.stop_reason == "n_trials"
    assert (report.trials[0].model_params, report.trials[0].train_params) == (
        {"max_depth": 4, "learning_rate": 0.1, "booster": "gbtree"},
        {"rounds": 200},
    )
    assert report.trials[1].model_params["max_depth"] == 8


def test_phases_run_in_order_with_their_samplers_and_counts(monkeypatch):
    import sys

    mod = sys.modules["ftspec.runtime.engine"]

    log = []

    def recording_build(spec, space, seed):
        sampler = build_sampler(spec, space, seed)
        original = sampler.after_trial
        kind = spec.kind if hasattr(spec, "kind") else spec["kind"]

        def after_trial(study, trial, state, values):
            log.append((kind, trial.number, seed))
            return original(study, trial, state, values)

        sampler.after_trial = after_trial
        return sampler

    monkeypatch.setattr(mod, "build_sampler", recording_build)
    study = _study(n_trials=7, sampler=TPE, phases=[{"n_trials": 3, "sampler": RANDOM}, {"n_trials": 4, "sampler": TPE}])
    report = optimize_fn(study, quadratic)
    # The first batch keeps the IR seed; a later phase reseeds from (seed, trials so far), so that
    # two phases with the same sampler never replay one parameter stream.
    phase2_seed = int(np.random.SeedSequence([7, 3]).generate_state(1)[0])
    assert log == [("random", i, 7) for i in range(3)] + [("tpe", i, phase2_seed) for i in range(3, 7)]
    assert report.n_finished == 7


def test_resume_in_sqlite_ends_at_exactly_n_trials(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    phases = [{"n_trials": 2, "sampler": RANDOM}, {"n_trials": 4, "sampler": TPE}]
    study = _study(n_trials=6, storage={"url": url, "study_name": "resumable", "resume": True}, phases=phases,
                   force_params=[{"model": {"x": 0.0}, "train": {}}])
    calls = []

    def interrupted(model, train, split):
        calls.append(model["x"])
        if len(calls) == 4:
            raise KeyboardInterrupt
        return quadratic(model, train, split)

    with pytest.raises(KeyboardInterrupt) as caught:  # still a KeyboardInterrupt, carrying the partial report
        optimize_fn(study, interrupted)
    assert (caught.value.report.n_finished, caught.value.report.stop_reason) == (3, "interrupted")
    stored = optuna.load_study(study_name="resumable", storage=url)
    # The interrupted trial is not counted: a retry with its params waits in its budget slot.
    assert [t.state.name for t in stored.trials] == ["COMPLETE", "COMPLETE", "COMPLETE", "FAIL", "WAITING"]
    assert stored.trials[3].user_attrs[FAILURE_ATTR] == {"type": "KeyboardInterrupt", "message": "", "fold": None}
    assert stored.trials[3].user_attrs[INTERRUPTED_ATTR] is True
    assert stored.trials[4].params == stored.trials[3].params and stored.trials[4].system_attrs["failed_trial"] == 3

    report = optimize_fn(study, quadratic)
    assert report.n_finished == 6 and (report.n_complete, report.n_failed) == (6, 0)
    assert [t.number for t in report.trials] == [0, 1, 2, 4, 5, 6] and report.trials[0].model_params["x"] == 0.0
    assert report.trials[3].model_params == caught.value.report.trials[3].model_params  # the retry ran the interrupted params
    assert sum(t.params.get("x") == 0.0 for t in optuna.load_study(study_name="resumable", storage=url).trials) == 1  # not re-enqueued
    again = optimize_fn(study, quadratic)
    assert again.n_finished == 6 and not again.partial and again.stop_reason == "n_trials"
    bigger = optimize_fn(_study(n_trials=9, storage={"url": url, "study_name": "resumable", "resume": True}), quadratic)
    assert bigger.n_finished == 9


def test_journal_storage(tmp_path):
    study = _study(n_trials=3, storage={"url": f"journal:///{tmp_path / 'j.log'}", "study_name": "j", "resume": True})
    assert optimize_fn(study, quadratic).n_finished == 3
    assert optimize_fn(_study(n_trials=5, storage=study.storage.__dict__), quadratic).n_finished == 5


@pytest.mark.parametrize("n_jobs", [1, 3])
def test_n_jobs_in_one_process_stops_at_exactly_n_trials(n_jobs):
    report = optimize_fn(_study(n_trials=11, n_jobs=n_jobs), quadratic)
    assert report.n_finished == 11 and len(report.trials) == 11


def test_failed_trials_are_recorded_with_type_and_message_never_scored():
    def objective(model, train, split):
        n = model["inner"]["n"]
        if train["mode"] == "b":
            raise RuntimeError(f"diverged at n={n}")
        return float("nan") if n == 1 else (model["x"] if n > 3 else "bad")

    report = optimize_fn(_study(n_trials=30, seed=1), objective)
    assert report.n_finished == 30 and report.n_failed + report.n_complete == 30
    for t in report.trials:
        n = t.model_params["n"]
        if t.train_params["mode"] == "b":
            assert (t.state, t.value, t.failure) == ("FAIL", None, {"type": "RuntimeError", "message": f"diverged at n={n}", "fold": None})
        elif n == 1:
            assert (t.state, t.value, t.failure) == ("FAIL", None, {"type": "ValueError", "message": "the fold scored nan", "fold": None})
        elif n <= 3:
            assert (t.state, t.value, t.failure) == ("FAIL", None, {"type": "TypeError", "message": "the objective returned str 'bad', not a number", "fold": None})
        else:
            assert (t.state, t.value, t.failure) == ("COMPLETE", t.model_params["x"], None)
    assert report.best_value == min(t.value for t in report.trials if t.state == "COMPLETE")


def test_max_consecutive_failures_stops_with_a_report():
    calls = []

    def objective(model, train, split):
        calls.append(1)
        if len(calls) > 2:
            raise ValueError("boom")
        return 0.0

    study = _study(n_trials=50, failure_policy={"max_consecutive_failures": 3, "max_failure_ratio": None})
    with pytest.raises(StudyFailed, match=r"failure policy: 3 consecutive failed trials \(max_consecutive_failures=3\)") as info:
        optimize_fn(study, objective)
    report = info.value.report
    assert (report.n_finished, report.n_complete, report.n_failed) == (5, 2, 3)
    assert report.partial and report.stop_reason == "failure_policy" and report.best_value == 0.0


def _scripted(outcomes):
    """An objective that returns the scripted values in order, raising OSError for None."""
    it = iter(outcomes)

    def objective(model, train, split):
        value = next(it)
        if value is None:
            raise OSError("disk")
        return value

    return objective


def test_max_failure_ratio_waits_for_its_minimum_sample():
    # Ten failures in a row: the ratio is 1.0 from the first trial, but it is judged only at 10.
    study = _study(n_trials=30, failure_policy={"max_consecutive_failures": None, "max_failure_ratio": 0.5})
    with pytest.raises(StudyFailed, match=r": 10 of 10 finished trials failed, ratio 1 > max_failure_ratio=0\.5$") as info:
        optimize_fn(study, _scripted([None] * 30))
    report = info.value.report
    assert (report.n_finished, report.n_failed, report.stop_reason, report.partial) == (10, 10, "failure_policy", True)


def test_max_failure_ratio_is_judged_on_the_sample_not_the_first_trials():
    # 2 of the first 2 failed (ratio 1.0), 2 of 10 at the minimum sample (0.2); then 6 more
    # failures give 8 of 16 (0.5, not > 0.5): the study completes.
    head = [None, None] + [float(i) for i in range(8)]
    study = _study(n_trials=16, failure_policy={"max_consecutive_failures": None, "max_failure_ratio": 0.5})
    report = optimize_fn(study, _scripted(head + [None] * 6))
    assert (report.n_finished, report.n_failed, report.stop_reason) == (16, 8, "n_trials")
    # With 20 trials, the 7th failure after the sample makes 9 of 17 (0.529 > 0.5).
    study = _study(n_trials=20, failure_policy={"max_consecutive_failures": None, "max_failure_ratio": 0.5})
    with pytest.raises(StudyFailed, match=r": 9 of 17 finished trials failed, ratio 0\.529 > max_failure_ratio=0\.5$") as info:
        optimize_fn(study, _scripted(head + [None] * 10))
    assert info.value.report.n_finished == 17


def test_max_failure_ratio_sample_is_n_trials_when_smaller():
    study = _study(n_trials=4, failure_policy={"max_consecutive_failures": None, "max_failure_ratio": 0.5})
    with pytest.raises(StudyFailed, match=r": 3 of 4 finished trials failed, ratio 0\.75 > max_failure_ratio=0\.5$") as info:
        optimize_fn(study, _scripted([0.0, None, None, None]))
    assert [t.state for t in info.value.report.trials] == ["COMPLETE", "FAIL", "FAIL", "FAIL"]
    assert info.value.report.stop_reason == "failure_policy" and not info.value.report.partial


def test_every_trial_failing_is_an_error():
    def objective(model, train, split):
        raise ZeroDivisionError("no data")

    with pytest.raises(StudyFailed, match=r"every trial failed \(4 failed, 0 pruned of 4 finished\)") as info:
        optimize_fn(_study(n_trials=4), objective)
    report = info.value.report
    assert report.n_failed == 4 and report.best_number is None and not report.partial
    assert {json.dumps(t.failure) for t in report.trials} == {'{"type": "ZeroDivisionError", "message": "no data", "fold": null}'}


def test_timeout_marks_the_report_partial():
    def slow(model, train, split):
        time.sleep(0.05)
        return quadratic(model, train, split)

    report = optimize_fn(_study(n_trials=1000, timeout_seconds=0.3), slow)  # 1000 trials would take 50 s
    assert report.partial and report.stop_reason == "timeout" and 1 <= report.n_finished < 1000


def test_exhausted_grid_is_partial_with_its_reason():
    space = [_entry("int", "n", low=0, high=2, step=1, log=False), _entry("categorical", "c", choices=[True, False])]
    report = optimize_fn(_study(n_trials=10, space=space, sampler={"kind": "grid", "options": {}}, fixed={"model": {}, "train": {}}),
                         lambda m, t, s: m["n"] + m["c"])
    assert sorted((t.model_params["n"], t.model_params["c"]) for t in report.trials) == [(n, c) for n in range(3) for c in (False, True)]
    assert report.partial and report.stop_reason == "sampler_exhausted" and report.best_value == 0


def test_report_to_dict_is_json():
    space = [_entry("sorted_tuple", "h", length_low=1, length_high=2, element={"kind": "int", "low": 1, "high": 4, "step": 1, "log": False})]
    report = optimize_fn(_study(n_trials=3, space=space), lambda m, t, s: float(sum(m["h"])))
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert set(data) == {
        "study_id", "study_name", "direction", "n_trials", "n_finished", "n_complete", "n_pruned", "n_failed", "partial",
        "stop_reason", "trials", "best_number", "best_value", "best_model_params", "best_train_params",
        "metric", "approach", "eval_mode", "best_fold_scores", "splits", "dataset", "final", "folds", "timing", "cache", "versions", "ir", "tracking",
        "objectives", "pareto_front", "select", "best_values",
    }
    assert data["objectives"] == [{"metric": "rmse", "direction": "minimize"}] and data["pareto_front"] == []
    assert data["select"] == {"objective": "rmse", "direction": "minimize", "number": data["best_number"]}
    # A plain callable: no cache; only the sampler's time is measured (the callable's own is not split up).
    assert data["cache"] is None and data["timing"]["trials"] == 3 and data["timing"]["model_fit_seconds"] == 0
    assert set(data["timing"]) == {"sampler_seconds", "transform_fit_seconds", "model_fit_seconds", "score_seconds", "trials"}
    assert set(data["trials"][0]) == {"number", "state", "model_params", "train_params", "value", "failure", "duration_seconds",
                                      "fold_scores", "intermediate", "failed_folds", "values"}
    # No data: the callable gets the raw split once per trial, so its value is the one "fold" score.
    assert data["trials"][0]["fold_scores"] == [data["trials"][0]["value"]] and data["splits"] == [] and data["final"] is None
    assert isinstance(data["best_model_params"]["h"], list) and data["best_model_params"]["inner"] == {"k": 1}
    assert math.isclose(data["best_value"], min(sum(t["model_params"]["h"]) for t in data["trials"]))


def test_phases_must_sum_to_n_trials():
    from ftspec.runtime.build import RuntimeSpecError

    study = _study(n_trials=5, phases=[{"n_trials": 2, "sampler": RANDOM}, {"n_trials": 2, "sampler": TPE}])
    with pytest.raises(RuntimeSpecError, match="the phases' n_trials sum to 4, not n_trials=5"):
        optimize_fn(study, quadratic)


def test_an_ir_with_colliding_optuna_names_is_refused_before_any_trial():
    # The compiler reports FT228 for such a space; an IR written by hand never went through it.
    space = [_entry("int", "train:a", low=1, high=3, step=1, log=False), _entry("int", "a", target="train", low=5, high=6, step=1, log=False)]
    calls = []
    with pytest.raises(ftspec.runtime.RuntimeSpecError) as info:
        optimize_fn(_study(space=space, fixed={"model": {}, "train": {}}), lambda m, t, s: calls.append(1) or 0.0)
    assert str(info.value) == "study 's': train param 'a' and model param 'train:a' are both Optuna's 'train:a' (FT228)"
    assert calls == []
