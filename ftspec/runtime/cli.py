"""`ftrun`: compile a pipeline file, refuse what cannot run, run each study on Optuna, write reports.

Exit codes:

- 0: every study completed trials within its failure policy (`--check`: every study can run);
- 1: errors in the config, something refused before the first trial (a step or class ftrun will not
  run, a missing optional package, a metric that does not fit the data), or a study that failed
  (its failure policy stopped it, or no trial completed); the reports are still written;
- 2: a usage error (no `--data`, an unknown option or study), or a pipeline, data, storage or report
  file that cannot be read or written;
- 130: interrupted (SIGINT or SIGTERM): the running trial is not counted (a rerun of the same command
  runs it again), the partial reports are written.

Never a traceback for bad input. The pipeline is compiled with the compiler's API and its findings
are printed as ftcompile prints them. Each study then runs through `ftspec.runtime.optimize` with
the sklearn adapter of its pipeline context, on the data the user named (`--data FILE.csv --target
COL`, or `--data demo:NAME` for a dataset that ships with scikit-learn). Everything that can be
refused is refused before the first trial of the first study. A failed trial is one line on stderr
(`--verbose` adds its traceback); signal handlers and the silencing of Optuna's per-trial warnings
are ftrun's only, restored on return: `optimize` called as a library keeps Python's and Optuna's.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Sequence

import click

from ftspec._console import run_click
from ftspec.lint.reporters import render_text, summarize
from ftspec.compiler.compile import compile_path
from ftspec.runtime import interrupts
from ftspec.ir import IR_VERSION, IRDocument, Storage, Study, ir_to_dict, selected_index, selected_metric

REPORT_VERSION = 1
PROG = "ftrun"
EXIT_INTERRUPTED = 130
"""128 + SIGINT, what a shell reports for a command stopped by Ctrl-C (also used for SIGTERM)."""
DEMO_PREFIX = "demo:"


class Refused(Exception):
    """What ftrun will not run (exit 1): config errors, unsupported steps, classes outside the allowlist."""

    exit_code = 1


class BadInput(Exception):
    """A file or storage that cannot be read or written (exit 2)."""

    exit_code = 2


@dataclass
class Plan:
    """One study ready to run: its IR (storage overridden by the command line), adapter and data."""

    study: Study
    adapter: Any
    data: Any
    storage: Any
    """The Optuna storage object the study lives in (in memory unless --storage or the IR says otherwise)."""
    n_studies: int
    """Optuna studies it runs: 1, or one per fold for `individual`."""
    checked: str = ""
    """What `--check` says it checked (one line)."""


def _select(studies: list[Study], wanted: tuple[str, ...]) -> list[Study]:
    if not wanted:
        return studies
    ids = [s.id for s in studies]
    missing = [w for w in wanted if w not in ids]
    if missing:
        raise click.UsageError(f"no study {', '.join(map(repr, missing))} in the file (studies: {', '.join(map(repr, ids))})")
    return [s for s in studies if s.id in wanted]


def _storage_of(study: Study, url: str | None, name: str | None, several: bool) -> tuple[Study, Any]:
    """Override the IR's storage with --storage/--study-name; always return a storage object we can read back."""
    import optuna

    base = study.storage
    from_command_line = url is not None or name is not None
    url = url if url is not None else (base.url if base is not None else None)
    if url is None:
        if name is not None:
            # A name in memory would be silently meaningless: nobody else can join that study.
            raise click.UsageError(f"--study-name needs a storage: study {study.id!r} has none (give --storage URL)")
        return study, optuna.storages.InMemoryStorage()
    # Workers started with the same command must meet in the same study: the name never defaults
    # to a random one, and an existing study is joined (its finished trials count toward n_trials).
    if name is not None:
        study_name = f"{name}:{study.id}" if several else name
    else:
        study_name = base.study_name if base is not None and base.study_name else study.id
    # --storage / --study-name mean "run this shared study": join it. Otherwise the IR says.
    resume = True if (from_command_line or base is None) else base.resume
    # The engine's storage: heartbeats, so that a killed worker's trial is failed and retried.
    from ftspec.runtime.engine import storage_from_url

    try:
        storage = storage_from_url(url)
    except Exception as exc:  # SQLAlchemy / journal errors: a bad URL or an unreachable server
        first = (str(exc).splitlines() or [""])[0]  # SQLAlchemy appends the SQL and a help link
        raise BadInput(f"cannot open storage {url!r}: {type(exc).__name__}: {first}") from None
    return replace(study, storage=Storage(url=url, study_name=study_name, resume=resume)), storage


