"""Hypothesis strategies shared by the property tests and bench/fuzz.py (one place per generator).

- Legacy side (from tests/test_properties.py): arbitrary JSON documents around `finetune_params`
  (`json_documents`), YAML-ish text (`yaml_texts`) and bytes (`yaml_bytes`), and legacy blocks
  mixing every legacy spec form (`legacy_blocks`, placed in a pipeline by `legacy_document`).
- v2 side (from tests/test_schema.py): `documents()`, v2 blocks with at most one near miss, for
  the schema/pydantic/front-end agreement properties.
- Runtime side: `runnable_v2()`, valid v2 blocks the runtime can run quickly (see `_RunnableGen`),
  returned with the domain each parameter declares (`Declared`), read from the block itself and
  not from the compiler; and `ir_spaces()`, IR space entries built directly, conditions included.
"""

from __future__ import annotations

import copy
import json
import math
import string
from dataclasses import dataclass
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

from ftspec.schema.metrics import METRICS
from ftspec.schema.vocab import APPROACHES, DIRECTIONS, EVAL_MODES, PRUNERS, SAMPLERS, OptionSpec

CI_EXAMPLES = 100
THOROUGH_EXAMPLES = 1000
"""Examples per property under the `ci` and `thorough` profiles (tests/conftest.py)."""


def examples(n: int) -> int:
    """`n` examples under the `ci` profile, scaled with the loaded profile (10 n under `thorough`).

    Call it when the test module is imported (in a `@settings`), after the profile is loaded."""
    return max(1, n * settings.default.max_examples // CI_EXAMPLES)


# =========================================================================== legacy side


VOCABULARY = [
    "finetune_params", "finetune_space", "pipeline", "model", "class", "params", "name", "version", "n_trials",
    "sampler", "sample", "pruner", "approach", "eval_mode", "metric", "direction", "seed", "n_jobs", "storage",
    "study_name", "resume", "force_params", "phases", "model_params", "train_params", "timeout", "verbose",
    "engine", "type", "low", "high", "min", "max", "step", "log", "choices", "values", "length", "element",
    "element_type", "when", "when_not", "options", "fixed", "kind", "validation", "failure_policy", "split",
    "branch", "a__b", "_or_", "cv_mode",
]
WORDS = [
    "int", "float", "int_log", "log_float", "INT", "categorical", "sorted_tuple", "bool", "tpe", "grid", "auto",
    "random", "cmaes", "binary", "hyperband", "median", "single", "grouped", "cross", "avg", "mean", "rmse", "r2",
    "maximize", "minimize", "sklearn.model_selection.KFold", "nirs4all.operators.models.MetaModel",
    "sqlite:///x.db", "journal:///x.log", "redis://x", " GRID ",
]
keys = st.sampled_from(VOCABULARY) | st.text(max_size=6)
json_scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8) | st.sampled_from(WORDS) | st.sampled_from([0, 1, 2, 3, 5, 10, 0.5, 2.0])
)
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=6), max_leaves=40
)
json_documents = st.one_of(
    json_values,
    json_values.map(lambda v: {"finetune_params": v}),
    st.dictionaries(keys, json_values, max_size=8).map(lambda v: {"finetune_params": {"version": 2, **v}}),
    st.dictionaries(keys, json_values, max_size=8).map(
        lambda v: {"pipeline": [{"class": "sklearn.model_selection.KFold"}, {"model": {"class": "m.Ridge"}, "finetune_params": v}]}
    ),
    st.dictionaries(keys, json_values, max_size=8).map(
        lambda v: {"model": {"class": "nirs4all.operators.models.MetaModel", "params": {"finetune_space": v}}}
    ),
)


YAML_FRAGMENTS = [
    "finetune_params:", "model_params:", "train_params:", "version: 2", "n_trials: 5", "metric: rmse",
    "sampler: grid", "sample: hyperband", "alpha: [int, 1, 5]", "beta: {type: float, low: 0.1, high: 1}",
    "- ", "  ", "    ", "\n", "\n  ", "\n    ", ": ", ", ", "[", "]", "{", "}", "&a ", "*a", "&b ", "*b",
    "<<: *a", "? ", "!!python/object:os.system ", "!!str ", "!!int ", "!!float ", "!custom ", "!!binary ",
    "\t", "#", "# comment", "'", '"', "\\", "---\n", "...\n", "%YAML 1.1\n", "|\n", ">-\n", "~", "null", "yes",
    "no", "on", "1e3", "010", "0x1F", "1:30", ".inf", ".nan", "-.inf", "2001-12-14", "\ufeff", "\r\n", "\r",
    "\x85", "\u2028", "é", "\x00", "\x07", "𝄞", "key", "value", "12", "3.5", "-", "%", "@", "`", "|", ">",
]
yaml_texts = st.lists(st.sampled_from(YAML_FRAGMENTS) | st.text(max_size=4), max_size=40).map("".join)


def _bytes_of(text: str, encoding: str, noise: bytes, at: int) -> bytes:
    data = text.encode(encoding, errors="surrogatepass")
    at = min(at, len(data))
    return data[:at] + noise + data[at:]


yaml_bytes = st.one_of(
    st.binary(max_size=200),
    st.builds(_bytes_of, yaml_texts, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]),
              st.binary(max_size=4), st.integers(0, 300)),
)


