"""Lowering a campaign file (`campaign:` at the top) to the campaign IR and its concrete studies.

`lower_campaign(doc, collector, compile_pipeline)` reads the located tree of the campaign file,
compiles the pipeline file(s) it names with `compile_pipeline` (the compiler's `compile_path`, passed
in so that this module never imports the compiler's entry point: the compiler hands campaign files
to this one), and returns the `CampaignDocument` (None when nothing can be lowered). Every finding is
reported at its place in the campaign file (FT6xx in `ftspec.compiler.rules.campaign`; wrong types
are the structure family's FT1xx, as in a finetune_params block).
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
from ftspec.compiler.diagnostics import Collector
from ftspec.compiler.frontends.common import ANNOTATION_KEY, Lowering, did_you_mean, read_int, read_number, read_str
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, to_python
from ftspec.compiler.rules import campaign as C
from ftspec.ir import CategoricalParam, FloatParam, ForcedTrial, IntParam, SortedTupleParam, SpaceEntry, Storage, Study, StudySource, optuna_name, place_at_path
from ftspec.schema.vocab import SEED_MAX

CAMPAIGN_KEYS = ("version", "name", "pipeline", "storage", "budget", "stages", "decide")
STAGE_KEYS = ("name", "n_trials", "seeds", "search", "hold", "warm_start", "narrow", "pipeline", "trial_timeout_seconds")
BUDGET_KEYS = ("max_hours", "max_fits")
DECIDE_KEYS = ("min_gain", "max_seed_spread")
WARM_KEYS = ("from", "top")
NARROW_KEYS = ("from", "fraction", "params")

CompilePipeline = Callable[[str], Any]
"""path -> `ftspec.compiler.compile.CompileResult`."""


def is_campaign(root: Node | None) -> bool:
    """A file whose top level is a mapping with a `campaign` key."""
    return isinstance(root, Mapping) and "campaign" in root


def study_id(campaign: str, stage: str, seed: int) -> str:
    """The id of a stage's study for one seed, also its name in the storage."""
    return f"{campaign}:{stage}:seed{seed}"


# ------------------------------------------------------------------------------------------ reading


