"""MLflow tracking (issue 14): the v2 `tracking` key, `ftrun --mlflow-uri`, and what a real MLflow records.

Read back with `MlflowClient` from a server-less `sqlite:///` tracking URI and from a real
`mlflow server` started here (loopback only, terminated in teardown): one parent run per study,
one nested child run per trial with its params, fold metrics by step, state and failure, the
trial <-> run links both ways, the IR and findings, the reports and the final model with its
signature. Also n_jobs=2 and two worker processes on one journal storage: exactly one child run
per trial and one parent run.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import optuna
import pytest

from ftspec.compiler.compile import compile_text
from ftspec.ir import MlflowTracking, Tracking
from ftspec.runtime import optimize
from ftspec.runtime.cli import main
from ftspec.runtime.engine import counted_trials, storage_from_url
from ftspec.runtime.tracking import PARENT_ATTR, RUN_ID_ATTR, ir_digest, redact_url, with_overrides
from tests.runtime_ir import entry, grouped_study, make_study, xnm_space

ROOT = Path(__file__).resolve().parents[1]
optuna.logging.set_verbosity(optuna.logging.ERROR)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sqlite tracking URI puts artifacts in `./mlruns`: keep them out of the checkout."""
    monkeypatch.chdir(tmp_path)


def _compile(block: dict[str, Any], name: str = "ridge") -> Any:
    doc = [{"class": "sklearn.model_selection.KFold"}, {"name": name, "model": {"class": "sklearn.linear_model.Ridge"}, "finetune_params": block}]
    return compile_text(json.dumps(doc), "p.json", "json")


def _tracking(uri: str, experiment: str = "exp") -> Tracking:
    return Tracking(mlflow=MlflowTracking(tracking_uri=uri, experiment=experiment))


def _client(uri: str) -> Any:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _runs(uri: str, experiment: str) -> tuple[list[Any], list[Any]]:
    """(parent runs, child runs) of an experiment."""
    client = _client(uri)
    exp = client.get_experiment_by_name(experiment)
    assert exp is not None
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    parents = [r for r in runs if r.data.tags.get("ftspec.role") == "study"]
    children = [r for r in runs if r.data.tags.get("ftspec.role") == "trial"]
    assert len(parents) + len(children) == len(runs)
    return parents, children


# ------------------------------------------------------------------------------------------ compiler


def test_v2_tracking_lowers_to_the_ir_with_the_study_id_as_default_experiment() -> None:
    base = {"version": 2, "metric": "rmse", "n_trials": 3}
    result = _compile({**base, "tracking": {"mlflow": {"tracking_uri": "http://127.0.0.1:5000"}}})
    assert not result.has_errors
    assert result.ir.studies[0].tracking == _tracking("http://127.0.0.1:5000", "ridge")
    named = _compile({**base, "tracking": {"mlflow": {"tracking_uri": "sqlite:///m.db", "experiment": "pls"}}})
    assert named.ir.studies[0].tracking == _tracking("sqlite:///m.db", "pls")
    for block in (base, {**base, "tracking": None}):
        assert _compile(block).ir.studies[0].tracking is None


def test_legacy_blocks_have_no_tracking() -> None:
    result = _compile({"n_trials": 3, "model_params": {"alpha": ["float", 0.1, 1.0]}})
    assert result.ir.studies[0].tracking is None
    keyed = _compile({"n_trials": 3, "tracking": {"mlflow": {"tracking_uri": "sqlite:///m.db"}}})
    assert keyed.ir.studies[0].tracking is None and any("tracking" in d.message for d in keyed.diagnostics)