PARAM_NAMES = [
    "alpha", "n_components", "max_depth", "C", "kernel", "lr", "gamma", "tol", "a__b", "x__y__z", "model__alpha",
    "final_estimator__alpha", "train_x", "n_trials", "sampler", "metric", "a____b", "",
]
GROUP_NAMES = ["inner", "cfg", "booster", "model", "a"]
TAGS = ["int", "float", "int_log", "log_int", "float_log", "log_float", "builtins.int", "builtins.float", "INT",
        "Float", "bool", "categorical", "str"]
SPEC_TYPES = ["int", "float", "int_log", "float_log", "log_float", "log_int", "categorical", "sorted_tuple", "bool",
              "Int", None]

small_ints = st.integers(-20, 200)
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
numbers = small_ints | finite
scalars = st.none() | st.booleans() | small_ints | finite | st.text(string.ascii_letters, max_size=5)
bounds = numbers | st.sampled_from(["1", "0.5", "x", True]) | st.none()


@st.composite
def sorted_tuple_spec(draw: Any) -> dict[str, Any]:
    """sorted_tuple specs in every legacy length form, valid or not."""
    a = draw(st.integers(-1, 5))
    b = draw(st.integers(-1, 6))
    length = draw(st.sampled_from([
        a, [a, b], ["int", a, b], {"min": a, "max": b}, {"low": a, "high": b}, {"min": 0, "max": b}, None, True, "3",
        2.5,
    ]))
    spec: dict[str, Any] = {"type": "sorted_tuple"}
    if length is not None:
        spec["length"] = length
    etype = draw(st.sampled_from([None, "int", "float", "int_log", "float_log"]))
    if etype is not None:
        spec["element_type"] = etype
    for key in draw(st.sets(st.sampled_from(["min", "max", "low", "high"]), max_size=3)):
        spec[key] = draw(small_ints if etype in ("int", "int_log") else numbers)
    if draw(st.booleans()):
        spec["step"] = draw(st.integers(-1, 5) if etype in ("int", "int_log") else st.floats(-1, 10) | st.just(True))
    if draw(st.booleans()):
        spec["log"] = draw(st.booleans() | st.sampled_from(["no", 1]))
    return spec


def _spec(type_: str | None, extra: dict[str, Any]) -> dict[str, Any]:
    return ({} if type_ is None else {"type": type_}) | extra


dict_spec = st.builds(
    _spec,
    st.sampled_from(SPEC_TYPES),
    st.fixed_dictionaries({}, optional={
        "low": bounds, "high": bounds, "min": bounds, "max": bounds, "step": bounds, "log": st.booleans(),
        "choices": st.lists(scalars, max_size=4), "values": st.lists(scalars, max_size=4),
        "when": st.dictionaries(st.sampled_from(PARAM_NAMES), scalars, max_size=2),
        "when_not": st.dictionaries(st.sampled_from(PARAM_NAMES), scalars, max_size=2),
        "options": st.dictionaries(st.text(string.ascii_lowercase, min_size=1, max_size=3), scalars, max_size=2),
        "default": scalars,
    }),
)
leaf_values = st.one_of(
    st.tuples(st.sampled_from(TAGS), numbers, numbers).map(list),  # tagged lists
    st.tuples(st.sampled_from(TAGS), numbers, numbers, numbers).map(list),  # with a step
    st.tuples(st.sampled_from(TAGS), bounds, bounds).map(list),  # string or null bounds
    st.lists(numbers, min_size=2, max_size=2),  # 2-element lists
    st.lists(scalars, max_size=5),  # categorical lists (possibly empty)
    st.tuples(st.sampled_from(["bool", "categorical"]), st.lists(scalars, max_size=3)).map(list),
    dict_spec,
    sorted_tuple_spec(),
    scalars,
    st.just({}),
    st.dictionaries(st.sampled_from(["_or_", "_range_"]), st.lists(scalars, max_size=3), min_size=1, max_size=1),
)
param_values = st.recursive(
    leaf_values, lambda inner: st.dictionaries(st.sampled_from(PARAM_NAMES + GROUP_NAMES), inner, min_size=1, max_size=3),
    max_leaves=8,
)
model_params = st.dictionaries(st.sampled_from(PARAM_NAMES + GROUP_NAMES), param_values, max_size=6)
train_params = st.dictionaries(st.sampled_from(["epochs", "batch_size", "lr", "verbose"]), leaf_values, max_size=3)

