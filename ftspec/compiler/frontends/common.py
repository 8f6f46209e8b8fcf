"""What both front-ends share: the lowering context, typed reads of nodes, IR entry builders,
component (sampler/pruner) resolution, the metric/direction rule, and the keys both dialects read
the same way (n_trials, storage, lists of mappings, forced values).

Typed reads report FT111 and return None on a wrong type, so a front-end always finishes the block
and reports every finding in one pass.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ftspec.compiler.checks import Lowering
from ftspec.compiler.diagnostics import Fix, FixOp
from ftspec.compiler.distributions import adjusted_high, as_float
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, to_python
from ftspec.compiler.rules import structure as S
from ftspec.compiler.rules import study as T
from ftspec.ir import (
    CategoricalParam,
    ComponentSpec,
    Condition,
    ElementSpec,
    FloatParam,
    IntParam,
    Location,
    SortedTupleParam,
    SpaceEntry,
    Storage,
    place_at_path,
)
from ftspec.schema.metrics import METRICS, METRIC_ALIASES
from ftspec.schema.vocab import PRUNERS, RANGE_TAGS, SAMPLERS, KindSpec, OptionSpec, default_options


ANNOTATION_KEY = "_comment"
"""A key that carries a comment (JSON has none): ignored by nirs4all and by both front-ends."""


def location(node: Node) -> Location:
    return Location(pointer=node.pointer, line=node.span.line, column=node.span.column)


def did_you_mean(value: Any, options: Any) -> str:
    if not isinstance(value, str):
        return ""
    import difflib  # only for a finding: its import (~1 ms with heapq) is kept off the linter's start-up

    close = difflib.get_close_matches(value.lower(), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe(value: Any) -> str:
    """Short type-and-value description for messages."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def node_desc(node: Node) -> str:
    if isinstance(node, Scalar):
        return describe(node.value)
    return "a list" if isinstance(node, Sequence) else "a mapping"


