"""FT2xx: search-space forms (values of `model_params` and `train_params`).

Beside the rules: `SpaceBuilder`, which collects a block's space and refuses two values at one place
(both front-ends); the legacy readers of `model_params` and `train_params` (flat form, nested
groups, `a__b` keys) and the legacy spec forms (tagged and categorical lists, mapping specs by
their `type`), lowered the way nirs4all 1.4.10 samples them (`_sample_single_parameter`,
`_suggest_from_dict`, `_suggest_sorted_tuple`); the v2 readers of `model_params` and `train_params`
(`@v2_key`) and the v2 spec forms (`@v2_spec_type`, by their `type`; the tagged ranges
`["int", low, high]` are their mapping form); and `check_optuna_name_collision`, which reads the
lowered IR space (one check for both front-ends).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ftspec.compiler.checks import LEGACY_SPEC_TYPES, V2_SPEC_TYPES, Lowering, legacy_key, legacy_spec_type, study_check, v2_key, v2_spec_type
from ftspec.compiler.diagnostics import Fix, FixOp, define
from ftspec.compiler.distributions import as_float
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, to_python
from ftspec.compiler.rules.optuna import check_length_order
from ftspec.compiler.rules.structure import (
    check_annotation,
    check_known_keys,
    check_model_param_key,
    check_top_level_hyperparameter,
    is_legacy_parameter_key,
    read_bool,
    read_int,
    read_mapping,
    unknown_key,
    wrong_type,
)
from ftspec.compiler.values import (
    ANNOTATION_KEY,
    categorical_entry,
    did_you_mean,
    element_spec,
    finite_value,
    float_entry,
    int_entry,
    is_int,
    is_number,
    node_desc,
    replace_fix,
    sorted_tuple_entry,
    v2_range_tag,
)
from ftspec.ir import Condition, SortedTupleParam, SpaceEntry, Study, optuna_names, place_at_path
from ftspec.schema.v2_fields import ELEMENT_FIELDS, LENGTH_RANGE_FIELDS, SPEC_FIELDS, names

TWO_ELEMENT_LIST = define(
    "FT201", "two-element-list", "warning",
    "A 2-element list is a categorical to nirs4all, although it often meant a range.",
    "[{low}, {high}] is a choice between two values, not a range from {low} to {high}",
    old="nirs4all (every version) reads a 2-element list as `suggest_categorical` over the two values. A Python "
    "tuple `(lo, hi)` was a range, but tuples became lists when the pipeline was serialized, so many authors' "
    "ranges silently became two-value choices.",
    now="A categorical over the two values, as nirs4all ran it.",
    fix="A decision for the config's author, so the finding stays until one is written: "
    "`{type: categorical, choices: [a, b]}` keeps what nirs4all ran (the fix, applied only with "
    "`--unsafe-fixes`), `{type: int, low: a, high: b}` (or `float`) is the range, written by hand.",
    fixable="unsafe",
)
TAGGED_LIST_LOOKALIKE = define(
    "FT202", "tagged-list-lookalike", "warning",
    "A list that looks like a tagged range but is read as a categorical.",
    "{text} is a categorical over {n} values, not a range of type {tag!r}{extra}",
    old="nirs4all recognises a range only for exactly three elements `[type, low, high]` with numeric bounds; "
    "`[\"int\", 1, 10, 2]` (with a step) or `[\"int\", \"1\", \"5\"]` became a categorical that includes the "
    "type name itself as a choice.",
    now="A categorical over the listed values, as nirs4all ran it.",
    fix="The unsafe fix writes the range the list looks like (`{type: int, low: 1, high: 10, step: 2}`).",
    fixable="unsafe",
)
TAG_CASE = define(
    "FT203", "tag-case", "warning",
    "A range tag in the wrong case (`INT`, `Float`) is not recognised.",
    "{text}: type tags are case-sensitive, so this is a categorical over {n} values including {tag!r}",
    old="nirs4all matched `int`/`float`/... case-sensitively; `[\"INT\", 1, 5]` sampled the string \"INT\" as "
    "one of three choices.",
    now="A categorical, as nirs4all ran it.",
    fix="The unsafe fix writes the range (`{type: int, low: 1, high: 5}`).",
    fixable="unsafe",
)
TAGGED_LIST = define(
    "FT204", "tagged-list", "info",
    "A tagged list `[type, low, high]` is a range.",
    "{text} is the range {kind}[{low}, {high}]{log}",
    old="A 3-element list whose first element is a range type and whose bounds are numbers was read as a range "
    "(a tuple that lost its type when serialized). Aliases: `int_log`/`log_int`, `float_log`/`log_float`, "
    "`builtins.int`, `builtins.float`.",
    now="The same range. v2 reads `[\"int\", 1, 30]`, `int_log`, `float` and `float_log` lists (integer bounds for "
    "the int tags) as the same range, so these stay as written.",
    fix="For the other aliases and bounds, the safe fix writes `{type: int, low: 1, high: 30}` (with `log: true` "
    "for the log forms).",
    fixable="safe",
)
CATEGORICAL_LIST = define(
    "FT205", "categorical-list", "info",
    "A plain list is a categorical; v2 writes it explicitly.",
    "list of {n} values is a categorical",
    old="A list was `suggest_categorical` over its elements.",
    now="The same categorical; v2 has no bare lists because a list was read differently by each consumer.",
    fix="The safe fix writes `{type: categorical, choices: [...]}`.",
    fixable="safe",
)
TRUNCATED_BOUND = define(
    "FT206", "truncated-bound", "warning",
    "An integer range with a non-integral bound is truncated.",
    "int bound {value} is truncated to {truncated}",
    old="nirs4all called `int()` on the bounds: `[\"int\", 1.5, 30.7]` searched 1..30.",
    now="The truncated bounds, as nirs4all ran them.",
    fix="The safe fix writes the truncated integer.",
    fixable="safe",
)
SPEC_WITHOUT_TYPE = define(
    "FT207", "spec-without-type", "error",
    "A range spec (`min`/`max` or `low`/`high`) without `type`.",
    "spec has bounds but no type: nirs4all read it as a categorical without choices and raised",
    old="A dict spec without `type` defaults to `categorical`; with only bounds nirs4all raised "
    "\"requires 'choices' or 'values' list\" at the first trial.",
    now="The block is an error; the parameter is left out of the IR.",
    fix="The unsafe fix adds `type: int` (both bounds integers) or `type: float`.",
    fixable="unsafe",
)
LOG_TYPE_IN_DICT = define(
    "FT208", "log-type-in-dict", "error",
    "`type: log_float`/`log_int` is not accepted in the mapping form.",
    "type {type!r} raises in nirs4all's mapping form (only the list form accepts it)",
    old="The list and tuple forms accept `log_float`/`log_int`, but the mapping form accepts only "
    "`float_log`/`int_log` and raised \"Unknown parameter type\".",
    now="The block is an error; the parameter is left out of the IR.",
    fix="The unsafe fix writes `type: {kind}` with `log: true`.",
    fixable="unsafe",
)
SPEC_KEY_ALIAS = define(
    "FT209", "spec-key-alias", "info",
    "`min`/`max`/`values`/`int_log`/`float_log` are legacy spellings in a spec.",
    "{old} is the legacy spelling of {new}",
    old="`min`/`max` were read like `low`/`high` (`min` winning when both are given), `values` like `choices`, "
    "and the `_log` types as `log: true`.",
    now="Same meaning.",
    fix="The safe fix renames to the v2 spelling.",
    fixable="safe",
)
EMPTY_SPEC = define(
    "FT210", "empty-spec", "warning",
    "An empty mapping as a parameter value disappears.",
    "{{}} for {name!r} is a nested group with no parameters: the key disappears",
    old="nirs4all flattened `{}` as a nested group with no leaves; the parameter vanished without a word.",
    now="Nothing is searched or passed for it, as before.",
    fix="Remove the key or write the value it should have.",
)
EMPTY_CHOICES = define(
    "FT211", "empty-choices", "error",
    "A categorical with no choices.",
    "no choices for {name!r}",
    old="Optuna raised at the first trial (`suggest_categorical` with an empty list).",
    now="The block is an error; the parameter is left out of the IR.",
    fix="List at least one choice.",
)
UNKNOWN_SPEC_TYPE = define(
    "FT212", "unknown-spec-type", "error",
    "A spec `type` that is not a known parameter type.",
    "unknown parameter type {type!r}{hint}",
    old="nirs4all raised \"Unknown parameter type\" at the first trial.",
    now="The block is an error; the parameter is left out of the IR.",
    fix="Use int, float, categorical or sorted_tuple (legacy: also int_log, float_log).",
)
BAD_BOUND = define(
    "FT213", "bad-bound", "error",
    "A bound or step is missing or not a number.",
    "{what} of {name!r} {problem}",
    old="nirs4all raised at the first trial (`int()`/`float()` of the value, or \"requires 'min'/'max'\").",
    now="The block is an error; the parameter is left out of the IR.",
    fix="Give numeric `low` and `high` (and `step`).",
)
CONDITION_IGNORED = define(
    "FT214", "condition-ignored", "warning",
    "`when`/`when_not` are ignored by nirs4all's Optuna engine.",
    "`{key}` is ignored: {name!r} is sampled in every trial",
    old="Only the n4m engine reads `when`/`when_not`; the Optuna engine sampled the parameter in every trial, "
    "whatever its parent's value.",
    now="The parameter is sampled in every trial, as before.",
    fix="Migrate the block to v2, where `when`/`when_not` make the parameter conditional (this changes "
    "which trials sample it).",
)
OPTIONS_SPEC = define(
    "FT215", "options-spec", "warning",
    "`options` is not a spec for the Optuna engine.",
    "`options` under {name!r} {effect}",
    old="Only n4m reads `options` (a categorical over named objects). The Optuna engine treats an untyped "
    "`{options: {...}}` as a nested group (its values are passed as a nested dict, lists inside it are "
    "sampled), and raises for `type: categorical` with `options` but no `choices`.",
    now="What the Optuna engine did: a nested group, or an error for the typed form.",
    fix="Write a `categorical` over the option names and build the objects in code.",
)
DOUBLE_UNDERSCORE_KEY = define(
    "FT216", "double-underscore-key", "warning",
    "A flat `a__b` key was split into a nested dict by nirs4all.",
    "{name!r} was split into nested keys {path} before reaching the estimator",
    old="nirs4all unflattened `a__b` into `{'a': {'b': value}}`, so sklearn `set_params` addressing "
    "(`final_estimator__alpha`, `model__alpha`) did not reach the nested estimator and trials usually failed.",
    now="The value is passed nested, as nirs4all did (the IR path shows the segments). In v2 a `__` key is kept "
    "as written.",
    fix="The safe fix writes the nesting explicitly (`a: {b: ...}`). If you meant `set_params` addressing, keep "
    "the flat key in a v2 block.",
    fixable="safe",
)
META_MODEL_PREFIX = define(
    "FT217", "meta-model-prefix", "warning",
    "A MetaModel `finetune_space` parameter with the `model__` prefix.",
    "{name!r}: nirs4all unflattened it to {{'model': {{...}}}}, which the meta-model never applied",
    old="Optuna unflattened `model__alpha` into `{'model': {'alpha': v}}` before the MetaModel controller "
    "stripped the prefix, so the inner estimator never received the value (before 2026-02 the whole "
    "finetune_space, control keys included, became model parameters and every trial failed).",
    now="The parameter addresses the meta-model's inner estimator (`set_params(model__alpha=v)`), as its author meant.",
    fix="Move the block to the step's `finetune_params` with the parameter inside `model_params`.",
)
SORTED_TUPLE_LENGTH_ZERO = define(
    "FT218", "sorted-tuple-length-zero", "warning",
    "A sorted_tuple length minimum of 0 became 2.",
    "length minimum 0 was read as {used} by nirs4all (`min or low or 2`)",
    old="nirs4all 2026-02 and later compute `length.get('min') or length.get('low', 2)`, so a minimum of 0 "
    "falls through to the default 2 (older releases honoured 0).",
    now="The minimum length nirs4all used.",
    fix="Write the minimum you want explicitly (>= 1), or 0 in a v2 block.",
)
SPEC_KEY_IGNORED = define(
    "FT219", "spec-key-ignored", "warning",
    "A key inside a parameter spec that nothing reads.",
    "key {key!r} in the spec of {name!r} is ignored",
    old="nirs4all read only the keys it knew (`type`, bounds, `step`, `log`, `choices`, ...); others were dropped.",
    now="Ignored (legacy) or an error (v2).",
    fix="Remove the key.",
)
TRAIN_PARAM_NOT_SAMPLED = define(
    "FT220", "train-param-not-sampled", "warning",
    "A train_params spec that nirs4all passed to training as a raw dict.",
    "train param {name!r}: nirs4all passed this dict to training unsampled",
    old="For `train_params`, nirs4all samples only lists and mappings with `type`, `min` or `low`; "
    "`{choices: [...]}` without `type` reached the trainer as a dict. Before 2026-02 no train_params spec "
    "was ever sampled.",
    now="A fixed train value (the dict), as nirs4all ran it.",
    fix="Add `type: categorical` so that it is searched.",
)
TRAIN_PARAM_SAMPLED = define(
    "FT221", "train-param-sampled", "info",
    "train_params specs are sampled since nirs4all 2026-02; earlier they reached training raw.",
    "train param {name!r} is searched (nirs4all before 2026-02 passed the spec itself to training)",
    old="Before 2026-02 (e.g. the 856cd4c3 examples), `train_params` were copied raw into every trial: "
    "`epochs: {type: int, ...}` reached the trainer as a dict and trials failed.",
    now="The parameter is searched.",
    fix="Nothing to do; the finding records the change of behaviour.",
)
NAME_CONFLICT = define(
    "FT222", "name-conflict", "error",
    "Two entries resolve to the same parameter, or a value is both a leaf and a group.",
    "{name!r} {problem}",
    old="nirs4all raised \"Conflicting nested parameter structure\" or silently kept one of the values.",
    now="The block is an error.",
    fix="Rename or remove one of them.",
)
V2_LIST_VALUE = define(
    "FT223", "list-value", "error",
    "v2 has no bare lists as parameter values, except the tagged ranges `[\"int\", low, high]`.",
    "a list is not a v2 parameter value: write {{type: categorical, choices: [...]}} or {{fixed: [...]}}",
    old="A list was a categorical to nirs4all's Optuna engine, a grid to dag-ml, and a range to many authors.",
    now="The block is an error. The one list v2 reads is a tagged range: exactly three elements, the lowercase "
    "tag `int`, `int_log`, `float` or `float_log`, then the numeric `low` and `high` (`[\"int\", 1, 30]` is "
    "`{type: int, low: 1, high: 30}`; the `_log` tags add `log: true`).",
    fix="Write `{type: categorical, choices: [...]}` to search, or `{fixed: [...]}` for a constant list.",
)
CONDITION_INVALID = define(
    "FT224", "condition-invalid", "error",
    "A `when`/`when_not` that does not name an earlier parameter of the same target.",
    "{key} of {name!r}: {problem}",
    old="-",
    now="The block is an error.",
    fix="Write `when: {parent: value}` (or a list of values) naming a parameter declared before this one.",
)
CATEGORICAL_TAG_LIST = define(
    "FT225", "categorical-tag-list", "info",
    "`[\"bool\"|\"categorical\", [choices]]` is a categorical over the inner list.",
    "{text} is a categorical over {choices}",
    old="nirs4all >= 2026-02 reads it as a categorical over the inner list; before, it was a categorical over "
    "the tag and the list.",
    now="A categorical over the inner list.",
    fix="The safe fix writes `{type: categorical, choices: [...]}`.",
    fixable="safe",
)
DUPLICATE_CHOICE = define(
    "FT226", "duplicate-choice", "error",
    "(v2) A categorical lists the same value twice.",
    "choice {value} of {name!r} is listed twice",
    old="-",
    now="The block is an error (v2 choices are distinct JSON values; 1 and 1.0 are the same number).",
    fix="Remove the repeated value.",
)
OPTIONS_WITHOUT_CHOICES = define(
    "FT227", "options-without-choices", "error",
    "`type: categorical` with `options` and no `choices`: nirs4all raised.",
    "`options` under {name!r}: nirs4all's Optuna engine requires `choices` and raised at the first trial",
    old="Only the n4m engine reads `options` (a categorical over named objects); with `type: categorical` the "
    "Optuna engine raised \"requires 'choices' or 'values' list\", so every run of this config failed.",
    now="The block is an error; the parameter is left out of the IR.",
    fix="Write a `categorical` over the option names (`choices: [...]`) and build the objects in code.",
)
OPTUNA_NAME_COLLISION = define(
    "FT228", "optuna-name-collision", "error",
    "Two parameters that Optuna would see under one name.",
    "{what} is suggested to Optuna as {optuna!r}, as is {other}: Optuna keeps one distribution per name",
    old="Optuna keys a trial's parameters by name: a second suggestion under a name already suggested in the trial "
    "returns the first value (outside the second parameter's domain) or, for another kind of distribution, raises "
    "\"Cannot set different distribution kind to the same parameter name\", so every trial fails. The names are "
    "`name` for model parameters, `train:name` for train parameters, and `name_length` (when the length varies) and "
    "`name_0`, `name_1`... for a sorted_tuple, so a model parameter `train:a` collides with a train parameter `a`, "
    "and a parameter `x_length` or `x_0` with a sorted_tuple `x`. nirs4all passed the names to Optuna as written, "
    "with the same collisions.",
    now="The block is an error.",
    fix="Rename one of the two parameters.",
)


def _optuna_names(entry: SpaceEntry) -> list[tuple[str, str]]:
    """(Optuna name, what it is) for every name the runtime suggests for `entry` (`ftspec.ir.optuna_names`)."""
    what = f"{entry.target} param {entry.name!r}"
    if not isinstance(entry, SortedTupleParam):
        return [(optuna_names(entry)[0], what)]
    labels = [f"the length of sorted_tuple {what}"] if entry.length_low != entry.length_high else []
    labels += [f"element {i} of sorted_tuple {what}" for i in range(entry.length_high)]
    return list(zip(optuna_names(entry), labels))


@study_check
def check_optuna_name_collision(study: Study, ctx: Lowering) -> None:
    """Every Optuna name belongs to one parameter; the later one of a colliding pair is reported, once."""
    seen: dict[str, str] = {}
    for entry in study.space:
        names = _optuna_names(entry)
        clash = next(((optuna, what) for optuna, what in names if optuna in seen), None)
        if clash is not None:
            optuna, what = clash
            ctx.report(OPTUNA_NAME_COLLISION, ctx.node_at(entry.source.pointer), what=what, optuna=optuna, other=seen[optuna])
        for optuna, what in names:
            seen.setdefault(optuna, what)



# --------------------------------------------------------------------------- the space of one block


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
        if name in self._names[target]:
            self.lo.report(NAME_CONFLICT, node, name=name, problem="is defined twice (after flattening nested groups with `__`)")
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
            self.lo.report(NAME_CONFLICT, node, name=name, problem=problem)
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
        self.lo.report(BAD_BOUND, node, what="a value", name=name, problem="is not a finite number (NaN, Infinity or too large); the parameter is left out of the IR")

    def declared(self, target: str, name: str) -> SpaceEntry | None:
        for entry in self.entries:
            if entry.target == target and entry.name == name:
                return entry
        return None


# --------------------------------------------------------------------------- legacy model and train params

SPEC_MARKERS = ("type", "min", "low", "choices", "values")
ParamItem = tuple[str, Node, Node]
"""(key, value, key node) of one parameter as written."""


@legacy_key("model_params")
def read_legacy_model_params(lo: Lowering, node: Node | None, block_kind: str, space: SpaceBuilder) -> list[ParamItem]:
    """Lowers the model parameters into `space` (`block_kind` is "finetune_params", "finetune_space"
    or "bare"); returns the top-level ones as written, which nirs4all's grid check reads."""
    params = _model_param_items(lo, node, block_kind)
    for key, value, key_node in params:
        _lower_model_value(lo, space, key, [key], value, key_node, block_kind, nested=False)
    return params