samplers = st.sampled_from(["auto", "grid", "tpe", "random", "cmaes", "binary", "hyperband", "tpes", " GRID ", "Random"]) | small_ints
control = st.fixed_dictionaries({}, optional={
    "n_trials": st.integers(-2, 80) | st.sampled_from(["ten", 2.5]),
    "sampler": samplers,
    "sample": samplers,
    "approach": st.sampled_from(["single", "grouped", "individual", "cross", "Single", "random"]),
    "eval_mode": st.sampled_from(["best", "mean", "avg", "robust_best", "median", "worst", "MEAN"]),
    "metric": st.sampled_from(["rmse", "r2", "RMSE", "rmsep", "rsme", "accuracy", "balanced_accuracy"]) | small_ints,
    "direction": st.sampled_from(["minimize", "maximize", " Maximize", "up"]),
    "seed": st.integers(-1, 100) | st.none(),
    "n_jobs": st.integers(-1, 4),
    "pruner": st.sampled_from(["none", "median", "hyperband", "successive_halving", "asha", "Median"]),
    "storage": st.sampled_from(["sqlite:///x.db", "postgres://h/db", "redis://h", "journal:///j.log", "nope"]),
    "study_name": st.text(string.ascii_lowercase, max_size=4),
    "resume": st.booleans() | st.just("yes"),
    "timeout": numbers,
    "verbose": st.integers(0, 3),
    "engine": st.sampled_from(["optuna", "n4m", "dag-ml", "native", "other"]),
    "phases": st.lists(st.fixed_dictionaries({}, optional={
        "n_trials": st.integers(-1, 20), "sampler": samplers, "sample": samplers, "note": scalars,
    }), max_size=3),
    "force_params": st.dictionaries(st.sampled_from(PARAM_NAMES + ["train_epochs", "train_lr"]), scalars, max_size=3),
    "cv_mode": st.just("nested"),
    "tuner": st.just("optuna"),
    "n_trails": small_ints,
})


@st.composite
def legacy_blocks(draw: Any) -> tuple[dict[str, Any], str]:
    """(block, kind): a legacy block and whether it sits in `finetune_params` or a MetaModel `finetune_space`."""
    block: dict[str, Any] = dict(draw(control))
    kind = draw(st.sampled_from(["finetune_params", "finetune_params", "finetune_space"]))
    form = draw(st.sampled_from(["model_params", "flat", "empty_model_params", "bad_model_params"]))
    params = draw(model_params)
    if form == "model_params":
        block["model_params"] = params
    elif form == "bad_model_params":
        block["model_params"] = draw(st.lists(scalars, max_size=2) | scalars)
    else:
        if form == "empty_model_params":
            block["model_params"] = {}
        for key, value in params.items():
            block.setdefault(key, value)
    if draw(st.booleans()):
        block["train_params"] = draw(train_params)
    return block, kind


def legacy_document(block: dict[str, Any], kind: str, model_class: str) -> dict[str, Any]:
    if kind == "finetune_space":
        step = {"name": "meta", "model": {"class": "nirs4all.operators.models.MetaModel", "params": {"finetune_space": block}}}
    else:
        step = {"name": "tuned", "model": {"class": model_class}, "finetune_params": block}
    return {"pipeline": [{"class": "sklearn.model_selection.KFold"}, step]}


# =========================================================================== v2 side (near misses)


# The generator is imperative: `_Gen` draws a block field by field from the vocab tables (random
# subsets of the optional keys, every sampler/pruner kind and option, every parameter form, nested
# groups), always valid except at one "slot" chosen at random (`target`): there it draws a near
# miss for that field (a wrong type, a bool for a number, "5" for 5, a bound just crossed, a
# non-integral float, null where not nullable, an unknown enum value or key, a missing required
# key, duplicate choices, both `when` and `when_not`, a list as a parameter value, ...). With one
# near miss per block, a disagreement cannot hide behind another error. Blocks with fewer slots
# than `target` stay valid. A near miss is not always invalid: the property is agreement.

INTS = st.integers(min_value=-(10**12), max_value=10**12)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
SMALL = st.one_of(st.integers(-2, 2), st.sampled_from([0.0, -0.0, 1.0, 0.5, 2.0]))  # collide with true/false
SCALARS = st.one_of(st.none(), st.booleans(), SMALL, INTS, FLOATS, st.text(max_size=6))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)
NAMES = st.text(max_size=8)
EXTRA_KEYS = ["extra", "$schema", "_comment", "comment", "type", "fixed", "when", "when_not", "kind", "options", "low", "version", "n_trials", "wrapped"]
NOT_NUMBERS = [True, False, "5", "1.5", "", "auto", [1], {}]
MAX_TARGET = 24


def _choice_key(value: Any) -> Any:
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    return (type(value).__name__, json.dumps(value, sort_keys=True))


CHOICE = st.one_of(SCALARS, st.dictionaries(st.text(max_size=3), SCALARS, max_size=2))
DUPLICATE_PRONE = [1, 1.0, True, 0, False, 0.0, -0.0, None, "a", "A", {"a": 1}, {"a": 1.0}, {"a": True}]


