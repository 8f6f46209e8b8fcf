"""ftspec.runtime.build: every sampler and pruner kind of the vocabulary, options passed exactly."""

from __future__ import annotations

import warnings

import pytest

import optuna

from ftspec.ir import ComponentSpec  # noqa: E402
from ftspec.runtime.build import RuntimeSpecError, build_pruner, build_sampler, grid_search_space  # noqa: E402
from ftspec.schema.ir_model import load_ir  # noqa: E402
from ftspec.schema.vocab import PRUNERS, SAMPLERS, default_options  # noqa: E402
from optuna.samplers._brute_force import _enumerate_candidates  # noqa: E402
from runtime_ir import entry as _entry  # noqa: E402
from runtime_ir import grouped_study  # noqa: E402

def _space(*entries):
    return grouped_study(*entries).space


def spec(kind, **options):
    return ComponentSpec(kind=kind, options=options)


def sampler_spec(kind, **options):
    return ComponentSpec(kind=kind, options={**default_options(SAMPLERS[kind]), **options})


def pruner_spec(kind, **options):
    return ComponentSpec(kind=kind, options={**default_options(PRUNERS[kind]), **options})


def test_every_vocabulary_kind_builds_its_declared_class():
    space = _space(_entry("categorical", "a", choices=[1, 2]))
    for kind, kspec in SAMPLERS.items():
        sampler = build_sampler(sampler_spec(kind), space, 0)
        assert f"{type(sampler).__module__.split('.')[0]}.samplers.{type(sampler).__name__}" == kspec.optuna_class, kind
    for kind, kspec in PRUNERS.items():
        options = {"percentile": {"percentile": 25.0}, "patient": {"patience": 2}, "threshold": {"lower": 0.0}}.get(kind, {})
        pruner = build_pruner(pruner_spec(kind, **options))
        assert f"optuna.pruners.{type(pruner).__name__}" == kspec.optuna_class, kind


def test_tpe_options_and_seed_exact():
    s = build_sampler(sampler_spec("tpe", n_startup_trials=7, n_ei_candidates=11, multivariate=False, group=False, constant_liar=False), [], 3)
    assert type(s) is optuna.samplers.TPESampler
    assert (s._n_startup_trials, s._n_ei_candidates, s._multivariate, s._group, s._constant_liar) == (7, 11, False, False, False)
    d = build_sampler(sampler_spec("tpe"), [], None)
    assert (d._n_startup_trials, d._n_ei_candidates, d._multivariate, d._group, d._constant_liar) == (10, 24, True, False, True)


def test_seed_reaches_the_sampler_rng():
    a = build_sampler(sampler_spec("random"), [], 123)
    b = optuna.samplers.RandomSampler(seed=123)
    assert a._rng.rng.random() == b._rng.rng.random()
    t1 = build_sampler(sampler_spec("tpe"), [], 5)
    t2 = optuna.samplers.TPESampler(seed=5)
    assert t1._rng.rng.random() == t2._rng.rng.random()


@pytest.mark.filterwarnings("ignore:`sigma0` has been deprecated:FutureWarning")
def test_cmaes_options_exact():
    s = build_sampler(
        sampler_spec(
            "cmaes", n_startup_trials=4, sigma0=0.5, popsize=12, use_separable_cma=True, with_margin=False, lr_adapt=False, consider_pruned_trials=True
        ),
        [],
        1,
    )
    assert type(s) is optuna.samplers.CmaEsSampler
    assert (s._n_startup_trials, s._sigma0, s._popsize, s._use_separable_cma, s._with_margin, s._lr_adapt, s._consider_pruned_trials) == (
        4, 0.5, 12, True, False, False, True,
    )


def test_gp_qmc_bruteforce_options_exact():
    gp = build_sampler(sampler_spec("gp", n_startup_trials=3, deterministic_objective=True), [], 1)
    assert type(gp) is optuna.samplers.GPSampler and (gp._n_startup_trials, gp._deterministic) == (3, True)
    qmc = build_sampler(sampler_spec("qmc", qmc_type="halton", scramble=True), [], 9)
    assert type(qmc) is optuna.samplers.QMCSampler and (qmc._qmc_type, qmc._scramble, qmc._seed) == ("halton", True, 9)
    bf = build_sampler(sampler_spec("bruteforce", avoid_premature_stop=True), [], 1)
    assert type(bf) is optuna.samplers.BruteForceSampler and bf._avoid_premature_stop is True


