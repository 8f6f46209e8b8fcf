"""ftspec.runtime.space: the exact Optuna calls of docs/ir.md, conditions, nesting, fixed values."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import optuna

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ftspec.runtime.space import expand_forced, flat_from_optuna, nest, suggest, suggest_flat  # noqa: E402
from ftspec.schema.ir_model import load_ir  # noqa: E402
from runtime_ir import entry as _entry  # noqa: E402
from runtime_ir import grouped_study  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
optuna.logging.set_verbosity(optuna.logging.WARNING)


def _study(*entries, fixed=None, sampler="random", phases=()):
    return grouped_study(
        *entries,
        sampler={"kind": sampler, "options": {}},
        fixed=fixed or {"model": {}, "train": {}},
        phases=[{"n_trials": 1, "sampler": {"kind": kind, "options": {}}} for kind in phases],
    )


def _fixture(name):
    return load_ir((ROOT / "fixtures" / "v2" / f"{name}.ir.json").read_text()).studies[0]


class RecordingTrial:
    """Records every suggest call; returns a scripted value, else the low bound / first choice."""

    def __init__(self, values=None):
        self.values = dict(values or {})
        self.calls = []

    def suggest_int(self, name, low, high, **kw):
        self.calls.append(("suggest_int", name, low, high, kw))
        return self.values.get(name, low)

    def suggest_float(self, name, low, high, **kw):
        self.calls.append(("suggest_float", name, low, high, kw))
        return self.values.get(name, low)

    def suggest_categorical(self, name, choices):
        self.calls.append(("suggest_categorical", name, list(choices)))
        return self.values.get(name, choices[0])


def test_exact_calls_for_each_entry_kind():
    study = _study(
        _entry("int", "n", low=2, high=10, step=4, log=False),
        _entry("int", "k", low=1, high=64, step=1, log=True),
        _entry("float", "lr", low=1e-4, high=0.1, step=None, log=True),
        _entry("float", "frac", target="train", low=0.0, high=1.0, step=0.25, log=False),
        _entry("categorical", "act", choices=["relu", None, 3]),
        _entry("sorted_tuple", "h", length_low=1, length_high=3, element={"kind": "int", "low": 16, "high": 64, "step": 16, "log": False}),
        _entry("sorted_tuple", "q", target="train", length_low=2, length_high=2, element={"kind": "float", "low": 0.1, "high": 0.9, "step": None, "log": True}),
    )
    trial = RecordingTrial({"h_length": 3, "h_0": 64, "h_1": 16, "h_2": 32, "train:q_0": 0.8, "train:q_1": 0.2})
    model, train = suggest(trial, study)
    assert trial.calls == [
        ("suggest_int", "n", 2, 10, {"step": 4, "log": False}),
        ("suggest_int", "k", 1, 64, {"step": 1, "log": True}),
        ("suggest_float", "lr", 1e-4, 0.1, {"step": None, "log": True}),
        ("suggest_float", "train:frac", 0.0, 1.0, {"step": 0.25, "log": False}),
        ("suggest_categorical", "act", ["relu", None, 3]),
        ("suggest_int", "h_length", 1, 3, {}),
        ("suggest_int", "h_0", 16, 64, {"step": 16, "log": False}),
        ("suggest_int", "h_1", 16, 64, {"step": 16, "log": False}),
        ("suggest_int", "h_2", 16, 64, {"step": 16, "log": False}),
        ("suggest_float", "train:q_0", 0.1, 0.9, {"step": None, "log": True}),
        ("suggest_float", "train:q_1", 0.1, 0.9, {"step": None, "log": True}),
    ]
    assert model == {"n": 2, "k": 1, "lr": 1e-4, "act": "relu", "h": (16, 32, 64)}
    assert train == {"frac": 0.0, "q": (0.2, 0.8)}


ONE_POINT = (
    _entry("float", "a", low=1, high=1, step=None, log=False),
    _entry("float", "b", low=0.001, high=0.001, step=None, log=True),
    _entry("float", "c", low=0.5, high=0.5, step=0.25, log=False),
    _entry("sorted_tuple", "t", length_low=2, length_high=2, element={"kind": "float", "low": 3.0, "high": 3.0, "step": None, "log": True}),
)


@pytest.mark.parametrize(("sampler", "phases"), [("bruteforce", ()), ("tpe", ("random", "bruteforce"))])
def test_a_one_point_float_gets_a_step_under_bruteforce(sampler, phases):
    """`low == high` without a step is one value; Optuna's BruteForceSampler needs a step on it."""
    trial = RecordingTrial()
    assert suggest(trial, _study(*ONE_POINT, sampler=sampler, phases=phases)) == ({"a": 1, "b": 0.001, "c": 0.5, "t": (3.0, 3.0)}, {})
    assert trial.calls == [
        ("suggest_float", "a", 1, 1, {"step": 1.0, "log": False}),
        ("suggest_float", "b", 0.001, 0.001, {"step": 1.0, "log": False}),
        ("suggest_float", "c", 0.5, 0.5, {"step": 0.25, "log": False}),
        ("suggest_float", "t_0", 3.0, 3.0, {"step": 1.0, "log": False}),
        ("suggest_float", "t_1", 3.0, 3.0, {"step": 1.0, "log": False}),
    ]