class _Gen:
    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.target = draw(st.integers(1, MAX_TARGET))
        self.count = 0

    def bad(self, weight: int = 1) -> bool:
        """Is the next slot the one to spoil? `weight` > 1 favours the slots where pydantic and the
        schema are implemented separately (uniqueness, when/when_not, nested-group keys)."""
        before, self.count = self.count, self.count + weight
        return before < self.target <= self.count

    def pick(self, values: list[Any]) -> Any:
        return self.draw(st.sampled_from(values))

    # scalars -------------------------------------------------------------------------------
    def int_(self, low: float | None = None, high: float | None = None, nullable: bool = False) -> Any:
        lo = math.ceil(low) if low is not None else -(10**6)
        hi = math.floor(high) if high is not None else lo + 2 * 10**6
        if self.bad():
            misses = [*NOT_NUMBERS, self.draw(st.integers(lo, hi)) + 0.5, str(lo), 1e300 if high is None else hi + 0.5]
            misses += [lo - 1, float(lo - 1)] if low is not None else []
            misses += [hi + 1] if high is not None else []
            misses += [] if nullable else [None]
            return self.pick(misses)
        if nullable and self.draw(st.booleans()):
            return None
        value = self.draw(st.integers(lo, hi))
        return float(value) if self.draw(st.booleans()) else value  # 5.0 is an integer in JSON Schema

    def number(self, low: float | None = None, high: float | None = None, *, xlow: bool = False,
               xhigh: bool = False, nullable: bool = False) -> Any:  # fmt: skip
        lo = low if low is not None else -1e6
        hi = high if high is not None else lo + 2e6
        if self.bad():
            misses = [*NOT_NUMBERS, "0.5"]
            for bound in (low, high):
                if bound is not None:
                    misses += [bound, int(bound), bound - 0.5, bound + 0.5]
            misses += [] if nullable else [None]
            return self.pick(misses)
        if nullable and self.draw(st.booleans()):
            return None
        int_lo = math.floor(lo) + 1 if xlow else math.ceil(lo)
        int_hi = math.ceil(hi) - 1 if xhigh else math.floor(hi)
        if int_lo <= int_hi and self.draw(st.booleans()):
            return self.draw(st.integers(int_lo, int_hi))
        return self.draw(st.floats(min_value=lo, max_value=hi, exclude_min=xlow, exclude_max=xhigh))

    def bool_(self, nullable: bool = False) -> Any:
        if self.bad():
            return self.pick([0, 1, 1.0, "true", "false", *([] if nullable else [None])])
        return self.draw(st.one_of(st.none(), st.booleans()) if nullable else st.booleans())

    def enum(self, values: Any, nullable: bool = False) -> Any:
        values = list(values)
        if self.bad():
            v = self.pick(values)
            return self.pick([v.upper(), v + "_", " " + v, 1, True, [v], {"kind": v}, *([] if nullable else [None])])
        if nullable and self.draw(st.booleans()):
            return None
        return self.pick(values)

    def text(self, min_size: int = 0, nullable: bool = False) -> Any:
        if self.bad():
            return self.pick(["", 5, True, ["x"], *([] if nullable else [None])])
        if nullable and self.draw(st.booleans()):
            return None
        return self.draw(st.text(min_size=min_size, max_size=8))

    def annotation(self) -> Any:
        if self.bad():
            return self.pick([5, None, True, [1], ["a", 2], {"a": "b"}])
        return self.draw(st.one_of(st.text(max_size=6), st.lists(st.text(max_size=4), max_size=2)))

    def annotate(self, mapping: Any) -> Any:
        """Sometimes add a `_comment` (to a mapping where the front-end ignores it)."""
        if isinstance(mapping, dict) and self.draw(st.integers(0, 5)) == 0:
            mapping["_comment"] = self.annotation()
        return mapping

    # structure -----------------------------------------------------------------------------
    def obj(self, required: dict[str, Any], optional: dict[str, Any] | None = None, max_optional: int | None = None) -> Any:
        """Values are thunks; a random subset of the optional keys (at most `max_optional`)."""
        optional = optional or {}
        chosen = self.draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=max_optional)) if optional else []
        spoil = self.bad()
        out = {k: f() for k, f in {**required, **{k: optional[k] for k in chosen}}.items()}
        if spoil:
            how = self.pick(["drop", "extra", "list", "null"] if required else ["extra", "list", "null"])
            if how == "drop":
                out.pop(self.pick(sorted(required)))
            elif how == "extra":
                out[self.pick(EXTRA_KEYS)] = self.draw(SCALARS)
            elif how == "list":
                return [out]
            else:
                return None
        return out

    def list_(self, item: Any, max_size: int = 2) -> Any:
        if self.bad():
            return self.pick(["many", None, {}])
        return [item() for _ in range(self.draw(st.integers(0, max_size)))]

    # samplers and pruners --------------------------------------------------------------------
    def option(self, opt: OptionSpec, depth: int = 0) -> Any:
        if opt.type == "int":
            return self.int_(opt.minimum, opt.maximum, opt.nullable)
        if opt.type == "float":
            low = opt.minimum if opt.minimum is not None else opt.exclusive_minimum
            return self.number(low, opt.maximum, xlow=opt.exclusive_minimum is not None, nullable=opt.nullable)
        if opt.type == "bool":
            return self.bool_(opt.nullable)
        if opt.type == "str":
            return self.enum(opt.choices, opt.nullable) if opt.choices else self.text(nullable=opt.nullable)
        if opt.type == "int_or_auto":
            if self.bad():
                return self.pick(["Auto", "max", None, True, 0, 2.5])
            return "auto" if self.draw(st.booleans()) else self.int_(opt.minimum, opt.maximum)
        if opt.type == "pruner":
            return None if opt.nullable and self.draw(st.booleans()) else self.component(PRUNERS, depth + 1)
        raise AssertionError(opt.type)  # pragma: no cover

    def component(self, kinds: dict[str, Any], depth: int = 0) -> Any:
        kind = self.pick(list(kinds))
        spec = kinds[kind]
        has_required = any(o.required for o in spec.options.values())
        if not has_required and self.draw(st.booleans()):
            if self.bad():
                return self.pick([kind.upper(), kind + "_", "percentile", "patient", "nop", 1, None])
            return kind
        if depth > 1 and kind == "patient":
            return "none"
        options = lambda: self.obj(  # noqa: E731
            {n: (lambda o=o: self.option(o, depth)) for n, o in spec.options.items() if o.required},
            {n: (lambda o=o: self.option(o, depth)) for n, o in spec.options.items() if not o.required},
        )
        kind_value = lambda: self.enum([kind])  # noqa: E731
        if has_required:
            return self.obj({"kind": kind_value, "options": options})
        return self.obj({"kind": kind_value}, {"options": options})

    # parameter values ------------------------------------------------------------------------
    def condition(self) -> Any:
        if self.bad():
            return self.pick([{}, {"a": 1, "b": 2}, None, "a", ["a"], 1])
        values = self.draw(st.one_of(SCALARS, st.lists(SCALARS, max_size=3)))
        return {self.draw(NAMES): values}

    def search_spec(self, kind: str, conditions: bool = True) -> Any:
        optional: dict[str, Any] = {}
        if conditions:
            which = self.pick(["none", "when", "when_not", "both" if self.bad(4) else "when"])
            for key in {"when": ["when"], "when_not": ["when_not"], "both": ["when", "when_not"]}.get(which, []):
                optional[key] = self.condition
        if kind in ("int", "float"):
            bound = (lambda: self.int_()) if kind == "int" else (lambda: self.number())
            step = (lambda: self.int_(1)) if kind == "int" else (lambda: self.number(0, xlow=True, nullable=True))
            spec = self.obj({"type": lambda: self.enum([kind]), "low": bound, "high": bound}, {"step": step, "log": self.bool_})
        elif kind == "categorical":
            spec = self.obj({"type": lambda: self.enum([kind]), "choices": self.choices})
        else:
            length = lambda: (  # noqa: E731
                self.int_(1, 10) if self.draw(st.booleans()) else self.obj({"low": lambda: self.int_(1, 5), "high": lambda: self.int_(1, 5)})
            )
            element = lambda: self.search_spec(self.pick(["int", "float"]), conditions=False)  # noqa: E731
            spec = self.obj({"type": lambda: self.enum([kind]), "length": length, "element": element})
        if isinstance(spec, dict):
            spec.update({k: f() for k, f in optional.items()})
        return self.annotate(spec) if conditions else spec

    def choices(self) -> Any:
        if self.bad(6):
            how = self.pick(["empty", "duplicates", "duplicates", "bool-number", "repeat", "scalar"])
            if how == "empty":
                return []
            if how == "duplicates":
                return self.draw(st.lists(st.sampled_from(DUPLICATE_PRONE), min_size=2, max_size=4))
            if how == "bool-number":  # distinct in JSON (true is not 1), equal in Python
                pair = self.pick([[1, True], [0, False], [1.0, True], [{"a": 1}, {"a": True}], [{"a": [0]}, {"a": [False]}]])
                return self.draw(st.permutations(pair + self.draw(st.lists(st.sampled_from(["x", None, 2]), unique=True, max_size=2))))
            if how == "repeat":
                c = self.draw(st.lists(CHOICE, min_size=1, max_size=3))
                return c + [copy.deepcopy(self.pick(c))]
            return self.draw(SCALARS)
        return self.draw(st.lists(CHOICE, min_size=1, max_size=5, unique_by=_choice_key))

    def param_value(self, depth: int = 0) -> Any:
        if self.bad(2):
            return self.pick([[1, 2], [], ["a"], {"type": "integer", "low": 1, "high": 2}, {"type": 5}, {"fixed": 1, "x": 2},
                              {"type": "int", "fixed": 1}, {"g": {"type": "fixed"}}])  # fmt: skip
        form = self.pick(
            ["int", "float", "categorical", "categorical", "sorted_tuple", "fixed", "constant", "group" if depth < 2 else "constant"]
        )
        if form == "constant":
            return self.draw(SCALARS)
        if form == "fixed":
            return self.annotate(self.obj({"fixed": lambda: self.draw(JSON_VALUES)}))
        if form == "group":
            keys = self.draw(st.lists(NAMES.filter(lambda k: k not in ("type", "fixed")), max_size=3, unique=True))
            if self.bad(3):
                keys.append(self.pick(["type", "fixed"]))
            return self.annotate({k: self.param_value(depth + 1) for k in keys})
        return self.search_spec(form)

    def params(self) -> Any:
        if self.bad():
            return self.pick([[], None, [{"type": "int", "low": 1, "high": 2}], "x"])
        names = self.draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
        return self.annotate({name: self.param_value() for name in names})

    # the block -----------------------------------------------------------------------------
    def block(self) -> Any:
        def version() -> Any:
            return self.pick([1, 3, "2", True, None, 2.5]) if self.bad() else self.pick([2, 2.0])

        def storage() -> Any:
            if self.bad():
                return self.pick(["f.db", "", "1sqlite://x", "sqlite:/x", " sqlite:///x", "sqlite//x", 5])
            return self.pick([None, "sqlite:///f.db", "postgresql+psycopg2://u@h/db", "journal:///p.log"])

        return self.annotate(self.obj(
            {"version": version, "metric": lambda: self.enum(METRICS), "model_params": self.params},
            {
                "n_trials": lambda: self.int_(1, 500),
                "timeout_seconds": lambda: self.number(0, 1e6, xlow=True, nullable=True),
                "n_jobs": lambda: self.int_(1, 16),
                "seed": lambda: self.int_(0, 2**32, nullable=True),
                "approach": lambda: self.enum(APPROACHES),
                "eval_mode": lambda: self.enum(EVAL_MODES),
                "direction": lambda: self.enum(DIRECTIONS),
                "sampler": lambda: self.component(SAMPLERS),
                "pruner": lambda: self.component(PRUNERS),
                "validation": lambda: self.obj(
                    {}, {"holdout_fraction": lambda: self.number(0, 1, xlow=True, xhigh=True), "seed": lambda: self.int_(0, 100, nullable=True)}
                ),
                "storage": storage,
                "study_name": lambda: self.text(min_size=1, nullable=True),
                "resume": self.bool_,
                "failure_policy": lambda: self.obj(
                    {},
                    {
                        "max_consecutive_failures": lambda: self.int_(1, 10, nullable=True),
                        "max_failure_ratio": lambda: self.number(0, 1, xlow=True, nullable=True),
                    },
                ),
                "force_params": lambda: self.list_(
                    lambda: self.obj(
                        {},
                        {
                            "model_params": lambda: self.draw(st.dictionaries(NAMES, JSON_VALUES, max_size=2)),
                            "train_params": lambda: self.draw(st.dictionaries(NAMES, JSON_VALUES, max_size=2)),
                        },
                    )
                ),
                "phases": lambda: self.list_(
                    lambda: self.obj({"n_trials": lambda: self.int_(1, 50), "sampler": lambda: self.component(SAMPLERS)})
                ),
                "train_params": self.params,
                "tracking": lambda: None if self.draw(st.integers(0, 4)) == 0 else self.obj(
                    {"mlflow": lambda: self.obj({"tracking_uri": lambda: self.text(min_size=1)}, {"experiment": lambda: self.text(min_size=1)})}
                ),
            },
            max_optional=4,
        ))