def _model_param_items(lo: Lowering, params: Node | None, block_kind: str) -> list[ParamItem]:
    if params is not None and read_mapping(lo, params, "model_params") is None:
        return []
    if isinstance(params, Mapping) and params.entries:
        return dedupe([(e.key.value, e.value, e.key) for e in params.entries if e.key.value != ANNOTATION_KEY])
    # Flat form (or MetaModel finetune_space): every key that is not a control key is a model parameter.
    items = []
    for entry in lo.block.entries:
        if not is_legacy_parameter_key(entry.key.value):
            continue
        if block_kind != "finetune_space":
            check_top_level_hyperparameter(lo, entry)
        items.append((entry.key.value, entry.value, entry.key))
    return dedupe(items)


def dedupe(items: list[ParamItem]) -> list[ParamItem]:
    """Last value wins for duplicate keys (already reported by the loader), first position kept."""
    last: dict[str, ParamItem] = {}
    order: list[str] = []
    for key, node, key_node in items:
        if key not in last:
            order.append(key)
        last[key] = (key, node, key_node)
    return [last[k] for k in order]


def _is_param_spec(node: Node) -> bool:
    return isinstance(node, Mapping) and any(m in node for m in SPEC_MARKERS)


def _lower_model_value(lo: Lowering, space: SpaceBuilder, name: str, nesting: list[str], node: Node, key_node: Node, block_kind: str, *, nested: bool) -> None:
    key = nesting[-1]
    if not check_model_param_key(lo, key, key_node, nested=nested):
        return
    if isinstance(node, Mapping) and not _is_param_spec(node):
        if not node.entries:
            lo.report(EMPTY_SPEC, node, name=name)
            return
        if "options" in node:
            lo.report(OPTIONS_SPEC, node.require("options").key, name=name, effect="is a nested group for the Optuna engine: its values are passed as a nested dict")
        for entry in node.entries:
            if entry.key.value == ANNOTATION_KEY:
                continue
            _lower_model_value(lo, space, f"{name}__{entry.key.value}", nesting + [entry.key.value], entry.value, entry.key, block_kind, nested=True)
        return
    path = _model_path(lo, name, key, node, key_node, block_kind)
    if isinstance(node, Scalar):
        space.add_fixed("model", name, path, node.value, node)
        return
    lower_legacy_spec(lo, space, "model", name, path, node)


