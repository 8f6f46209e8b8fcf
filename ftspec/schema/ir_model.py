"""Validation, loading and the JSON Schema of the IR (`ftspec.ir`), through a pydantic TypeAdapter.

The IR types stay plain frozen dataclasses (the compiler and the linter never import pydantic);
this module wraps them without redefining them. Two adjustments are made to the core schema that
pydantic builds for `IRDocument`:

- every field is required (the IR always writes every field; the dataclasses' defaults are only
  a convenience for Python constructors) and `ir_version` must equal `IR_VERSION` (another
  version is refused with a message that names the versions read), except that `load_ir` reads
  an IR version 2 document (ftspec 0.1's) by converting it first (`upgrade_v2`);
- the space-entry union (`IntParam | FloatParam | CategoricalParam | SortedTupleParam`) becomes a
  union *tagged by `kind`*: the tag is read first and only that dataclass is tried, so a
  `FloatParam` object never validates as an `IntParam`;
- leaf types are strict (no `"5"` for an int, no `1` for `true`); an int is accepted for a float.

`load_ir(dump_ir(doc)) == doc` for every IR document (tests/test_schema.py).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Callable

from pydantic import TypeAdapter, ValidationError
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import CoreConfig, PydanticCustomError, SchemaValidator, core_schema

from ftspec.ir import IR_VERSION, CategoricalParam, FloatParam, IntParam, IRDocument, SortedTupleParam

__all__ = ["load_ir", "ir_json_schema", "ir_adapter", "upgrade_v2", "IR_SCHEMA_ID"]

IR_SCHEMA_ID = f"https://ftspec.dev/schemas/ir.v{IR_VERSION}.schema.json"

_SPACE_CLASSES: dict[type, str] = {
    IntParam: "int",
    FloatParam: "float",
    CategoricalParam: "categorical",
    SortedTupleParam: "sorted_tuple",
}
_STRICT_LEAVES = {"int", "float", "str", "bool", "list", "dict"}


def _map_schema(node: Any, fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """Rebuild a core schema bottom-up, applying `fn` to every schema dict."""
    if isinstance(node, list):
        return [_map_schema(item, fn) for item in node]
    if isinstance(node, tuple):
        return tuple(_map_schema(item, fn) for item in node)
    if isinstance(node, dict):
        out = {key: (value if key in ("cls", "metadata", "config") else _map_schema(value, fn)) for key, value in node.items()}
        return fn(out) if "type" in out and isinstance(out["type"], str) else out
    return node


def _version_number(value: Any) -> Any:
    """`ir_version` as JSON Schema's `const` compares it (`true` is not 1, `1.0` is); another version says so."""
    if isinstance(value, bool):
        raise PydanticCustomError("ir_version", "ir_version must be the integer {version}", {"version": IR_VERSION})
    if type(value) is float and value.is_integer():
        value = int(value)
    if type(value) is int and value != IR_VERSION:
        raise PydanticCustomError(
            "ir_version",
            "IR version {found} is not supported: this ftspec reads IR version {version} (and converts version 2); "
            "recompile the source file with ftcompile",
            {"found": value, "version": IR_VERSION},
        )
    return value


def _all_required(dataclass_schema: dict[str, Any]) -> dict[str, Any]:
    """Drop field defaults (every IR field is always written); pin `ir_version` to IR_VERSION."""
    args = dict(dataclass_schema["schema"])
    fields = []
    for field in args["fields"]:
        schema = field["schema"]
        if schema["type"] == "default":
            schema = schema["schema"]
        if dataclass_schema["cls"] is IRDocument and field["name"] == "ir_version":
            schema = core_schema.no_info_before_validator_function(_version_number, core_schema.literal_schema([IR_VERSION]))
        fields.append({**field, "schema": schema})
    args["fields"] = fields
    return {**dataclass_schema, "schema": args}