@pytest.mark.parametrize(
    ("tracking", "code", "message"),
    [
        ({"mlflow": {"tracking_uri": "u", "experimnt": "x"}}, "FT102", "unknown key 'experimnt' (did you mean 'experiment'?)"),
        ({"mlfow": {"tracking_uri": "u"}}, "FT102", "unknown key 'mlfow' (did you mean 'mlflow'?)"),
        ({"mlflow": {"experiment": "x"}}, "FT111", "tracking.mlflow.tracking_uri must be set"),
        ({"mlflow": {"tracking_uri": 5}}, "FT111", "tracking.mlflow.tracking_uri must be a non-empty string"),
        ({"mlflow": {"tracking_uri": "u", "experiment": ""}}, "FT111", "tracking.mlflow.experiment must be a non-empty string"),
        ({"mlflow": "u"}, "FT111", "tracking.mlflow must be a mapping"),
        ("sqlite:///m.db", "FT111", "tracking must be a mapping"),
    ],
)
def test_bad_tracking_is_a_located_finding(tracking: Any, code: str, message: str) -> None:
    result = _compile({"version": 2, "metric": "rmse", "tracking": tracking})
    found = [d for d in result.diagnostics if d.code == code and message in d.message]
    assert found and found[0].line >= 1 and found[0].pointer.startswith("/1/finetune_params/tracking"), [
        (d.code, d.pointer, d.message) for d in result.diagnostics]
    assert result.has_errors  # ftrun refuses the file


