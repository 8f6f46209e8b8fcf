"""The fitted-prefix cache: it never changes a result, it is bounded, it says what it did; and the
report's timing fields. Nothing here times anything (the figures are bench/time_to_result.py's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import optuna
import sklearn  # noqa: F401

from runtime_ir import entry, make_study, step  # noqa: E402
from sklearn.metrics import root_mean_squared_error  # noqa: E402

from ftspec.runtime import Dataset, IncrementalAdapter, RuntimeSpecError, SklearnAdapter, optimize  # noqa: E402
from ftspec.runtime.adapters import TrialContext  # noqa: E402
from ftspec.runtime.cache import FitCache, cache_limit_bytes, fixed_transform_prefix, nondeterministic_params  # noqa: E402
from ftspec.runtime.cli import main as ftrun_main  # noqa: E402
from ftspec.runtime.data import folds_from  # noqa: E402
from ftspec.runtime.metrics import get_metric  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)

ROOT = Path(__file__).resolve().parents[1]
SCALER = ("sklearn.preprocessing.StandardScaler", {})
PCA = ("sklearn.decomposition.PCA", {"n_components": 6, "random_state": 0})
KFOLD = step("sklearn.model_selection.KFold", n_splits=3, shuffle=True, random_state=0)


def spectra(n: int = 90, p: int = 40, seed: int = 0) -> Dataset:
    """Smooth, correlated rows (Gaussian peaks plus noise), y a function of two peaks: like NIR spectra, small."""
    rng = np.random.default_rng(seed)
    grid = np.linspace(0, 1, p)
    heights = rng.uniform(0.5, 2.0, size=(n, 3))
    X = sum(heights[:, [k]] * np.exp(-((grid - c) ** 2) / 0.01) for k, c in enumerate((0.2, 0.5, 0.8)))
    X = X + rng.normal(0, 0.02, size=(n, p))
    return Dataset(X, 3 * heights[:, 0] - heights[:, 2] + rng.normal(0, 0.05, n), "regression", name="spectra")


def _study(approach: str, **overrides):
    fields = dict(n_trials=6, seed=5, approach=approach, space=[entry("float", "alpha", low=1e-3, high=10.0, step=None, log=True)],
                  pipeline={"transforms": [], "y_processing": None, "splitter": KFOLD, "model": None, "unsupported": []})
    if approach != "single":
        fields["validation"] = None
    fields.update(overrides)
    return make_study(**fields)


def _fold_scores(report):
    reports = report.folds or [report]
    return [[(t.number, t.state, t.fold_scores, t.value, t.intermediate) for t in r.trials] for r in reports]


def _sgd_study(approach: str):
    space = [entry("float", "alpha", low=1e-5, high=1e-1, step=None, log=True), entry("categorical", "epochs", target="train", choices=[2, 4])]
    return _study(approach, space=space, fixed={"model": {"random_state": 0}, "train": {}})


CASES = {
    "sklearn": (lambda y: SklearnAdapter("sklearn.linear_model.Ridge", transforms=[SCALER, PCA], y_processing=y), _study),
    "incremental": (lambda y: IncrementalAdapter("sklearn.linear_model.SGDRegressor", transforms=[SCALER, PCA], y_processing=y), _sgd_study),
}


@pytest.mark.parametrize("kind", sorted(CASES))
@pytest.mark.parametrize("approach", ["single", "grouped", "individual"])
@pytest.mark.parametrize("y_processing", [None, ("sklearn.preprocessing.StandardScaler", {})], ids=["plain-y", "y_processing"])
def test_the_cache_never_changes_a_result(kind, approach, y_processing):
    make_adapter, make = CASES[kind]
    data = spectra()
    on = optimize(make(approach), make_adapter(y_processing), data)
    off = optimize(make(approach), make_adapter(y_processing), data, cache_mb=0)
    # Bit for bit: every trial's fold scores, value and reported steps (floats compared with ==).
    assert _fold_scores(on) == _fold_scores(off)
    assert on.best_value == off.best_value and on.best_model_params == off.best_model_params
    assert on.final == off.final
    n_splits = len(on.splits)
    n_trials = sum(r.n_finished for r in (on.folds or [on]))
    assert on.cache["enabled"] and on.cache["cached_steps"] == 2 and on.cache["fixed_steps"] == 2
    # One fit of the prefix per split; every other (trial, fold) is a hit.
    per_trial = 1 if approach == "individual" else n_splits
    assert on.cache["misses"] == n_splits and on.cache["hits"] == n_trials * per_trial - n_splits
    assert on.cache["entries"] == n_splits and on.cache["peak_mb"] > 0 and on.cache["notes"] == []
    assert not off.cache["enabled"] and off.cache["hits"] == off.cache["misses"] == 0


def test_cache_off_computes_what_a_fresh_sklearn_pipeline_computes():
    """The adapter's own fitting calls are those of the Pipeline (+ TransformedTargetRegressor) it used to build."""
    data = spectra()
    adapter = SklearnAdapter("sklearn.linear_model.Ridge", transforms=[SCALER, PCA], y_processing=("sklearn.preprocessing.StandardScaler", {}))
    for cache_mb in (0, None):
        report = optimize(_study("grouped"), adapter, data, cache_mb=cache_mb)
        splits = folds_from(KFOLD_SPLITTER(), data)
        for t in report.trials:
            expected = []
            for s in splits:
                pipe = adapter.build({"alpha": t.model_params["alpha"]}).fit(s.X_train, s.y_train)
                expected.append(root_mean_squared_error(s.y_valid, pipe.predict(s.X_valid)))
            assert t.fold_scores == expected