def is_int(value: Any) -> bool:
    """An integer in JSON Schema's sense: never a boolean; a float without fraction counts (5.0 is 5)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer() and as_float(value) is not None


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def v2_range_tag(node: Node) -> tuple[str, bool] | None:
    """(type, log) when `node` is a v2 tagged list `[tag, low, high]` with numeric bounds, else None.

    The bounds are only numbers here: an `int` tag with a fractional bound is still a tagged list,
    whose bound the v2 front-end reports as it would in the mapping form.
    """
    if not isinstance(node, Sequence) or len(node.items) != 3:
        return None
    head, low, high = (item.value if isinstance(item, Scalar) else None for item in node.items)
    if not (isinstance(head, str) and head in RANGE_TAGS and is_number(low) and is_number(high)):
        return None
    return RANGE_TAGS[head]


def read_int(
    lo: Lowering, node: Node, key: str, *, minimum: int | None = None, maximum: int | None = None, nullable: bool = False,
) -> int | None:
    value = node.value if isinstance(node, Scalar) else object()
    if value is None and nullable:
        return None
    if is_int(value) and (minimum is None or value >= minimum) and (maximum is None or value <= maximum):
        return int(value)  # type: ignore[arg-type]
    bounds = ([f">= {minimum}"] if minimum is not None else []) + ([f"<= {maximum}"] if maximum is not None else [])
    expected = "an integer" + (" " + " and ".join(bounds) if bounds else "") + (" or null" if nullable else "")
    lo.report(S.WRONG_TYPE, node, key=key, expected=expected, got=node_desc(node))
    return None


def read_number(
    lo: Lowering, node: Node, key: str, *, exclusive_minimum: float | None = None, minimum: float | None = None,
    maximum: float | None = None, exclusive_maximum: float | None = None, nullable: bool = False,
) -> float | None:
    value = node.value if isinstance(node, Scalar) else object()
    if value is None and nullable:
        return None
    v = as_float(value) if is_number(value) else None
    ok = v is not None
    if ok:
        ok = ok and (exclusive_minimum is None or v > exclusive_minimum) and (minimum is None or v >= minimum)
        ok = ok and (maximum is None or v <= maximum) and (exclusive_maximum is None or v < exclusive_maximum)
    if ok:
        return value  # type: ignore[return-value]
    bounds = []
    if exclusive_minimum is not None:
        bounds.append(f"> {exclusive_minimum:g}")
    if minimum is not None:
        bounds.append(f">= {minimum:g}")
    if exclusive_maximum is not None:
        bounds.append(f"< {exclusive_maximum:g}")
    if maximum is not None:
        bounds.append(f"<= {maximum:g}")
    expected = "a number" + (" " + " and ".join(bounds) if bounds else "") + (" or null" if nullable else "")
    lo.report(S.WRONG_TYPE, node, key=key, expected=expected, got=node_desc(node))
    return None


def read_bool(lo: Lowering, node: Node, key: str) -> bool | None:
    if isinstance(node, Scalar) and isinstance(node.value, bool):
        return node.value
    lo.report(S.WRONG_TYPE, node, key=key, expected="true or false", got=node_desc(node))
    return None


def read_str(lo: Lowering, node: Node, key: str, *, nullable: bool = False, nonempty: bool = False) -> str | None:
    if isinstance(node, Scalar) and ((isinstance(node.value, str) and (node.value or not nonempty)) or (nullable and node.value is None)):
        return node.value  # type: ignore[return-value]
    expected = ("a non-empty string" if nonempty else "a string") + (" or null" if nullable else "")
    lo.report(S.WRONG_TYPE, node, key=key, expected=expected, got=node_desc(node))
    return None


# --------------------------------------------------------------------------- components


def read_options(lo: Lowering, spec: KindSpec, node: Node | None, owner: str, *, strict: bool) -> dict[str, Any]:
    """Options of a sampler/pruner with Optuna's defaults filled in; unknown or bad options are reported."""
    options = default_options(spec)
    if node is None:
        missing = [name for name, opt in spec.options.items() if opt.required]
        for name in missing:
            lo.report(S.WRONG_TYPE, lo.fields.get(owner, lo.block), key=f"{owner}.options.{name}", expected="set (required)", got="nothing")
        return options
    if not isinstance(node, Mapping):
        lo.report(S.WRONG_TYPE, node, key=f"{owner}.options", expected="a mapping", got=node_desc(node))
        return options
    for key, value in node.items():
        opt = spec.options.get(key)
        if opt is None:
            entry = node.entry(key)
            lo.report(S.UNKNOWN_KEY, entry.key if entry else node, key=key, hint=did_you_mean(key, spec.options) or f" (options of this kind: {', '.join(spec.options) or 'none'})")
            continue
        read = _read_option(lo, opt, value, f"{owner}.options.{key}", strict=strict)
        if read is not _BAD:
            options[key] = read
    for name, opt in spec.options.items():
        if opt.required and name not in node:
            lo.report(S.WRONG_TYPE, node, key=f"{owner}.options.{name}", expected="set (required)", got="nothing")
    return options


_BAD = object()


def _read_option(lo: Lowering, opt: OptionSpec, node: Node, key: str, *, strict: bool) -> Any:
    value = node.value if isinstance(node, Scalar) else _BAD
    if value is None and opt.nullable:
        return None
    if opt.type == "pruner":
        wrapped = lower_component(lo, node, PRUNERS, key, strict=strict)
        # Stored as plain JSON data: options are JSON values in the IR.
        return _BAD if wrapped is None else {"kind": wrapped.kind, "options": wrapped.options}
    if opt.type == "bool":
        ok = isinstance(value, bool)
        expected = "true or false"
    elif opt.type in ("int", "int_or_auto"):
        ok = is_int(value) or (opt.type == "int_or_auto" and value == "auto")
        expected = "an integer" + (" or 'auto'" if opt.type == "int_or_auto" else "")
        if is_int(value):
            ok = ok and _within(opt, value)  # type: ignore[arg-type]
    elif opt.type == "float":
        ok = is_number(value) and _within(opt, value)  # type: ignore[arg-type]
        expected = "a number"
    else:
        ok = isinstance(value, str) and (opt.choices is None or value in opt.choices)
        expected = "one of " + ", ".join(opt.choices) if opt.choices else "a string"
    if ok:
        if opt.type == "float":
            return float(value)  # type: ignore[arg-type]
        return int(value) if is_int(value) else value  # type: ignore[arg-type]
    if opt.minimum is not None:
        expected += f" >= {opt.minimum:g}"
    if opt.exclusive_minimum is not None:
        expected += f" > {opt.exclusive_minimum:g}"
    if opt.maximum is not None:
        expected += f" <= {opt.maximum:g}"
    if opt.nullable:
        expected += " or null"
    lo.report(S.WRONG_TYPE, node, key=key, expected=expected, got=node_desc(node))
    return _BAD


