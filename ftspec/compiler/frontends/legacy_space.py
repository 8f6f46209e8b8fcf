"""The legacy front-end's search-space forms: tagged and categorical lists, dict specs (categorical,
int/float ranges, sorted tuples), lowered the way nirs4all 1.4 samples them.

Split from `legacy.py`, which reads the block's keys (sampler, pruner, approach, eval_mode, metric,
...), finds the model and train parameters (flat form, nested groups) and assembles the study; the
reference is the same: nirs4all 1.4.10 `_sample_single_parameter`, `_suggest_from_dict` and
`_suggest_sorted_tuple`.
"""

from __future__ import annotations

import json
from typing import Any

from ftspec.compiler.diagnostics import Fix, FixOp
from ftspec.compiler.distributions import as_float
from ftspec.compiler.frontends.common import (
    ANNOTATION_KEY,
    Lowering,
    SpaceBuilder,
    categorical_entry,
    did_you_mean,
    element_spec,
    float_entry,
    int_entry,
    is_int,
    node_desc,
    replace_fix,
    sorted_tuple_entry,
    v2_range_tag,
)
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, to_python
from ftspec.compiler.rules import space as P
from ftspec.compiler.rules import structure as S
from ftspec.compiler.rules.optuna import LOW_GREATER_THAN_HIGH

# (kind, log) of the range tags nirs4all recognises, case-sensitively.
RANGE_TAGS = {
    "int": ("int", False), "builtins.int": ("int", False), "int_log": ("int", True), "log_int": ("int", True),
    "float": ("float", False), "builtins.float": ("float", False), "float_log": ("float", True), "log_float": ("float", True),
}
DICT_SPEC_KEYS = (ANNOTATION_KEY, "type", "choices", "values", "min", "max", "low", "high", "step", "log", "length", "element_type", "when", "when_not", "options")


def is_range_list(node: Node) -> bool:
    if not isinstance(node, Sequence) or len(node.items) != 3:
        return False
    head, low, high = (item.value if isinstance(item, Scalar) else None for item in node.items)
    return isinstance(head, str) and head in RANGE_TAGS and _pynum(low) and _pynum(high)


def _pynum(value: Any) -> bool:
    """Python's isinstance(v, (int, float)), which nirs4all uses: booleans count as numbers."""
    return isinstance(value, (int, float))


