"""FT6xx: campaign files (`campaign:` at the top of a file; see docs/campaigns.md).

A campaign lowers to one concrete study per stage and seed; these rules cover what makes that
lowering, or the comparison of its stages, meaningless.

Beside the rules: the readers of a campaign's keys (`@campaign_key`) and of a stage's keys
(`@stage_key`), and the checks across stages; `ftspec/campaign/compile.py` calls them and builds the
campaign IR. The readers return plain values, not campaign IR objects: this module is imported by
every lint (`all_rules()`), and `ftspec.campaign` only when a campaign file is compiled.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from ftspec.compiler.checks import CAMPAIGN_KEYS, STAGE_KEYS, Lowering, campaign_key, stage_key
from ftspec.compiler.diagnostics import define
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, to_python
from ftspec.compiler.rules.structure import read_int, read_number, read_str
from ftspec.compiler.values import ANNOTATION_KEY, did_you_mean
from ftspec.ir import CategoricalParam, FloatParam, IntParam, SortedTupleParam, SpaceEntry, Study
from ftspec.schema.vocab import SEED_MAX

UNKNOWN_CAMPAIGN_KEY = define(
    "FT601", "unknown-campaign-key", "error",
    "A key a campaign, stage, budget or decide mapping does not have.",
    "unknown key {key!r} in {owner}{hint}",
    old="Campaigns are new: there was no old behaviour.",
    now="The key is an error and is ignored by the lowering.",
    fix="Remove the key, or spell it as the campaign syntax does (docs/campaigns.md).",
)
INVALID_CAMPAIGN_VALUE = define(
    "FT602", "invalid-campaign-value", "error",
    "A campaign value that is missing or of the wrong type or range.",
    "{what}: {reason}",
    old="Campaigns are new: there was no old behaviour.",
    now="The campaign is an error; what could be lowered is still in the IR.",
    fix="Write the value as docs/campaigns.md describes it.",
)
CAMPAIGN_PIPELINE = define(
    "FT603", "campaign-pipeline", "error",
    "The campaign's pipeline cannot be compiled to exactly one study.",
    "pipeline {pipeline!r}: {reason}",
    old="Campaigns are new: there was no old behaviour.",
    now="No study can be lowered for the stages that use this pipeline.",
    fix="Point `pipeline` at a file with one study, or name the study as `file.yaml#<study id>`; fix the pipeline's "
        "own findings with `ftlint` on it.",
)
UNKNOWN_STAGE = define(
    "FT604", "unknown-stage-reference", "error",
    "`warm_start.from` or `narrow.from` names no earlier stage.",
    "{key} from {value!r}: no earlier stage has that name{hint}",
    old="Campaigns are new: there was no old behaviour.",
    now="The reference is ignored: the stage starts cold / keeps its declared ranges.",
    fix="Name a stage declared before this one (stages run in order).",
)
NARROW_CATEGORICAL = define(
    "FT605", "narrow-categorical", "error",
    "`narrow.params` names a parameter that has no numeric range.",
    "narrow: {name!r} is {kind}; only int and float ranges can be narrowed",
    old="Campaigns are new: there was no old behaviour.",
    now="The parameter keeps its declared domain.",
    fix="Remove it from `narrow.params` (without `params`, every searched int and float range is narrowed and "
        "categoricals are kept whole).",
)
DUPLICATE_SEED = define(
    "FT606", "duplicate-seed", "error",
    "A seed listed twice in one stage (both would be the same study).",
    "seed {seed} is listed twice in stage {stage!r}",
    old="Campaigns are new: there was no old behaviour.",
    now="The second one is ignored.",
    fix="Give every seed of a stage once.",
)
SEED_REUSED = define(
    "FT607", "seed-reused-across-stages", "warning",
    "A seed used by an earlier stage: the stages' results are not independent draws.",
    "seed {seed} of stage {stage!r} is also a seed of stage {earlier!r}",
    old="Campaigns are new: there was no old behaviour.",
    now="The seed is used as written; its sampler starts from the same random stream as in the earlier stage, so "
        "agreement between those seeds says less.",
    fix="Use fresh seeds for each stage (e.g. 60, 61 then 70, 71).",
)
STAGE_MISMATCH = define(
    "FT608", "stage-comparison-mismatch", "error",
    "A stage scored differently (metric, direction, approach, eval mode, splitter, validation) from the stage it is "
    "compared with.",
    "stage {stage!r} is compared with stage {other!r}, but its {what} differs: {mine} vs {theirs}",
    old="Campaigns are new: there was no old behaviour.",
    now="The decision would compare numbers that do not measure the same thing; the campaign is an error.",
    fix="Give both stages pipelines with the same metric, approach, eval mode and splitter.",
)
UNKNOWN_SPACE_PARAM = define(
    "FT609", "unknown-campaign-param", "error",
    "`search`, `hold` or `narrow.params` names a parameter the pipeline's space does not have.",
    "{key}: {name!r} is not a parameter of study {study!r}{hint}",
    old="Campaigns are new: there was no old behaviour.",
    now="The name is ignored.",
    fix="Use the space's names (nested groups flattened with `__`, train parameters as `train:<name>`).",
)
BUDGET_EXCEEDED = define(
    "FT610", "campaign-budget-exceeded", "error",
    "The work the stages declare is more than `budget.max_fits`.",
    "the stages declare {fits} model fits (refits included), over budget.max_fits {limit} by {over}; {stage!r} "
    "declares the most ({stage_fits})",
    old="Campaigns are new: there was no old behaviour.",
    now="The campaign is an error: it would not fit its own budget.",
    fix="Lower `n_trials` or the number of seeds of the dominant stage, or raise the budget.",
)
NO_STORAGE = define(
    "FT611", "campaign-without-storage", "warning",
    "A campaign without `storage` runs in memory: a killed run restarts from the first stage.",
    "campaign {name!r} has no storage: it cannot resume, and `--stage` cannot read earlier stages",
    old="Campaigns are new: there was no old behaviour.",
    now="The studies live in memory for the length of one ftrun.",
    fix="Add `storage: sqlite:///<name>.db` (any Optuna storage URL), or pass `ftrun --storage URL`.",
)
UNKNOWN_FOLDS = define(
    "FT612", "campaign-folds-unknown", "info",
    "The number of folds of a stage's splitter is not known before the run: the declared work is a lower bound.",
    "stage {stage!r}: the folds of {splitter} are not known before the run; its work is counted with 1 fold",
    old="Campaigns are new: there was no old behaviour.",
    now="`ftcompile` prints the work with one fold per trial for this stage.",
    fix="Give the splitter an explicit `n_splits`.",
)
MULTI_OBJECTIVE = define(
    "FT613", "campaign-multi-objective", "error",
    "The campaign's pipeline study has several objectives: the decision compares stages on one value.",
    "pipeline {pipeline!r}: study {study!r} has {n} objectives ({metrics}); a campaign compares its stages and seeds on "
    "one best value",
    old="Campaigns are new: there was no old behaviour.",
    now="No study can be lowered for the stages that use this pipeline: a multi-objective study has a Pareto front, "
        "not one best trial to warm-start from, narrow around or compare.",
    fix="Give the pipeline one `metric` (e.g. `metric: rmse`), or point the campaign at a single-objective copy of it.",
)


# ------------------------------------------------------------------------------ the campaign mapping

BUDGET_KEYS = ("max_hours", "max_fits")
DECIDE_KEYS = ("min_gain", "max_seed_spread")
WARM_KEYS = ("from", "top")
NARROW_KEYS = ("from", "fraction", "params")

LoadPipeline = Callable[[str], Any]
"""path -> its `ftspec.compiler.compile.CompileResult`, or None for a campaign file being lowered (a
campaign naming itself, or one that names it, as its pipeline)."""


def invalid(lo: Lowering, at: Node, what: str, reason: str) -> None:
    """FT602 at `at`."""
    lo.report(INVALID_CAMPAIGN_VALUE, at, what=what, reason=reason)


def read_mapping(lo: Lowering, node: Node | None, what: str, keys: tuple[str, ...]) -> Mapping | None:
    """`node` when it is a mapping, reporting its keys not in `keys`; None when absent or null, or
    not a mapping (reported)."""
    if node is None or (isinstance(node, Scalar) and node.value is None):
        return None
    if not isinstance(node, Mapping):
        invalid(lo, node, what, "expected a mapping")
        return None
    for entry in node.entries:
        key = entry.key.value
        if key not in keys and key != ANNOTATION_KEY:
            lo.report(UNKNOWN_CAMPAIGN_KEY, entry.key, key=key, owner=what, hint=did_you_mean(key, keys))
    return node


def read_campaign_block(lo: Lowering) -> Mapping | None:
    """The `campaign` mapping of a campaign file (`lo.block` is the file's top level), or None."""
    for entry in lo.block.entries:
        if entry.key.value not in ("campaign", ANNOTATION_KEY):
            lo.report(UNKNOWN_CAMPAIGN_KEY, entry.key, key=entry.key.value, owner="the file (a campaign file has only `campaign`)", hint="")
    node = lo.block.get("campaign")
    block = read_mapping(lo, node, "campaign", CAMPAIGN_KEYS.names())
    if block is None and (node is None or _is_null(node)):  # a value of another type was reported by read_mapping
        invalid(lo, node or lo.block, "campaign", "empty: a campaign needs version, name, pipeline and stages")
    return block


def _is_null(node: Node) -> bool:
    return isinstance(node, Scalar) and node.value is None


def _read_name(lo: Lowering, what: str) -> tuple[str | None, Node]:
    """The `name` of the campaign or stage `lo.block`, and the node to point at about it."""
    node = lo.block.get("name")
    if node is None:
        invalid(lo, lo.block, what, "`name` is missing")
        return None, lo.block
    value = read_str(lo, node, "name", nonempty=True)
    if value is not None and (":" in value or "#" in value):
        invalid(lo, node, f"{what} name {value!r}", "':' and '#' are not allowed (they separate the parts of study names)")
        return None, node
    return value, node


def read_pipeline(lo: Lowering, node: Node, base_dir: str, load: LoadPipeline) -> Study | None:
    """The one study a `pipeline` value names (`file` or `file#id`), or None with FT603."""
    text = read_str(lo, node, "pipeline", nonempty=True)
    if text is None:
        return None
    path, _, wanted = text.partition("#")
    result = load(path if os.path.isabs(path) else os.path.join(base_dir, path))
    if result is None or getattr(result, "campaign", None) is not None:
        lo.report(CAMPAIGN_PIPELINE, node, pipeline=text, reason="is a campaign file, not a pipeline")
        return None
    if result.unreadable:
        reason = next((d.message for d in result.diagnostics if d.severity == "error"), "cannot be read")
        lo.report(CAMPAIGN_PIPELINE, node, pipeline=text, reason=reason)
        return None
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if errors:
        lo.report(CAMPAIGN_PIPELINE, node, pipeline=text,
                  reason=f"has {len(errors)} error(s) (first: {errors[0].code} at line {errors[0].line}): run ftlint {path}")
        return None
    ids = [s.id for s in result.ir.studies]
    if wanted:
        if wanted not in ids:
            lo.report(CAMPAIGN_PIPELINE, node, pipeline=text,
                      reason=f"has no study {wanted!r} (studies: {', '.join(map(repr, ids)) or 'none'})")
            return None
        return _single_objective(lo, result.ir.studies[ids.index(wanted)], node, text)
    if len(ids) != 1:
        reason = "has no study" if not ids else f"has {len(ids)} studies ({', '.join(map(repr, ids))}): name one as {path}#<study id>"
        lo.report(CAMPAIGN_PIPELINE, node, pipeline=text, reason=reason)
        return None
    return _single_objective(lo, result.ir.studies[0], node, text)


def _single_objective(lo: Lowering, study: Study, node: Node, text: str) -> Study | None:
    """`study`, or None with FT613 when it has several objectives (decide, warm_start and narrow read one best value)."""
    if len(study.objectives) > 1:
        lo.report(MULTI_OBJECTIVE, node, pipeline=text, study=study.id, n=len(study.objectives),
                  metrics=", ".join(o.metric for o in study.objectives))
        return None
    return study


@campaign_key("version")
def read_version(lo: Lowering, node: Node | None) -> None:
    if node is None:
        invalid(lo, lo.block, "campaign", "`version` is missing: write `version: 2`")
    elif not (isinstance(node, Scalar) and node.value == 2 and not isinstance(node.value, bool)):
        invalid(lo, node, "version", f"campaigns are version 2, not {to_python(node)!r}")


@campaign_key("name")
def read_campaign_name(lo: Lowering, node: Node | None) -> str | None:
    return _read_name(lo, "campaign")[0]


@campaign_key("pipeline")
def read_campaign_pipeline(lo: Lowering, node: Node | None, base_dir: str, load: LoadPipeline) -> Study | None:
    """The study the stages tune unless they name their own pipeline."""
    if node is None:
        invalid(lo, lo.block, "campaign", "`pipeline` is missing: the pipeline file whose study the stages tune")
        return None
    return read_pipeline(lo, node, base_dir, load)


@campaign_key("storage")
def read_campaign_storage(lo: Lowering, node: Node | None) -> str | None:
    return read_str(lo, node, "storage", nullable=True, nonempty=True) if node is not None else None


@campaign_key("budget")
def read_budget(lo: Lowering, node: Node | None) -> tuple[float | None, int | None] | None:
    """(max_hours, max_fits), None where unlimited; None without a budget."""
    block = read_mapping(lo, node, "budget", BUDGET_KEYS)
    if block is None:
        return None
    hours_node, fits_node = block.get("max_hours"), block.get("max_fits")
    hours = read_number(lo, hours_node, "max_hours", exclusive_minimum=0, nullable=True) if hours_node is not None else None
    fits = read_int(lo, fits_node, "max_fits", minimum=1, nullable=True) if fits_node is not None else None
    return (float(hours) if hours is not None else None), fits


@campaign_key("decide")
def read_decide(lo: Lowering, node: Node | None) -> tuple[float, float | None]:
    """(min_gain, max_seed_spread): the defaults 0 and None where not written."""
    block = read_mapping(lo, node, "decide", DECIDE_KEYS)
    gain, spread = 0.0, None
    if block is not None:
        gain_node, spread_node = block.get("min_gain"), block.get("max_seed_spread")
        if gain_node is not None:
            gain = read_number(lo, gain_node, "min_gain", minimum=0) or 0.0
        if spread_node is not None:
            spread = read_number(lo, spread_node, "max_seed_spread", exclusive_minimum=0, nullable=True)
    return float(gain), (float(spread) if spread is not None else None)


@campaign_key("stages")
def read_stages(lo: Lowering, node: Node | None) -> list[Node] | None:
    """The items of `stages`, or None (reported) when it is not a non-empty list."""
    if not isinstance(node, Sequence) or not node.items:
        invalid(lo, node or lo.block, "stages", "a campaign needs a non-empty list of stages")
        return None
    return node.items


def check_storage(lo: Lowering, storage: str | None, campaign: str) -> None:
    if storage is None:
        lo.report(NO_STORAGE, lo.block, name=campaign)


def check_budget(lo: Lowering, max_fits: int | None, stage_fits: dict[str, int]) -> None:
    """FT610 at `budget.max_fits` when the stages' fits (stage name -> model fits + refits) exceed it."""
    if max_fits is None or not stage_fits:
        return
    fits = sum(stage_fits.values())
    if fits > max_fits:
        top = max(stage_fits, key=lambda name: stage_fits[name])
        budget = lo.block.get("budget")  # max_fits was read from it, so it is a mapping
        at = budget.get("max_fits") if isinstance(budget, Mapping) else None
        lo.report(BUDGET_EXCEEDED, at, fits=fits, limit=max_fits, over=fits - max_fits, stage=top, stage_fits=stage_fits[top])


# --------------------------------------------------------------------------------------- one stage


def read_stage_block(lo: Lowering, item: Node) -> Mapping | None:
    """One item of `stages` as a mapping of stage keys, or None."""
    block = read_mapping(lo, item, "stage", STAGE_KEYS.names())
    if block is None and _is_null(item):  # a value of another type was reported by read_mapping
        invalid(lo, item, "stage", "empty: a stage needs name, n_trials and seeds")
    return block


@stage_key("name")
def read_stage_name(lo: Lowering, node: Node | None, earlier: dict[str, Any]) -> tuple[str | None, Node]:
    """The stage's name (None when it is that of an `earlier` stage) and the node to point at about the stage."""
    name, name_node = _read_name(lo, "stage")
    if name is not None and name in earlier:
        invalid(lo, name_node, f"stage {name!r}", "an earlier stage has the same name")
        name = None
    return name, name_node


@stage_key("pipeline")
def read_stage_pipeline(lo: Lowering, node: Node | None, base: Study | None, base_node: Node | None, base_dir: str,
                        load: LoadPipeline) -> tuple[Study | None, Node | None]:
    """The stage's study and where it was named: its own `pipeline`, else the campaign's."""
    if node is None:
        return base, base_node
    return read_pipeline(lo, node, base_dir, load), node


@stage_key("n_trials")
def read_stage_trials(lo: Lowering, node: Node | None, stage: str | None) -> int | None:
    if node is None:
        invalid(lo, lo.block, f"stage {stage!r}", "`n_trials` is missing")
        return None
    return read_int(lo, node, "n_trials", minimum=1)


@stage_key("trial_timeout_seconds")
def read_trial_timeout(lo: Lowering, node: Node | None) -> float | None:
    if node is None:
        return None
    return read_number(lo, node, "trial_timeout_seconds", exclusive_minimum=0, nullable=True)


@stage_key("seeds")
def read_seeds(lo: Lowering, node: Node | None, stage: str | None) -> list[tuple[int, Node]]:
    """Each seed once, with its node."""
    if node is None:
        invalid(lo, lo.block, f"stage {stage!r}", "`seeds` is missing: a list of sampler seeds, one study each")
        return []
    if not isinstance(node, Sequence) or not node.items:
        invalid(lo, node, "seeds", "expected a non-empty list of integers")
        return []
    out: list[tuple[int, Node]] = []
    for item in node.items:
        seed = read_int(lo, item, "seeds", minimum=0, maximum=SEED_MAX)
        if seed is None:
            continue
        if any(seed == s for s, _ in out):
            lo.report(DUPLICATE_SEED, item, seed=seed, stage=stage)
            continue
        out.append((seed, item))
    return out


def check_seed_reuse(lo: Lowering, seeds: list[tuple[int, Node]], stage: str | None, seen: dict[int, str]) -> None:
    """FT607 for each seed an earlier stage used (`seen`: seed -> first stage), then records this stage's."""
    for seed, node in seeds:
        if seed in seen and stage is not None:
            lo.report(SEED_REUSED, node, seed=seed, stage=stage, earlier=seen[seed])
    for seed, _ in seeds:
        seen.setdefault(seed, stage or "?")


def _reference(lo: Lowering, node: Node | None, key: str, keys: tuple[str, ...], earlier: dict[str, Any]) -> tuple[Mapping, str] | None:
    """The `warm_start` / `narrow` mapping and the earlier stage its `from` names."""
    block = read_mapping(lo, node, key, keys)
    if block is None:
        return None
    source = block.get("from")
    if source is None:
        invalid(lo, block, key, "`from` is missing: the earlier stage to read")
        return None
    ref = read_str(lo, source, "from", nonempty=True)
    if ref is None:
        return None
    if ref not in earlier:
        lo.report(UNKNOWN_STAGE, source, key=key, value=ref, hint=did_you_mean(ref, list(earlier)))
        return None
    return block, ref


@stage_key("warm_start")
def read_warm_start(lo: Lowering, node: Node | None, earlier: dict[str, Any]) -> tuple[str, int] | None:
    """(earlier stage, top)."""
    found = _reference(lo, node, "warm_start", WARM_KEYS, earlier)
    if found is None:
        return None
    block, ref = found
    top_node = block.get("top")
    top = read_int(lo, top_node, "top", minimum=1) if top_node is not None else 1
    return (ref, top) if top is not None else None


@stage_key("narrow")
def read_narrow(lo: Lowering, node: Node | None, earlier: dict[str, Any]) -> tuple[str, float] | None:
    """(earlier stage, fraction); its `params` are read by `read_narrow_params` once the space is known."""
    found = _reference(lo, node, "narrow", NARROW_KEYS, earlier)
    if found is None:
        return None
    block, ref = found
    fraction_node = block.get("fraction")
    if fraction_node is None:
        invalid(lo, block, "narrow", "`fraction` is missing: the share of the declared width kept, in (0, 1]")
        return None
    fraction = read_number(lo, fraction_node, "fraction", exclusive_minimum=0, maximum=1)
    return (ref, float(fraction)) if fraction is not None else None


def check_no_phases(lo: Lowering, study: Study | None, at: Node) -> Study | None:
    """`study`, or None with FT603 when it has phases: a campaign stage runs the study's one sampler."""
    if study is not None and study.phases:
        lo.report(CAMPAIGN_PIPELINE, at, pipeline=study.id,
                  reason="its study has phases; a campaign stage runs the study's one sampler (remove `phases`)")
        return None
    return study


def check_same_scoring(lo: Lowering, at: Node, stage: str | None, other: str, mine: dict[str, Any], theirs: dict[str, Any]) -> None:
    """FT608 for each way (metric, approach, ... -> its value) the stage is scored unlike `other`."""
    for what in mine:
        if mine[what] != theirs[what]:
            lo.report(STAGE_MISMATCH, at, stage=stage, other=other, what=what, mine=mine[what], theirs=theirs[what])


@stage_key("search")
def read_search(lo: Lowering, node: Node | None, study: Study, names: dict[str, SpaceEntry]) -> list[str]:
    """The searched parameters, in the space's order; all of them without `search`."""
    if node is None:
        return list(names)
    if not isinstance(node, Sequence):
        invalid(lo, node, "search", "expected a list of parameter names")
        return list(names)
    wanted: list[str] = []
    for item in node.items:
        if not (isinstance(item, Scalar) and isinstance(item.value, str)):
            invalid(lo, item, "search", "expected a parameter name")
        elif item.value not in names:
            lo.report(UNKNOWN_SPACE_PARAM, item, key="search", name=item.value, study=study.id, hint=did_you_mean(item.value, list(names)))
        elif item.value not in wanted:
            wanted.append(item.value)
    return [n for n in names if n in wanted]  # the space's order: parents before dependants


@stage_key("hold")
def read_hold(lo: Lowering, node: Node | None, study: Study, names: dict[str, SpaceEntry], search: list[str]) -> dict[str, Any]:
    """Every parameter not searched, with its value (a value in error is reported and replaced by the default)."""
    given: dict[str, Any] = {}
    if node is not None and not isinstance(node, Mapping):
        invalid(lo, node, "hold", "expected a mapping of parameter names to values")
    elif node is not None:
        for written in node.entries:
            key, value_node = written.key.value, written.value
            if key == ANNOTATION_KEY:
                continue
            if key not in names:
                lo.report(UNKNOWN_SPACE_PARAM, written.key, key="hold", name=key, study=study.id, hint=did_you_mean(key, list(names)))
                continue
            if key in search:
                invalid(lo, written.key, f"hold {key!r}", "the parameter is also in `search`: a parameter is searched or held, not both")
                continue
            value = to_python(value_node)
            problem = _in_domain(names[key], value)
            if problem is not None:
                invalid(lo, value_node, f"hold {key!r}", f"{value!r} is {problem}")
                continue
            given[key] = value
    for entry_name, entry in names.items():
        cond = entry.condition
        if entry_name in search and cond is not None:
            parent = cond.param if entry.target == "model" else f"train:{cond.param}"
            if parent not in search:
                invalid(lo, lo.block.get("search") or lo.block, f"search {entry_name!r}",
                        f"it is sampled only under a condition on {parent!r}, which is held: search {parent!r} too")
    return {n: given.get(n, default_hold(e)) for n, e in names.items() if n not in search}


def _in_domain(entry: SpaceEntry, value: Any) -> str | None:
    """Why `value` is outside the parameter's domain, or None."""
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


def read_narrow_params(lo: Lowering, study: Study, names: dict[str, SpaceEntry], search: list[str], source: str,
                       source_search: list[str]) -> list[IntParam | FloatParam]:
    """The ranges `narrow` narrows (its `params`, else every searched int and float range), keeping
    only those the stage `source` searched."""
    node = lo.block.get("narrow")
    listed = node.get("params") if isinstance(node, Mapping) else None  # read_narrow read it as a mapping
    chosen: list[str] = []
    if listed is None:
        chosen = [n for n in search if isinstance(names[n], (IntParam, FloatParam))]
    elif not isinstance(listed, Sequence):
        invalid(lo, listed, "narrow.params", "expected a list of parameter names")
    else:
        for item in listed.items:
            value = item.value if isinstance(item, Scalar) else None
            if not isinstance(value, str):
                invalid(lo, item, "narrow.params", "expected a parameter name")
            elif value not in names:
                lo.report(UNKNOWN_SPACE_PARAM, item, key="narrow.params", name=value, study=study.id,
                          hint=did_you_mean(value, list(names)))
            elif not isinstance(names[value], (IntParam, FloatParam)):
                lo.report(NARROW_CATEGORICAL, item, name=value, kind=names[value].kind.replace("_", " "))
            elif value not in search:
                invalid(lo, item, "narrow.params", f"{value!r} is held in this stage: only searched ranges can be narrowed")
            elif value not in chosen:
                chosen.append(value)
    for n in list(chosen):
        if n not in source_search:
            # Held in the stage it would be narrowed around: there is no best value of it to centre on.
            invalid(lo, listed or node or lo.block, f"narrow {n!r}", f"stage {source!r} holds it; only what it searched can be narrowed")
            chosen.remove(n)
    return [entry for n in chosen if isinstance(entry := names[n], (IntParam, FloatParam))]


def check_folds_known(lo: Lowering, at: Node, stage: str, study: Study, folds: int | None) -> None:
    """FT612 when the stage's splitter has a number of folds (`folds`) not known before the run."""
    if folds is None and study.pipeline is not None and study.pipeline.splitter is not None:
        lo.report(UNKNOWN_FOLDS, at, stage=stage, splitter=study.pipeline.splitter.class_path)
