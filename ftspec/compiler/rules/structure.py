"""FT1xx: blocks, keys and dialects.

Beside the rules: whether a block is compiled at all (`check_block`: FT101, FT113); the typed reads
every front-end uses (`read_int`, `read_str`, ... report FT111 wrong-type and return None, so a
block is always read to its end); the legacy checks of a block's keys: the keys nirs4all ignored,
`sample`, `verbose`, `engine`, `timeout`, and the keys written beside or inside `model_params`; and
the v2 checks of a block's keys (`check_v2_keys`: its `V2Field`s and `_comment`, `@v2_key("version")`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ftspec.compiler.checks import LEGACY_KEY_CHECKS, LEGACY_KEYS, Lowering, legacy_key, legacy_key_check, v2_key
from ftspec.compiler.diagnostics import Collector, Fix, FixOp, define
from ftspec.compiler.distributions import as_float
from ftspec.compiler.nodes import Entry, Mapping, Node, Scalar, Sequence, to_python
from ftspec.compiler.values import ANNOTATION_KEY, did_you_mean, is_int, is_number, legacy_token, node_desc
from ftspec.schema.v2_fields import V2_KEYS

BLOCK_NOT_MAPPING = define(
    "FT101", "block-not-mapping", "error",
    "`finetune_params` (or `finetune_space`) is not a mapping.",
    "{key} must be a mapping, got {type}",
    old="nirs4all called .get() on it and failed with an AttributeError inside the model controller.",
    now="No study is compiled for this block.",
    fix="Write the block as a mapping of keys to values.",
)
UNKNOWN_KEY = define(
    "FT102", "unknown-key", "error",
    "A key that finetune_params v2 does not define.",
    "unknown key {key!r}{hint}",
    old="(v2 only) Unknown keys were silently ignored by every nirs4all version.",
    now="A v2 block admits only the keys of its schema; the block is an error.",
    fix="Remove the key or correct its spelling (the message suggests the closest key).",
)
IGNORED_KEY = define(
    "FT103", "ignored-key", "warning",
    "A key nirs4all silently ignored.",
    "key {key!r} is not a finetune_params key: nirs4all ignored it{hint}",
    old="Neither the Optuna nor the n4m engine checks keys: an unknown key (a typo, a key of another tool) was "
    "ignored without a word, so the setting the author meant never applied.",
    now="The key is ignored, as before, and reported.",
    fix="Remove the key, correct its spelling, or move the parameter into `model_params`.",
)
DEAD_KEY = define(
    "FT104", "dead-key", "warning",
    "A key of an earlier nirs4all era that no longer does anything.",
    "key {key!r} {era}; it is ignored",
    old="Nested cross-validation keys (`cv_mode`, `param_strategy`, `inner_cv`, `outer_cv`, "
    "`use_full_train_for_final`) were implemented only from 2025-09-26 to about 2025-10-01; the pinard-era "
    "keys (`tuner`, `training_params`, `nb_trials`) and `n_startup_trials`/`reduction_factor` (n4m only) "
    "have been ignored by the Optuna engine since. Runs completed with none of these settings applied.",
    now="The key is ignored and reported.",
    fix="Remove the key. For nested cross-validation use `approach: grouped` with a splitter step; for "
    "`training_params` use `train_params`; for `nb_trials` use `n_trials`.",
)
TIMEOUT_ALIAS = define(
    "FT105", "timeout-alias", "warning",
    "`timeout` (or `timeout_seconds`) was never read by nirs4all; ftspec reads it as `timeout_seconds`.",
    "`{key}` was never read by nirs4all; it now limits the study to {value} seconds",
    old="No nirs4all version ever read `timeout`: studies ran every trial however long they took.",
    now="The value is the study's `timeout_seconds`: no new trial starts after that many seconds.",
    fix="Rename the key to `timeout_seconds`.",
    fixable="safe",
)
LEGACY_DIALECT = define(
    "FT106", "legacy-dialect", "warning",
    "The block has no `version: 2` and is compiled with the legacy nirs4all semantics.",
    "legacy finetune_params (no `version: 2`): compiled with nirs4all's semantics; run ftmigrate to make them explicit",
    old="Every block was read by whichever nirs4all version ran it, with that version's silent fallbacks.",
    now="The legacy front-end gives the block the meaning nirs4all 1.4 gives it, and reports each place "
    "where that meaning is ambiguous or differs from what the author likely meant or from older releases.",
    fix="Run `ftmigrate` (add `--unsafe-fixes` to also apply the fixes that change the meaning), then add "
    "`version: 2`.",
    fixable="safe",
)
TOP_LEVEL_HYPERPARAMETER = define(
    "FT107", "top-level-hyperparameter", "warning",
    "A hyperparameter written beside the control keys instead of inside `model_params`.",
    "hyperparameter {key!r} outside model_params: nirs4all >= 2026-06 silently ignores it; compiled as a model parameter",
    old="Until 2026-06 (flat form), keys outside `model_params` became model parameters when `model_params` was "
    "missing or empty, and control keys such as `metric` or `seed` were passed to the estimator as well. "
    "Since nirs4all 2026-06 (6e89cb1b) such keys are silently ignored and the model trains with its defaults.",
    now="The key is a model parameter, as its author meant.",
    fix="Move the key into `model_params`.",
    fixable="safe",
)
CONTROL_KEY_IN_MODEL_PARAMS = define(
    "FT108", "control-key-in-model-params", "warning",
    "A control key (n_trials, sampler, ...) written inside `model_params`.",
    "control key {key!r} inside model_params is passed to the estimator as a parameter, not used as a study setting",
    old="nirs4all passed it to the estimator's constructor (it failed or was dropped) and the study used the "
    "default for that setting.",
    now="It stays a fixed model parameter, as before; the study setting keeps its default.",
    fix="Move the key out of `model_params` to the block's top level.",
)
SAMPLE_ALIAS = define(
    "FT109", "sample-alias", "warning",
    "`sample` is an old spelling of `sampler`.",
    "`sample` is the legacy spelling of `sampler`",
    old="`sample` was read as `sampler` when `sampler` was absent.",
    now="Same meaning.",
    fix="Rename the key to `sampler`.",
    fixable="safe",
)
SAMPLE_BESIDE_SAMPLER = define(
    "FT110", "sample-beside-sampler", "warning",
    "Both `sample` and `sampler` are set; `sample` is silently dropped.",
    "`sample: {sample}` is ignored because `sampler: {sampler}` is also set",
    old="nirs4all dropped `sample` without a word when `sampler` was present.",
    now="`sampler` is used; `sample` is ignored and reported.",
    fix="Remove `sample`, or move its value to `sampler` if that is what you meant.",
)
WRONG_TYPE = define(
    "FT111", "wrong-type", "error",
    "A value of the wrong type or outside its allowed range.",
    "{key} must be {expected}, got {got}",
    old="nirs4all did not validate these values: `n_trials: \"ten\"` passed validation and crashed later; other "
    "values reached Optuna or scikit-learn and failed there.",
    now="The block is an error; the field takes its default in the IR.",
    fix="Write a value of the expected type.",
)
INVALID_VERSION = define(
    "FT112", "invalid-version", "error",
    "`version` is not 2.",
    "version must be 2, got {got}",
    old="-",
    now="Only `version: 2` is defined; the block is compiled as v2 and is an error.",
    fix="Write `version: 2`.",
)
EMPTY_BLOCK = define(
    "FT113", "empty-block", "info",
    "An empty `finetune_params` means no tuning.",
    "empty {key}: no tuning (no study)",
    old="nirs4all skipped tuning for an empty mapping.",
    now="Same: no study is compiled.",
    fix="Remove the key if no tuning is wanted.",
)
VERBOSE_IGNORED = define(
    "FT114", "verbose-ignored", "info",
    "`verbose` only set nirs4all's logging; it is not part of the study.",
    "`verbose` is not part of the study: for a verbose run, use `ftrun --verbose`",
    old="`verbose` controlled the Optuna manager's logging.",
    now="Ignored; logging is a property of the run, not of the config: `ftrun --verbose` asks for it.",
    fix="Remove the key, and run `ftrun --verbose` when you want the detail.",
)
ENGINE_KEY = define(
    "FT115", "engine", "warning",
    "`engine` selects which nirs4all optimizer ran the block; ftspec compiles the Optuna semantics.",
    "engine {value!r}: {effect}",
    old="`optuna` (default) ran the Optuna manager; `n4m`/`native`/`methods`/`libn4m` ran the n4m engine, which "
    "ignores `phases`, `n_jobs`, `storage`, `study_name` and `resume`; `dag-ml`/`grid` raised on the legacy path. "
    "`native` meant n4m in one place and dag-ml in another.",
    now="The block is compiled with the Optuna semantics and the key is ignored.",
    fix="Remove `engine`.",
)
GENERATOR_KEYWORD = define(
    "FT116", "generator-keyword", "error",
    "A pipeline generator keyword (`_or_`, `_range_`, `_grid_`, ...) inside finetune_params.",
    "generator keyword {key!r} inside finetune_params forks the pipeline before tuning; ftspec does not compile it",
    old="nirs4all expanded generator keywords inside finetune_params into separate pipelines, each with a "
    "constant value, so the key was not searched by Optuna at all.",
    now="The block is an error.",
    fix="Use a search spec (`{type: categorical, choices: [...]}` or a range) instead of a generator keyword.",
)


# --------------------------------------------------------------------------- typed reads (FT111, FT102)


def wrong_type(lo: Lowering, at: Node, key: str, expected: str, got: str | None = None) -> None:
    """FT111 at `at`: `key` must be `expected` (`got` describes what was written, the node by default)."""
    lo.report(WRONG_TYPE, at, key=key, expected=expected, got=node_desc(at) if got is None else got)


def unknown_key(lo: Lowering, at: Node, key: Any, hint: str) -> None:
    """FT102 at `at` (the key as written)."""
    lo.report(UNKNOWN_KEY, at, key=key, hint=hint)


def read_int(
    lo: Lowering, node: Node, key: str, *, minimum: int | None = None, maximum: int | None = None, nullable: bool = False,
) -> int | None:
    value = node.value if isinstance(node, Scalar) else object()
    if value is None and nullable:
        return None
    if is_int(value) and (minimum is None or value >= minimum) and (maximum is None or value <= maximum):
        return int(value)  # type: ignore[arg-type]
    bounds = ([f">= {minimum}"] if minimum is not None else []) + ([f"<= {maximum}"] if maximum is not None else [])
    expected = "an integer" + (" " + " and ".join(bounds) if bounds else "") + (" or null" if nullable else "")
    wrong_type(lo, node, key, expected)
    return None


def read_number(
    lo: Lowering, node: Node, key: str, *, exclusive_minimum: float | None = None, minimum: float | None = None,
    maximum: float | None = None, exclusive_maximum: float | None = None, nullable: bool = False,
) -> float | None:
    value = node.value if isinstance(node, Scalar) else object()
    if value is None and nullable:
        return None
    v = as_float(value) if is_number(value) else None
    ok = v is not None
    if ok:
        ok = ok and (exclusive_minimum is None or v > exclusive_minimum) and (minimum is None or v >= minimum)
        ok = ok and (maximum is None or v <= maximum) and (exclusive_maximum is None or v < exclusive_maximum)
    if ok:
        return value  # type: ignore[return-value]
    bounds = []
    if exclusive_minimum is not None:
        bounds.append(f"> {exclusive_minimum:g}")
    if minimum is not None:
        bounds.append(f">= {minimum:g}")
    if exclusive_maximum is not None:
        bounds.append(f"< {exclusive_maximum:g}")
    if maximum is not None:
        bounds.append(f"<= {maximum:g}")
    expected = "a number" + (" " + " and ".join(bounds) if bounds else "") + (" or null" if nullable else "")
    wrong_type(lo, node, key, expected)
    return None


def read_bool(lo: Lowering, node: Node, key: str) -> bool | None:
    if isinstance(node, Scalar) and isinstance(node.value, bool):
        return node.value
    wrong_type(lo, node, key, "true or false")
    return None


def read_str(lo: Lowering, node: Node, key: str, *, nullable: bool = False, nonempty: bool = False) -> str | None:
    if isinstance(node, Scalar):
        value = node.value
        if (isinstance(value, str) and (value or not nonempty)) or (nullable and value is None):
            return value  # type: ignore[return-value]
    expected = ("a non-empty string" if nonempty else "a string") + (" or null" if nullable else "")
    wrong_type(lo, node, key, expected)
    return None


def read_mapping(lo: Lowering, node: Node, key: str, expected: str = "a mapping") -> Mapping | None:
    """`node` when it is a mapping, else None (reported)."""
    if isinstance(node, Mapping):
        return node
    wrong_type(lo, node, key, expected)
    return None


def mapping_items(lo: Lowering, node: Sequence, key: str, expected: str) -> Iterator[Mapping]:
    """The items of a list that must hold mappings (phases, v2 force_params); reports the others."""
    for item in node.items:
        if not isinstance(item, Mapping):
            wrong_type(lo, item, key, expected)
            continue
        yield item


# --------------------------------------------------------------------------- blocks (FT101, FT113)


def check_block(collector: Collector, node: Node, key: Any) -> bool:
    """Whether a block found by the walker is compiled: a mapping with at least one key. A null
    block is skipped silently, any other non-mapping is FT101 and an empty mapping FT113 (there is
    no `Lowering` yet: the block is not a mapping, or has nothing to lower)."""
    if not isinstance(node, Mapping):
        if not (isinstance(node, Scalar) and node.value is None):
            collector.report(BLOCK_NOT_MAPPING, node, key=key, type=node_desc(node))
        return False
    if not node.entries:
        collector.report(EMPTY_BLOCK, node, key=key)
        return False
    return True


# --------------------------------------------------------------------------- legacy block keys

DEAD_KEYS = {
    "cv_mode": "was read only from 2025-09-26 to 2025-10-01 (nested cross-validation)",
    "param_strategy": "was read only from 2025-09-26 to 2025-10-01 (nested cross-validation)",
    "inner_cv": "was read only from 2025-09-26 to 2025-10-01 (nested cross-validation)",
    "outer_cv": "was read only from 2025-09-26 to 2025-10-01 (nested cross-validation)",
    "use_full_train_for_final": "was read only from 2025-09-26 to 2025-10-01 (nested cross-validation)",
    "tuner": "is from the pinard era (2025-05 to 2025-09)",
    "training_params": "is the pinard-era spelling of train_params (2025-05 to 2025-09)",
    "nb_trials": "is the pinard-era spelling of n_trials",
    "n_startup_trials": "is read only by the n4m engine",
    "reduction_factor": "is read only by the n4m engine",
}
GENERATOR_KEY = re.compile(r"^_[a-z]+(_[a-z]+)*_$")


def legacy_control_keys() -> tuple[str, ...]:
    """The keys a legacy block's front-end reads: the annotation and every key with a `@legacy_key`
    reader or a `@legacy_key_check`."""
    return (ANNOTATION_KEY, *LEGACY_KEY_CHECKS.names(), *LEGACY_KEYS.names())


def is_generator_key(key: Any) -> bool:
    return isinstance(key, str) and GENERATOR_KEY.match(key) is not None


def is_legacy_parameter_key(key: Any) -> bool:
    """Whether a key beside the control keys is a model parameter in the flat form."""
    return not (key in legacy_control_keys() or key in DEAD_KEYS or is_generator_key(key))


def check_legacy_dialect(lo: Lowering) -> None:
    lo.report(LEGACY_DIALECT, lo.at("_key"))


def check_legacy_keys(lo: Lowering, block_kind: str) -> None:
    """FT116, FT104 and FT103 for the keys of the block that no reader reads."""
    block = lo.block
    params = block.get("model_params")
    flat_fallback = params is None or (isinstance(params, Mapping) and not params.entries)
    control = legacy_control_keys()
    for entry in block.entries:
        key = entry.key.value
        if key in control:
            continue
        if is_generator_key(key):
            lo.report(GENERATOR_KEYWORD, entry.key, key=key)
        elif key in DEAD_KEYS:
            lo.report(DEAD_KEY, entry.key, key=key, era=DEAD_KEYS[key])
        elif not (flat_fallback or block_kind == "finetune_space"):
            lo.report(IGNORED_KEY, entry.key, key=key, hint=did_you_mean(key, control))


@legacy_key_check("sample")
def check_sample(lo: Lowering, node: Node | None) -> None:
    """`sample` is `sampler`'s old spelling, read by the sampler's reader when `sampler` is absent."""
    if node is None:
        return
    sample = lo.block.require("sample")
    if "sampler" in lo.block:
        lo.report(SAMPLE_BESIDE_SAMPLER, sample.key, sample=to_python(node), sampler=to_python(lo.block.require("sampler").value))
    else:
        fix = Fix("safe", "rename sample to sampler", (FixOp("rename_key", node.pointer, key="sampler"),))
        lo.report(SAMPLE_ALIAS, sample.key, fix)


@legacy_key_check("verbose")
def check_verbose(lo: Lowering, node: Node | None) -> None:
    if node is not None:
        lo.report(VERBOSE_IGNORED, lo.block.require("verbose").key)


@legacy_key_check("engine")
def check_engine(lo: Lowering, node: Node | None) -> None:
    if node is None:
        return
    token = legacy_token(node)
    if token in ("optuna", ""):
        effect = "the Optuna engine is the default; the key is ignored"
    elif token in ("n4m", "native", "methods", "libn4m"):
        effect = "ran nirs4all's n4m engine (which ignores phases, n_jobs, storage, study_name and resume); compiled with the Optuna semantics"
    elif token in ("dag-ml", "dagml", "grid"):
        effect = "raised on nirs4all's legacy path after a dag-ml fallback; compiled with the Optuna semantics"
    else:
        effect = "raised ValueError in nirs4all; compiled with the Optuna semantics"
    lo.report(ENGINE_KEY, node, value=to_python(node), effect=effect)


@legacy_key("n_jobs")
def read_legacy_n_jobs(lo: Lowering, node: Node | None) -> int:
    return 1 if node is None else read_int(lo, node, "n_jobs", minimum=1) or 1


@legacy_key("timeout_seconds", "timeout")
def read_legacy_timeout(lo: Lowering, node: Node | None) -> float | None:
    """`timeout_seconds`, else `timeout`, which nirs4all never read (FT105 either way)."""
    block = lo.block
    for key in ("timeout_seconds", "timeout"):
        written = block.entry(key)
        if written is None:
            continue
        value = read_number(lo, written.value, key, exclusive_minimum=0, nullable=True)
        fix = None
        if key == "timeout" and "timeout_seconds" not in block:
            fix = Fix("safe", "rename timeout to timeout_seconds", (FixOp("rename_key", written.value.pointer, key="timeout_seconds"),))
        if value is not None:
            lo.report(TIMEOUT_ALIAS, written.key, fix, key=key, value=value)
            lo.fields["timeout_seconds"] = written.value
            return float(value)
    return None


def check_top_level_hyperparameter(lo: Lowering, entry: Entry) -> None:
    """FT107 for a model parameter of the flat form (written beside the control keys)."""
    ops = (FixOp("move_key", entry.value.pointer, destination=f"{lo.block.pointer}/model_params"),)
    lo.report(TOP_LEVEL_HYPERPARAMETER, entry.key, Fix("safe", "move into model_params", ops), key=entry.key.value)


def check_model_param_key(lo: Lowering, key: Any, key_node: Node, *, nested: bool) -> bool:
    """FT116 (the value is not lowered: False) and FT108 for a key of `model_params`."""
    if is_generator_key(key):
        lo.report(GENERATOR_KEYWORD, key_node, key=key)
        return False
    if not nested and key in legacy_control_keys() and key != "model_params":
        lo.report(CONTROL_KEY_IN_MODEL_PARAMS, key_node, key=key)
    return True


# --------------------------------------------------------------------------- v2 block keys


def check_known_keys(lo: Lowering, node: Mapping, allowed: tuple[str, ...], *, annotation: bool = False) -> None:
    """FT102 for each key of `node` that is not in `allowed` (nor `_comment`, when `annotation`),
    with the closest allowed key as hint."""
    for entry in node.entries:
        key = entry.key.value
        if key not in allowed and not (annotation and key == ANNOTATION_KEY):
            unknown_key(lo, entry.key, key, did_you_mean(key, allowed))


def check_annotation(lo: Lowering, node: Mapping) -> None:
    """A v2 `_comment` annotation is a string or a list of strings (the schema says the same)."""
    entry = node.entry(ANNOTATION_KEY)
    if entry is None:
        return
    value = to_python(entry.value)
    if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
        wrong_type(lo, entry.value, ANNOTATION_KEY, "a string or a list of strings")


def check_v2_keys(lo: Lowering) -> None:
    """The keys of a v2 block are its `V2Field`s and `_comment` (FT102 for any other)."""
    check_known_keys(lo, lo.block, V2_KEYS, annotation=True)
    check_annotation(lo, lo.block)


def read_keyed_mapping(lo: Lowering, node: Node | None, key: str, allowed: tuple[str, ...]) -> Mapping | None:
    """A v2 mapping of known keys (`select`, `validation`, ...): None when absent or not a mapping
    (FT111), and FT102 for each key outside `allowed`."""
    if node is None:
        return None
    mapping = read_mapping(lo, node, key)
    if mapping is not None:
        check_known_keys(lo, mapping, allowed)
    return mapping


@v2_key("version")
def check_v2_version(lo: Lowering, node: Node | None) -> None:
    """`version: 2` (the key makes the block v2; any other value is FT112)."""
    if node is not None and not (isinstance(node, Scalar) and is_int(node.value) and node.value == 2):
        lo.report(INVALID_VERSION, node, got=node_desc(node))
