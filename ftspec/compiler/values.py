"""Plain helpers of the front-ends and the rule modules: descriptions of values for messages, number
tests, the fix that replaces a value, and the builders of IR space entries. Nothing here reports a
finding (the reporting helpers, such as `read_int` and its FT111, live beside their rule in
`ftspec/compiler/rules/`), so both the rule modules and the front-ends import this module.
"""

from __future__ import annotations

import math
from typing import Any

from ftspec.compiler.diagnostics import Fix, FixOp
from ftspec.compiler.distributions import adjusted_high, as_float
from ftspec.compiler.nodes import Node, Scalar, Sequence
from ftspec.ir import (
    CategoricalParam,
    ComponentSpec,
    Condition,
    ElementSpec,
    FloatParam,
    IntParam,
    Location,
    SortedTupleParam,
)
from ftspec.schema.vocab import RANGE_TAGS, KindSpec, default_options


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


def legacy_token(node: Node) -> str | None:
    """nirs4all 1.4's `str(value).strip().lower()`; None for non-scalars."""
    if not isinstance(node, Scalar) or node.value is None:
        return None
    value = node.value
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return text.strip().lower()


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


def replace_fix(node: Node, value: Any, applicability: str = "safe", description: str | None = None) -> Fix:
    return Fix(applicability, description or f"write {value!r}", (FixOp("replace_value", node.pointer, value=value),))  # type: ignore[arg-type]


def default_component(kind: str, table: dict[str, KindSpec]) -> ComponentSpec:
    return ComponentSpec(kind, default_options(table[kind]))


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
