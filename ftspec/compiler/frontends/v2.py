"""The v2 front-end: strict, explicit forms only (see docs/v2-syntax.md); every deviation is an error."""

from __future__ import annotations

import json
from typing import Any

from ftspec.compiler.frontends.common import (
    ANNOTATION_KEY,
    Lowering,
    SpaceBuilder,
    categorical_entry,
    check_forced,
    default_component,
    did_you_mean,
    element_spec,
    float_entry,
    int_entry,
    is_int,
    is_number,
    lower_component,
    mapping_items,
    node_desc,
    read_bool,
    read_int,
    read_n_trials,
    read_number,
    read_storage,
    read_str,
    resolve_metric,
    sorted_tuple_entry,
    v2_range_tag,
)
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, to_python
from ftspec.compiler.rules import space as P
from ftspec.compiler.rules import structure as S
from ftspec.compiler.rules import study as T
from ftspec.compiler.rules.optuna import LOW_GREATER_THAN_HIGH
from ftspec.ir import (
    ComponentSpec,
    Condition,
    FailurePolicy,
    Fixed,
    ForcedTrial,
    MlflowTracking,
    Objective,
    Phase,
    PipelineContext,
    Select,
    Study,
    StudySource,
    Tracking,
    Validation,
)
from ftspec.schema.v2_fields import FAILURE_POLICY_FIELDS, MLFLOW_FIELDS, V2_FIELDS, V2_FIELDS_BY_NAME, V2_KEYS, VALIDATION_FIELDS, V2Field
from ftspec.schema.vocab import EVAL_MODES, PRUNERS, SAMPLERS

# Keys with a finding of their own for a value outside their vocabulary (other keys: wrong-type).
_UNKNOWN_VALUE_RULES = {"approach": T.UNKNOWN_APPROACH, "eval_mode": T.UNKNOWN_EVAL_MODE}
SPEC_KEYS = {
    "int": ("type", "low", "high", "step", "log", "when", "when_not"),
    "float": ("type", "low", "high", "step", "log", "when", "when_not"),
    "categorical": ("type", "choices", "when", "when_not"),
    "sorted_tuple": ("type", "length", "element", "when", "when_not"),
}


def lower_v2(lo: Lowering, study_id: str, source: StudySource, pipeline: PipelineContext | None) -> Study:
    block = lo.block
    for entry in block.entries:
        if entry.key.value not in V2_KEYS and entry.key.value != ANNOTATION_KEY:
            lo.report(S.UNKNOWN_KEY, entry.key, key=entry.key.value, hint=did_you_mean(entry.key.value, V2_KEYS))
    _check_annotation(lo, block)
    get = block.get
    for name in V2_KEYS:
        node = get(name)
        if node is not None:
            lo.fields[name] = node

    version = get("version")
    if version is not None and not (isinstance(version, Scalar) and is_int(version.value) and version.value == 2):
        lo.report(S.INVALID_VERSION, version, got=node_desc(version))

    n_trials_node = get("n_trials")
    n_trials = read_n_trials(lo, n_trials_node, V2_FIELDS_BY_NAME["n_trials"].default)
    carried = {f.name: _read_carried(lo, f) for f in V2_FIELDS if f.carried}
    seed, approach, eval_mode = carried["seed"], carried["approach"], carried["eval_mode"]

    objectives = _objectives(lo, eval_mode)
    select = _select(lo, objectives)

    sampler = default_component(V2_FIELDS_BY_NAME["sampler"].default, SAMPLERS)
    sampler_node = get("sampler")
    if sampler_node is not None:
        sampler = lower_component(lo, sampler_node, SAMPLERS, "sampler", strict=True) or sampler
    pruner = default_component(V2_FIELDS_BY_NAME["pruner"].default, PRUNERS)
    pruner_node = get("pruner")
    if pruner_node is not None:
        pruner = lower_component(lo, pruner_node, PRUNERS, "pruner", strict=True) or pruner

    validation = _validation(lo, approach, seed)
    storage = read_storage(lo, nonempty_name=True)
    failure_policy = _failure_policy(lo)

    space = SpaceBuilder(lo)
    for target, key in (("model", "model_params"), ("train", "train_params")):
        node = get(key)
        if node is None:
            continue
        if not isinstance(node, Mapping):
            lo.report(S.WRONG_TYPE, node, key=key, expected="a mapping", got=node_desc(node))
            continue
        _check_annotation(lo, node)
        for entry in node.entries:
            if entry.key.value != ANNOTATION_KEY:
                lower_value(lo, space, target, entry.key.value, [entry.key.value], entry.value, entry.key)

    phases = _phases(lo)
    if phases:
        if sampler_node is not None:
            lo.report(T.SAMPLER_WITH_PHASES, sampler_node, value=to_python(sampler_node))
        sampler = phases[0].sampler
        total = sum(p.n_trials for p in phases)
        if n_trials_node is not None and n_trials != total:
            lo.report(T.N_TRIALS_WITH_PHASES, n_trials_node, n_trials=n_trials, total=total)
        n_trials = total

    if len(objectives) > 1:
        sampler = _tpe_several_objectives(sampler, sampler_node)
        phases = [Phase(n_trials=p.n_trials, sampler=_tpe_several_objectives(p.sampler, _phase_sampler_node(lo, i)))
                  for i, p in enumerate(phases)]
        if phases:
            sampler = phases[0].sampler
    force_params = _force_params(lo, space)
    tracking = _tracking(lo, study_id)

    return Study(
        id=study_id, source=source, n_trials=n_trials, objectives=objectives, select=select,
        sampler=sampler, pruner=pruner, validation=validation, storage=storage, failure_policy=failure_policy,
        space=space.entries, fixed=Fixed(model=space.fixed["model"], train=space.fixed["train"]),
        force_params=force_params, phases=phases, pipeline=pipeline, tracking=tracking, **carried,
    )


