"""FT5xx: rules of the linter itself (suppressions, v2 style, schema-only mode).

The checks here read a v2 block's nodes; the compiler never calls them, `ftlint` (and the
`ftmigrate` fixes of FT503/FT504) do. The rules register on import into the one registry
(`ftspec.compiler.diagnostics.RULES`), so `ftspec.compiler.rules.all_rules()` lists them once
this module is imported: the ftlint CLI and the catalogue import it.
"""

from __future__ import annotations

from ftspec.compiler.diagnostics import Collector, Fix, FixOp, define
from ftspec.compiler.nodes import Mapping, Node, Scalar
from ftspec.schema.v2_fields import V2_FIELDS_BY_NAME

UNUSED_SUPPRESSION = define(
    "FT501", "unused-suppression", "warning",
    "A suppression comment that suppresses nothing.",
    "unused suppression{codes}",
    old="-",
    now="The suppression has no effect; left in place it would hide a future finding nobody reviewed.",
    fix="Remove the suppression (or the codes it lists that no longer fire).",
)
INVALID_SUPPRESSION = define(
    "FT502", "invalid-suppression", "error",
    "A suppression that names an unknown code or is malformed.",
    "invalid suppression: {reason}",
    old="-",
    now="The suppression is ignored.",
    fix="Write `# ftlint: ignore[FT123]` (YAML) or `\"_comment\": \"ftlint: ignore[FT123]\"` (JSON), with known codes.",
)
REDUNDANT_DEFAULT = define(
    "FT503", "redundant-default", "info",
    "A v2 value equal to its default.",
    "{key}: {value} is the default",
    old="-",
    now="Same meaning with or without it.",
    fix="The safe fix removes the key.",
    fixable="safe",
)
COMPONENT_WITHOUT_OPTIONS = define(
    "FT504", "component-without-options", "info",
    "A sampler or pruner written as a mapping with an empty `options`.",
    "{key}: {{kind: {kind}, options: {{}}}} can be written {kind}",
    old="-",
    now="Same meaning. `{kind: random}` without `options` is a documented v2 form and is not reported.",
    fix="The safe fix writes the kind as a string.",
    fixable="safe",
)
SCHEMA_VIOLATION = define(
    "FT510", "schema-violation", "error",
    "(--schema-only) The block does not validate against the v2 JSON Schema.",
    "{message}",
    old="-",
    now="Reported only with `ftlint --schema-only`, which validates every block against "
    "finetune_params.v2.schema.json as check-jsonschema would, with locations.",
    fix="Make the block valid v2 (see the rule catalogue and `ftmigrate`).",
)

# Spec keys whose value equals the default (type -> key -> default).
_SPEC_DEFAULTS: dict[str, dict[str, object]] = {
    "int": {"step": 1, "log": False},
    "float": {"step": None, "log": False},
}
# Study keys whose written default FT503 reports; the default values are the keys' own (schema/v2_fields.py).
_STUDY_DEFAULTS = {k: V2_FIELDS_BY_NAME[k].default for k in ("n_jobs", "resume", "timeout_seconds", "seed", "storage", "study_name")}


def _same(node: Node, value: object) -> bool:
    return isinstance(node, Scalar) and node.value == value and type(node.value) is type(value)


def _remove(node: Node, key: str) -> Fix:
    return Fix("safe", f"remove {key}", (FixOp("remove_key", node.pointer),))


def check_v2_style(block: Mapping, collector: Collector) -> None:
    """FT503/FT504 on a v2 block."""
    for key, default in _STUDY_DEFAULTS.items():
        node = block.get(key)
        if node is not None and _same(node, default):
            collector.report(REDUNDANT_DEFAULT, block.require(key).key, _remove(node, key), key=key, value=_show(default))
    for key in ("sampler", "pruner"):
        node = block.get(key)
        if isinstance(node, Mapping) and set(node.keys()) <= {"kind", "options"}:
            options = node.get("options")
            kind = node.get("kind")
            # `{kind: random}` is a documented v2 form; only an empty `options: {}` is redundant.
            if isinstance(kind, Scalar) and isinstance(kind.value, str) and isinstance(options, Mapping) and not options.entries:
                fix = Fix("safe", f"write {key}: {kind.value}", (FixOp("replace_value", node.pointer, value=kind.value),))
                collector.report(COMPONENT_WITHOUT_OPTIONS, node, fix, key=key, kind=kind.value)
    for section in ("model_params", "train_params"):
        params = block.get(section)
        if isinstance(params, Mapping):
            _style_params(params, collector)


def _style_params(params: Mapping, collector: Collector) -> None:
    for entry in params.entries:
        spec = entry.value
        if not isinstance(spec, Mapping):
            continue
        kind = spec.get("type")
        if kind is None and "fixed" not in spec:
            _style_params(spec, collector)
            continue
        defaults = _SPEC_DEFAULTS.get(kind.value, {}) if isinstance(kind, Scalar) and isinstance(kind.value, str) else {}
        for key, default in defaults.items():
            node = spec.get(key)
            if node is not None and _same(node, default):
                collector.report(REDUNDANT_DEFAULT, spec.require(key).key, _remove(node, key), key=key, value=_show(default))


def _show(value: object) -> str:
    """A default as YAML writes it (the defaults are ints, booleans and null)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