def test_lint_and_compile_never_import_mlflow(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps([{"model": {"class": "sklearn.linear_model.Ridge"},
                                 "finetune_params": {"version": 2, "metric": "rmse", "tracking": {"mlflow": {"tracking_uri": "sqlite:///m.db"}}}}]))
    code = (
        "import sys\nfrom ftspec.lint.cli import main as lint\nfrom ftspec.compiler.cli import main as compile_\n"
        "lint(['--exit-zero', sys.argv[1]])\n"
        "try:\n    compile_([sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "print('mlflow' in sys.modules, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.stderr.strip().splitlines()[-1] == "False", proc.stderr


# ------------------------------------------------------------------------------------------ helpers


def test_command_line_overrides_the_config() -> None:
    study = make_study()
    assert with_overrides(study, None, None) is study
    assert with_overrides(study, "http://h:5000", None).tracking == _tracking("http://h:5000", "s")
    tracked = replace(study, tracking=_tracking("sqlite:///a.db", "a"))
    assert with_overrides(tracked, None, "b").tracking == _tracking("sqlite:///a.db", "b")
    assert with_overrides(tracked, "http://h:5000", None).tracking == _tracking("http://h:5000", "a")
    with pytest.raises(ValueError, match="--mlflow-experiment needs --mlflow-uri"):
        with_overrides(study, None, "b")


def test_storage_passwords_are_redacted() -> None:
    assert redact_url("postgresql+psycopg2://user:s3cret@db:5432/ftspec") == "postgresql+psycopg2://user:***@db:5432/ftspec"
    assert redact_url("mysql://root@h/db") == "mysql://root@h/db"
    assert redact_url("journal:///tmp/a:b@c.log") == "journal:///tmp/a:b@c.log"


def test_ftrun_refuses_tracking_without_mlflow_before_the_first_trial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import ftspec.runtime.tracking as tracking

    monkeypatch.setattr(tracking, "mlflow_installed", lambda: False)
    report = tmp_path / "r.json"
    code = main([str(ROOT / "fixtures" / "run" / "ridge_demo.yaml"), "--data", "demo:diabetes", "-q", "--mlflow-uri", f"sqlite:///{tmp_path}/m.db", "--report", str(report)])
    err = capsys.readouterr().err
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("ftrun: ") and last.endswith("study 'ridge-demo': tracking in MLflow needs the mlflow package: pip install 'ftspec[mlflow]'")
    assert "trials finished" not in err and not report.exists() and not (tmp_path / "m.db").exists()


def test_mlflow_experiment_alone_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([str(ROOT / "fixtures" / "run" / "ridge_demo.yaml"), "--data", "demo:diabetes", "-q", "--mlflow-experiment", "x"])
    assert code == 2 and "--mlflow-experiment needs --mlflow-uri" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ server-less sqlite


THRESHOLD = {"kind": "threshold", "options": {"lower": None, "upper": 3.0, "n_warmup_steps": 0, "interval_steps": 1}}


def _objective(model: dict, train: dict, split: Any) -> float:
    if model["x"] > 1.5:
        raise ValueError("x too large")
    return (model["x"] - 0.5) ** 2 + model["n"] / 10 + 0.01 * split.index


def test_sqlite_tracking_records_parent_children_params_metrics_states(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    forced = [{"model": {"x": 0.5, "n": 1}, "train": {"mode": "a"}},   # complete
              {"model": {"x": -2.0, "n": 9}, "train": {"mode": "b"}},  # pruned at fold 0 (6.25 + 0.9 > 3)
              {"model": {"x": 1.9, "n": 3}, "train": {"mode": "a"}}]   # fails at fold 0
    study = grouped_study(*xnm_space(), n_trials=5, seed=3, sampler={"kind": "random", "options": {}}, pruner=THRESHOLD,
                          force_params=forced, tracking={"mlflow": {"tracking_uri": uri, "experiment": "exp"}})
    storage = optuna.storages.InMemoryStorage()
    data = (np.zeros((9, 1)), np.zeros(9))
    folds = [(np.r_[0:k * 3, k * 3 + 3:9], np.arange(k * 3, k * 3 + 3)) for k in range(3)]
    report = optimize(study, _objective, data, folds=folds, storage=storage)
    ostudy = optuna.load_study(study_name=report.study_name, storage=storage)

    client = _client(uri)
    parents, children = _runs(uri, "exp")
    assert len(parents) == 1 and len(children) == 5
    parent = parents[0]
    assert report.tracking == {"mlflow": {"tracking_uri": uri, "experiment": "exp", "experiment_id": parent.info.experiment_id,
                                          "parent_run_id": parent.info.run_id, "errors": 0}}
    assert ostudy.user_attrs[PARENT_ATTR] == parent.info.run_id
    tags = parent.data.tags
    assert tags["ftspec.study_id"] == "s" and tags["ftspec.study_name"] == report.study_name and tags["ftspec.storage"] == "in memory"
    assert tags["ftspec.ir_sha256"] == ir_digest(report.ir) == hashlib.sha256((json.dumps(report.ir, indent=2) + "\n").encode()).hexdigest()
    assert tags["ftspec.version"] == report.versions["ftspec"] and tags["optuna.version"] == optuna.__version__
    assert parent.info.status == "FINISHED" and tags["ftspec.best_trial"] == str(report.best_number)
    assert report.n_pruned >= 1 and report.n_failed >= 1
    assert (parent.data.metrics["n_pruned"], parent.data.metrics["n_failed"]) == (report.n_pruned, report.n_failed)
    assert {a.path for a in client.list_artifacts(parent.info.run_id)} == {"ir.json", "findings.json"}
    ir = json.loads(Path(client.download_artifacts(parent.info.run_id, "ir.json", str(tmp_path))).read_text())
    assert ir == report.ir and ir["tracking"] == {"mlflow": {"tracking_uri": uri, "experiment": "exp"}}

    by_number = {int(r.data.tags["ftspec.trial_number"]): r for r in children}
    assert sorted(by_number) == [0, 1, 2, 3, 4]
    for t in ostudy.trials:
        run = by_number[t.number]
        assert t.user_attrs[RUN_ID_ATTR] == run.info.run_id  # trial -> run
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id  # run -> parent
        assert run.data.tags["ftspec.study_name"] == report.study_name and run.info.run_name == f"trial {t.number}"
        assert run.data.tags["ftspec.state"] == t.state.name
        assert run.data.params == {"x": str(t.params["x"]), "n": str(t.params["n"]), "train.mode": t.params["train:mode"]}
    complete, pruned, failed = by_number[0], by_number[1], by_number[2]
    assert complete.info.status == "FINISHED" and complete.data.metrics["rmse"] == pytest.approx(0.1 + 0.01)
    assert [(m.step, m.value) for m in client.get_metric_history(complete.info.run_id, "fold_rmse")] == [
        (0, pytest.approx(0.1)), (1, pytest.approx(0.11)), (2, pytest.approx(0.12))]
    assert [m.step for m in client.get_metric_history(complete.info.run_id, "intermediate_value")] == [0, 1, 2]
    assert pruned.info.status == "KILLED" and "rmse" not in pruned.data.metrics
    assert [(m.step, m.value) for m in client.get_metric_history(pruned.info.run_id, "intermediate_value")] == [(0, pytest.approx(7.15))]
    assert failed.info.status == "FAILED"
    assert (failed.data.tags["ftspec.failure.type"], failed.data.tags["ftspec.failure.message"], failed.data.tags["ftspec.failure.fold"]) == (
        "ValueError", "x too large", "0")


def test_n_jobs_2_gives_exactly_one_child_run_per_trial(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    study = grouped_study(*xnm_space(), n_trials=12, n_jobs=2, seed=5, tracking={"mlflow": {"tracking_uri": uri, "experiment": "threads"}})

    def slow(model: dict, train: dict, split: Any) -> float:
        time.sleep(0.02)
        return model["x"] ** 2

    storage = optuna.storages.InMemoryStorage()
    report = optimize(study, slow, storage=storage)
    parents, children = _runs(uri, "threads")
    assert len(parents) == 1 and report.n_finished == 12
    numbers = sorted(int(r.data.tags["ftspec.trial_number"]) for r in children)
    assert numbers == list(range(12))
    ostudy = optuna.load_study(study_name=report.study_name, storage=storage)
    assert {t.user_attrs[RUN_ID_ATTR] for t in ostudy.trials} == {r.info.run_id for r in children}
    assert all(r.info.status == "FINISHED" and r.data.tags["mlflow.parentRunId"] == parents[0].info.run_id for r in children)


def test_a_retried_callback_never_duplicates_a_child_run(tmp_path: Path) -> None:
    from ftspec.runtime.tracking import MlflowTracker

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    study = grouped_study(*xnm_space(), n_trials=3, seed=1, tracking={"mlflow": {"tracking_uri": uri, "experiment": "again"}})
    tracker = MlflowTracker(study)
    storage = optuna.storages.InMemoryStorage()
    optimize(study, lambda m, t, s: m["x"], storage=storage, tracking=tracker)
    ostudy = optuna.load_study(study_name=optuna.get_all_study_names(storage)[0], storage=storage)
    for t in ostudy.trials:
        tracker(ostudy, t)  # the callback again, with the trial's run id
        stripped = optuna.trial.FrozenTrial(t.number, t.state, t.value, t.datetime_start, t.datetime_complete, t.params, t.distributions,
                                            {}, t.system_attrs, t.intermediate_values, t._trial_id)
        tracker(ostudy, stripped)  # ... and without it: found by its tags
    parents, children = _runs(uri, "again")
    assert len(parents) == 1 and sorted(int(r.data.tags["ftspec.trial_number"]) for r in children) == [0, 1, 2]
    assert tracker.errors == 0


def test_an_interrupted_trial_closes_its_run_and_the_resumed_run_finishes_the_parent(tmp_path: Path) -> None:
    # Ctrl-C inside trial 2: no Optuna callback logs it, so the tracker closes its child run (FAILED,
    # why, which retry replaced it) and marks the parent KILLED; the resumed run joins that parent.
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    url = f"sqlite:///{tmp_path}/study.db"
    study = grouped_study(*xnm_space(), n_trials=4, seed=2, tracking={"mlflow": {"tracking_uri": uri, "experiment": "stop"}},
                          storage={"url": url, "study_name": "stop", "resume": True})
    storage = storage_from_url(url)
    calls = []

    def stop_at_third(model: dict, train: dict, split: Any) -> float:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return model["x"] ** 2

    with pytest.raises(KeyboardInterrupt):
        optimize(study, stop_at_third, storage=storage, study_name="stop")
    parents, children = _runs(uri, "stop")
    assert [p.info.status for p in parents] == ["KILLED"] and parents[0].data.tags["ftspec.status"] == "interrupted"
    by_number = {int(r.data.tags["ftspec.trial_number"]): r for r in children}
    assert {n: r.info.status for n, r in by_number.items()} == {0: "FINISHED", 1: "FINISHED", 2: "FAILED"}
    tags = by_number[2].data.tags
    assert (tags["ftspec.state"], tags["ftspec.failure.type"], tags["ftspec.retried_as"]) == ("FAIL", "KeyboardInterrupt", "3")

    report = optimize(study, lambda m, t, s: m["x"] ** 2, storage=storage, study_name="stop")
    assert report.n_finished == 4
    parents, children = _runs(uri, "stop")
    assert [p.info.status for p in parents] == ["FINISHED"] and parents[0].data.tags["ftspec.status"] == "complete"
    assert sorted((int(r.data.tags["ftspec.trial_number"]), r.info.status) for r in children) == [
        (0, "FINISHED"), (1, "FINISHED"), (2, "FAILED"), (3, "FINISHED"), (4, "FINISHED")]
    assert not [r for r in children if r.info.status == "RUNNING"]


def test_a_lost_worker_s_run_is_closed_by_the_worker_that_finishes_the_study(tmp_path: Path) -> None:
    # A worker killed with -9 leaves its trial RUNNING and its child run RUNNING; the engine of the
    # next worker fails the trial as stale and retries it, and its tracker closes the orphaned run.
    from ftspec.runtime.tracking import MlflowTracker

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    url = f"sqlite:///{tmp_path}/study.db"
    study = grouped_study(*xnm_space(), n_trials=3, seed=2, tracking={"mlflow": {"tracking_uri": uri, "experiment": "lost"}},
                          storage={"url": url, "study_name": "lost", "resume": True})
    report = optimize(study, lambda m, t, s: m["x"] ** 2, storage=storage_from_url(url), study_name="lost")
    assert report.n_finished == 3
    # The killed worker: a trial that started (with its child run) and never beat again.
    ostudy = optuna.load_study(study_name="lost", storage=storage_from_url(url))
    lost = MlflowTracker(study)
    lost.start(study, ostudy, lambda trial: 0.0)
    trial = ostudy.ask()
    trial.set_user_attr(RUN_ID_ATTR, lost._create_child(trial.number))
    ostudy._storage.record_heartbeat(trial._trial_id)
    bigger = replace(study, n_trials=4)
    time.sleep(2.1)  # past the grace period below: the trial is stale
    report = optimize(bigger, lambda m, t, s: m["x"] ** 2, storage=storage_from_url(url, grace_period=1), study_name="lost",
                      tracking=MlflowTracker(bigger))
    assert report.n_finished == 4
    _, children = _runs(uri, "lost")
    by_number = {int(r.data.tags["ftspec.trial_number"]): r for r in children}
    assert {n: r.info.status for n, r in by_number.items()} == {0: "FINISHED", 1: "FINISHED", 2: "FINISHED", 3: "FAILED", 4: "FINISHED"}
    tags = by_number[3].data.tags
    assert (tags["ftspec.failure.type"], tags["ftspec.retried_as"]) == ("WorkerLost", "4")


# ------------------------------------------------------------------------------------------ worker processes


WORKER = """
import sys, dataclasses
import tests.runtime_worker as worker
from ftspec.ir import MlflowTracking, Tracking
uri = sys.argv.pop(1)
base = worker.study_ir
worker.study_ir = lambda *a: dataclasses.replace(base(*a), tracking=Tracking(mlflow=MlflowTracking(tracking_uri=uri, experiment="workers")))
sys.exit(worker.main())
"""


@pytest.mark.slow
def test_two_worker_processes_share_one_parent_run_and_log_each_trial_once(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    # Create MLflow's schema once (two processes migrating one new sqlite file race) and the
    # experiment with its artifacts here (the workers run in the checkout).
    _client(uri).create_experiment("workers", artifact_location=str(tmp_path / "artifacts"))
    url = f"journal:///{tmp_path}/study.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-c", WORKER, uri, "--storage", url, "--study-name", "w", "--n-trials", "10", "--log", str(tmp_path / "log"),
           "--sleep", "0.1"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT) for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err[-3000:]
    ostudy = optuna.load_study(study_name="w", storage=storage_from_url(url))
    counted = counted_trials(ostudy)
    assert len(counted) == 10
    parents, children = _runs(uri, "workers")
    assert len(parents) == 1 and ostudy.user_attrs[PARENT_ATTR] == parents[0].info.run_id
    numbers = sorted(int(r.data.tags["ftspec.trial_number"]) for r in children)
    assert numbers == sorted(t.number for t in counted)  # one run per counted trial; none for a surplus trial
    assert {t.user_attrs[RUN_ID_ATTR] for t in counted} == {r.info.run_id for r in children}
    pids = {line.split()[1] for line in (tmp_path / "log").read_text().splitlines()}
    assert len(pids) == 2  # both workers ran trials


# ------------------------------------------------------------------------------------------ a real server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    cmd = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{root}/mlflow.db",
           "--default-artifact-root", str(root / "artifacts"), "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    log = open(root / "server.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not start: {(root / 'server.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.mark.slow
def test_ftrun_tracks_in_a_real_mlflow_server(mlflow_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = tmp_path / "p.yaml"
    demo = (ROOT / "fixtures" / "run" / "ridge_demo.yaml").read_text()
    pipeline.write_text(demo.replace("n_trials: 40", "n_trials: 6"))
    report_path, html_path = tmp_path / "r.json", tmp_path / "r.html"
    code = main([str(pipeline), "--data", "demo:diabetes", "-q", "--mlflow-uri", mlflow_server, "--mlflow-experiment", "demo", "--report", str(report_path),
                 "--html", str(html_path)])
    assert code == 0, capsys.readouterr().err
    report = json.loads(report_path.read_text())["studies"][0]
    assert report["n_finished"] == 6

    client = _client(mlflow_server)
    parents, children = _runs(mlflow_server, "demo")
    assert len(parents) == 1 and len(children) == 6
    parent = parents[0]
    assert report["tracking"]["mlflow"]["parent_run_id"] == parent.info.run_id
    assert parent.info.run_name == "ridge-demo" and parent.data.tags["ftspec.ir_sha256"] == ir_digest(report["ir"])
    assert parent.data.params["n_trials"] == "6" and parent.data.params["metric"] == "rmse"
    paths = {a.path for a in client.list_artifacts(parent.info.run_id)} | {a.path for a in client.list_artifacts(parent.info.run_id, "reports")}
    assert {"ir.json", "findings.json", "reports/r.json", "reports/r.html"} <= paths
    findings = json.loads(Path(client.download_artifacts(parent.info.run_id, "findings.json", str(tmp_path))).read_text())["findings"]
    assert isinstance(findings, list)
    for run in children:
        history = client.get_metric_history(run.info.run_id, "fold_rmse")
        assert [m.step for m in history] == [0, 1, 2, 3, 4]  # the demo's 5-fold KFold
        trial = next(t for t in report["trials"] if t["number"] == int(run.data.tags["ftspec.trial_number"]))
        assert [m.value for m in history] == pytest.approx(trial["fold_scores"])
        assert run.data.metrics["rmse"] == pytest.approx(trial["value"])
        assert run.data.params["alpha"] == str(trial["model_params"]["alpha"])
    models = client.search_logged_models([parent.info.experiment_id])
    assert len(models) == 1 and models[0].source_run_id == parent.info.run_id
    import mlflow

    with mlflow.tracking._tracking_service.utils._use_tracking_uri(mlflow_server):
        info = mlflow.models.get_model_info(models[0].model_uri)
        assert info.signature is not None and tuple(info.signature.inputs.to_dict()[0]["tensor-spec"]["shape"]) == (-1, 10)
        model = mlflow.sklearn.load_model(models[0].model_uri)
    assert model.predict(np.zeros((2, 10))).shape == (2,)  # the final refit, loaded back