def _location(study: Study) -> str:
    src = study.source
    return f"{src.file}:{src.line}:{src.column}: study {study.id!r}"


def _data_text(data: Any) -> str:
    """`demo:diabetes (442 rows x 10 features, target 'target')`: what a study was tuned on."""
    groups = ", grouped" if data.groups is not None else ""
    return f"{data.name} ({data.n_samples} rows x {data.X.shape[1]} features, target {data.target_name!r}{groups})"


def _load_data(task: str, data: str, target: str | None, groups: str | None, cache: dict[str, Any]) -> Any:
    """The dataset the user named: `demo:NAME`, or the CSV read for the metric's task (its target's type)."""
    from ftspec.runtime.data import DataError, demo_dataset, load_csv

    key = data if data.startswith(DEMO_PREFIX) else task
    if key not in cache:
        try:
            if data.startswith(DEMO_PREFIX):
                cache[key] = demo_dataset(data)
            else:
                cache[key] = load_csv(data, target=str(target), groups=groups, task=task)
                cache[key].name = data  # the path as given, not only its file name
        except DataError as exc:
            raise BadInput(str(exc)) from None
    return cache[key]


def _task_mismatch(metric: Any, data: Any) -> str:
    from ftspec.runtime.data import EMBEDDED

    fitting = [DEMO_PREFIX + name for name, (_, task) in EMBEDDED.items() if task == metric.task]
    return (f"metric {metric.name!r} is a {metric.task} metric, but {data.name} is {data.task} data "
            f"(embedded {metric.task} data: {', '.join(fitting)})")


def _build_components(study: Study) -> list[str]:
    """Build the study's samplers and pruner as the engine will (after the dependency check); what was built."""
    from ftspec.runtime.build import build_pruner, build_sampler

    build_sampler(study.sampler, study.space, study.seed)
    for phase in study.phases:
        build_sampler(phase.sampler, study.space, study.seed)
    build_pruner(study.pruner)
    samplers = [study.sampler.kind] + [p.sampler.kind for p in study.phases]
    return [f"sampler{'s' if len(samplers) > 1 else ''} {', '.join(samplers)}", f"pruner {study.pruner.kind}"]


def _plan(study: Study, args: dict[str, Any], several: bool, cache: dict[str, Any]) -> Plan:
    """Everything about `study` that can be refused, refused now (nothing outside the allowlist is imported)."""
    from ftspec.runtime.adapters import adapter_from_study, build_splitter
    from ftspec.runtime.build import RuntimeSpecError, missing_dependencies
    from ftspec.runtime.data import DataError, folds_from
    from ftspec.runtime.metrics import task_metric

    where = _location(study)
    study = _with_tracking(study, args)
    pipeline = study.pipeline
    if pipeline is None:
        raise Refused(f"{where}: a bare finetune_params file has no pipeline; ftrun needs the pipeline with its model step")
    if pipeline.unsupported:
        lines = [f"{study.source.file}:{u.source.line}:{u.source.column}: {u.reason}" for u in pipeline.unsupported]
        raise Refused(f"{where}: the pipeline has step(s) ftrun cannot run:\n  " + "\n  ".join(lines))
    if study.approach != "single" and pipeline.splitter is None:
        raise Refused(
            f"{where}: approach {study.approach!r} scores every trial on folds, but the pipeline has no splitter step "
            "before the model (add e.g. sklearn.model_selection.KFold, or use approach: single)"
        )
    # Before anything is built: a sampler would otherwise fail on its first trial (cmaes) or later.
    missing = missing_dependencies(study)
    if missing:
        raise Refused("\n".join(f"{where}: {m}" for m in missing))
    metric = task_metric(study)
    try:
        checked = _build_components(study)
        adapter = adapter_from_study(study, allow_modules=args["allow_modules"])
        data = _load_data(metric.task, args["data"], args["target"], args["groups"], cache)
        if data.task != metric.task:
            raise Refused(f"{where}: {_task_mismatch(metric, data)}")
        n_studies, splits = 1, f"holdout {study.validation.holdout_fraction:g}" if study.validation is not None else "holdout"
        if pipeline.splitter is not None and study.approach != "single":
            folds = folds_from(build_splitter(pipeline.splitter, args["allow_modules"]), data)
            n_studies = len(folds) if study.approach == "individual" else 1
            splits = f"{len(folds)} folds of {pipeline.splitter.class_path}"
        adapter.check(study, data)
    except (RuntimeSpecError, DataError, ImportError) as exc:
        raise Refused(f"{where}: {exc}") from None
    study, storage = _storage_of(study, args["storage"], args["study_name"], several)
    model = pipeline.model.class_path if pipeline.model is not None else "(none)"
    checked += [f"model {model}", splits, f"data {_data_text(data)}",
                f"storage {study.storage.url if study.storage is not None else 'in memory'}"]
    return Plan(study, adapter, data, storage, n_studies, ", ".join(checked))