def test_grid_search_space_from_the_ir_space():
    space = _space(
        _entry("categorical", "c", choices=["a", True, None, 2.5]),
        _entry("int", "n", low=2, high=10, step=4, log=False),
        _entry("int", "k", low=1, high=8, step=1, log=True),
        _entry("float", "r", target="train", low=0.5, high=1.5, step=0.25, log=False),
        _entry("sorted_tuple", "h", length_low=1, length_high=2, element={"kind": "int", "low": 8, "high": 24, "step": 8, "log": False}),
        _entry("sorted_tuple", "q", length_low=2, length_high=2, element={"kind": "float", "low": 0.0, "high": 1.0, "step": 0.5, "log": False}),
    )
    assert grid_search_space(space) == {
        "c": ["a", True, None, 2.5],
        "n": [2, 6, 10],
        "k": [1, 2, 3, 4, 5, 6, 7, 8],
        "train:r": [0.5, 0.75, 1.0, 1.25, 1.5],
        "h_length": [1, 2],
        "h_0": [8, 16, 24],
        "h_1": [8, 16, 24],
        "q_0": [0.0, 0.5, 1.0],
        "q_1": [0.0, 0.5, 1.0],
    }
    s = build_sampler(spec("grid"), space, 4)
    assert type(s) is optuna.samplers.GridSampler
    assert s._param_names == sorted(grid_search_space(space))
    assert len(s._all_grids) == 4 * 3 * 8 * 5 * 2 * 3 * 3 * 3 * 3


@pytest.mark.parametrize(
    "entry",
    [
        _entry("float", "x", low=0.0, high=1.0, step=None, log=False),
        _entry("float", "x", low=0.01, high=1.0, step=None, log=True),
        _entry("sorted_tuple", "t", length_low=2, length_high=2, element={"kind": "float", "low": 0.0, "high": 1.0, "step": None, "log": False}),
    ],
)
def test_grid_over_an_infinite_space_is_an_error(entry):
    with pytest.raises(RuntimeSpecError, match="grid sampler: parameter '(x|t_0)' is a continuous"):
        build_sampler(spec("grid"), _space(entry), 0)