def _objectives(lo: Lowering, eval_mode: str) -> list[Objective]:
    """`metric` (one name or a list) and `direction` (one, or a list of the same length): one objective per metric.

    Each direction comes from the metric registry; a written one that disagrees is FT303-style
    `direction-conflict` (at the list item); a list of the wrong length is FT429 (a study check,
    which reads the written list), and the registry's directions are used.
    """
    block = lo.block
    metric_node, direction_node = block.get("metric"), block.get("direction")
    if metric_node is None:
        lo.report(S.WRONG_TYPE, block, key="metric", expected="set (v2 requires a metric)", got="nothing")
    if not isinstance(metric_node, Sequence):
        if isinstance(direction_node, Sequence):
            lo.report(S.WRONG_TYPE, direction_node, key="direction", expected="minimize or maximize (one metric has one direction)",
                      got="a list")
            direction_node = None
        metric, direction = resolve_metric(lo, metric_node, direction_node, default_metric=None, allow_alias=False, normalize_direction=False)
        return [_objective(metric, direction, eval_mode)]
    if not metric_node.items:
        lo.report(S.WRONG_TYPE, metric_node, key="metric", expected="a metric or a non-empty list of metrics", got="an empty list")
        return [_objective("rmse", "minimize", eval_mode)]
    directions: list[Node | None] = [None] * len(metric_node.items)
    if isinstance(direction_node, Sequence):
        for i, item in enumerate(direction_node.items[: len(directions)]):
            directions[i] = item
    elif direction_node is not None:
        lo.report(S.WRONG_TYPE, direction_node, key="direction", expected="a list of directions, one per metric", got=node_desc(direction_node))
    objectives: list[Objective] = []
    seen: set[str] = set()
    for item, dir_node in zip(metric_node.items, directions):
        metric, direction = resolve_metric(lo, item, dir_node, default_metric=None, allow_alias=False, normalize_direction=False)
        if metric in seen:
            lo.report(S.WRONG_TYPE, item, key="metric", expected="distinct metrics (each is one objective)", got=f"{metric!r} twice")
            continue
        seen.add(metric)
        objectives.append(_objective(metric, direction, eval_mode))
    return objectives


