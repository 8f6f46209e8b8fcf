"""Lowering a campaign file (`campaign:` at the top) to the campaign IR and its concrete studies.

`lower_campaign(doc, collector, compile_pipeline)` reads the located tree of the campaign file,
compiles the pipeline file(s) it names with `compile_pipeline` (the compiler's `compile_path`, passed
in so that this module never imports the compiler's entry point: the compiler hands campaign files
to this one), and returns the `CampaignDocument` (None when nothing can be lowered).

This module only dispatches and assembles, as the legacy front-end does: each key of the campaign
and of a stage has a reader registered with `@campaign_key` / `@stage_key` beside the FT6xx rules
in `ftspec/compiler/rules/campaign.py` (wrong types are the structure family's FT1xx, as in a
finetune_params block), which reports at its place in the campaign file and returns a plain value;
`_lower` and `_stage` call them in the order their values depend on each other, run the checks
across stages and build the campaign IR.
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import replace
from typing import Any, Callable

from ftspec.campaign.model import (
    Budget,
    Campaign,
    CampaignDocument,
    Decide,
    Narrow,
    NarrowedParam,
    Stage,
    WarmStart,
    Work,
    new_document,
    study_metric,
)
from ftspec.compiler.checks import CAMPAIGN_KEYS, STAGE_KEYS, Lowering
from ftspec.compiler.diagnostics import Collector
from ftspec.compiler.nodes import Mapping, Node
from ftspec.compiler.rules import campaign as C
from ftspec.ir import FloatParam, ForcedTrial, IntParam, SpaceEntry, Storage, Study, StudySource, optuna_name, place_at_path

CompilePipeline = Callable[[str], Any]
"""path -> `ftspec.compiler.compile.CompileResult`."""


def is_campaign(root: Node | None) -> bool:
    """A file whose top level is a mapping with a `campaign` key."""
    return isinstance(root, Mapping) and "campaign" in root


def study_id(campaign: str, stage: str, seed: int) -> str:
    """The id of a stage's study for one seed, also its name in the storage."""
    return f"{campaign}:{stage}:seed{seed}"


def _names(study: Study) -> dict[str, SpaceEntry]:
    return {optuna_name(e): e for e in study.space}


def _fmt(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value)) if abs(value) < 1e15 else repr(float(value))


def narrow_formulas(entry: IntParam | FloatParam, fraction: float) -> NarrowedParam:
    """The narrowed bounds of `entry` as formulas over `best` (resolved by `ftspec.campaign.run.narrowed_bounds`)."""
    if entry.log:
        half = fraction * (math.log10(entry.high) - math.log10(entry.low)) / 2
        low, high = f"max({_fmt(entry.low)}, best / 10**{_fmt(half)})", f"min({_fmt(entry.high)}, best * 10**{_fmt(half)})"
    else:
        half = fraction * (entry.high - entry.low) / 2
        low, high = f"max({_fmt(entry.low)}, best - {_fmt(half)})", f"min({_fmt(entry.high)}, best + {_fmt(half)})"
    step = entry.step
    if step is not None and not (isinstance(entry, FloatParam) and entry.log):
        low, high = f"{low} rounded down to the step grid", f"{high} rounded up to the step grid"
    return NarrowedParam(name=optuna_name(entry), kind=entry.kind, declared_low=entry.low, declared_high=entry.high,
                         log=entry.log, low=low, high=high)


_SPLIT_DEFAULTS = (("RepeatedStratifiedKFold", 50), ("RepeatedKFold", 50), ("GroupShuffleSplit", 5),
                   ("ShuffleSplit", 10), ("KFold", 5))


def n_folds(study: Study) -> int | None:
    """Model fits per trial known before the run: 1 for a holdout, the splitter's folds, None when unknown."""
    if study.approach == "single":
        return 1
    splitter = study.pipeline.splitter if study.pipeline is not None else None
    if splitter is None:
        return None
    params = splitter.params
    name = splitter.class_path.rsplit(".", 1)[-1]
    if isinstance(params.get("n_splits"), int) and not isinstance(params.get("n_splits"), bool):
        repeats = params.get("n_repeats", 10) if name.startswith("Repeated") else 1
        return int(params["n_splits"]) * int(repeats) if isinstance(repeats, int) else None
    for suffix, default in _SPLIT_DEFAULTS:
        if name.endswith(suffix):
            return default
    return None


