"""The legacy front-end: nirs4all's finetune_params dialects, lowered to the meaning nirs4all 1.4 gives
them, with a finding wherever that meaning is ambiguous, differs from older releases, or is not what
the author most likely wrote.

The reference for every branch is nirs4all 1.4.10 `nirs4all/optimization/optuna.py`
(`_validate_and_normalize_finetune_params`, `sample_hyperparameters`, `_sample_single_parameter`,
`_suggest_from_dict`, `_suggest_sorted_tuple`, `_is_grid_search_suitable`, `_create_sampler`) and
the rule catalogue (docs/rules.md), which says for each finding what older releases did.

This module reads the block's keys, finds the model and train parameters and assembles the study;
the search-space forms (lists, dict specs, sorted tuples) are lowered in `legacy_space`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ftspec._record import Record
from ftspec.compiler.diagnostics import Fix, FixOp
from ftspec.compiler.frontends.common import (
    ANNOTATION_KEY,
    Lowering,
    SpaceBuilder,
    check_forced,
    default_component,
    did_you_mean,
    mapping_items,
    node_desc,
    read_int,
    read_n_trials,
    read_number,
    read_storage,
    replace_fix,
    resolve_metric,
)
from ftspec.compiler.frontends.legacy_space import is_range_list, lower_spec
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, to_python
from ftspec.compiler.rules import space as P
from ftspec.compiler.rules import structure as S
from ftspec.compiler.rules import study as T
from ftspec.ir import (
    FailurePolicy,
    Fixed,
    ForcedTrial,
    Objective,
    Phase,
    PipelineContext,
    Select,
    Study,
    StudySource,
    Validation,
)
from ftspec.schema.vocab import EVAL_MODES, PRUNERS, SAMPLERS, SEED_MAX

CONTROL_KEYS = (
    ANNOTATION_KEY,
    "n_trials", "approach", "eval_mode", "sampler", "sample", "pruner", "metric", "direction", "seed", "n_jobs",
    "storage", "study_name", "resume", "force_params", "phases", "verbose", "model_params", "train_params",
    "engine", "timeout", "timeout_seconds",
)
DEAD_KEYS = {
    "cv_mode": "was read only from 2025-09-26 to 2025-10-01 (nested cross-validation)",
    "param_strategy": "was read only from 2025-09-26 to 2025-10-01 (nested cross-validation)",
    "inner_cv": "was read only from 2025-09-26 to 2025-10-01 (nested cross-validation)",
    "outer_cv": "was read only from 2025-09-26 to 2025-10-01 (nested cross-validation)",
    "use_full_train_for_final": "was read only from 2025-09-26 to 2025-10-01 (nested cross-validation)",
    "tuner": "is from the pinard era (2025-05 to 2025-09)",
    "training_params": "is the pinard-era spelling of train_params (2025-05 to 2025-09)",
    "nb_trials": "is the pinard-era spelling of n_trials",
    "n_startup_trials": "is read only by the n4m engine",
    "reduction_factor": "is read only by the n4m engine",
}
# nirs4all 1.4.10's sampler and pruner words: the registry kinds it builds, plus its own `auto` and `binary`.
LEGACY_SAMPLERS = ("auto", *(kind for kind, spec in SAMPLERS.items() if spec.legacy), "binary")
LEGACY_PRUNERS = tuple(kind for kind, spec in PRUNERS.items() if spec.legacy)
# The nirs4all 1.4.10 eval_mode words and the registry entry that computes each exactly.
LEGACY_EVAL_MODES = {word: name for name, spec in EVAL_MODES.items() for word in spec.legacy}
SPEC_MARKERS = ("type", "min", "low", "choices", "values")
GENERATOR_KEY = re.compile(r"^_[a-z]+(_[a-z]+)*_$")
CLASSIFIER_NAMES = re.compile(
    r"(Classifier|SVC|LogisticRegression(CV)?|DiscriminantAnalysis|GaussianNB|MultinomialNB|BernoulliNB|"
    r"ComplementNB|CategoricalNB|PLSDA|PLS_DA|NearestCentroid|RidgeClassifierCV)$"
)


@dataclass(eq=False, repr=False)
class BlockContext(Record):
    """What the pipeline around a block tells the legacy front-end."""

    kind: str = "finetune_params"
    """"finetune_params", "finetune_space" (MetaModel) or "bare"."""
    model_class: str | None = None
    has_folds: bool | None = None
    """Whether a splitter step precedes the model (None: not in a pipeline)."""


def _token(node: Node) -> str | None:
    """nirs4all 1.4's `str(value).strip().lower()`; None for non-scalars."""
    if not isinstance(node, Scalar) or node.value is None:
        return None
    value = node.value
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return text.strip().lower()


