"""`ftrun --estimate FILE`: a short pilot, the time of one model fit, and wall-time ranges per stage or study.

Stages of one *shape* (the same study but for its id, seed, n_trials and storage: same space,
splitter, model, ...) share a pilot: the first stage of each shape runs `PILOT_TRIALS` trials of its
first seed's study. The pilot runs in the campaign's storage, as real trials of that study, prepared
as the run prepares it (narrowed, warm start enqueued): they count toward its `n_trials` when the
campaign runs. A stage that reads an earlier stage which is not complete yet cannot be prepared: its
pilot runs in memory on the declared ranges and is discarded. Trials already in the storage are
used as they are (a resumed or complete stage runs no pilot trial).

A pipeline file is estimated the same way, study by study (`pilot_pipeline`): the first study of
each shape runs its pilot in its own storage when it is not there yet (real trials, counted toward
its `n_trials` by the run), else in memory, discarded.

Time per model fit: the duration of each complete pilot trial / its folds. A stage's (or study's)
estimate is (min..max of those per-fit times) x its declared fits (model fits + refits), divided by
the number of workers (an ideal division: threads share the GIL and the cores).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable

import optuna

from ftspec.campaign.model import Campaign, Stage
from ftspec.ir import Storage, Study
from ftspec.runtime import engine
from ftspec.runtime.optimize import FOLDS_ATTR

PILOT_TRIALS = 3
"""Trials of each shape's pilot (fewer when the stage declares fewer)."""


def shape_key(study: Study) -> str:
    """What makes two studies cost the same per fit: everything but id, seed, n_trials, storage, phases,
    forced trials and source locations (at any depth: two blocks of one pipeline file, alike but on
    different lines, have one shape)."""
    data = asdict(study)
    for key in ("id", "seed", "n_trials", "storage", "phases", "force_params"):
        data.pop(key, None)
    return repr(_without_sources(data))


def _without_sources(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_sources(v) for k, v in value.items() if k != "source"}
    if isinstance(value, list):
        return [_without_sources(v) for v in value]
    return value


@dataclass
class Timing:
    """Seconds per model fit measured on one shape's pilot."""

    per_fit: list[float]
    stage: str
    """What ran the pilot that measured them: `stage core`, `study ridge`."""
    where: str
    """One line: what ran and where."""


@dataclass
class StageEstimate:
    stage: str
    """What is estimated: `stage core`, `study ridge`."""
    fits: int
    model_fits: int
    refits: int
    timing: Timing
    low: float = field(init=False)
    high: float = field(init=False)
    """Seconds with one worker."""

    def __post_init__(self) -> None:
        self.low = min(self.timing.per_fit) * self.fits
        self.high = max(self.timing.per_fit) * self.fits


def per_fit_times(trials: list[optuna.trial.FrozenTrial]) -> list[float]:
    """Duration / folds of each complete trial (a trial without recorded folds counts one fit)."""
    out = []
    for t in trials:
        if t.state != optuna.trial.TrialState.COMPLETE or t.duration is None:
            continue
        folds = t.user_attrs.get(FOLDS_ATTR)
        out.append(t.duration.total_seconds() / max(1, len(folds) if isinstance(folds, list) else 1))
    return out


def _finished(ostudy: optuna.Study, n_trials: int) -> list[optuna.trial.FrozenTrial]:
    """The study's counted finished trials (not the waiting warm-start ones)."""
    return engine.tally(ostudy.get_trials(deepcopy=False), n_trials).counted


def run_pilot(runner: Any, in_memory: bool, n_trials: int = PILOT_TRIALS,
              memory_storage: Callable[[], Any] = optuna.storages.InMemoryStorage) -> tuple[dict[str, Timing], list[str]]:
    """Timing per stage name (shared by the stages of one shape) and the lines saying what ran where.

    `runner` is a `ftspec.campaign.run.CampaignRun` whose `run_study` takes `pilot=True` (one worker:
    the pilot's claims stay within its `n_trials`); `in_memory`: the campaign's storage is in memory."""
    shapes: dict[str, Timing] = {}
    timings: dict[str, Timing] = {}
    lines: list[str] = []
    for stage in runner.doc.campaign.stages:
        key = shape_key(runner.studies[stage.studies[0]])
        if key not in shapes:
            shapes[key] = _pilot_stage(runner, stage, in_memory, n_trials, memory_storage)
            lines.append(shapes[key].where)
        timings[stage.name] = shapes[key]
    return timings, lines