def _model_path(lo: Lowering, name: str, key: str, node: Node, key_node: Node, block_kind: str) -> list[str]:
    """The path nirs4all rebuilt the value at: it splits every flattened name on `__`."""
    if "__" not in str(key):
        return name.split("__")
    if block_kind == "finetune_space" and name.startswith("model__"):
        lo.report(META_MODEL_PREFIX, key_node, name=name)
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
    lo.report(DOUBLE_UNDERSCORE_KEY, key_node, fix, name=name, path=parts)
    return parts


def withdraw_nesting_fixes(lo: Lowering, start: int) -> None:
    """Drop the fix of the FT216 findings reported since `start`: nirs4all's grid check refuses nested
    groups, so nesting `a__b` would turn a grid into TPE."""
    diagnostics = lo.collector.diagnostics
    for i in range(start, len(diagnostics)):
        if diagnostics[i].code == DOUBLE_UNDERSCORE_KEY.code and diagnostics[i].fix is not None:
            diagnostics[i] = dataclasses.replace(diagnostics[i], fix=None)


@legacy_key("train_params")
def read_legacy_train_params(lo: Lowering, node: Node | None, space: SpaceBuilder) -> None:
    """Lowers the train parameters into `space`: searched or passed as written, as nirs4all 1.4 does."""
    params = None if node is None else read_mapping(lo, node, "train_params")
    if params is None:
        return
    for key, value, key_node in dedupe([(e.key.value, e.value, e.key) for e in params.entries if e.key.value != ANNOTATION_KEY]):
        if train_sampable(value):
            before = len(space.entries)
            lower_legacy_spec(lo, space, "train", key, [key], value)
            if len(space.entries) > before:
                lo.report(TRAIN_PARAM_SAMPLED, key_node, name=key)
        else:
            if isinstance(value, Mapping) and any(m in value for m in ("choices", "values")):
                lo.report(TRAIN_PARAM_NOT_SAMPLED, key_node, name=key)
            space.add_fixed("train", key, [key], to_python(value), value)


