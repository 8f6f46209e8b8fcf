"""Running a campaign: stages in order, each seed a study in one Optuna storage, resumable at any point.

Every study is named `<campaign>:<stage>:seed<k>` in the storage. A stage's lineage is resolved
from the storage when the stage starts, and written on each of its studies (user attrs), so that a
resumed run uses exactly what the first one used:

- `narrow`: the best trial over every seed of the source stage gives `best`; each narrowed range is
  `narrowed_bounds` of it (the formulas of the IR), stored as `ftspec:campaign:narrowed`;
- `warm_start`: the `top` best complete trials of each seed of the source stage (held values of the
  source filled in, values clipped into this study's ranges, duplicates dropped) are enqueued when
  the study is created, then `ftspec:campaign:warm_start` records them. A run killed between the
  creation and that record enqueues the missing ones on resume (`skip_if_exists`), before any trial.

Warm-start trials are part of the study's `n_trials` (the engine's claims count enqueued trials
like any other), so each study ends with exactly its `n_trials` counted trials.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import optuna

from ftspec.campaign.decide import StudyResult, decide
from ftspec.campaign.model import CampaignDocument, Stage, study_metric
from ftspec.ir import FloatParam, IntParam, SpaceEntry, Storage, Study, optuna_name
from ftspec.runtime import engine
from ftspec.runtime.space import expand_forced, flat_from_optuna

NARROWED_ATTR = "ftspec:campaign:narrowed"
WARM_ATTR = "ftspec:campaign:warm_start"


class CampaignError(Exception):
    """What stops a campaign before a stage runs (exit 1)."""


def narrowed_bounds(entry: IntParam | FloatParam, best: float, fraction: float) -> tuple[float, float]:
    """The narrowed (low, high) of `entry` around `best`, as its `NarrowedParam` formulas say; on the
    entry's step grid (rounded outwards), within the declared range."""
    if entry.log:
        half = fraction * (math.log10(entry.high) - math.log10(entry.low)) / 2
        low, high = max(entry.low, best / 10**half), min(entry.high, best * 10**half)
    else:
        half = fraction * (entry.high - entry.low) / 2
        low, high = max(entry.low, best - half), min(entry.high, best + half)
    step = entry.step if isinstance(entry, IntParam) or not entry.log else None
    if step is not None:
        low = entry.low + math.floor(round((low - entry.low) / step, 9)) * step
        high = min(entry.high, entry.low + math.ceil(round((high - entry.low) / step, 9)) * step)
    if isinstance(entry, IntParam):
        return int(low), int(high)
    return float(low), float(high)


def _clip(entry: SpaceEntry, value: Any) -> Any:
    if isinstance(entry, (IntParam, FloatParam)) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return min(max(value, entry.low), entry.high)
    return value


