"""`ftrun` end to end through `ftspec.runtime.cli.main(argv)`: exit codes, refusals before anything
runs (and before anything outside the allowlist is imported), the JSON report of a tiny deterministic
run checked against an independent scikit-learn computation, storage sharing, progress output.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import optuna
import pytest

from ftspec.runtime.cli import main
from ftspec.runtime.progress import ProgressBar, best_text, study_line

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "run" / "ridge_demo.yaml"
SUMMARY = "1 file(s), 1 study: 0 error(s), 0 warning(s), 0 info"
STUDY_LINE = re.compile(
    r"^(?P<id>\S+) on (?P<data>.+?): (?P<done>\d+)/(?P<total>\d+) trials finished \((?P<c>\d+) complete, (?P<p>\d+) pruned, (?P<f>\d+) failed\), "
    r"best (?P<metric>\w+)=(?P<best>\S+) \(trial (?P<num>\d+)\), \d+\.\d s$"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def pipeline(tmp_path: Path, *, model: str = "sklearn.linear_model.Ridge", steps: str | None = None, block: str | None = None,
             name: str = "p.yaml") -> Path:
    """A small pipeline: StandardScaler, KFold(3), `model`, a 4-point grid over alpha x fit_intercept."""
    steps = steps if steps is not None else textwrap.dedent("""\
        - class: sklearn.preprocessing.StandardScaler
        - class: sklearn.model_selection.KFold
          params: {n_splits: 3, shuffle: true, random_state: 0}
    """)
    block = block if block is not None else textwrap.dedent("""\
        version: 2
        n_trials: 4
        seed: 3
        metric: rmse
        approach: grouped
        eval_mode: mean
        sampler: grid
        model_params:
          alpha: {type: categorical, choices: [0.1, 10.0]}
          fit_intercept: {type: categorical, choices: [true, false]}
    """)
    text = "pipeline:\n" + textwrap.indent(steps, "  ") + f"  - name: tiny\n    model: {{class: {model}}}\n    finetune_params:\n"
    text += textwrap.indent(block, "      ")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def data_csv(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """30 rows, 3 features, y a fixed function of them (no randomness)."""
    i = np.arange(30, dtype=float)
    X = np.column_stack([np.sin(i), np.cos(i / 3), (i % 7) / 7])
    y = 3 * X[:, 0] - 2 * X[:, 1] + X[:, 2] + 10 + np.sin(5 * i) / 4
    lines = ["a,b,c,y"] + [",".join(repr(float(v)) for v in (*row, t)) for row, t in zip(X, y)]
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, X, y


# ----------------------------------------------------------------------------- the report of a real run


def test_report_of_a_tiny_grid_run_matches_an_independent_sklearn_computation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sklearn.linear_model import Ridge
    from sklearn.metrics import root_mean_squared_error
    from sklearn.model_selection import KFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    path = pipeline(tmp_path)
    csv, X, y = data_csv(tmp_path)
    report_path, html_path = tmp_path / "r.json", tmp_path / "r.html"
    code, out, err = run(capsys, path, "--data", csv, "--target", "y", "--report", report_path, "--html", html_path)
    assert code == 0 and out == ""
    lines = err.splitlines()
    assert lines[0] == SUMMARY
    match = STUDY_LINE.match(lines[1])
    assert match and match["data"] == f"{csv} (30 rows x 3 features, target 'y')"
    assert match and match["id"] == "tiny" and (match["done"], match["total"], match["c"], match["p"], match["f"]) == ("4", "4", "4", "0", "0")
    assert len(lines) == 2

    doc = json.loads(report_path.read_text(encoding="utf-8"))
    assert list(doc) == ["report_version", "pipeline", "versions", "ir", "studies"]
    assert doc["report_version"] == 1 and doc["pipeline"] == str(path)
    assert set(doc["versions"]) == {"ftspec", "optuna", "sklearn", "numpy", "python"}
    assert doc["versions"]["optuna"] == optuna.__version__
    assert doc["ir"]["ir_version"] == 3 and [s["id"] for s in doc["ir"]["studies"]] == ["tiny"]
    [study] = doc["studies"]
    assert study["status"] == "complete" and study["error"] is None
    assert (study["study_id"], study["metric"], study["direction"], study["approach"], study["eval_mode"]) == ("tiny", "rmse", "minimize", "grouped", "mean")
    assert (study["n_trials"], study["n_finished"], study["n_complete"], study["n_failed"], study["partial"], study["stop_reason"]) == (4, 4, 4, 0, False, "n_trials")
    assert study["dataset"] == {"name": str(csv), "task": "regression", "n_samples": 30, "n_features": 3, "target": "y", "groups": False}
    assert study["splits"] == [{"fold": k, "n_train": 20, "n_valid": 10} for k in range(3)]

    folds = list(KFold(n_splits=3, shuffle=True, random_state=0).split(X))
    expected = {}
    for alpha in (0.1, 10.0):
        for intercept in (True, False):
            scores = []
            for train, valid in folds:
                est = make_pipeline(StandardScaler(), Ridge(alpha=alpha, fit_intercept=intercept)).fit(X[train], y[train])
                scores.append(root_mean_squared_error(y[valid], est.predict(X[valid])))
            expected[(alpha, intercept)] = scores
    seen = set()
    for trial in study["trials"]:
        assert set(trial) >= {"number", "state", "model_params", "train_params", "value", "failure", "duration_seconds", "fold_scores"}
        key = (trial["model_params"]["alpha"], trial["model_params"]["fit_intercept"])
        seen.add(key)
        assert trial["state"] == "COMPLETE" and trial["train_params"] == {} and trial["failure"] is None
        assert trial["fold_scores"] == pytest.approx(expected[key], rel=1e-12)
        assert trial["value"] == pytest.approx(float(np.mean(expected[key])), rel=1e-12)
    assert seen == set(expected)  # the grid: every point exactly once
    best_key = min(expected, key=lambda k: np.mean(expected[k]))
    best = [t for t in study["trials"] if t["number"] == study["best_number"]][0]
    assert (best["model_params"]["alpha"], best["model_params"]["fit_intercept"]) == best_key
    assert study["best_model_params"] == {"alpha": best_key[0], "fit_intercept": best_key[1]}
    assert study["final"]["class_path"] == "sklearn.linear_model.Ridge" and study["final"]["n_samples"] == 30
    assert (study["final"]["params"]["alpha"], study["final"]["params"]["fit_intercept"]) == best_key
    assert html_path.read_text(encoding="utf-8").count('class="plotly-graph-div"') == 4  # history, parallel coordinates, importances, fold scores


def test_the_bundled_demo_runs_on_the_embedded_dataset_it_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, DEMO, "--data", "demo:diabetes", "--report", tmp_path / "r.json", "--html", tmp_path / "r.html", "-q")
    assert code == 0
    match = STUDY_LINE.match(err.splitlines()[1])
    assert match and (match["id"], match["done"], match["total"], match["metric"]) == ("ridge-demo", "40", "40", "rmse")
    assert match["data"] == "demo:diabetes (442 rows x 10 features, target 'target')"
    [study] = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["studies"]
    assert study["dataset"]["name"] == "demo:diabetes" and study["dataset"]["n_samples"] == 442
    assert [s["n_valid"] for s in study["splits"]] == [89, 89, 88, 88, 88]
    assert "<tr><th>data</th><td>demo:diabetes</td></tr>" in (tmp_path / "r.html").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- refusals (exit 1)


def test_a_class_outside_the_allowlist_is_refused_and_never_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "wave" not in sys.modules
    path = pipeline(tmp_path, model="wave.Wave_read")
    code, _out, err = run(capsys, path, "--data", "demo:diabetes")
    assert code == 1
    assert err.splitlines()[-1] == (
        f"ftrun: {path}:8:7: study 'tiny': model 'wave.Wave_read' refused: module 'wave' is not in the allowed modules (sklearn); "
        "extend them (allow_modules / --allow-module) only for code you trust"
    )
    assert "wave" not in sys.modules
    code, _out, err = run(capsys, path, "--data", "demo:diabetes", "--allow-module", "wave")
    assert code == 1 and err.splitlines()[-1] == f"ftrun: {path}:8:7: study 'tiny': model 'wave.Wave_read' is not an estimator (no fit method)"


def test_an_unsupported_step_is_refused_with_its_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    steps = "- class: sklearn.model_selection.KFold\n- feature_augmentation: [sklearn.preprocessing.StandardScaler]\n"
    path = pipeline(tmp_path, steps=steps)
    code, _out, err = run(capsys, path, "--data", "demo:diabetes")
    assert code == 1
    assert err.splitlines()[-2:] == [
        f"ftrun: {path}:7:7: study 'tiny': the pipeline has step(s) ftrun cannot run:",
        f"  {path}:3:5: feature_augmentation branches are not supported by ftrun",
    ]


def test_folds_without_a_splitter_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = pipeline(tmp_path, steps="- class: sklearn.preprocessing.StandardScaler\n")
    code, _out, err = run(capsys, path, "--data", "demo:diabetes")
    assert code == 1
    assert err.splitlines()[-1] == (
        f"ftrun: {path}:6:7: study 'tiny': approach 'grouped' scores every trial on folds, but the pipeline has no splitter "
        "step before the model (add e.g. sklearn.model_selection.KFold, or use approach: single)"
    )


def test_a_regressor_for_a_classification_metric_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    block = "version: 2\nn_trials: 2\nmetric: accuracy\napproach: grouped\nmodel_params:\n  alpha: {type: float, low: 0.1, high: 1.0}\n"
    path = pipeline(tmp_path, block=block)
    code, _out, err = run(capsys, path, "--data", "demo:breast_cancer")
    assert code == 1
    assert err.splitlines()[-1] == f"ftrun: {path}:8:7: study 'tiny': metric 'accuracy' scores classifiers, but sklearn.linear_model.Ridge is not a classifier"


def test_errors_in_the_config_are_printed_like_ftcompile_and_nothing_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    block = "version: 2\nn_trials: 2\nmetric: rmse\napproach: cross\nmodel_params:\n  alpha: {type: float, low: 0.1, high: 1.0}\n"
    path = pipeline(tmp_path, block=block)
    report = tmp_path / "r.json"
    code, _out, err = run(capsys, path, "--data", "demo:diabetes", "--report", report)
    lines = err.splitlines()
    assert code == 1
    assert [line.split(" ")[1:3] for line in lines if line.startswith(f"{path}:") and " error " in line] == [["FT307", "error"]]
    assert lines[-1] == f"ftrun: {path} has errors; nothing was run"
    assert not report.exists()


def test_a_file_without_a_block_has_nothing_to_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("pipeline:\n  - class: sklearn.preprocessing.StandardScaler\n", encoding="utf-8")
    code, _out, err = run(capsys, path, "--data", "demo:diabetes")
    assert code == 1 and err.splitlines()[-1] == f"ftrun: {path} has no finetune_params block; nothing to run"


# ----------------------------------------------------------------------------- bad input (exit 2)


def test_a_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "no/such/pipeline.yaml", "--data", "demo:diabetes")
    assert code == 2 and out == ""
    assert err.splitlines()[0].startswith("no/such/pipeline.yaml:1:1: FT012 error cannot read no/such/pipeline.yaml")


def test_malformed_yaml_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, ROOT / "fixtures" / "invalid" / "malformed_yaml.yaml", "--data", "demo:diabetes")
    assert code == 2 and " FT001 error " in err.splitlines()[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bogus", "x.yaml"], "Error: No such option '--bogus'. (Did you mean one of: '--groups', '--verbose'?)"),
        ([], "Error: Missing argument 'PIPELINE'."),
        (["x.yaml", "--data", "d.csv"], "Error: --data needs --target (the column to predict)"),
        (["x.yaml", "--target", "y"], "Error: --target and --groups need --data"),
        (["x.yaml"], "Error: --data is required: a CSV file (with --target COL) or an embedded dataset: "
                     "demo:diabetes, demo:breast_cancer, demo:iris, demo:wine"),
        (["x.yaml", "--data", "demo:mnist"],
         "Error: unknown embedded dataset 'demo:mnist' (choices: demo:diabetes, demo:breast_cancer, demo:iris, demo:wine)"),
        (["x.yaml", "--data", "demo:iris", "--target", "y"],
         "Error: --target and --groups are for a CSV --data; demo:iris has its own target and no groups"),
        (["x.yaml", "--n-jobs", "0"], "Error: Invalid value for '--n-jobs': 0 is not in the range x>=1."),
        ([str(DEMO), "--data", "demo:diabetes", "--study-name", "s"], "Error: --study-name needs a storage: study 'ridge-demo' has none (give --storage URL)"),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _out, err = run(capsys, *argv)
    assert code == 2 and err.splitlines()[-1] == message


def test_an_unknown_study_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, DEMO, "--data", "demo:diabetes", "--study", "nope")
    assert code == 2 and err.splitlines()[-1] == "Error: no study 'nope' in the file (studies: 'ridge-demo')"


def test_bad_data_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, _X, _y = data_csv(tmp_path)
    code, _out, err = run(capsys, pipeline(tmp_path), "--data", csv, "--target", "nope")
    assert code == 2 and err.splitlines()[-1] == f"ftrun: {csv}: no target column 'nope' (columns: a, b, c, y)"


def test_an_unwritable_report_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, _X, _y = data_csv(tmp_path)
    target = tmp_path / "missing-dir" / "r.json"
    code, _out, err = run(capsys, pipeline(tmp_path), "--data", csv, "--target", "y", "--report", target)
    assert code == 2 and err.splitlines()[-1] == f"ftrun: cannot write {target}: No such file or directory"


# ----------------------------------------------------------------------------- storage shared by runs


def test_runs_on_one_storage_share_the_study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, _X, _y = data_csv(tmp_path)
    path = pipeline(tmp_path)
    url = f"sqlite:///{tmp_path / 's.db'}"
    common = [path, "--data", csv, "--target", "y", "--storage", url, "--study-name", "shared"]
    assert run(capsys, *common, "--report", tmp_path / "a.json")[0] == 0
    assert run(capsys, *common, "--report", tmp_path / "b.json")[0] == 0
    a = json.loads((tmp_path / "a.json").read_text())["studies"][0]
    b = json.loads((tmp_path / "b.json").read_text())["studies"][0]
    assert a["study_name"] == b["study_name"] == "shared"
    # The second run found the study finished: it ran nothing and reports the same 4 trials.
    assert [t["number"] for t in b["trials"]] == [0, 1, 2, 3] and b["trials"] == a["trials"]
    assert len(optuna.load_study(study_name="shared", storage=url).trials) == 4


def test_three_ftrun_processes_on_one_journal_storage_run_exactly_n_trials(tmp_path: Path) -> None:
    csv, _X, _y = data_csv(tmp_path)
    block = textwrap.dedent("""\
        version: 2
        n_trials: 12
        seed: 1
        metric: rmse
        approach: grouped
        sampler: random
        model_params:
          alpha: {type: float, low: 0.01, high: 100.0, log: true}
    """)
    path = pipeline(tmp_path, block=block)
    url = f"journal:///{tmp_path / 'j.log'}"
    argv = [sys.executable, "-m", "ftspec.runtime.cli", str(path), "--data", str(csv), "--target", "y",
            "--storage", url, "--study-name", "w", "-q"]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(3)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    from optuna.storages.journal import JournalFileBackend

    from ftspec.runtime.engine import SURPLUS_ATTR, counted_trials

    study = optuna.load_study(study_name="w", storage=optuna.storages.JournalStorage(JournalFileBackend(str(tmp_path / "j.log"))))
    counted = counted_trials(study)
    assert len(counted) == 12 and all(t.state == optuna.trial.TrialState.COMPLETE for t in counted)
    # Workers racing for the last slot may open a trial past the budget: the engine marks it surplus
    # and it never runs the objective (no params, no value), so it is not a trial of the study.
    extra = [t for t in study.trials if t.number not in {c.number for c in counted}]
    assert all(t.user_attrs.get(SURPLUS_ATTR) and t.params == {} for t in extra)


# ----------------------------------------------------------------------------- progress output


def test_progress_bar_counts_the_study_total_and_shows_the_best_value() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    stream = io.StringIO()
    bar = ProgressBar("demo", "rmse", 3, file=stream)
    values = iter([5.0, 2.0, 7.0])
    study.optimize(lambda t: next(values), n_trials=3, callbacks=[bar])
    bar.close()
    last = stream.getvalue().split("\r")[-1].strip()
    assert last.startswith("demo: 3/3 trials |") and last.endswith(", best rmse=2 (trial 1)")


def test_on_a_terminal_the_bar_replaces_the_study_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    csv, _X, _y = data_csv(tmp_path)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _out, err = run(capsys, pipeline(tmp_path), "--data", csv, "--target", "y", "--report", tmp_path / "r.json")
    assert code == 0
    best = json.loads((tmp_path / "r.json").read_text())["studies"][0]
    last = err.split("\r")[-1].strip()
    assert last.startswith(f"tiny on {csv}: 4/4 trials |")
    assert last.endswith(f", best rmse={best['best_value']:.6g} (trial {best['best_number']})")
    assert "trials finished" not in err
    code, _out, err = run(capsys, pipeline(tmp_path), "--data", csv, "--target", "y", "-q")
    assert code == 0 and "|" not in err and STUDY_LINE.match(err.splitlines()[1])


def test_best_text_and_study_line() -> None:
    assert best_text("rmse", None, None) == "no completed trial yet"
    report = {"study_id": "s", "n_finished": 5, "n_trials": 6, "n_complete": 3, "n_pruned": 1, "n_failed": 1,
              "best_value": 0.25, "best_number": 2, "partial": True, "stop_reason": "timeout"}
    assert study_line(report, "r2", 1.23) == "s: 5/6 trials finished (3 complete, 1 pruned, 1 failed), best r2=0.25 (trial 2), 1.2 s, partial: timeout"


# ----------------------------------------------------------------------------- several studies, failures


MULTI = textwrap.dedent("""\
    pipeline:
      - class: sklearn.preprocessing.StandardScaler
      - class: sklearn.model_selection.KFold
        params: {n_splits: 3, shuffle: true, random_state: 0}
      - branch:
          - - name: logreg
              model: {class: sklearn.linear_model.LogisticRegression, params: {max_iter: 500}}
              finetune_params:
                version: 2
                n_trials: 3
                seed: 1
                metric: balanced_accuracy
                approach: single
                sampler: random
                validation: {holdout_fraction: 0.25, seed: 0}
                model_params:
                  C: {type: float, low: 0.01, high: 10.0, log: true}
          - - name: ridge-individual
              model: {class: sklearn.linear_model.Ridge}
              finetune_params:
                version: 2
                n_trials: 2
                seed: 1
                metric: r2
                approach: individual
                sampler: random
                model_params:
                  alpha: {type: float, low: 0.01, high: 10.0, log: true}
