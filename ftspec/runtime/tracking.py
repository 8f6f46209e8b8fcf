"""Every trial tracked in MLflow: one parent run per Optuna study, one nested child run per trial.

`optimize(..., tracking=MlflowTracker(study))` (or an IR whose `tracking` is set) calls the three
hooks of a tracker: `start` after the Optuna study is opened (the parent run), the wrapped trial
function and the Optuna callback (a child run per trial), `finish` after the study (the final
model, the counts, the parent's status). Nothing here imports MLflow until a tracker is built: the
compiler and the linter never import it, and neither does a run without tracking.

Why it is safe with `n_jobs > 1` and with several worker processes on one storage:

- only `MlflowClient` calls with explicit run ids; never MLflow's fluent API, whose active-run stack
  is per thread (what breaks Optuna's own MLflow callback under `n_jobs > 1`, Optuna issue 4088);
  the client is thread-safe;
- the parent run is created by the process that created the Optuna study
  (`engine.created_here`), before its first trial, and its id stored in the study's user attrs
  (`ftspec:mlflow_parent_run`); the other workers wait for it (`PARENT_WAIT_SECONDS`) and reuse it.
  A resumed study reuses its parent run. A study that ran without tracking gets its parent from the
  first tracked worker that finds none;
- a trial's child run is created when the trial starts, after the engine's claim check (a surplus
  trial never gets one), in the thread that runs the trial, and its id written to the trial's user
  attr `mlflow_run_id` (a finished trial's attrs cannot change any more). Its results are logged by
  the Optuna callback, which runs in the same worker thread after the trial finished. Each trial
  number runs its trial function once, so it gets one child run; a callback that finds no run id
  (the trial never started its function) looks the run up by its tags before creating one, and
  skips a run that is already terminated, so a retried callback never duplicates a run;
- the final model is logged by the process that created the parent run, or by another one when the
  parent has no model yet (several workers finishing a resumed study at the same instant may then
  log it twice).

A problem talking to MLflow after the parent run exists (a server that went away) never fails a
trial: it is counted and described once on stderr, and `Report.tracking["errors"]` counts them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import re
import sys
import threading
import time
from dataclasses import replace
from typing import Any, Callable, Iterable, Sequence

import optuna
from optuna.trial import FrozenTrial, TrialState

from ftspec.ir import MlflowTracking, Study, Tracking, ir_to_dict
from ftspec.runtime import engine
from ftspec.runtime.build import RuntimeSpecError

__all__ = [
    "MlflowTracker", "PARENT_ATTR", "RUN_ID_ATTR", "INSTALL_HINT", "PARENT_WAIT_SECONDS", "mlflow_installed",
    "require_mlflow", "with_overrides", "tracker_for", "redact_url", "ir_digest", "log_report_artifacts",
]

PARENT_ATTR = "ftspec:mlflow_parent_run"
"""Study user attr: the id of the study's MLflow parent run."""
RUN_ID_ATTR = "mlflow_run_id"
"""Trial user attr: the id of the trial's MLflow child run."""
INSTALL_HINT = "pip install 'ftspec[mlflow]'"
PARENT_WAIT_SECONDS = 30.0
"""How long a worker that did not create the study waits for the creator's parent run."""

ROLE_TAG = "ftspec.role"
TRIAL_TAG = "ftspec.trial_number"
PARENT_TAG = "mlflow.parentRunId"
_STATUS = {TrialState.COMPLETE: "FINISHED", TrialState.PRUNED: "KILLED", TrialState.FAIL: "FAILED"}
_MODEL_LOCK = threading.Lock()  # MLflow's model logging reads the process-wide tracking URI


def mlflow_installed() -> bool:
    """Whether the `mlflow` package can be imported (without importing it)."""
    try:
        return importlib.util.find_spec("mlflow") is not None
    except (ImportError, ValueError):  # a module set to None in sys.modules, a broken package
        return False


