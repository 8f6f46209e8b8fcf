"""Pydantic v2 models of the `finetune_params` v2 surface syntax (docs/v2-syntax.md).

The JSON Schema generated from these models (`python -m ftspec.schema.generate`) is the
normative statement of the syntax, so the models carry only what JSON Schema (draft-07) can
express: types, bounds, enums, required keys, `additionalProperties: false`, `minItems`,
`uniqueItems`. Rules that relate several fields (`low <= high`, `step` divides the range, `log`
needs `low > 0`, `direction` agrees with `metric`, phases sum to `n_trials`, a `when` parent
declared earlier) are *not* checked here: the compiler reports them as located diagnostics.
Because of that, `FinetuneParamsV2.model_validate` accepts exactly the documents the JSON Schema
accepts (tests/test_schema.py checks this property on generated documents).

Strictness mirrors JSON Schema's type system rather than pydantic's coercions:

- no string-to-number or number-to-string coercion, and booleans are never numbers;
- a float with an integral value (``5.0``) *is* an integer, as JSON Schema (draft-06 and later)
  says; it is converted to ``int``;
- an integer is a number (converted to ``float`` where the field is a float).

Every closed vocabulary comes from `ftspec.schema.vocab` and `ftspec.schema.metrics`; the option
models of samplers and pruners are generated from their `OptionSpec` tables, and every model of a v2
mapping (`FinetuneParamsV2`, the search specs and their elements, phases, forced trials, `select`,
`tracking`, `validation`, ...) from its `V2Field` table in `ftspec.schema.v2_fields` by `_table_model`:
a key with a scalar shape is typed from its entry alone, a structured key by the pydantic type given
beside the model (`_STRUCTURES` for the study keys); validators relating several keys sit on the
model's base class.
"""

from __future__ import annotations

import copy
import math
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    Strict,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypeAliasType

from ftspec.schema.metrics import METRICS
from ftspec.schema.v2_fields import (
    ABSENT,
    ELEMENT_FIELDS,
    FAILURE_POLICY_FIELDS,
    FORCED_TRIAL_FIELDS,
    LENGTH_RANGE_FIELDS,
    MLFLOW_FIELDS,
    PHASE_FIELDS,
    REQUIRED,
    SELECT_FIELDS,
    SPEC_FIELDS,
    TRACKING_FIELDS,
    V2_FIELDS,
    VALIDATION_FIELDS,
    V2Field,
)
from ftspec.schema.vocab import (
    DIRECTIONS,
    OPTUNA_DEFAULTS_VERSION,
    PARAM_TYPES,
    PRUNERS,
    RANGE_TAGS,
    SAMPLERS,
    SEED_MAX,
    KindSpec,
    OptionSpec,
)

__all__ = [
    "FinetuneParamsV2",
    "IntSpec",
    "FloatSpec",
    "CategoricalSpec",
    "SortedTupleSpec",
    "IntElement",
    "FloatElement",
    "LengthRange",
    "FixedSpec",
    "ParamGroup",
    "ParamMap",
    "ANNOTATION_KEY",
    "ParamValue",
    "Constant",
    "SamplerSpec",
    "PrunerSpec",
    "SAMPLER_MODELS",
    "PRUNER_MODELS",
    "SAMPLER_OPTION_MODELS",
    "PRUNER_OPTION_MODELS",
    "Validation",
    "FailurePolicy",
    "ForcedTrial",
    "Phase",
    "Tracking",
    "MlflowTracking",
    "Select",
    "json_equal",
]

# --------------------------------------------------------------------------------------------
# Base model and JSON-Schema-faithful scalar types
# --------------------------------------------------------------------------------------------


class _Model(BaseModel):
    """Base of every v2 model: closed (extra keys are errors) and strict (no coercion)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, regex_engine="python-re")


def _integral_float_to_int(value: Any) -> Any:
    """JSON Schema's `integer` includes floats with a zero fractional part: accept them as ints."""
    if type(value) is float and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def json_int(**constraints: Any) -> Any:
    """An integer as JSON Schema means it (`5` or `5.0`, never `true` or `"5"`), with bounds.

    The bounds sit inside the validator that turns `5.0` into `5`, so that they are emitted as
    `minimum`/`maximum`/`exclusiveMinimum` in the JSON Schema.
    """
    return Annotated[int, Strict(), Field(**constraints), BeforeValidator(_integral_float_to_int)]