@st.composite
def documents(draw: st.DrawFn) -> Any:
    """A v2 block with at most one near miss (see `_Gen`)."""
    return _Gen(draw).block()


# =========================================================================== runtime side (valid, runnable)

RUNTIME_SAMPLERS = ("tpe", "random", "qmc", "bruteforce", "grid")
"""Sampler kinds the test environment can build: `cmaes` needs the `cmaes` package and `gp` needs
torch, neither of which ftspec depends on."""
SEEDABLE_SAMPLERS = RUNTIME_SAMPLERS
"""Every runnable kind takes a seed (TPE, random, QMC scrambling, grid and brute-force order)."""
FINITE_SAMPLERS = ("grid", "bruteforce")

# Names that meet the runtime's own naming: `x_length` / `x_0` are what a sorted tuple `x` is
# suggested as, `train:x` what a train parameter is named in Optuna, `a__b` a flattened group.
RUNTIME_NAMES = st.sampled_from(["a", "b", "x", "x_length", "x_0", "x_1", "lr", "train:a", "é", "n estimators", "_c"]) | st.text(
    string.ascii_lowercase, min_size=1, max_size=4
)
GROUP_KEYS = st.sampled_from(["inner", "x", "a"])
CHOICE_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.5, -1.5, 2.0, 1e-3]), st.text(max_size=3),
)


