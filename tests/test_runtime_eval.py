"""Evaluation: data loading, registry metrics, approaches and their splits, eval_mode, final fit, warm start, report."""

from __future__ import annotations

import json

import numpy as np
import pytest

import optuna
import sklearn  # noqa: F401

import sklearn.metrics as skm  # noqa: E402
from runtime_ir import entry, make_study, step  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from ftspec.ir import ir_to_dict  # noqa: E402
from ftspec.runtime import (  # noqa: E402
    DataError,
    Dataset,
    RuntimeSpecError,
    SklearnAdapter,
    aggregate,
    default_dataset,
    embedded_dataset,
    holdout_split,
    load_csv,
    optimize,
    score,
    warm_start_params,
)
from ftspec.schema.metrics import METRICS  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _tiny(n=20, groups=False):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return Dataset(X=X, y=X @ [1.0, -2.0, 0.5], task="regression", groups=np.repeat(np.arange(n // 4), 4) if groups else None)


# -- data ------------------------------------------------------------------------------------------


def test_embedded_datasets_ship_with_sklearn_and_follow_the_metric_task():
    assert (default_dataset("regression").name, default_dataset("regression").X.shape) == ("diabetes", (442, 10))
    cancer = default_dataset("classification")
    assert (cancer.name, cancer.X.shape, cancer.summary()["classes"]) == ("breast_cancer", (569, 30), [0, 1])
    assert embedded_dataset("iris").summary() == {"name": "iris", "task": "classification", "n_samples": 150, "n_features": 4,
                                                  "target": "target", "groups": False, "classes": [0, 1, 2]}
    with pytest.raises(DataError, match="unknown embedded dataset 'mnist' \\(expected one of: diabetes, breast_cancer, iris, wine\\)"):
        embedded_dataset("mnist")
    report = optimize(make_study(metric="accuracy", direction="maximize", n_trials=1, space=[], fixed={"model": {}, "train": {}}),
                      SklearnAdapter("sklearn.linear_model.LogisticRegression", transforms=[("sklearn.preprocessing.StandardScaler", {})]))
    assert report.dataset["name"] == "breast_cancer" and report.splits == [{"fold": 0, "n_train": 426, "n_valid": 143}]


def test_load_csv_by_target_and_groups_columns(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,label,b,site\n1,x,2.5,s1\n\n3,y,4,s2\n5,x,-1e-3,s1\n")
    data = load_csv(path, target="label", groups="site", task="classification")
    assert data.X.tolist() == [[1.0, 2.5], [3.0, 4.0], [5.0, -0.001]] and data.y.tolist() == ["x", "y", "x"]
    assert data.groups.tolist() == ["s1", "s2", "s1"] and data.feature_names == ["a", "b"] and data.name == "d.csv"
    (tmp_path / "r.csv").write_text("f1,t\n1,2\n3,4.5\n")
    reg = load_csv(tmp_path / "r.csv", target="t")
    assert reg.y.tolist() == [2.0, 4.5] and reg.task == "regression"


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("a,b\n1,2\n", {"target": "y"}, "no target column 'y' (columns: a, b)"),
        ("a,y\n1,2\n", {"target": "y", "groups": "g"}, "no groups column 'g' (columns: a, y)"),
        ("a,y\n1,2\nfoo,3\n", {"target": "y"}, "column 'a', line 3: 'foo' is not a number"),
        ("a,y\n1,2\n,3\n", {"target": "y"}, "column 'a', line 3: missing value"),
        ("a,y\n1,cat\n", {"target": "y"}, "column 'y', line 2: 'cat' is not a number"),
        ("a,y\n1,2,3\n", {"target": "y"}, "line 2: 3 cells, the header has 2"),
        ("y\n1\n", {"target": "y"}, "no feature column besides the target"),
        ("", {"target": "y"}, "empty file"),
        ("a,y\n", {"target": "y"}, "no data rows"),
    ],
)
def test_load_csv_errors_name_the_column_and_line(tmp_path, text, kwargs, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        load_csv(path, **kwargs)
    assert message in str(info.value)


def test_load_csv_unreadable_file(tmp_path):
    with pytest.raises(DataError, match="cannot read .*missing.csv: No such file or directory"):
        load_csv(tmp_path / "missing.csv", target="y")


# -- metrics ---------------------------------------------------------------------------------------


def _fit_predict(est, data, split):
    est.fit(data.X[split.train], data.y[split.train])
    return est, est.predict(data.X[split.valid]), est.predict_proba(data.X[split.valid])


@pytest.mark.parametrize(
    ("metric", "dataset", "reference"),
    [
        ("accuracy", "breast_cancer", lambda y, p, pr: skm.accuracy_score(y, p)),
        ("balanced_accuracy", "iris", lambda y, p, pr: skm.balanced_accuracy_score(y, p)),
        ("f1", "breast_cancer", lambda y, p, pr: skm.f1_score(y, p)),
        ("f1", "iris", lambda y, p, pr: skm.f1_score(y, p, average="macro")),
        ("f1_macro", "breast_cancer", lambda y, p, pr: skm.f1_score(y, p, average="macro")),
        ("f1_weighted", "iris", lambda y, p, pr: skm.f1_score(y, p, average="weighted")),
        ("precision", "breast_cancer", lambda y, p, pr: skm.precision_score(y, p)),
        ("recall", "iris", lambda y, p, pr: skm.recall_score(y, p, average="macro")),
        ("roc_auc", "breast_cancer", lambda y, p, pr: skm.roc_auc_score(y, pr[:, 1])),
        ("roc_auc", "iris", lambda y, p, pr: skm.roc_auc_score(y, pr, multi_class="ovr")),
        ("log_loss", "iris", lambda y, p, pr: skm.log_loss(y, pr)),
    ],
)
def test_classification_metrics_equal_sklearn_on_the_same_predictions(metric, dataset, reference):
    data = embedded_dataset(dataset)
    study = make_study(metric=metric, direction=METRICS[metric].direction, n_trials=1, space=[], fixed={"model": {"C": 0.05}, "train": {}})
    report = optimize(study, SklearnAdapter("sklearn.linear_model.LogisticRegression", transforms=[("sklearn.preprocessing.StandardScaler", {})]), data)
    _, pred, proba = _fit_predict(make_pipeline(StandardScaler(), LogisticRegression(C=0.05)), data, holdout_split(data, 0.25, 3))
    expected = reference(data.y[holdout_split(data, 0.25, 3).valid], pred, proba)
    assert report.trials[0].fold_scores == [expected] and report.best_value == expected and report.direction == METRICS[metric].direction


@pytest.mark.parametrize("metric", [m.name for m in METRICS.values() if m.task == "regression"])
def test_regression_metrics_equal_sklearn_functions(metric):
    y, p = np.array([3.0, -0.5, 2.0, 7.0, 4.2]), np.array([2.5, 0.0, 2.0, 8.0, 4.0])
    expected = {"rmse": skm.root_mean_squared_error, "mse": skm.mean_squared_error, "mae": skm.mean_absolute_error,
                "mape": skm.mean_absolute_percentage_error, "medae": skm.median_absolute_error, "r2": skm.r2_score,
                "explained_variance": skm.explained_variance_score}[metric](y, p)
    assert score(metric, y, p) == expected


def test_binary_metrics_use_the_larger_label_as_positive():
    y, p = np.array(["no", "yes", "yes", "no"]), np.array(["yes", "yes", "no", "no"])
    assert score("precision", y, p, classes=["no", "yes"]) == skm.precision_score(y, p, pos_label="yes") == 0.5
    with pytest.raises(ValueError, match="metric 'roc_auc' needs class probabilities"):
        score("roc_auc", [0, 1], [0.2, 0.8], classes=[0, 1])


# -- approaches ------------------------------------------------------------------------------------


def test_single_holdout_is_disjoint_from_training_and_covers_the_data():
    data, seen = embedded_dataset("diabetes"), []

    def objective(model, train, split):
        seen.append(split)
        return 1.0

    report = optimize(make_study(n_trials=2, validation={"holdout_fraction": 0.25, "seed": 3}), objective, data)
    assert len(seen) == 2 and seen[0].train is seen[1].train
    s = seen[0]
    assert np.intersect1d(s.train, s.valid).size == 0 and sorted(np.concatenate([s.train, s.valid]).tolist()) == list(range(442))
    assert (len(s.train), len(s.valid)) == (331, 111) and report.splits == [{"fold": 0, "n_train": 331, "n_valid": 111}]
    other = holdout_split(data, 0.25, 4)
    assert holdout_split(data, 0.25, 3).valid.tolist() == s.valid.tolist() != other.valid.tolist()
    np.testing.assert_array_equal(s.X_train, data.X[s.train])
    np.testing.assert_array_equal(s.y_valid, data.y[s.valid])


def test_single_holdout_keeps_groups_whole():
    data = _tiny(40, groups=True)
    s = holdout_split(data, 0.3, 0)
    assert set(data.groups[s.train]).isdisjoint(data.groups[s.valid]) and len(s.train) + len(s.valid) == 40
    assert len(set(data.groups[s.valid])) == 3  # ceil(0.3 * 10 groups)


@pytest.mark.parametrize(
    ("eval_mode", "direction", "expected"),
    [
        # robust_best: numpy's linear quantile of [1, 2, 3, 6] at 0.75 (3 + 0.25 * 3) minimising, 0.25 (1 + 0.75 * 1) maximising
        ("mean", "minimize", 3.0), ("median", "minimize", 2.5), ("best", "minimize", 1.0), ("robust_best", "minimize", 3.75),
        ("mean", "maximize", 3.0), ("median", "maximize", 2.5), ("best", "maximize", 6.0), ("robust_best", "maximize", 1.75),
        ("nirs4all_mean", "minimize", 3.0), ("nirs4all_best", "minimize", 1.0),
        ("nirs4all_mean", "maximize", 3.0), ("nirs4all_best", "maximize", 6.0),
    ],
)
def test_grouped_aggregates_fold_scores_by_eval_mode(eval_mode, direction, expected):
    fold_values = [3.0, 1.0, 2.0, 6.0]
    folds = [(np.setdiff1d(np.arange(20), np.arange(k * 5, k * 5 + 5)), np.arange(k * 5, k * 5 + 5)) for k in range(4)]
    study = make_study(approach="grouped", validation=None, eval_mode=eval_mode, direction=direction, metric="rmse" if direction == "minimize" else "r2",
                       n_trials=2, space=[entry("categorical", "c", choices=[0])])
    report = optimize(study, lambda m, t, split: fold_values[split.index], _tiny(), folds=folds)
    assert [t.fold_scores for t in report.trials] == [fold_values, fold_values]
    assert [t.value for t in report.trials] == [expected, expected] and report.best_fold_scores == fold_values
    assert report.splits == [{"fold": k, "n_train": 15, "n_valid": 5} for k in range(4)]
    assert aggregate(eval_mode, direction)(fold_values) == expected


def test_grouped_folds_from_the_pipeline_splitter_with_groups():
    data, seen = _tiny(40, groups=True), []
    pipeline = {"transforms": [], "y_processing": None, "splitter": step("sklearn.model_selection.GroupKFold", n_splits=5),
                "model": step("sklearn.linear_model.Ridge"), "unsupported": []}

    def objective(model, train, split):
        seen.append(split)
        return float(split.index)

    report = optimize(make_study(approach="grouped", validation=None, n_trials=1, space=[], pipeline=pipeline), objective, data)
    assert [s.index for s in seen] == [0, 1, 2, 3, 4] and report.trials[0].value == 2.0
    for s in seen:
        assert set(data.groups[s.train]).isdisjoint(data.groups[s.valid]) and len(s.valid) == 8
    assert sorted(np.concatenate([s.valid for s in seen]).tolist()) == list(range(40))

    no_groups = Dataset(X=data.X, y=data.y, task="regression")
    with pytest.raises(DataError, match="GroupKFold cannot split the data: The 'groups' parameter should not be None"):
        optimize(make_study(approach="grouped", validation=None, space=[], pipeline=pipeline), objective, no_groups)


def test_sklearn_grouped_scores_every_fold_with_the_registry_metric():
    data = _tiny(30)
    study = make_study(approach="grouped", validation=None, n_trials=1, space=[entry("categorical", "alpha", choices=[0.3])])
    report = optimize(study, SklearnAdapter("sklearn.linear_model.Ridge"), data, folds=KFold(3))
    expected = [skm.root_mean_squared_error(data.y[v], Ridge(alpha=0.3).fit(data.X[t], data.y[t]).predict(data.X[v])) for t, v in KFold(3).split(data.X)]
    assert report.trials[0].fold_scores == expected and report.trials[0].value == float(np.mean(expected))


@pytest.mark.parametrize("approach", ["grouped", "individual"])
def test_an_approach_needing_folds_without_any_is_refused_before_any_trial(approach):
    calls = []
    with pytest.raises(RuntimeSpecError, match=f"approach '{approach}' scores on folds, but there are none"):
        optimize(make_study(approach=approach, validation=None), lambda m, t, s: calls.append(1) or 0.0, _tiny())
    assert calls == []


def test_single_refuses_folds_and_needs_validation():
    with pytest.raises(RuntimeSpecError, match="approach 'single' scores on a holdout from its validation; folds are for"):
        optimize(make_study(), lambda m, t, s: 0.0, _tiny(), folds=[([0, 1], [2])])
    with pytest.raises(RuntimeSpecError, match=r"approach 'single' needs validation \(holdout_fraction, seed\)"):
        optimize(make_study(validation=None), lambda m, t, s: 0.0, _tiny())


def test_data_of_another_task_than_the_metric_is_refused():
    with pytest.raises(RuntimeSpecError, match="metric 'accuracy' is a classification metric, but the data 'diabetes' is regression"):
        optimize(make_study(metric="accuracy", direction="maximize"), lambda m, t, s: 0.0, embedded_dataset("diabetes"))


def test_bad_folds_are_clear_errors():
    with pytest.raises(DataError, match="fold 0: train and valid indices overlap"):
        optimize(make_study(approach="grouped", validation=None), lambda m, t, s: 0.0, _tiny(), folds=[([0, 1, 2], [2, 3])])
    with pytest.raises(DataError, match=r"fold 1 valid has indices outside 0\.\.19"):
        optimize(make_study(approach="grouped", validation=None), lambda m, t, s: 0.0, _tiny(), folds=[([0], [1]), ([0], [25])])


def test_individual_runs_one_study_per_fold_with_its_best_params_and_final_fit():
    data = _tiny(30)
    folds = list(KFold(3).split(data.X))
    study = make_study(approach="individual", validation=None, n_trials=4, space=[entry("float", "alpha", low=0.01, high=10.0, step=None, log=True)])
    seen = []
    adapter = SklearnAdapter("sklearn.linear_model.Ridge")
    original = adapter.score_fold

    def recording(model, train, split, ctx):
        seen.append([split.index])
        return original(model, train, split, ctx)

    adapter.score_fold = recording
    report = optimize(study, adapter, data, folds=folds, study_name="ind")
    assert seen == [[0]] * 4 + [[1]] * 4 + [[2]] * 4
    assert [f.study_name for f in report.folds] == ["ind:fold0", "ind:fold1", "ind:fold2"] and report.study_name == "ind"
    assert (report.n_trials, report.n_finished, report.n_complete, report.trials, report.best_value) == (12, 12, 12, [], None)
    for k, fold in enumerate(report.folds):
        assert fold.splits == [{"fold": k, "n_train": 20, "n_valid": 10}] and fold.n_complete == 4
        best = min(fold.trials, key=lambda t: t.value)
        assert fold.best_number == best.number and fold.best_model_params == {"alpha": best.model_params["alpha"]}
        assert fold.final["params"]["alpha"] == best.model_params["alpha"] and fold.final["n_samples"] == 30
    data_dict = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert [f["best_value"] for f in data_dict["folds"]] == [f.best_value for f in report.folds] and data_dict["final"] is None


# -- final fit, warm start, report -----------------------------------------------------------------


def test_final_fit_uses_the_best_params_on_all_rows():
    data = embedded_dataset("diabetes")
    study = make_study(n_trials=6, space=[entry("float", "alpha", low=1e-3, high=10.0, step=None, log=True),
                                          entry("categorical", "fit_intercept", choices=[True, False])],
                       fixed={"model": {"solver": "cholesky"}, "train": {}})
    report = optimize(study, SklearnAdapter("sklearn.linear_model.Ridge", {"tol": 1e-6}), data)
    params = report.final_estimator.get_params()
    assert report.best_model_params == {"solver": "cholesky", **report.trials[report.best_number].model_params}
    for name, value in report.best_model_params.items():
        assert params[name] == value == report.final["params"][name]
    assert params["tol"] == 1e-6 and report.final["n_samples"] == 442 and report.final["class_path"] == "sklearn.linear_model.Ridge"
    np.testing.assert_array_equal(report.final_estimator.coef_, Ridge(tol=1e-6, **report.best_model_params).fit(data.X, data.y).coef_)


def test_final_fit_failure_is_a_study_failure_with_the_report():
    from ftspec.runtime import StudyFailed

    class Flaky(SklearnAdapter):
        def fit_final(self, model_params, train_params, data):
            raise MemoryError("too big")

    with pytest.raises(StudyFailed, match="the final fit with the best params failed: MemoryError: too big") as info:
        optimize(make_study(n_trials=2), Flaky("sklearn.linear_model.Ridge"), _tiny())
    assert info.value.report.n_complete == 2 and info.value.report.final is None


@pytest.mark.parametrize("form", ["report", "dict", "path"])
def test_warm_start_enqueues_the_previous_best_first(tmp_path, form):
    def objective(model, train, split):
        return (np.log10(model["alpha"]) - 0.3) ** 2

    first = optimize(make_study(n_trials=6, seed=1), objective)
    source = {"report": first, "dict": first.to_dict(), "path": tmp_path / "r.json"}[form]
    (tmp_path / "r.json").write_text(json.dumps(first.to_dict()))
    second = optimize(make_study(n_trials=3, seed=2), objective, warm_start=source)
    assert second.trials[0].model_params == first.trials[first.best_number].model_params
    assert second.trials[0].value == first.best_value and second.n_finished == 3


def test_warm_start_is_enqueued_once_by_the_process_that_creates_the_study(tmp_path):
    def objective(model, train, split):
        return model["alpha"]

    first = optimize(make_study(n_trials=3, seed=1), objective)
    storage = {"url": f"sqlite:///{tmp_path / 's.db'}", "study_name": "warm", "resume": True}
    optimize(make_study(n_trials=2, seed=2, storage=storage), objective, warm_start=first)
    resumed = optimize(make_study(n_trials=5, seed=2, storage=storage), objective, warm_start=first)
    best = first.trials[first.best_number].model_params
    assert resumed.n_finished == 5 and resumed.trials[0].model_params == best
    assert [t.model_params == best for t in resumed.trials].count(True) == 1


def test_warm_start_with_complete_trials_best_first_and_errors(tmp_path):
    def objective(model, train, split):
        return model["alpha"]

    first = optimize(make_study(n_trials=4, seed=1), objective)
    ordered = sorted((t for t in first.trials), key=lambda t: t.value)
    second = optimize(make_study(n_trials=5, seed=2), objective, warm_start=first, warm_start_trials="complete")
    assert [t.model_params for t in second.trials[:4]] == [t.model_params for t in ordered]
    assert warm_start_params(first) == [(first.trials[first.best_number].model_params, {})]
    (tmp_path / "bad.json").write_text("[1]")
    with pytest.raises(RuntimeSpecError, match="warm start: .*bad.json is not a report"):
        optimize(make_study(), objective, warm_start=tmp_path / "bad.json")
    with pytest.raises(RuntimeSpecError, match="warm_start_trials must be 'best' or 'complete', not 'all'"):
        optimize(make_study(), objective, warm_start=first, warm_start_trials="all")


def test_report_carries_ir_versions_dataset_and_is_json():
    import platform

    import sklearn

    import ftspec

    study = make_study(n_trials=2)
    report = optimize(study, SklearnAdapter("sklearn.linear_model.Ridge"), _tiny())
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["ir"] == json.loads(json.dumps(ir_to_dict(study))) and data["ir"]["id"] == "s"
    assert data["versions"] == {"ftspec": ftspec.__version__, "optuna": optuna.__version__, "sklearn": sklearn.__version__,
                                "numpy": np.__version__, "python": platform.python_version()}
    assert data["dataset"] == {"name": "data", "task": "regression", "n_samples": 20, "n_features": 3, "target": "y", "groups": False}
    assert (data["metric"], data["approach"], data["eval_mode"]) == ("rmse", "single", "mean")
    assert data["trials"][0]["fold_scores"] == [data["trials"][0]["value"]] and "final_estimator" not in data
    assert data["final"]["params"]["alpha"] == data["best_model_params"]["alpha"]


def test_sklearn_failures_are_recorded_with_their_exception_never_scored():
    study = make_study(n_trials=4, space=[entry("categorical", "alpha", choices=[-1.0, 1.0])], seed=0)
    report = optimize(study, SklearnAdapter("sklearn.linear_model.Ridge"), _tiny())
    for t in report.trials:
        if t.model_params["alpha"] < 0:
            assert (t.state, t.value, t.fold_scores, t.failure["type"]) == ("FAIL", None, None, "InvalidParameterError")
            assert t.failure["message"].startswith("The 'alpha' parameter of Ridge must be")
        else:
            assert t.state == "COMPLETE" and t.fold_scores == [t.value]
    assert [(t.model_params["alpha"], t.state) for t in report.trials] == [(1.0, "COMPLETE"), (-1.0, "FAIL"), (1.0, "COMPLETE"), (1.0, "COMPLETE")]


def test_parallel_trials_with_the_sklearn_adapter():
    report = optimize(make_study(n_trials=8, n_jobs=2), SklearnAdapter("sklearn.linear_model.Ridge"), _tiny())
    assert report.n_complete == 8 and [t.number for t in report.trials] == list(range(8))
    data = _tiny()
    split = holdout_split(data, 0.25, 3)
    for t in report.trials:
        pred = Ridge(alpha=t.model_params["alpha"]).fit(data.X[split.train], data.y[split.train]).predict(data.X[split.valid])
        assert t.value == skm.root_mean_squared_error(data.y[split.valid], pred)