def _explicit(kind: str, low: Any, high: Any, log: bool, step: Any = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": kind, "low": low, "high": high}
    if step is not None:
        spec["step"] = step
    if log:
        spec["log"] = True
    return spec


def lower_spec(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Node) -> None:
    if isinstance(node, Sequence):
        _lower_list(lo, space, target, name, path, node)
    elif isinstance(node, Mapping):
        _lower_dict(lo, space, target, name, path, node)
    else:
        space.add_fixed(target, name, path, node.value, node)


def _lower_list(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Sequence) -> None:
    values = [to_python(item) for item in node.items]
    text = _short(values)
    if is_range_list(node):
        kind, log = RANGE_TAGS[values[0]]
        low, high = values[1], values[2]
        for raw, item, what in ((low, node.items[1], "low"), (high, node.items[2], "high")):
            if as_float(raw) is None:
                lo.report(P.BAD_BOUND, item, what=what, name=name, problem="is not a finite number")
                return
        if kind == "int":
            ilow, ihigh = int(low), int(high)
            for raw, item, cut in ((low, node.items[1], ilow), (high, node.items[2], ihigh)):
                if raw != cut or isinstance(raw, float):
                    lo.report(P.TRUNCATED_BOUND, item, replace_fix(item, cut), value=raw, truncated=cut)
            fix = _tagged_fix(node, _explicit("int", ilow, ihigh, log))
            lo.report(P.TAGGED_LIST, node, fix, text=text, kind="int", low=ilow, high=ihigh, log=" on a log scale" if log else "")
            space.add(int_entry(name, target, ilow, ihigh, 1, log, path, node), node)
        else:
            flow, fhigh = float(low), float(high)
            fix = _tagged_fix(node, _explicit("float", flow, fhigh, log))
            lo.report(P.TAGGED_LIST, node, fix, text=text, kind="float", low=flow, high=fhigh, log=" on a log scale" if log else "")
            space.add(float_entry(name, target, flow, fhigh, None, log, path, node), node)
        return
    if len(values) == 2 and isinstance(values[0], str) and values[0] in ("bool", "categorical") and isinstance(values[1], list):
        choices = values[1]
        if not choices:
            lo.report(P.EMPTY_CHOICES, node, name=name)
            return
        lo.report(P.CATEGORICAL_TAG_LIST, node, replace_fix(node, {"type": "categorical", "choices": choices}), text=text, choices=_short(choices))
        space.add(categorical_entry(name, target, choices, path, node), node)
        return
    if not values:
        lo.report(P.EMPTY_CHOICES, node, name=name)
        return
    explicit = replace_fix(node, {"type": "categorical", "choices": values}, "safe", "write the categorical explicitly")
    head = values[0]
    numbers = [v for v in values[1:] if _pynum(v) and not isinstance(v, bool)]
    if isinstance(head, str) and head not in RANGE_TAGS and head.strip().lower() in RANGE_TAGS and len(values) == 3 and len(numbers) == 2:
        kind, log = RANGE_TAGS[head.strip().lower()]
        fix = replace_fix(node, _explicit(kind, *_cast(kind, values[1], values[2]), log), "unsafe", "write the range the tag names")
        lo.report(P.TAG_CASE, node, fix, text=text, n=3, tag=head)
    elif isinstance(head, str) and head in RANGE_TAGS and len(values) in (3, 4):
        kind, log = RANGE_TAGS[head]
        fix = None
        extra = ""
        if len(values) == 4 and len(numbers) == 3:
            low, high = _cast(kind, values[1], values[2])
            step = int(values[3]) if kind == "int" else float(values[3])
            fix = replace_fix(node, _explicit(kind, low, high, log, step), "unsafe", "write the stepped range the list looks like")
            extra = " (a step is not part of the list form)"
        elif len(values) == 3:
            parsed = [_parse_number(v) for v in values[1:]]
            extra = " (the bounds are not numbers)"
            if None not in parsed:
                fix = replace_fix(node, _explicit(kind, *_cast(kind, *parsed), log), "unsafe", "write the range with numeric bounds")
        lo.report(P.TAGGED_LIST_LOOKALIKE, node, fix, text=text, n=len(values), tag=head, extra=extra)
    elif len(values) == 2 and len(numbers) == 1 and _pynum(values[0]) and not isinstance(values[0], bool):
        # Which one the author meant is theirs to say: the categorical keeps the meaning but would
        # make the finding disappear for good, so it is not applied without --unsafe-fixes.
        low, high = sorted(values)
        kind = "int" if all(is_int(v) for v in values) else "float"
        categorical = json.dumps({"type": "categorical", "choices": values})
        ranged = json.dumps({"type": kind, "low": low, "high": high})
        decision = replace_fix(node, {"type": "categorical", "choices": values}, "unsafe", f"decide: {categorical} (what nirs4all ran) or {ranged} (the range)")
        lo.report(P.TWO_ELEMENT_LIST, node, decision, low=values[0], high=values[1])
    else:
        lo.report(P.CATEGORICAL_LIST, node, explicit, n=len(values))
    space.add(categorical_entry(name, target, values, path, node), node)


def _tagged_fix(node: Sequence, spec: dict[str, Any]) -> Fix | None:
    """The mapping form, unless v2 reads the list as written (`["int", 1, 30]`): then nothing to rewrite."""
    tag = v2_range_tag(node)
    if tag is not None and (tag[0] == "float" or all(is_int(item.value) for item in node.items[1:])):  # type: ignore[union-attr]
        return None
    return replace_fix(node, spec, "safe", "write the range as a mapping")


def _cast(kind: str, low: Any, high: Any) -> tuple[Any, Any]:
    return (int(low), int(high)) if kind == "int" else (float(low), float(high))


def _parse_number(value: Any) -> float | int | None:
    if _pynum(value) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _short(value: Any) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _lower_dict(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping) -> None:
    for entry in node.entries:
        if entry.key.value not in DICT_SPEC_KEYS:
            lo.report(P.SPEC_KEY_IGNORED, entry.key, key=entry.key.value, name=name)
    for key in ("when", "when_not"):
        if key in node:
            lo.report(P.CONDITION_IGNORED, node.entry(key).key, key=key, name=name)  # type: ignore[union-attr]
    type_node = node.get("type")
    ptype = "categorical" if type_node is None else to_python(type_node)
    if ptype == "categorical":
        _lower_dict_categorical(lo, space, target, name, path, node, type_node)
    elif ptype in ("int", "int_log", "float", "float_log"):
        _lower_dict_range(lo, space, target, name, path, node, ptype, type_node)  # type: ignore[arg-type]
    elif ptype == "sorted_tuple":
        _lower_dict_sorted_tuple(lo, space, target, name, path, node)
    elif ptype in ("log_float", "log_int"):
        kind = "float" if ptype == "log_float" else "int"
        fix = Fix("unsafe", f"write type: {kind} with log: true", (
            FixOp("replace_value", type_node.pointer, value=kind),  # type: ignore[union-attr]
            FixOp("insert_key", node.pointer, key="log", value=True),
        ) if "log" not in node else (FixOp("replace_value", type_node.pointer, value=kind),))  # type: ignore[union-attr]
        lo.report(P.LOG_TYPE_IN_DICT, type_node, fix, type=ptype, kind=kind)
    else:
        lo.report(P.UNKNOWN_SPEC_TYPE, type_node, type=ptype, hint=did_you_mean(ptype, ("categorical", "int", "int_log", "float", "float_log", "sorted_tuple")))


def _lower_dict_categorical(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping, type_node: Node | None) -> None:
    key = "choices" if "choices" in node else "values" if "values" in node else None
    choices_node = node.get(key) if key else None
    choices = to_python(choices_node) if choices_node is not None else []
    if not choices:
        if type_node is None and any(k in node for k in ("min", "max", "low", "high")):
            low = to_python(node.get("min")) if "min" in node else to_python(node.get("low")) if "low" in node else None
            high = to_python(node.get("max")) if "max" in node else to_python(node.get("high")) if "high" in node else None
            kind = "int" if is_int(low) and is_int(high) else "float"
            fix = Fix("unsafe", f"add type: {kind}", (FixOp("insert_key", node.pointer, key="type", value=kind, first=True),))
            lo.report(P.SPEC_WITHOUT_TYPE, node, fix)
        elif "options" in node:
            lo.report(P.OPTIONS_WITHOUT_CHOICES, node.entry("options").key, name=name)  # type: ignore[union-attr]
        else:
            lo.report(P.EMPTY_CHOICES, choices_node or node, name=name)
        return
    if not isinstance(choices, list):
        lo.report(S.WRONG_TYPE, choices_node, key=f"{name}.{key}", expected="a list", got=node_desc(choices_node))  # type: ignore[arg-type]
        return
    if key == "values":
        lo.report(P.SPEC_KEY_ALIAS, node.entry("values").key, Fix("safe", "rename values to choices", (FixOp("rename_key", choices_node.pointer, key="choices"),)), old="values", new="choices")  # type: ignore[union-attr]
    elif "values" in node:
        lo.report(P.SPEC_KEY_IGNORED, node.entry("values").key, key="values", name=name)  # type: ignore[union-attr]
    if type_node is None:
        lo.report(P.SPEC_KEY_ALIAS, node, Fix("safe", "add type: categorical", (FixOp("insert_key", node.pointer, key="type", value="categorical", first=True),)), old="a spec without type", new="type: categorical")
    space.add(categorical_entry(name, target, choices, path, node), node)


def _bound(lo: Lowering, node: Mapping, name: str, keys: tuple[str, str], default: Any = None) -> tuple[Any, Node | None, bool]:
    """nirs4all's `get(keys[0], get(keys[1], default))`: (value, node, ok); reports the ignored alias."""
    first, second = keys
    if first in node:
        if second in node:
            lo.report(P.SPEC_KEY_IGNORED, node.entry(second).key, key=second, name=name)  # type: ignore[union-attr]
        chosen = node.get(first)
    elif second in node:
        chosen = node.get(second)
    else:
        return default, None, default is not None
    return to_python(chosen), chosen, True  # type: ignore[arg-type]


def _rename_fixes(node: Mapping) -> list[FixOp]:
    ops = []
    for old, new in (("min", "low"), ("max", "high")):
        if old in node and new not in node:
            ops.append(FixOp("rename_key", node.get(old).pointer, key=new))  # type: ignore[union-attr]
    return ops


def _lower_dict_range(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping, ptype: str, type_node: Node) -> None:
    kind = "int" if ptype.startswith("int") else "float"
    low, low_node, has_low = _bound(lo, node, name, ("min", "low"))
    high, high_node, has_high = _bound(lo, node, name, ("max", "high"))
    if low is None or high is None:
        missing = "low" if low is None else "high"
        lo.report(P.BAD_BOUND, (low_node if low is None else high_node) or node, what=missing, name=name, problem="is missing" if not (has_low and has_high) else "is null")
        return
    step_node = node.get("step")
    step = to_python(step_node) if step_node is not None else (1 if kind == "int" else None)
    log_node = node.get("log")
    log = ptype.endswith("_log") if log_node is None else to_python(log_node)
    if not isinstance(log, bool):
        lo.report(S.WRONG_TYPE, log_node, key=f"{name}.log", expected="true or false", got=node_desc(log_node))  # type: ignore[arg-type]
        return
    casted = []
    for raw, item, what in ((low, low_node, "low"), (high, high_node, "high"), (step, step_node, "step")):
        if what == "step" and raw is None:
            casted.append(None)
            continue
        number = _parse_number(raw) if isinstance(raw, str) else raw if _pynum(raw) else None
        if number is None or as_float(number) is None:
            lo.report(P.BAD_BOUND, item or node, what=what, name=name, problem=f"is not a number ({node_desc(item) if item else repr(raw)})")
            return
        if kind == "int":
            cut = int(number)
            if number != cut or isinstance(raw, (float, str)):
                lo.report(P.TRUNCATED_BOUND, item or node, replace_fix(item, cut) if item else None, value=raw, truncated=cut)
            casted.append(cut)
        else:
            casted.append(float(number))
    ops = _rename_fixes(node)
    if ptype.endswith("_log"):
        ops.append(FixOp("replace_value", type_node.pointer, value=kind))
        if log_node is None:
            ops.append(FixOp("insert_key", node.pointer, key="log", value=True))
    if ops:
        olds = [o for o in ("min", "max") if o in node and ("low" if o == "min" else "high") not in node]
        news = ["low" if o == "min" else "high" for o in olds]
        if ptype.endswith("_log"):
            olds.append(f"type: {ptype}")
            news.append(f"type: {kind}" + (", log: true" if log_node is None else ""))
        lo.report(P.SPEC_KEY_ALIAS, node, Fix("safe", "write the v2 spelling", tuple(ops)), old=", ".join(olds), new=", ".join(news))
    low, high, step = casted
    if kind == "int":
        if step is None or step <= 0:
            lo.report(P.BAD_BOUND, step_node or node, what="step", name=name, problem="must be a positive integer")
            return
        space.add(int_entry(name, target, low, high, step, log, path, node), node)
    else:
        if step is not None and step <= 0:
            lo.report(P.BAD_BOUND, step_node or node, what="step", name=name, problem="must be a positive number")
            return
        space.add(float_entry(name, target, low, high, step, log, path, node), node)


def _lower_dict_sorted_tuple(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping) -> None:
    length_node = node.get("length")
    length = 3 if length_node is None else to_python(length_node)
    try:
        if isinstance(length, bool) or is_int(length):
            lengths = (int(length), int(length))
        elif isinstance(length, list) and len(length) in (2, 3):
            lengths = (int(length[-2]), int(length[-1]))
        elif isinstance(length, dict):
            min_given = length.get("min")
            lmin = length.get("min", None) or length.get("low", 2)
            lmax = length.get("max", None) or length.get("high", 5)
            if min_given == 0:
                lo.report(P.SORTED_TUPLE_LENGTH_ZERO, length_node.get("min") or length_node, used=lmin)  # type: ignore[union-attr]
            lengths = (int(lmin), int(lmax))
        else:
            lengths = (int(length), int(length))
    except (TypeError, ValueError, OverflowError):
        lo.report(P.BAD_BOUND, length_node or node, what="length", name=name, problem=f"is not a length ({_short(length)})")
        return
    if lengths[0] < 0:
        lo.report(P.BAD_BOUND, length_node or node, what="length", name=name, problem=f"is negative ({lengths[0]})")
        return
    if lengths[0] > lengths[1]:
        lo.report(LOW_GREATER_THAN_HIGH, length_node or node, what=f"length of {name!r}", low=lengths[0], high=lengths[1])
        return
    low, _, _ = _bound(lo, node, name, ("min", "low"), 0.0)
    high, _, _ = _bound(lo, node, name, ("max", "high"), 1.0)
    step = to_python(node.get("step")) if node.get("step") is not None else None
    etype = to_python(node.get("element_type")) if node.get("element_type") is not None else "float"
    kind = "int" if etype in ("int", "int_log") else "float"
    log = to_python(node.get("log")) if node.get("log") is not None else etype in ("int_log", "float_log")
    if not isinstance(log, bool):
        lo.report(S.WRONG_TYPE, node.get("log"), key=f"{name}.log", expected="true or false", got=node_desc(node.get("log")))  # type: ignore[arg-type]
        return
    if step is not None and not (_pynum(step) and as_float(step) is not None and step > 0):
        lo.report(P.BAD_BOUND, node.get("step"), what="step", name=name, problem="must be a positive number")  # type: ignore[arg-type]
        return
    if as_float(low) is None or as_float(high) is None:
        lo.report(P.BAD_BOUND, node, what="bounds", name=name, problem="are not finite numbers")
        return
    try:
        element = element_spec(kind, low, high, step, bool(log))
    except (TypeError, ValueError, OverflowError):
        lo.report(P.BAD_BOUND, node, what="bounds", name=name, problem="are not numbers")
        return
    space.add(sorted_tuple_entry(name, target, lengths[0], lengths[1], element, path, node), node)