def lower_legacy(
    lo: Lowering, study_id: str, source: StudySource, ctx: BlockContext, pipeline: PipelineContext | None
) -> Study:
    block = lo.block
    get = block.get
    lo.report(S.LEGACY_DIALECT, _block_anchor(lo))

    _check_keys(lo, ctx)
    for name in ("n_trials", "n_jobs", "seed", "approach", "eval_mode", "metric", "direction", "pruner", "storage", "phases"):
        if get(name) is not None:
            lo.fields[name] = get(name)  # type: ignore[assignment]

    n_trials = read_n_trials(lo, get("n_trials"), 50)
    n_jobs = 1
    if get("n_jobs") is not None:
        n_jobs = read_int(lo, get("n_jobs"), "n_jobs", minimum=1) or 1  # type: ignore[arg-type]
    seed = None
    if "seed" in block:
        seed = read_int(lo, get("seed"), "seed", minimum=0, maximum=SEED_MAX, nullable=True)  # type: ignore[arg-type]
    else:
        lo.report(T.SEED_NOT_SET, _block_anchor(lo))
    timeout = _timeout(lo)

    approach = _approach(lo, ctx)
    eval_mode = _eval_mode(lo, approach)
    task, default_metric = _task_default(ctx)
    metric, direction = resolve_metric(lo, get("metric"), get("direction"), default_metric=default_metric, allow_alias=True, normalize_direction=True)
    if get("metric") is None:
        fix = Fix("safe", f"write metric: {default_metric}", (FixOp("insert_key", block.pointer, key="metric", value=default_metric),))
        lo.report(T.METRIC_NOT_SET, _block_anchor(lo), fix, metric=default_metric, task=task)
    pruner = _pruner(lo)

    space = SpaceBuilder(lo)
    first_param_finding = len(lo.collector.diagnostics)
    params_node, flat = _model_params(lo, ctx)
    for key, node, key_node in params_node:
        _lower_model_value(lo, space, key, [key], node, key_node, ctx, from_nesting=False)
    _lower_train_params(lo, space)

    phases = _phases(lo, space, flat)
    if phases:
        written = block.get("sampler") if "sampler" in block else block.get("sample")
        if written is not None:
            lo.report(T.SAMPLER_WITH_PHASES, written, value=to_python(written))
        sampler = phases[0].sampler
    else:
        sampler = _sampler(lo, space, flat)
    if sampler.kind == "grid" or any(p.sampler.kind == "grid" for p in phases):
        # nirs4all's grid check refuses nested groups: nesting `a__b` would turn this grid into TPE.
        _withdraw_fixes(lo, first_param_finding, P.DOUBLE_UNDERSCORE_KEY.code)
    if phases:
        total = sum(p.n_trials for p in phases)
        if get("n_trials") is not None:
            lo.report(T.N_TRIALS_WITH_PHASES, get("n_trials"), n_trials=n_trials, total=total)  # type: ignore[arg-type]
        n_trials = total

    _final_fit_notes(lo, space, flat, sampler.kind)
    return Study(
        id=study_id, source=source, n_trials=n_trials, timeout_seconds=timeout, n_jobs=n_jobs, seed=seed,
        approach=approach, eval_mode=eval_mode,  # type: ignore[arg-type]
        objectives=[Objective(metric=metric, direction=direction, eval_quantile=EVAL_MODES[eval_mode].quantile_for(direction))],  # type: ignore[arg-type]
        select=Select(objective=metric),
        sampler=sampler, pruner=pruner,
        validation=Validation(holdout_fraction=0.2, seed=42) if approach == "single" else None,
        storage=read_storage(lo, nonempty_name=False), failure_policy=FailurePolicy(None, None),
        space=space.entries, fixed=Fixed(model=space.fixed["model"], train=space.fixed["train"]),
        force_params=_force_params(lo, space), phases=phases, pipeline=pipeline,
    )