class _Reader:
    def __init__(self, doc: Any, collector: Collector, compile_pipeline: CompilePipeline) -> None:
        self.doc = doc
        self.collector = collector
        self.compile_pipeline = compile_pipeline
        self.pipelines: dict[str, Any] = {}

    def lo(self, node: Mapping) -> Lowering:
        return Lowering(self.collector, node)

    def mapping(self, node: Node | None, what: str, keys: tuple[str, ...]) -> Mapping | None:
        if node is None or (isinstance(node, Scalar) and node.value is None):
            return None
        if not isinstance(node, Mapping):
            self.collector.report(C.INVALID_CAMPAIGN_VALUE, node, what=what, reason="expected a mapping")
            return None
        for entry in node.entries:
            key = entry.key.value
            if key not in keys and key != ANNOTATION_KEY:
                self.collector.report(C.UNKNOWN_CAMPAIGN_KEY, entry.key, key=key, owner=what, hint=did_you_mean(key, keys))
        return node

    def invalid(self, node: Node, what: str, reason: str) -> None:
        self.collector.report(C.INVALID_CAMPAIGN_VALUE, node, what=what, reason=reason)

    def name(self, owner: Mapping, what: str) -> tuple[str | None, Node]:
        node = owner.get("name")
        if node is None:
            self.invalid(owner, what, "`name` is missing")
            return None, owner
        value = read_str(self.lo(owner), node, "name", nonempty=True)
        if value is not None and (":" in value or "#" in value):
            self.invalid(node, f"{what} name {value!r}", "':' and '#' are not allowed (they separate the parts of study names)")
            return None, node
        return value, node

    def pipeline(self, node: Node, base_dir: str) -> Study | None:
        """The one study a `pipeline` value names (`file` or `file#id`), or None with FT603."""
        text = read_str(self.lo(Mapping([], node.span, node.pointer)), node, "pipeline", nonempty=True)
        if text is None:
            return None
        path, _, wanted = text.partition("#")
        full = path if os.path.isabs(path) else os.path.join(base_dir, path)
        if os.path.abspath(full) in _ACTIVE:
            self.collector.report(C.CAMPAIGN_PIPELINE, node, pipeline=text, reason="is a campaign file, not a pipeline")
            return None
        if full not in self.pipelines:
            self.pipelines[full] = self.compile_pipeline(full)
        result = self.pipelines[full]
        if getattr(result, "campaign", None) is not None:
            self.collector.report(C.CAMPAIGN_PIPELINE, node, pipeline=text, reason="is a campaign file, not a pipeline")
            return None
        if result.unreadable:
            reason = next((d.message for d in result.diagnostics if d.severity == "error"), "cannot be read")
            self.collector.report(C.CAMPAIGN_PIPELINE, node, pipeline=text, reason=reason)
            return None
        errors = [d for d in result.diagnostics if d.severity == "error"]
        if errors:
            self.collector.report(C.CAMPAIGN_PIPELINE, node, pipeline=text,
                                  reason=f"has {len(errors)} error(s) (first: {errors[0].code} at line {errors[0].line}): run ftlint {path}")
            return None
        ids = [s.id for s in result.ir.studies]
        if wanted:
            if wanted not in ids:
                self.collector.report(C.CAMPAIGN_PIPELINE, node, pipeline=text,
                                      reason=f"has no study {wanted!r} (studies: {', '.join(map(repr, ids)) or 'none'})")
                return None
            return self.single_objective(result.ir.studies[ids.index(wanted)], node, text)
        if len(ids) != 1:
            reason = "has no study" if not ids else f"has {len(ids)} studies ({', '.join(map(repr, ids))}): name one as {path}#<study id>"
            self.collector.report(C.CAMPAIGN_PIPELINE, node, pipeline=text, reason=reason)
            return None
        return self.single_objective(result.ir.studies[0], node, text)

    def single_objective(self, study: Study, node: Node, text: str) -> Study | None:
        """`study`, or None with FT613 when it has several objectives (decide, warm_start and narrow read one best value)."""
        if len(study.objectives) > 1:
            self.collector.report(C.MULTI_OBJECTIVE, node, pipeline=text, study=study.id, n=len(study.objectives),
                                  metrics=", ".join(o.metric for o in study.objectives))
            return None
        return study


def _names(study: Study) -> dict[str, SpaceEntry]:
    return {optuna_name(e): e for e in study.space}


def _in_domain(entry: SpaceEntry, value: Any) -> str | None:
    if isinstance(entry, CategoricalParam):
        return None if any(value == c and type(value) is type(c) for c in entry.choices) else f"not one of {entry.choices}"
    if isinstance(entry, (IntParam, FloatParam)):
        integral = isinstance(entry, IntParam)
        ok = isinstance(value, int if integral else (int, float)) and not isinstance(value, bool)
        if not ok or not (entry.low <= value <= entry.high):
            return f"not {'an integer' if integral else 'a number'} in [{entry.low}, {entry.high}]"
        return None
    if isinstance(entry, SortedTupleParam):
        if not isinstance(value, list) or not (entry.length_low <= len(value) <= entry.length_high):
            return f"not a list of {entry.length_low} to {entry.length_high} numbers"
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and entry.element.low <= v <= entry.element.high for v in value):
            return f"an element is outside [{entry.element.low}, {entry.element.high}]"
    return None


def default_hold(entry: SpaceEntry) -> Any:
    """The value a parameter is held at when `hold` does not name it: a categorical's first choice, a range's low bound."""
    if isinstance(entry, CategoricalParam):
        return entry.choices[0]
    if isinstance(entry, SortedTupleParam):
        return sorted([entry.element.low] * entry.length_low)
    return entry.low


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
    return Work(studies=n_studies, trials=n_studies * n_trials, folds=folds if study.approach != "individual" else 1,
                model_fits=n_studies * n_trials * per_trial, refits=n_studies)


def lower_campaign(doc: Any, collector: Collector, compile_pipeline: CompilePipeline) -> CampaignDocument | None:
    key = os.path.abspath(doc.path)
    _ACTIVE.add(key)
    try:
        return _lower(doc, collector, compile_pipeline)
    finally:
        _ACTIVE.discard(key)