def test_a_one_point_float_is_suggested_as_written_without_bruteforce():
    trial = RecordingTrial()
    suggest(trial, _study(*ONE_POINT, sampler="grid", phases=("tpe",)))
    assert trial.calls == [
        ("suggest_float", "a", 1, 1, {"step": None, "log": False}),
        ("suggest_float", "b", 0.001, 0.001, {"step": None, "log": True}),
        ("suggest_float", "c", 0.5, 0.5, {"step": 0.25, "log": False}),
        ("suggest_float", "t_0", 3.0, 3.0, {"step": None, "log": True}),
        ("suggest_float", "t_1", 3.0, 3.0, {"step": None, "log": True}),
    ]


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
@pytest.mark.parametrize("sampler", [optuna.samplers.BruteForceSampler, optuna.samplers.RandomSampler, optuna.samplers.TPESampler])
def test_a_one_point_log_float_runs_under_bruteforce_and_after_it(sampler):
    study = _study(
        _entry("float", "a", low=0.001, high=0.001, step=None, log=True),
        _entry("int", "n", low=0, high=2, step=1, log=False),
        sampler="bruteforce",
    )
    ostudy = optuna.create_study(sampler=sampler(seed=0))
    seen = []

    def objective(trial):
        seen.append(suggest_flat(trial, study))
        return 0.0

    ostudy.optimize(objective, n_trials=5)
    assert [t.state for t in ostudy.trials] == [optuna.trial.TrialState.COMPLETE] * (3 if sampler is optuna.samplers.BruteForceSampler else 5)
    assert {m["a"] for m, _ in seen} == {0.001}
    if sampler is optuna.samplers.BruteForceSampler:
        assert sorted(m["n"] for m, _ in seen) == [0, 1, 2]


def test_model_and_train_parameters_may_share_a_name():
    study = _study(_entry("int", "epochs", low=1, high=3, step=1, log=False), _entry("int", "epochs", target="train", low=5, high=9, step=1, log=False))
    trial = RecordingTrial({"epochs": 2, "train:epochs": 7})
    assert suggest(trial, study) == ({"epochs": 2}, {"epochs": 7})
    assert [c[1] for c in trial.calls] == ["epochs", "train:epochs"]


def test_conditions_follow_the_fixture_exactly():
    study = _fixture("conditions")
    cases = {
        "lbfgs": ["solver", "max_iter", "train:sample_weighting"],
        "saga": ["solver", "l1_ratio", "tol", "max_iter", "train:sample_weighting"],
        "liblinear": ["solver", "dual", "tol", "train:sample_weighting"],
    }
    for solver, names in cases.items():
        trial = RecordingTrial({"solver": solver})
        suggest(trial, study)
        assert [c[1] for c in trial.calls] == names, solver
    trial = RecordingTrial({"solver": "lbfgs", "train:sample_weighting": "balanced"})
    model, train = suggest(trial, study)
    assert [c[1] for c in trial.calls][-2:] == ["train:sample_weighting", "train:balance_power"]
    assert model == {"solver": "lbfgs", "max_iter": 100} and train == {"sample_weighting": "balanced", "balance_power": 0.5}


def test_a_child_of_an_inactive_parent_is_not_suggested_and_bools_are_not_ints():
    study = _study(
        _entry("categorical", "a", choices=[True, False]),
        _entry("categorical", "b", choices=[1, 0], condition={"param": "a", "values": [False], "negate": False}),
        _entry("int", "c", low=0, high=3, step=1, log=False, condition={"param": "b", "values": [1], "negate": True}),
        _entry("int", "d", low=0, high=3, step=1, log=False, condition={"param": "b", "values": [True], "negate": False}),
    )
    trial = RecordingTrial({"a": True})
    assert suggest(trial, study) == ({"a": True}, {})
    assert [c[1] for c in trial.calls] == ["a"]
    trial = RecordingTrial({"a": False, "b": 1})
    assert suggest(trial, study) == ({"a": False, "b": 1}, {})  # b == 1 is not True
    trial = RecordingTrial({"a": False, "b": 0})
    assert suggest(trial, study) == ({"a": False, "b": 0, "c": 0}, {})


def test_paths_rebuild_nested_dicts_over_fixed_values():
    study = _fixture("sorted_tuple_nested")
    trial = RecordingTrial({"hidden_layer_sizes_length": 2, "hidden_layer_sizes_0": 64, "hidden_layer_sizes_1": 32, "optimizer__lr": 0.01})
    model, train = suggest(trial, study)
    assert model == {
        "optimizer": {"name": "adam", "betas": [0.9, 0.999], "schedule": {"kind": "cosine", "warmup": 0}, "lr": 0.01},
        "early_stopping": True,
        "random_state": None,
        "class_weights": {"a": 1, "b": 2},
        "hidden_layer_sizes": (32, 64),
        "quantile_knots": (0.05, 0.05, 0.05),
        "final_estimator__alpha": 0.1,
    }
    assert train == {}
    # fixed values are deep-copied: the IR is not changed by a trial
    assert study.fixed.model["optimizer"] == {"name": "adam", "betas": [0.9, 0.999], "schedule": {"kind": "cosine"}}