def pilot(what: str, sid: str, declared: int, k: int, existing: optuna.Study | None, in_memory: bool,
          run_here: Callable[[], list[optuna.trial.FrozenTrial]] | None,
          run_discarded: Callable[[], list[optuna.trial.FrozenTrial]], why_discarded: str | None) -> Timing:
    """The timing of one pilot, for a campaign stage or a pipeline study (`what`: `stage core`, `study ridge`).

    `sid`: the study timed, with `declared` trials; `existing`: it in the storage, or None. A study
    with complete trials is timed on them and runs nothing. Else `run_here` (None when the study
    cannot take the pilot where it lives) runs `k` trials in its storage and returns its finished
    trials; otherwise `run_discarded` runs them in memory, discarded, for the reason `why_discarded`."""
    trials = _finished(existing, declared) if existing is not None else []
    if per_fit_times(trials):
        # A started study (a resumed run, an earlier pilot): its trials are timed as they are. No pilot
        # runs on it: a pilot's smaller n_trials on a study another budget already claimed in could
        # leave claims the full run cannot honour (ftspec.runtime.engine counts under one n_trials).
        return Timing(per_fit_times(trials), what, f"pilot: {what}: no trial run, {len(trials)} trials of {sid} already in the storage")
    if run_here is not None and existing is None:
        trials = run_here()
        where = f"pilot: {what}: {k} trials of {sid}" + (
            " in memory (no storage): discarded when ftrun exits" if in_memory
            else f" in the storage (they count toward its {declared} trials)")
    else:
        trials = run_discarded()
        why = why_discarded or f"{sid} is started in the storage without a complete trial"
        where = f"pilot: {what}: {k} trials of {sid} in memory on the declared ranges, discarded ({why})"
    per_fit = per_fit_times(trials)
    if not per_fit:
        from ftspec.campaign.run import CampaignError

        raise CampaignError(f"{what}: no complete pilot trial in {sid}, nothing to time: cannot estimate")
    return Timing(per_fit, what, where)


def _every_finished(storage: Any, n_trials: int) -> list[optuna.trial.FrozenTrial]:
    return [t for summary in optuna.get_all_study_summaries(storage)
            for t in _finished(optuna.load_study(study_name=summary.study_name, storage=storage), n_trials)]


def pilot_pipeline(studies: list[tuple[Study, Any]], run_study: Callable[[Study, Any], None], n_trials: int = PILOT_TRIALS,
                   memory_storage: Callable[[], Any] = optuna.storages.InMemoryStorage) -> tuple[dict[str, Timing], list[str]]:
    """Timing per study id of a pipeline file (shared by the studies of one shape) and the lines saying what ran where.

    `studies`: each study (its storage as ftrun resolved it) with the Optuna storage it runs in;
    `run_study(study, storage)` runs it with one worker."""
    shapes: dict[str, Timing] = {}
    timings: dict[str, Timing] = {}
    lines: list[str] = []
    for study, storage in studies:
        key = shape_key(study)
        if key not in shapes:
            shapes[key] = _pilot_study(study, storage, run_study, n_trials, memory_storage)
            lines.append(shapes[key].where)
        timings[study.id] = shapes[key]
    return timings, lines


def _pilot_study(study: Study, storage: Any, run_study: Callable[[Study, Any], None], n_trials: int,
                 memory_storage: Callable[[], Any]) -> Timing:
    k = min(n_trials, study.n_trials)
    in_memory = isinstance(storage, optuna.storages.InMemoryStorage)
    name = study.storage.study_name if study.storage is not None and study.storage.study_name else study.id
    existing = None
    if not in_memory and study.approach != "individual":
        try:
            existing = optuna.load_study(study_name=name, storage=storage)
        except KeyError:
            pass
    why = None
    if study.phases:
        why = "it has phases, which a pilot of a few trials cannot follow; run without them"
    elif study.approach == "individual":
        why = "approach individual runs one study per fold"
    elif not in_memory and study.storage is not None and not study.storage.resume:
        why = "the IR says resume: false, so a pilot study in the storage would stop the run"

    def run_here() -> list[optuna.trial.FrozenTrial]:
        run_study(replace(study, n_trials=k), storage)
        if in_memory:  # ftrun's own in-memory storage: the study's name is Optuna's
            return _every_finished(storage, study.n_trials)
        return _finished(optuna.load_study(study_name=name, storage=storage), study.n_trials)

    def run_discarded() -> list[optuna.trial.FrozenTrial]:
        memory = memory_storage()
        run_study(replace(study, n_trials=k, phases=[], storage=Storage(url="memory", study_name=study.id, resume=True)), memory)
        return _every_finished(memory, k)  # `individual` made one study per fold: every fold's trials are timed

    return pilot(f"study {study.id}", name, study.n_trials, k, existing, in_memory, None if why else run_here, run_discarded, why)