def _lower(doc: Any, collector: Collector, compile_pipeline: CompilePipeline) -> CampaignDocument | None:
    root: Mapping = doc.root
    reader = _Reader(doc, collector, compile_pipeline)
    for entry in root.entries:
        if entry.key.value not in ("campaign", ANNOTATION_KEY):
            collector.report(C.UNKNOWN_CAMPAIGN_KEY, entry.key, key=entry.key.value, owner="the file (a campaign file has only `campaign`)", hint="")
    node = root.get("campaign")
    block = reader.mapping(node, "campaign", CAMPAIGN_KEYS)
    if block is None:
        if node is not None and not isinstance(node, Mapping):
            return None
        collector.report(C.INVALID_CAMPAIGN_VALUE, node or root, what="campaign", reason="empty: a campaign needs version, name, pipeline and stages")
        return None
    lo = reader.lo(block)
    version = block.get("version")
    if version is None:
        reader.invalid(block, "campaign", "`version` is missing: write `version: 2`")
    elif not (isinstance(version, Scalar) and version.value == 2 and not isinstance(version.value, bool)):
        reader.invalid(version, "version", f"campaigns are version 2, not {to_python(version)!r}")
    name, _ = reader.name(block, "campaign")
    base_dir = os.path.dirname(doc.path)
    base: Study | None = None
    pipeline_node = block.get("pipeline")
    if pipeline_node is None:
        reader.invalid(block, "campaign", "`pipeline` is missing: the pipeline file whose study the stages tune")
    else:
        base = reader.pipeline(pipeline_node, base_dir)
    storage = None
    if block.get("storage") is not None:
        storage = read_str(lo, block.get("storage"), "storage", nullable=True, nonempty=True)  # type: ignore[arg-type]
    budget = _budget(reader, block.get("budget"))
    decide = _decide(reader, block.get("decide"))
    source = StudySource(file=doc.path, pointer=block.pointer, line=block.span.line, column=block.span.column)
    stages_node = block.get("stages")
    if not isinstance(stages_node, Sequence) or not stages_node.items:
        reader.invalid(stages_node or block, "stages", "a campaign needs a non-empty list of stages")
        return None
    if name is None:
        return None
    if storage is None:
        collector.report(C.NO_STORAGE, block, name=name)
    stages: list[Stage] = []
    studies: list[Study] = []
    bases: dict[str, tuple[Study, Node]] = {}
    seen_seeds: dict[int, str] = {}
    for item in stages_node.items:
        lowered = _stage(reader, item, name, base, pipeline_node, base_dir, storage, stages, bases, seen_seeds)
        if lowered is not None:
            stage, concrete = lowered
            stages.append(stage)
            studies.extend(concrete)
    total = Work(studies=sum(s.work.studies for s in stages), trials=sum(s.work.trials for s in stages), folds=None,
                 model_fits=sum(s.work.model_fits for s in stages), refits=sum(s.work.refits for s in stages))
    if budget is not None and budget.max_fits is not None and stages:
        fits = total.model_fits + total.refits
        if fits > budget.max_fits:
            top = max(stages, key=lambda s: s.work.model_fits + s.work.refits)
            at = block.get("budget").get("max_fits")  # type: ignore[union-attr]
            collector.report(C.BUDGET_EXCEEDED, at, fits=fits, limit=budget.max_fits, over=fits - budget.max_fits, stage=top.name,
                             stage_fits=top.work.model_fits + top.work.refits)
    campaign = Campaign(name=name, source=source, storage=storage, budget=budget, stages=stages, decide=decide, work=total)
    return new_document(campaign, studies)


def _budget(reader: _Reader, node: Node | None) -> Budget | None:
    block = reader.mapping(node, "budget", BUDGET_KEYS)
    if block is None:
        return None
    lo = reader.lo(block)
    hours = fits = None
    if block.get("max_hours") is not None:
        hours = read_number(lo, block.get("max_hours"), "max_hours", exclusive_minimum=0, nullable=True)  # type: ignore[arg-type]
    if block.get("max_fits") is not None:
        fits = read_int(lo, block.get("max_fits"), "max_fits", minimum=1, nullable=True)  # type: ignore[arg-type]
    return Budget(max_hours=float(hours) if hours is not None else None, max_fits=fits)