@dataclass(frozen=True)
class Declared:
    """What the v2 block declares for one searched parameter, read from the block (not the IR)."""

    target: str
    name: str
    """Flattened name (`__`-joined path)."""
    path: tuple[str, ...]
    spec: dict[str, Any]
    """The spec as written: {type, low, high, step, log} / {type, choices} / {type, length, element}."""
    condition: tuple[str, list[Any], bool] | None
    """(parent name, values, negate) from `when` / `when_not`."""


class _RunnableGen(_Gen):
    """Valid v2 blocks only (`bad()` never fires), shaped so that the runtime can run them fast.

    Bounds are ordered, log ranges start above 0 and have no step, int steps divide the range or
    not (the compiler then lowers `high`, FT401), categorical choices are JSON-distinct scalars
    (True and 1 both appear), conditions name a parameter declared before in the same target with
    values from its domain, trial counts are small, storage is in memory. `finite` makes every
    range enumerable (stepped floats, small ranges) for the exhaustive samplers.
    """

    def __init__(self, draw: st.DrawFn, *, finite: bool, samplers: tuple[str, ...]) -> None:
        super().__init__(draw)
        self.target = 10**9  # never reached: no near miss
        self.finite = finite
        self.samplers = samplers
        self.declared: list[Declared] = []
        self._target = "model"
        self._local: list[Declared] = []

    def _int_spec(self) -> dict[str, Any]:
        log = not self.finite and self.draw(st.integers(0, 3)) == 0
        if log:
            low = self.draw(st.integers(1, 20))
            return {"type": "int", "low": low, "high": low + self.draw(st.integers(0, 200)), "log": True}
        width = self.draw(st.integers(0, 6 if self.finite else 60))
        low = self.draw(st.integers(-20, 20))
        spec: dict[str, Any] = {"type": "int", "low": low, "high": low + width}
        if self.draw(st.booleans()):
            spec["step"] = self.draw(st.integers(1, 4))
        if self.draw(st.integers(0, 3)) == 0:
            spec["log"] = False
        return spec

    def _float_spec(self) -> dict[str, Any]:
        if not self.finite and self.draw(st.integers(0, 2)) == 0:
            low = self.draw(st.sampled_from([1e-5, 1e-3, 0.1, 1.0, 3.0]))
            return {"type": "float", "low": low, "high": low * self.draw(st.sampled_from([1, 10, 1000])), "log": True}
        low = self.draw(st.sampled_from([-1.0, 0.0, 0.1, 0.5, 2]) | st.floats(-10, 10).map(lambda v: round(v, 3)))
        step = self.draw(st.sampled_from([0.1, 0.25, 0.5, 1, 0.3]))
        if self.finite or self.draw(st.booleans()):
            n = self.draw(st.integers(0, 3 if self.finite else 20))
            high = round(low + n * step + self.draw(st.sampled_from([0.0, 0.0, step / 3])), 6)
            return {"type": "float", "low": low, "high": max(high, low), "step": step}
        spec: dict[str, Any] = {"type": "float", "low": low, "high": low + self.draw(st.floats(0, 100))}
        if self.draw(st.booleans()):
            spec["step"] = None
        return spec

    def _categorical_spec(self) -> dict[str, Any]:
        size = (1, 3) if self.finite else (1, 5)
        return {"type": "categorical", "choices": self.draw(st.lists(CHOICE_VALUES, min_size=size[0], max_size=size[1], unique_by=_choice_key))}

    def _sorted_tuple_spec(self) -> dict[str, Any]:
        low = self.draw(st.integers(1, 2 if self.finite else 4))
        high = low + self.draw(st.integers(0, 1 if self.finite else 2))
        length: Any = low if low == high and self.draw(st.booleans()) else {"low": low, "high": high}
        element = self._int_spec() if self.draw(st.booleans()) else self._float_spec()
        if self.finite and element["type"] == "int":
            element["high"] = element["low"] + min(element["high"] - element["low"], 2)
        element = {k: v for k, v in element.items() if k != "log" or v}
        return {"type": "sorted_tuple", "length": length, "element": element}

    def _condition(self, spec: dict[str, Any]) -> tuple[str, list[Any], bool] | None:
        parents = [d for d in self._local if d.spec["type"] in ("categorical", "int")]
        if self.finite or not parents or self.draw(st.integers(0, 2)) == 0:
            return None
        parent = self.pick(parents)
        if parent.spec["type"] == "categorical":
            pool = list(parent.spec["choices"])
        else:
            pool = list(range(parent.spec["low"], parent.spec["high"] + 1))[:8]
        values = self.draw(st.lists(st.sampled_from(pool + ["not-a-value"]), min_size=1, max_size=3, unique_by=_choice_key))
        negate = self.draw(st.booleans())
        written: Any = values[0] if len(values) == 1 and self.draw(st.booleans()) else values
        spec["when_not" if negate else "when"] = {parent.name: written}
        return parent.name, values, negate

    def value(self, path: list[str], depth: int = 0) -> Any:
        forms = ["int", "float", "categorical", "categorical", "sorted_tuple", "fixed", "constant"]
        form = self.pick(forms + (["group"] if depth < 1 else []))
        if form == "constant":
            return self.draw(CHOICE_VALUES)
        if form == "fixed":
            return {"fixed": self.draw(JSON_VALUES)}
        if form == "group":
            keys = self.draw(st.lists(GROUP_KEYS, min_size=1, max_size=2, unique=True))
            return {k: self.value(path + [k], depth + 1) for k in keys}
        spec = getattr(self, f"_{form}_spec")()
        condition = self._condition(spec)
        declared = Declared(self._target, "__".join(path), tuple(path), spec, condition)
        self._local.append(declared)
        self.declared.append(declared)
        return spec

    def params(self, target: str = "model") -> Any:  # type: ignore[override]
        self._target, self._local = target, []
        names = self.draw(st.lists(RUNTIME_NAMES.filter(lambda n: "__" not in n), min_size=1, max_size=3 if self.finite else 4, unique=True))
        return {name: self.value([name]) for name in names}

    def sampler(self) -> Any:
        return self.component({k: SAMPLERS[k] for k in self.samplers})

    def block(self) -> Any:
        block: dict[str, Any] = {"version": 2, "metric": self.enum(METRICS)}
        if self.draw(st.booleans()):
            block["direction"] = METRICS[block["metric"]].direction
        block["model_params"] = self.params("model")
        if self.draw(st.integers(0, 2)) == 0:
            block["train_params"] = self.params("train")
        block["seed"] = self.draw(st.none() | st.integers(0, 2**32))
        if self.draw(st.integers(0, 2)) == 0:
            block["phases"] = [
                {"n_trials": self.draw(st.integers(1, 3)), "sampler": self.sampler()} for _ in range(self.draw(st.integers(1, 3)))
            ]
        else:
            block["n_trials"] = self.draw(st.integers(1, 6))
            if self.draw(st.integers(0, 4)):
                block["sampler"] = self.sampler()
        return block


