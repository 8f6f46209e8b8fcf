"""FT1xx: blocks, keys and dialects."""

from ftspec.compiler.diagnostics import define

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