def _final_fit_notes(lo: Lowering, space: SpaceBuilder, flat: list[tuple[str, Node, Node]], sampler: str) -> None:
    """What nirs4all's refit dropped (FT332), and grids that older releases ran as TPE (FT333)."""
    dropped = [
        f"train {e.name}" if e.target == "train" else e.name
        for e in space.entries
        if e.target == "train" or len(e.path) > 1 or e.kind == "sorted_tuple"
    ]
    if dropped:
        lo.report(T.FINAL_FIT_DROPS_PARAMS, _block_anchor(lo), names=", ".join(dropped))
    if sampler == "grid" and any(isinstance(node, Mapping) for _, node, _ in flat):
        lo.report(T.GRID_WITH_DICT_CATEGORICAL, lo.fields.get("sampler", _block_anchor(lo)))


def _block_anchor(lo: Lowering) -> Node:
    return lo.fields.get("_key", lo.block)


def _withdraw_fixes(lo: Lowering, start: int, code: str) -> None:
    """Drop the fix of the `code` findings reported since `start` (it would change the meaning)."""
    diagnostics = lo.collector.diagnostics
    for i in range(start, len(diagnostics)):
        if diagnostics[i].code == code and diagnostics[i].fix is not None:
            diagnostics[i] = dataclasses.replace(diagnostics[i], fix=None)


# --------------------------------------------------------------------------- keys


def _check_keys(lo: Lowering, ctx: BlockContext) -> None:
    block = lo.block
    params = block.get("model_params")
    flat_fallback = params is None or (isinstance(params, Mapping) and not params.entries)
    for entry in block.entries:
        key = entry.key.value
        if key in CONTROL_KEYS:
            continue
        if isinstance(key, str) and GENERATOR_KEY.match(key):
            lo.report(S.GENERATOR_KEYWORD, entry.key, key=key)
        elif key in DEAD_KEYS:
            lo.report(S.DEAD_KEY, entry.key, key=key, era=DEAD_KEYS[key])
        elif not (flat_fallback or ctx.kind == "finetune_space"):
            lo.report(S.IGNORED_KEY, entry.key, key=key, hint=did_you_mean(key, CONTROL_KEYS))
    if "sample" in block and "sampler" in block:
        lo.report(S.SAMPLE_BESIDE_SAMPLER, block.entry("sample").key, sample=to_python(block.get("sample")), sampler=to_python(block.get("sampler")))  # type: ignore[union-attr]
    elif "sample" in block:
        fix = Fix("safe", "rename sample to sampler", (FixOp("rename_key", block.get("sample").pointer, key="sampler"),))  # type: ignore[union-attr]
        lo.report(S.SAMPLE_ALIAS, block.entry("sample").key, fix)  # type: ignore[union-attr]
    if "verbose" in block:
        lo.report(S.VERBOSE_IGNORED, block.entry("verbose").key)  # type: ignore[union-attr]
    if "engine" in block:
        token = _token(block.get("engine"))  # type: ignore[arg-type]
        if token in ("optuna", ""):
            effect = "the Optuna engine is the default; the key is ignored"
        elif token in ("n4m", "native", "methods", "libn4m"):
            effect = "ran nirs4all's n4m engine (which ignores phases, n_jobs, storage, study_name and resume); compiled with the Optuna semantics"
        elif token in ("dag-ml", "dagml", "grid"):
            effect = "raised on nirs4all's legacy path after a dag-ml fallback; compiled with the Optuna semantics"
        else:
            effect = "raised ValueError in nirs4all; compiled with the Optuna semantics"
        lo.report(S.ENGINE_KEY, block.get("engine"), value=to_python(block.get("engine")), effect=effect)  # type: ignore[arg-type]


