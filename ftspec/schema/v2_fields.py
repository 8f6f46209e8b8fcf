"""The keys of a `finetune_params` v2 block and of its structured values, defined once (docs/v2-syntax.md).

Each study key is one `V2Field`, and everything about the key is read from it:

- the pydantic model `ftspec.schema.v2.FinetuneParamsV2` (hence the JSON Schema) builds one field
  per entry, in this order, with its type, bounds, default, description and examples;
- the v2 front-end (`ftspec.compiler.frontends.v2`) takes the allowed keys from here, and
  `rules.study.read_carried_key` reads every `carried` key generically: type and bounds checked with a located finding, the default
  when the key is absent, the value stored in the IR attribute of the same name;
- `ftspec.ir.Study` gets an attribute for a carried key it does not declare itself;
- the pipeline walker's `BARE_MARKERS` (`bare_marker`), the migrator's gap fields (`legacy_gap`) and
  the defaults FT503 (redundant-default) compares with;
- the table "Study fields" of docs/v2-syntax.md (`python -m ftspec.schema.v2_fields`).

The mappings inside a block have `V2Field` tables too, read the same way: `validation`,
`failure_policy`, `tracking` and `tracking.mlflow`, `select`, a `phases` item, a `force_params` item,
and the search specs (`SPEC_FIELDS`, one table per spec `type`; a sorted tuple's `element` per element
type and its searched `length`). From each table `ftspec.schema.v2` builds the model (`_table_model`;
validators relating several keys stay on its base class) and the front-end takes the keys it allows
(FT102 for another) and, for scalar keys, the type checks (`rules.study._read_v2_value`); the spec
tables also write the search-spec rows of docs/v2-syntax.md.

Keys whose value is another structure (`shape="structure"`: metric, sampler, phases, a spec's `type`,
`choices`, `element`, `when`, ...) are lowered by their `@v2_key` / `@v2_spec_type` readers in
`ftspec/compiler/rules/` and have their pydantic type beside the model that holds them in
`ftspec.schema.v2`; their entry here still gives their description, docs, default and flags. The
bounds of search specs (`low`, `high`, `step`, `log`, `length`) are checked by the spec readers, not
generically, because their findings (FT2xx bad-bound) name the parameter. `n_trials` (its own finding,
FT317, and the phases' sum) and `storage`/`study_name`/`resume` (one IR `storage`, read by
`rules.study.read_storage` as the legacy front-end reads it) have scalar shapes for the schema and
the docs but have readers of their own.

Plain Python on purpose: the compiler and the linter import this module, and they never import
pydantic.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Literal, Optional

from ftspec._record import Record
from ftspec.schema.vocab import APPROACHES, EVAL_MODES, OPTUNA_DEFAULTS_VERSION, PARAM_TYPES, SEED_MAX


class _Marker:
    """A default that is not a value: the key is required, or may be omitted without one."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


REQUIRED = _Marker("REQUIRED")
"""The key must be written."""
ABSENT = _Marker("ABSENT")
"""The key may be omitted, and omitting it means something no JSON value says (see its docs default)."""

Shape = Literal["int", "number", "bool", "str", "enum", "structure"]