def _within(opt: OptionSpec, value: float) -> bool:
    return (
        (opt.minimum is None or value >= opt.minimum)
        and (opt.exclusive_minimum is None or value > opt.exclusive_minimum)
        and (opt.maximum is None or value <= opt.maximum)
    )


def lower_component(
    lo: Lowering, node: Node, table: dict[str, KindSpec], key: str, *, strict: bool
) -> ComponentSpec | None:
    """A v2 sampler/pruner: a kind string, or `{kind, options}`. None (reported) when invalid."""
    unknown = T.UNKNOWN_SAMPLER if table is SAMPLERS else T.UNKNOWN_PRUNER
    if isinstance(node, Scalar) and isinstance(node.value, str):
        if node.value not in table:
            lo.report(unknown, node, value=node.value, hint=did_you_mean(node.value, table))
            return None
        return ComponentSpec(node.value, read_options(lo, table[node.value], None, key, strict=strict))
    if not isinstance(node, Mapping):
        lo.report(S.WRONG_TYPE, node, key=key, expected="a kind name or {kind, options}", got=node_desc(node))
        return None
    for k in node.keys():
        if k not in ("kind", "options"):
            entry = node.entry(k)
            lo.report(S.UNKNOWN_KEY, entry.key if entry else node, key=k, hint=" (a sampler or pruner has `kind` and `options`)")
    kind_node = node.get("kind")
    if kind_node is None:
        lo.report(S.WRONG_TYPE, node, key=f"{key}.kind", expected="set", got="nothing")
        return None
    kind = read_str(lo, kind_node, f"{key}.kind")
    if kind is None:
        return None
    if kind not in table:
        lo.report(unknown, kind_node, value=kind, hint=did_you_mean(kind, table))
        return None
    return ComponentSpec(kind, read_options(lo, table[kind], node.get("options"), key, strict=strict))


def default_component(kind: str, table: dict[str, KindSpec]) -> ComponentSpec:
    return ComponentSpec(kind, default_options(table[kind]))


# --------------------------------------------------------------------------- metric


def resolve_metric(
    lo: Lowering, metric_node: Node | None, direction_node: Node | None, *, default_metric: str | None,
    allow_alias: bool, normalize_direction: bool,
) -> tuple[str, str]:
    """(metric, direction); the direction comes from the registry and a conflict is a finding."""
    metric = default_metric or "rmse"
    if metric_node is not None:
        raw = read_str(lo, metric_node, "metric")
        if raw is not None:
            if raw in METRICS:
                metric = raw
            elif allow_alias and raw.strip().lower() in METRICS:
                metric = raw.strip().lower()
                lo.report(T.NON_CANONICAL_SPELLING, metric_node, replace_fix(metric_node, metric), key="metric", value=raw, canonical=metric)
            elif allow_alias and raw.strip().lower() in METRIC_ALIASES:
                metric = METRIC_ALIASES[raw.strip().lower()]
                lo.report(T.METRIC_ALIAS, metric_node, replace_fix(metric_node, metric), value=raw, canonical=metric)
            else:
                lo.report(T.UNKNOWN_METRIC, metric_node, value=raw, hint=did_you_mean(raw, list(METRICS) + list(METRIC_ALIASES)))
    expected = METRICS[metric].direction
    if direction_node is not None:
        raw = read_str(lo, direction_node, "direction")
        if raw is not None:
            direction = raw.strip().lower() if normalize_direction else raw
            if direction not in ("minimize", "maximize"):
                lo.report(T.UNKNOWN_DIRECTION, direction_node, value=raw, hint=did_you_mean(raw.strip(), ("minimize", "maximize")))
            elif direction != expected:
                if metric_node is None and default_metric is not None:
                    effect = (
                        f"maximised the {metric} loss, picking the worst trial" if direction == "maximize"
                        else f"minimised {metric}, picking the worst trial"
                    )
                    lo.report(T.DIRECTION_WITHOUT_METRIC, direction_node, direction=direction, effect=effect)
                else:
                    lo.report(T.DIRECTION_CONFLICT, direction_node, direction=direction, metric=metric, expected=expected)
            elif raw != direction:
                lo.report(T.NON_CANONICAL_SPELLING, direction_node, replace_fix(direction_node, direction), key="direction", value=raw, canonical=direction)
    return metric, expected