def _decide(reader: _Reader, node: Node | None) -> Decide:
    block = reader.mapping(node, "decide", DECIDE_KEYS)
    gain, spread = 0.0, None
    if block is not None:
        lo = reader.lo(block)
        if block.get("min_gain") is not None:
            gain = read_number(lo, block.get("min_gain"), "min_gain", minimum=0) or 0.0  # type: ignore[arg-type]
        if block.get("max_seed_spread") is not None:
            spread = read_number(lo, block.get("max_seed_spread"), "max_seed_spread", exclusive_minimum=0, nullable=True)  # type: ignore[arg-type]
    return Decide(min_gain=float(gain), max_seed_spread=float(spread) if spread is not None else None)


def _scoring(study: Study) -> dict[str, Any]:
    metric, direction = study_metric(study)
    splitter = study.pipeline.splitter if study.pipeline is not None else None
    return {
        "metric": metric, "direction": direction, "approach": study.approach, "eval mode": study.eval_mode,
        "splitter": None if splitter is None else f"{splitter.class_path}({', '.join(f'{k}={v!r}' for k, v in sorted(splitter.params.items()))})",
        "validation": None if study.validation is None else f"holdout {study.validation.holdout_fraction} seed {study.validation.seed}",
    }


def _stage(reader: _Reader, item: Node, campaign: str, base: Study | None, base_node: Node | None, base_dir: str,
           storage: str | None, earlier: list[Stage], bases: dict[str, tuple[Study, Node]],
           seen_seeds: dict[int, str]) -> tuple[Stage, list[Study]] | None:
    collector = reader.collector
    block = reader.mapping(item, "stage", STAGE_KEYS)
    if block is None:
        if not isinstance(item, Mapping):
            return None
        reader.invalid(item, "stage", "empty")
        return None
    lo = reader.lo(block)
    name, name_node = reader.name(block, "stage")
    if name is not None and any(s.name == name for s in earlier):
        reader.invalid(name_node, f"stage {name!r}", "an earlier stage has the same name")
        name = None
    study, study_node = base, base_node
    if block.get("pipeline") is not None:
        study, study_node = reader.pipeline(block.get("pipeline"), base_dir), block.get("pipeline")  # type: ignore[assignment]
    n_trials = None
    if block.get("n_trials") is None:
        reader.invalid(block, f"stage {name!r}", "`n_trials` is missing")
    else:
        n_trials = read_int(lo, block.get("n_trials"), "n_trials", minimum=1)  # type: ignore[arg-type]
    trial_timeout = None
    if block.get("trial_timeout_seconds") is not None:
        trial_timeout = read_number(lo, block.get("trial_timeout_seconds"), "trial_timeout_seconds",  # type: ignore[arg-type]
                                    exclusive_minimum=0, nullable=True)
    if study is not None and trial_timeout is not None:  # the stage's limit replaces its study's
        study = replace(study, trial_timeout_seconds=float(trial_timeout))
    seeds = _seeds(reader, block, name)
    for seed, node in seeds:
        if seed in seen_seeds and name is not None:
            collector.report(C.SEED_REUSED, node, seed=seed, stage=name, earlier=seen_seeds[seed])
    for seed, _ in seeds:
        seen_seeds.setdefault(seed, name or "?")
    by_name = {s.name: s for s in earlier}
    warm = _reference(reader, block, "warm_start", WARM_KEYS, by_name)
    narrow_ref = _reference(reader, block, "narrow", NARROW_KEYS, by_name)
    if name is not None and study is not None:
        bases[name] = (study, study_node or block)
    if study is not None and study.phases:
        collector.report(C.CAMPAIGN_PIPELINE, study_node or block, pipeline=study.id,
                         reason="its study has phases; a campaign stage runs the study's one sampler (remove `phases`)")
        study = None
    # Scored like the stages it is compared with or takes trials and ranges from.
    compare_with = earlier[-1].name if earlier else None
    if study is not None:
        others = [compare_with] + [ref[0] for ref in (warm, narrow_ref) if ref is not None]
        for other in dict.fromkeys(o for o in others if o is not None and o in bases):
            theirs, mine = _scoring(bases[other][0]), _scoring(study)
            for what in mine:
                if mine[what] != theirs[what]:
                    collector.report(C.STAGE_MISMATCH, study_node if block.get("pipeline") is not None else name_node,
                                     stage=name, other=other, what=what, mine=mine[what], theirs=theirs[what])
    if study is None or name is None or n_trials is None or not seeds:
        return None
    names = _names(study)
    search = _search(reader, block, study, names)
    hold = _hold(reader, block, study, names, search)
    narrow = None
    if narrow_ref is not None:
        narrow = _narrow(reader, block.get("narrow"), narrow_ref, study, names, search, by_name)  # type: ignore[arg-type]
    warm_start = None
    if warm is not None:
        warm_start = WarmStart(stage=warm[0], top=warm[1], studies=list(by_name[warm[0]].studies))
    concrete = [_concrete(study, campaign, name, seed, n_trials, search, hold, names, storage) for seed, _ in seeds]
    concrete = [c for c in concrete if c is not None]
    if n_folds(study) is None and study.pipeline is not None and study.pipeline.splitter is not None:
        collector.report(C.UNKNOWN_FOLDS, study_node or block, stage=name, splitter=study.pipeline.splitter.class_path)
    work = study_work(study, n_trials, len(seeds))
    stage = Stage(name=name, n_trials=n_trials, seeds=[s for s, _ in seeds], search=search, hold=hold,
                  pipeline=f"{study.source.file}#{study.id}", compare_with=compare_with, warm_start=warm_start, narrow=narrow,
                  studies=[c.id for c in concrete], work=work)
    return stage, concrete