@dataclass(eq=False, repr=False, init=False)
class V2Field(Record):
    """One key of a v2 block or of one of its mappings: its value's shape and bounds, default, docs, and the flags other modules read.

    The `__init__` is written out: the linter imports ~30 of these, and a generated one setting every
    attribute through `Record.__setattr__` was most of this module's import time. Omitted attributes
    are read from the class (the declared defaults)."""

    name: str
    shape: Shape
    """`structure`: lowered by its `@v2_key` / `@v2_spec_type` reader, typed by `ftspec.schema.v2`; the others are typed from here."""
    description: str
    """The JSON Schema's description of the key."""
    meaning: str = ""
    """The docs table's meaning column (Markdown)."""
    default: Any = ABSENT
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    nullable: bool = False
    """null is a value of the key (besides its shape)."""
    nonempty: bool = False
    """Strings: at least one character."""
    pattern: str | None = None
    """Strings: a regular expression the value matches (JSON Schema's `pattern`, checked by the schema only)."""
    choices: dict[str, str] | None = None
    """Enums: each value and its description (the schema documents each value)."""
    examples: tuple[Any, ...] = ()
    carried: bool = False
    """Read generically (`rules.study.read_carried_key`) and carried as read into the IR attribute of the same name."""
    bare_marker: bool = False
    """Only a finetune_params object has this key: a file whose top-level mapping has it is a bare block."""
    legacy_gap: bool = False
    """The legacy default differs from v2's: migrating writes the legacy meaning as this key (`ftmigrate`)."""
    docs_type: str | None = None
    """The docs table's type column when it is not derived from the shape (structures)."""
    docs_default: str | None = None
    """The docs table's default column when it is not the default value written as JSON."""

    def __init__(self, name: str, shape: Shape, description: str, **given: Any) -> None:
        unknown = set(given) - set(self.__dataclass_fields__)
        if unknown:
            raise TypeError(f"V2Field {name!r}: unknown attributes {sorted(unknown)}")
        self.__dict__.update(name=name, shape=shape, description=description, **given)

    def python_type(self) -> Any:
        """The Python type of the key's IR value (a carried key)."""
        base: Any = {"int": int, "number": float, "bool": bool, "str": str}.get(self.shape)
        if self.shape == "enum":
            base = Literal[tuple(self.choices or ())]  # type: ignore[valid-type]
        if base is None:
            raise ValueError(f"v2 key {self.name!r}: a {self.shape} has no generic IR type")
        return Optional[base] if self.nullable else base

    def type_text(self) -> str:
        """The docs table's type column."""
        if self.docs_type is not None:
            return self.docs_type
        if self.shape == "enum":
            text = " ".join(f"`{c}`" for c in self.choices or ())
        else:
            text = {"int": "int", "number": "number", "bool": "bool", "str": "non-empty string" if self.nonempty else "string"}[self.shape]
            if self.minimum is not None and self.maximum is not None:
                text += f" {self.minimum}..{self.maximum}"
            elif self.minimum is not None:
                text += f" >= {self.minimum}"
            elif self.maximum is not None:
                text += f" <= {self.maximum}"
            if self.exclusive_minimum is not None:
                text += f" > {self.exclusive_minimum}"
            if self.exclusive_maximum is not None:
                text += f" < {self.exclusive_maximum}"
        return text + (" or null" if self.nullable else "")

    def default_text(self) -> str:
        """The docs table's default column."""
        if self.docs_default is not None:
            return self.docs_default
        if self.default is REQUIRED:
            return "required"
        if self.default is None:
            return "null"
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if isinstance(self.default, str):
            return f"`{self.default}`"
        return str(self.default)


V2_EVAL_MODES = {name: spec.description for name, spec in EVAL_MODES.items() if spec.v2}