@st.composite
def runnable_v2(draw: st.DrawFn, finite: bool = False, samplers: tuple[str, ...] = RUNTIME_SAMPLERS) -> tuple[dict[str, Any], list[Declared]]:
    """(block, declared): a valid v2 block the runtime can run, and what each parameter declares."""
    gen = _RunnableGen(draw, finite=finite, samplers=samplers)
    return gen.block(), gen.declared


# =========================================================================== runtime side (IR built directly)


@st.composite
def ir_spaces(draw: st.DrawFn, finite: bool = False, conditions: bool = True) -> list[Any]:
    """A list of IR space entries satisfying the IR's contract (see `ftspec.ir`), built without the
    compiler: int ranges with `high - low` a multiple of `step`, log ranges above 0 without step,
    JSON-distinct categorical choices, sorted tuples, conditions on an earlier categorical or int
    entry of the same target (possibly itself conditional), model and train targets."""
    from ftspec.ir import CategoricalParam, Condition, ElementSpec, FloatParam, IntParam, Location, SortedTupleParam

    loc = Location(pointer="", line=1, column=1)
    entries: list[Any] = []
    names = draw(st.lists(st.tuples(st.sampled_from(["model", "train"]), RUNTIME_NAMES.filter(lambda n: "__" not in n)),
                          min_size=1, max_size=3 if finite else 5, unique=True))
    for target, name in names:
        path = [name] if draw(st.booleans()) else ["g", name]
        full = "__".join(path)
        mine = [tuple(e.path) for e in entries if e.target == target]
        if any(e.target == target and e.name == full for e in entries) or any(
            p[: len(path)] == tuple(path) or tuple(path)[: len(p)] == p for p in mine
        ):
            continue  # the compiler never emits one place twice, nor a value inside another (FT222)
        condition = None
        parents = [e for e in entries if e.target == target and e.kind in ("categorical", "int")]
        if conditions and parents and draw(st.booleans()):
            parent = draw(st.sampled_from(parents))
            pool = list(parent.choices) if parent.kind == "categorical" else list(range(parent.low, parent.high + 1, parent.step))[:6]
            values = draw(st.lists(st.sampled_from(pool + ["absent"]), min_size=1, max_size=3, unique_by=_choice_key))
            condition = Condition(param=parent.name, values=values, negate=draw(st.booleans()))
        kind = draw(st.sampled_from(["int", "float", "categorical", "sorted_tuple"]))
        common = dict(name=full, target=target, path=path, condition=condition, source=loc)
        if kind == "int":
            log = not finite and draw(st.booleans())
            step = 1 if log else draw(st.integers(1, 3))
            low = draw(st.integers(1, 10)) if log else draw(st.integers(-10, 10))
            entries.append(IntParam(low=low, high=low + step * draw(st.integers(0, 3 if finite else 40)), step=step, log=log, **common))
        elif kind == "float":
            if not finite and draw(st.booleans()):
                low = draw(st.sampled_from([1e-4, 0.01, 1.0]))
                entries.append(FloatParam(low=low, high=low * draw(st.sampled_from([1.0, 10.0, 1e4])), step=None, log=True, **common))
            else:
                low = float(draw(st.integers(-5, 5)))
                step = draw(st.sampled_from([0.25, 0.5, 2.0, 0.1]) | (st.none() if not finite else st.nothing()))
                if step is None:
                    entries.append(FloatParam(low=low, high=low + draw(st.floats(0, 50)), step=None, log=False, **common))
                else:
                    entries.append(FloatParam(low=low, high=low + step * draw(st.integers(0, 3)), step=step, log=False, **common))
        elif kind == "categorical":
            choices = draw(st.lists(CHOICE_VALUES, min_size=1, max_size=3 if finite else 5, unique_by=_choice_key))
            entries.append(CategoricalParam(choices=choices, **common))
        else:
            length_low = draw(st.integers(1, 2))
            length_high = length_low + draw(st.integers(0, 1))
            if draw(st.booleans()):
                low = draw(st.integers(0, 5))
                element = ElementSpec(kind="int", low=low, high=low + draw(st.integers(0, 2 if finite else 20)), step=1, log=False)
            else:
                element = ElementSpec(kind="float", low=0.0, high=float(draw(st.integers(0, 2))), step=0.5 if finite or draw(st.booleans()) else None, log=False)
            entries.append(SortedTupleParam(length_low=length_low, length_high=length_high, element=element, **common))
    return entries