JsonInt = json_int()
PositiveInt = json_int(ge=1)
NonNegativeInt = json_int(ge=0)
Seed = json_int(ge=0, le=SEED_MAX)
"""A seed numpy and sklearn take (Optuna's samplers seed numpy): 0..2**32 - 1."""

JsonNumber = Annotated[float, Strict()]
"""A number: int or float, never a boolean or a string."""


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _absent(description: str, **kwargs: Any) -> Any:
    """An optional key that may be omitted but is not nullable (None in Python means 'not given')."""
    return Field(default=None, description=description, json_schema_extra=_drop_default, **kwargs)


def _documented_enum(values: dict[str, str], *, title: str | None = None, description: str | None = None) -> Any:
    """`Literal[*values]` whose JSON Schema documents each value (SchemaStore: oneOf of const + description)."""
    schema: dict[str, Any] = {
        "type": "string",
        "oneOf": [{"const": name, "description": doc} for name, doc in values.items()],
    }
    if title:
        schema["title"] = title
    if description:
        schema["description"] = description
    return Annotated[Literal[tuple(values)], WithJsonSchema(schema)]  # type: ignore[valid-type]


ANNOTATION_KEY = "_comment"
"""The annotation key (JSON has no comments): ignored by ftspec and nirs4all; `ftlint: ignore[...]` in
it suppresses findings inside the mapping that holds it. Allowed where the v2 front-end ignores it:
the block, search specs, `{fixed: ...}`, `model_params`/`train_params` and nested groups."""

Annotation = Union[StrictStr, list[StrictStr]]
_ANNOTATION_DOC = (
    "An annotation (a string or a list of strings), ignored by ftspec and nirs4all; "
    "`ftlint: ignore[FT...]` in it suppresses those findings inside this mapping."
)
_ANNOTATION_SCHEMA: dict[str, Any] = {
    "title": "Comment",
    "description": _ANNOTATION_DOC,
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
}