def _objective(metric: str, direction: str, eval_mode: str) -> Objective:
    return Objective(metric=metric, direction=direction, eval_quantile=EVAL_MODES[eval_mode].quantile_for(direction))  # type: ignore[arg-type]


def _select(lo: Lowering, objectives: list[Objective]) -> Select:
    """`select: {objective: METRIC}`; omitted: the first objective. A metric that is not an objective is FT431 (a study check)."""
    default = Select(objective=objectives[0].metric)
    node = _mapping(lo, "select", ("objective",))
    if node is None:
        return default
    objective = node.get("objective")
    if objective is None:
        lo.report(S.WRONG_TYPE, node, key="select.objective", expected="set (the metric of an objective)", got="nothing")
        return default
    name = read_str(lo, objective, "select.objective")
    if name is None or name not in {o.metric for o in objectives}:
        return default  # reported by FT431 (select-unknown-objective) when it is a string
    return Select(objective=name)


def _phase_sampler_node(lo: Lowering, index: int) -> Node | None:
    phases = lo.block.get("phases")
    if isinstance(phases, Sequence) and index < len(phases.items):
        item = phases.items[index]
        if isinstance(item, Mapping):
            return item.get("sampler")
    return None


def _tpe_several_objectives(spec: Any, node: Node | None) -> Any:
    """Optuna 5's TPE default `multivariate=None` is false for several objectives (true when `group` is):
    the IR records that resolved value unless the config wrote `multivariate`."""
    if spec.kind != "tpe":
        return spec
    options = node.get("options") if isinstance(node, Mapping) else None
    if isinstance(options, Mapping) and "multivariate" in options:
        return spec
    return ComponentSpec(spec.kind, {**spec.options, "multivariate": bool(spec.options.get("group"))})


def _check_annotation(lo: Lowering, node: Mapping) -> None:
    """A `_comment` annotation is a string or a list of strings (the schema says the same)."""
    entry = node.entry(ANNOTATION_KEY)
    if entry is None:
        return
    value = to_python(entry.value)
    if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
        lo.report(S.WRONG_TYPE, entry.value, key=ANNOTATION_KEY, expected="a string or a list of strings", got=node_desc(entry.value))


def _read_carried(lo: Lowering, field: V2Field) -> Any:
    """A study key carried into the IR as read; absent or invalid (reported): its default."""
    node = lo.block.get(field.name)
    if node is None:
        return field.default
    value = _read_value(lo, node, field, field.name)
    return field.default if value is _INVALID else value


_INVALID = object()


def _read_value(lo: Lowering, node: Node, field: V2Field, key: str) -> Any:
    """The value of a key with a scalar shape, checked against its `V2Field`; `_INVALID` when reported."""
    if field.nullable and isinstance(node, Scalar) and node.value is None:
        return None
    if field.shape == "enum":
        return _enum(lo, node, field)
    if field.shape == "int":
        value: Any = read_int(lo, node, key, minimum=field.minimum, maximum=field.maximum, nullable=field.nullable)  # type: ignore[arg-type]
    elif field.shape == "number":
        value = read_number(lo, node, key, exclusive_minimum=field.exclusive_minimum, minimum=field.minimum,
                            maximum=field.maximum, exclusive_maximum=field.exclusive_maximum, nullable=field.nullable)
        value = None if value is None else float(value)
    elif field.shape == "bool":
        value = read_bool(lo, node, key)
    else:
        value = read_str(lo, node, key, nullable=field.nullable, nonempty=field.nonempty)
    # A nullable key's null returned above: None from a reader is a reported bad value.
    return _INVALID if value is None else value


def _enum(lo: Lowering, node: Node, field: V2Field) -> Any:
    choices = field.choices or {}
    if isinstance(node, Scalar) and node.value in choices:
        return node.value
    value = node.value if isinstance(node, Scalar) else node_desc(node)
    rule = _UNKNOWN_VALUE_RULES.get(field.name)
    if rule is None:
        lo.report(S.WRONG_TYPE, node, key=field.name, expected="one of " + ", ".join(choices), got=node_desc(node))
    else:
        lo.report(rule, node, value=value, hint=did_you_mean(value, choices))
    return _INVALID