def train_sampable(node: Node) -> bool:
    """nirs4all's `_is_sampable`: lists, and mappings with `type`, `min` or `low`."""
    return isinstance(node, Sequence) or (isinstance(node, Mapping) and any(m in node for m in ("type", "min", "low")))


# --------------------------------------------------------------------------- legacy spec forms

# (kind, log) of the range tags nirs4all recognises, case-sensitively.
LEGACY_RANGE_TAGS = {
    "int": ("int", False), "builtins.int": ("int", False), "int_log": ("int", True), "log_int": ("int", True),
    "float": ("float", False), "builtins.float": ("float", False), "float_log": ("float", True), "log_float": ("float", True),
}
DICT_SPEC_KEYS = (ANNOTATION_KEY, "type", "choices", "values", "min", "max", "low", "high", "step", "log", "length", "element_type", "when", "when_not", "options")


def is_range_list(node: Node) -> bool:
    if not isinstance(node, Sequence) or len(node.items) != 3:
        return False
    head, low, high = (item.value if isinstance(item, Scalar) else None for item in node.items)
    return isinstance(head, str) and head in LEGACY_RANGE_TAGS and _pynum(low) and _pynum(high)


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


def lower_legacy_spec(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Node) -> None:
    """One legacy parameter value: a list form, a mapping spec (by its `type`), or a fixed scalar."""
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
        kind, log = LEGACY_RANGE_TAGS[values[0]]
        low, high = values[1], values[2]
        for raw, item, what in ((low, node.items[1], "low"), (high, node.items[2], "high")):
            if as_float(raw) is None:
                lo.report(BAD_BOUND, item, what=what, name=name, problem="is not a finite number")
                return
        if kind == "int":
            ilow, ihigh = int(low), int(high)
            for raw, item, cut in ((low, node.items[1], ilow), (high, node.items[2], ihigh)):
                if raw != cut or isinstance(raw, float):
                    lo.report(TRUNCATED_BOUND, item, replace_fix(item, cut), value=raw, truncated=cut)
            fix = _tagged_fix(node, _explicit("int", ilow, ihigh, log))
            lo.report(TAGGED_LIST, node, fix, text=text, kind="int", low=ilow, high=ihigh, log=" on a log scale" if log else "")
            space.add(int_entry(name, target, ilow, ihigh, 1, log, path, node), node)
        else:
            flow, fhigh = float(low), float(high)
            fix = _tagged_fix(node, _explicit("float", flow, fhigh, log))
            lo.report(TAGGED_LIST, node, fix, text=text, kind="float", low=flow, high=fhigh, log=" on a log scale" if log else "")
            space.add(float_entry(name, target, flow, fhigh, None, log, path, node), node)
        return
    if len(values) == 2 and isinstance(values[0], str) and values[0] in ("bool", "categorical") and isinstance(values[1], list):
        choices = values[1]
        if not choices:
            lo.report(EMPTY_CHOICES, node, name=name)
            return
        lo.report(CATEGORICAL_TAG_LIST, node, replace_fix(node, {"type": "categorical", "choices": choices}), text=text, choices=_short(choices))
        space.add(categorical_entry(name, target, choices, path, node), node)
        return
    if not values:
        lo.report(EMPTY_CHOICES, node, name=name)
        return
    explicit = replace_fix(node, {"type": "categorical", "choices": values}, "safe", "write the categorical explicitly")
    head = values[0]
    numbers = [v for v in values[1:] if _pynum(v) and not isinstance(v, bool)]
    if isinstance(head, str) and head not in LEGACY_RANGE_TAGS and head.strip().lower() in LEGACY_RANGE_TAGS and len(values) == 3 and len(numbers) == 2:
        kind, log = LEGACY_RANGE_TAGS[head.strip().lower()]
        fix = replace_fix(node, _explicit(kind, *_cast(kind, values[1], values[2]), log), "unsafe", "write the range the tag names")
        lo.report(TAG_CASE, node, fix, text=text, n=3, tag=head)
    elif isinstance(head, str) and head in LEGACY_RANGE_TAGS and len(values) in (3, 4):
        kind, log = LEGACY_RANGE_TAGS[head]
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
        lo.report(TAGGED_LIST_LOOKALIKE, node, fix, text=text, n=len(values), tag=head, extra=extra)
    elif len(values) == 2 and len(numbers) == 1 and _pynum(values[0]) and not isinstance(values[0], bool):
        # Which one the author meant is theirs to say: the categorical keeps the meaning but would
        # make the finding disappear for good, so it is not applied without --unsafe-fixes.
        low, high = sorted(values)
        kind = "int" if all(is_int(v) for v in values) else "float"
        categorical = json.dumps({"type": "categorical", "choices": values})
        ranged = json.dumps({"type": kind, "low": low, "high": high})
        decision = replace_fix(node, {"type": "categorical", "choices": values}, "unsafe", f"decide: {categorical} (what nirs4all ran) or {ranged} (the range)")
        lo.report(TWO_ELEMENT_LIST, node, decision, low=values[0], high=values[1])
    else:
        lo.report(CATEGORICAL_LIST, node, explicit, n=len(values))
    space.add(categorical_entry(name, target, values, path, node), node)