class _FailedTrials(logging.Filter):
    """Optuna logs a WARNING with the whole traceback for every failed trial (the only WARNINGs of
    `optuna.study._optimize`). ftrun drops them and prints one line per failed trial instead (the
    `_FailureLines` callback, which runs right after in the same thread and takes the traceback
    for --verbose). Attached by ftrun only: library users of `optimize` keep Optuna's logging."""

    LOGGER = "optuna.study._optimize"

    def __init__(self) -> None:
        super().__init__()
        self.local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING:
            return True
        if record.exc_info:
            self.local.exc_info = record.exc_info
        return False

    def pop(self) -> Any:
        exc_info, self.local.exc_info = getattr(self.local, "exc_info", None), None
        return exc_info


class _FailureLines:
    """Optuna callback: `ftrun: trial 7 failed (fold 2): ValueError: <first line>` for each failed trial of this worker."""

    def __init__(self, log: _FailedTrials, verbose: bool, bar: Any) -> None:
        self.log, self.verbose, self.bar = log, verbose, bar

    def __call__(self, study: Any, trial: Any) -> None:
        from optuna.trial import TrialState

        from ftspec.runtime.engine import SURPLUS_ATTR
        from ftspec.runtime.optimize import FAILURE_ATTR

        from ftspec.runtime.optimize import FAILED_FOLDS_ATTR

        exc_info = self.log.pop()
        # A nirs4all_* eval mode scores a failed fold +-inf and the trial goes on: say so, fold by fold.
        for failed in trial.user_attrs.get(FAILED_FOLDS_ATTR) or ():
            message = (str(failed.get("message") or "").splitlines() or [""])[0]
            fold = f"fold {failed['fold']}" if failed.get("fold") is not None else "its score"
            self._echo(f"{PROG}: trial {trial.number}: {fold} failed, scored as the worst value as nirs4all did: "
                       f"{failed.get('type')}" + (f": {message}" if message else ""))
        if trial.state != TrialState.FAIL or SURPLUS_ATTR in trial.user_attrs:
            return
        failure = trial.user_attrs.get(FAILURE_ATTR) or {}
        fold = failure.get("fold")
        line = f"{PROG}: trial {trial.number} failed"
        if isinstance(fold, int) and not isinstance(fold, bool):
            line += f" (fold {fold})"
        message = (str(failure.get("message") or "").splitlines() or [""])[0]
        if failure.get("type"):
            line += f": {failure['type']}" + (f": {message}" if message else "")
        if self.verbose and exc_info is not None:
            line += "\n" + "".join(traceback.format_exception(*exc_info)).rstrip("\n")
        self._echo(line)

    def _echo(self, text: str) -> None:
        if self.bar is not None:
            self.bar.bar.write(text, file=sys.stderr)  # above the bar, which is redrawn
        else:
            click.echo(text, err=True)