def _is_annotation(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _drop_annotation(value: Any) -> Any:
    """Check and remove a `_comment` key (annotations are not part of the model's data)."""
    if isinstance(value, dict) and ANNOTATION_KEY in value:
        if not _is_annotation(value[ANNOTATION_KEY]):
            raise PydanticCustomError("annotation", "`_comment` must be a string or a list of strings")
        value = {k: v for k, v in value.items() if k != ANNOTATION_KEY}
    return value


def _annotated_schema(extra: dict[str, Any] | None = None) -> Any:
    """`json_schema_extra` that declares the `_comment` property (last) and adds `extra`."""

    def apply(schema: dict[str, Any]) -> None:
        schema.setdefault("properties", {})[ANNOTATION_KEY] = copy.deepcopy(_ANNOTATION_SCHEMA)
        schema.update(copy.deepcopy(extra or {}))

    return apply


class _AnnotatedModel(_Model):
    """A v2 mapping that may carry a `_comment` annotation (checked, then dropped)."""

    model_config = ConfigDict(json_schema_extra=_annotated_schema())

    @model_validator(mode="before")
    @classmethod
    def _annotation(cls, value: Any) -> Any:
        return _drop_annotation(value)


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values as JSON Schema's `uniqueItems`/`const` define it.

    Booleans are not numbers (`true != 1`), `1 == 1.0`, arrays and objects compare element-wise.
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if type(a) is not type(b) and not (isinstance(a, str) and isinstance(b, str)):
        return False
    return bool(a == b)


# --------------------------------------------------------------------------------------------
# Documented enums (built from the registries)
# --------------------------------------------------------------------------------------------

MetricName = _documented_enum(
    {name: f"{m.description} Direction: {m.direction} ({m.task})." for name, m in METRICS.items()},
)
DirectionName = _documented_enum(DIRECTIONS)

SamplerName = _documented_enum(
    {name: spec.description for name, spec in SAMPLERS.items() if not any(o.required for o in spec.options.values())},
    title="Sampler kind",
    description=f"A sampler kind; every option takes Optuna {OPTUNA_DEFAULTS_VERSION}'s default.",
)
PrunerName = _documented_enum(
    {name: spec.description for name, spec in PRUNERS.items() if not any(o.required for o in spec.options.values())},
    title="Pruner kind",
    description=(
        f"A pruner kind; every option takes Optuna {OPTUNA_DEFAULTS_VERSION}'s default "
        "(kinds with a required option need the `{kind, options}` form)."
    ),
)


# --------------------------------------------------------------------------------------------
# Samplers and pruners: `kind` string or `{kind, options}`, options generated from vocab
# --------------------------------------------------------------------------------------------


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _option_annotation(opt: OptionSpec) -> Any:
    constraints: dict[str, Any] = {}
    if opt.minimum is not None:
        constraints["ge"] = opt.minimum
    if opt.maximum is not None:
        constraints["le"] = opt.maximum
    if opt.exclusive_minimum is not None:
        constraints["gt"] = opt.exclusive_minimum
    if opt.type == "int":
        ann: Any = json_int(**constraints)
    elif opt.type == "float":
        ann = Annotated[JsonNumber, Field(**constraints)]
    elif opt.type == "bool":
        ann = StrictBool
    elif opt.type == "str":
        ann = Literal[opt.choices] if opt.choices else StrictStr  # type: ignore[valid-type]
    elif opt.type == "int_or_auto":
        ann = Union[Literal["auto"], json_int(**constraints)]
    elif opt.type == "pruner":
        ann = "PrunerSpec"
    else:  # pragma: no cover - guarded by tests over the vocab tables
        raise ValueError(f"unknown option type {opt.type!r}")
    if opt.nullable:
        ann = Optional[ann]
    return ann


def _options_model(family: str, kind: str, spec: KindSpec) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for name, opt in spec.options.items():
        kwargs: dict[str, Any] = {"description": opt.description}
        if not opt.required:
            kwargs["default"] = opt.default
        fields[name] = (_option_annotation(opt), Field(**kwargs))
    name = f"{_camel(kind)}{family.capitalize()}Options"
    model = create_model(  # type: ignore[call-overload]
        name,
        __base__=_Model,
        __module__=__name__,
        __doc__=(
            f"Options of the `{kind}` {family} ({spec.optuna_class}); an option not given takes "
            f"Optuna {OPTUNA_DEFAULTS_VERSION}'s default."
            if spec.options
            else f"The `{kind}` {family} ({spec.optuna_class}) has no options: only `{{}}` is accepted."
        ),
        **fields,
    )
    model.model_config = ConfigDict(**{**_Model.model_config, "title": f"{kind} {family} options"})
    return model


def _component_model(family: str, kind: str, spec: KindSpec, options_model: type[BaseModel]) -> type[BaseModel]:
    required = any(o.required for o in spec.options.values())
    options_field = (
        Field(description=f"Options of the `{kind}` {family} (required: some options have no default).")
        if required
        else Field(
            default_factory=options_model,
            description=f"Options of the `{kind}` {family}; omitted options take Optuna {OPTUNA_DEFAULTS_VERSION}'s defaults.",
        )
    )
    model = create_model(  # type: ignore[call-overload]
        f"{_camel(kind)}{family.capitalize()}",
        __base__=_Model,
        __module__=__name__,
        __doc__=f"{spec.description} Built as `{spec.optuna_class}`.",
        kind=(Literal[kind], Field(description=f"The {family} kind.")),  # type: ignore[valid-type]
        options=(options_model, options_field),
    )
    model.model_config = ConfigDict(**{**_Model.model_config, "title": f"{kind} {family}"})
    return model


SAMPLER_OPTION_MODELS: dict[str, type[BaseModel]] = {
    kind: _options_model("sampler", kind, spec) for kind, spec in SAMPLERS.items()
}
PRUNER_OPTION_MODELS: dict[str, type[BaseModel]] = {
    kind: _options_model("pruner", kind, spec) for kind, spec in PRUNERS.items()
}
SAMPLER_MODELS: dict[str, type[BaseModel]] = {
    kind: _component_model("sampler", kind, spec, SAMPLER_OPTION_MODELS[kind]) for kind, spec in SAMPLERS.items()
}
PRUNER_MODELS: dict[str, type[BaseModel]] = {
    kind: _component_model("pruner", kind, spec, PRUNER_OPTION_MODELS[kind]) for kind, spec in PRUNERS.items()
}
for _model in (*SAMPLER_OPTION_MODELS.values(), *PRUNER_OPTION_MODELS.values(), *SAMPLER_MODELS.values(), *PRUNER_MODELS.values()):
    globals()[_model.__name__] = _model


def _component_tag(kinds: dict[str, KindSpec], models: dict[str, type[BaseModel]]):
    def tag(value: Any) -> str | None:
        if isinstance(value, str):
            return "name"
        if isinstance(value, dict):
            kind = value.get("kind")
            return kind if isinstance(kind, str) and kind in kinds else None
        for kind, model in models.items():
            if isinstance(value, model):
                return kind
        return None

    return tag


SamplerSpec = TypeAliasType(  # type: ignore[misc]
    "SamplerSpec",
    Annotated[
        Union[  # a tuple subscript, not `*` in the index (Python 3.10 has no such syntax)
            (Annotated[SamplerName, Tag("name")], *(Annotated[model, Tag(kind)] for kind, model in SAMPLER_MODELS.items()))
        ],
        Discriminator(
            _component_tag(SAMPLERS, SAMPLER_MODELS),
            custom_error_type="sampler_spec",
            custom_error_message=(
                "expected a sampler kind string or {kind, options} with kind one of: " + ", ".join(SAMPLERS)
            ),
        ),
        Field(
            title="Sampler",
            description="A sampler: a kind string (all options at their defaults) or `{kind, options}`.",
        ),
    ],
)

PrunerSpec = TypeAliasType(  # type: ignore[misc]
    "PrunerSpec",
    Annotated[
        Union[  # a tuple subscript, not `*` in the index (Python 3.10 has no such syntax)
            (Annotated[PrunerName, Tag("name")], *(Annotated[model, Tag(kind)] for kind, model in PRUNER_MODELS.items()))
        ],
        Discriminator(
            _component_tag(PRUNERS, PRUNER_MODELS),
            custom_error_type="pruner_spec",
            custom_error_message=(
                "expected a pruner kind string or {kind, options} with kind one of: " + ", ".join(PRUNERS)
            ),
        ),
        Field(
            title="Pruner",
            description="A pruner: a kind string (all options at their defaults) or `{kind, options}`; `none` never prunes.",
        ),
    ],
)

for _model in (*PRUNER_OPTION_MODELS.values(), *PRUNER_MODELS.values()):
    _model.model_rebuild(_types_namespace={"PrunerSpec": PrunerSpec})


# --------------------------------------------------------------------------------------------
# Models built from the field tables of `ftspec.schema.v2_fields`
# --------------------------------------------------------------------------------------------


def _scalar_annotation(field: V2Field) -> Any:
    """The pydantic type of a v2 key with a scalar shape (its bounds become JSON Schema keywords)."""
    constraints: dict[str, Any] = {}
    for bound, keyword in (("minimum", "ge"), ("maximum", "le"), ("exclusive_minimum", "gt"), ("exclusive_maximum", "lt")):
        if getattr(field, bound) is not None:
            constraints[keyword] = getattr(field, bound)
    if field.nonempty:
        constraints["min_length"] = 1
    if field.pattern is not None:
        constraints["pattern"] = field.pattern
    if field.shape == "int":
        ann: Any = json_int(**constraints)
    elif field.shape == "enum":
        ann = _documented_enum(field.choices or {})
    else:
        base = {"number": JsonNumber, "bool": StrictBool, "str": StrictStr}[field.shape]
        ann = Annotated[base, Field(**constraints)] if constraints else base
    return Optional[ann] if field.nullable else ann


def _field_info(field: V2Field, **kwargs: Any) -> Any:
    """The `Field` of a key: its description, examples and default (required, absent or a value)."""
    if field.examples:
        kwargs["examples"] = list(field.examples)
    if "default_factory" in kwargs or field.default is REQUIRED:
        return Field(description=field.description, **kwargs)
    if field.default is ABSENT:
        return _absent(field.description, **kwargs)
    return Field(default=field.default, description=field.description, **kwargs)


def _scalar_field(field: V2Field) -> tuple[Any, Any]:
    return _scalar_annotation(field), _field_info(field)


def _table_model(
    name: str, title: str, doc: str, fields: tuple[V2Field, ...], structures: dict[str, tuple[Any, dict[str, Any]]] | None = None,
    *, base: type[BaseModel] = _Model, **config: Any,
) -> type[BaseModel]:
    """A closed mapping whose keys are a field table, one field per `V2Field` in order: a scalar shape is
    typed from its entry alone, a structure by `structures[name]` (its type and extra `Field` arguments).
    Validators relating several fields live on `base`."""
    structures = structures or {}
    unmatched = {f.name for f in fields if f.shape == "structure"} ^ set(structures)
    if unmatched:  # a structured key added to a table needs its pydantic type here (and the reverse)
        raise RuntimeError(f"{name}: structured keys without a pydantic type, or typed but not in its table: {sorted(unmatched)}")
    typed = {}
    for f in fields:
        if f.shape == "structure":
            annotation, kwargs = structures[f.name]
            typed[f.name] = (annotation, _field_info(f, **kwargs))
        else:
            typed[f.name] = _scalar_field(f)
    model = create_model(name, __base__=base, __module__=__name__, __doc__=doc, **typed)  # type: ignore[call-overload]
    model.model_config = ConfigDict(**{**base.model_config, "title": title, **config})
    return model


# --------------------------------------------------------------------------------------------
# Parameter values
# --------------------------------------------------------------------------------------------

WhenMap = Annotated[
    dict[str, Any],
    Field(
        min_length=1,
        max_length=1,
        examples=[{"kernel": "rbf"}, {"kernel": ["rbf", "poly"]}],
    ),
]


class _SearchSpec(_AnnotatedModel):
    """Base of the search specs: at most one of `when` / `when_not` (the fields are declared last)."""

    @model_validator(mode="after")
    def _one_condition(self) -> "_SearchSpec":
        if "when" in self.model_fields_set and "when_not" in self.model_fields_set:
            raise PydanticCustomError("one_condition", "`when` and `when_not` cannot both be given")
        return self


class _CategoricalSpecBase(_SearchSpec):
    """Base of `CategoricalSpec`: its choices are distinct as JSON values (`uniqueItems`)."""

    @field_validator("choices", check_fields=False)  # the field comes from CATEGORICAL_SPEC_FIELDS
    @classmethod
    def _distinct(cls, choices: list[Any]) -> list[Any]:
        for i, a in enumerate(choices):
            for b in choices[:i]:
                if json_equal(a, b):
                    raise PydanticCustomError("distinct_choices", "choices must be distinct: {value} is repeated", {"value": repr(a)})
        return choices


_ONE_CONDITION = {"not": {"required": ["when", "when_not"]}}
_CONDITIONS: dict[str, tuple[Any, dict[str, Any]]] = {"when": (WhenMap, {}), "when_not": (WhenMap, {})}


def _search_spec(name: str, kind: str, doc: str, structures: dict[str, tuple[Any, dict[str, Any]]], base: type[BaseModel] = _SearchSpec) -> type[BaseModel]:
    """The model of one spec `type`, its keys from `SPEC_FIELDS[kind]`."""
    return _table_model(
        name, f"{kind} parameter", doc, SPEC_FIELDS[kind],
        {"type": (Literal[kind], {}), **_CONDITIONS, **structures},  # type: ignore[valid-type]
        base=base, json_schema_extra=_annotated_schema(_ONE_CONDITION),
    )


IntSpec = _search_spec(
    "IntSpec", "int",
    "An integer range: `trial.suggest_int(name, low, high, step=step, log=log)`.\n\n"
    "`high - low` must be a multiple of `step`; `log` needs `low >= 1` and `step: 1`\n(checked by the compiler).",
    {},
)
FloatSpec = _search_spec(
    "FloatSpec", "float",
    "A float range: `trial.suggest_float(name, low, high, step=step, log=log)`.\n\n"
    "`log` needs `low > 0` and no `step` (checked by the compiler).",
    {},
)
CategoricalSpec = _search_spec(
    "CategoricalSpec", "categorical", "One of a list of values: `trial.suggest_categorical(name, choices)`.",
    {"choices": (list[Any], {"min_length": 1, "json_schema_extra": {"uniqueItems": True}})},
    base=_CategoricalSpecBase,
)


def _element(name: str, kind: str, doc: str) -> type[BaseModel]:
    return _table_model(name, f"{kind} element", doc, ELEMENT_FIELDS[kind], {"type": (Literal[kind], {})})  # type: ignore[valid-type]


IntElement = _element("IntElement", "int", "Integer elements of a sorted tuple (suggest_int per position).")
FloatElement = _element("FloatElement", "float", "Float elements of a sorted tuple (suggest_float per position).")


def _type_tag(allowed: tuple[str, ...]):
    def tag(value: Any) -> str | None:
        if isinstance(value, dict):
            t = value.get("type")
            return t if isinstance(t, str) and t in allowed else None
        if isinstance(value, BaseModel):
            return getattr(value, "type", None)
        return None

    return tag


ElementSpec = Annotated[
    Union[Annotated[IntElement, Tag("int")], Annotated[FloatElement, Tag("float")]],
    Discriminator(
        _type_tag(tuple(ELEMENT_FIELDS)),
        custom_error_type="element_spec",
        custom_error_message="expected {type: int|float, low, high, step, log}",
    ),
]


LengthRange = _table_model(
    "LengthRange", "length range", "A varying tuple length: `suggest_int(name + '_length', low, high)`.", LENGTH_RANGE_FIELDS,
)
SortedTupleSpec = _search_spec(
    "SortedTupleSpec", "sorted_tuple", "A sorted tuple of numbers: a length, then one suggestion per element, sorted.",
    {"length": (Union[PositiveInt, LengthRange], {}), "element": (ElementSpec, {})},
)

class FixedSpec(_AnnotatedModel):
    """A constant, written explicitly: use it for list or mapping values."""

    model_config = ConfigDict(title="fixed value")

    fixed: Any = Field(description="The value, passed as written (any JSON value).", examples=[[64, 32], {"alpha": 1.0}])


Constant = Annotated[
    Union[StrictBool, StrictInt, StrictFloat, StrictStr, None],
    WithJsonSchema(
        {
            "type": ["string", "number", "boolean", "null"],
            "title": "constant",
            "description": "A constant value (not searched).",
        }
    ),
]


class _AnnotatedMap(RootModel[dict[str, "ParamValue"]]):
    """A mapping of parameter values that may hold a `_comment` annotation (dropped on validation)."""

    model_config = ConfigDict(strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _annotation(cls, value: Any) -> Any:
        return _drop_annotation(value)


class ParamMap(_AnnotatedMap):
    """Parameters by name: each value a search spec, `{fixed: value}`, a nested group or a constant."""

    model_config = ConfigDict(
        title="parameters",
        json_schema_extra={"properties": {ANNOTATION_KEY: _ANNOTATION_SCHEMA}},
    )


class ParamGroup(_AnnotatedMap):
    """A nested group: a mapping without `type` or `fixed` keys.

    Its keys are flattened with `__` into parameter names and the value is rebuilt nested.
    """

    model_config = ConfigDict(
        title="nested group",
        json_schema_extra={
            "properties": {ANNOTATION_KEY: _ANNOTATION_SCHEMA},
            "not": {"anyOf": [{"required": ["type"]}, {"required": ["fixed"]}]},
        },
    )

    @model_validator(mode="before")
    @classmethod
    def _no_spec_keys(cls, value: Any) -> Any:
        if isinstance(value, dict) and ("type" in value or "fixed" in value):
            raise PydanticCustomError("group_spec_key", "a nested group cannot have a `type` or `fixed` key")
        return value


_SPEC_MODELS = {"int": IntSpec, "float": FloatSpec, "categorical": CategoricalSpec, "sorted_tuple": SortedTupleSpec}


def _tagged_list_kind(value: Any) -> str | None:
    """`int` or `float` for a 3-element list headed by a v2 range tag (its bounds are validated later)."""
    if isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str) and value[0] in RANGE_TAGS:
        return RANGE_TAGS[value[0]][0]
    return None


def _expand_tagged_list(value: Any) -> Any:
    """`[tag, low, high]` -> the mapping it stands for, validated by IntSpec / FloatSpec."""
    if _tagged_list_kind(value) is None:
        return value
    kind, log = RANGE_TAGS[value[0]]
    return {"type": kind, "low": value[1], "high": value[2], **({"log": True} if log else {})}


def _tagged_list(kind: str, model: type[BaseModel], bound: str) -> Any:
    tags = [tag for tag, (k, _log) in RANGE_TAGS.items() if k == kind]
    example = [tags[-1], 0.0001, 0.1] if kind == "float" else [tags[0], 1, 30]
    schema = {
        "type": "array",
        "title": f"{kind} range (tagged list)",
        "description": (
            f"Shorthand for `{{type: {kind}, low, high}}`: `[{tags[0]!r}, low, high]`, or `[{tags[1]!r}, low, high]` "
            f"for `log: true`; low and high are {bound}s. Exactly three elements and these lowercase tags."
        ).replace("'", '"'),
        "items": [{"enum": tags}, {"type": bound}, {"type": bound}],
        "additionalItems": False,
        "minItems": 3,
        "maxItems": 3,
        "examples": [example],
    }
    return Annotated[model, BeforeValidator(_expand_tagged_list), WithJsonSchema(schema)]


def _param_value_tag(value: Any) -> str | None:
    kind = _tagged_list_kind(value)
    if kind is not None:
        return f"{kind}_list"
    if isinstance(value, dict):
        if "type" in value:
            t = value["type"]
            return t if isinstance(t, str) and t in _SPEC_MODELS else None
        if "fixed" in value:
            return "fixed"
        return "group"
    if value is None or isinstance(value, (str, int, float)):  # bool is an int
        return "constant"
    if isinstance(value, FixedSpec):
        return "fixed"
    if isinstance(value, ParamGroup):
        return "group"
    if isinstance(value, BaseModel):
        return getattr(value, "type", None)
    return None  # another list (v2 has no bare lists) or a non-JSON value


ParamValue = TypeAliasType(  # type: ignore[misc]
    "ParamValue",
    Annotated[
        Union[
            Annotated[IntSpec, Tag("int")],
            Annotated[FloatSpec, Tag("float")],
            Annotated[_tagged_list("int", IntSpec, "integer"), Tag("int_list")],
            Annotated[_tagged_list("float", FloatSpec, "number"), Tag("float_list")],
            Annotated[CategoricalSpec, Tag("categorical")],
            Annotated[SortedTupleSpec, Tag("sorted_tuple")],
            Annotated[FixedSpec, Tag("fixed")],
            Annotated[ParamGroup, Tag("group")],
            Annotated[Constant, Tag("constant")],
        ],
        Discriminator(
            _param_value_tag,
            custom_error_type="param_value",
            custom_error_message=(
                "expected a search spec {type: int|float|categorical|sorted_tuple, ...}, a tagged range "
                "[int|int_log|float|float_log, low, high], {fixed: value}, a nested mapping, or a "
                "string/number/boolean/null constant; another list is not a parameter value in v2 "
                "(write {type: categorical, choices: [...]} or {fixed: [...]})"
            ),
        ),
        Field(
            title="Parameter value",
            description=(
                "A search spec (`int`, `float`, `categorical`, `sorted_tuple`), a tagged range "
                "(`[\"int\", 1, 30]`, `[\"float_log\", 0.0001, 0.1]`), `{fixed: value}`, a nested group "
                "(a mapping without `type`/`fixed`), or a string/number/boolean/null constant. "
                "Any other list is not allowed."
            ),
        ),
    ],
)

for _model in (_AnnotatedMap, ParamMap, ParamGroup):
    _model.model_rebuild(_types_namespace={"ParamValue": ParamValue})


# --------------------------------------------------------------------------------------------
# Study-level submodels
# --------------------------------------------------------------------------------------------

Validation = _table_model("Validation", "validation", "Holdout split of the `single` approach.", VALIDATION_FIELDS)
FailurePolicy = _table_model(
    "FailurePolicy", "failure policy", "When failing trials stop the study (null: never).", FAILURE_POLICY_FIELDS
)
ForcedTrial = _table_model(
    "ForcedTrial", "forced trial", "A trial enqueued before sampling starts, keyed by flattened parameter name.",
    FORCED_TRIAL_FIELDS,
    {"model_params": (dict[str, Any], {"default_factory": dict}), "train_params": (dict[str, Any], {"default_factory": dict})},
)
Phase = _table_model(
    "Phase", "phase", "A run of trials with its own sampler on the same study; phases run in order.", PHASE_FIELDS,
    {"sampler": (SamplerSpec, {})},
)
MlflowTracking = _table_model(
    "MlflowTracking", "mlflow tracking",
    "MLflow tracking: one parent run per study, a nested child run per trial (needs `pip install 'ftspec[mlflow]'`).",
    MLFLOW_FIELDS,
)


def _unique_metrics(value: list[str]) -> list[str]:
    """JSON Schema's `uniqueItems` on the metric list (two objectives on one metric would be one objective)."""
    if len(set(value)) != len(value):
        raise PydanticCustomError("unique_metrics", "the metrics of a list must be distinct")
    return value


Select = _table_model(
    "Select", "select",
    "The refit rule of a study of several objectives: the Pareto front's best trial on one objective.",
    SELECT_FIELDS, {"objective": (MetricName, {})},
)
Tracking = _table_model(
    "Tracking", "tracking", "Experiment tracking of every trial (null: none).", TRACKING_FIELDS,
    {"mlflow": (MlflowTracking, {})},
)


_EXAMPLE_BLOCK: dict[str, Any] = {
    "version": 2,
    "n_trials": 60,
    "metric": "rmse",
    "approach": "single",
    "validation": {"holdout_fraction": 0.2, "seed": 7},
    "sampler": {"kind": "tpe", "options": {"n_startup_trials": 10}},
    "pruner": "none",
    "seed": 42,
    "model_params": {
        "n_components": {"type": "int", "low": 1, "high": 30},
        "scale": {"type": "categorical", "choices": [True, False]},
    },
    "train_params": {"epochs": {"type": "int", "low": 10, "high": 100, "step": 10}, "verbose": 0},
}


# The keys whose value is a structure: their pydantic type, and a default that is built (a fresh
# container) rather than written in the field table.
_STRUCTURES: dict[str, tuple[Any, dict[str, Any]]] = {
    "version": (Annotated[Literal[2], BeforeValidator(_integral_float_to_int)], {}),
    "metric": (
        Union[MetricName, Annotated[list[MetricName], Field(min_length=1, json_schema_extra={"uniqueItems": True}),
                                    AfterValidator(_unique_metrics)]],
        {},
    ),
    "direction": (Union[DirectionName, list[DirectionName]], {}),
    "select": (Select, {}),
    "sampler": (SamplerSpec, {}),
    "pruner": (PrunerSpec, {}),
    "validation": (Validation, {}),
    "failure_policy": (FailurePolicy, {"default_factory": FailurePolicy}),
    "force_params": (list[ForcedTrial], {"default_factory": list}),
    "phases": (list[Phase], {"default_factory": list}),
    "tracking": (Optional[Tracking], {}),
    "model_params": (ParamMap, {"default_factory": lambda: ParamMap({})}),
    "train_params": (ParamMap, {"default_factory": lambda: ParamMap({})}),
}


FinetuneParamsV2 = _table_model(
    "FinetuneParamsV2", "finetune_params (v2)",
    "A `finetune_params` v2 block: one hyperparameter study (see docs/v2-syntax.md).",
    V2_FIELDS, _STRUCTURES, base=_AnnotatedModel, json_schema_extra=_annotated_schema({"examples": [_EXAMPLE_BLOCK]}),
)