V2_FIELDS: tuple[V2Field, ...] = (
    V2Field(
        "version", "structure", default=REQUIRED, bare_marker=True, docs_type="`2`",
        description="Marks the block as v2 (without it the block is read as the legacy dialect).",
        meaning="marks the block as v2",
    ),
    V2Field(
        "n_trials", "int", minimum=1, default=50, examples=(50, 200), bare_marker=True, legacy_gap=True,
        description="Total finished trials of the study (over phases, workers and resumes).",
        meaning="total finished trials of the study (over phases, workers and resumes)",
    ),
    V2Field(
        "timeout_seconds", "number", exclusive_minimum=0, nullable=True, default=None, carried=True,
        bare_marker=True, legacy_gap=True,
        description="Stop starting trials after this many seconds (null: no limit).",
        meaning="stop starting trials after this many seconds",
    ),
    V2Field(
        "trial_timeout_seconds", "number", exclusive_minimum=0, nullable=True, default=None, carried=True,
        description="A trial still running after this many seconds fails (TrialTimeout), checked after each fold: "
                    "a fold already running is not interrupted (null: no limit).",
        meaning="a trial still running after this many seconds fails (`TrialTimeout`), checked between folds: "
                "a running fold is not interrupted (docs/runtime.md)",
    ),
    V2Field(
        "n_jobs", "int", minimum=1, default=1, carried=True, bare_marker=True, legacy_gap=True,
        description="Parallel trials in one process.",
        meaning="parallel trials in one process",
    ),
    V2Field(
        "seed", "int", minimum=0, maximum=SEED_MAX, nullable=True, default=None, carried=True,
        bare_marker=True, legacy_gap=True,
        description="Sampler seed (null: not reproducible).",
        meaning="sampler seed (null: not reproducible); at most 2**32 - 1, numpy's range",
    ),
    V2Field(
        "approach", "enum", choices=APPROACHES, default="grouped", carried=True, bare_marker=True, legacy_gap=True,
        description="Holdout scoring, all folds aggregated, or one study per fold.",
        meaning="holdout scoring, all folds aggregated, or one study per fold",
    ),
    V2Field(
        "eval_mode", "enum", choices=V2_EVAL_MODES, default="mean", carried=True, bare_marker=True, legacy_gap=True,
        description="Aggregation of fold scores (direction-aware).",
        meaning="aggregation of fold scores, direction-aware; `robust_best` is the 75th percentile of the fold scores "
                "when minimising (25th maximising); v2's modes fail a trial on a failed fold, the `nirs4all_*` modes "
                "score it +-inf as nirs4all 1.4.10 did (docs/runtime.md)",
    ),
    V2Field(
        "metric", "structure", default=REQUIRED, examples=("rmse", ["rmse", "fit_seconds"]), bare_marker=True,
        docs_type="a registry metric, or a non-empty list of distinct ones",
        description="The score, from the metric registry; it fixes the direction. A list of metrics makes a study of "
                    "several objectives (its result is a Pareto front).",
        meaning="the score; a list makes a study of several objectives ([below](#several-objectives))",
    ),
    V2Field(
        "direction", "structure", bare_marker=True,
        docs_type="`minimize` `maximize`, or a list of them", docs_default="from `metric`",
        description="Optimisation direction; omitted: from `metric` (must agree with it if given). With a list of "
                    "metrics, a list of the same length (one direction per metric).",
        meaning="must agree with the metric if given; with a list of metrics, a list of the same length (FT429)",
    ),
    V2Field(
        "select", "structure", docs_type="`{objective: METRIC}`", docs_default="the first objective",
        description="Which trial is refitted after a study of several objectives: the Pareto front's best on "
                    "`objective`; omitted: the first objective.",
        meaning="several objectives: the trial refitted is the Pareto front's best on this metric (one of `metric`, FT431)",
    ),
    V2Field(
        "sampler", "structure", default="tpe", examples=("tpe", {"kind": "tpe", "options": {"n_startup_trials": 10}}),
        bare_marker=True, docs_type="kind string, or `{kind, options}`",
        description=f"Sampler: a kind string or `{{kind, options}}`; options not given take Optuna {OPTUNA_DEFAULTS_VERSION}'s defaults.",
        meaning="every option not given takes Optuna 5's default",
    ),
    V2Field(
        "pruner", "structure", default="none", examples=("none", {"kind": "median", "options": {"n_warmup_steps": 5}}),
        bare_marker=True, docs_type="kind string, or `{kind, options}`",
        description="Pruner: a kind string or `{kind, options}`; `none` never prunes.",
        meaning="`none` never prunes",
    ),
    V2Field(
        "validation", "structure", legacy_gap=True,
        docs_type="`{holdout_fraction, seed}`", docs_default="`{0.2, seed}`",
        description="Holdout split of the `single` approach; omitted: `{holdout_fraction: 0.2}` with the study's seed.",
        meaning="holdout of the `single` approach; `seed` defaults to the study seed",
    ),
    V2Field(
        "storage", "str", nullable=True, pattern=r"^[A-Za-z][A-Za-z0-9+.-]*://", default=None, bare_marker=True,
        examples=("sqlite:///study.db", "postgresql://user@host/db", "journal:///path/study.log"),
        docs_type="URL string or null",
        description="Optuna storage URL (null: in memory).",
        meaning="Optuna storage (`sqlite:///f.db`, `postgresql://…`, `journal:///path.log`)",
    ),
    V2Field(
        "study_name", "str", nonempty=True, nullable=True, default=None, bare_marker=True,
        description="Study name in the storage (null: generated).",
        meaning="name in the storage",
    ),
    V2Field(
        "resume", "bool", default=False, bare_marker=True,
        description="Continue an existing study (`n_trials` is then the total).",
        meaning="continue an existing study (`n_trials` is the total)",
    ),
    V2Field(
        "failure_policy", "structure",
        docs_type="`{max_consecutive_failures, max_failure_ratio}`", docs_default="both null",
        description="Stop the study on repeated failures.",
        meaning="stop the study on repeated failures",
    ),
    V2Field(
        "force_params", "structure", bare_marker=True,
        docs_type="list of `{model_params: {…}, train_params: {…}}`", docs_default="`[]`",
        description="Trials enqueued first, keyed by flattened parameter name.",
        meaning="trials enqueued first, keyed by flattened parameter name",
    ),
    V2Field(
        "phases", "structure", bare_marker=True,
        docs_type="list of `{n_trials, sampler}` (both required)", docs_default="`[]`",
        description="Samplers in sequence on one study; `n_trials` then defaults to their sum and must equal it if given.",
        meaning="samplers in sequence on one study; `n_trials` then defaults to their sum and should equal it if given "
                "(FT321, a warning; the phases' sum is run); a top-level `sampler` beside them is unused (FT331)",
    ),
    V2Field(
        "tracking", "structure", default=None,
        examples=({"mlflow": {"tracking_uri": "http://127.0.0.1:5000", "experiment": "pls"}},),
        docs_type="`{mlflow: {tracking_uri, experiment}}` or null",
        description="Experiment tracking: `{mlflow: {tracking_uri, experiment}}` (null: none).",
        meaning="track every trial in MLflow: one parent run per study, a nested child run per trial; `tracking_uri` "
                "(a non-empty string) is required, `experiment` defaults to the study id; needs "
                "`pip install 'ftspec[mlflow]'` to run (`ftrun --mlflow-uri` / `--mlflow-experiment` override both)",
    ),
    V2Field(
        "model_params", "structure", bare_marker=True, docs_type="mapping", docs_default="`{}`",
        examples=({"n_components": {"type": "int", "low": 1, "high": 30}, "scale": {"type": "categorical", "choices": [True, False]}},),
        description="Search space and fixed values of the estimator.",
        meaning="search space and fixed values of the estimator",
    ),
    V2Field(
        "train_params", "structure", bare_marker=True, docs_type="mapping", docs_default="`{}`",
        examples=({"epochs": {"type": "int", "low": 10, "high": 100, "step": 10}, "verbose": 0},),
        description="Search space and fixed values passed to training.",
        meaning="search space and fixed values passed to training",
    ),
)