def _mapping(lo: Lowering, key: str, allowed: tuple[str, ...]) -> Mapping | None:
    node = lo.block.get(key)
    if node is None:
        return None
    if not isinstance(node, Mapping):
        lo.report(S.WRONG_TYPE, node, key=key, expected="a mapping", got=node_desc(node))
        return None
    for entry in node.entries:
        if entry.key.value not in allowed:
            lo.report(S.UNKNOWN_KEY, entry.key, key=entry.key.value, hint=did_you_mean(entry.key.value, allowed))
    return node


def _validation(lo: Lowering, approach: str, seed: int | None) -> Validation | None:
    node = _mapping(lo, "validation", tuple(f.name for f in VALIDATION_FIELDS))
    if node is not None and approach != "single":
        lo.report(T.VALIDATION_UNUSED, lo.block.require("validation").key, approach=approach)
    if approach != "single":
        return None
    fraction_field, seed_field = VALIDATION_FIELDS
    fraction, split_seed = fraction_field.default, seed
    if node is not None:
        fraction_node = node.get("holdout_fraction")
        if fraction_node is not None:
            read = _read_value(lo, fraction_node, fraction_field, "validation.holdout_fraction")
            fraction = fraction if read is _INVALID else read
        seed_node = node.get("seed")
        if seed_node is not None:
            # Omitted, the split takes the study's seed; written but invalid, no seed (a fresh split).
            read = _read_value(lo, seed_node, seed_field, "validation.seed")
            split_seed = None if read is _INVALID else read
    return Validation(holdout_fraction=float(fraction), seed=split_seed)


def _failure_policy(lo: Lowering) -> FailurePolicy:
    node = _mapping(lo, "failure_policy", tuple(f.name for f in FAILURE_POLICY_FIELDS))
    values = {f.name: f.default for f in FAILURE_POLICY_FIELDS}
    if node is not None:
        for f in FAILURE_POLICY_FIELDS:
            value_node = node.get(f.name)
            if value_node is not None:
                read = _read_value(lo, value_node, f, f"failure_policy.{f.name}")
                values[f.name] = f.default if read is _INVALID else read
    return FailurePolicy(**values)


def _tracking(lo: Lowering, study_id: str) -> Tracking | None:
    """`tracking: {mlflow: {tracking_uri, experiment}}`; null or absent: none. The experiment defaults to the study id."""
    block = lo.block.get("tracking")
    if block is None or (isinstance(block, Scalar) and block.value is None):
        return None
    node = _mapping(lo, "tracking", ("mlflow",))
    if node is None:
        return None
    mlflow = node.get("mlflow")
    if mlflow is None:
        lo.report(S.WRONG_TYPE, node, key="tracking.mlflow", expected="set (the tracking backend)", got="nothing")
        return None
    if not isinstance(mlflow, Mapping):
        lo.report(S.WRONG_TYPE, mlflow, key="tracking.mlflow", expected="a mapping {tracking_uri, experiment}", got=node_desc(mlflow))
        return None
    keys = tuple(f.name for f in MLFLOW_FIELDS)
    for entry in mlflow.entries:
        if entry.key.value not in keys:
            lo.report(S.UNKNOWN_KEY, entry.key, key=entry.key.value, hint=did_you_mean(entry.key.value, keys))
    uri_field, experiment_field = MLFLOW_FIELDS
    uri_node, experiment_node = mlflow.get("tracking_uri"), mlflow.get("experiment")
    if uri_node is None:
        lo.report(S.WRONG_TYPE, mlflow, key="tracking.mlflow.tracking_uri", expected="set (the MLflow tracking URI)", got="nothing")
        return None
    uri = _read_value(lo, uri_node, uri_field, "tracking.mlflow.tracking_uri")
    experiment = study_id if experiment_node is None else _read_value(lo, experiment_node, experiment_field, "tracking.mlflow.experiment")
    if uri is _INVALID or experiment is _INVALID:
        return None
    return Tracking(mlflow=MlflowTracking(tracking_uri=uri, experiment=experiment))