def _pilot_stage(runner: Any, stage: Stage, in_memory: bool, n_trials: int, memory_storage: Callable[[], Any]) -> Timing:
    sid = stage.studies[0]
    k = min(n_trials, stage.n_trials)
    sources = [ref.stage for ref in (stage.warm_start, stage.narrow) if ref is not None]
    pending = [s for s in dict.fromkeys(sources) if not runner.complete(runner.stages[s])]

    def run_here() -> list[optuna.trial.FrozenTrial]:
        study = runner.prepare(stage, sid)
        runner.run_study(replace(study, n_trials=k), runner.storage, pilot=True)
        return _finished(runner._load(sid), stage.n_trials)

    def run_discarded() -> list[optuna.trial.FrozenTrial]:
        study = replace(runner.studies[sid], n_trials=k, storage=Storage(url="memory", study_name=sid, resume=True))
        storage = memory_storage()
        runner.run_study(study, storage, pilot=True)
        return _finished(optuna.load_study(study_name=sid, storage=storage), k)

    why = f"it reads stage {', '.join(pending)}, not complete yet" if pending else None
    return pilot(f"stage {stage.name}", sid, stage.n_trials, k, runner._load(sid), in_memory,
                 None if pending else run_here, run_discarded, why)


def estimate_stages(campaign: Campaign, timings: dict[str, Timing]) -> list[StageEstimate]:
    return [StageEstimate(f"stage {s.name}", s.work.model_fits + s.work.refits, s.work.model_fits, s.work.refits, timings[s.name])
            for s in campaign.stages]


def estimate_studies(studies: list[Study], timings: dict[str, Timing]) -> list[StageEstimate]:
    """The estimate of each study of a pipeline file, its fits counted as a campaign stage's (`study_work`)."""
    from ftspec.campaign.compile import study_work

    out = []
    for study in studies:
        work = study_work(study, study.n_trials, 1)
        out.append(StageEstimate(f"study {study.id}", work.model_fits + work.refits, work.model_fits, work.refits, timings[study.id]))
    return out


def duration_text(seconds: float) -> str:
    """`0.0123 s`, `4.5 min`, `3.2 h`: three significant digits."""
    if seconds < 60:
        return f"{seconds:.3g} s"
    if seconds < 3600:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def _range(low: float, high: float, workers: int) -> str:
    return f"{duration_text(low / workers)}..{duration_text(high / workers)} with {workers} worker{'s' if workers > 1 else ''}"


def render_estimate(estimates: list[StageEstimate], workers: list[int]) -> list[str]:
    """One line per stage (or study) and a total line, each with the range per worker count."""
    lines = []
    for e in estimates:
        per = f"{duration_text(min(e.timing.per_fit))}..{duration_text(max(e.timing.per_fit))} per fit"
        shared = f" (measured on {e.timing.stage})" if e.timing.stage != e.stage else ""
        lines.append(f"{e.stage}: {e.fits} fits ({e.model_fits} model fits + {e.refits} refits) x {per}{shared} = "
                     + ", ".join(_range(e.low, e.high, w) for w in workers))
    low, high = sum(e.low for e in estimates), sum(e.high for e in estimates)
    total = f"total: {sum(e.fits for e in estimates)} fits = " + ", ".join(_range(low, high, w) for w in workers)
    lines.append(total)
    return lines


def over_budget(campaign: Campaign, estimates: list[StageEstimate], workers: int) -> str | None:
    """The error when even the low end of the estimate with `workers` workers exceeds `budget.max_hours`, else None."""
    if campaign.budget is None or campaign.budget.max_hours is None:
        return None
    limit = campaign.budget.max_hours * 3600
    low, high = sum(e.low for e in estimates) / workers, sum(e.high for e in estimates) / workers
    if low <= limit:
        return None
    top = max(estimates, key=lambda e: e.high)
    share = top.high / sum(e.high for e in estimates) if sum(e.high for e in estimates) else 1.0
    return (f"campaign {campaign.name}: the estimate {duration_text(low)}..{duration_text(high)} with {workers} "
            f"worker{'s' if workers > 1 else ''} exceeds budget.max_hours {campaign.budget.max_hours:g} ({duration_text(limit)}) "
            f"by {duration_text(low - limit)}..{duration_text(high - limit)}; {top.stage} dominates "
            f"({duration_text(top.low / workers)}..{duration_text(top.high / workers)}, {share:.0%}); no full stage was run")


def budget_line(campaign: Campaign, estimates: list[StageEstimate], workers: int) -> str | None:
    """`budget.max_hours 0.1 (6 min): within with 2 workers` (or `...: may exceed it ...` when only the high end does)."""
    if campaign.budget is None or campaign.budget.max_hours is None:
        return None
    limit = campaign.budget.max_hours * 3600
    high = sum(e.high for e in estimates) / workers
    head = f"budget.max_hours {campaign.budget.max_hours:g} ({duration_text(limit)})"
    plural = "s" if workers > 1 else ""
    if high <= limit:
        return f"{head}: within it with {workers} worker{plural}"
    return f"{head}: may exceed it with {workers} worker{plural} (the high end is {duration_text(high)})"