def require_mlflow(study: Study) -> None:
    """Refuse a study that asks for MLflow tracking when MLflow is not installed (one line, with the fix)."""
    if study.tracking is not None and not mlflow_installed():
        raise RuntimeSpecError(f"tracking in MLflow needs the mlflow package: {INSTALL_HINT}")


def with_overrides(study: Study, tracking_uri: str | None, experiment: str | None) -> Study:
    """The study with the command line's MLflow URI and experiment (they override the IR's).

    An experiment without a URI needs the IR's tracking (ValueError otherwise)."""
    if tracking_uri is None and experiment is None:
        return study
    base = study.tracking.mlflow if study.tracking is not None else None
    uri = tracking_uri if tracking_uri is not None else (base.tracking_uri if base is not None else None)
    if uri is None:
        raise ValueError(f"--mlflow-experiment needs --mlflow-uri: study {study.id!r} has no tracking in its config")
    name = experiment if experiment is not None else (base.experiment if base is not None else study.id)
    return replace(study, tracking=Tracking(mlflow=MlflowTracking(tracking_uri=uri, experiment=name)))


def tracker_for(study: Study, findings: Sequence[Any] = ()) -> "MlflowTracker | None":
    """A tracker when the study asks for tracking, else None."""
    return MlflowTracker(study, findings=findings) if study.tracking is not None else None


def redact_url(url: str) -> str:
    """`url` without its password (`postgresql://user:***@host/db`)."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/@:]*):[^/@]*@", r"\1:***@", url)


def ir_digest(ir: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a study's IR (`ir_to_dict`, keys in IR order, as `dump_ir` writes it)."""
    text = json.dumps(ir, indent=2, ensure_ascii=True, allow_nan=False) + "\n"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _param_key(name: str) -> str:
    return re.sub(r"[^/\w.\- ]", "_", name)[:250] or "_"


def _text(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=repr, allow_nan=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000) if moment is not None else int(time.time() * 1000)


def _storage_url(study: Study, ostudy: optuna.Study) -> str:
    if study.storage is not None:
        return redact_url(study.storage.url)
    storage = ostudy._storage
    backend = getattr(storage, "_backend", storage)
    url = getattr(backend, "url", None)
    return redact_url(url) if isinstance(url, str) else ("in memory" if isinstance(backend, optuna.storages.InMemoryStorage) else type(backend).__name__)