def _timeout(lo: Lowering) -> float | None:
    block = lo.block
    for key in ("timeout_seconds", "timeout"):
        node = block.get(key)
        if node is None:
            continue
        value = read_number(lo, node, key, exclusive_minimum=0, nullable=True)
        fix = None
        if key == "timeout" and "timeout_seconds" not in block:
            fix = Fix("safe", "rename timeout to timeout_seconds", (FixOp("rename_key", node.pointer, key="timeout_seconds"),))
        if value is not None:
            lo.report(S.TIMEOUT_ALIAS, block.entry(key).key, fix, key=key, value=value)  # type: ignore[union-attr]
            lo.fields["timeout_seconds"] = node
            return float(value)
    return None


def _approach(lo: Lowering, ctx: BlockContext) -> str:
    node = lo.block.get("approach")
    if node is None:
        approach = "grouped"
    else:
        token = _token(node)
        if token in ("single", "grouped", "individual"):
            approach = token
            if node.value != token:  # type: ignore[union-attr]
                lo.report(T.NON_CANONICAL_SPELLING, node, replace_fix(node, token), key="approach", value=node.value, canonical=token)  # type: ignore[union-attr]
        else:
            value = to_python(node)
            fix = replace_fix(node, "grouped", "unsafe", "write approach: grouped (cross-validated scoring)") if token == "cross" else None
            lo.report(T.UNKNOWN_APPROACH, node, fix, value=value, hint=did_you_mean(token, ("single", "grouped", "individual")))
            return "grouped"
    if approach == "single":
        lo.report(T.SCORED_ON_TRAINING_SET, node, value=approach, fraction=0.2, seed=42)
    if approach != "single" and ctx.has_folds is False:
        lo.report(T.APPROACH_WITHOUT_FOLDS, node if node is not None else _block_anchor(lo), value=approach)
    return approach


def _eval_mode(lo: Lowering, approach: str) -> str:
    """The registry entry that computes what nirs4all 1.4.10 computes for the word (default `best`)."""
    node = lo.block.get("eval_mode")
    if node is None:
        return LEGACY_EVAL_MODES["best"]
    token = _token(node)
    if token == "avg":
        lo.report(T.EVAL_MODE_AVG, node, replace_fix(node, "mean"), value=to_python(node))
        token = "mean"
    elif token in LEGACY_EVAL_MODES:
        if node.value != token:  # type: ignore[union-attr]
            lo.report(T.NON_CANONICAL_SPELLING, node, replace_fix(node, token), key="eval_mode", value=node.value, canonical=token)  # type: ignore[union-attr]
        if token == "robust_best":
            lo.report(T.ROBUST_BEST_IS_BEST, node, value=to_python(node))
    else:
        lo.report(T.UNKNOWN_EVAL_MODE, node, value=to_python(node), hint=did_you_mean(token, list(LEGACY_EVAL_MODES)))
        return LEGACY_EVAL_MODES["mean"]
    if approach != "grouped":
        lo.report(T.EVAL_MODE_UNUSED, node, value=token, approach=approach)
    return LEGACY_EVAL_MODES[token]


def _task_default(ctx: BlockContext) -> tuple[str, str]:
    name = (ctx.model_class or "").rsplit(".", 1)[-1]
    if CLASSIFIER_NAMES.search(name):
        return "classification", "balanced_accuracy"
    return "regression", "mse"


def _pruner(lo: Lowering) -> Any:
    node = lo.block.get("pruner")
    if node is None:
        return default_component("none", PRUNERS)
    token = _token(node)
    if token not in LEGACY_PRUNERS:
        hint = did_you_mean(token, LEGACY_PRUNERS) or " (nirs4all accepts none, median, successive_halving, hyperband)"
        lo.report(T.UNKNOWN_PRUNER, node, value=to_python(node), hint=hint)
        return default_component("none", PRUNERS)
    if node.value != token:  # type: ignore[union-attr]
        lo.report(T.NON_CANONICAL_SPELLING, node, replace_fix(node, token), key="pruner", value=node.value, canonical=token)  # type: ignore[union-attr]
    return default_component(token, PRUNERS)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- sampler


