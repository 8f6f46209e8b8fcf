"""`ftrun --estimate CAMPAIGN`: a short pilot, the time of one model fit, and wall-time ranges per stage.

Stages of one *shape* (the same study but for its id, seed, n_trials and storage: same space,
splitter, model, ...) share a pilot: the first stage of each shape runs `PILOT_TRIALS` trials of its
first seed's study. The pilot runs in the campaign's storage, as real trials of that study, prepared
as the run prepares it (narrowed, warm start enqueued): they count toward its `n_trials` when the
campaign runs. A stage that reads an earlier stage which is not complete yet cannot be prepared: its
pilot runs in memory on the declared ranges and is discarded. Trials already in the storage are
used as they are (a resumed or complete stage runs no pilot trial).

Time per model fit: the duration of each complete pilot trial / its folds. A stage's estimate is
(min..max of those per-fit times) x its declared fits (model fits + refits), divided by the number
of workers (an ideal division: threads share the GIL and the cores).
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
    """What makes two stages' studies cost the same per fit: everything but id, seed, n_trials, storage, source."""
    data = asdict(study)
    for key in ("id", "seed", "n_trials", "storage", "source", "phases", "force_params"):
        data.pop(key, None)
    return repr(data)


@dataclass
class Timing:
    """Seconds per model fit measured on one shape's pilot."""

    per_fit: list[float]
    stage: str
    """The stage whose pilot measured them."""
    where: str
    """One line: what ran and where."""


@dataclass
class StageEstimate:
    stage: str
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


def _pilot_stage(runner: Any, stage: Stage, in_memory: bool, n_trials: int, memory_storage: Callable[[], Any]) -> Timing:
    sid = stage.studies[0]
    k = min(n_trials, stage.n_trials)
    sources = [ref.stage for ref in (stage.warm_start, stage.narrow) if ref is not None]
    pending = [s for s in dict.fromkeys(sources) if not runner.complete(runner.stages[s])]
    existing = runner._load(sid)
    trials = _finished(existing, stage.n_trials) if existing is not None else []
    if per_fit_times(trials):
        # A started study (a resumed run, an earlier pilot): its trials are timed as they are. No pilot
        # runs on it: a pilot's smaller n_trials on a study another budget already claimed in could
        # leave claims the full run cannot honour (ftspec.runtime.engine counts under one n_trials).
        return Timing(per_fit_times(trials), stage.name,
                      f"pilot: stage {stage.name}: no trial run, {len(trials)} trials of {sid} already in the storage")
    if not pending and existing is None:
        study = runner.prepare(stage, sid)
        runner.run_study(replace(study, n_trials=k), runner.storage, pilot=True)
        trials = _finished(runner._load(sid), stage.n_trials)
        where = f"pilot: stage {stage.name}: {k} trials of {sid}" + (
            " in memory (no storage): discarded when ftrun exits" if in_memory
            else f" in the storage (they count toward its {stage.n_trials} trials)")
    else:
        study = runner.studies[sid]
        study = replace(study, n_trials=k, storage=Storage(url="memory", study_name=sid, resume=True))
        storage = memory_storage()
        runner.run_study(study, storage, pilot=True)
        trials = _finished(optuna.load_study(study_name=sid, storage=storage), k)
        why = (f"it reads stage {', '.join(pending)}, not complete yet" if pending
               else f"{sid} is started in the storage without a complete trial")
        where = f"pilot: stage {stage.name}: {k} trials of {sid} in memory on the declared ranges, discarded ({why})"
    per_fit = per_fit_times(trials)
    if not per_fit:
        from ftspec.campaign.run import CampaignError

        raise CampaignError(f"stage {stage.name}: no complete pilot trial in {sid}, nothing to time: cannot estimate")
    return Timing(per_fit, stage.name, where)


def estimate_stages(campaign: Campaign, timings: dict[str, Timing]) -> list[StageEstimate]:
    return [StageEstimate(s.name, s.work.model_fits + s.work.refits, s.work.model_fits, s.work.refits, timings[s.name])
            for s in campaign.stages]


def duration_text(seconds: float) -> str:
    """`0.0123 s`, `4.5 min`, `3.2 h`: three significant digits."""
    if seconds < 60:
        return f"{seconds:.3g} s"
    if seconds < 3600:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def _range(low: float, high: float, workers: int) -> str:
    return f"{duration_text(low / workers)}..{duration_text(high / workers)} with {workers} worker{'s' if workers > 1 else ''}"


def render_estimate(campaign: Campaign, estimates: list[StageEstimate], workers: list[int]) -> list[str]:
    """One line per stage and a total line, each with the range per worker count."""
    lines = []
    for e in estimates:
        per = f"{duration_text(min(e.timing.per_fit))}..{duration_text(max(e.timing.per_fit))} per fit"
        shared = f" (measured on stage {e.timing.stage})" if e.timing.stage != e.stage else ""
        lines.append(f"stage {e.stage}: {e.fits} fits ({e.model_fits} model fits + {e.refits} refits) x {per}{shared} = "
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
            f"by {duration_text(low - limit)}..{duration_text(high - limit)}; stage {top.stage} dominates "
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