V2_FIELDS_BY_NAME: dict[str, V2Field] = {f.name: f for f in V2_FIELDS}
V2_KEYS: tuple[str, ...] = tuple(V2_FIELDS_BY_NAME)
"""Every study key a v2 block may have (besides the `_comment` annotation)."""

# The keys of the study keys whose value is a mapping of scalars; same readers as the study keys
# (`ftspec.schema.v2` builds their models from these, the front-end their key and type checks).
VALIDATION_FIELDS: tuple[V2Field, ...] = (
    V2Field(
        "holdout_fraction", "number", exclusive_minimum=0, exclusive_maximum=1, default=0.2,
        description="Fraction of the training data held out for scoring, in (0, 1).",
    ),
    V2Field(
        "seed", "int", minimum=0, maximum=SEED_MAX, nullable=True,
        description="Seed of the split; omitted: the study's `seed`; null: a fresh random split.",
    ),
)
MLFLOW_FIELDS: tuple[V2Field, ...] = (
    V2Field(
        "tracking_uri", "str", nonempty=True, default=REQUIRED, examples=("http://127.0.0.1:5000", "sqlite:///mlflow.db"),
        description="MLflow tracking URI (`ftrun --mlflow-uri` overrides it).",
    ),
    V2Field(
        "experiment", "str", nonempty=True,
        description="MLflow experiment name, created when missing; omitted: the study id (`ftrun --mlflow-experiment` overrides it).",
    ),
)
"""The keys of `tracking.mlflow`."""
FAILURE_POLICY_FIELDS: tuple[V2Field, ...] = (
    V2Field(
        "max_consecutive_failures", "int", minimum=1, nullable=True, default=None,
        description="Stop after this many failed trials in a row (null: never).",
    ),
    V2Field(
        "max_failure_ratio", "number", exclusive_minimum=0, maximum=1, nullable=True, default=None,
        description="Stop when failed / finished trials exceeds this ratio, in (0, 1] (null: never).",
    ),
)