def _sampler(lo: Lowering, space: SpaceBuilder, flat: list[tuple[str, Node, Node]]) -> Any:
    block = lo.block
    node = block.get("sampler") if "sampler" in block else block.get("sample")
    if node is not None:
        lo.fields["sampler"] = node
    token = "auto" if node is None else _token(node)
    if node is not None and token is not None and node.value != token:  # type: ignore[union-attr]
        lo.report(T.NON_CANONICAL_SPELLING, node, replace_fix(node, token), key="sampler", value=node.value, canonical=token)  # type: ignore[union-attr]
    grid_reason = _grid_unsuitable(lo, flat)
    if token in ("auto", "grid"):
        kind = "tpe" if grid_reason else "grid"
        if token == "grid" and grid_reason:
            lo.report(T.GRID_FALLBACK, node, replace_fix(node, "tpe"), reason=grid_reason)  # type: ignore[arg-type]
        elif token == "auto":
            written = "(absent)" if node is None else repr(to_python(node))
            if node is None:
                fix = Fix("safe", f"write sampler: {kind}", (FixOp("insert_key", block.pointer, key="sampler", value=kind),))
            else:
                fix = replace_fix(node, kind)
            lo.report(T.IMPLICIT_SAMPLER, node if node is not None else _block_anchor(lo), fix, written=written, kind=kind,
                      reason=grid_reason or "every model parameter is a categorical list")
        if kind == "grid":
            for entry in space.entries:
                if entry.target == "train":
                    lo.report(T.GRID_WITH_TRAIN_PARAMS, lo.node_at(entry.source.pointer), name=entry.name)
        return default_component(kind, SAMPLERS)
    if token in ("tpe", "random", "cmaes"):
        if token != "tpe":
            lo.report(T.SAMPLER_WAS_TPE, node, value=token)  # type: ignore[arg-type]
        return default_component(token, SAMPLERS)
    if token == "binary":
        lo.report(T.UNSUPPORTED_SAMPLER, node, value=to_python(node))  # type: ignore[arg-type]
    elif token in PRUNERS and token != "none":
        ops = [FixOp("replace_value", node.pointer, value="tpe")]  # type: ignore[union-attr]
        if "pruner" not in block:
            ops.append(FixOp("insert_key", block.pointer, key="pruner", value=token))
        lo.report(T.PRUNER_AS_SAMPLER, node, Fix("unsafe", f"write sampler: tpe and pruner: {token}", tuple(ops)), value=token)  # type: ignore[arg-type]
    else:
        lo.report(T.UNKNOWN_SAMPLER, node, value=to_python(node), hint=did_you_mean(token, LEGACY_SAMPLERS))  # type: ignore[arg-type]
    return default_component("tpe", SAMPLERS)


def _grid_unsuitable(lo: Lowering, flat: list[tuple[str, Node, Node]]) -> str | None:
    """nirs4all's `_is_grid_search_suitable`, over the raw top-level model params and sampled train params."""
    values = [(k, n) for k, n, _ in flat]
    train = lo.block.get("train_params")
    if isinstance(train, Mapping):
        values += [(f"train_{k}", v) for k, v in train.items() if _train_sampable(v)]
    if not flat:
        return "there are no model parameters"
    for key, node in values:
        if is_range_list(node):
            return f"{key!r} is a range"
        if isinstance(node, Mapping):
            t = node.get("type")
            if not (isinstance(t, Scalar) and t.value == "categorical"):
                return f"{key!r} is not a categorical"
            continue
        if not isinstance(node, Sequence):
            return f"{key!r} is not a list"
    return None


# --------------------------------------------------------------------------- model params