def test_real_trials_round_trip_through_optuna_params():
    for fixture in ("conditions", "sorted_tuple_nested", "phases_force"):
        study = _fixture(fixture)
        ostudy = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        seen = []

        def objective(trial):
            seen.append(suggest_flat(trial, study))
            return 0.0

        ostudy.optimize(objective, n_trials=15)
        assert [flat_from_optuna(study, t.params) for t in ostudy.trials] == seen, fixture


def test_expand_forced_names():
    study = _fixture("sorted_tuple_nested")
    assert expand_forced(study, {"hidden_layer_sizes": [64, 16], "quantile_knots": [0.5, 0.1, 0.9], "optimizer__lr": 0.01}, {"epochs": 3}) == {
        "hidden_layer_sizes_length": 2,
        "hidden_layer_sizes_0": 16,
        "hidden_layer_sizes_1": 64,
        "quantile_knots_0": 0.1,
        "quantile_knots_1": 0.5,
        "quantile_knots_2": 0.9,
        "optimizer__lr": 0.01,
        "train:epochs": 3,
    }


def test_nest_rejects_a_path_through_a_fixed_scalar():
    study = _study(_entry("int", "x", path=["opt", "x"], low=0, high=1, step=1, log=False), fixed={"model": {"opt": 3}, "train": {}})
    with pytest.raises(ValueError, match="'opt' is a fixed non-dict value"):
        nest(study, {"x": 1}, {})


# --- property: every sampled value lies in its declared domain --------------------------------


@st.composite
def _entries(draw):
    kind = draw(st.sampled_from(["int", "int_log", "float", "float_step", "float_log", "categorical", "sorted_tuple"]))
    if kind == "int":
        low = draw(st.integers(-50, 50))
        step = draw(st.integers(1, 7))
        return _entry("int", "p", low=low, high=low + step * draw(st.integers(0, 6)), step=step, log=False)
    if kind == "int_log":
        low = draw(st.integers(1, 100))
        return _entry("int", "p", low=low, high=low + draw(st.integers(0, 1000)), step=1, log=True)
    if kind == "float":
        low = draw(st.floats(-100, 100))
        return _entry("float", "p", low=low, high=low + draw(st.floats(0, 100)), step=None, log=False)
    if kind == "float_step":
        low = draw(st.sampled_from([-1.0, 0.0, 0.5, 2.0]))
        step = draw(st.sampled_from([0.1, 0.25, 0.5, 1.0]))
        return _entry("float", "p", low=low, high=low + step * draw(st.integers(0, 8)), step=step, log=False)
    if kind == "float_log":
        low = draw(st.floats(1e-6, 10))
        return _entry("float", "p", low=low, high=low * draw(st.floats(1, 1e4)), step=None, log=True)
    if kind == "categorical":
        return _entry("categorical", "p", choices=draw(st.lists(st.one_of(st.integers(-3, 3), st.text(max_size=3), st.booleans(), st.none()), min_size=1, max_size=4, unique_by=repr)))
    length_low = draw(st.integers(1, 3))
    low = draw(st.integers(0, 20))
    element = {"kind": "int", "low": low, "high": low + 3 * draw(st.integers(0, 5)), "step": 3, "log": False}
    return _entry("sorted_tuple", "p", length_low=length_low, length_high=length_low + draw(st.integers(0, 2)), element=element)


def _in_range(value, low, high, step, log, is_int):
    if is_int and (not isinstance(value, int) or isinstance(value, bool)):
        return False
    if not (low <= value <= high):
        return False
    if step is not None:
        k = (value - low) / step
        return math.isclose(k, round(k), abs_tol=1e-8)
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry=_entries(), seed=st.integers(0, 2**16), target=st.sampled_from(["model", "train"]))
def test_sampled_values_lie_in_their_domain(entry, seed, target):
    entry = {**entry, "target": target}
    study = _study(entry)
    ostudy = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    values = []

    def objective(trial):
        model, train = suggest(trial, study)
        values.append((model, train)[target == "train"]["p"])
        return 0.0

    ostudy.optimize(objective, n_trials=4)
    e = study.space[0]
    for value in values:
        if e.kind == "categorical":
            assert any(value == c and type(value) is type(c) for c in e.choices)
        elif e.kind == "sorted_tuple":
            assert isinstance(value, tuple) and e.length_low <= len(value) <= e.length_high
            assert list(value) == sorted(value)
            el = e.element
            assert all(_in_range(v, el.low, el.high, el.step, el.log, True) for v in value)
        else:
            assert _in_range(value, e.low, e.high, e.step, e.log, e.kind == "int"), (value, e)