def KFOLD_SPLITTER():
    from sklearn.model_selection import KFold

    return KFold(n_splits=3, shuffle=True, random_state=0)


def test_a_transform_without_random_state_is_refitted_every_trial_with_a_note():
    data = spectra()
    randomized = ("sklearn.decomposition.PCA", {"n_components": 6, "svd_solver": "randomized"})
    adapter = SklearnAdapter("sklearn.linear_model.Ridge", transforms=[SCALER, randomized, SCALER])
    report = optimize(_study("grouped"), adapter, data)
    cache = report.cache
    # The scaler before it is cached; PCA and the scaler after it are refitted in every (trial, fold).
    assert cache["cached_steps"] == 1 and cache["misses"] == 3 and cache["hits"] == 6 * 3 - 3 and cache["uncached_fits"] == 6 * 3
    assert cache["notes"] == ["transform1 sklearn.decomposition.PCA: random_state is None, so it and the steps after it are refitted in "
                              "every trial (give it an integer random_state to fit it once per fold)"]
    assert nondeterministic_params(__import__("sklearn.decomposition").decomposition.PCA(random_state=np.random.RandomState(0))) == ["random_state"]
    assert nondeterministic_params(__import__("sklearn.preprocessing").preprocessing.StandardScaler()) == []


def test_memory_is_bounded_lru_and_a_too_large_entry_is_not_kept():
    data = spectra()
    adapter = SklearnAdapter("sklearn.linear_model.Ridge", transforms=[SCALER, PCA])
    reference = optimize(_study("grouped"), adapter, data, cache_mb=0)
    entry_bytes = (60 + 30) * 6 * 8  # one fold's transformed train + valid rows: 6 components of float64
    # Room for two folds' entries: three folds visited in turn evict each other (LRU), every lookup misses.
    two = optimize(_study("grouped"), adapter, data, cache_mb=2.5 * entry_bytes / 2**20)
    assert two.cache["entries"] == 2 and two.cache["hits"] == 0 and two.cache["misses"] == 18 and two.cache["evictions"] == 16
    assert two.cache["peak_mb"] == pytest.approx(2 * entry_bytes / 2**20, abs=1e-3)
    tiny = optimize(_study("grouped"), adapter, data, cache_mb=0.0001)
    assert tiny.cache["entries"] == 0 and tiny.cache["too_large"] == 18 and tiny.cache["peak_mb"] == 0
    assert _fold_scores(two) == _fold_scores(tiny) == _fold_scores(reference)


@pytest.mark.parametrize("bad", [-1, "10", float("nan"), float("inf"), True])
def test_a_bad_cache_bound_is_refused_before_any_trial(bad):
    with pytest.raises(RuntimeSpecError, match="cache_mb must be a number of MiB >= 0"):
        optimize(_study("grouped"), SklearnAdapter("sklearn.linear_model.Ridge", transforms=[SCALER]), spectra(), cache_mb=bad)


def test_default_bound_is_a_quarter_of_the_ram():
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert cache_limit_bytes(None) == int(total * 0.25) and cache_limit_bytes(0) == 0 and cache_limit_bytes(2) == 2 * 2**20


def test_keys_hold_the_step_params_and_the_split():
    """A tuned transform would get one entry per distinct value: the key holds every step's effective params."""
    data = spectra()
    splits = folds_from(KFOLD_SPLITTER(), data)
    cache = FitCache(2**30)
    ctx = TrialContext(get_metric("rmse"), np.mean, None, cache)
    fresh = TrialContext(get_metric("rmse"), np.mean)
    adapters = [SklearnAdapter("sklearn.linear_model.Ridge", transforms=[SCALER, ("sklearn.decomposition.PCA", {"n_components": k, "random_state": 0})])
                for k in (3, 4)]
    for _ in range(2):
        for a in adapters:
            for s in splits:
                got, want = a.transform_split(s, ctx), a.transform_split(s, fresh)
                assert all(np.array_equal(g, w) for g, w in zip(got, want)) and got[0].shape[1] == a.transforms[1][2]["n_components"]
    assert cache.misses == 2 * 3 and cache.hits == 2 * 3 and len(cache._entries) == 6
    # A step the study tunes ends the fixed prefix: the prefix before it gets its own entry, shared by every value.
    space = [entry("int", "n_components", target="model"), type("E", (), {"target": "transform1"})()]
    assert fixed_transform_prefix(space, 2) == 1 and fixed_transform_prefix(space[:1], 2) == 2
    split_cache = FitCache(2**30, fixed_steps=1)
    split_cache.cached_steps = 2
    ctx = TrialContext(get_metric("rmse"), np.mean, None, split_cache)
    for a in adapters:
        a.transform_split(splits[0], ctx)
    assert split_cache.misses == 3 and split_cache.hits == 1 and len(split_cache._entries) == 3  # scaler once, then PCA per value