def _tagged_fix(node: Sequence, spec: dict[str, Any]) -> Fix | None:
    """The mapping form, unless v2 reads the list as written (`["int", 1, 30]`): then nothing to rewrite."""
    tag = v2_range_tag(node)
    if tag is not None and (tag[0] == "float" or all(isinstance(item, Scalar) and is_int(item.value) for item in node.items[1:])):
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
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _lower_dict(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping) -> None:
    for entry in node.entries:
        if entry.key.value not in DICT_SPEC_KEYS:
            lo.report(SPEC_KEY_IGNORED, entry.key, key=entry.key.value, name=name)
    for key in ("when", "when_not"):
        if key in node:
            lo.report(CONDITION_IGNORED, node.require(key).key, key=key, name=name)
    type_entry = node.entry("type")
    if type_entry is None:
        _lower_dict_categorical(lo, space, target, name, path, node, "categorical", None)
        return
    ptype = to_python(type_entry.value)
    lower = LEGACY_SPEC_TYPES.get(ptype)
    if lower is None:
        lo.report(UNKNOWN_SPEC_TYPE, type_entry.value, type=ptype, hint=did_you_mean(ptype, ("categorical", "int", "int_log", "float", "float_log", "sorted_tuple")))
        return
    lower(lo, space, target, name, path, node, ptype, type_entry.value)