def replace_fix(node: Node, value: Any, applicability: str = "safe", description: str | None = None) -> Fix:
    return Fix(applicability, description or f"write {value!r}", (FixOp("replace_value", node.pointer, value=value),))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- entries


def int_entry(name: str, target: str, low: int, high: int, step: int, log: bool, path: list[str], node: Node, condition: Condition | None = None) -> IntParam:
    high = adjusted_high(low, high, step, True)
    return IntParam(name=name, target=target, low=low, high=high, step=step, log=log, path=path, condition=condition, source=location(node))  # type: ignore[arg-type]


def float_entry(name: str, target: str, low: float, high: float, step: float | None, log: bool, path: list[str], node: Node, condition: Condition | None = None) -> FloatParam:
    high = adjusted_high(low, high, step, False)
    # A bound beyond the float range stays as written; SpaceBuilder.add refuses it with a finding.
    return FloatParam(
        name=name, target=target, low=_float_or_raw(low), high=_float_or_raw(high), step=None if step is None else _float_or_raw(step),
        log=log, path=path, condition=condition, source=location(node),  # type: ignore[arg-type]
    )


def categorical_entry(name: str, target: str, choices: list[Any], path: list[str], node: Node, condition: Condition | None = None) -> CategoricalParam:
    return CategoricalParam(name=name, target=target, choices=choices, path=path, condition=condition, source=location(node))  # type: ignore[arg-type]


def _float_or_raw(value: Any) -> Any:
    converted = as_float(value)
    return value if converted is None else converted


def element_spec(kind: str, low: Any, high: Any, step: Any, log: bool) -> ElementSpec:
    """A sorted_tuple element range with Optuna's adjusted high (int elements step 1 by default)."""
    if kind == "int":
        step = 1 if step is None else int(step)
        return ElementSpec(kind="int", low=int(low), high=adjusted_high(int(low), int(high), step, True), step=step, log=bool(log))
    step = None if step is None else float(step)
    low, high = float(low), float(high)
    return ElementSpec(kind="float", low=low, high=float(adjusted_high(low, high, step, False)), step=step, log=bool(log))


def sorted_tuple_entry(name: str, target: str, length_low: int, length_high: int, element: ElementSpec, path: list[str], node: Node, condition: Condition | None = None) -> SortedTupleParam:
    return SortedTupleParam(
        name=name, target=target, length_low=length_low, length_high=length_high, element=element,
        path=path, condition=condition, source=location(node),  # type: ignore[arg-type]
    )