def _phases(lo: Lowering) -> list[Phase]:
    node = lo.block.get("phases")
    if node is None:
        return []
    if not isinstance(node, Sequence):
        lo.report(S.WRONG_TYPE, node, key="phases", expected="a list of {n_trials, sampler}", got=node_desc(node))
        return []
    phases = []
    for item in mapping_items(lo, node, "phases[]", "a mapping {n_trials, sampler}"):
        for entry in item.entries:
            if entry.key.value not in ("n_trials", "sampler"):
                lo.report(S.UNKNOWN_KEY, entry.key, key=entry.key.value, hint=did_you_mean(entry.key.value, ("n_trials", "sampler")))
        n_node = item.get("n_trials")
        n = read_int(lo, n_node, "phases[].n_trials", minimum=1) if n_node is not None else None
        if n_node is None:
            lo.report(S.WRONG_TYPE, item, key="phases[].n_trials", expected="set", got="nothing")
        sampler = default_component(V2_FIELDS_BY_NAME["sampler"].default, SAMPLERS)
        sampler_node = item.get("sampler")
        if sampler_node is None:
            lo.report(S.WRONG_TYPE, item, key="phases[].sampler", expected="set (each phase names its sampler)", got="nothing")
        else:
            sampler = lower_component(lo, sampler_node, SAMPLERS, "phases[].sampler", strict=True) or sampler
        if n is not None:
            phases.append(Phase(n_trials=n, sampler=sampler))
    return phases


def _force_params(lo: Lowering, space: SpaceBuilder) -> list[Any]:
    node = lo.block.get("force_params")
    if node is None:
        return []
    if not isinstance(node, Sequence):
        lo.report(S.WRONG_TYPE, node, key="force_params", expected="a list of {model_params, train_params}", got=node_desc(node))
        return []
    trials = []
    for item in mapping_items(lo, node, "force_params[]", "a mapping {model_params, train_params}"):
        values: dict[str, dict[str, Any]] = {"model": {}, "train": {}}
        for entry in item.entries:
            target = {"model_params": "model", "train_params": "train"}.get(entry.key.value)
            if target is None:
                lo.report(S.UNKNOWN_KEY, entry.key, key=entry.key.value, hint=did_you_mean(entry.key.value, ("model_params", "train_params")))
                continue
            if not isinstance(entry.value, Mapping):
                lo.report(S.WRONG_TYPE, entry.value, key=f"force_params[].{entry.key.value}", expected="a mapping", got=node_desc(entry.value))
                continue
            for name_entry in entry.value.entries:
                check_forced(lo, space, target, name_entry.key.value, name_entry.key, name_entry.value, values)
        trials.append(ForcedTrial(model=values["model"], train=values["train"]))
    return trials


# --------------------------------------------------------------------------- values


def lower_value(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Node, key_node: Node) -> None:
    """One key of model_params/train_params: a spec, a fixed value or a nested group."""
    if isinstance(node, Scalar):
        space.add_fixed(target, name, path, node.value, node)
        return
    if isinstance(node, Sequence):
        tag = v2_range_tag(node)
        if tag is None:
            lo.report(P.V2_LIST_VALUE, node)
            return
        # `[tag, low, high]` is the mapping `{type, low, high}` (`log: true` for the _log tags).
        kind, log = tag
        bounds = _low_high(lo, node, name, node.items[1], node.items[2], integral=kind == "int")
        if bounds is None:
            return
        if kind == "int":
            space.add(int_entry(name, target, bounds[0], bounds[1], 1, log, path, node), node)
        else:
            space.add(float_entry(name, target, bounds[0], bounds[1], None, log, path, node), node)
        return
    _check_annotation(lo, node)
    if "type" in node:
        _lower_spec(lo, space, target, name, path, node)
        return
    if "fixed" in node:
        for entry in node.entries:
            if entry.key.value not in ("fixed", ANNOTATION_KEY):
                lo.report(S.UNKNOWN_KEY, entry.key, key=entry.key.value, hint=" (a {fixed: ...} value has no other key)")
        space.add_fixed(target, name, path, to_python(node.require("fixed").value), node)
        return
    if not any(e.key.value != ANNOTATION_KEY for e in node.entries):
        space.add_fixed(target, name, path, {}, node)
        return
    for entry in node.entries:
        if entry.key.value != ANNOTATION_KEY:
            lower_value(lo, space, target, f"{name}__{entry.key.value}", path + [entry.key.value], entry.value, entry.key)