@pytest.mark.parametrize(
    ("low", "high", "step", "values"),
    [
        (0.0, 0.3, 0.1, [0.0, 0.1, 0.2, 0.3]),  # 0 + 3 * 0.1 is 0.30000000000000004
        (0.1, 0.35, 0.05, [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]),  # 0.1 + 0.05 * k: 0.15000000000000002, ...
        (0.0, 0.007, 1e-3, [0.0, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007]),  # 0.006000000000000001
        (0.001, 0.0045, 1e-3, [0.001, 0.002, 0.003, 0.004]),  # high not on the grid: Optuna lowers it to 0.004
        (-0.3, 0.0, 0.1, [-0.3, -0.2, -0.1, 0.0]),
    ],
)
def test_grid_of_a_stepped_float_is_what_optuna_enumerates(low, high, step, values):
    grid = grid_search_space(_space(_entry("float", "x", low=low, high=high, step=step, log=False)))
    assert grid == {"x": values}
    assert all(type(v) is float for v in values)
    # Exactly BruteForceSampler's values, each inside the FloatDistribution Optuna builds (never above high).
    assert tuple(values) == _enumerate_candidates(low, high, step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        distribution = optuna.distributions.FloatDistribution(low, high, step=step)
    assert all(distribution._contains(v) and v <= distribution.high for v in values)


def test_a_one_point_float_range_is_one_grid_value():
    space = _space(
        _entry("float", "a", low=1, high=1, step=None, log=False),
        _entry("float", "b", target="train", low=0.001, high=0.001, step=None, log=True),
        _entry("sorted_tuple", "t", length_low=1, length_high=2, element={"kind": "float", "low": 2.5, "high": 2.5, "step": None, "log": False}),
    )
    assert grid_search_space(space) == {"a": [1.0], "train:b": [0.001], "t_length": [1, 2], "t_0": [2.5], "t_1": [2.5]}
    assert type(build_sampler(spec("grid"), space, 0)) is optuna.samplers.GridSampler


def test_grid_runs_every_point_once():
    space = _space(_entry("int", "n", low=0, high=20, step=10, log=False), _entry("categorical", "c", target="train", choices=["a", "b"]))
    study = optuna.create_study(sampler=build_sampler(spec("grid"), space, 0))
    seen = []

    def objective(trial):
        seen.append((trial.suggest_int("n", 0, 20, step=10), trial.suggest_categorical("train:c", ["a", "b"])))
        return 0.0

    study.optimize(objective, n_trials=20)
    assert sorted(seen) == [(0, "a"), (0, "b"), (10, "a"), (10, "b"), (20, "a"), (20, "b")]


def test_nop_pruner_for_none():
    p = build_pruner(spec("none"))
    assert type(p) is optuna.pruners.NopPruner


def test_median_and_percentile_options_exact():
    m = build_pruner(pruner_spec("median", n_startup_trials=2, n_warmup_steps=3, interval_steps=4, n_min_trials=5))
    assert type(m) is optuna.pruners.MedianPruner
    assert vars(m) == {"_percentile": 50.0, "_n_startup_trials": 2, "_n_warmup_steps": 3, "_interval_steps": 4, "_n_min_trials": 5}
    p = build_pruner(pruner_spec("percentile", percentile=25.0, n_startup_trials=1))
    assert type(p) is optuna.pruners.PercentilePruner
    assert vars(p) == {"_percentile": 25.0, "_n_startup_trials": 1, "_n_warmup_steps": 0, "_interval_steps": 1, "_n_min_trials": 1}


def test_successive_halving_and_hyperband_keep_auto():
    sh = build_pruner(pruner_spec("successive_halving"))
    assert type(sh) is optuna.pruners.SuccessiveHalvingPruner
    assert vars(sh) == {"_min_resource": None, "_reduction_factor": 4, "_min_early_stopping_rate": 0, "_bootstrap_count": 0}  # None = 'auto'
    sh3 = build_pruner(pruner_spec("successive_halving", min_resource=3, reduction_factor=2, min_early_stopping_rate=1, bootstrap_count=2))
    assert vars(sh3) == {"_min_resource": 3, "_reduction_factor": 2, "_min_early_stopping_rate": 1, "_bootstrap_count": 2}
    hb = build_pruner(pruner_spec("hyperband"))
    assert type(hb) is optuna.pruners.HyperbandPruner
    assert (hb._min_resource, hb._max_resource, hb._reduction_factor, hb._bootstrap_count) == (1, "auto", 3, 0)
    hb2 = build_pruner(pruner_spec("hyperband", min_resource=2, max_resource=81, reduction_factor=4))
    assert (hb2._min_resource, hb2._max_resource, hb2._reduction_factor, hb2._bootstrap_count) == (2, 81, 4, 0)


def test_threshold_and_wilcoxon_options_exact():
    t = build_pruner(pruner_spec("threshold", lower=0.1, upper=None, n_warmup_steps=2, interval_steps=3))
    assert type(t) is optuna.pruners.ThresholdPruner
    assert vars(t) == {"_lower": 0.1, "_upper": float("inf"), "_n_warmup_steps": 2, "_interval_steps": 3}
    w = build_pruner(pruner_spec("wilcoxon", p_threshold=0.05, n_startup_steps=4))
    assert type(w) is optuna.pruners.WilcoxonPruner
    assert vars(w) == {"_p_threshold": 0.05, "_n_startup_steps": 4}


def test_patient_wraps_a_plain_dict_recursively_or_none():
    wrapped = {"kind": "percentile", "options": {"percentile": 25.0, "n_startup_trials": 3, "n_warmup_steps": 0, "interval_steps": 1, "n_min_trials": 1}}
    p = build_pruner(spec("patient", wrapped=wrapped, patience=2, min_delta=0.001))
    assert type(p) is optuna.pruners.PatientPruner
    assert (p._patience, p._min_delta) == (2, 0.001)
    assert type(p._wrapped_pruner) is optuna.pruners.PercentilePruner
    assert vars(p._wrapped_pruner)["_percentile"] == 25.0 and vars(p._wrapped_pruner)["_n_startup_trials"] == 3
    nested = build_pruner(spec("patient", wrapped={"kind": "patient", "options": {"wrapped": {"kind": "none", "options": {}}, "patience": 1, "min_delta": 0.0}}, patience=4, min_delta=0.0))
    assert type(nested._wrapped_pruner) is optuna.pruners.PatientPruner
    assert type(nested._wrapped_pruner._wrapped_pruner) is optuna.pruners.NopPruner
    bare = build_pruner(spec("patient", wrapped=None, patience=0, min_delta=0.0))
    assert bare._wrapped_pruner is None and bare._patience == 0


def test_the_fixture_pruner_spec_builds_as_written():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "fixtures/v2/patient_percentile.ir.json").read_text()
    study = load_ir(text).studies[0]
    p = build_pruner(study.pruner)
    assert type(p._wrapped_pruner) is optuna.pruners.PercentilePruner and p._patience == 2 and p._min_delta == 0.001


@pytest.mark.parametrize(
    ("builder", "bad", "message"),
    [
        (lambda s: build_sampler(s, [], 0), spec("annealing"), "unknown sampler kind 'annealing'"),
        (lambda s: build_sampler(s, [], 0), spec("tpe", n_startup=3), "sampler 'tpe': unknown option\\(s\\) 'n_startup'"),
        (build_pruner, spec("asha"), "unknown pruner kind 'asha'"),
        (build_pruner, spec("median", warmup=1), "pruner 'median': unknown option\\(s\\) 'warmup'"),
    ],
)
def test_unknown_kinds_and_options_are_errors(builder, bad, message):
    with pytest.raises(RuntimeSpecError, match=message):
        builder(bad)