def _seeds(reader: _Reader, block: Mapping, stage: str | None) -> list[tuple[int, Node]]:
    node = block.get("seeds")
    if node is None:
        reader.invalid(block, f"stage {stage!r}", "`seeds` is missing: a list of sampler seeds, one study each")
        return []
    if not isinstance(node, Sequence) or not node.items:
        reader.invalid(node, "seeds", "expected a non-empty list of integers")
        return []
    out: list[tuple[int, Node]] = []
    lo = reader.lo(block)
    for item in node.items:
        seed = read_int(lo, item, "seeds", minimum=0, maximum=SEED_MAX)
        if seed is None:
            continue
        if any(seed == s for s, _ in out):
            reader.collector.report(C.DUPLICATE_SEED, item, seed=seed, stage=stage)
            continue
        out.append((seed, item))
    return out


def _reference(reader: _Reader, block: Mapping, key: str, keys: tuple[str, ...], by_name: dict[str, Stage]) -> tuple[str, Any] | None:
    """(stage name, top | fraction) of a `warm_start` / `narrow` mapping whose `from` is an earlier stage."""
    node = reader.mapping(block.get(key), key, keys)
    if node is None:
        return None
    lo = reader.lo(node)
    source = node.get("from")
    if source is None:
        reader.invalid(node, key, "`from` is missing: the earlier stage to read")
        return None
    ref = read_str(lo, source, "from", nonempty=True)
    if ref is None:
        return None
    if ref not in by_name:
        reader.collector.report(C.UNKNOWN_STAGE, source, key=key, value=ref, hint=did_you_mean(ref, list(by_name)))
        return None
    if key == "warm_start":
        top = 1
        if node.get("top") is not None:
            top = read_int(lo, node.get("top"), "top", minimum=1)  # type: ignore[arg-type]
        return (ref, top) if top is not None else None
    if node.get("fraction") is None:
        reader.invalid(node, key, "`fraction` is missing: the share of the declared width kept, in (0, 1]")
        return None
    fraction = read_number(lo, node.get("fraction"), "fraction", exclusive_minimum=0, maximum=1)  # type: ignore[arg-type]
    return (ref, float(fraction)) if fraction is not None else None