""")


def test_every_study_runs_on_the_named_data_and_individual_folds_get_their_own_plots(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sklearn.datasets import load_breast_cancer

    path = tmp_path / "multi.yaml"
    path.write_text(MULTI, encoding="utf-8")
    # One dataset for both studies: a regression metric on demo data of the other task is refused
    # before any trial of any study (nothing is written), never swapped for data that fits.
    code, _out, err = run(capsys, path, "--data", "demo:diabetes", "--report", tmp_path / "r.json")
    assert code == 1 and not (tmp_path / "r.json").exists()
    assert err.splitlines()[1:] == [
        f"ftrun: {path}:9:13: study 'logreg': metric 'balanced_accuracy' is a classification metric, but demo:diabetes is "
        "regression data (embedded classification data: demo:breast_cancer, demo:iris, demo:wine)"
    ]
    bunch = load_breast_cancer()
    csv = tmp_path / "cancer.csv"
    csv.write_text("\n".join([",".join([f"f{i}" for i in range(30)] + ["label"])]
                             + [",".join([*map(repr, map(float, row)), str(t)]) for row, t in zip(bunch.data, bunch.target)]) + "\n")
    code, _out, err = run(capsys, path, "--data", csv, "--target", "label", "--report", tmp_path / "r.json", "--html", tmp_path / "r.html")
    assert code == 0
    lines = err.splitlines()
    assert lines[0] == "1 file(s), 2 studies: 0 error(s), 0 warning(s), 0 info"
    on = f"on {csv} (569 rows x 30 features, target 'label')"
    assert lines[1].startswith(f"logreg {on}: 3/3 trials finished (3 complete, 0 pruned, 0 failed), best balanced_accuracy=")
    assert lines[2].startswith(f"ridge-individual {on}: 6/6 trials")
    assert re.match(r"^ridge-individual on .*: 6/6 trials finished \(6 complete, 0 pruned, 0 failed\), best per fold: "
                    r"fold 0: r2=\S+ \(trial \d\); fold 1: r2=\S+ \(trial \d\); fold 2: r2=\S+ \(trial \d\), \d+\.\d s$", lines[2])
    logreg, ridge = json.loads((tmp_path / "r.json").read_text())["studies"]
    assert (logreg["dataset"]["name"], logreg["dataset"]["classes"], ridge["dataset"]["name"]) == (str(csv), [0, 1], str(csv))
    assert (logreg["dataset"]["task"], ridge["dataset"]["task"]) == ("classification", "regression")
    assert logreg["splits"] == [{"fold": 0, "n_train": 426, "n_valid": 143}]
    assert [(f["n_finished"], f["splits"][0]["fold"]) for f in ridge["folds"]] == [(2, 0), (2, 1), (2, 2)]
    assert all(f["final"]["params"]["alpha"] == f["best_model_params"]["alpha"] for f in ridge["folds"])
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert re.findall(r"<h2>([^<]*)</h2>", page) == [
        "Study logreg", "Study ridge-individual, fold 0", "Study ridge-individual, fold 1", "Study ridge-individual, fold 2",
    ]
    assert page.count('class="plotly-graph-div"') == 12


def test_a_study_whose_every_trial_fails_exits_1_with_its_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    block = textwrap.dedent("""\
        version: 2
        n_trials: 3
        metric: rmse
        approach: grouped
        sampler: random
        model_params:
          solver: {type: categorical, choices: [no-such-solver]}
    """)
    csv, _X, _y = data_csv(tmp_path)
    code, _out, err = run(capsys, pipeline(tmp_path, block=block), "--data", csv, "--target", "y", "--report", tmp_path / "r.json",
                          "--html", tmp_path / "r.html")
    assert code == 1
    message = "study 'tiny': every trial failed (3 failed, 0 pruned of 3 finished)"
    assert err.splitlines()[-1] == f"ftrun: {message}"
    [study] = json.loads((tmp_path / "r.json").read_text())["studies"]
    assert (study["status"], study["error"], study["n_failed"], study["best_number"]) == ("failed", message, 3, None)
    assert {t["failure"]["type"] for t in study["trials"]} == {"InvalidParameterError"}
    assert "no-such-solver" in study["trials"][0]["failure"]["message"]
    assert (tmp_path / "r.html").read_text(encoding="utf-8").count('class="no-plot"') == 4  # every plot of a study without a completed trial


def test_a_storage_that_cannot_be_opened_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, _X, _y = data_csv(tmp_path)
    url = f"sqlite:///{tmp_path / 'no-such-dir' / 's.db'}"
    code, _out, err = run(capsys, pipeline(tmp_path), "--data", csv, "--target", "y", "--storage", url)
    assert code == 2 and err.splitlines()[-1].startswith(f"ftrun: cannot open storage {url!r}: OperationalError: ")


def test_an_existing_study_is_not_joined_when_the_ir_says_resume_false(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, _X, _y = data_csv(tmp_path)
    db = tmp_path / "s.db"
    block = textwrap.dedent(f"""\
        version: 2
        n_trials: 2
        metric: rmse
        approach: grouped
        sampler: random
        storage: sqlite:///{db}
        study_name: fixed
        resume: false
        model_params:
          alpha: {{type: float, low: 0.1, high: 1.0}}
    """)
    path = pipeline(tmp_path, block=block)
    assert run(capsys, path, "--data", csv, "--target", "y")[0] == 0
    code, _out, err = run(capsys, path, "--data", csv, "--target", "y")
    assert code == 1
    assert err.splitlines()[-1] == (
        f"ftrun: {path}:8:7: study 'tiny': the storage already has a study named 'fixed' and the IR says resume: false "
        "(pass --study-name, or set resume: true to join it)"
    )
    # The command line's storage options mean "share this study": the same run with them joins it.
    code, _out, err = run(capsys, path, "--data", csv, "--target", "y", "--storage", f"sqlite:///{db}", "--study-name", "fixed")
    assert code == 0 and err.splitlines()[1].startswith(f"tiny on {csv} (30 rows x 3 features, target 'y'): 2/2 trials finished")