@legacy_spec_type("log_float", "log_int")
def _lower_dict_log_type(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping, ptype: str, type_node: Node) -> None:
    """The list forms' `log_float`/`log_int`, which nirs4all's mapping form refused (FT208)."""
    kind = "float" if ptype == "log_float" else "int"
    ops = (FixOp("replace_value", type_node.pointer, value=kind),)
    if "log" not in node:
        ops += (FixOp("insert_key", node.pointer, key="log", value=True),)
    lo.report(LOG_TYPE_IN_DICT, type_node, Fix("unsafe", f"write type: {kind} with log: true", ops), type=ptype, kind=kind)


@legacy_spec_type("categorical")
def _lower_dict_categorical(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping, ptype: str, type_node: Node | None) -> None:
    key = "choices" if "choices" in node else "values" if "values" in node else None
    choices_node = node.get(key) if key else None
    choices = [] if choices_node is None else to_python(choices_node)
    if choices_node is None or not choices:
        if type_node is None and any(k in node for k in ("min", "max", "low", "high")):
            low = _first_value(node, "min", "low")
            high = _first_value(node, "max", "high")
            kind = "int" if is_int(low) and is_int(high) else "float"
            fix = Fix("unsafe", f"add type: {kind}", (FixOp("insert_key", node.pointer, key="type", value=kind, first=True),))
            lo.report(SPEC_WITHOUT_TYPE, node, fix)
        elif "options" in node:
            lo.report(OPTIONS_WITHOUT_CHOICES, node.require("options").key, name=name)
        else:
            lo.report(EMPTY_CHOICES, choices_node or node, name=name)
        return
    if not isinstance(choices, list):
        wrong_type(lo, choices_node, f"{name}.{key}", "a list")
        return
    if key == "values":
        rename = Fix("safe", "rename values to choices", (FixOp("rename_key", choices_node.pointer, key="choices"),))
        lo.report(SPEC_KEY_ALIAS, node.require("values").key, rename, old="values", new="choices")
    elif "values" in node:
        lo.report(SPEC_KEY_IGNORED, node.require("values").key, key="values", name=name)
    if type_node is None:
        lo.report(SPEC_KEY_ALIAS, node, Fix("safe", "add type: categorical", (FixOp("insert_key", node.pointer, key="type", value="categorical", first=True),)), old="a spec without type", new="type: categorical")
    space.add(categorical_entry(name, target, choices, path, node), node)


def _first_value(node: Mapping, *keys: str) -> Any:
    """The value of the first of `keys` that is written, else None."""
    for key in keys:
        written = node.entry(key)
        if written is not None:
            return to_python(written.value)
    return None


def _bound(lo: Lowering, node: Mapping, name: str, keys: tuple[str, str], default: Any = None) -> tuple[Any, Node | None, bool]:
    """nirs4all's `get(keys[0], get(keys[1], default))`: (value, node, ok); reports the ignored alias."""
    first, second = keys
    if first in node:
        if second in node:
            lo.report(SPEC_KEY_IGNORED, node.require(second).key, key=second, name=name)
        chosen = node.require(first).value
    elif second in node:
        chosen = node.require(second).value
    else:
        return default, None, default is not None
    return to_python(chosen), chosen, True


def _rename_fixes(node: Mapping) -> list[FixOp]:
    ops = []
    for old, new in (("min", "low"), ("max", "high")):
        if old in node and new not in node:
            ops.append(FixOp("rename_key", node.require(old).value.pointer, key=new))
    return ops


@legacy_spec_type("int", "int_log", "float", "float_log")
def _lower_dict_range(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping, ptype: str, type_node: Node) -> None:
    kind = "int" if ptype.startswith("int") else "float"
    low, low_node, has_low = _bound(lo, node, name, ("min", "low"))
    high, high_node, has_high = _bound(lo, node, name, ("max", "high"))
    if low is None or high is None:
        missing = "low" if low is None else "high"
        lo.report(BAD_BOUND, (low_node if low is None else high_node) or node, what=missing, name=name, problem="is missing" if not (has_low and has_high) else "is null")
        return
    step_node = node.get("step")
    step = to_python(step_node) if step_node is not None else (1 if kind == "int" else None)
    log_node = node.get("log")
    log = ptype.endswith("_log") if log_node is None else to_python(log_node)
    if log_node is not None and not isinstance(log, bool):
        wrong_type(lo, log_node, f"{name}.log", "true or false")
        return
    casted = []
    for raw, item, what in ((low, low_node, "low"), (high, high_node, "high"), (step, step_node, "step")):
        if what == "step" and raw is None:
            casted.append(None)
            continue
        number = _parse_number(raw) if isinstance(raw, str) else raw if _pynum(raw) else None
        if number is None or as_float(number) is None:
            lo.report(BAD_BOUND, item or node, what=what, name=name, problem=f"is not a number ({node_desc(item) if item else repr(raw)})")
            return
        if kind == "int":
            cut = int(number)
            if number != cut or isinstance(raw, (float, str)):
                lo.report(TRUNCATED_BOUND, item or node, replace_fix(item, cut) if item else None, value=raw, truncated=cut)
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
        lo.report(SPEC_KEY_ALIAS, node, Fix("safe", "write the v2 spelling", tuple(ops)), old=", ".join(olds), new=", ".join(news))
    low, high, step = casted
    if kind == "int":
        if step is None or step <= 0:
            lo.report(BAD_BOUND, step_node or node, what="step", name=name, problem="must be a positive integer")
            return
        space.add(int_entry(name, target, low, high, step, log, path, node), node)
    else:
        if step is not None and step <= 0:
            lo.report(BAD_BOUND, step_node or node, what="step", name=name, problem="must be a positive number")
            return
        space.add(float_entry(name, target, low, high, step, log, path, node), node)