TRACKING_FIELDS: tuple[V2Field, ...] = (
    V2Field("mlflow", "structure", default=REQUIRED, description="Track the study in MLflow."),
)
"""The keys of `tracking` (`mlflow`'s own keys are `MLFLOW_FIELDS`)."""
SELECT_FIELDS: tuple[V2Field, ...] = (
    V2Field(
        "objective", "structure", default=REQUIRED,
        description="A metric of `metric`: the front member best on it is refitted.",
    ),
)
PHASE_FIELDS: tuple[V2Field, ...] = (
    V2Field("n_trials", "int", minimum=1, default=REQUIRED, description="Trials in this phase."),
    V2Field(
        "sampler", "structure", default=REQUIRED, examples=("random", {"kind": "tpe"}),
        description="Sampler of this phase.",
    ),
)
"""The keys of a `phases` item."""
FORCED_TRIAL_FIELDS: tuple[V2Field, ...] = (
    V2Field(
        "model_params", "structure", description="Model parameter values by flattened name (`group__param`).",
    ),
    V2Field(
        "train_params", "structure", description="Train parameter values by flattened name (`group__param`).",
    ),
)
"""The keys of a `force_params` item."""


# --------------------------------------------------------------------------- search specs

# The keys of a search spec, per spec `type` (a mapping with a `type` key in model_params or
# train_params). `structure` keys (`type`, `choices`, `length`, `element`, `when`, `when_not`) are
# typed by `ftspec.schema.v2` and lowered by the `@v2_spec_type` readers of
# `ftspec.compiler.rules.space`; the `meaning` of a spec's `type` entry is the docs' row of the spec.

_WHEN = V2Field(
    "when", "structure",
    description="Sample this parameter only when the named parameter (same target, declared earlier) takes "
                "the given value or one of the given values: `{param: value}` or `{param: [values]}`.",
)
_WHEN_NOT = V2Field(
    "when_not", "structure",
    description="Sample this parameter only when the named parameter (same target, declared earlier) does "
                "not take the given value or values: `{param: value}` or `{param: [values]}`.",
)


def _spec_type(kind: str, meaning: str = "") -> V2Field:
    return V2Field("type", "structure", default=REQUIRED, description=PARAM_TYPES[kind], meaning=meaning)