# =========================================================================== several objectives

MULTI_OBJECTIVE_SAMPLERS = ("random", "tpe", "nsgaii", "nsgaiii", "qmc")
"""Runnable sampler kinds that take several objectives (grid and brute force do too, on finite spaces)."""
_MINIMISED = ("rmse", "mae", "mse", "medae", "fit_seconds")
_MAXIMISED = ("r2", "explained_variance")


@st.composite
def objective_tables(draw: st.DrawFn) -> tuple[list[str], list[list[float]], int]:
    """(metrics, one row of values per trial, index of the `select` objective): 2 or 3 distinct
    regression metrics of any directions, and values from a small pool so that ties, equal rows and
    rows that dominate on some objectives only are common."""
    n_obj = draw(st.integers(2, 3))
    directions = draw(st.lists(st.booleans(), min_size=n_obj, max_size=n_obj))
    mins, maxs = iter(_MINIMISED), iter(_MAXIMISED)
    metrics = [next(maxs) if up and len(_MAXIMISED) > sum(directions[:i]) else next(mins) for i, up in enumerate(directions)]
    value = st.one_of(st.integers(-3, 3).map(float), st.sampled_from([0.5, -0.25, 1e-9]))
    rows = draw(st.lists(st.lists(value, min_size=n_obj, max_size=n_obj), min_size=1, max_size=12))
    return metrics, rows, draw(st.integers(0, n_obj - 1))