def _lower_spec(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping) -> None:
    type_node = node.require("type").value
    kind = type_node.value if isinstance(type_node, Scalar) else None
    if kind not in SPEC_KEYS:
        lo.report(P.UNKNOWN_SPEC_TYPE, type_node, type=kind if isinstance(kind, str) else node_desc(type_node), hint=did_you_mean(kind, SPEC_KEYS))
        return
    for entry in node.entries:
        if entry.key.value not in SPEC_KEYS[kind] and entry.key.value != ANNOTATION_KEY:
            lo.report(S.UNKNOWN_KEY, entry.key, key=entry.key.value, hint=did_you_mean(entry.key.value, SPEC_KEYS[kind]))
    condition = _condition(lo, space, target, name, node)
    if condition is False:
        return
    cond = condition or None
    if kind == "categorical":
        choices_node = node.get("choices")
        if not isinstance(choices_node, Sequence):
            lo.report(S.WRONG_TYPE, choices_node or node, key=f"{name}.choices", expected="a non-empty list", got=node_desc(choices_node) if choices_node else "nothing")
            return
        if not choices_node.items:
            lo.report(P.EMPTY_CHOICES, choices_node, name=name)
            return
        seen: set[str] = set()
        for item in choices_node.items:
            key = _json_key(to_python(item))
            if key in seen:
                lo.report(P.DUPLICATE_CHOICE, item, value=json.dumps(to_python(item)), name=name)
                return
            seen.add(key)
        space.add(categorical_entry(name, target, to_python(choices_node), path, node, cond), node)
        return
    if kind == "sorted_tuple":
        _lower_sorted_tuple(lo, space, target, name, path, node, cond)
        return
    bounds = _bounds(lo, node, name, integral=kind == "int")
    if bounds is None:
        return
    low, high, step, log = bounds
    if kind == "int":
        space.add(int_entry(name, target, low, high, 1 if step is None else step, log, path, node, cond), node)
    else:
        space.add(float_entry(name, target, low, high, step, log, path, node, cond), node)


