"""Several objectives (issue 14): the v2 syntax and the IR, loading IR version 2, and the runtime
against a hand-written Optuna multi-objective study (same seed, sampler, space, objective functions:
identical params and values), the Pareto front and the refit rule, fit/predict seconds, the HTML page
and MLflow tracking."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest

from ftspec.compiler.compile import compile_text
from ftspec.ir import IR_VERSION, dump_ir
from ftspec.runtime import StudyFailed, optimize
from ftspec.runtime.adapters import SklearnAdapter
from ftspec.runtime.build import RuntimeSpecError
from ftspec.runtime.html import StudyView, render_html
from ftspec.schema.ir_model import load_ir
from ftspec.schema.vocab import SAMPLERS, default_options
from tests.runtime_ir import entry, make_study

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _compile(block: dict[str, Any]) -> tuple[Any, list[tuple[str, str]]]:
    doc = [{"class": "sklearn.model_selection.KFold", "params": {"n_splits": 3}},
           {"name": "ridge", "model": {"class": "sklearn.linear_model.Ridge"}, "finetune_params": {"version": 2, **block}}]
    result = compile_text(json.dumps(doc), "p.json", "json")
    return result.ir.studies[0], [(d.code, d.pointer) for d in result.diagnostics]


B = "/1/finetune_params"


# ----------------------------------------------------------------------------------------- syntax and IR


def test_a_metric_list_lowers_to_one_objective_per_metric_with_the_registry_directions() -> None:
    study, found = _compile({"metric": ["rmse", "r2", "fit_seconds"], "sampler": "nsgaii", "eval_mode": "robust_best",
                             "model_params": {"alpha": {"type": "float", "low": 0.1, "high": 1.0}}})
    assert found == []
    assert [(o.metric, o.direction, o.eval_quantile) for o in study.objectives] == [
        ("rmse", "minimize", 0.75), ("r2", "maximize", 0.25), ("fit_seconds", "minimize", 0.75)]
    assert study.select.objective == "rmse"
    assert study.sampler.options == default_options(SAMPLERS["nsgaii"])


def test_one_metric_is_a_list_of_one_objective() -> None:
    study, found = _compile({"metric": "r2", "model_params": {}})
    assert found == [] and [(o.metric, o.direction) for o in study.objectives] == [("r2", "maximize")]
    assert study.select.objective == "r2"
    text = dump_ir(type(load_ir({"ir_version": IR_VERSION, "studies": []}))(ir_version=IR_VERSION, studies=[study]))
    assert '"objectives": [' in text and '"metric": "r2"' in text and '"select": {' in text


def test_directions_written_and_checked_per_metric() -> None:
    study, found = _compile({"metric": ["rmse", "r2"], "direction": ["minimize", "maximize"], "select": {"objective": "r2"}})
    assert found == [] and study.select.objective == "r2"
    _, found = _compile({"metric": ["rmse", "r2"], "direction": ["minimize", "minimize"]})
    assert ("FT314", f"{B}/direction/1") in found
    _, found = _compile({"metric": ["rmse", "r2"], "direction": ["minimize"]})
    assert ("FT429", f"{B}/direction") in found
    _, found = _compile({"metric": ["rmse", "r2"], "direction": "minimize"})
    assert ("FT111", f"{B}/direction") in found


def test_tpe_resolves_optuna_5s_multivariate_default_for_several_objectives() -> None:
    """Optuna 5's TPESampler(multivariate=None) is independent TPE for several objectives (multivariate
    with group); the IR records that value, and what the config writes wins."""
    several, _ = _compile({"metric": ["rmse", "fit_seconds"]})
    assert several.sampler.kind == "tpe" and several.sampler.options["multivariate"] is False
    grouped, _ = _compile({"metric": ["rmse", "fit_seconds"], "sampler": {"kind": "tpe", "options": {"group": True}}})
    assert grouped.sampler.options["multivariate"] is True
    written, _ = _compile({"metric": ["rmse", "fit_seconds"], "sampler": {"kind": "tpe", "options": {"multivariate": True}}})
    assert written.sampler.options["multivariate"] is True
    one, _ = _compile({"metric": "rmse"})
    assert one.sampler.options["multivariate"] is True


def test_findings_of_several_objectives_through_the_compiler() -> None:
    _, found = _compile({"metric": ["rmse", "accuracy"], "sampler": "cmaes", "pruner": "median", "select": {"objective": "mae"}})
    assert {"FT427", "FT428", "FT430", "FT431"} <= {code for code, _ in found}


def test_load_ir_reads_ir_version_2_documents() -> None:
    current = json.loads(dump_ir(type(load_ir({"ir_version": IR_VERSION, "studies": []}))(
        ir_version=IR_VERSION, studies=[make_study(eval_mode="robust_best", metric="r2")])))
    old = json.loads(json.dumps(current))
    old["ir_version"] = 2
    for study in old["studies"]:  # what ftspec 0.1 wrote: metric and direction, no objectives/select/tracking
        objective = study.pop("objectives")[0]
        study.pop("select")
        study.pop("tracking")
        fields = list(study.items())
        study.clear()
        for key, value in fields:
            study[key] = value
            if key == "eval_mode":
                study["metric"], study["direction"] = objective["metric"], objective["direction"]
    for source in (old, json.dumps(old), json.dumps(old).encode()):
        doc = load_ir(source)  # type: ignore[arg-type]
        assert doc.ir_version == IR_VERSION
        (study,) = doc.studies
        assert [(o.metric, o.direction, o.eval_quantile) for o in study.objectives] == [("r2", "maximize", 0.25)]
        assert study.eval_mode == "robust_best" and study.select.objective == "r2" and study.tracking is None
        assert json.loads(dump_ir(doc)) == current


# ----------------------------------------------------------------------------------------- runtime


SPACE = [entry("float", "x", low=-2.0, high=2.0, step=None, log=False), entry("int", "n", low=1, high=9, step=2, log=False)]
GRID_SPACE = [entry("float", "x", low=-2.0, high=2.0, step=0.5, log=False), entry("int", "n", low=1, high=9, step=2, log=False)]


def _values(model: dict) -> list[float]:
    x, n = model["x"], model["n"]
    return [(x - 0.5) ** 2 + n / 10, (x + 1.0) ** 2 / (1 + n)]


def _hand_written(kind: str, options: dict[str, Any], seed: int, n_trials: int, space: list[dict[str, Any]]) -> optuna.Study:
    """What a user would write by hand: the Optuna class, its options, the seed, the same suggestions."""
    cls = {"random": optuna.samplers.RandomSampler, "tpe": optuna.samplers.TPESampler, "nsgaii": optuna.samplers.NSGAIISampler,
           "nsgaiii": optuna.samplers.NSGAIIISampler, "qmc": optuna.samplers.QMCSampler, "grid": optuna.samplers.GridSampler,
           "bruteforce": optuna.samplers.BruteForceSampler}[kind]
    args: tuple[Any, ...] = ()
    if kind == "grid":
        args = ({"x": [float(v) for v in np.arange(-2.0, 2.01, 0.5)], "n": [1, 3, 5, 7, 9]},)
    study = optuna.create_study(directions=["minimize", "maximize"], sampler=cls(*args, seed=seed, **options))
    step = space[0]["step"]

    def objective(trial: optuna.Trial) -> list[float]:
        model = {"x": trial.suggest_float("x", -2.0, 2.0, step=step), "n": trial.suggest_int("n", 1, 9, step=2)}
        return _values(model)

    study.optimize(objective, n_trials=n_trials)
    return study


@pytest.mark.parametrize("kind", ["random", "tpe", "nsgaii", "nsgaiii", "qmc", "grid", "bruteforce"])
def test_same_params_and_values_as_a_hand_written_multi_objective_study(kind: str) -> None:
    space = GRID_SPACE if kind in ("grid", "bruteforce") else SPACE
    options = default_options(SAMPLERS[kind])
    if kind == "tpe":
        options = {**options, "multivariate": False}  # what the compiler resolves for several objectives (test above)
    if kind in ("nsgaii", "nsgaiii"):
        options = {**options, "population_size": 4}  # several generations in a short study
    hand_options = {k: v for k, v in options.items() if not (kind == "tpe" and k == "multivariate")}
    n_trials = 14
    study = make_study(metrics=["rmse", "r2"], sampler={"kind": kind, "options": options}, n_trials=n_trials, seed=11, space=space)
    report = optimize(study, lambda model, train, split: _values(model))
    hand = _hand_written(kind, hand_options, 11, n_trials, space)
    ours = [(t.model_params, t.values) for t in report.trials]
    theirs = [(t.params, t.values) for t in hand.trials]
    assert ours == theirs
    assert sorted(p["number"] for p in report.pareto_front) == sorted(t.number for t in hand.best_trials)


def _dominates(a: list[float], b: list[float], signs: list[float]) -> bool:
    return all(s * x <= s * y for x, y, s in zip(a, b, signs)) and any(s * x < s * y for x, y, s in zip(a, b, signs))


def test_report_front_selection_and_no_intermediate_values() -> None:
    study = make_study(metrics=["rmse", "r2"], n_trials=20, seed=3, space=SPACE, select={"objective": "r2"})
    report = optimize(study, lambda model, train, split: _values(model))
    signs = [1.0, -1.0]
    complete = {t.number: t.values for t in report.trials if t.state == "COMPLETE"}
    front = {p["number"]: p["values"] for p in report.pareto_front}
    for number, values in complete.items():
        dominated = any(_dominates(other, values, signs) for other in complete.values())
        assert (number in front) == (not dominated)
    best = max(front.items(), key=lambda kv: (kv[1][1], -kv[0]))
    assert report.select == {"objective": "r2", "direction": "maximize", "number": best[0]}
    assert (report.best_number, report.best_value, report.best_values) == (best[0], best[1][1], best[1])
    assert (report.metric, report.direction) == ("r2", "maximize")
    assert report.objectives == [{"metric": "rmse", "direction": "minimize"}, {"metric": "r2", "direction": "maximize"}]
    assert all(t.intermediate == [] for t in report.trials)
    assert json.loads(json.dumps(report.to_dict(), allow_nan=False))["pareto_front"] == report.pareto_front


def test_each_objective_is_aggregated_over_the_folds_in_its_own_direction() -> None:
    study = make_study(metrics=["rmse", "r2"], n_trials=2, approach="grouped", validation=None, eval_mode="best", space=SPACE)
    folds = [(np.arange(3, 9), np.arange(0, 3)), (np.r_[0:3, 6:9], np.arange(3, 6)), (np.arange(0, 6), np.arange(6, 9))]
    data = (np.zeros((9, 1)), np.zeros(9))
    report = optimize(study, lambda model, train, split: [float(split.index), 10.0 - split.index], data, folds=folds)
    for t in report.trials:
        assert t.fold_scores == [[0.0, 10.0], [1.0, 9.0], [2.0, 8.0]]
        assert t.values == [0.0, 10.0]  # best: min of rmse, max of r2


def test_a_callable_with_the_wrong_number_of_values_fails_the_trial() -> None:
    study = make_study(metrics=["rmse", "r2"], n_trials=2, space=SPACE)
    with pytest.raises(StudyFailed) as info:
        optimize(study, lambda model, train, split: [1.0])
    assert info.value.report.trials[0].failure["message"] == "the objective returned 1 value(s) for 2 objectives"


def test_the_runtime_refuses_a_pruner_or_cmaes_with_several_objectives() -> None:
    with pytest.raises(RuntimeSpecError, match="FT427"):
        optimize(make_study(metrics=["rmse", "r2"], pruner={"kind": "median", "options": default_options(__import__(
            "ftspec.schema.vocab", fromlist=["PRUNERS"]).PRUNERS["median"])}), lambda m, t, s: [1.0, 1.0])
    with pytest.raises(RuntimeSpecError, match="FT428"):
        optimize(make_study(metrics=["rmse", "r2"], sampler={"kind": "cmaes", "options": default_options(SAMPLERS["cmaes"])}),
                 lambda m, t, s: [1.0, 1.0])


def _ridge_study(**overrides: Any) -> Any:
    pipeline = {"transforms": [], "y_processing": None, "splitter": None, "unsupported": [],
                "model": {"class_path": "sklearn.linear_model.Ridge", "params": {}, "source": {"pointer": "", "line": 1, "column": 1}}}
    space = [entry("float", "alpha", low=1e-3, high=10.0, step=None, log=True)]
    return make_study(metrics=["rmse", "fit_seconds", "predict_seconds"], n_trials=6, space=space, pipeline=pipeline, **overrides)


def test_fit_and_predict_seconds_are_measured_and_the_selected_trial_refitted() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = X @ [1.0, -2.0, 0.5, 0.0] + rng.normal(scale=0.1, size=60)
    study = _ridge_study(select={"objective": "fit_seconds"})
    adapter = SklearnAdapter.from_pipeline(study.pipeline)
    report = optimize(study, adapter, (X, y))
    for t in report.trials:
        assert len(t.values) == 3 and t.values[0] > 0 and 0 < t.values[1] < 5 and 0 < t.values[2] < 5
    assert report.select["objective"] == "fit_seconds" and report.best_number == report.select["number"]
    front = {p["number"]: p["values"] for p in report.pareto_front}
    assert report.best_number == min(front, key=lambda n: (front[n][1], n))
    best = next(t for t in report.trials if t.number == report.best_number)
    assert report.final["params"]["alpha"] == best.model_params["alpha"]
    assert report.timing["model_fit_seconds"] > 0


def test_the_html_page_has_optunas_pareto_front_plot(tmp_path: Path) -> None:
    study = make_study(metrics=["rmse", "r2"], n_trials=8, seed=2, space=SPACE)
    storage = optuna.storages.InMemoryStorage()
    report = optimize(study, lambda model, train, split: _values(model), storage=storage)
    ostudy = optuna.load_study(study_name=report.study_name, storage=storage)
    page = render_html([StudyView(report.to_dict(), ostudy)], title="t")
    assert 'data-plot="pareto_front"' in page and 'id="study-0-pareto-front"' in page
    assert "refitted trial" in page and html.escape("the Pareto front's best on rmse") in page
    assert 'id="study-0-optimization-history"' in page  # the other plots show the selected objective


def test_mlflow_tracking_logs_every_objective(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mlflow  # noqa: F401
    from mlflow import MlflowClient

    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    study = make_study(metrics=["rmse", "r2"], n_trials=3, seed=1, space=SPACE,
                       tracking={"mlflow": {"tracking_uri": uri, "experiment": "moo"}})
    report = optimize(study, lambda model, train, split: _values(model))
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("moo")
    runs = client.search_runs([exp.experiment_id], max_results=100)
    children = {int(r.data.tags["ftspec.trial_number"]): r for r in runs if r.data.tags.get("ftspec.role") == "trial"}
    parent = next(r for r in runs if r.data.tags.get("ftspec.role") == "study")
    for t in report.trials:
        metrics = children[t.number].data.metrics
        assert (metrics["rmse"], metrics["r2"]) == pytest.approx(tuple(t.values))
        assert (metrics["fold_rmse"], metrics["fold_r2"]) == pytest.approx(tuple(t.values))
    assert parent.data.params["metric"] == "rmse,r2" and parent.data.params["direction"] == "minimize,maximize"
    assert parent.data.metrics["best_rmse"] == pytest.approx(report.best_value)
    assert parent.data.metrics["best_r2"] == pytest.approx(report.best_values[1])
    assert parent.data.metrics["pareto_front_size"] == len(report.pareto_front)
    assert not math.isnan(parent.data.metrics["best_r2"])


def test_the_progress_bar_shows_the_front_best_on_the_selected_objective() -> None:
    import io

    from ftspec.runtime.progress import ProgressBar

    ostudy = optuna.create_study(directions=["minimize", "maximize"], sampler=optuna.samplers.RandomSampler(seed=0))
    bar = ProgressBar("s", "r2", 5, file=io.StringIO(), objective=1)
    ostudy.optimize(lambda t: [t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)], n_trials=5, callbacks=[bar])
    bar.close()
    best = max(ostudy.best_trials, key=lambda t: (t.values[1], -t.number))
    assert f"best r2={best.values[1]:.6g} (trial {best.number})" in bar.file.getvalue()  # type: ignore[attr-defined]
