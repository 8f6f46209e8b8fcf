"""The IR: one canonical, resolved description of each hyperparameter study (public, versioned).

Every value is resolved (no aliases, no implicit defaults, canonical enum spellings) and every field
is always present, so the same input gives byte-identical JSON. The types are plain frozen
dataclasses so that the compiler and the linter never import pydantic; `ftspec.schema.ir_model`
wraps them in a pydantic TypeAdapter for validation, loading and the IR's JSON Schema.
Attribute docstrings become the JSON Schema's descriptions.

Optuna meaning of a space entry (the runtime's contract):

- ``int``: ``trial.suggest_int(name, low, high, step=step, log=log)``; ``high - low`` is a
  multiple of ``step``: the IR records the high Optuna really uses (FT401 reports the change).
- ``float``: ``trial.suggest_float(name, low, high, step=step, log=log)``; ``step`` is null for a
  continuous range.
- ``categorical``: ``trial.suggest_categorical(name, choices)``.
- ``sorted_tuple``: ``suggest_int(name + "_length", length_low, length_high)`` when the length
  varies, then one ``element`` suggestion per position named ``name + "_" + i``; the value is the
  sorted tuple.
- ``condition``: the entry is suggested only when the named parameter's value is (or, negated, is
  not) one of ``values``; parents are always listed before the entries that depend on them.
- Optuna parameter names: ``name`` for model parameters, ``"train:" + name`` for train parameters.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Union

from ftspec._record import Record
from ftspec.schema.v2_fields import V2_FIELDS
from ftspec.schema.vocab import EVAL_MODES

IR_VERSION = 3

# Read by pydantic (ftspec.schema.ir_model) when it wraps these dataclasses; a plain dict so that
# this module never imports pydantic. Attribute docstrings become JSON Schema descriptions.
_SCHEMA_CONFIG: dict[str, Any] = {"use_attribute_docstrings": True, "extra": "forbid"}

Target = Literal["model", "train"]
EvalModeName = Literal[tuple(EVAL_MODES)]  # type: ignore[valid-type]


@dataclass(eq=False, repr=False)
class Location(Record):
    """Where a value was written: RFC 6901 pointer and 1-based line/column of its start."""

    __pydantic_config__ = _SCHEMA_CONFIG

    pointer: str
    """RFC 6901 JSON pointer of the value in its file."""
    line: int
    """1-based line of the value's first character."""
    column: int
    """1-based column (in characters) of the value's first character."""


@dataclass(eq=False, repr=False)
class StudySource(Record):
    """The `finetune_params` block a study was compiled from."""

    __pydantic_config__ = _SCHEMA_CONFIG

    file: str
    """Path of the source file, as given on the command line."""
    pointer: str
    """RFC 6901 pointer of the block."""
    line: int
    """1-based line of the block."""
    column: int
    """1-based column of the block."""


@dataclass(eq=False, repr=False)
class Condition(Record):
    """Sample the entry only when another parameter of the study takes (or avoids) given values."""

    __pydantic_config__ = _SCHEMA_CONFIG

    param: str
    """Name of the parent parameter (same target)."""
    values: list[Any]
    """Values of the parent for which the condition holds."""
    negate: bool
    """True for `when_not`: the entry is sampled when the parent is *not* one of `values`."""


@dataclass(kw_only=True, eq=False, repr=False)
class IntParam(Record):
    """An integer range: suggest_int(name, low, high, step=step, log=log)."""

    __pydantic_config__ = _SCHEMA_CONFIG

    name: str
    """Parameter name; nested groups flattened with `__`."""
    target: Target
    """`model`: passed to the estimator; `train`: passed to training (fit)."""
    kind: Literal["int"] = "int"
    """Entry kind (the discriminator)."""
    low: int
    """Inclusive lower bound."""
    high: int
    """Inclusive upper bound (a multiple of `step` above `low`)."""
    step: int
    """Grid step (1 for every integer)."""
    log: bool
    """Sample on a log scale (then `step` is 1 and `low` >= 1)."""
    path: list[str]
    """Where the value goes in the parameter dict: one segment per nesting level."""
    condition: Condition | None
    """When the entry is sampled (null: always)."""
    source: Location
    """Where the entry was written."""