def _search(reader: _Reader, block: Mapping, study: Study, names: dict[str, SpaceEntry]) -> list[str]:
    node = block.get("search")
    if node is None:
        return list(names)
    if not isinstance(node, Sequence):
        reader.invalid(node, "search", "expected a list of parameter names")
        return list(names)
    wanted: list[str] = []
    for item in node.items:
        if not (isinstance(item, Scalar) and isinstance(item.value, str)):
            reader.invalid(item, "search", "expected a parameter name")
        elif item.value not in names:
            reader.collector.report(C.UNKNOWN_SPACE_PARAM, item, key="search", name=item.value, study=study.id,
                                    hint=did_you_mean(item.value, list(names)))
        elif item.value not in wanted:
            wanted.append(item.value)
    return [n for n in names if n in wanted]  # the space's order: parents before dependants


def _hold(reader: _Reader, block: Mapping, study: Study, names: dict[str, SpaceEntry], search: list[str]) -> dict[str, Any]:
    """Every parameter not searched, with its value (a value in error is reported and replaced by the default)."""
    node = block.get("hold")
    given: dict[str, Any] = {}
    if node is not None and not isinstance(node, Mapping):
        reader.invalid(node, "hold", "expected a mapping of parameter names to values")
    elif node is not None:
        for entry in node.entries:
            key, value_node = entry.key.value, entry.value
            if key == ANNOTATION_KEY:
                continue
            if key not in names:
                reader.collector.report(C.UNKNOWN_SPACE_PARAM, entry.key, key="hold", name=key, study=study.id, hint=did_you_mean(key, list(names)))
                continue
            if key in search:
                reader.invalid(entry.key, f"hold {key!r}", "the parameter is also in `search`: a parameter is searched or held, not both")
                continue
            value = to_python(value_node)
            problem = _in_domain(names[key], value)
            if problem is not None:
                reader.invalid(value_node, f"hold {key!r}", f"{value!r} is {problem}")
                continue
            given[key] = value
    for entry_name, entry in names.items():
        cond = entry.condition
        if entry_name in search and cond is not None:
            parent = cond.param if entry.target == "model" else f"train:{cond.param}"
            if parent not in search:
                reader.invalid(block.get("search") or block, f"search {entry_name!r}",
                               f"it is sampled only under a condition on {parent!r}, which is held: search {parent!r} too")
    return {n: given.get(n, default_hold(e)) for n, e in names.items() if n not in search}


def _narrow(reader: _Reader, node: Mapping, ref: tuple[str, float], study: Study, names: dict[str, SpaceEntry],
            search: list[str], by_name: dict[str, Stage]) -> Narrow:
    listed = node.get("params")
    chosen: list[str] = []
    if listed is None:
        chosen = [n for n in search if isinstance(names[n], (IntParam, FloatParam))]
    elif not isinstance(listed, Sequence):
        reader.invalid(listed, "narrow.params", "expected a list of parameter names")
    else:
        for item in listed.items:
            value = item.value if isinstance(item, Scalar) else None
            if not isinstance(value, str):
                reader.invalid(item, "narrow.params", "expected a parameter name")
            elif value not in names:
                reader.collector.report(C.UNKNOWN_SPACE_PARAM, item, key="narrow.params", name=value, study=study.id,
                                        hint=did_you_mean(value, list(names)))
            elif not isinstance(names[value], (IntParam, FloatParam)):
                reader.collector.report(C.NARROW_CATEGORICAL, item, name=value, kind=names[value].kind.replace("_", " "))
            elif value not in search:
                reader.invalid(item, "narrow.params", f"{value!r} is held in this stage: only searched ranges can be narrowed")
            elif value not in chosen:
                chosen.append(value)
    source = by_name[ref[0]]
    for n in list(chosen):
        if n not in source.search:
            # Held in the stage it would be narrowed around: there is no best value of it to centre on.
            reader.invalid(listed or node, f"narrow {n!r}", f"stage {source.name!r} holds it; only what it searched can be narrowed")
            chosen.remove(n)
    return Narrow(stage=ref[0], fraction=ref[1], params=[narrow_formulas(names[n], ref[1]) for n in chosen])  # type: ignore[arg-type]


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