def _model_params(lo: Lowering, ctx: BlockContext) -> tuple[list[tuple[str, Node, Node]], list[tuple[str, Node, Node]]]:
    """(key, value, key node) of the model parameters, and the same list for grid suitability."""
    block = lo.block
    params = block.get("model_params")
    if params is not None and not isinstance(params, Mapping):
        lo.report(S.WRONG_TYPE, params, key="model_params", expected="a mapping", got=node_desc(params))
        return [], []
    if isinstance(params, Mapping) and params.entries:
        items = [(e.key.value, e.value, e.key) for e in params.entries if e.key.value != ANNOTATION_KEY]
        return _dedupe(items), _dedupe(items)
    # Flat form (or MetaModel finetune_space): every key that is not a control key is a model parameter.
    items = []
    for entry in block.entries:
        key = entry.key.value
        if key in CONTROL_KEYS or key in DEAD_KEYS or (isinstance(key, str) and GENERATOR_KEY.match(key)):
            continue
        if ctx.kind != "finetune_space":
            ops = [FixOp("move_key", entry.value.pointer, destination=f"{block.pointer}/model_params")]
            lo.report(S.TOP_LEVEL_HYPERPARAMETER, entry.key, Fix("safe", "move into model_params", tuple(ops)), key=key)
        items.append((key, entry.value, entry.key))
    return _dedupe(items), _dedupe(items)


def _dedupe(items: list[tuple[str, Node, Node]]) -> list[tuple[str, Node, Node]]:
    """Last value wins for duplicate keys (already reported by the loader), first position kept."""
    last: dict[str, tuple[str, Node, Node]] = {}
    order: list[str] = []
    for key, node, key_node in items:
        if key not in last:
            order.append(key)
        last[key] = (key, node, key_node)
    return [last[k] for k in order]


def _is_param_spec(node: Node) -> bool:
    return isinstance(node, Mapping) and any(m in node for m in SPEC_MARKERS)


def _lower_model_value(lo: Lowering, space: SpaceBuilder, name: str, nesting: list[str], node: Node, key_node: Node, ctx: BlockContext, *, from_nesting: bool) -> None:
    key = nesting[-1]
    if isinstance(key, str) and GENERATOR_KEY.match(key):
        lo.report(S.GENERATOR_KEYWORD, key_node, key=key)
        return
    if not from_nesting and key in CONTROL_KEYS and key not in ("model_params",):
        lo.report(S.CONTROL_KEY_IN_MODEL_PARAMS, key_node, key=key)
    if isinstance(node, Mapping) and not _is_param_spec(node):
        if not node.entries:
            lo.report(P.EMPTY_SPEC, node, name=name)
            return
        if "options" in node:
            lo.report(P.OPTIONS_SPEC, node.entry("options").key, name=name, effect="is a nested group for the Optuna engine: its values are passed as a nested dict")  # type: ignore[union-attr]
        for entry in node.entries:
            if entry.key.value == ANNOTATION_KEY:
                continue
            _lower_model_value(lo, space, f"{name}__{entry.key.value}", nesting + [entry.key.value], entry.value, entry.key, ctx, from_nesting=True)
        return
    path = _model_path(lo, name, key, node, key_node, ctx)
    if isinstance(node, Scalar):
        space.add_fixed("model", name, path, node.value, node)
        return
    lower_spec(lo, space, "model", name, path, node)


def _model_path(lo: Lowering, name: str, key: str, node: Node, key_node: Node, ctx: BlockContext) -> list[str]:
    """The path nirs4all rebuilt the value at: it splits every flattened name on `__`."""
    if "__" not in str(key):
        return name.split("__")
    if ctx.kind == "finetune_space" and name.startswith("model__"):
        lo.report(P.META_MODEL_PREFIX, key_node, name=name)
        return [name]
    parts = name.split("__")
    if not all(parts):
        return [name]
    head, *rest = str(key).split("__")
    parent = node.pointer.rsplit("/", 1)[0]
    inner = "__".join(rest)
    fix = None
    siblings = lo.node_at(parent)
    if not (isinstance(siblings, Mapping) and head in siblings):
        # Only a new group, created where the key was, keeps the value (and the order of the
        # space); an existing `head` would take it at its end, or is not a group at all.
        fix = Fix("safe", f"nest as {head}: {{{inner}: ...}}", (FixOp("move_key", node.pointer, key=inner, destination=f"{parent}/{head}"),))
    lo.report(P.DOUBLE_UNDERSCORE_KEY, key_node, fix, name=name, path=parts)
    return parts