@dataclass(kw_only=True, eq=False, repr=False)
class FloatParam(Record):
    """A float range: suggest_float(name, low, high, step=step, log=log)."""

    __pydantic_config__ = _SCHEMA_CONFIG

    name: str
    """Parameter name; nested groups flattened with `__`."""
    target: Target
    """`model`: passed to the estimator; `train`: passed to training (fit)."""
    kind: Literal["float"] = "float"
    """Entry kind (the discriminator)."""
    low: float
    """Inclusive lower bound."""
    high: float
    """Inclusive upper bound."""
    step: float | None
    """Discretisation step, or null for a continuous range."""
    log: bool
    """Sample on a log scale (then `step` is null and `low` > 0)."""
    path: list[str]
    """Where the value goes in the parameter dict: one segment per nesting level."""
    condition: Condition | None
    """When the entry is sampled (null: always)."""
    source: Location
    """Where the entry was written."""


@dataclass(kw_only=True, eq=False, repr=False)
class CategoricalParam(Record):
    """One of a list of values: suggest_categorical(name, choices)."""

    __pydantic_config__ = _SCHEMA_CONFIG

    name: str
    """Parameter name; nested groups flattened with `__`."""
    target: Target
    """`model`: passed to the estimator; `train`: passed to training (fit)."""
    kind: Literal["categorical"] = "categorical"
    """Entry kind (the discriminator)."""
    choices: list[Any]
    """The values, in the order written (JSON values)."""
    path: list[str]
    """Where the value goes in the parameter dict: one segment per nesting level."""
    condition: Condition | None
    """When the entry is sampled (null: always)."""
    source: Location
    """Where the entry was written."""


@dataclass(eq=False, repr=False)
class ElementSpec(Record):
    """The range each element of a sorted tuple is drawn from."""

    __pydantic_config__ = _SCHEMA_CONFIG

    kind: Literal["int", "float"]
    """`int` (suggest_int) or `float` (suggest_float)."""
    low: int | float
    """Inclusive lower bound (an int for int elements)."""
    high: int | float
    """Inclusive upper bound (an int for int elements)."""
    step: int | float | None
    """Step (1 for int elements unless given; null for continuous floats)."""
    log: bool
    """Log scale."""


@dataclass(kw_only=True, eq=False, repr=False)
class SortedTupleParam(Record):
    """A sorted tuple of numbers: a length, then one suggestion per element, sorted."""

    __pydantic_config__ = _SCHEMA_CONFIG

    name: str
    """Parameter name; element i is suggested as `name_i`, a varying length as `name_length`."""
    target: Target
    """`model`: passed to the estimator; `train`: passed to training (fit)."""
    kind: Literal["sorted_tuple"] = "sorted_tuple"
    """Entry kind (the discriminator)."""
    length_low: int
    """Smallest length."""
    length_high: int
    """Largest length (equal to length_low for a fixed length)."""
    element: ElementSpec
    """Range of each element."""
    path: list[str]
    """Where the value goes in the parameter dict: one segment per nesting level."""
    condition: Condition | None
    """When the entry is sampled (null: always)."""
    source: Location
    """Where the entry was written."""


SpaceEntry = Union[IntParam, FloatParam, CategoricalParam, SortedTupleParam]


def optuna_name(entry: SpaceEntry) -> str:
    """The Optuna parameter name of an entry: `name` for model parameters, `"train:" + name` for train ones."""
    return entry.name if entry.target == "model" else f"train:{entry.name}"


def length_name(entry: SortedTupleParam) -> str:
    """The Optuna name of a sorted tuple's length (suggested only when the length varies)."""
    return f"{optuna_name(entry)}_length"