# ------------------------------------------------------------------------------------------ lowering


_ACTIVE: set[str] = set()
"""Campaign files being lowered (a campaign naming itself, or another campaign, as its pipeline)."""


def study_work(study: Study, n_trials: int, seeds: int) -> Work:
    """The work `seeds` copies of `study` with `n_trials` each declare (folds counted as 1 when unknown;
    `individual` runs one study per fold, each trial one fit); one refit per study."""
    folds = n_folds(study)
    per_trial = folds or 1
    n_studies = seeds
    if study.approach == "individual":
        n_studies, per_trial = seeds * (folds or 1), 1
    pipeline = study.pipeline
    transforms = 0 if pipeline is None else len(pipeline.transforms) + (pipeline.y_processing is not None)
    fits = n_studies * n_trials * per_trial + n_studies
    return Work(studies=n_studies, trials=n_studies * n_trials, folds=folds if study.approach != "individual" else 1,
                model_fits=n_studies * n_trials * per_trial, refits=n_studies, transform_fits=fits * transforms)


def lower_campaign(doc: Any, collector: Collector, compile_pipeline: CompilePipeline) -> CampaignDocument | None:
    key = os.path.abspath(doc.path)
    _ACTIVE.add(key)
    try:
        return _lower(doc, collector, compile_pipeline)
    finally:
        _ACTIVE.discard(key)


def _lower(doc: Any, collector: Collector, compile_pipeline: CompilePipeline) -> CampaignDocument | None:
    block = C.read_campaign_block(Lowering(collector, doc.root))
    if block is None:
        return None
    lo = Lowering(collector, block)
    read = CAMPAIGN_KEYS.read
    compiled: dict[str, Any] = {}

    def load(path: str) -> Any:
        """The pipeline file at `path` compiled once per campaign; None for a campaign being lowered."""
        if os.path.abspath(path) in _ACTIVE:
            return None
        if path not in compiled:
            compiled[path] = compile_pipeline(path)
        return compiled[path]

    read("version", lo)
    name = read("name", lo)
    base_dir = os.path.dirname(doc.path)
    base = read("pipeline", lo, base_dir, load)
    storage = read("storage", lo)
    budget = read("budget", lo)
    min_gain, max_seed_spread = read("decide", lo)
    source = StudySource(file=doc.path, pointer=block.pointer, line=block.span.line, column=block.span.column)
    items = read("stages", lo)
    if items is None or name is None:
        return None
    C.check_storage(lo, storage, name)
    stages: list[Stage] = []
    studies: list[Study] = []
    bases: dict[str, tuple[Study, Node]] = {}
    seen_seeds: dict[int, str] = {}
    for item in items:
        lowered = _stage(lo, item, name, base, block.get("pipeline"), base_dir, load, storage, stages, bases, seen_seeds)
        if lowered is not None:
            stage, concrete = lowered
            stages.append(stage)
            studies.extend(concrete)
    total = Work(studies=sum(s.work.studies for s in stages), trials=sum(s.work.trials for s in stages), folds=None,
                 model_fits=sum(s.work.model_fits for s in stages), refits=sum(s.work.refits for s in stages),
                 transform_fits=sum(s.work.transform_fits for s in stages))
    max_hours, max_fits = budget if budget is not None else (None, None)
    C.check_budget(lo, max_fits, {s.name: s.work.model_fits + s.work.refits for s in stages})
    campaign = Campaign(name=name, source=source, storage=storage,
                        budget=Budget(max_hours=max_hours, max_fits=max_fits) if budget is not None else None, stages=stages,
                        decide=Decide(min_gain=min_gain, max_seed_spread=max_seed_spread), work=total)
    return new_document(campaign, studies)


def _scoring(study: Study) -> dict[str, Any]:
    metric, direction = study_metric(study)
    splitter = study.pipeline.splitter if study.pipeline is not None else None
    return {
        "metric": metric, "direction": direction, "approach": study.approach, "eval mode": study.eval_mode,
        "splitter": None if splitter is None else f"{splitter.class_path}({', '.join(f'{k}={v!r}' for k, v in sorted(splitter.params.items()))})",
        "validation": None if study.validation is None else f"holdout {study.validation.holdout_fraction} seed {study.validation.seed}",
    }