def _resume_line(plan: Plan) -> str | None:
    """`ftrun: resuming study S: N of M trials done` when the storage already holds the study, unfinished."""
    from optuna.storages import InMemoryStorage

    from ftspec.runtime.engine import tally

    study = plan.study
    if isinstance(plan.storage, InMemoryStorage) or study.storage is None or not study.storage.resume:
        return None
    name = study.storage.study_name or study.id
    names = [name] if study.approach != "individual" else [f"{name}:fold{k}" for k in range(plan.n_studies)]
    exists, done = False, 0
    for each in names:
        try:
            study_id = plan.storage.get_study_id_from_name(each)
        except KeyError:
            continue
        exists = True
        done += len(tally(plan.storage.get_all_trials(study_id, deepcopy=False), study.n_trials).counted)
    total = study.n_trials * plan.n_studies
    return f"{PROG}: resuming study {name}: {done} of {total} trials done" if exists and done < total else None


def _with_tracking(study: Study, args: dict[str, Any]) -> Study:
    """--mlflow-uri / --mlflow-experiment override the IR's tracking; tracking is refused without mlflow (ftspec.runtime.tracking)."""
    from ftspec.runtime.build import RuntimeSpecError
    from ftspec.runtime.tracking import require_mlflow, with_overrides

    try:
        study = with_overrides(study, args["mlflow_uri"], args["mlflow_experiment"])
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        require_mlflow(study)
    except RuntimeSpecError as exc:
        raise Refused(f"{_location(study)}: {exc}") from None
    return study


def _run(plan: Plan, args: dict[str, Any], log: _FailedTrials) -> tuple[dict[str, Any], list[Any]]:
    """Run one planned study: its report dict (with `status` complete, failed or interrupted, and
    `error`) and the `StudyView`s to plot (one per fold for `individual`, which runs one Optuna study per fold)."""
    import optuna

    from ftspec.runtime.build import RuntimeSpecError
    from ftspec.runtime.data import DataError
    from ftspec.runtime.optimize import StudyFailed, StudyInterrupted, optimize
    from ftspec.runtime.progress import ProgressBar, study_line
    from ftspec.runtime.tracking import tracker_for

    study = plan.study
    data_text = _data_text(plan.data)
    bar = None
    if not args["quiet"] and sys.stderr.isatty():
        bar = ProgressBar(f"{study.id} on {plan.data.name}", selected_metric(study), study.n_trials * plan.n_studies, file=sys.stderr,
                          objective=selected_index(study))
    callbacks: list[Any] = [_FailureLines(log, args["verbose"], bar)] + ([bar] if bar is not None else [])
    started = time.monotonic()
    error, status = None, "complete"
    try:
        report = optimize(study, plan.adapter, plan.data, storage=plan.storage, n_jobs=args["n_jobs"],
                          allow_modules=args["allow_modules"], callbacks=callbacks, cache_mb=args["cache_mb"],
                          tracking=tracker_for(study, args["findings"]))
    except StudyFailed as exc:
        report, error, status = exc.report, str(exc), "failed"
    except StudyInterrupted as exc:
        report, status = exc.report, "interrupted"
    except (RuntimeSpecError, DataError) as exc:
        raise Refused(f"{_location(study)}: {exc}") from None
    except optuna.exceptions.DuplicatedStudyError:
        raise Refused(
            f"{_location(study)}: the storage already has a study named {study.storage.study_name if study.storage else None!r} "
            "and the IR says resume: false (pass --study-name, or set resume: true to join it)"
        ) from None
    finally:
        if bar is not None:
            bar.close()
    # What the study finished is reported whole: a signal from here on is recorded, the run then ends as interrupted.
    with _held():
        if bar is None and status != "interrupted":
            # progress.py's line, with the data named after the study id.
            line = study_line({**report.to_dict(), "study_id": f"{study.id} on {data_text}"}, selected_metric(study), time.monotonic() - started)
            click.echo(line, err=True)
        for note in (report.cache or {}).get("notes") or ():  # e.g. a transform refitted every trial (random_state None)
            click.echo(f"{PROG}: note: study {study.id!r}: {note}", err=True)
        if error is not None:
            click.echo(f"{PROG}: {error}", err=True)
        entry = {"status": status, "error": error, **report.to_dict()}
        from ftspec.runtime.html import StudyView

        if report.folds:
            views = [StudyView(fold.to_dict(), optuna.load_study(study_name=fold.study_name, storage=plan.storage), f"Study {study.id}, fold {k}")
                     for k, fold in enumerate(report.folds)]
        else:
            views = [StudyView(entry, optuna.load_study(study_name=report.study_name, storage=plan.storage))]
        if _signal_taken():
            entry["status"] = "interrupted"
    return entry, views