def element_name(entry: SortedTupleParam, index: int) -> str:
    """The Optuna name of a sorted tuple's element at `index` (from 0)."""
    return f"{optuna_name(entry)}_{index}"


def optuna_names(entry: SpaceEntry) -> list[str]:
    """Every Optuna name the runtime may suggest for `entry`; two entries must never share one (FT228)."""
    if not isinstance(entry, SortedTupleParam):
        return [optuna_name(entry)]
    names = [length_name(entry)] if entry.length_low != entry.length_high else []
    return names + [element_name(entry, i) for i in range(entry.length_high)]


@dataclass(eq=False, repr=False)
class ComponentSpec(Record):
    """A sampler or pruner: its kind and every constructor option, resolved."""

    __pydantic_config__ = _SCHEMA_CONFIG

    kind: str
    """Canonical kind (see the v2 schema's sampler/pruner enums)."""
    options: dict[str, Any]
    """Every option with its value, Optuna 5 defaults made explicit."""


@dataclass(eq=False, repr=False)
class Validation(Record):
    """Holdout split used by the `single` approach."""

    __pydantic_config__ = _SCHEMA_CONFIG

    holdout_fraction: float
    """Fraction of the training data held out for scoring, in (0, 1)."""
    seed: int | None
    """Seed of the split (null: a fresh random split)."""


@dataclass(eq=False, repr=False)
class Storage(Record):
    """Where the study lives, so that it can be resumed and shared by several workers."""

    __pydantic_config__ = _SCHEMA_CONFIG

    url: str
    """Optuna storage URL (sqlite:///..., postgresql://..., or journal:///path for a JournalStorage file)."""
    study_name: str | None
    """Study name in the storage (null: generated)."""
    resume: bool
    """Load the study if it exists (n_trials counts the trials already finished)."""


@dataclass(eq=False, repr=False)
class FailurePolicy(Record):
    """When failing trials stop the study."""

    __pydantic_config__ = _SCHEMA_CONFIG

    max_consecutive_failures: int | None
    """Stop after this many failures in a row (null: never)."""
    max_failure_ratio: float | None
    """Stop when failed / finished trials exceeds this ratio (null: never)."""


@dataclass(eq=False, repr=False)
class Fixed(Record):
    """Values that are not searched, merged with each trial's sampled values."""

    __pydantic_config__ = _SCHEMA_CONFIG

    model: dict[str, Any]
    """Fixed model parameters (nested as written)."""
    train: dict[str, Any]
    """Fixed train parameters (nested as written)."""


def place_at_path(tree: dict[str, Any], path: list[str], value: Any) -> None:
    """Put `value` at `path` in a nested dict such as `Fixed.model`, creating the groups on the way.

    A missing or null group becomes a new dict and a value already at the end of `path` is
    replaced. A non-dict value in the way raises ValueError: the front-ends refuse a name that is
    both a value and a group before they place anything (FT222 name-conflict), so only a
    hand-written IR can get there, and a silent overwrite would drop one of the two values.
    """
    node = tree
    for segment in path[:-1]:
        child = node.get(segment)
        if not isinstance(child, dict):
            if child is not None:
                raise ValueError(f"cannot place a value at {'/'.join(path)}: {segment!r} is a fixed non-dict value")
            child = node[segment] = {}
        node = child
    node[path[-1]] = value


@dataclass(eq=False, repr=False)
class ForcedTrial(Record):
    """A trial enqueued before sampling starts (warm start)."""

    __pydantic_config__ = _SCHEMA_CONFIG

    model: dict[str, Any]
    """Model parameter values by flattened name."""
    train: dict[str, Any]
    """Train parameter values by flattened name."""


@dataclass(eq=False, repr=False)
class Phase(Record):
    """A run of trials with its own sampler on the same study; phases run in order."""

    __pydantic_config__ = _SCHEMA_CONFIG

    n_trials: int
    """Trials in this phase."""
    sampler: ComponentSpec
    """Sampler of this phase."""