def _stage(campaign_lo: Lowering, item: Node, campaign: str, base: Study | None, base_node: Node | None, base_dir: str,
           load: C.LoadPipeline, storage: str | None, earlier: list[Stage], bases: dict[str, tuple[Study, Node]],
           seen_seeds: dict[int, str]) -> tuple[Stage, list[Study]] | None:
    block = C.read_stage_block(campaign_lo, item)
    if block is None:
        return None
    lo = Lowering(campaign_lo.collector, block)
    read = STAGE_KEYS.read
    by_name = {s.name: s for s in earlier}
    name, name_node = read("name", lo, by_name)
    study, study_node = read("pipeline", lo, base, base_node, base_dir, load)
    n_trials = read("n_trials", lo, name)
    trial_timeout = read("trial_timeout_seconds", lo)
    if study is not None and trial_timeout is not None:  # the stage's limit replaces its study's
        study = replace(study, trial_timeout_seconds=float(trial_timeout))
    seeds = read("seeds", lo, name)
    C.check_seed_reuse(lo, seeds, name, seen_seeds)
    warm = read("warm_start", lo, by_name)
    narrow_ref = read("narrow", lo, by_name)
    if name is not None and study is not None:
        bases[name] = (study, study_node or block)
    study = C.check_no_phases(lo, study, study_node or block)
    # Scored like the stages it is compared with or takes trials and ranges from.
    compare_with = earlier[-1].name if earlier else None
    if study is not None:
        own = block.get("pipeline")
        at = own if own is not None else name_node  # the stage's own pipeline, else its name
        others = [compare_with] + [ref[0] for ref in (warm, narrow_ref) if ref is not None]
        for other in dict.fromkeys(o for o in others if o is not None and o in bases):
            C.check_same_scoring(lo, at, name, other, _scoring(study), _scoring(bases[other][0]))
    if study is None or name is None or n_trials is None or not seeds:
        return None
    names = _names(study)
    search = read("search", lo, study, names)
    hold = read("hold", lo, study, names, search)
    narrow = None
    if narrow_ref is not None:
        source, fraction = narrow_ref
        narrowed = C.read_narrow_params(lo, study, names, search, source, by_name[source].search)
        narrow = Narrow(stage=source, fraction=fraction, params=[narrow_formulas(entry, fraction) for entry in narrowed])
    warm_start = None
    if warm is not None:
        warm_start = WarmStart(stage=warm[0], top=warm[1], studies=list(by_name[warm[0]].studies))
    concrete = [_concrete(study, campaign, name, seed, n_trials, search, hold, names, storage) for seed, _ in seeds]
    folds = n_folds(study)
    C.check_folds_known(lo, study_node or block, name, study, folds)
    work = study_work(study, n_trials, len(seeds))
    stage = Stage(name=name, n_trials=n_trials, seeds=[s for s, _ in seeds], search=search, hold=hold,
                  pipeline=f"{study.source.file}#{study.id}", compare_with=compare_with, warm_start=warm_start, narrow=narrow,
                  studies=[c.id for c in concrete], work=work)
    return stage, concrete


def _concrete(study: Study, campaign: str, stage: str, seed: int, n_trials: int, search: list[str], hold: dict[str, Any],
              names: dict[str, SpaceEntry], storage: str | None) -> Study:
    fixed_model, fixed_train = copy.deepcopy(study.fixed.model), copy.deepcopy(study.fixed.train)
    for name, value in hold.items():
        entry = names[name]
        place_at_path(fixed_model if entry.target == "model" else fixed_train, list(entry.path), value)
    space = [e for e in study.space if optuna_name(e) in search]
    kept = {e.name for e in space if e.target == "model"}, {e.name for e in space if e.target == "train"}
    forced = []
    for f in study.force_params:
        model = {k: v for k, v in f.model.items() if k in kept[0]}
        train = {k: v for k, v in f.train.items() if k in kept[1]}
        if model or train:
            forced.append(ForcedTrial(model=model, train=train))
    sid = study_id(campaign, stage, seed)
    return replace(
        study, id=sid, seed=seed, n_trials=n_trials, space=space, fixed=replace(study.fixed, model=fixed_model, train=fixed_train),
        force_params=forced, storage=Storage(url=storage, study_name=sid, resume=True) if storage is not None else None,
    )