def finite_value(value: Any) -> bool:
    """No NaN, infinity or float-overflowing integer anywhere in a value (the IR is strict JSON)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return as_float(value) is not None
    if isinstance(value, dict):
        return all(finite_value(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(finite_value(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return finite_value(vars(value))
    return True


class SpaceBuilder:
    """Collects space entries and fixed values of one block, refusing two values at one place."""

    def __init__(self, lo: Lowering) -> None:
        self.lo = lo
        self.entries: list[SpaceEntry] = []
        self.fixed: dict[str, dict[str, Any]] = {"model": {}, "train": {}}
        self._leaves: dict[str, set[tuple[str, ...]]] = {"model": set(), "train": set()}
        self._groups: dict[str, set[tuple[str, ...]]] = {"model": set(), "train": set()}
        self._names: dict[str, set[str]] = {"model": set(), "train": set()}

    def _claim(self, target: str, name: str, path: list[str], node: Node) -> bool:
        from ftspec.compiler.rules import space as P

        if name in self._names[target]:
            self.lo.report(P.NAME_CONFLICT, node, name=name, problem="is defined twice (after flattening nested groups with `__`)")
            return False
        new = tuple(path)
        leaves, groups = self._leaves[target], self._groups[target]
        problem = None
        if new in leaves:
            problem = "is defined twice"
        elif new in groups:
            problem = f"is both a value and a group ({'__'.join(new)!r})"
        else:
            for i in range(1, len(new)):
                if new[:i] in leaves:
                    problem = f"is both a value and a group ({'__'.join(new[:i])!r})"
                    break
        if problem is not None:
            self.lo.report(P.NAME_CONFLICT, node, name=name, problem=problem)
            return False
        leaves.add(new)
        groups.update(new[:i] for i in range(1, len(new)))
        self._names[target].add(name)
        return True

    def add(self, entry: SpaceEntry, node: Node) -> None:
        if not finite_value(vars(entry)):
            self._not_finite(entry.name, node)
        elif self._claim(entry.target, entry.name, entry.path, node):
            self.entries.append(entry)

    def add_fixed(self, target: str, name: str, path: list[str], value: Any, node: Node) -> None:
        if not finite_value(value):
            self._not_finite(name, node)
        elif self._claim(target, name, path, node):
            place_at_path(self.fixed[target], path, value)  # _claim has refused every conflict

    def _not_finite(self, name: str, node: Node) -> None:
        from ftspec.compiler.rules import space as P

        self.lo.report(P.BAD_BOUND, node, what="a value", name=name, problem="is not a finite number (NaN, Infinity or too large); the parameter is left out of the IR")

    def declared(self, target: str, name: str) -> SpaceEntry | None:
        for entry in self.entries:
            if entry.target == target and entry.name == name:
                return entry
        return None


# --------------------------------------------------------------------------- keys both dialects read alike


def mapping_items(lo: Lowering, node: Sequence, key: str, expected: str) -> Iterator[Mapping]:
    """The items of a list that must hold mappings (phases, v2 force_params); reports the others."""
    for item in node.items:
        if not isinstance(item, Mapping):
            lo.report(S.WRONG_TYPE, item, key=key, expected=expected, got=node_desc(item))
            continue
        yield item


def read_n_trials(lo: Lowering, node: Node | None, default: int) -> int:
    """`n_trials`: a positive integer (FT317 bad-n-trials otherwise, and the default is kept)."""
    if node is None:
        return default
    value = node.value if isinstance(node, Scalar) else None
    if is_int(value) and value >= 1:  # type: ignore[operator]
        return int(value)  # type: ignore[arg-type]
    lo.report(T.BAD_N_TRIALS, node, got=node_desc(node))
    return default


def read_storage(lo: Lowering, *, nonempty_name: bool) -> Storage | None:
    """`storage`, `study_name` and `resume`; a name or resume without a storage URL is reported and dropped."""
    get = lo.block.get
    url = None if get("storage") is None else read_str(lo, get("storage"), "storage", nullable=True)  # type: ignore[arg-type]
    name = None if get("study_name") is None else read_str(lo, get("study_name"), "study_name", nullable=True, nonempty=nonempty_name)  # type: ignore[arg-type]
    resume = False if get("resume") is None else bool(read_bool(lo, get("resume"), "resume"))  # type: ignore[arg-type]
    if url is None:
        for key, value in (("study_name", name), ("resume", resume)):
            if value:
                lo.report(T.RESUME_WITHOUT_STORAGE, lo.block.entry(key).key, key=key)  # type: ignore[union-attr]
        return None
    return Storage(url=url, study_name=name, resume=resume)


# --------------------------------------------------------------------------- force_params


def check_forced(lo: Lowering, space: SpaceBuilder, target: str, name: str, key_node: Node, value_node: Node, into: dict[str, dict[str, Any]]) -> None:
    """Check one forced value against its parameter's domain and record it."""
    declared = space.declared(target, name)
    if declared is None:
        lo.report(T.FORCE_PARAMS_UNKNOWN, key_node, key=name, target=target)
        return
    value = to_python(value_node)
    domain = _domain_problem(declared, value)
    if domain is not None:
        lo.report(T.FORCE_PARAMS_OUT_OF_DOMAIN, value_node, value=value, key=name, domain=domain)
        return
    into[target][name] = value


def _domain_problem(entry: SpaceEntry, value: Any) -> str | None:
    if entry.kind == "categorical":
        return None if any(value == c and type(value) is type(c) for c in entry.choices) else f"the choices {entry.choices!r}"
    if entry.kind == "int":
        ok = is_int(value) and entry.low <= value <= entry.high and (value - entry.low) % entry.step == 0
        return None if ok else f"int range [{entry.low}, {entry.high}] step {entry.step}"
    if entry.kind == "float":
        ok = is_number(value) and entry.low <= value <= entry.high
        return None if ok else f"float range [{entry.low}, {entry.high}]"
    return None if isinstance(value, list) else "a list of numbers"