INT_SPEC_FIELDS: tuple[V2Field, ...] = (
    _spec_type(
        "int", "`suggest_int`; `high - low` should be a multiple of `step` (otherwise Optuna lowers `high`: FT401, "
               "a warning); `log` needs `low >= 1` and `step: 1` (errors)",
    ),
    V2Field("low", "int", default=REQUIRED, description="Inclusive lower bound."),
    V2Field("high", "int", default=REQUIRED, description="Inclusive upper bound (`high - low` a multiple of `step`)."),
    V2Field("step", "int", minimum=1, default=1, description="Grid step."),
    V2Field("log", "bool", default=False, description="Sample on a log scale (needs `low >= 1` and `step: 1`)."),
    _WHEN,
    _WHEN_NOT,
)
FLOAT_SPEC_FIELDS: tuple[V2Field, ...] = (
    _spec_type(
        "float", "`suggest_float`; `step` should divide `high - low` (FT401, a warning); `log` needs `low > 0` and "
                 "no step (errors)",
    ),
    V2Field("low", "number", default=REQUIRED, description="Inclusive lower bound."),
    V2Field("high", "number", default=REQUIRED, description="Inclusive upper bound."),
    V2Field(
        "step", "number", exclusive_minimum=0, nullable=True, default=None,
        description="Discretisation step, or null for a continuous range.",
    ),
    V2Field("log", "bool", default=False, description="Sample on a log scale (needs `low > 0` and no step)."),
    _WHEN,
    _WHEN_NOT,
)
CATEGORICAL_SPEC_FIELDS: tuple[V2Field, ...] = (
    _spec_type("categorical", "`suggest_categorical`; non-empty, distinct JSON values (1 and 1.0 are the same)"),
    V2Field(
        "choices", "structure", default=REQUIRED, examples=(["rbf", "linear"], [True, False]), docs_type="[...]",
        description="The values to choose from: non-empty and distinct, in the order they are tried by grid samplers.",
    ),
    _WHEN,
    _WHEN_NOT,
)
SORTED_TUPLE_SPEC_FIELDS: tuple[V2Field, ...] = (
    _spec_type("sorted_tuple", "a sorted tuple of `length` (>= 1) numbers"),
    V2Field(
        "length", "structure", default=REQUIRED, examples=(3, {"low": 1, "high": 3}),
        description="Number of elements: a fixed length, or `{low, high}` for a searched length.",
    ),
    V2Field("element", "structure", default=REQUIRED, description="The range each element is drawn from."),
    _WHEN,
    _WHEN_NOT,
)
SPEC_FIELDS: dict[str, tuple[V2Field, ...]] = {
    "int": INT_SPEC_FIELDS,
    "float": FLOAT_SPEC_FIELDS,
    "categorical": CATEGORICAL_SPEC_FIELDS,
    "sorted_tuple": SORTED_TUPLE_SPEC_FIELDS,
}
"""The keys of each spec `type`, in the order of the schema (each type has a `@v2_spec_type` lowering)."""

# The keys of a sorted tuple's `element`, per element type, and of its searched `length`.
INT_ELEMENT_FIELDS: tuple[V2Field, ...] = (
    V2Field("type", "structure", default=REQUIRED, description="Elements are integers."),
    V2Field("low", "int", default=REQUIRED, description="Inclusive lower bound of each element."),
    V2Field("high", "int", default=REQUIRED, description="Inclusive upper bound of each element."),
    V2Field("step", "int", minimum=1, default=1, description="Grid step of each element."),
    V2Field("log", "bool", default=False, description="Sample each element on a log scale."),
)
FLOAT_ELEMENT_FIELDS: tuple[V2Field, ...] = (
    V2Field("type", "structure", default=REQUIRED, description="Elements are floats."),
    V2Field("low", "number", default=REQUIRED, description="Inclusive lower bound of each element."),
    V2Field("high", "number", default=REQUIRED, description="Inclusive upper bound of each element."),
    V2Field(
        "step", "number", exclusive_minimum=0, nullable=True, default=None,
        description="Discretisation step of each element, or null for continuous.",
    ),
    V2Field("log", "bool", default=False, description="Sample each element on a log scale."),
)
ELEMENT_FIELDS: dict[str, tuple[V2Field, ...]] = {"int": INT_ELEMENT_FIELDS, "float": FLOAT_ELEMENT_FIELDS}
LENGTH_RANGE_FIELDS: tuple[V2Field, ...] = (
    V2Field("low", "int", minimum=1, default=REQUIRED, description="Smallest length."),
    V2Field("high", "int", minimum=1, default=REQUIRED, description="Largest length."),
)