WRITER = '''
import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
class InPlaceRegressor(RegressorMixin, BaseEstimator):
    """Scales its input in place, as copy_X=False estimators may."""
    def __init__(self, alpha=1.0):
        self.alpha = alpha
    def fit(self, X, y):
        X *= 2.0
        self.coef_ = np.linalg.lstsq(X, y, rcond=None)[0] / (1 + self.alpha)
        return self
    def predict(self, X):
        X *= 2.0
        return X @ self.coef_
'''


def test_an_estimator_writing_into_its_input_cannot_change_the_cache(tmp_path, monkeypatch):
    (tmp_path / "ftspec_inplace.py").write_text(WRITER)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        adapter = SklearnAdapter("ftspec_inplace.InPlaceRegressor", transforms=[SCALER, PCA], allow_modules=["sklearn", "ftspec_inplace"])
        on, off = optimize(_study("grouped"), adapter, spectra()), optimize(_study("grouped"), adapter, spectra(), cache_mb=0)
        assert on.cache["hits"] == 15 and _fold_scores(on) == _fold_scores(off)
    finally:
        sys.modules.pop("ftspec_inplace", None)


def test_timing_says_where_the_time_went():
    report = optimize(_study("grouped"), SklearnAdapter("sklearn.linear_model.Ridge", transforms=[SCALER, PCA]), spectra())
    timing = report.timing
    assert timing["trials"] == 6 and all(timing[k] > 0 for k in ("sampler_seconds", "transform_fit_seconds", "model_fit_seconds", "score_seconds"))
    individual = optimize(_sgd_study("individual"), CASES["incremental"][0](None), spectra())
    assert individual.timing["trials"] == 18 == sum(f.timing["trials"] for f in individual.folds)
    assert individual.timing["model_fit_seconds"] == pytest.approx(sum(f.timing["model_fit_seconds"] for f in individual.folds), abs=1e-5)
    assert json.loads(json.dumps(individual.to_dict()))["timing"]["trials"] == 18


def test_a_plain_callable_never_imports_sklearn():
    code = textwrap.dedent("""
        import sys
        sys.path.insert(0, "tests")
        from runtime_ir import grouped_study, xnm_space
        from ftspec.runtime import optimize
        report = optimize(grouped_study(*xnm_space(), n_trials=5), lambda m, t, s: m["x"] ** 2)
        assert report.n_complete == 5 and report.cache is None, report
        print(sorted(m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_ftrun_cache_mb(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent("""\
        pipeline:
          - class: sklearn.preprocessing.StandardScaler
          - class: sklearn.model_selection.KFold
            params: {n_splits: 3, shuffle: true, random_state: 0}
          - name: tiny
            model: {class: sklearn.linear_model.Ridge}
            finetune_params:
              version: 2
              n_trials: 4
              seed: 3
              metric: rmse
              approach: grouped
              sampler: random
              model_params:
                alpha: {type: float, low: 0.01, high: 10.0, log: true}
    """), encoding="utf-8")
    reports = {}
    for label, extra in (("default", []), ("off", ["--cache-mb", "0"])):
        out = tmp_path / f"{label}.json"
        assert ftrun_main([str(path), "--data", "demo:diabetes", "-q", "--report", str(out), *extra]) == 0
        reports[label] = json.loads(out.read_text())["studies"][0]
    assert reports["default"]["cache"]["hits"] == 4 * 3 - 3 and reports["default"]["cache"]["limit_mb"] > 0
    assert reports["off"]["cache"]["enabled"] is False and reports["off"]["cache"]["limit_mb"] == 0
    assert [t["fold_scores"] for t in reports["default"]["trials"]] == [t["fold_scores"] for t in reports["off"]["trials"]]
    assert set(reports["off"]["timing"]) == {"sampler_seconds", "transform_fit_seconds", "model_fit_seconds", "score_seconds", "trials"}
    capsys.readouterr()
    assert ftrun_main([str(path), "-q", "--cache-mb", "-1"]) == 2
    assert "-1" in capsys.readouterr().err