def _rewrite(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema["type"]
    if kind in _STRICT_LEAVES:
        return {**schema, "strict": True}
    if kind == "dataclass":
        return _all_required(schema)
    if kind == "union":
        choices = [c[0] if isinstance(c, tuple) else c for c in schema["choices"]]
        if all(c.get("type") == "dataclass" and c.get("cls") in _SPACE_CLASSES for c in choices) and len(choices) == len(
            _SPACE_CLASSES
        ):
            return core_schema.tagged_union_schema(
                {_SPACE_CLASSES[c["cls"]]: c for c in choices},
                discriminator="kind",
                custom_error_type="space_entry_kind",
                custom_error_message="a space entry needs `kind`: one of " + ", ".join(_SPACE_CLASSES.values()),
                ref=schema.get("ref"),
            )
    return schema


class _IRAdapter:
    """A TypeAdapter-like object over the rewritten core schema of `IRDocument`."""

    def __init__(self) -> None:
        base = TypeAdapter(IRDocument)
        self.core_schema = _map_schema(base.core_schema, _rewrite)
        if "tagged-union" not in json.dumps(self.core_schema, default=str):  # pragma: no cover - pydantic upgrade guard
            raise RuntimeError("ftspec.schema.ir_model: the space-entry union was not found in IRDocument's core schema")
        self.validator = SchemaValidator(self.core_schema, CoreConfig(title="IRDocument"))

    def validate_python(self, data: Any) -> IRDocument:
        return self.validator.validate_python(data)

    def validate_json(self, text: str | bytes) -> IRDocument:
        return self.validator.validate_json(text)

    def json_schema(self) -> dict[str, Any]:
        schema = GenerateJsonSchema(by_alias=True).generate(self.core_schema, mode="validation")
        return _strip_discriminator(schema)


def _strip_discriminator(node: Any) -> Any:
    """Drop OpenAPI's `discriminator` (JSON Schema validators ignore it): `oneOf` on `const` kinds suffices."""
    if isinstance(node, dict):
        return {k: _strip_discriminator(v) for k, v in node.items() if k != "discriminator"}
    if isinstance(node, list):
        return [_strip_discriminator(v) for v in node]
    return node


@lru_cache(maxsize=1)
def ir_adapter() -> _IRAdapter:
    """The (cached) validator of IR documents."""
    return _IRAdapter()


def upgrade_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """An IR version 2 document (ftspec 0.1's) as version 3: each study's `metric`/`direction` become
    one objective (its `eval_quantile` from the eval-mode registry for that direction), `select` is
    that objective, eval modes are kept as written, and `tracking` and `trial_timeout_seconds` are null
    (version 2 had neither).
    Anything else is left for validation to judge."""
    from ftspec.schema.vocab import EVAL_MODES

    studies = []
    for study in doc.get("studies") or []:
        if not isinstance(study, dict) or "metric" not in study or "direction" not in study:
            studies.append(study)
            continue
        out: dict[str, Any] = {}
        mode = EVAL_MODES.get(study.get("eval_mode"))  # type: ignore[arg-type]
        for key, value in study.items():
            if key == "metric":
                quantile = mode.quantile_for(study["direction"]) if mode is not None else None
                out["objectives"] = [{"metric": value, "direction": study["direction"], "eval_quantile": quantile}]
                out["select"] = {"objective": value}
            elif key != "direction":
                out[key] = value
        out.setdefault("tracking", None)
        out.setdefault("trial_timeout_seconds", None)
        studies.append(out)
    return {**doc, "ir_version": IR_VERSION, "studies": studies}


def _is_v2(doc: Any) -> bool:
    return isinstance(doc, dict) and type(doc.get("ir_version")) in (int, float) and doc["ir_version"] == 2 \
        and not isinstance(doc["ir_version"], bool)


def load_ir(source: str | bytes | dict[str, Any]) -> IRDocument:
    """Validate an IR document (JSON text or an already parsed dict) and build the dataclasses.

    An IR version 2 document is converted first (`upgrade_v2`). Raises `pydantic.ValidationError`
    on any deviation from the IR (unknown key, missing field, wrong type, unknown `kind`).
    """
    if isinstance(source, (str, bytes, bytearray)):
        try:
            return ir_adapter().validate_json(source)
        except ValidationError as exc:
            if not any(e["type"] == "ir_version" and (e.get("ctx") or {}).get("found") == 2 for e in exc.errors()):
                raise
        return ir_adapter().validate_python(upgrade_v2(json.loads(source)))
    if _is_v2(source):
        source = upgrade_v2(source)
    return ir_adapter().validate_python(source)


def ir_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of the IR document, with `$schema`, `$id` and descriptions."""
    schema = ir_adapter().json_schema()
    header = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": IR_SCHEMA_ID,
        "title": f"ftspec IR v{IR_VERSION}",
    }
    body = {k: v for k, v in schema.items() if k not in header}
    body["description"] = (
        f"The output of `ftcompile`: one resolved hyperparameter study per finetune_params block (IR version {IR_VERSION})."
    )
    return {**header, **body}
