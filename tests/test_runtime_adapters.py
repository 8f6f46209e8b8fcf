"""Adapters: the import allowlist, sklearn pipelines and y_processing, train params reaching fit, incremental pruning."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

import optuna
import sklearn  # noqa: F401

from runtime_ir import entry, make_study, step  # noqa: E402
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.linear_model import Ridge, SGDRegressor  # noqa: E402
from sklearn.metrics import root_mean_squared_error  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from ftspec.runtime import (  # noqa: E402
    IncrementalAdapter,
    RuntimeSpecError,
    SklearnAdapter,
    UnsafeClassError,
    adapter_from_study,
    build_splitter,
    embedded_dataset,
    holdout_split,
    import_class,
    optimize,
)

optuna.logging.set_verbosity(optuna.logging.ERROR)

HYPERBAND = {"kind": "hyperband", "options": {"min_resource": 1, "max_resource": 5, "reduction_factor": 3, "bootstrap_count": 0}}


# -- allowlist -------------------------------------------------------------------------------------


@pytest.fixture
def trap_modules(tmp_path, monkeypatch):
    """Importable modules that leave a marker file when imported: importing them is the failure."""
    marker = tmp_path / "imported"
    for name in ("evilmod", "sklearnx"):
        (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\nclass Evil:\n    def fit(self, X, y): pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield marker
    for name in ("evilmod", "sklearnx"):
        sys.modules.pop(name, None)


@pytest.mark.parametrize("path", ["evilmod.Evil", "sklearnx.Evil", "sklearnx.linear_model.Ridge"])
def test_classes_outside_the_allowlist_are_refused_before_import(trap_modules, path):
    module = path.split(".")[0]
    with pytest.raises(UnsafeClassError, match=rf"model '{path}' refused: module '{path.rpartition('.')[0]}' is not in the allowed modules \(sklearn\)"):
        SklearnAdapter(path)
    assert module not in sys.modules and not trap_modules.exists()


@pytest.mark.parametrize("path", ["os.system", "subprocess.Popen", "builtins.eval"])
def test_stdlib_callables_are_refused(path):
    with pytest.raises(UnsafeClassError, match=rf"'{path}' refused: module '{path.split('.')[0]}' is not in the allowed modules"):
        SklearnAdapter(path)


def test_the_allowlist_extends_and_then_imports(trap_modules):
    cls = import_class("evilmod.Evil", ["sklearn", "evilmod"])
    assert cls.__name__ == "Evil" and trap_modules.read_text() == "evilmod"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("sklearn.base.clone", "model 'sklearn.base.clone': 'clone' is not a class of module 'sklearn.base'"),
        ("sklearn.utils._param_validation.Real", "model 'sklearn.utils._param_validation.Real' refused: it is defined in 'numbers', which is not an allowed module"),
        ("sklearn.nothere.Ridge", "model 'sklearn.nothere.Ridge': cannot import module 'sklearn.nothere'"),
        ("Ridge", "model 'Ridge' is not a dotted class path"),
        ("sklearn.base.__class__", "model 'sklearn.base.__class__' refused: dunder names are never imported"),
        ("sklearn.__builtins__.eval", "model 'sklearn.__builtins__.eval' refused: dunder names are never imported"),
        ("sklearn.linear_model.Ridge; import os", "is not a dotted class path"),
    ],
)
def test_allowed_modules_still_need_a_real_estimator_class(path, message):
    with pytest.raises(UnsafeClassError, match=re.escape(message)):
        SklearnAdapter(path)


def test_transforms_and_splitters_are_allowlisted_too(trap_modules):
    with pytest.raises(UnsafeClassError, match="transform 'evilmod.Evil' refused"):
        SklearnAdapter("sklearn.linear_model.Ridge", transforms=[("evilmod.Evil", {})])
    with pytest.raises(UnsafeClassError, match="y_processing 'sklearnx.Evil' refused"):
        SklearnAdapter("sklearn.linear_model.Ridge", y_processing=("sklearnx.Evil", {}))
    with pytest.raises(UnsafeClassError, match="splitter 'evilmod.Evil' refused"):
        build_splitter(("evilmod.Evil", {}))
    with pytest.raises(UnsafeClassError, match="transform 'sklearn.linear_model.Ridge' is not a transformer"):
        SklearnAdapter("sklearn.linear_model.Ridge", transforms=[("sklearn.linear_model.Ridge", {})])
    assert "evilmod" not in sys.modules and "sklearnx" not in sys.modules and not trap_modules.exists()


def test_a_pipeline_splitter_outside_the_allowlist_is_refused_before_any_trial(trap_modules):
    study = make_study(approach="grouped", validation=None, pipeline={
        "transforms": [], "y_processing": None, "splitter": step("evilmod.Evil"), "model": step("sklearn.linear_model.Ridge"), "unsupported": []})
    calls = []
    with pytest.raises(UnsafeClassError, match="splitter 'evilmod.Evil' refused"):
        optimize(study, lambda m, t, s: calls.append(1) or 0.0, embedded_dataset("diabetes"))
    assert calls == [] and not trap_modules.exists()


# -- sklearn adapter -------------------------------------------------------------------------------


def test_transforms_then_model_in_a_pipeline_and_y_processing_scored_in_original_units():
    data = embedded_dataset("diabetes")
    adapter = SklearnAdapter("sklearn.linear_model.Ridge", {"alpha": 0.5},
                             transforms=[("sklearn.preprocessing.StandardScaler", {"with_mean": True})],
                             y_processing=("sklearn.preprocessing.StandardScaler", {}))
    built = adapter.build({"alpha": 2.0})
    assert isinstance(built, TransformedTargetRegressor) and isinstance(built.transformer, StandardScaler)
    assert [name for name, _ in built.regressor.steps] == ["transform0", "model"] and built.regressor.named_steps["model"].alpha == 2.0

    study = make_study(space=[entry("categorical", "alpha", choices=[2.0])], n_trials=1)
    report = optimize(study, adapter, data)
    split = holdout_split(data, 0.25, 3)
    # By hand: scale X, fit Ridge on the standardised y, invert the predictions, score against the raw y.
    xs, ys = StandardScaler().fit(data.X[split.train]), StandardScaler().fit(data.y[split.train].reshape(-1, 1))
    model = Ridge(alpha=2.0).fit(xs.transform(data.X[split.train]), ys.transform(data.y[split.train].reshape(-1, 1)).ravel())
    pred = ys.inverse_transform(model.predict(xs.transform(data.X[split.valid])).reshape(-1, 1)).ravel()
    expected = root_mean_squared_error(data.y[split.valid], pred)
    assert report.trials[0].fold_scores == [pytest.approx(expected, rel=1e-12)] and expected > 40  # y units, not standardised
    assert isinstance(report.final_estimator, TransformedTargetRegressor)
    assert report.final["params"]["alpha"] == 2.0 and report.final_estimator.regressor_.named_steps["model"].alpha == 2.0


def test_task_mismatches_are_refused_up_front():
    with pytest.raises(RuntimeSpecError, match="metric 'accuracy' scores classifiers, but sklearn.linear_model.Ridge is not a classifier"):
        optimize(make_study(metric="accuracy", direction="maximize"), SklearnAdapter("sklearn.linear_model.Ridge"))
    with pytest.raises(RuntimeSpecError, match="metric 'roc_auc' needs predict_proba, which sklearn.svm.SVC does not have"):
        optimize(make_study(metric="roc_auc", direction="maximize", space=[]), SklearnAdapter("sklearn.svm.SVC", {"probability": False}))
    with pytest.raises(RuntimeSpecError, match="y_processing transforms a regression target"):
        optimize(make_study(metric="accuracy", direction="maximize", space=[]),
                 SklearnAdapter("sklearn.linear_model.LogisticRegression", y_processing=("sklearn.preprocessing.StandardScaler", {})))


def test_train_params_not_accepted_by_fit_are_refused_up_front():
    study = make_study(fixed={"model": {}, "train": {"epochs": 3}}, space=[entry("categorical", "verbose", target="train", choices=[1])])
    with pytest.raises(RuntimeSpecError, match=r"train param\(s\) 'epochs', 'verbose' are not arguments of sklearn.linear_model.Ridge.fit"):
        optimize(study, SklearnAdapter("sklearn.linear_model.Ridge"))


RECORDER = '''
from sklearn.base import BaseEstimator, RegressorMixin
import numpy as np
CALLS = []
class RecordingRegressor(RegressorMixin, BaseEstimator):
    def __init__(self, shift=0.0):
        self.shift = shift
    def fit(self, X, y, scale=1.0, mode="a"):
        CALLS.append({"n": len(X), "scale": scale, "mode": mode})
        self.mean_ = float(np.mean(y)) * scale + self.shift
        return self
    def predict(self, X):
        return np.full(len(X), self.mean_)
'''


@pytest.fixture
def recorder(tmp_path, monkeypatch):
    (tmp_path / "ftspec_fitrec.py").write_text(RECORDER)
    monkeypatch.syspath_prepend(str(tmp_path))
    import ftspec_fitrec

    yield ftspec_fitrec
    sys.modules.pop("ftspec_fitrec", None)


@pytest.mark.parametrize("transforms", [[], [("sklearn.preprocessing.StandardScaler", {})]])
def test_train_params_reach_fit_exactly_with_fixed_values_merged(recorder, transforms):
    data = embedded_dataset("diabetes")
    study = make_study(n_trials=5, space=[entry("categorical", "scale", target="train", choices=[0.5, 1.0, 2.0])],
                       fixed={"model": {"shift": 1.0}, "train": {"mode": "b"}})
    adapter = SklearnAdapter("ftspec_fitrec.RecordingRegressor", transforms=transforms, allow_modules=["sklearn", "ftspec_fitrec"])
    report = optimize(study, adapter, data)
    n_train = report.splits[0]["n_train"]
    trial_calls = [{"n": n_train, "scale": t.train_params["scale"], "mode": "b"} for t in report.trials]
    assert recorder.CALLS == trial_calls + [{"n": 442, "scale": report.best_train_params["scale"], "mode": "b"}]
    assert report.best_train_params == {"mode": "b", "scale": report.trials[report.best_number].train_params["scale"]}
    assert report.final["train_params"] == report.best_train_params and report.final["params"] == {"shift": 1.0}


def test_from_pipeline_builds_the_steps_and_refuses_what_cannot_run():
    pipeline = {"transforms": [step("sklearn.preprocessing.StandardScaler")], "y_processing": step("sklearn.preprocessing.MinMaxScaler"),
                "splitter": None, "model": step("sklearn.linear_model.Ridge", alpha=3.0), "unsupported": []}
    adapter = adapter_from_study(make_study(pipeline=pipeline))
    assert type(adapter) is SklearnAdapter and adapter.class_path == "sklearn.linear_model.Ridge" and adapter.params == {"alpha": 3.0}
    assert [p for p, _, _ in adapter.transforms] == ["sklearn.preprocessing.StandardScaler"] and adapter.y_processing[0] == "sklearn.preprocessing.MinMaxScaler"

    bad = dict(pipeline, unsupported=[{"source": {"pointer": "/pipeline/1", "line": 4, "column": 3}, "reason": "a Python function step"}])
    with pytest.raises(RuntimeSpecError, match=r"the pipeline has steps that cannot run here:\n  line 4, /pipeline/1: a Python function step"):
        adapter_from_study(make_study(pipeline=bad))
    with pytest.raises(RuntimeSpecError, match="the pipeline has no model step to tune"):
        adapter_from_study(make_study(pipeline=dict(pipeline, model=None)))
    with pytest.raises(RuntimeSpecError, match="the study has no pipeline context"):
        adapter_from_study(make_study())

    sgd = dict(pipeline, model=step("sklearn.linear_model.SGDRegressor"))
    assert type(adapter_from_study(make_study(pipeline=sgd, fixed={"model": {}, "train": {"epochs": 2}}))) is IncrementalAdapter
    assert type(adapter_from_study(make_study(pipeline=sgd))) is SklearnAdapter


# -- incremental adapter ---------------------------------------------------------------------------


def _sgd_study(**overrides):
    fields = dict(n_trials=10, pruner=HYPERBAND, fixed={"model": {"random_state": 0}, "train": {"epochs": 5}},
                  space=[entry("float", "eta0", low=1e-5, high=0.1, step=None, log=True)])
    return make_study(**{**fields, **overrides})


def test_hyperband_from_the_ir_prunes_incremental_trials():
    # eta0 spans 1e-5..0.1, so the trials' held-out rmse differ widely after the first epochs and
    # hyperband stops those behind at its rungs. The study name fixes hyperband's bracket of each trial.
    adapter = IncrementalAdapter("sklearn.linear_model.SGDRegressor", transforms=[("sklearn.preprocessing.StandardScaler", {})])
    report = optimize(_sgd_study(), adapter, study_name="hb")
    assert [t.state for t in report.trials] == ["COMPLETE", "COMPLETE", "COMPLETE", "PRUNED", "PRUNED",
                                               "COMPLETE", "PRUNED", "PRUNED", "PRUNED", "PRUNED"]
    assert [len(t.intermediate) for t in report.trials] == [5, 5, 5, 4, 4, 5, 2, 2, 2, 4]
    assert (report.n_complete, report.n_pruned, report.n_failed) == (4, 6, 0)
    for t in report.trials:
        steps = [s for s, _ in t.intermediate]
        assert steps == (list(range(5)) if t.state == "COMPLETE" else list(range(len(steps))))
        assert t.fold_scores == [t.intermediate[-1][1]]
        if t.state == "PRUNED":
            assert len(steps) < 5 and t.value is None
    best = report.trials[report.best_number]
    assert best.value == best.intermediate[-1][1] == report.best_value
    assert report.final["params"]["eta0"] == best.model_params["eta0"] and report.final["train_params"] == {"epochs": 5}


def test_incremental_scores_are_sklearn_partial_fit_epoch_by_epoch():
    data = embedded_dataset("diabetes")
    study = _sgd_study(n_trials=1, pruner={"kind": "none", "options": {}}, space=[entry("categorical", "eta0", choices=[0.01])])
    report = optimize(study, IncrementalAdapter("sklearn.linear_model.SGDRegressor", transforms=[("sklearn.preprocessing.StandardScaler", {})],
                                                y_processing=("sklearn.preprocessing.StandardScaler", {})), data)
    split = holdout_split(data, 0.25, 3)
    xs, ys = StandardScaler().fit(data.X[split.train]), StandardScaler().fit(data.y[split.train].reshape(-1, 1))
    model, expected = SGDRegressor(eta0=0.01, random_state=0), []
    for _ in range(5):
        model.partial_fit(xs.transform(data.X[split.train]), ys.transform(data.y[split.train].reshape(-1, 1)).ravel())
        pred = ys.inverse_transform(model.predict(xs.transform(data.X[split.valid])).reshape(-1, 1)).ravel()
        expected.append(root_mean_squared_error(data.y[split.valid], pred))
    assert [v for _, v in report.trials[0].intermediate] == pytest.approx(expected, rel=1e-12)
    # The final estimator (5 passes on all rows) predicts in y units through its fitted parts.
    final = report.final_estimator
    xs_all, ys_all = StandardScaler().fit(data.X), StandardScaler().fit(data.y.reshape(-1, 1))
    ref = SGDRegressor(eta0=0.01, random_state=0)
    for _ in range(5):
        ref.partial_fit(xs_all.transform(data.X), ys_all.transform(data.y.reshape(-1, 1)).ravel())
    assert isinstance(final, TransformedTargetRegressor) and isinstance(final.regressor_, Pipeline)
    np.testing.assert_allclose(final.predict(data.X[:5]), ys_all.inverse_transform(ref.predict(xs_all.transform(data.X[:5])).reshape(-1, 1)).ravel())


@pytest.mark.parametrize("eval_mode", ["mean", "robust_best"])
def test_incremental_folds_advance_together_and_report_their_aggregate(eval_mode):
    from sklearn.model_selection import KFold

    data = embedded_dataset("diabetes")
    study = _sgd_study(n_trials=1, approach="grouped", validation=None, eval_mode=eval_mode, pruner={"kind": "none", "options": {}},
                       space=[entry("categorical", "eta0", choices=[0.01])])
    adapter = IncrementalAdapter("sklearn.linear_model.SGDRegressor", transforms=[("sklearn.preprocessing.StandardScaler", {})])
    report = optimize(study, adapter, data, folds=KFold(3))
    expected = []
    models = [(SGDRegressor(eta0=0.01, random_state=0), StandardScaler().fit(data.X[t]), t, v) for t, v in KFold(3).split(data.X)]
    for _ in range(5):
        scores = []
        for model, scaler, t, v in models:
            model.partial_fit(scaler.transform(data.X[t]), data.y[t])
            scores.append(root_mean_squared_error(data.y[v], model.predict(scaler.transform(data.X[v]))))
        expected.append(float(np.mean(scores)) if eval_mode == "mean" else float(np.quantile(scores, 0.75)))
    trial = report.trials[0]
    assert [v for _, v in trial.intermediate] == pytest.approx(expected, rel=1e-12) and trial.value == trial.intermediate[-1][1]
    assert trial.fold_scores == pytest.approx(scores, rel=1e-12)


def test_incremental_classifier_gets_the_classes_and_probabilities():
    study = make_study(metric="log_loss", n_trials=2, space=[entry("categorical", "alpha", choices=[1e-3, 1e-2])],
                       fixed={"model": {"loss": "log_loss", "random_state": 0}, "train": {"epochs": 3}})
    report = optimize(study, IncrementalAdapter("sklearn.linear_model.SGDClassifier", transforms=[("sklearn.preprocessing.StandardScaler", {})]),
                      embedded_dataset("iris"))
    assert report.n_complete == 2 and all(len(t.intermediate) == 3 for t in report.trials)
    assert list(report.final_estimator.classes_) == [0, 1, 2]


def test_incremental_adapter_needs_partial_fit_and_epochs():
    with pytest.raises(RuntimeSpecError, match="model 'sklearn.linear_model.Ridge' has no partial_fit"):
        IncrementalAdapter("sklearn.linear_model.Ridge")
    with pytest.raises(RuntimeSpecError, match="set train_params.epochs"):
        optimize(make_study(), IncrementalAdapter("sklearn.linear_model.SGDRegressor"))
    with pytest.raises(RuntimeSpecError, match=r"train param\(s\) 'scale' are not arguments of sklearn.linear_model.SGDRegressor.partial_fit"):
        optimize(make_study(fixed={"model": {}, "train": {"epochs": 2, "scale": 1}}), IncrementalAdapter("sklearn.linear_model.SGDRegressor"))


def test_a_sampled_model_param_the_class_does_not_take_is_refused_before_any_trial() -> None:
    study = make_study(space=[entry("float", "alpha", low=0.1, high=1.0, step=None, log=False),
                              entry("int", "depth", low=1, high=3, step=1, log=False)])
    with pytest.raises(RuntimeSpecError) as info:
        optimize(study, SklearnAdapter("sklearn.linear_model.Ridge"), embedded_dataset("diabetes"))
    assert str(info.value) == "model param(s) 'depth' are not arguments of sklearn.linear_model.Ridge (every trial would fail)"