class MlflowTracker:
    """Tracks one IR study (for `individual`, each fold's Optuna study in turn) in MLflow.

    `findings`: the compile findings (`Diagnostic`s or their dicts) logged as the parent run's
    `findings.json`. `parent_wait`: seconds a worker that did not create the study waits for its
    parent run.
    """

    def __init__(self, study: Study, *, findings: Sequence[Any] = (), parent_wait: float = PARENT_WAIT_SECONDS) -> None:
        if study.tracking is None:
            raise RuntimeSpecError(f"study {study.id!r} has no tracking")
        try:
            require_mlflow(study)
        except RuntimeSpecError as exc:
            raise RuntimeSpecError(f"study {study.id!r}: {exc}") from None
        from mlflow import MlflowClient

        self.config = study.tracking.mlflow
        self.client = MlflowClient(tracking_uri=self.config.tracking_uri)
        self.findings = [f.to_dict() if hasattr(f, "to_dict") else dict(f) for f in findings]
        self.parent_wait = parent_wait
        self.errors = 0
        self._lock = threading.Lock()
        self._study: Study | None = None
        self._ostudy: optuna.Study | None = None
        self.experiment_id: str | None = None
        self.parent_run_id: str | None = None
        self.created_parent = False

    # ------------------------------------------------------------------ the study (parent run)
    def start(self, study: Study, ostudy: optuna.Study, trial_fn: Callable[[optuna.Trial], float]) -> Callable[[optuna.Trial], float]:
        """Open (or join) the parent run of `ostudy`; return `trial_fn` wrapped to open each trial's child run."""
        self._study, self._ostudy = study, ostudy  # `individual`: each fold's Optuna study in turn
        self.parent_run_id, self.created_parent = None, False
        try:
            self.experiment_id = self._experiment()
            self.parent_run_id = self._parent()
        except RuntimeSpecError:
            raise
        except Exception as exc:
            raise RuntimeSpecError(f"study {study.id!r}: cannot track in MLflow at {self.config.tracking_uri!r}: {type(exc).__name__}: {_first_line(exc)}") from None

        def tracked(trial: optuna.Trial) -> float:
            try:
                trial.set_user_attr(RUN_ID_ATTR, self._create_child(trial.number))
            except Exception as exc:
                self._error("opening the run of trial", trial.number, exc)
            return trial_fn(trial)

        return tracked

    def _experiment(self) -> str:
        from mlflow.exceptions import MlflowException

        name = self.config.experiment
        found = self.client.get_experiment_by_name(name)
        if found is None:
            try:
                return str(self.client.create_experiment(name))
            except MlflowException:  # another worker created it first
                found = self.client.get_experiment_by_name(name)
                if found is None:
                    raise
        if found.lifecycle_stage != "active":
            raise RuntimeSpecError(f"MLflow experiment {name!r} is deleted: restore it, or name another experiment")
        return str(found.experiment_id)

    def _parent(self) -> str:
        ostudy, study = self._ostudy, self._study
        assert ostudy is not None and study is not None
        if not engine.created_here(ostudy):
            deadline = time.monotonic() + self.parent_wait
            while True:
                run_id = ostudy.user_attrs.get(PARENT_ATTR)
                if run_id is not None and self._usable(run_id):
                    return str(run_id)
                # A study whose trials ran without a parent run: no creator is about to make one.
                started = any(t.state != TrialState.WAITING for t in ostudy.get_trials(deepcopy=False))
                if run_id is not None or started or time.monotonic() >= deadline:
                    break
                time.sleep(0.2)
        run_id = self._create_parent()
        ostudy.set_user_attr(PARENT_ATTR, run_id)
        self.created_parent = True
        return run_id

    def _usable(self, run_id: str) -> bool:
        try:
            run = self.client.get_run(run_id)
        except Exception:
            return False  # another tracking server, or a deleted run
        return run.info.experiment_id == self.experiment_id and run.info.lifecycle_stage == "active"

    def _create_parent(self) -> str:
        import mlflow
        from mlflow.entities import Param, RunTag

        study, ostudy = self._study, self._ostudy
        assert study is not None and ostudy is not None
        ir = json.loads(json.dumps(ir_to_dict(study), default=repr))
        # An in-memory study has Optuna's random name `no-name-<uuid>`: the run is named by the study id.
        run_name = study.id if ostudy.study_name.startswith("no-name-") else ostudy.study_name
        tags = {
            "mlflow.runName": run_name,
            ROLE_TAG: "study",
            "ftspec.study_id": study.id,
            "ftspec.study_name": ostudy.study_name,
            "ftspec.storage": _storage_url(study, ostudy),
            "ftspec.ir_sha256": ir_digest(ir),
            "ftspec.source": f"{study.source.file}:{study.source.line}:{study.source.column}",
            "ftspec.version": _version("ftspec"),
            "optuna.version": optuna.__version__,
        }
        run = self.client.create_run(self.experiment_id, run_name=run_name, tags={k: _text(v, 5000) for k, v in tags.items()})
        run_id = run.info.run_id
        params = {"n_trials": study.n_trials, "metric": ",".join(o.metric for o in study.objectives),
                  "direction": ",".join(o.direction for o in study.objectives), "approach": study.approach,
                  "eval_mode": study.eval_mode, "sampler": study.sampler.kind, "pruner": study.pruner.kind, "n_jobs": study.n_jobs,
                  "seed": study.seed}
        self.client.log_batch(run_id, params=[Param(k, _text(v, 6000)) for k, v in params.items()], tags=[RunTag("ftspec.mlflow_version", mlflow.__version__)])
        self.client.log_dict(run_id, ir, "ir.json")
        self.client.log_dict(run_id, {"findings": self.findings}, "findings.json")
        return str(run_id)

    # ------------------------------------------------------------------ trials (child runs)
    def _create_child(self, number: int) -> str:
        ostudy = self._ostudy
        assert ostudy is not None and self._study is not None
        tags = {PARENT_TAG: self.parent_run_id, ROLE_TAG: "trial", TRIAL_TAG: str(number), "ftspec.study_name": ostudy.study_name,
                "ftspec.study_id": self._study.id}
        run = self.client.create_run(self.experiment_id, run_name=f"trial {number}", tags=tags)
        return str(run.info.run_id)

    def find_child(self, number: int) -> Any:
        """The child run of trial `number` under this study's parent run, or None."""
        found = self.client.search_runs(
            [self.experiment_id],
            filter_string=f"tags.`{PARENT_TAG}` = '{self.parent_run_id}' and tags.`{TRIAL_TAG}` = '{number}'",
            max_results=1,
        )
        return found[0] if found else None

    def __call__(self, ostudy: optuna.Study, trial: FrozenTrial) -> None:
        """The Optuna callback: log a finished trial into its child run (in the worker thread that ran it)."""
        if trial.state not in engine.FINISHED or engine.SURPLUS_ATTR in trial.user_attrs:
            return
        try:
            run_id = trial.user_attrs.get(RUN_ID_ATTR)
            if run_id is None:
                existing = self.find_child(trial.number)
                if existing is not None and existing.info.status != "RUNNING":
                    return  # already logged by an earlier call
                run_id = existing.info.run_id if existing is not None else self._create_child(trial.number)
            self._log_trial(run_id, trial)
        except Exception as exc:
            self._error("logging trial", trial.number, exc)

    def _log_trial(self, run_id: str, trial: FrozenTrial) -> None:
        from mlflow.entities import Metric, Param, RunTag

        from ftspec.runtime.space import flat_from_optuna

        study = self._study
        assert study is not None
        stamp = _ms(trial.datetime_complete)
        model, train = flat_from_optuna(study, trial.params)
        params = {_param_key(k): v for k, v in model.items()}
        params.update({_param_key(f"train.{k}"): v for k, v in train.items()})
        metrics: list[Metric] = []
        names = [o.metric for o in study.objectives]
        if trial.state == TrialState.COMPLETE and trial.values:
            for i, value in enumerate(trial.values):  # every objective's value, under its metric's name
                metrics.append(Metric(names[i] if i < len(names) else f"value_{i}", float(value), stamp, 0))
        folds = trial.user_attrs.get(engine.FOLDS_ATTR)
        if folds is None and trial.state == TrialState.COMPLETE and trial.values:
            folds = [trial.values[0] if len(names) == 1 else list(trial.values)]  # one split: the fold score is the value
        for k, score in enumerate(folds or ()):
            for i, value in enumerate(score if isinstance(score, (list, tuple)) else [score]):
                metrics.append(Metric(f"fold_{names[i] if i < len(names) else i}", float(value), stamp, k))
        for step, value in sorted(trial.intermediate_values.items()):
            metrics.append(Metric("intermediate_value", float(value), stamp, int(step)))
        if trial.duration is not None:
            metrics.append(Metric("duration_seconds", trial.duration.total_seconds(), stamp, 0))
        metrics = [m for m in metrics if not math.isnan(m.value)]
        tags = {"ftspec.state": trial.state.name, "ftspec.trial_number": str(trial.number)}
        failure = trial.user_attrs.get(engine.FAILURE_ATTR)
        if failure is not None:
            tags.update({"ftspec.failure.type": failure.get("type"), "ftspec.failure.message": failure.get("message"),
                         "ftspec.failure.fold": failure.get("fold")})
        elif trial.state == TrialState.FAIL:
            tags.update({"ftspec.failure.type": "Unknown", "ftspec.failure.message": "the trial failed outside the objective"})
        if trial.user_attrs.get(engine.FAILED_FOLDS_ATTR):
            tags["ftspec.failed_folds"] = trial.user_attrs[engine.FAILED_FOLDS_ATTR]
        if "failed_trial" in trial.system_attrs:
            tags["ftspec.retry_of"] = trial.system_attrs["failed_trial"]
        param_list = [Param(k, _text(v, 6000)) for k, v in params.items()]
        tag_list = [RunTag(k, _text("null" if v is None else v, 5000)) for k, v in tags.items()]
        for i in range(0, max(len(param_list), len(tag_list), len(metrics), 1), 100):
            self.client.log_batch(run_id, metrics=metrics[i : i + 100], params=param_list[i : i + 100], tags=tag_list[i : i + 100])
        self.client.set_terminated(run_id, _STATUS[trial.state], end_time=stamp)

    def close_orphans(self) -> int:
        """Close the child runs left RUNNING by an attempt that ended without its callback: a trial
        interrupted by Ctrl-C/SIGTERM, or one whose worker was killed (the engine failed it as stale).
        Each gets its trial's final state and why it ended; a run whose trial is still running (in
        another worker) is left alone. Returns how many runs were closed."""
        ostudy = self._ostudy
        if self.parent_run_id is None or ostudy is None:
            return 0
        closed = 0
        try:
            runs = self.client.search_runs(
                [self.experiment_id], filter_string=f"tags.`{PARENT_TAG}` = '{self.parent_run_id}' and attributes.status = 'RUNNING'",
                max_results=1000)
            if not runs:
                return 0
            trials = {t.number: t for t in ostudy.get_trials(deepcopy=False)}
            retried_as = {t.system_attrs["failed_trial"]: t.number for t in trials.values() if "failed_trial" in t.system_attrs}
            for run in runs:
                number = run.data.tags.get(TRIAL_TAG, "")
                trial = trials.get(int(number)) if number.isdigit() else None
                if trial is None or trial.state not in engine.FINISHED:
                    continue
                self._log_trial(run.info.run_id, trial)  # first: it tags a failure outside the objective as Unknown
                if trial.state == TrialState.FAIL and engine.FAILURE_ATTR not in trial.user_attrs:
                    interrupted = engine.INTERRUPTED_ATTR in trial.user_attrs
                    why = ("Interrupted", "stopped by Ctrl-C or SIGTERM") if interrupted else (
                        "WorkerLost", "its worker stopped sending heartbeats (killed or lost); failed as a stale trial")
                    self.client.set_tag(run.info.run_id, "ftspec.failure.type", why[0])
                    self.client.set_tag(run.info.run_id, "ftspec.failure.message", why[1])
                if trial.number in retried_as:
                    self.client.set_tag(run.info.run_id, "ftspec.retried_as", str(retried_as[trial.number]))
                closed += 1
        except Exception as exc:
            self._error("closing the runs of interrupted or lost trials", None, exc)
        return closed

    def interrupted(self) -> None:
        """The study was interrupted (Ctrl-C/SIGTERM): close the interrupted trial's run and mark the
        parent run KILLED; a resumed run joins the same parent run and finishes it."""
        if self.parent_run_id is None:
            return
        self.close_orphans()
        try:
            self.client.set_tag(self.parent_run_id, "ftspec.status", "interrupted")
            self.client.set_terminated(self.parent_run_id, "KILLED")
        except Exception as exc:
            self._error("closing the study's run", None, exc)

    # ------------------------------------------------------------------ the end of the study
    def finish(self, report: Any, data: Any = None, error: str | None = None) -> None:
        """Close the parent run: counts, best value, the final model (with its signature), status;
        record where the study is tracked in `report.tracking`."""
        if self.parent_run_id is None:
            return
        from mlflow.entities import Metric, RunTag

        self.close_orphans()
        run_id, stamp = self.parent_run_id, int(time.time() * 1000)
        try:
            metrics = [Metric(k, float(getattr(report, k)), stamp, 0) for k in ("n_finished", "n_complete", "n_pruned", "n_failed")]
            if report.best_value is not None and math.isfinite(report.best_value):
                metrics.append(Metric(f"best_{report.metric}", float(report.best_value), stamp, 0))
            for objective, value in zip(report.objectives, report.best_values or ()):
                # Several objectives: the refitted trial's value on each of them.
                if objective["metric"] != report.metric and math.isfinite(value):
                    metrics.append(Metric(f"best_{objective['metric']}", float(value), stamp, 0))
            if report.pareto_front:
                metrics.append(Metric("pareto_front_size", float(len(report.pareto_front)), stamp, 0))
            tags = [RunTag("ftspec.stop_reason", report.stop_reason), RunTag("ftspec.status", "failed" if error else "complete")]
            if report.best_number is not None:
                tags.append(RunTag("ftspec.best_trial", str(report.best_number)))
            if error:
                tags.append(RunTag("ftspec.error", _text(error, 5000)))
            self.client.log_batch(run_id, metrics=metrics, tags=tags)
            if report.pareto_front:
                self.client.log_dict(run_id, {"objectives": report.objectives, "pareto_front": report.pareto_front,
                                              "select": report.select}, "pareto_front.json")
            if report.final_estimator is not None and data is not None and (self.created_parent or not self._has_model()):
                self._log_model(report.final_estimator, data)
            self.client.set_terminated(run_id, "FAILED" if error else "FINISHED")
        except Exception as exc:
            self._error("closing the study's run", None, exc)
        report.tracking = {"mlflow": {"tracking_uri": self.config.tracking_uri, "experiment": self.config.experiment,
                                      "experiment_id": self.experiment_id, "parent_run_id": run_id, "errors": self.errors}}

    def _has_model(self) -> bool:
        return bool(self.client.search_logged_models([self.experiment_id], filter_string=f"source_run_id = '{self.parent_run_id}'", max_results=1))

    def _log_model(self, estimator: Any, data: Any) -> None:
        import logging

        import mlflow.sklearn
        import sklearn
        from mlflow.models import infer_signature
        from mlflow.tracking._tracking_service.utils import _use_tracking_uri

        rows = data.X[:5]
        signature = infer_signature(rows, estimator.predict(rows))
        model = self.client.create_logged_model(self.experiment_id, name="model", source_run_id=self.parent_run_id)
        quiet = logging.getLogger("mlflow.sklearn")
        level = quiet.level
        with _MODEL_LOCK, _use_tracking_uri(self.config.tracking_uri):
            quiet.setLevel(logging.ERROR)  # its warning about pickle files, on every log
            try:
                mlflow.sklearn.log_model(estimator, name="model", signature=signature, model_id=model.model_id, run_id=self.parent_run_id,
                                         serialization_format="cloudpickle", pip_requirements=[f"scikit-learn=={sklearn.__version__}"])
            finally:
                quiet.setLevel(level)

    def _error(self, what: str, number: int | None, exc: BaseException) -> None:
        with self._lock:
            self.errors += 1
            first = self.errors == 1
        if first:
            where = f" {number}" if number is not None else ""
            print(f"ftspec: MLflow tracking: {what}{where} failed ({type(exc).__name__}: {_first_line(exc)}); "
                  "the study goes on, later tracking errors are only counted", file=sys.stderr)


def log_report_artifacts(reports: Iterable[dict[str, Any]], paths: Iterable[str | None]) -> None:
    """Attach report files (ftrun's JSON and HTML reports) to the parent run of every tracked study in `reports`."""
    files = [p for p in paths if p is not None]
    if not files:
        return
    for report in reports:
        for sub in [report, *(report.get("folds") or [])]:
            info = (sub.get("tracking") or {}).get("mlflow")
            if not info or not info.get("parent_run_id"):
                continue
            from mlflow import MlflowClient

            client = MlflowClient(tracking_uri=info["tracking_uri"])
            for path in files:
                client.log_artifact(info["parent_run_id"], path, artifact_path="reports")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"