def _lower_train_params(lo: Lowering, space: SpaceBuilder) -> None:
    node = lo.block.get("train_params")
    if node is None:
        return
    if not isinstance(node, Mapping):
        lo.report(S.WRONG_TYPE, node, key="train_params", expected="a mapping", got=node_desc(node))
        return
    for key, value, key_node in _dedupe([(e.key.value, e.value, e.key) for e in node.entries if e.key.value != ANNOTATION_KEY]):
        if _train_sampable(value):
            before = len(space.entries)
            lower_spec(lo, space, "train", key, [key], value)
            if len(space.entries) > before:
                lo.report(P.TRAIN_PARAM_SAMPLED, key_node, name=key)
        else:
            if isinstance(value, Mapping) and any(m in value for m in ("choices", "values")):
                lo.report(P.TRAIN_PARAM_NOT_SAMPLED, key_node, name=key)
            space.add_fixed("train", key, [key], to_python(value), value)


def _train_sampable(node: Node) -> bool:
    """nirs4all's `_is_sampable`: lists, and mappings with `type`, `min` or `low`."""
    return isinstance(node, Sequence) or (isinstance(node, Mapping) and any(m in node for m in ("type", "min", "low")))


# --------------------------------------------------------------------------- phases, force_params


def _phases(lo: Lowering, space: SpaceBuilder, flat: list[tuple[str, Node, Node]]) -> list[Phase]:
    node = lo.block.get("phases")
    if node is None:
        return []
    if not isinstance(node, Sequence) or not node.items:
        lo.report(S.WRONG_TYPE, node, key="phases", expected="a non-empty list of phases", got=node_desc(node))
        return []
    phases = []
    for item in mapping_items(lo, node, "phases[]", "a mapping {n_trials, sampler}"):
        for entry in item.entries:
            if entry.key.value not in ("n_trials", "sampler", "sample"):
                lo.report(T.PHASE_KEY_IGNORED, entry.key, key=entry.key.value)
        n_node = item.get("n_trials")
        if n_node is None:
            lo.report(S.WRONG_TYPE, item, key="phases[].n_trials", expected="set", got="nothing")
            continue
        n = read_int(lo, n_node, "phases[].n_trials", minimum=1)
        s_node = item.get("sampler") if "sampler" in item else item.get("sample")
        if s_node is None:
            fix = Fix("safe", "write sampler: tpe", (FixOp("insert_key", item.pointer, key="sampler", value="tpe"),))
            lo.report(T.PHASE_SAMPLER_DEFAULT, item, fix)
            sampler = default_component("tpe", SAMPLERS)
        else:
            token = _token(s_node)
            if token in ("auto", "grid"):
                kind = "tpe" if _grid_unsuitable(lo, flat) else "grid"
            elif token in ("tpe", "random", "cmaes"):
                kind = token
            elif token == "binary":
                lo.report(T.UNSUPPORTED_SAMPLER, s_node, value=to_python(s_node))
                kind = "tpe"
            else:
                lo.report(T.UNKNOWN_SAMPLER, s_node, value=to_python(s_node), hint=did_you_mean(token, LEGACY_SAMPLERS))
                kind = "tpe"
            sampler = default_component(kind, SAMPLERS)  # type: ignore[arg-type]
        if n is not None:
            phases.append(Phase(n_trials=n, sampler=sampler))
    return phases


def _force_params(lo: Lowering, space: SpaceBuilder) -> list[ForcedTrial]:
    node = lo.block.get("force_params")
    if node is None:
        return []
    if not isinstance(node, Mapping):
        lo.report(S.WRONG_TYPE, node, key="force_params", expected="a mapping of Optuna parameter names to values", got=node_desc(node))
        return []
    values: dict[str, dict[str, Any]] = {"model": {}, "train": {}}
    for entry in node.entries:
        key = str(entry.key.value)
        if key.startswith("train_") and space.declared("train", key[6:]) is not None:
            check_forced(lo, space, "train", key[6:], entry.key, entry.value, values)
        else:
            check_forced(lo, space, "model", key, entry.key, entry.value, values)
    return [ForcedTrial(model=values["model"], train=values["train"])]
