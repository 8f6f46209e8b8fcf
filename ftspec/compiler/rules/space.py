"""FT2xx: search-space forms (values of `model_params` and `train_params`).

Most are reported by the front-ends while they lower a space; `check_optuna_name_collision` reads
the lowered IR space (one check for both front-ends).
"""

from __future__ import annotations

from ftspec.compiler.checks import Lowering, study_check
from ftspec.compiler.diagnostics import define
from ftspec.ir import SortedTupleParam, SpaceEntry, Study, optuna_names

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
