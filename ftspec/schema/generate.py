"""Generate the checked-in JSON Schemas: `python -m ftspec.schema.generate [--check]`.

Writes, next to this module (package data):

- `finetune_params.v2.schema.json`: the editor schema of a v2 block (draft-07, `definitions`),
  generated from `ftspec.schema.v2.FinetuneParamsV2`;
- `pipeline.v2.schema.json`: a loose editor schema of whole pipeline files in which every
  `finetune_params` that has a `version` key is checked against the v2 schema (self-contained:
  the v2 definitions are embedded, so it works offline and from a local path);
- `campaign.v2.schema.json`: the editor schema of campaign files (draft-07), from
  `ftspec.schema.campaign.CampaignFileV2`;
- `ir.v<IR_VERSION>.schema.json` (today `ir.v3.schema.json`): the IR's schema (2020-12), from
  `ftspec.schema.ir_model`; a stale schema of an older IR version is removed.

`--check` writes nothing and exits 1 when a checked-in file differs from the generated one.
Output is deterministic: keys sorted (except `properties`, kept in declaration order, instance
values such as `examples` and `default`, and the top level, which starts with `$schema`, `$id`,
`title`, `description` and ends with the definitions), 2-space indent, trailing newline.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from ftspec.ir import IR_VERSION

DRAFT07 = "http://json-schema.org/draft-07/schema#"
SCHEMA_DIR = Path(__file__).resolve().parent
BASE_URL = "https://ftspec.dev/schemas/"
V2_FILE = "finetune_params.v2.schema.json"
PIPELINE_FILE = "pipeline.v2.schema.json"
CAMPAIGN_FILE = "campaign.v2.schema.json"
IR_FILE = f"ir.v{IR_VERSION}.schema.json"
REGENERATE = "python -m ftspec.schema.generate"
OUT_OF_DATE = f"JSON schema is out of date: run `{REGENERATE}`"

# Keywords an editor schema may use: draft-07 validation keywords plus annotations that
# VS Code / yaml-language-server understand. Anything else (prefixItems, discriminator, $defs,
# unevaluatedProperties, ...) means the draft-07 down-levelling missed something.
DRAFT07_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$ref", "$comment", "title", "description", "default", "examples", "readOnly",
        "writeOnly", "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "items", "additionalItems", "maxItems",
        "minItems", "uniqueItems", "contains", "maxProperties", "minProperties", "required", "properties",
        "patternProperties", "additionalProperties", "dependencies", "propertyNames", "if", "then", "else",
        "allOf", "anyOf", "oneOf", "not", "format", "contentMediaType", "contentEncoding", "definitions",
        # editor annotations (non-standard, ignored by validators)
        "markdownDescription", "enumDescriptions", "markdownEnumDescriptions", "defaultSnippets",
    }
)
_INSTANCE_KEYS = frozenset({"default", "examples", "const", "enum"})


def _normalise(node: Any, *, properties_map: bool = False) -> Any:
    """Deterministic key order: sorted, except a `properties` map (declaration order) and instance values."""
    if isinstance(node, list):
        return [_normalise(v) for v in node]
    if not isinstance(node, dict):
        return node
    if properties_map:
        return {k: _normalise(v) for k, v in node.items()}
    out: dict[str, Any] = {}
    for key in sorted(node):
        value = node[key]
        if key in _INSTANCE_KEYS:
            out[key] = value
        elif key in ("properties", "definitions", "$defs") and isinstance(value, dict):
            out[key] = _normalise(value, properties_map=(key == "properties"))
        else:
            out[key] = _normalise(value)
    return out


_HEAD = ("$schema", "$id", "title", "description", "type")


def _top(schema: dict[str, Any]) -> dict[str, Any]:
    """Readable top level: `$schema`, `$id`, title, description, type, other keys sorted, definitions last."""
    schema = _normalise(schema)
    head = {k: schema[k] for k in _HEAD if k in schema}
    tail = {k: schema[k] for k in ("definitions", "$defs") if k in schema}
    middle = {k: v for k, v in schema.items() if k not in head and k not in tail}
    return {**head, **middle, **tail}


def _walk_schemas(node: Any):
    """Yield every subschema dict (skipping instance values and mapping containers)."""
    if isinstance(node, list):
        for v in node:
            yield from _walk_schemas(v)
        return
    if not isinstance(node, dict):
        return
    yield node
    for key, value in node.items():
        if key in _INSTANCE_KEYS:
            continue
        if key in ("properties", "definitions", "$defs", "patternProperties", "dependencies") and isinstance(value, dict):
            for sub in value.values():
                yield from _walk_schemas(sub)
        else:
            yield from _walk_schemas(value)


def to_draft07(schema: dict[str, Any]) -> dict[str, Any]:
    """Down-level a pydantic (2020-12 style) schema to draft-07.

    `$defs` -> `definitions` (refs rewritten); a `$ref` with sibling keywords (ignored by draft-07
    validators) becomes `allOf: [{$ref}]` beside them; fails on keywords draft-07 lacks.
    """
    schema = copy.deepcopy(schema)

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key in _INSTANCE_KEYS:
                out[key] = value
            elif key == "$ref" and isinstance(value, str):
                out[key] = value.replace("#/$defs/", "#/definitions/")
            elif key == "$defs":
                out["definitions"] = {k: rewrite(v) for k, v in value.items()}
            elif key in ("properties", "patternProperties") and isinstance(value, dict):
                out[key] = {k: rewrite(v) for k, v in value.items()}
            else:
                out[key] = rewrite(value)
        if "$ref" in out and len(out) > 1:
            ref = out.pop("$ref")
            out["allOf"] = [{"$ref": ref}, *out.get("allOf", [])]
        return out

    schema = rewrite(schema)
    for sub in _walk_schemas(schema):
        unknown = set(sub) - DRAFT07_KEYWORDS
        if unknown:
            raise ValueError(f"keywords not in draft-07 in the editor schema: {sorted(unknown)}")
    return schema


class _UnsortedGenerator(GenerateJsonSchema):
    """pydantic's generator without its key sorting (which also reorders `examples`): `_normalise` sorts."""

    def sort(self, value: Any, parent_key: str | None = None) -> Any:
        return value