@dataclass(kw_only=True, eq=False, repr=False)
class StepSpec(Record):
    """A pipeline step given as an importable class and its constructor params."""

    __pydantic_config__ = _SCHEMA_CONFIG

    class_path: str
    """Dotted class path as written, e.g. `sklearn.preprocessing.StandardScaler` (the runtime decides what it may import)."""
    params: dict[str, Any]
    """Constructor params as written (JSON values; {} when none)."""
    source: Location
    """Where the class (a string, or the mapping holding `class`) was written."""


@dataclass(kw_only=True, eq=False, repr=False)
class UnsupportedStep(Record):
    """A step on the way to the model that is not a plain class + params; the runtime refuses to run it."""

    __pydantic_config__ = _SCHEMA_CONFIG

    source: Location
    """Where the step (or the part of it that cannot be described) was written."""
    reason: str
    """Why ftspec cannot describe it as class + params (a sentence for the user)."""


@dataclass(kw_only=True, eq=False, repr=False)
class PipelineContext(Record):
    """The steps that lead to this study's model, in execution order (see docs/ir.md for the rules)."""

    __pydantic_config__ = _SCHEMA_CONFIG

    transforms: list[StepSpec]
    """X transformers applied before the model, in order (steps of the enclosing lists first, then the branch's own)."""
    y_processing: StepSpec | None
    """The target transformer (a `y_processing` step, or the model step's legacy `y_pipeline`); null: none."""
    splitter: StepSpec | None
    """The last splitter step before the model (it gives the folds); null: none."""
    model: StepSpec | None
    """The model the study tunes, with its fixed params from the model step (for a MetaModel `finetune_space`, the inner model); null when there is none or it is not class + params."""
    unsupported: list[UnsupportedStep]
    """Steps on the way to the model that ftspec cannot describe as class + params, in file order (empty: the runtime can build the whole pipeline)."""


@dataclass(kw_only=True, eq=False, repr=False)
class MlflowTracking(Record):
    """Where MLflow records the study: one parent run per Optuna study, a nested child run per trial."""

    __pydantic_config__ = _SCHEMA_CONFIG

    tracking_uri: str
    """MLflow tracking URI as written (`http://host:5000`, `sqlite:///mlflow.db`, `file:///path/mlruns`, ...)."""
    experiment: str
    """MLflow experiment name (created when missing); defaults to the study id."""


@dataclass(kw_only=True, eq=False, repr=False)
class Tracking(Record):
    """Experiment tracking of the study's trials (the runtime needs the backend's package: `ftspec[mlflow]`)."""

    __pydantic_config__ = _SCHEMA_CONFIG

    mlflow: MlflowTracking
    """MLflow tracking."""


@dataclass(kw_only=True, eq=False, repr=False)
class Objective(Record):
    """One objective of the study: a registry metric, its direction, and its fold aggregation's quantile."""

    __pydantic_config__ = _SCHEMA_CONFIG

    metric: str
    """Metric from the metric registry (`ftspec/schema/metrics.py`)."""
    direction: Literal["minimize", "maximize"]
    """Optimisation direction (the metric's)."""
    eval_quantile: float | None
    """`robust_best`: the numpy quantile of this objective's fold scores (0.75 minimising, 0.25 maximising); null for every other mode."""


@dataclass(kw_only=True, eq=False, repr=False)
class Select(Record):
    """Which trial of the result is refitted: with several objectives, the Pareto front's best on `objective`."""

    __pydantic_config__ = _SCHEMA_CONFIG

    objective: str
    """The metric of the objective whose best front member is refitted (the first objective unless `select` says otherwise)."""


def _with_carried_v2_keys(cls: type) -> type:
    """Add, after the declared attributes, one attribute per v2 key carried into the IR as read
    (`V2Field.carried`) that the class does not declare, with the key's default (legacy blocks leave it
    unset): adding such a key to `ftspec.schema.v2_fields` is then all the IR needs."""
    annotations = cls.__dict__.get("__annotations__", {})
    for f in V2_FIELDS:
        if f.carried and f.name not in annotations:
            annotations[f.name] = f.python_type()
            setattr(cls, f.name, f.default)
    cls.__annotations__ = annotations
    return cls