def _json_key(value: Any) -> str:
    """Equality as JSON Schema's uniqueItems sees it: numbers by value (1 == 1.0), booleans apart."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"n:{value!r}" if isinstance(value, float) and not value.is_integer() else f"n:{int(value)}"
    if isinstance(value, list):
        return "[" + ",".join(_json_key(v) for v in value) + "]"
    return "{" + ",".join(f"{json.dumps(k)}:{_json_key(v)}" for k, v in sorted(value.items())) + "}"


def _low_high(lo: Lowering, node: Node, name: str, low: Node | None, high: Node | None, *, integral: bool) -> list[Any] | None:
    values = []
    for key, child in (("low", low), ("high", high)):
        if child is None:
            lo.report(P.BAD_BOUND, node, what=key, name=name, problem="is missing")
            return None
        value = child.value if isinstance(child, Scalar) else None
        if not (is_int(value) if integral else is_number(value)):
            lo.report(P.BAD_BOUND, child, what=key, name=name, problem=f"must be {'an integer' if integral else 'a number'}, got {node_desc(child)}")
            return None
        values.append(int(value) if integral else value)  # type: ignore[arg-type]
    return values


def _bounds(lo: Lowering, node: Mapping, name: str, *, integral: bool) -> tuple[Any, Any, Any, bool] | None:
    values = _low_high(lo, node, name, node.get("low"), node.get("high"), integral=integral)
    if values is None:
        return None
    step = None
    step_node = node.get("step")
    if step_node is not None and not (isinstance(step_node, Scalar) and step_node.value is None and not integral):
        value = step_node.value if isinstance(step_node, Scalar) else None
        if not ((is_int(value) if integral else is_number(value)) and value > 0):  # type: ignore[operator]
            lo.report(P.BAD_BOUND, step_node, what="step", name=name, problem=f"must be a positive {'integer' if integral else 'number'}{'' if integral else ' or null'}, got {node_desc(step_node)}")
            return None
        step = int(value) if integral else value  # type: ignore[arg-type]
    log = False
    log_node = node.get("log")
    if log_node is not None:
        log = bool(read_bool(lo, log_node, f"{name}.log"))
    return values[0], values[1], step, log


def _lower_sorted_tuple(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping, cond: Condition | None) -> None:
    length = node.get("length")
    if length is None:
        lo.report(P.BAD_BOUND, node, what="length", name=name, problem="is missing")
        return
    if isinstance(length, Mapping):
        for entry in length.entries:
            if entry.key.value not in ("low", "high"):
                lo.report(S.UNKNOWN_KEY, entry.key, key=entry.key.value, hint=did_you_mean(entry.key.value, ("low", "high")))
        lengths = [read_int(lo, length.get(k) or length, f"{name}.length.{k}", minimum=1) for k in ("low", "high")]
    else:
        n = read_int(lo, length, f"{name}.length", minimum=1)
        lengths = [n, n]
    element = node.get("element")
    if not isinstance(element, Mapping):
        lo.report(S.WRONG_TYPE, element or node, key=f"{name}.element", expected="a mapping {type, low, high, step, log}", got=node_desc(element) if element else "nothing")
        return
    etype = element.get("type")
    ekind = etype.value if isinstance(etype, Scalar) else None
    if ekind not in ("int", "float"):
        lo.report(P.UNKNOWN_SPEC_TYPE, etype or element, type=ekind if isinstance(ekind, str) else "nothing", hint=" (elements are int or float)")
        return
    for entry in element.entries:
        if entry.key.value not in ("type", "low", "high", "step", "log"):
            lo.report(S.UNKNOWN_KEY, entry.key, key=entry.key.value, hint=did_you_mean(entry.key.value, ("type", "low", "high", "step", "log")))
    bounds = _bounds(lo, element, f"{name}.element", integral=ekind == "int")
    if bounds is None or None in lengths:
        return
    low, high, step, log = bounds
    if lengths[0] > lengths[1]:  # type: ignore[operator]
        lo.report(LOW_GREATER_THAN_HIGH, length, what=f"length of {name!r}", low=lengths[0], high=lengths[1])
        return
    spec = element_spec(ekind, low, high, step, log)
    space.add(sorted_tuple_entry(name, target, lengths[0], lengths[1], spec, path, node, cond), node)  # type: ignore[arg-type]


def _condition(lo: Lowering, space: SpaceBuilder, target: str, name: str, node: Mapping) -> Condition | None | bool:
    """The entry's `when`/`when_not` condition; False (reported) when it is invalid."""
    found = [(k, node.get(k)) for k in ("when", "when_not") if k in node]
    if not found:
        return None
    if len(found) > 1:
        lo.report(P.CONDITION_INVALID, node.require("when_not").key, key="when_not", name=name, problem="use either when or when_not, not both")
        return False
    key, value = found[0]
    if not isinstance(value, Mapping) or len(value.entries) != 1:
        lo.report(P.CONDITION_INVALID, value, key=key, name=name, problem="must be a mapping with exactly one parent parameter")
        return False
    parent_entry = value.entries[0]
    parent = space.declared(target, parent_entry.key.value)
    if parent is None:
        lo.report(P.CONDITION_INVALID, parent_entry.key, key=key, name=name, problem=f"{parent_entry.key.value!r} is not a {target} parameter declared before it")
        return False
    raw = to_python(parent_entry.value)
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        lo.report(P.CONDITION_INVALID, parent_entry.value, key=key, name=name, problem="lists no values")
        return False
    return Condition(param=parent.name, values=values, negate=key == "when_not")
