"""`ftrun`: compile a pipeline file, refuse what cannot run, run each study on Optuna, write reports.

Exit codes: 0 every study ran; 1 errors in the config, a step or class ftrun refuses to run, or a
study that produced no result (failure policy, no completed trial); 2 a usage error, or a pipeline,
data or report file that cannot be read or written. Never a traceback for bad input.

The pipeline is compiled with the compiler's API and its findings are printed as ftcompile prints
them. Each study then runs through `ftspec.runtime.optimize` with the sklearn adapter of its
pipeline context, on `--data` (CSV) or on the embedded dataset of its metric's task. Everything that
can be refused is refused before the first trial of the first study.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

import click

from ftspec._console import run_click
from ftspec.lint.reporters import render_text, summarize
from ftspec.compiler.compile import compile_path
from ftspec.ir import IR_VERSION, IRDocument, Storage, Study, ir_to_dict

REPORT_VERSION = 1
PROG = "ftrun"


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


def _load_data(task: str, data: str | None, target: str | None, groups: str | None, cache: dict[str, Any]) -> Any:
    from ftspec.runtime.data import DataError, default_dataset, load_csv

    if task not in cache:
        try:
            cache[task] = load_csv(data, target=str(target), groups=groups, task=task) if data is not None else default_dataset(task)
        except DataError as exc:
            raise BadInput(str(exc)) from None
    return cache[task]


def _plan(study: Study, args: dict[str, Any], several: bool, cache: dict[str, Any]) -> Plan:
    """Everything about `study` that can be refused, refused now (nothing outside the allowlist is imported)."""
    from ftspec.runtime.adapters import adapter_from_study, build_splitter
    from ftspec.runtime.build import RuntimeSpecError
    from ftspec.runtime.data import DataError, folds_from
    from ftspec.runtime.metrics import get_metric

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
    try:
        adapter = adapter_from_study(study, allow_modules=args["allow_modules"])
        data = _load_data(get_metric(study.metric).task, args["data"], args["target"], args["groups"], cache)
        n_studies = 1
        if pipeline.splitter is not None and study.approach != "single":
            folds = folds_from(build_splitter(pipeline.splitter, args["allow_modules"]), data)
            n_studies = len(folds) if study.approach == "individual" else 1
        adapter.check(study, data)
    except (RuntimeSpecError, DataError) as exc:
        raise Refused(f"{where}: {exc}") from None
    study, storage = _storage_of(study, args["storage"], args["study_name"], several)
    return Plan(study, adapter, data, storage, n_studies)


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


def _run(plan: Plan, args: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """Run one planned study: its report dict (with `status`, `error`) and the
    `StudyView`s to plot (one per fold for `individual`, which runs one Optuna study per fold)."""
    import optuna

    from ftspec.runtime.build import RuntimeSpecError
    from ftspec.runtime.data import DataError
    from ftspec.runtime.optimize import StudyFailed, optimize
    from ftspec.runtime.progress import ProgressBar, study_line
    from ftspec.runtime.tracking import tracker_for

    study = plan.study
    bar = None
    if not args["quiet"] and sys.stderr.isatty():
        bar = ProgressBar(study.id, study.metric, study.n_trials * plan.n_studies, file=sys.stderr)
    started = time.monotonic()
    error = None
    try:
        report = optimize(study, plan.adapter, plan.data, storage=plan.storage, n_jobs=args["n_jobs"],
                          allow_modules=args["allow_modules"], callbacks=[bar] if bar is not None else [],
                          tracking=tracker_for(study, args["findings"]))
    except StudyFailed as exc:
        report, error = exc.report, str(exc)
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
    if bar is None:
        click.echo(study_line(report.to_dict(), study.metric, time.monotonic() - started), err=True)
    if error is not None:
        click.echo(f"{PROG}: {error}", err=True)
    entry = {"status": "failed" if error else "complete", "error": error, **report.to_dict()}
    from ftspec.runtime.html import StudyView

    if report.folds:
        views = [StudyView(fold.to_dict(), optuna.load_study(study_name=fold.study_name, storage=plan.storage), f"Study {study.id}, fold {k}")
                 for k, fold in enumerate(report.folds)]
    else:
        views = [StudyView(entry, optuna.load_study(study_name=report.study_name, storage=plan.storage))]
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


def _html(pipeline: str, document: dict[str, Any], views: list[Any], findings: Sequence[Any] = ()) -> str:
    from ftspec.runtime.html import render_html

    header = [("pipeline", pipeline), ("versions", document["versions"])]
    return render_html(views, title=f"ftrun report: {pipeline}", header=header, findings=findings)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("pipeline", type=click.Path(dir_okay=False))
@click.option("--data", type=click.Path(dir_okay=False), default=None,
              help="CSV with a header row to train on (default: the embedded dataset of the metric's task).")
@click.option("--target", default=None, help="Target column of --data (required with --data).")
@click.option("--groups", default=None, help="Column of --data with group labels (holdout and group splitters keep groups whole).")
@click.option("--storage", default=None,
              help="Optuna storage URL (sqlite:///f.db, postgresql://..., journal:///f.log); workers on one storage share the study.")
@click.option("--study-name", default=None, help="Study name in the storage (default: the IR's, else the study id).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None, help="Write the JSON report here.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None, help="Write the HTML report (with plots) here.")
@click.option("--allow-module", "allow_modules", multiple=True, metavar="PREFIX",
              help="Also import classes from this module prefix (sklearn always is). Only for code you trust.")
@click.option("--n-jobs", type=click.IntRange(min=1), default=None, help="Parallel trials in this process (default: the IR's n_jobs).")
@click.option("--study", "study_ids", multiple=True, metavar="ID", help="Run only this study (repeatable; default: every study).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar: one line per study.")
@click.option("--mlflow-uri", default=None, metavar="URI", help="Track every trial in MLflow at this tracking URI (overrides the config's tracking).")
@click.option("--mlflow-experiment", default=None, metavar="NAME", help="MLflow experiment (default: the config's, else the study id).")
@click.version_option(package_name="ftspec")
def cli(pipeline: str, data: str | None, target: str | None, groups: str | None, storage: str | None,
        study_name: str | None, report_path: str | None, html_path: str | None, allow_modules: tuple[str, ...],
        n_jobs: int | None, study_ids: tuple[str, ...], quiet: bool, mlflow_uri: str | None, mlflow_experiment: str | None) -> None:
    """Run the hyperparameter studies of a pipeline file on Optuna and write their reports.

    Exit codes: 0 every study ran, 1 config errors / refused steps / a failed study, 2 usage error
    or a file that cannot be read or written.
    """
    try:
        _main(pipeline, data, target, groups, storage, study_name, report_path, html_path, allow_modules, n_jobs, study_ids, quiet,
              mlflow_uri, mlflow_experiment)
    except (Refused, BadInput) as exc:
        click.echo(f"{PROG}: {exc}", err=True)
        sys.exit(exc.exit_code)


def _main(pipeline: str, data: str | None, target: str | None, groups: str | None, storage: str | None,
          study_name: str | None, report_path: str | None, html_path: str | None, allow_modules: tuple[str, ...],
          n_jobs: int | None, study_ids: tuple[str, ...], quiet: bool, mlflow_uri: str | None = None,
          mlflow_experiment: str | None = None) -> None:
    if data is None and (target is not None or groups is not None):
        raise click.UsageError("--target and --groups need --data")
    if data is not None and target is None:
        raise click.UsageError("--data needs --target (the column to predict)")
    result = compile_path(pipeline)
    for diag in result.diagnostics:
        click.echo(render_text(diag), err=True)
    click.echo(summarize(result.diagnostics, 1, len(result.ir.studies)), err=True)
    if result.unreadable:
        sys.exit(2)
    if result.has_errors:
        raise Refused(f"{pipeline} has errors; nothing was run")
    if not result.ir.studies:
        raise Refused(f"{pipeline} has no finetune_params block; nothing to run")
    studies = _select(result.ir.studies, study_ids)
    import optuna

    from ftspec.runtime.adapters import DEFAULT_ALLOWED_MODULES

    # ftrun reports progress itself (bar or one line per study); Optuna's per-trial INFO lines would drown it.
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    args = dict(data=data, target=target, groups=groups, storage=storage, study_name=study_name, n_jobs=n_jobs, quiet=quiet,
                allow_modules=tuple(dict.fromkeys(DEFAULT_ALLOWED_MODULES + allow_modules)),
                mlflow_uri=mlflow_uri, mlflow_experiment=mlflow_experiment, findings=result.diagnostics)
    cache: dict[str, Any] = {}
    plans = [_plan(s, args, len(studies) > 1, cache) for s in studies]
    entries: list[dict[str, Any]] = []
    views: list[Any] = []
    for plan in plans:
        entry, study_views = _run(plan, args)
        entries.append(entry)
        views.extend(study_views)
    document = build_report(pipeline, [p.study for p in plans], entries)
    if report_path is not None:
        _write(report_path, json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    if html_path is not None:
        _write(html_path, _html(pipeline, document, views, result.diagnostics))  # the page shows each study's file's findings
    from ftspec.runtime.tracking import log_report_artifacts

    log_report_artifacts(entries, [report_path, html_path])  # onto each tracked study's MLflow parent run
    sys.exit(1 if any(e["status"] == "failed" for e in entries) else 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ftrun with `argv` (default: sys.argv[1:]) and return its exit code."""
    return run_click(cli, argv, PROG)


if __name__ == "__main__":
    sys.exit(main())