@legacy_spec_type("sorted_tuple")
def _lower_dict_sorted_tuple(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping, ptype: str, type_node: Node) -> None:
    length_node = node.get("length")
    length = 3 if length_node is None else to_python(length_node)
    try:
        if isinstance(length, bool) or is_int(length):
            lengths = (int(length), int(length))
        elif isinstance(length, list) and len(length) in (2, 3):
            lengths = (int(length[-2]), int(length[-1]))
        elif isinstance(length, dict) and isinstance(length_node, Mapping):
            min_given = length.get("min")
            lmin = length.get("min", None) or length.get("low", 2)
            lmax = length.get("max", None) or length.get("high", 5)
            if min_given == 0:
                lo.report(SORTED_TUPLE_LENGTH_ZERO, length_node.get("min") or length_node, used=lmin)
            lengths = (int(lmin), int(lmax))
        else:
            lengths = (int(length), int(length))
    except (TypeError, ValueError, OverflowError):
        lo.report(BAD_BOUND, length_node or node, what="length", name=name, problem=f"is not a length ({_short(length)})")
        return
    if lengths[0] < 0:
        lo.report(BAD_BOUND, length_node or node, what="length", name=name, problem=f"is negative ({lengths[0]})")
        return
    if not check_length_order(lo, length_node or node, f"length of {name!r}", lengths[0], lengths[1]):
        return
    low, _, _ = _bound(lo, node, name, ("min", "low"), 0.0)
    high, _, _ = _bound(lo, node, name, ("max", "high"), 1.0)
    step_node = node.get("step")
    step = to_python(step_node) if step_node is not None else None
    etype = to_python(node.get("element_type")) if node.get("element_type") is not None else "float"
    kind = "int" if etype in ("int", "int_log") else "float"
    log_node = node.get("log")
    log = to_python(log_node) if log_node is not None else etype in ("int_log", "float_log")
    if log_node is not None and not isinstance(log, bool):
        wrong_type(lo, log_node, f"{name}.log", "true or false")
        return
    if step_node is not None and step is not None and not (_pynum(step) and as_float(step) is not None and step > 0):
        lo.report(BAD_BOUND, step_node, what="step", name=name, problem="must be a positive number")
        return
    if as_float(low) is None or as_float(high) is None:
        lo.report(BAD_BOUND, node, what="bounds", name=name, problem="are not finite numbers")
        return
    try:
        element = element_spec(kind, low, high, step, bool(log))
    except (TypeError, ValueError, OverflowError):
        lo.report(BAD_BOUND, node, what="bounds", name=name, problem="are not numbers")
        return
    space.add(sorted_tuple_entry(name, target, lengths[0], lengths[1], element, path, node), node)


# --------------------------------------------------------------------------- v2 model and train params

# The keys of each spec `type` (each has a `@v2_spec_type` lowering), of a sorted tuple's `element` per
# element type and of a searched `length`: the keys of their field tables.
V2_SPEC_KEYS: dict[str, tuple[str, ...]] = {kind: names(fields) for kind, fields in SPEC_FIELDS.items()}
V2_ELEMENT_KEYS: dict[str, tuple[str, ...]] = {kind: names(fields) for kind, fields in ELEMENT_FIELDS.items()}
LENGTH_RANGE_KEYS = names(LENGTH_RANGE_FIELDS)


@v2_key("model_params")
def read_v2_model_params(lo: Lowering, node: Node | None, space: SpaceBuilder) -> None:
    _read_v2_params(lo, node, space, "model", "model_params")


@v2_key("train_params")
def read_v2_train_params(lo: Lowering, node: Node | None, space: SpaceBuilder) -> None:
    _read_v2_params(lo, node, space, "train", "train_params")


def _read_v2_params(lo: Lowering, node: Node | None, space: SpaceBuilder, target: str, key: str) -> None:
    if node is None:
        return
    if not isinstance(node, Mapping):
        wrong_type(lo, node, key, "a mapping")
        return
    check_annotation(lo, node)
    for entry in node.entries:
        if entry.key.value != ANNOTATION_KEY:
            lower_v2_value(lo, space, target, entry.key.value, [entry.key.value], entry.value)


def lower_v2_value(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Node) -> None:
    """One key of v2 model_params/train_params: a spec, a fixed value or a nested group."""
    if isinstance(node, Scalar):
        space.add_fixed(target, name, path, node.value, node)
        return
    if isinstance(node, Sequence):
        tag = v2_range_tag(node)
        if tag is None:
            lo.report(V2_LIST_VALUE, node)
            return
        # `[tag, low, high]` is the mapping `{type, low, high}` (`log: true` for the _log tags).
        kind, log = tag
        bounds = _v2_low_high(lo, node, name, node.items[1], node.items[2], integral=kind == "int")
        if bounds is None:
            return
        if kind == "int":
            space.add(int_entry(name, target, bounds[0], bounds[1], 1, log, path, node), node)
        else:
            space.add(float_entry(name, target, bounds[0], bounds[1], None, log, path, node), node)
        return
    assert isinstance(node, Mapping)
    check_annotation(lo, node)
    if "type" in node:
        _lower_v2_spec(lo, space, target, name, path, node)
        return
    if "fixed" in node:
        for entry in node.entries:
            if entry.key.value not in ("fixed", ANNOTATION_KEY):
                unknown_key(lo, entry.key, entry.key.value, " (a {fixed: ...} value has no other key)")
        space.add_fixed(target, name, path, to_python(node.require("fixed").value), node)
        return
    if not any(e.key.value != ANNOTATION_KEY for e in node.entries):
        space.add_fixed(target, name, path, {}, node)
        return
    for entry in node.entries:
        if entry.key.value != ANNOTATION_KEY:
            lower_v2_value(lo, space, target, f"{name}__{entry.key.value}", path + [entry.key.value], entry.value)