@dataclass(eq=False, repr=False)
@_with_carried_v2_keys
class Study(Record):
    """One hyperparameter study, fully resolved."""

    __pydantic_config__ = _SCHEMA_CONFIG

    id: str
    """Step name, else the block's pointer."""
    source: StudySource
    """Where the block was written."""
    n_trials: int
    """Total finished trials of the study (over all phases and workers)."""
    timeout_seconds: float | None
    """Stop starting new trials after this many seconds (null: no limit)."""
    n_jobs: int
    """Parallel trials in one process."""
    seed: int | None
    """Seed of the sampler (null: not reproducible)."""
    approach: Literal["single", "grouped", "individual"]
    """How trials are scored: holdout, all folds aggregated, or one study per fold."""
    eval_mode: EvalModeName
    """How fold scores become the trial's value, and what a failed fold does (the eval-mode registry, docs/ir.md)."""
    objectives: list[Objective]
    """What a trial is scored on: one objective, or several (a multi-objective study, whose result is a Pareto front)."""
    select: Select
    """The rule that picks the trial refitted after the study (the best trial of a single objective)."""
    sampler: ComponentSpec
    """Sampler with every option resolved."""
    pruner: ComponentSpec
    """Pruner with every option resolved (`none` never prunes)."""
    validation: Validation | None
    """Holdout split for `single` (null for other approaches)."""
    storage: Storage | None
    """Persistent storage (null: in memory)."""
    failure_policy: FailurePolicy
    """When failures stop the study."""
    space: list[SpaceEntry]
    """Searched parameters, in declaration order (parents before dependants)."""
    fixed: Fixed
    """Values that are not searched."""
    force_params: list[ForcedTrial]
    """Trials enqueued first."""
    phases: list[Phase]
    """Sampler phases (empty: the study's sampler throughout)."""
    pipeline: PipelineContext | None = None
    """The pipeline around the block's model (null for a bare finetune_params file, which has no pipeline)."""
    tracking: Tracking | None = None
    """Experiment tracking of the trials (`{mlflow: {tracking_uri, experiment}}`); null: none (legacy blocks never have it)."""
    trial_timeout_seconds: float | None = None
    """A trial still running after this many seconds fails (`TrialTimeout`), checked after each fold; null: no limit."""


@dataclass(eq=False, repr=False)
class IRDocument(Record):
    """The output of `ftcompile` for one file."""

    __pydantic_config__ = _SCHEMA_CONFIG

    ir_version: int
    """Version of this format; changes on any incompatible change."""
    studies: list[Study] = field(default_factory=list)
    """One study per `finetune_params` (or MetaModel `finetune_space`) block, in file order."""


def metrics_of(study: Study) -> list[str]:
    """The metrics of the study's objectives, in order."""
    return [o.metric for o in study.objectives]


def directions_of(study: Study) -> list[str]:
    """The directions of the study's objectives, in order (what Optuna's `create_study(directions=...)` takes)."""
    return [o.direction for o in study.objectives]


def selected_index(study: Study) -> int:
    """Index in `objectives` of the objective `select` names (0 when it names none of them)."""
    for i, o in enumerate(study.objectives):
        if o.metric == study.select.objective:
            return i
    return 0


def selected_metric(study: Study) -> str:
    """The metric of the objective the best (refitted) trial is chosen on."""
    return study.objectives[selected_index(study)].metric


def ir_to_dict(obj: Any) -> Any:
    """Plain JSON-able dict of an IR value, fields in declaration order."""
    return asdict(obj)


def dump_ir(doc: IRDocument) -> str:
    """Deterministic JSON text of an IR document (2-space indent, ASCII with escapes, trailing newline)."""
    return json.dumps(ir_to_dict(doc), indent=2, ensure_ascii=True, allow_nan=False) + "\n"