def names(fields: tuple[V2Field, ...]) -> tuple[str, ...]:
    """The keys of a field table, in order (what the front-end's unknown-key checks allow)."""
    return tuple(f.name for f in fields)


# --------------------------------------------------------------------------- docs tables

REGENERATE = "python -m ftspec.schema.v2_fields"


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}: generated by {REGENERATE} -->", f"<!-- /{name} -->"


def render_study_fields() -> str:
    """The docs' "Study fields" table, one row per `V2Field`."""
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for f in V2_FIELDS:
        lines.append(f"| `{f.name}` | {f.type_text()} | {f.default_text()} | {f.meaning} |")
    return "\n".join(lines)


def spec_form(kind: str) -> str:
    """A spec's keys as the docs write them: `{type: int, low, high, step: 1, log: false}` (required keys
    bare, defaults as JSON; `when`/`when_not` are described once below the table)."""
    import json  # off the linter's start-up

    keys = []
    for f in SPEC_FIELDS[kind]:
        if f.name == "type":
            keys.append(f"type: {kind}")
        elif f.name == "length":
            keys.append("length: n \\| {" + ", ".join(names(LENGTH_RANGE_FIELDS)) + "}")
        elif f.name == "element":
            element_keys = dict.fromkeys(name for fields in ELEMENT_FIELDS.values() for name in names(fields)[1:])
            keys.append("element: {type: " + "\\|".join(ELEMENT_FIELDS) + ", " + ", ".join(element_keys) + "}")
        elif f.docs_type is not None:
            keys.append(f"{f.name}: {f.docs_type}")
        elif f.default is REQUIRED:
            keys.append(f.name)
        elif f.default is not ABSENT:
            keys.append(f"{f.name}: {json.dumps(f.default)}")
    return "`{" + ", ".join(keys) + "}`"


def render_spec_forms() -> str:
    """The docs' table of search specs, one row per spec `type` (its `type` entry's meaning)."""
    lines = ["| search spec | meaning |", "|---|---|"]
    for kind, fields in SPEC_FIELDS.items():
        lines.append(f"| {spec_form(kind)} | {fields[0].meaning} |")
    return "\n".join(lines)


GENERATED_TABLES = {"study-fields": render_study_fields, "spec-forms": render_spec_forms}
"""The tables of docs/v2-syntax.md written from these definitions, by the name of their markers."""


def with_generated_tables(current: str) -> str:
    """`current` (docs/v2-syntax.md) with each generated table replaced by today's."""
    for name, render in GENERATED_TABLES.items():
        begin, end = _markers(name)
        head, rest = current.split(begin, 1)
        current = head + begin + "\n" + render() + "\n" + end + rest.split(end, 1)[1]
    return current


def docs_path() -> Any:
    """docs/v2-syntax.md of the source tree (pathlib is imported here, off the linter's start-up)."""
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "docs" / "v2-syntax.md"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    docs = docs_path()
    current = docs.read_text(encoding="utf-8")
    new = with_generated_tables(current)
    if "--check" in args:
        if new != current:
            print(f"docs/{docs.name} out of date: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    docs.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