def _lower_v2_spec(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping) -> None:
    type_node = node.require("type").value
    kind = type_node.value if isinstance(type_node, Scalar) and isinstance(type_node.value, str) else None
    lower = V2_SPEC_TYPES.get(kind)
    if kind is None or lower is None:
        lo.report(UNKNOWN_SPEC_TYPE, type_node, type=node_desc(type_node) if kind is None else kind, hint=did_you_mean(kind, V2_SPEC_KEYS))
        return
    check_known_keys(lo, node, V2_SPEC_KEYS[kind], annotation=True)
    condition = _v2_condition(lo, space, target, name, node)
    if condition is False:
        return
    lower(lo, space, target, name, path, node, kind, condition or None)


@v2_spec_type("categorical")
def _lower_v2_categorical(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping, kind: str, cond: Condition | None) -> None:
    choices_node = node.get("choices")
    if not isinstance(choices_node, Sequence):
        wrong_type(lo, choices_node or node, f"{name}.choices", "a non-empty list", node_desc(choices_node) if choices_node else "nothing")
        return
    if not choices_node.items:
        lo.report(EMPTY_CHOICES, choices_node, name=name)
        return
    seen: set[str] = set()
    for item in choices_node.items:
        key = _json_key(to_python(item))
        if key in seen:
            lo.report(DUPLICATE_CHOICE, item, value=json.dumps(to_python(item)), name=name)
            return
        seen.add(key)
    space.add(categorical_entry(name, target, to_python(choices_node), path, node, cond), node)


@v2_spec_type("int", "float")
def _lower_v2_range(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping, kind: str, cond: Condition | None) -> None:
    bounds = _v2_bounds(lo, node, name, integral=kind == "int")
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


def _v2_low_high(lo: Lowering, node: Node, name: str, low: Node | None, high: Node | None, *, integral: bool) -> list[Any] | None:
    values = []
    for key, child in (("low", low), ("high", high)):
        if child is None:
            lo.report(BAD_BOUND, node, what=key, name=name, problem="is missing")
            return None
        value = child.value if isinstance(child, Scalar) else None
        if not (is_int(value) if integral else is_number(value)):
            lo.report(BAD_BOUND, child, what=key, name=name, problem=f"must be {'an integer' if integral else 'a number'}, got {node_desc(child)}")
            return None
        values.append(int(value) if integral else value)  # type: ignore[arg-type]
    return values


def _v2_bounds(lo: Lowering, node: Mapping, name: str, *, integral: bool) -> tuple[Any, Any, Any, bool] | None:
    values = _v2_low_high(lo, node, name, node.get("low"), node.get("high"), integral=integral)
    if values is None:
        return None
    step = None
    step_node = node.get("step")
    if step_node is not None and not (isinstance(step_node, Scalar) and step_node.value is None and not integral):
        value = step_node.value if isinstance(step_node, Scalar) else None
        if not ((is_int(value) if integral else is_number(value)) and value > 0):  # type: ignore[operator]
            lo.report(BAD_BOUND, step_node, what="step", name=name, problem=f"must be a positive {'integer' if integral else 'number'}{'' if integral else ' or null'}, got {node_desc(step_node)}")
            return None
        step = int(value) if integral else value  # type: ignore[arg-type]
    log = False
    log_node = node.get("log")
    if log_node is not None:
        log = bool(read_bool(lo, log_node, f"{name}.log"))
    return values[0], values[1], step, log


@v2_spec_type("sorted_tuple")
def _lower_v2_sorted_tuple(lo: Lowering, space: SpaceBuilder, target: str, name: str, path: list[str], node: Mapping, kind: str, cond: Condition | None) -> None:
    length = node.get("length")
    if length is None:
        lo.report(BAD_BOUND, node, what="length", name=name, problem="is missing")
        return
    if isinstance(length, Mapping):
        check_known_keys(lo, length, LENGTH_RANGE_KEYS)
        length_low, length_high = (read_int(lo, length.get(k) or length, f"{name}.length.{k}", minimum=1) for k in ("low", "high"))
    else:
        length_low = length_high = read_int(lo, length, f"{name}.length", minimum=1)
    element = node.get("element")
    if not isinstance(element, Mapping):
        wrong_type(lo, element or node, f"{name}.element", "a mapping {type, low, high, step, log}", node_desc(element) if element else "nothing")
        return
    etype = element.get("type")
    ekind = etype.value if isinstance(etype, Scalar) else None
    if ekind not in V2_ELEMENT_KEYS:
        lo.report(UNKNOWN_SPEC_TYPE, etype or element, type=ekind if isinstance(ekind, str) else "nothing", hint=" (elements are int or float)")
        return
    check_known_keys(lo, element, V2_ELEMENT_KEYS[ekind])
    bounds = _v2_bounds(lo, element, f"{name}.element", integral=ekind == "int")
    if bounds is None or length_low is None or length_high is None:
        return
    low, high, step, log = bounds
    if not check_length_order(lo, length, f"length of {name!r}", length_low, length_high):
        return
    spec = element_spec(ekind, low, high, step, log)
    space.add(sorted_tuple_entry(name, target, length_low, length_high, spec, path, node, cond), node)


def _v2_condition(lo: Lowering, space: SpaceBuilder, target: str, name: str, node: Mapping) -> Condition | None | bool:
    """The entry's `when`/`when_not` condition; False (reported) when it is invalid."""
    found = [(k, node.get(k)) for k in ("when", "when_not") if k in node]
    if not found:
        return None
    if len(found) > 1:
        lo.report(CONDITION_INVALID, node.require("when_not").key, key="when_not", name=name, problem="use either when or when_not, not both")
        return False
    key, value = found[0]
    if not isinstance(value, Mapping) or len(value.entries) != 1:
        lo.report(CONDITION_INVALID, value, key=key, name=name, problem="must be a mapping with exactly one parent parameter")
        return False
    parent_entry = value.entries[0]
    parent = space.declared(target, parent_entry.key.value)
    if parent is None:
        lo.report(CONDITION_INVALID, parent_entry.key, key=key, name=name, problem=f"{parent_entry.key.value!r} is not a {target} parameter declared before it")
        return False
    raw = to_python(parent_entry.value)
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        lo.report(CONDITION_INVALID, parent_entry.value, key=key, name=name, problem="lists no values")
        return False
    return Condition(param=parent.name, values=values, negate=key == "when_not")
