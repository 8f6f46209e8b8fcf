"""`ftrun CAMPAIGN.yaml`: the campaign side of ftrun (ftspec.runtime.cli hands campaign files here).

ftrun's own planning (`plan`: every refusal before the first trial) and running (`run`: progress,
failure lines) are passed in, so a campaign study runs exactly as a pipeline study does.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import click

from ftspec.campaign.estimate import (
    budget_line,
    estimate_stages,
    estimate_studies,
    over_budget,
    pilot_pipeline,
    render_estimate,
    run_pilot,
)
from ftspec.campaign.model import CampaignDocument
from ftspec.campaign.run import CampaignError, CampaignRun

EXIT_INTERRUPTED = 130


def decision_path(doc: CampaignDocument, args: dict[str, Any]) -> str:
    """`--report FILE`, else `<campaign name>.campaign.json` in the current directory."""
    return args["report_path"] or f"{doc.campaign.name}.campaign.json"


def open_storage(doc: CampaignDocument, args: dict[str, Any]) -> Any:
    from optuna.storages import InMemoryStorage

    from ftspec.runtime.engine import GRACE_PERIOD, storage_from_url

    url = args["storage"] or doc.campaign.storage
    if url is None:
        return InMemoryStorage()
    try:
        return storage_from_url(url, grace_period=args.get("grace_seconds") or GRACE_PERIOD)
    except Exception as exc:  # a bad URL or an unreachable server, as ftrun reports it
        raise click.UsageError(f"cannot open storage {url!r}: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}") from None


def run_campaign(doc: CampaignDocument, args: dict[str, Any], plan: Callable[[Any, dict[str, Any]], Any],
                 run: Callable[[Any, dict[str, Any]], tuple[dict[str, Any], list[Any]]]) -> int:
    if args["study_ids"] or args["study_name"]:
        raise click.UsageError("--study and --study-name are for pipeline files; a campaign names its studies <campaign>:<stage>:seed<k>")
    import optuna

    from ftspec.runtime.adapters import DEFAULT_ALLOWED_MODULES

    workers = args.get("workers") or 1
    if workers > 1 and (args["storage"] or doc.campaign.storage) is None:
        # Worker processes meet only in a storage: in memory each would run its own copy of every study.
        raise click.UsageError(f"--workers {workers} runs each stage's seeds in {workers} processes, which share the studies "
                               "through the storage: campaign has no storage (add `storage:` or pass --storage URL)")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    args["allow_modules"] = tuple(dict.fromkeys(DEFAULT_ALLOWED_MODULES + args["allow_modules"]))
    if args["stage"] is not None and args["stage"] not in {s.name for s in doc.campaign.stages}:
        raise click.UsageError(f"no stage {args['stage']!r} in campaign {doc.campaign.name!r} "
                               f"(stages: {', '.join(s.name for s in doc.campaign.stages)})")
    plans: dict[str, Any] = {}
    refusals: list[str] = []
    cache: dict[str, Any] = {}
    for study in doc.studies:  # every study is checked before any trial, as for a pipeline file
        try:
            plans[study.id] = plan(replace(study, storage=None), cache)
        except Exception as exc:
            if getattr(exc, "exit_code", None) is None:
                raise
            refusals.append(f"ftrun: {exc}")
    for line in refusals:
        click.echo(line, err=True)
    if refusals:
        return 1
    if args["check"]:
        for sid, p in plans.items():
            click.echo(f"{sid}: ok: {p.checked}; no trial run")
        return 0
    storage = open_storage(doc, args)
    state: dict[str, Any] = {}

    def run_study(study: Any, storage: Any, pilot: bool = False, quiet: bool = False) -> None:
        state["study"] = study.id
        # A pilot runs one worker: its trials are claimed under its own small n_trials, never beyond it.
        overrides: dict[str, Any] = {"n_jobs": 1} if pilot else {}
        if quiet:  # one progress bar per worker process would garble the terminal
            overrides["quiet"] = True
        entry, _ = run(replace(plans[study.id], study=replace(study, n_jobs=1) if pilot else study, storage=storage), overrides)
        if entry["status"] == "interrupted":
            raise KeyboardInterrupt
        if entry["status"] == "failed":
            raise CampaignError(f"study {study.id} failed: {entry['error']}")

    def run_stage(stage: Any, studies: list[Any]) -> None:
        from ftspec.campaign.workers import run_in_workers

        state["study"] = f"stage {stage.name} ({len(studies)} studies in {workers} workers)"

        def work(k: int, order: list[Any]) -> None:
            own = open_storage(doc, args)  # never the parent's connections
            for study in order:
                if not _done(study, own):  # a seed finished by the other workers is not joined only to say so
                    run_study(study, own, quiet=True)

        run_in_workers(studies, workers, work, echo=lambda text: click.echo(text, err=True))
        state["study"] = f"stage {stage.name}"

    runner = CampaignRun(doc, storage, run_study, echo=lambda text: click.echo(text, err=True),
                         run_stage=run_stage if workers > 1 else None)
    budget = doc.campaign.budget
    try:
        if args.get("estimate") or (budget is not None and budget.max_hours is not None):
            code = _estimate(doc, args, runner)
            if code is not None:
                return code
        decision = runner.run(args["stage"])
    except CampaignError as exc:
        click.echo(f"ftrun: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        where = state.get("study", "before the first study")
        after = "rerun the same command to resume" if (args["storage"] or doc.campaign.storage) else "the campaign was in memory, nothing to resume"
        click.echo(f"ftrun: campaign {doc.campaign.name} interrupted in {where}; {after}", err=True)
        return EXIT_INTERRUPTED
    if decision is None:
        click.echo(f"ftrun: campaign {doc.campaign.name}: stage {args['stage']} done; later stages are not complete, no decision yet", err=True)
        if args["html_path"] is not None:
            click.echo("ftrun: no HTML report: it shows the decision, made once every stage is complete", err=True)
        return 0
    path = decision_path(doc, args)
    try:
        Path(path).write_text(json.dumps(decision, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    except OSError as exc:
        click.echo(f"ftrun: cannot write {path}: {exc.strerror or exc}", err=True)
        return 2
    if args["html_path"] is not None:
        from ftspec.campaign.html import render_campaign_html

        studies = {sid: runner._load(sid) for stage in doc.campaign.stages for sid in stage.studies}
        page = render_campaign_html(decision, studies, header=[("campaign file", args["pipeline"]), ("data", args["data"])])
        try:
            Path(args["html_path"]).write_text(page, encoding="utf-8")
        except OSError as exc:
            click.echo(f"ftrun: cannot write {args['html_path']}: {exc.strerror or exc}", err=True)
            return 2
    for reason in decision["reasons"]:
        click.echo(f"ftrun: decide: {reason}", err=True)
    d = decision["decision"]
    click.echo(f"ftrun: campaign {doc.campaign.name}: winner {d['stage']}, best {decision['metric']}={d['best_value']:.6g} "
               f"with {json.dumps(d['best_params'])}; decision written to {path}", err=True)
    return 0


def _estimate(doc: CampaignDocument, args: dict[str, Any], runner: CampaignRun) -> int | None:
    """The pilot and the wall-time estimate (ftspec.campaign.estimate): the exit code when ftrun stops
    here (`--estimate`, or an estimate over `budget.max_hours`), else None (the run goes on)."""
    in_memory = (args["storage"] or doc.campaign.storage) is None
    timings, where = run_pilot(runner, in_memory)
    estimates = estimate_stages(doc.campaign, timings)
    workers, run_workers = worker_counts(args, doc.studies)
    for line in where + render_estimate(estimates, workers):
        click.echo(f"ftrun: estimate: {line}", err=True)
    error = over_budget(doc.campaign, estimates, run_workers)
    if error is not None:
        click.echo(f"ftrun: {error}", err=True)
        return 1
    line = budget_line(doc.campaign, estimates, run_workers)
    if line is not None:
        click.echo(f"ftrun: estimate: {line}", err=True)
    return 0 if args.get("estimate") else None


def _done(study: Any, storage: Any) -> bool:
    """`study` has its `n_trials` counted trials in `storage`."""
    import optuna

    from ftspec.runtime.engine import tally

    try:
        ostudy = optuna.load_study(study_name=study.id, storage=storage)
    except KeyError:
        return False
    return len(tally(ostudy.get_trials(deepcopy=False), study.n_trials).counted) >= study.n_trials


def worker_counts(args: dict[str, Any], studies: list[Any]) -> tuple[list[int], int]:
    """(the worker counts an estimate is printed for, the run's workers): 1 and the run's workers, processes
    (--workers, the seeds at once) x threads in each (--n-jobs, else the studies' n_jobs); the machine's
    cores when neither option is given."""
    run_workers = (args.get("workers") or 1) * (args["n_jobs"] or max(s.n_jobs for s in studies))
    given = args.get("workers") is not None or args["n_jobs"] is not None
    return sorted({1, run_workers if given else os.cpu_count() or 1}), run_workers


def estimate_pipeline(plans: list[Any], args: dict[str, Any], run: Callable[[Any, dict[str, Any]], tuple[dict[str, Any], list[Any]]]) -> int:
    """`ftrun PIPELINE --estimate`: the pilot of each study shape (ftspec.campaign.estimate, as for a
    campaign) and the wall-time estimate of each study and of the file, per worker count; no full study
    runs. Exit 0; 1 when a pilot study fails; 130 when interrupted."""
    by_id = {p.study.id: p for p in plans}

    def run_study(study: Any, storage: Any) -> None:
        # One worker: the pilot's trials are claimed under its own small n_trials, never beyond it.
        entry, _ = run(replace(by_id[study.id], study=replace(study, n_jobs=1), storage=storage), {"n_jobs": 1})
        if entry["status"] == "interrupted":
            raise KeyboardInterrupt
        if entry["status"] == "failed":
            raise CampaignError(f"study {study.id} failed: {entry['error']}")

    try:
        timings, where = pilot_pipeline([(p.study, p.storage) for p in plans], run_study)
    except CampaignError as exc:
        click.echo(f"ftrun: estimate: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("ftrun: estimate interrupted during the pilot; nothing else was run", err=True)
        return EXIT_INTERRUPTED
    workers, _ = worker_counts(args, [p.study for p in plans])
    for line in where + render_estimate(estimate_studies([p.study for p in plans], timings), workers):
        click.echo(f"ftrun: estimate: {line}", err=True)
    return 0