@dataclass
class CampaignRun:
    """One `ftrun` of a campaign: where its studies live and how each study is run."""

    doc: CampaignDocument
    storage: Any
    """An Optuna storage object (every study of the campaign is in it)."""
    run_study: Callable[..., Any]
    """(concrete study, storage, pilot=False) -> the `Report` of `ftspec.runtime.optimize` (ftrun's call, with its adapter and data; `pilot`: one worker)."""
    echo: Callable[[str], None] = print
    run_stage: Callable[[Stage, list[Study]], None] | None = None
    """(stage, its prepared studies) -> None once every study has its `n_trials`: the seeds at the same time
    (`ftspec.campaign.workers`); None runs them one after the other with `run_study`."""
    studies: dict[str, Study] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.studies = {s.id: s for s in self.doc.studies}
        self.stages = {s.name: s for s in self.doc.campaign.stages}

    # -------------------------------------------------------------------------------- storage reads

    def _load(self, study_id: str) -> optuna.Study | None:
        try:
            return optuna.load_study(study_name=study_id, storage=self.storage)
        except KeyError:
            return None

    def complete(self, stage: Stage) -> bool:
        """Every study of the stage has its `n_trials` counted trials."""
        for sid in stage.studies:
            ostudy = self._load(sid)
            if ostudy is None or len(engine.tally(ostudy.get_trials(deepcopy=False), stage.n_trials).counted) < stage.n_trials:
                return False
        return True

    def results(self, stage: Stage) -> list[StudyResult]:
        """Each seed's best (value, params by name, held values included) read from the storage."""
        out = []
        metric, direction = study_metric(self.studies[stage.studies[0]])
        for seed, sid in zip(stage.seeds, stage.studies):
            ostudy = self._load(sid)
            trials = [t for t in engine.counted_trials(ostudy) if t.state == optuna.trial.TrialState.COMPLETE] if ostudy else []
            trials.sort(key=lambda t: t.value, reverse=direction == "maximize")
            out.append(StudyResult(seed=seed, study=sid, n_finished=len(engine.counted_trials(ostudy)) if ostudy else 0,
                                   best_value=trials[0].value if trials else None,
                                   best_params=self._params(sid, stage, trials[0]) if trials else None,
                                   ranked=[self._params(sid, stage, t) for t in trials]))
        return out

    def _params(self, sid: str, stage: Stage, trial: Any) -> dict[str, Any]:
        model, train = flat_from_optuna(self.studies[sid], trial.params)
        sampled = {**model, **{f"train:{k}": v for k, v in train.items()}}
        return {**stage.hold, **{k: (list(v) if isinstance(v, tuple) else v) for k, v in sampled.items()}}

    # -------------------------------------------------------------------------------- lineage

    def _narrowed(self, stage: Stage, study: Study, ostudy: optuna.Study | None) -> Study:
        if stage.narrow is None:
            return study
        stored = ostudy.user_attrs.get(NARROWED_ATTR) if ostudy is not None else None
        if stored is None:
            source = self.stages[stage.narrow.stage]
            best = _best(self.results(source), study_metric(study)[1])
            if best is None:
                raise CampaignError(f"stage {stage.name!r} narrows around stage {source.name!r}, which has no complete trial")
            stored = {}
            for p in stage.narrow.params:
                entry = next(e for e in study.space if optuna_name(e) == p.name)
                stored[p.name] = list(narrowed_bounds(entry, best[p.name], stage.narrow.fraction))  # type: ignore[arg-type]
        space = [replace(e, low=stored[optuna_name(e)][0], high=stored[optuna_name(e)][1]) if optuna_name(e) in stored else e
                 for e in study.space]
        return replace(study, space=space)

    def _warm(self, stage: Stage, study: Study) -> list[dict[str, Any]]:
        if stage.warm_start is None:
            return []
        out: list[dict[str, Any]] = []
        for result in self.results(self.stages[stage.warm_start.stage]):
            for params in result.ranked[: stage.warm_start.top]:
                model, train = {}, {}
                for entry in study.space:
                    name = optuna_name(entry)
                    if name in params:
                        (model if entry.target == "model" else train)[entry.name] = _clip(entry, params[name])
                forced = expand_forced(study, model, train)
                if forced not in out:
                    out.append(forced)
        return out

    def prepare(self, stage: Stage, sid: str) -> Study:
        """The study of `sid` with its resolved lineage, created in the storage with its warm start enqueued."""
        study = self.studies[sid]
        study = replace(study, storage=Storage(url=study.storage.url if study.storage else "memory", study_name=sid, resume=True))
        existing = self._load(sid)
        study = self._narrowed(stage, study, existing)
        ostudy = engine.open_study(study, storage=self.storage, study_name=sid)
        if stage.narrow is not None and NARROWED_ATTR not in ostudy.user_attrs:
            ostudy.set_user_attr(NARROWED_ATTR, {optuna_name(e): [e.low, e.high] for e in study.space  # type: ignore[union-attr]
                                                 if any(p.name == optuna_name(e) for p in stage.narrow.params)})
        if stage.warm_start is not None and WARM_ATTR not in ostudy.user_attrs:
            warm = self._warm(stage, study)
            for params in warm:
                ostudy.enqueue_trial(params, skip_if_exists=True)
            ostudy.set_user_attr(WARM_ATTR, warm)
        return study

    # -------------------------------------------------------------------------------- running

    def run(self, only: str | None = None) -> dict[str, Any] | None:
        """Run every stage in order (a complete stage is only read), or the stage `only` (rerun from scratch
        when it is complete); the decision once every stage is complete, else None."""
        stages = self.doc.campaign.stages
        if only is not None:
            if only not in self.stages:
                raise CampaignError(f"no stage {only!r} in campaign {self.doc.campaign.name!r} (stages: {', '.join(self.stages)})")
            stage = self.stages[only]
            for ref in (stage.warm_start, stage.narrow):
                if ref is not None and not self.complete(self.stages[ref.stage]):
                    raise CampaignError(f"stage {only!r} reads stage {ref.stage!r}, which is not complete in the storage: run it first")
            if self.complete(stage):
                for sid in stage.studies:
                    optuna.delete_study(study_name=sid, storage=self.storage)
                self.echo(f"ftrun: rerunning stage {only}: its {len(stage.studies)} studies were deleted from the storage")
            stages = [stage]
        for stage in stages:
            if self.complete(stage):
                self.echo(f"ftrun: stage {stage.name}: complete in the storage ({len(stage.studies)} studies), not run again")
                continue
            self.echo(f"ftrun: stage {stage.name}: {len(stage.studies)} studies x {stage.n_trials} trials")
            if self.run_stage is not None:
                # Every study is created with its lineage before any worker starts: workers only join them.
                self.run_stage(stage, [self.prepare(stage, sid) for sid in stage.studies])
                continue
            for sid in stage.studies:
                study = self.prepare(stage, sid)
                self.run_study(study, self.storage)
        if not all(self.complete(s) for s in self.doc.campaign.stages):
            return None
        return decide(self.doc.campaign, {s.name: self.results(s) for s in self.doc.campaign.stages},
                      {s.name: self.studies[s.studies[0]] for s in self.doc.campaign.stages})


def _best(results: list[StudyResult], direction: str) -> dict[str, Any] | None:
    done = [r for r in results if r.best_value is not None]
    if not done:
        return None
    pick = min if direction == "minimize" else max
    return pick(done, key=lambda r: r.best_value).best_params  # type: ignore[arg-type,return-value]