def v2_schema() -> dict[str, Any]:
    """The draft-07 editor schema of a finetune_params v2 block."""
    from ftspec.schema.v2 import FinetuneParamsV2

    body = to_draft07(FinetuneParamsV2.model_json_schema(mode="validation", schema_generator=_UnsortedGenerator))
    return _top({"$schema": DRAFT07, "$id": BASE_URL + V2_FILE, **body})


def pipeline_schema(v2: dict[str, Any] | None = None) -> dict[str, Any]:
    """A loose draft-07 schema of pipeline files whose `finetune_params` blocks are checked as v2."""
    v2 = v2_schema() if v2 is None else v2
    definitions = dict(v2["definitions"])
    definitions["FinetuneParamsV2"] = {k: v for k, v in v2.items() if k not in ("$schema", "$id", "definitions")}
    definitions["FinetuneParamsBlock"] = {
        "title": "finetune_params",
        "description": (
            "A hyperparameter search block. With a `version` key it is checked as finetune_params v2; "
            "without one it is the legacy dialect (not checked here: run `ftlint`, or `ftmigrate` to convert it)."
        ),
        "if": {"type": "object", "required": ["version"]},
        "then": {"$ref": "#/definitions/FinetuneParamsV2"},
        "else": {
            "properties": {
                "version": {
                    "const": 2,
                    "description": "Add `version: 2` to write this block in v2 syntax (checked by the editor).",
                }
            }
        },
    }
    definitions["PipelineStep"] = {
        "title": "pipeline step",
        "description": (
            "A pipeline step: anything, except that a `finetune_params` key (on a step or on any object "
            "nested in it, branches included) is a finetune_params block."
        ),
        "properties": {"finetune_params": {"$ref": "#/definitions/FinetuneParamsBlock"}},
        "additionalProperties": {"$ref": "#/definitions/PipelineStep"},
        "items": {"$ref": "#/definitions/PipelineStep"},
    }
    steps = {
        "type": "array",
        "description": "The steps, in order; a nested list is a branch or a sub-pipeline.",
        "items": {"$ref": "#/definitions/PipelineStep"},
    }
    body = {
        "title": "ftspec pipeline file",
        "description": (
            "A pipeline file: `{pipeline: [steps...]}` (other top-level keys are allowed) or a bare list of "
            "steps. Only `finetune_params` blocks are checked."
        ),
        "anyOf": [
            {
                "title": "pipeline mapping",
                "description": "A mapping with a `pipeline` list of steps.",
                "type": "object",
                "required": ["pipeline"],
                "properties": {"pipeline": steps},
            },
            {**steps, "title": "list of steps", "description": "A bare list of steps."},
        ],
        "definitions": definitions,
    }
    to_draft07(body)  # keyword check only
    return _top({"$schema": DRAFT07, "$id": BASE_URL + PIPELINE_FILE, **body})


def campaign_schema() -> dict[str, Any]:
    """The draft-07 editor schema of campaign files (ftspec.schema.campaign)."""
    from ftspec.schema.campaign import CampaignFileV2

    body = to_draft07(CampaignFileV2.model_json_schema(mode="validation", schema_generator=_UnsortedGenerator))
    return _top({"$schema": DRAFT07, "$id": BASE_URL + CAMPAIGN_FILE, **body})


def ir_schema() -> dict[str, Any]:
    """The IR's JSON Schema (2020-12)."""
    from ftspec.schema.ir_model import ir_json_schema

    return _top(ir_json_schema())


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def build_all() -> dict[str, str]:
    """File name -> text of every generated schema."""
    v2 = v2_schema()
    return {V2_FILE: render(v2), PIPELINE_FILE: render(pipeline_schema(v2)), CAMPAIGN_FILE: render(campaign_schema()),
            IR_FILE: render(ir_schema())}


def old_ir_files(directory: Path = SCHEMA_DIR) -> list[str]:
    """Checked-in IR schemas of another IR version (left behind by a version bump)."""
    return sorted(p.name for p in directory.glob("ir.v*.schema.json") if p.name != IR_FILE)


def stale_files(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of the checked-in schema files that differ from freshly generated ones, are missing, or are obsolete."""
    stale = []
    for name, text in build_all().items():
        path = directory / name
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            stale.append(name)
    return stale + old_ir_files(directory)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description="Generate ftspec's checked-in JSON Schemas.")
    parser.add_argument("--check", action="store_true", help="exit 1 if a checked-in schema is out of date; write nothing")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.dir)
        if stale:
            print(OUT_OF_DATE, file=sys.stderr)
            for name in stale:
                print(f"  {args.dir / name}", file=sys.stderr)
            return 1
        return 0
    for name, text in build_all().items():
        path = args.dir / name
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {path}")
    for name in old_ir_files(args.dir):
        (args.dir / name).unlink()
        print(f"removed {args.dir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