def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror or exc}") from None


def build_report(pipeline: str, studies: Sequence[Study], entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The `--report` document: format version, pipeline file, versions, the run studies' IR, one report per study."""
    from ftspec.runtime.optimize import versions

    return {
        "report_version": REPORT_VERSION,
        "pipeline": pipeline,
        "versions": versions(),
        "ir": ir_to_dict(IRDocument(ir_version=IR_VERSION, studies=list(studies))),
        "studies": list(entries),
    }


def _html(pipeline: str, document: dict[str, Any], views: list[Any], data: list[str], findings: Sequence[Any] = ()) -> str:
    from ftspec.runtime.html import render_html

    header = [("pipeline", pipeline), ("data", "; ".join(dict.fromkeys(data))), ("versions", document["versions"])]
    return render_html(views, title=f"ftrun report: {pipeline}", header=header, findings=findings)


class _Signals:
    """SIGINT and SIGTERM raise KeyboardInterrupt in the main thread, once: the engine marks the
    running trial interrupted and re-queues it, `optimize` raises `StudyInterrupted` with the
    partial report. Later signals are ignored while that report is written.

    The KeyboardInterrupt is raised only where the main thread is `interrupts.interruptible`: never
    inside Optuna or SQLAlchemy, where it could leave a heartbeat thread running forever or a storage
    write half done. A signal landing there is deferred: the engine raises it at its next checkpoint
    (before a trial's work or a batch), and a helper thread re-sends it to the main thread every
    `REDELIVER_SECONDS` so that it lands anywhere else interruptible too (the thread is started up
    front: starting one inside a handler can deadlock on `threading`'s own locks). While ftrun writes
    what it finished (`held`, and after the last study), a signal is only recorded (`take` tells
    ftrun about it). The previous handlers come back on exit (ftrun run in-process by a test or a
    host leaves no trace); as the program itself (`restore=False`) SIGINT and SIGTERM are ignored from
    then on, so that a late signal cannot kill it (exit -15) while the interpreter shuts down."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)
    REDELIVER_SECONDS = 0.01

    def __init__(self, restore: bool = True) -> None:
        self.restore = restore
        self.received: int | None = None
        self.raised = False
        """Whether the KeyboardInterrupt was raised (or the signal taken by `take`): later signals are ignored."""
        self.holding = 0
        self.saved: dict[int, Any] = {}
        self._pending = threading.Event()
        self._closed = False
        self._lock = threading.Lock()
        self._resender: threading.Thread | None = None
        self._saved_hook: Any = sys.unraisablehook

    def _handle(self, signum: int, frame: Any) -> None:
        if self.received is None:
            self.received = signum
        if self.raised or self.holding or self._closed:
            return
        if interrupts.interruptible(frame):
            self.raised = True
            raise KeyboardInterrupt
        self._pending.set()  # the resender signals again in a moment

    def _resend(self, main_thread: int) -> None:
        while True:
            self._pending.wait()
            time.sleep(self.REDELIVER_SECONDS)
            with self._lock:  # never a signal after __exit__ restored a handler that would kill the process
                if self._closed:
                    return
                if self.raised or self.holding or self.received is None:
                    self._pending.clear()
                    continue
                signal.pthread_kill(main_thread, self.received)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Signals are recorded, not raised, while ftrun writes what it finished."""
        self.holding += 1
        try:
            yield
        finally:
            self.holding -= 1

    def _take_deferred(self) -> bool:
        """The engine's `deferred_interrupt`: whether to raise a deferred signal now (then it counts as raised)."""
        if self.received is None or self.raised or self.holding or self._closed:
            return False
        self.raised = True
        return True

    def take(self) -> bool:
        """Whether a signal was received and not raised (it came while `held`); later ones are then ignored."""
        if self.received is None or self.raised:
            return False
        self.raised = True
        return True

    def _unraisable(self, unraisable: Any) -> None:
        # A KeyboardInterrupt raised in a finalizer the garbage collector ran (a weakref callback,
        # __del__) is printed as "Exception ignored" and dropped: deliver it again instead.
        if unraisable.exc_type is KeyboardInterrupt and self.raised and not self._closed:
            self.raised = False
            self._pending.set()
            return
        self._saved_hook(unraisable)

    def __enter__(self) -> "_Signals":
        global _SIGNALS
        for sig in self.SIGNALS:
            try:
                self.saved[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: signals cannot be handled here, Python's defaults stay
                pass
        if self.saved:
            self._resender = threading.Thread(target=self._resend, args=(threading.get_ident(),), name="ftrun-signals", daemon=True)
            self._resender.start()
            _SIGNALS = self
            interrupts.deferred_interrupt = self._take_deferred
            self._saved_hook, sys.unraisablehook = sys.unraisablehook, self._unraisable
        return self

    def __exit__(self, *exc: Any) -> None:
        global _SIGNALS
        self._closed = True  # first: a signal re-sent while this waits for the lock below must not raise here
        with self._lock:  # the resender is not between its check of _closed and its signal
            pass
        self.holding = 0
        self._pending.set()
        if self._resender is not None:
            self._resender.join()
        if _SIGNALS is self:
            _SIGNALS = None
            interrupts.deferred_interrupt = None
            sys.unraisablehook = self._saved_hook
        for sig, handler in self.saved.items():
            # As the program: ignored until the process ends. Not this Python handler: the interpreter's
            # shutdown resets Python handlers to SIG_DFL before it ends, and a signal then killed ftrun (-15).
            signal.signal(sig, (handler if handler is not None else signal.SIG_DFL) if self.restore else signal.SIG_IGN)


_SIGNALS: _Signals | None = None
"""ftrun's handlers while it runs (None in a library use of `_run`)."""


def _held() -> Any:
    return _SIGNALS.held() if _SIGNALS is not None else contextlib.nullcontext()


def _hold_to_the_end() -> None:
    """Signals are only recorded from now until ftrun returns (it writes its reports)."""
    if _SIGNALS is not None:
        _SIGNALS.holding += 1


def _signal_taken() -> bool:
    return _SIGNALS is not None and _SIGNALS.take()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("pipeline", type=click.Path(dir_okay=False))
@click.option("--data", default=None, metavar="FILE.csv|demo:NAME",
              help="What to tune on: a CSV with a header row (with --target), or an embedded dataset: "
                   "demo:diabetes, demo:breast_cancer, demo:iris, demo:wine. Required.")
@click.option("--target", default=None, help="Target column of a CSV --data (required with it).")
@click.option("--groups", default=None, help="Column of a CSV --data with group labels (holdout and group splitters keep groups whole).")
@click.option("--storage", default=None,
              help="Optuna storage URL (sqlite:///f.db, postgresql://..., journal:///f.log); workers on one storage share the study.")
@click.option("--study-name", default=None, help="Study name in the storage (default: the IR's, else the study id).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None, help="Write the JSON report here.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None, help="Write the HTML report (with plots) here.")
@click.option("--allow-module", "allow_modules", multiple=True, metavar="PREFIX",
              help="Also import classes from this module prefix (sklearn always is). Only for code you trust.")
@click.option("--n-jobs", type=click.IntRange(min=1), default=None, help="Parallel trials in this process (default: the IR's n_jobs).")
@click.option("--study", "study_ids", multiple=True, metavar="ID", help="Run only this study (repeatable; default: every study).")
@click.option("--check", is_flag=True,
              help="Check every study (build its sampler, pruner, splitter and model, load the data, check optional packages); run no trial.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar: one line per study.")
@click.option("--cache-mb", type=click.FloatRange(min=0), default=None,
              help="Memory bound of the fitted-prefix cache in MiB (default: a quarter of the RAM; 0 disables it).")
@click.option("-v", "--verbose", is_flag=True, help="Print the traceback of every failed trial after its line.")
@click.option("--mlflow-uri", default=None, metavar="URI", help="Track every trial in MLflow at this tracking URI (overrides the config's tracking).")
@click.option("--mlflow-experiment", default=None, metavar="NAME", help="MLflow experiment (default: the config's, else the study id).")
@click.option("--stage", default=None, metavar="NAME", help="Campaign files: run (or, when complete, rerun) only this stage.")
@click.option("--estimate", is_flag=True,
              help="Run a short pilot of each stage's (pipeline files: study's) shape and print wall-time estimates; run no full stage or study.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Campaign files: run the seeds of each stage at once in N processes (one seed each; extra workers join "
                   "unfinished seeds); needs a storage.")
@click.option("--grace-seconds", type=click.IntRange(min=1), default=None,
              help="Seconds without a heartbeat after which a killed worker's trial is retried (default 60).")
@click.version_option(package_name="ftspec")
def cli(pipeline: str, data: str | None, target: str | None, groups: str | None, storage: str | None,
        study_name: str | None, report_path: str | None, html_path: str | None, allow_modules: tuple[str, ...],
        n_jobs: int | None, study_ids: tuple[str, ...], check: bool, cache_mb: float | None, quiet: bool, verbose: bool,
        mlflow_uri: str | None, mlflow_experiment: str | None, stage: str | None, grace_seconds: int | None, estimate: bool,
        workers: int | None) -> None:
    """Run the hyperparameter studies of a pipeline file on Optuna and write their reports.

    \b
    Exit codes:
      0    every study completed trials within its failure policy (--check: every study can run)
      1    config errors, something refused before the first trial, or a failed study
      2    usage error, or a file, dataset or storage that cannot be read or written
      130  interrupted (SIGINT/SIGTERM): partial reports written; rerun the command to resume
    """
    args = dict(pipeline=pipeline, data=data, target=target, groups=groups, storage=storage, study_name=study_name,
                report_path=report_path, html_path=html_path, n_jobs=n_jobs, study_ids=study_ids, check=check, quiet=quiet,
                verbose=verbose, allow_modules=allow_modules, cache_mb=cache_mb, mlflow_uri=mlflow_uri,
                mlflow_experiment=mlflow_experiment, stage=stage, grace_seconds=grace_seconds, estimate=estimate,
                workers=workers)
    log = _FailedTrials()
    optuna_log = logging.getLogger(_FailedTrials.LOGGER)
    optuna_log.addFilter(log)
    try:
        with _Signals(restore=_RESTORE_SIGNALS):
            code = _main(args, log)
    except (Refused, BadInput) as exc:
        click.echo(f"{PROG}: {exc}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:  # before the first study started: nothing ran, nothing to write
        click.echo(f"{PROG}: interrupted before the first trial; nothing was run", err=True)
        code = EXIT_INTERRUPTED
    finally:
        optuna_log.removeFilter(log)
    sys.exit(code)


def _check_usage(args: dict[str, Any]) -> None:
    from ftspec.runtime.data import DEMO_CHOICES

    data = args["data"]
    if data is None:
        # Never a default: a run on data the user did not name would be reported as if it meant something.
        raise click.UsageError(f"--data is required: a CSV file (with --target COL) or an embedded dataset: {', '.join(DEMO_CHOICES)}")
    if data.startswith(DEMO_PREFIX):
        if data not in DEMO_CHOICES:
            raise click.UsageError(f"unknown embedded dataset {data!r} (choices: {', '.join(DEMO_CHOICES)})")
        if args["target"] is not None or args["groups"] is not None:
            raise click.UsageError(f"--target and --groups are for a CSV --data; {data} has its own target and no groups")
    elif args["target"] is None:
        raise click.UsageError("--data needs --target (the column to predict)")


def _main(args: dict[str, Any], log: _FailedTrials) -> int:
    if args["data"] is None and (args["target"] is not None or args["groups"] is not None):
        raise click.UsageError("--target and --groups need --data")
    _check_usage(args)
    pipeline = args["pipeline"]
    result = compile_path(pipeline)
    args["findings"] = result.diagnostics  # the MLflow parent run keeps them as an artifact
    for diag in result.diagnostics:
        click.echo(render_text(diag), err=True)
    click.echo(summarize(result.diagnostics, 1, len(result.ir.studies)), err=True)
    if result.unreadable:
        return 2
    if result.has_errors:
        raise Refused(f"{pipeline} has errors; nothing was run")
    if result.campaign is not None:  # a campaign file: its stages in order (ftspec.campaign.run)
        from ftspec.campaign.cli import run_campaign

        return run_campaign(result.campaign, args, lambda study, cache: _plan(study, {**args, "storage": None, "study_name": None}, False, cache),
                            lambda plan, overrides: _run(plan, {**args, **overrides}, log))
    if args["stage"] is not None:
        raise click.UsageError(f"--stage is for campaign files; {pipeline} is a pipeline")
    if args["workers"] is not None:
        raise click.UsageError(f"--workers is for campaign files; {pipeline} is a pipeline (start ftrun several times on one "
                               "--storage, or use --n-jobs)")
    if not result.ir.studies:
        raise Refused(f"{pipeline} has no finetune_params block; nothing to run")
    studies = _select(result.ir.studies, args["study_ids"])
    import optuna

    from ftspec.runtime.adapters import DEFAULT_ALLOWED_MODULES

    # ftrun reports progress itself (bar or one line per study); Optuna's per-trial INFO lines would drown it.
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    args["allow_modules"] = tuple(dict.fromkeys(DEFAULT_ALLOWED_MODULES + args["allow_modules"]))
    cache: dict[str, Any] = {}
    plans: list[Plan] = []
    refusals: list[str] = []
    for s in studies:  # every study is checked: all refusals at once, before any trial
        try:
            plans.append(_plan(s, args, len(studies) > 1, cache))
        except Refused as exc:
            refusals.append(f"{PROG}: {exc}")
    if args["check"]:
        for plan in plans:
            click.echo(f"{plan.study.id}: ok: {plan.checked}; no trial run")
    for line in refusals:
        click.echo(line, err=True)
    if refusals or args["check"]:
        return 1 if refusals else 0
    if args["estimate"]:  # a pilot per study shape and the wall-time estimates, as for a campaign (docs/campaigns.md)
        from ftspec.campaign.cli import estimate_pipeline

        return estimate_pipeline(plans, args, lambda plan, overrides: _run(plan, {**args, **overrides}, log))
    return _run_all(pipeline, plans, args, log, result.diagnostics)


def _run_all(pipeline: str, plans: list[Plan], args: dict[str, Any], log: _FailedTrials, findings: Sequence[Any]) -> int:
    from optuna.storages import InMemoryStorage

    entries: list[dict[str, Any]] = []
    views: list[Any] = []
    current: Plan | None = None
    interrupted = False
    try:
        for current in plans:
            resume = _resume_line(current)
            if resume is not None:
                click.echo(resume, err=True)
            entry, study_views = _run(current, args, log)
            entries.append(entry)
            views.extend(study_views)
            if entry["status"] == "interrupted":
                interrupted = True
                break
        _hold_to_the_end()
    except KeyboardInterrupt:  # outside a trial (between studies, opening one): no entry for it
        _hold_to_the_end()
        interrupted = True
    # The reports are written whole: a signal from now on is recorded, and the run ends as interrupted.
    interrupted = _signal_taken() or interrupted
    ran = [p for p in plans if any(e["study_id"] == p.study.id for e in entries)]
    document = build_report(pipeline, [p.study for p in ran], entries)
    if args["report_path"] is not None:
        _write(args["report_path"], json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    if args["html_path"] is not None:
        _write(args["html_path"], _html(pipeline, document, views, [p.data.name for p in ran], findings))  # each study shows its findings
    from ftspec.runtime.tracking import log_report_artifacts

    log_report_artifacts(entries, [args["report_path"], args["html_path"]])  # onto each tracked study's MLflow parent run
    interrupted = _signal_taken() or interrupted
    if interrupted:
        done = sum(e["n_finished"] for e in entries)
        total = sum(p.study.n_trials * p.n_studies for p in plans)
        after = ("the study was in memory, nothing to resume" if current is not None and isinstance(current.storage, InMemoryStorage)
                 else "rerun the same command to resume")
        click.echo(f"{PROG}: interrupted after {done} of {total} trials; {after}", err=True)
        return EXIT_INTERRUPTED
    return 1 if any(e["status"] == "failed" for e in entries) else 0


_RESTORE_SIGNALS = True


def main(argv: Sequence[str] | None = None) -> int:
    """Run ftrun with `argv` and return its exit code; the signal handlers it had come back.

    Without `argv` this is the `ftrun` program (sys.argv[1:]), about to exit: SIGINT and SIGTERM are
    then ignored, so that a signal while the interpreter shuts down cannot kill it."""
    global _RESTORE_SIGNALS
    _RESTORE_SIGNALS = argv is not None
    try:
        return run_click(cli, argv, PROG)
    finally:
        _RESTORE_SIGNALS = True


if __name__ == "__main__":
    sys.exit(main())
