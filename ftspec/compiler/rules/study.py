"""FT3xx: sampler, pruner, approach, evaluation, metric and budget.

Beside the rules: the readers of the study keys. Both front-ends use `read_n_trials`,
`read_storage`, `resolve_metric` (the direction follows from the metric registry), `check_forced`
and, in v2, `lower_component` (a sampler or pruner with its options); the legacy readers
(`@legacy_key`) give each key the meaning nirs4all 1.4.10 gives it (`_validate_and_normalize_finetune_params`,
`_is_grid_search_suitable`, `_create_sampler`); the v2 readers (`@v2_key`) read the strict forms
of docs/v2-syntax.md, and `read_carried_key` reads every `carried` key from its `V2Field`.
"""

from __future__ import annotations

import re
from typing import Any

from ftspec.compiler.checks import Lowering, legacy_key, v2_key
from ftspec.compiler.diagnostics import Fix, FixOp, define
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, to_python
from ftspec.compiler.rules.space import ParamItem, SpaceBuilder, is_range_list, train_sampable
from ftspec.compiler.rules.structure import (
    check_known_keys,
    mapping_items,
    read_bool,
    read_int,
    read_keyed_mapping,
    read_mapping,
    read_number,
    read_str,
    unknown_key,
    wrong_type,
)
from ftspec.compiler.values import (
    default_component,
    did_you_mean,
    is_int,
    is_number,
    legacy_token,
    node_desc,
    replace_fix,
)
from ftspec.ir import (
    ComponentSpec,
    FailurePolicy,
    ForcedTrial,
    MlflowTracking,
    Objective,
    Phase,
    Select,
    SpaceEntry,
    Storage,
    Tracking,
    Validation,
)
from ftspec.schema.metrics import METRIC_ALIASES, METRICS
from ftspec.schema.v2_fields import (
    FAILURE_POLICY_FIELDS,
    FORCED_TRIAL_FIELDS,
    MLFLOW_FIELDS,
    PHASE_FIELDS,
    SELECT_FIELDS,
    TRACKING_FIELDS,
    V2_FIELDS_BY_NAME,
    VALIDATION_FIELDS,
    V2Field,
    names,
)
from ftspec.schema.vocab import EVAL_MODES, PRUNERS, SAMPLERS, SEED_MAX, KindSpec, OptionSpec, default_options

UNKNOWN_SAMPLER = define(
    "FT301", "unknown-sampler", "error",
    "A sampler value that is not a sampler.",
    "unknown sampler {value!r}{hint}",
    old="Before nirs4all 2026-02 every unknown sampler value (typos included) silently ran TPE; nirs4all 1.4 raises.",
    now="The block is an error; the IR records TPE, which is what old runs used.",
    fix="Use one of tpe, random, grid, cmaes, gp, qmc, bruteforce.",
)
PRUNER_AS_SAMPLER = define(
    "FT302", "pruner-as-sampler", "error",
    "A pruner name (`hyperband`, `median`, ...) given as the sampler.",
    "{value!r} is a pruner, not a sampler: old runs used TPE and never pruned",
    old="`sample: hyperband` (advertised in the old docs) silently ran TPE with no pruner; nirs4all 1.4 raises.",
    now="The block is an error; the IR records TPE without pruner, which is what old runs did.",
    fix="The unsafe fix writes `sampler: tpe` and `pruner: {value}`.",
    fixable="unsafe",
)
SAMPLER_WAS_TPE = define(
    "FT303", "sampler-was-tpe", "info",
    "nirs4all before 2026-02 ran TPE for this sampler.",
    "sampler {value!r} ran TPE in nirs4all before 2026-02; it now runs {value}",
    old="Only `auto`, `grid` and `tpe` were implemented before 2026-02; `random` and `cmaes` silently ran TPE.",
    now="The named sampler runs (nirs4all 1.4 does the same).",
    fix="Nothing to do; results of old runs came from TPE.",
)
GRID_FALLBACK = define(
    "FT304", "grid-fallback", "warning",
    "`grid` with parameters that are not all categorical lists ran TPE.",
    "grid requested but {reason}: nirs4all ran TPE",
    old="nirs4all logged a warning and ran TPE when a parameter was a range, a scalar or a nested group.",
    now="TPE, as nirs4all ran it.",
    fix="The safe fix writes `sampler: tpe`; to search a grid, make every parameter a categorical or a stepped range in v2.",
    fixable="safe",
)
IMPLICIT_SAMPLER = define(
    "FT305", "implicit-sampler", "info",
    "No sampler (or `auto`): resolved from the space.",
    "sampler {written} resolves to {kind} ({reason})",
    old="`auto` (the default) chose GridSampler when every model parameter was a categorical list, else TPE.",
    now="The same choice, recorded in the IR.",
    fix="The safe fix writes the resolved sampler explicitly.",
    fixable="safe",
)
UNSUPPORTED_SAMPLER = define(
    "FT306", "unsupported-sampler", "error",
    "`binary` was nirs4all's own ternary-search sampler, which ftspec does not run.",
    "sampler {value!r} is not an Optuna sampler",
    old="BinarySearchSampler ignored `step` and `log` and drew categoricals at random.",
    now="The block is an error; the IR records TPE.",
    fix="Use `tpe`, or `grid` with stepped ranges for an exhaustive search.",
)
UNKNOWN_APPROACH = define(
    "FT307", "unknown-approach", "error",
    "An approach other than single, grouped or individual.",
    "unknown approach {value!r}: old runs trained and scored on the training set{hint}",
    old="Before 2026-02 any approach other than `grouped`/`individual` (e.g. `cross`) fell into the single branch "
    "with the validation set equal to the training set, so the search optimised the training score. "
    "nirs4all 1.4 raises.",
    now="The block is an error; the IR records `grouped`.",
    fix="The unsafe fix writes `approach: grouped` (cross-validated scoring).",
    fixable="unsafe",
)
SCORED_ON_TRAINING_SET = define(
    "FT308", "scored-on-training-set", "warning",
    "Before 2026-02, `single` (and any approach without folds) scored trials on the training data.",
    "approach {value!r}: nirs4all before 2026-02 scored trials on the training set; it now holds out {fraction:.0%} (seed {seed})",
    old="`single` trained and scored each trial on the same data (X_val = X_train). nirs4all 1.4 holds out 20% "
    "with `random_state=42`, ignoring groups.",
    now="A holdout of the training data with the fraction and seed shown (`validation` in the IR).",
    fix="Set `validation: {holdout_fraction: ..., seed: ...}` in a v2 block to choose the split.",
)
EVAL_MODE_AVG = define(
    "FT309", "eval-mode-avg", "warning",
    "`eval_mode: avg` is an alias of `mean`; before 2026-02 it summed the fold scores.",
    "eval_mode {value!r} means mean (nirs4all before 2026-02 summed the fold scores)",
    old="`avg`, `mean` and unknown values used `np.sum`: the same ranking as the mean only when every trial "
    "has the same number of folds; one failed fold (inf) poisoned it.",
    now="The mean of the fold scores.",
    fix="The safe fix writes `eval_mode: mean`.",
    fixable="safe",
)
ROBUST_BEST_IS_BEST = define(
    "FT334", "robust-best-is-best", "warning",
    "Legacy `eval_mode: robust_best` computed nirs4all's `best`, not a robust statistic.",
    "eval_mode {value!r} is nirs4all's best: the best fold that did not fail, not a robust score (the IR records "
    "nirs4all_best; v2's robust_best is a pessimistic quantile)",
    old="nirs4all 1.4.10's `_aggregate_scores` gives `robust_best` and `best` the same value: the direction-aware "
    "best of the finite fold scores (the worst value when every fold failed).",
    now="`nirs4all_best`, exactly nirs4all's value.",
    fix="Migration keeps the number (`eval_mode: nirs4all_best`); write `robust_best` in a v2 block for the 75th "
    "percentile of the fold scores when minimising (25th when maximising), or `best` for the best fold.",
)
UNKNOWN_EVAL_MODE = define(
    "FT310", "unknown-eval-mode", "error",
    "An eval_mode the dialect does not define.",
    "unknown eval_mode {value!r}{hint}",
    old="Before 2026-02 an unknown eval_mode summed the fold scores; nirs4all 1.4 raises (it knows best, mean, "
    "robust_best and the alias avg).",
    now="The block is an error; the IR records the mean (`nirs4all_mean` in a legacy block, `mean` in v2).",
    fix="v2: mean, median, best, robust_best, nirs4all_mean or nirs4all_best (docs/runtime.md); legacy: best, mean or robust_best.",
)
EVAL_MODE_UNUSED = define(
    "FT311", "eval-mode-unused", "info",
    "eval_mode has no effect with this approach.",
    "eval_mode {value!r} has no effect with approach {approach!r} (one score per trial)",
    old="Ignored without a word.",
    now="Ignored; the IR keeps the value.",
    fix="Remove `eval_mode`, or use `approach: grouped`.",
)
NON_CANONICAL_SPELLING = define(
    "FT312", "non-canonical-spelling", "info",
    "A value in a non-canonical spelling (case, spaces).",
    "{key} {value!r} is read as {canonical!r}",
    old="nirs4all 1.4 lowercases and strips these values; older releases compared them exactly and fell back "
    "to their defaults.",
    now="The canonical value.",
    fix="The safe fix writes the canonical spelling.",
    fixable="safe",
)
UNKNOWN_METRIC = define(
    "FT313", "unknown-metric", "error",
    "A metric that is not in the metric registry.",
    "unknown metric {value!r}{hint}",
    old="nirs4all 1.4 accepts any metric name, guesses `minimize`, then fails to evaluate it and scores every "
    "trial as inf, so the study returns an arbitrary trial.",
    now="The block is an error.",
    fix="Use a registry metric (see `ftlint --explain FT313` or the IR reference).",
)
DIRECTION_CONFLICT = define(
    "FT314", "direction-conflict", "error",
    "An explicit direction that contradicts the metric.",
    "direction {direction!r} contradicts metric {metric!r}, which is {expected}d",
    old="nirs4all used the explicit direction, optimising the metric the wrong way and returning the worst trial.",
    now="The block is an error; the IR uses the metric's direction.",
    fix="Remove `direction` (it follows from the metric) or fix the metric.",
)
METRIC_NOT_SET = define(
    "FT315", "metric-not-set", "warning",
    "No metric: the score was the model controller's default.",
    "no metric: nirs4all scored with {metric} ({task} default); compiled as metric {metric!r}",
    old="Without `metric`, nirs4all scored with the controller's loss: MSE for regressors, negative balanced "
    "accuracy for classifiers, always minimised. The task is guessed here from the model class.",
    now="The metric shown, with its direction.",
    fix="The safe fix writes `metric: {metric}`.",
    fixable="safe",
)
DIRECTION_WITHOUT_METRIC = define(
    "FT316", "direction-without-metric", "error",
    "A direction given without a metric maximised a loss.",
    "direction {direction!r} without metric: nirs4all {effect}",
    old="Without `metric` the score is a loss (MSE or negative balanced accuracy); an explicit `maximize` "
    "made the search pick the worst model.",
    now="The block is an error; the IR uses the default metric and its direction.",
    fix="Set `metric` (the direction follows from it) and remove `direction`.",
)
BAD_N_TRIALS = define(
    "FT317", "bad-n-trials", "error",
    "n_trials is not a positive integer.",
    "n_trials must be a positive integer, got {got}",
    old="nirs4all did not validate n_trials (`\"ten\"` passed validation and failed inside Optuna).",
    now="The block is an error; the IR records 50.",
    fix="Write a positive integer.",
)
UNKNOWN_PRUNER = define(
    "FT318", "unknown-pruner", "error",
    "A pruner that is not a pruner kind (or, in a legacy block, one nirs4all did not support).",
    "unknown pruner {value!r}{hint}",
    old="nirs4all 1.4 accepts none, median, successive_halving and hyperband and raises for anything else; "
    "before 2026-02 `pruner` was not read at all.",
    now="The block is an error; the IR records `none`.",
    fix="Use one of the pruner kinds of the v2 schema.",
)
SEED_NOT_SET = define(
    "FT319", "seed-not-set", "info",
    "No seed: nirs4all injected the run's random_state.",
    "no seed: nirs4all seeded the sampler with the run's random_state; the IR has none (not reproducible)",
    old="nirs4all 1.4 sets the sampler seed from the pipeline's runtime random_state when `seed` is absent.",
    now="No seed: trials are not reproducible.",
    fix="Set `seed`.",
)
PHASE_KEY_IGNORED = define(
    "FT320", "phase-key-ignored", "warning",
    "A phase key other than n_trials and sampler.",
    "phase key {key!r} is ignored",
    old="nirs4all read only `n_trials` and `sampler` (or `sample`) of a phase; other keys were dropped.",
    now="Ignored (legacy) or an error (v2, reported as unknown-key).",
    fix="Remove the key.",
)
N_TRIALS_WITH_PHASES = define(
    "FT321", "n-trials-with-phases", "warning",
    "Top-level n_trials does not match the phases.",
    "n_trials {n_trials} is ignored: the phases run {total} trials",
    old="With `phases`, nirs4all ignored the top-level n_trials without a word.",
    now="The study runs the sum of the phases' trials; in v2, n_trials must equal that sum.",
    fix="Remove n_trials or make it the sum of the phases.",
)
PHASE_SAMPLER_DEFAULT = define(
    "FT322", "phase-sampler-default", "info",
    "A phase without sampler runs TPE, not auto.",
    "phase without sampler runs tpe (phases default to tpe, not auto)",
    old="The phase sampler defaulted to `tpe` even where the top-level default `auto` would have chosen grid.",
    now="TPE.",
    fix="The safe fix writes `sampler: tpe` in the phase.",
    fixable="safe",
)
FORCE_PARAMS_UNKNOWN = define(
    "FT323", "force-params-unknown", "error",
    "A forced parameter that names no searched parameter.",
    "force_params key {key!r} names no searched {target} parameter",
    old="Optuna ignored enqueued values whose names were not suggested: the warm-start trial silently ran "
    "with sampled values instead.",
    now="The block is an error.",
    fix="Use the flattened parameter names of the space (train parameters under `train_params` in v2, "
    "`train_<name>` in a legacy block).",
)
FORCE_PARAMS_OUT_OF_DOMAIN = define(
    "FT324", "force-params-out-of-domain", "error",
    "A forced value outside its parameter's domain.",
    "force_params value {value!r} for {key!r} is outside {domain}",
    old="Optuna used an out-of-range enqueued value with only a UserWarning.",
    now="The block is an error.",
    fix="Use a value inside the parameter's range or choices.",
)
RESUME_WITHOUT_STORAGE = define(
    "FT325", "resume-without-storage", "warning",
    "resume or study_name without storage has no effect.",
    "{key} has no effect without storage (the study lives in memory)",
    old="nirs4all passed both to `optuna.create_study`. `resume` has no effect in memory; `study_name` names the "
    "in-memory study, which changes one thing: HyperbandPruner puts each trial in the bracket given by a hash of the "
    "study name and the trial number.",
    now="Ignored: the study gets Optuna's random name, so hyperband brackets differ from run to run and from nirs4all's.",
    fix="Set `storage`, or remove the key (with `pruner: hyperband`, set `storage` to keep the name).",
)
APPROACH_WITHOUT_FOLDS = define(
    "FT326", "approach-without-folds", "warning",
    "grouped/individual in a pipeline with no splitter before the model.",
    "approach {value!r} needs folds, but no splitter step precedes this model: nirs4all silently used a holdout",
    old="Without folds nirs4all 1.4 silently used the single holdout (20%, random_state=42) for every approach; "
    "before 2026-02 it trained and scored on the training set.",
    now="The IR keeps the approach; the runtime refuses a grouped study without folds.",
    fix="Add a splitter step (e.g. sklearn.model_selection.KFold) before the model, or use `approach: single`.",
)
VALIDATION_UNUSED = define(
    "FT327", "validation-unused", "warning",
    "`validation` is set but the approach is not `single`.",
    "validation is only used by approach 'single' (approach is {approach!r})",
    old="-",
    now="Ignored; the IR's validation is null.",
    fix="Remove `validation`, or use `approach: single`.",
)
UNKNOWN_DIRECTION = define(
    "FT328", "unknown-direction", "error",
    "A direction other than minimize or maximize.",
    "unknown direction {value!r}{hint}",
    old="nirs4all 1.4 raises; earlier releases ignored direction and minimised.",
    now="The block is an error; the IR uses the metric's direction.",
    fix="Use minimize or maximize, or remove it (it follows from the metric).",
)
METRIC_ALIAS = define(
    "FT329", "metric-alias", "info",
    "A metric written with an alias.",
    "metric {value!r} is read as {canonical!r}",
    old="Aliases were resolved by nirs4all's metric functions.",
    now="The canonical metric.",
    fix="The safe fix writes the canonical name.",
    fixable="safe",
)
GRID_WITH_TRAIN_PARAMS = define(
    "FT330", "grid-with-train-params", "warning",
    "Auto-grid with searched train_params crashed nirs4all.",
    "grid over model_params with searched train_params: nirs4all's GridSampler raised for {name!r}; the IR's grid includes it",
    old="nirs4all built the grid from model_params and listed train params as `train_<name>`, then GridSampler "
    "raised \"parameter name ... is not found in the given grid\" and the run aborted.",
    now="The grid covers every searched parameter.",
    fix="Nothing to do; old runs of this config crashed.",
)
SAMPLER_WITH_PHASES = define(
    "FT331", "sampler-with-phases", "warning",
    "A top-level sampler beside `phases` is never used.",
    "sampler {value!r} is ignored: each phase runs its own sampler",
    old="With `phases`, nirs4all built the top-level sampler and never used it.",
    now="The phases' samplers run; the IR's top-level sampler is the first phase's.",
    fix="Remove the top-level sampler, or make it the first phase's sampler.",
)
FINAL_FIT_DROPS_PARAMS = define(
    "FT332", "final-fit-drops-params", "warning",
    "Tuned values that nirs4all's final refit never applied.",
    "nirs4all's final fit dropped the tuned {names}: the refit model did not use them",
    old="After the study, nirs4all passed `best_params` under their Optuna names to the final fit, and the "
    "model factory kept only constructor arguments: tuned train parameters (`train_<name>`), nested groups "
    "(`a__b`) and sorted tuples (`name_0`, ...) were silently dropped, so the final model was not the one "
    "the search selected.",
    now="The IR carries every searched value with its target and path; ftspec's runtime refits with all of them.",
    fix="Nothing to change in the config; results of old runs came from a model without these values.",
)
GRID_WITH_DICT_CATEGORICAL = define(
    "FT333", "grid-with-dict-categorical", "info",
    "Grid chosen with mapping-form categoricals, which older releases did not accept for grid.",
    "grid over mapping-form categoricals: nirs4all before 2026-01 ran TPE for this block",
    old="Before 2026-01 the grid check accepted only plain lists; a `{type: categorical, choices: [...]}` "
    "parameter made `auto` (and `grid`) run TPE.",
    now="Grid, as nirs4all 1.4 runs it.",
    fix="Nothing to do; results of old runs came from TPE.",
)



# --------------------------------------------------------------------------- both dialects


def read_n_trials(lo: Lowering, node: Node | None, default: int) -> int:
    """`n_trials`: a positive integer (FT317 bad-n-trials otherwise, and the default is kept)."""
    if node is None:
        return default
    value = node.value if isinstance(node, Scalar) else None
    if is_int(value):
        count = int(value)  # type: ignore[arg-type]
        if count >= 1:
            return count
    lo.report(BAD_N_TRIALS, node, got=node_desc(node))
    return default


legacy_key("n_trials")(read_n_trials)
v2_key("n_trials")(read_n_trials)


def read_storage(lo: Lowering, *, nonempty_name: bool) -> Storage | None:
    """`storage`, `study_name` and `resume`; a name or resume without a storage URL is reported and dropped."""
    get = lo.block.get
    url_node, name_node, resume_node = get("storage"), get("study_name"), get("resume")
    url = None if url_node is None else read_str(lo, url_node, "storage", nullable=True)
    name = None if name_node is None else read_str(lo, name_node, "study_name", nullable=True, nonempty=nonempty_name)
    resume = False if resume_node is None else bool(read_bool(lo, resume_node, "resume"))
    if url is None:
        for key, value in (("study_name", name), ("resume", resume)):
            if value:
                lo.report(RESUME_WITHOUT_STORAGE, lo.block.require(key).key, key=key)
        return None
    return Storage(url=url, study_name=name, resume=resume)


def resolve_metric(
    lo: Lowering, metric_node: Node | None, direction_node: Node | None, *, default_metric: str | None,
    allow_alias: bool, normalize_direction: bool,
) -> tuple[str, str]:
    """(metric, direction); the direction comes from the registry and a conflict is a finding."""
    metric = default_metric or "rmse"
    if metric_node is not None:
        raw = read_str(lo, metric_node, "metric")
        if raw is not None:
            if raw in METRICS:
                metric = raw
            elif allow_alias and raw.strip().lower() in METRICS:
                metric = raw.strip().lower()
                lo.report(NON_CANONICAL_SPELLING, metric_node, replace_fix(metric_node, metric), key="metric", value=raw, canonical=metric)
            elif allow_alias and raw.strip().lower() in METRIC_ALIASES:
                metric = METRIC_ALIASES[raw.strip().lower()]
                lo.report(METRIC_ALIAS, metric_node, replace_fix(metric_node, metric), value=raw, canonical=metric)
            else:
                lo.report(UNKNOWN_METRIC, metric_node, value=raw, hint=did_you_mean(raw, list(METRICS) + list(METRIC_ALIASES)))
    expected = METRICS[metric].direction
    if direction_node is not None:
        raw = read_str(lo, direction_node, "direction")
        if raw is not None:
            direction = raw.strip().lower() if normalize_direction else raw
            if direction not in ("minimize", "maximize"):
                lo.report(UNKNOWN_DIRECTION, direction_node, value=raw, hint=did_you_mean(raw.strip(), ("minimize", "maximize")))
            elif direction != expected:
                if metric_node is None and default_metric is not None:
                    effect = (
                        f"maximised the {metric} loss, picking the worst trial" if direction == "maximize"
                        else f"minimised {metric}, picking the worst trial"
                    )
                    lo.report(DIRECTION_WITHOUT_METRIC, direction_node, direction=direction, effect=effect)
                else:
                    lo.report(DIRECTION_CONFLICT, direction_node, direction=direction, metric=metric, expected=expected)
            elif raw != direction:
                lo.report(NON_CANONICAL_SPELLING, direction_node, replace_fix(direction_node, direction), key="direction", value=raw, canonical=direction)
    return metric, expected


def check_forced(lo: Lowering, space: SpaceBuilder, target: str, name: str, key_node: Node, value_node: Node, into: dict[str, dict[str, Any]]) -> None:
    """Check one forced value against its parameter's domain and record it."""
    declared = space.declared(target, name)
    if declared is None:
        lo.report(FORCE_PARAMS_UNKNOWN, key_node, key=name, target=target)
        return
    value = to_python(value_node)
    domain = _domain_problem(declared, value)
    if domain is not None:
        lo.report(FORCE_PARAMS_OUT_OF_DOMAIN, value_node, value=value, key=name, domain=domain)
        return
    into[target][name] = value


def _domain_problem(entry: SpaceEntry, value: Any) -> str | None:
    if entry.kind == "categorical":
        return None if any(value == c and type(value) is type(c) for c in entry.choices) else f"the choices {entry.choices!r}"
    if entry.kind == "int":
        ok = is_int(value) and entry.low <= value <= entry.high and (value - entry.low) % entry.step == 0
        return None if ok else f"int range [{entry.low}, {entry.high}] step {entry.step}"
    if entry.kind == "float":
        ok = is_number(value) and entry.low <= value <= entry.high
        return None if ok else f"float range [{entry.low}, {entry.high}]"
    return None if isinstance(value, list) else "a list of numbers"


# --------------------------------------------------------------------------- v2 components


def read_options(lo: Lowering, spec: KindSpec, node: Node | None, owner: str, *, strict: bool) -> dict[str, Any]:
    """Options of a sampler/pruner with Optuna's defaults filled in; unknown or bad options are reported."""
    options = default_options(spec)
    if node is None:
        missing = [name for name, opt in spec.options.items() if opt.required]
        for name in missing:
            wrong_type(lo, lo.fields.get(owner, lo.block), f"{owner}.options.{name}", "set (required)", "nothing")
        return options
    if not isinstance(node, Mapping):
        wrong_type(lo, node, f"{owner}.options", "a mapping")
        return options
    for key, value in node.items():
        opt = spec.options.get(key)
        if opt is None:
            unknown_key(lo, node.require(key).key, key, did_you_mean(key, spec.options) or f" (options of this kind: {', '.join(spec.options) or 'none'})")
            continue
        read = _read_option(lo, opt, value, f"{owner}.options.{key}", strict=strict)
        if read is not _BAD:
            options[key] = read
    for name, opt in spec.options.items():
        if opt.required and name not in node:
            wrong_type(lo, node, f"{owner}.options.{name}", "set (required)", "nothing")
    return options


_BAD = object()


def _read_option(lo: Lowering, opt: OptionSpec, node: Node, key: str, *, strict: bool) -> Any:
    value = node.value if isinstance(node, Scalar) else _BAD
    if value is None and opt.nullable:
        return None
    if opt.type == "pruner":
        wrapped = lower_component(lo, node, PRUNERS, key, strict=strict)
        # Stored as plain JSON data: options are JSON values in the IR.
        return _BAD if wrapped is None else {"kind": wrapped.kind, "options": wrapped.options}
    if opt.type == "bool":
        ok = isinstance(value, bool)
        expected = "true or false"
    elif opt.type in ("int", "int_or_auto"):
        ok = is_int(value) or (opt.type == "int_or_auto" and value == "auto")
        expected = "an integer" + (" or 'auto'" if opt.type == "int_or_auto" else "")
        if is_int(value):
            ok = ok and _within(opt, value)  # type: ignore[arg-type]
    elif opt.type == "float":
        ok = is_number(value) and _within(opt, value)  # type: ignore[arg-type]
        expected = "a number"
    else:
        ok = isinstance(value, str) and (opt.choices is None or value in opt.choices)
        expected = "one of " + ", ".join(opt.choices) if opt.choices else "a string"
    if ok:
        if opt.type == "float":
            return float(value)  # type: ignore[arg-type]
        return int(value) if is_int(value) else value  # type: ignore[arg-type]
    if opt.minimum is not None:
        expected += f" >= {opt.minimum:g}"
    if opt.exclusive_minimum is not None:
        expected += f" > {opt.exclusive_minimum:g}"
    if opt.maximum is not None:
        expected += f" <= {opt.maximum:g}"
    if opt.nullable:
        expected += " or null"
    wrong_type(lo, node, key, expected)
    return _BAD


def _within(opt: OptionSpec, value: float) -> bool:
    return (
        (opt.minimum is None or value >= opt.minimum)
        and (opt.exclusive_minimum is None or value > opt.exclusive_minimum)
        and (opt.maximum is None or value <= opt.maximum)
    )


def lower_component(
    lo: Lowering, node: Node, table: dict[str, KindSpec], key: str, *, strict: bool
) -> ComponentSpec | None:
    """A v2 sampler/pruner: a kind string, or `{kind, options}`. None (reported) when invalid."""
    unknown = UNKNOWN_SAMPLER if table is SAMPLERS else UNKNOWN_PRUNER
    if isinstance(node, Scalar) and isinstance(node.value, str):
        if node.value not in table:
            lo.report(unknown, node, value=node.value, hint=did_you_mean(node.value, table))
            return None
        return ComponentSpec(node.value, read_options(lo, table[node.value], None, key, strict=strict))
    if not isinstance(node, Mapping):
        wrong_type(lo, node, key, "a kind name or {kind, options}")
        return None
    for k in node.keys():
        if k not in ("kind", "options"):
            unknown_key(lo, node.require(k).key, k, " (a sampler or pruner has `kind` and `options`)")
    kind_node = node.get("kind")
    if kind_node is None:
        wrong_type(lo, node, f"{key}.kind", "set", "nothing")
        return None
    kind = read_str(lo, kind_node, f"{key}.kind")
    if kind is None:
        return None
    if kind not in table:
        lo.report(unknown, kind_node, value=kind, hint=did_you_mean(kind, table))
        return None
    return ComponentSpec(kind, read_options(lo, table[kind], node.get("options"), key, strict=strict))


# --------------------------------------------------------------------------- legacy study keys

# nirs4all 1.4.10's sampler and pruner words: the registry kinds it builds, plus its own `auto` and `binary`.
LEGACY_SAMPLERS = ("auto", *(kind for kind, spec in SAMPLERS.items() if spec.legacy), "binary")
LEGACY_PRUNERS = tuple(kind for kind, spec in PRUNERS.items() if spec.legacy)
# The nirs4all 1.4.10 eval_mode words and the registry entry that computes each exactly.
LEGACY_EVAL_MODES = {word: name for name, spec in EVAL_MODES.items() for word in spec.legacy}
CLASSIFIER_NAMES = re.compile(
    r"(Classifier|SVC|LogisticRegression(CV)?|DiscriminantAnalysis|GaussianNB|MultinomialNB|BernoulliNB|"
    r"ComplementNB|CategoricalNB|PLSDA|PLS_DA|NearestCentroid|RidgeClassifierCV)$"
)


@legacy_key("seed")
def read_legacy_seed(lo: Lowering, node: Node | None) -> int | None:
    if node is None:
        lo.report(SEED_NOT_SET, lo.at("_key"))
        return None
    return read_int(lo, node, "seed", minimum=0, maximum=SEED_MAX, nullable=True)


@legacy_key("approach")
def read_legacy_approach(lo: Lowering, node: Node | None, has_folds: bool | None) -> str:
    """The approach (default grouped); `has_folds` says whether a splitter step precedes the model."""
    if node is None:
        approach = "grouped"
    else:
        token = legacy_token(node)
        if token in ("single", "grouped", "individual") and isinstance(node, Scalar):
            approach = token
            if node.value != token:
                lo.report(NON_CANONICAL_SPELLING, node, replace_fix(node, token), key="approach", value=node.value, canonical=token)
        else:
            value = to_python(node)
            fix = replace_fix(node, "grouped", "unsafe", "write approach: grouped (cross-validated scoring)") if token == "cross" else None
            lo.report(UNKNOWN_APPROACH, node, fix, value=value, hint=did_you_mean(token, ("single", "grouped", "individual")))
            return "grouped"
    if approach == "single":
        lo.report(SCORED_ON_TRAINING_SET, node, value=approach, fraction=0.2, seed=42)
    if approach != "single" and has_folds is False:
        lo.report(APPROACH_WITHOUT_FOLDS, node if node is not None else lo.at("_key"), value=approach)
    return approach


@legacy_key("eval_mode")
def read_legacy_eval_mode(lo: Lowering, node: Node | None, approach: str) -> str:
    """The registry entry that computes what nirs4all 1.4.10 computes for the word (default `best`)."""
    if node is None:
        return LEGACY_EVAL_MODES["best"]
    token = legacy_token(node)
    if token == "avg":
        lo.report(EVAL_MODE_AVG, node, replace_fix(node, "mean"), value=to_python(node))
        token = "mean"
    elif token in LEGACY_EVAL_MODES and isinstance(node, Scalar):
        if node.value != token:
            lo.report(NON_CANONICAL_SPELLING, node, replace_fix(node, token), key="eval_mode", value=node.value, canonical=token)
        if token == "robust_best":
            lo.report(ROBUST_BEST_IS_BEST, node, value=to_python(node))
    else:
        lo.report(UNKNOWN_EVAL_MODE, node, value=to_python(node), hint=did_you_mean(token, list(LEGACY_EVAL_MODES)))
        return LEGACY_EVAL_MODES["mean"]
    if approach != "grouped":
        lo.report(EVAL_MODE_UNUSED, node, value=token, approach=approach)
    return LEGACY_EVAL_MODES[token]


@legacy_key("metric", "direction")
def read_legacy_metric(lo: Lowering, node: Node | None, model_class: str | None) -> tuple[str, str]:
    """(metric, direction); without a metric, the model controller's default loss for the task
    guessed from `model_class` (FT315)."""
    task, default_metric = _task_default(model_class)
    metric, direction = resolve_metric(lo, node, lo.block.get("direction"), default_metric=default_metric, allow_alias=True, normalize_direction=True)
    if node is None:
        fix = Fix("safe", f"write metric: {default_metric}", (FixOp("insert_key", lo.block.pointer, key="metric", value=default_metric),))
        lo.report(METRIC_NOT_SET, lo.at("_key"), fix, metric=default_metric, task=task)
    return metric, direction


def _task_default(model_class: str | None) -> tuple[str, str]:
    name = (model_class or "").rsplit(".", 1)[-1]
    if CLASSIFIER_NAMES.search(name):
        return "classification", "balanced_accuracy"
    return "regression", "mse"


@legacy_key("pruner")
def read_legacy_pruner(lo: Lowering, node: Node | None) -> ComponentSpec:
    if node is None:
        return default_component("none", PRUNERS)
    token = legacy_token(node)
    if token not in LEGACY_PRUNERS or not isinstance(node, Scalar):
        hint = did_you_mean(token, LEGACY_PRUNERS) or " (nirs4all accepts none, median, successive_halving, hyperband)"
        lo.report(UNKNOWN_PRUNER, node, value=to_python(node), hint=hint)
        return default_component("none", PRUNERS)
    if node.value != token:
        lo.report(NON_CANONICAL_SPELLING, node, replace_fix(node, token), key="pruner", value=node.value, canonical=token)
    return default_component(token, PRUNERS)


@legacy_key("phases")
def read_legacy_phases(lo: Lowering, node: Node | None, params: list[ParamItem], n_trials: int) -> list[Phase]:
    """The phases (`params`: the model parameters as written, for nirs4all's grid check); FT321 when
    `n_trials` is written beside them."""
    if node is None:
        return []
    if not isinstance(node, Sequence) or not node.items:
        wrong_type(lo, node, "phases", "a non-empty list of phases")
        return []
    phases = []
    for item in mapping_items(lo, node, "phases[]", "a mapping {n_trials, sampler}"):
        for entry in item.entries:
            if entry.key.value not in ("n_trials", "sampler", "sample"):
                lo.report(PHASE_KEY_IGNORED, entry.key, key=entry.key.value)
        n_node = item.get("n_trials")
        if n_node is None:
            wrong_type(lo, item, "phases[].n_trials", "set", "nothing")
            continue
        n = read_int(lo, n_node, "phases[].n_trials", minimum=1)
        s_node = item.get("sampler") if "sampler" in item else item.get("sample")
        if s_node is None:
            fix = Fix("safe", "write sampler: tpe", (FixOp("insert_key", item.pointer, key="sampler", value="tpe"),))
            lo.report(PHASE_SAMPLER_DEFAULT, item, fix)
            sampler = default_component("tpe", SAMPLERS)
        else:
            token = legacy_token(s_node)
            if token in ("auto", "grid"):
                kind = "tpe" if _grid_unsuitable(lo, params) else "grid"
            elif token in ("tpe", "random", "cmaes"):
                kind = token
            elif token == "binary":
                lo.report(UNSUPPORTED_SAMPLER, s_node, value=to_python(s_node))
                kind = "tpe"
            else:
                lo.report(UNKNOWN_SAMPLER, s_node, value=to_python(s_node), hint=did_you_mean(token, LEGACY_SAMPLERS))
                kind = "tpe"
            sampler = default_component(kind, SAMPLERS)
        if n is not None:
            phases.append(Phase(n_trials=n, sampler=sampler))
    n_trials_node = lo.block.get("n_trials")
    if phases and n_trials_node is not None:
        lo.report(N_TRIALS_WITH_PHASES, n_trials_node, n_trials=n_trials, total=sum(p.n_trials for p in phases))
    return phases


@legacy_key("sampler")
def read_legacy_sampler(lo: Lowering, node: Node | None, space: SpaceBuilder, params: list[ParamItem], phases: list[Phase]) -> ComponentSpec:
    """The sampler (`sampler`, else `sample`); with `phases`, the first phase's. `auto` and `grid`
    resolve from the space (`params`: the model parameters as written, for nirs4all's grid check)."""
    block = lo.block
    if node is None:
        node = block.get("sample")
    if phases:
        if node is not None:
            lo.report(SAMPLER_WITH_PHASES, node, value=to_python(node))
        return phases[0].sampler
    if node is not None:
        lo.fields["sampler"] = node
    token = "auto" if node is None else legacy_token(node)
    if isinstance(node, Scalar) and token is not None and node.value != token:
        lo.report(NON_CANONICAL_SPELLING, node, replace_fix(node, token), key="sampler", value=node.value, canonical=token)
    grid_reason = _grid_unsuitable(lo, params)
    if node is None or token in ("auto", "grid"):
        kind = "tpe" if grid_reason else "grid"
        if node is not None and token == "grid" and grid_reason:
            lo.report(GRID_FALLBACK, node, replace_fix(node, "tpe"), reason=grid_reason)
        elif token == "auto":
            written = "(absent)" if node is None else repr(to_python(node))
            if node is None:
                fix = Fix("safe", f"write sampler: {kind}", (FixOp("insert_key", block.pointer, key="sampler", value=kind),))
            else:
                fix = replace_fix(node, kind)
            lo.report(IMPLICIT_SAMPLER, node if node is not None else lo.at("_key"), fix, written=written, kind=kind,
                      reason=grid_reason or "every model parameter is a categorical list")
        if kind == "grid":
            for entry in space.entries:
                if entry.target == "train":
                    lo.report(GRID_WITH_TRAIN_PARAMS, lo.node_at(entry.source.pointer), name=entry.name)
        return default_component(kind, SAMPLERS)
    if token in ("tpe", "random", "cmaes"):
        if token != "tpe":
            lo.report(SAMPLER_WAS_TPE, node, value=token)
        return default_component(token, SAMPLERS)
    if token == "binary":
        lo.report(UNSUPPORTED_SAMPLER, node, value=to_python(node))
    elif token in PRUNERS and token != "none":
        ops = [FixOp("replace_value", node.pointer, value="tpe")]
        if "pruner" not in block:
            ops.append(FixOp("insert_key", block.pointer, key="pruner", value=token))
        lo.report(PRUNER_AS_SAMPLER, node, Fix("unsafe", f"write sampler: tpe and pruner: {token}", tuple(ops)), value=token)
    else:
        lo.report(UNKNOWN_SAMPLER, node, value=to_python(node), hint=did_you_mean(token, LEGACY_SAMPLERS))
    return default_component("tpe", SAMPLERS)


def _grid_unsuitable(lo: Lowering, params: list[ParamItem]) -> str | None:
    """nirs4all's `_is_grid_search_suitable`, over the raw top-level model params and sampled train params."""
    values = [(k, n) for k, n, _ in params]
    train = lo.block.get("train_params")
    if isinstance(train, Mapping):
        values += [(f"train_{k}", v) for k, v in train.items() if train_sampable(v)]
    if not params:
        return "there are no model parameters"
    for key, node in values:
        if is_range_list(node):
            return f"{key!r} is a range"
        if isinstance(node, Mapping):
            t = node.get("type")
            if not (isinstance(t, Scalar) and t.value == "categorical"):
                return f"{key!r} is not a categorical"
            continue
        if not isinstance(node, Sequence):
            return f"{key!r} is not a list"
    return None


@legacy_key("storage", "study_name", "resume")
def read_legacy_storage(lo: Lowering, node: Node | None) -> Storage | None:
    return read_storage(lo, nonempty_name=False)


@legacy_key("force_params")
def read_legacy_force_params(lo: Lowering, node: Node | None, space: SpaceBuilder) -> list[ForcedTrial]:
    """One forced trial; a `train_<name>` key forces train parameter `name` when there is one."""
    forced = None if node is None else read_mapping(lo, node, "force_params", "a mapping of Optuna parameter names to values")
    if forced is None:
        return []
    values: dict[str, dict[str, Any]] = {"model": {}, "train": {}}
    for entry in forced.entries:
        key = str(entry.key.value)
        if key.startswith("train_") and space.declared("train", key[6:]) is not None:
            check_forced(lo, space, "train", key[6:], entry.key, entry.value, values)
        else:
            check_forced(lo, space, "model", key, entry.key, entry.value, values)
    return [ForcedTrial(model=values["model"], train=values["train"])]


def check_final_fit(lo: Lowering, space: SpaceBuilder, params: list[ParamItem], sampler: str) -> None:
    """What nirs4all's refit dropped (FT332), and grids that older releases ran as TPE (FT333)."""
    dropped = [
        f"train {e.name}" if e.target == "train" else e.name
        for e in space.entries
        if e.target == "train" or len(e.path) > 1 or e.kind == "sorted_tuple"
    ]
    if dropped:
        lo.report(FINAL_FIT_DROPS_PARAMS, lo.at("_key"), names=", ".join(dropped))
    if sampler == "grid" and any(isinstance(node, Mapping) for _, node, _ in params):
        lo.report(GRID_WITH_DICT_CATEGORICAL, lo.at("sampler", "_key"))


# --------------------------------------------------------------------------- v2 study keys

_INVALID = object()
"""What a v2 value reader returns for a value it reported."""


def read_carried_key(lo: Lowering, field: V2Field) -> Any:
    """The reader of every `carried` v2 key (`seed`, `approach`, ...): the value checked against its
    `V2Field` and carried as read; absent or invalid (reported), its default."""
    node = lo.block.get(field.name)
    if node is None:
        return field.default
    value = _read_v2_value(lo, node, field, field.name)
    return field.default if value is _INVALID else value


def _read_v2_value(lo: Lowering, node: Node, field: V2Field, key: str) -> Any:
    """The value of a key with a scalar shape, checked against its `V2Field`; `_INVALID` when reported."""
    if field.nullable and isinstance(node, Scalar) and node.value is None:
        return None
    if field.shape == "enum":
        return _read_v2_enum(lo, node, field)
    if field.shape == "int":
        value: Any = read_int(lo, node, key, minimum=field.minimum, maximum=field.maximum, nullable=field.nullable)  # type: ignore[arg-type]
    elif field.shape == "number":
        value = read_number(lo, node, key, exclusive_minimum=field.exclusive_minimum, minimum=field.minimum,
                            maximum=field.maximum, exclusive_maximum=field.exclusive_maximum, nullable=field.nullable)
        value = None if value is None else float(value)
    elif field.shape == "bool":
        value = read_bool(lo, node, key)
    else:
        value = read_str(lo, node, key, nullable=field.nullable, nonempty=field.nonempty)
    # A nullable key's null returned above: None from a reader is a reported bad value.
    return _INVALID if value is None else value


def _read_v2_enum(lo: Lowering, node: Node, field: V2Field) -> Any:
    choices = field.choices or {}
    if isinstance(node, Scalar) and node.value in choices:
        return node.value
    value = node.value if isinstance(node, Scalar) else node_desc(node)
    # approach and eval_mode have a finding of their own for a value outside their vocabulary
    unknown_value = {"approach": UNKNOWN_APPROACH, "eval_mode": UNKNOWN_EVAL_MODE}.get(field.name)
    if unknown_value is None:
        wrong_type(lo, node, field.name, "one of " + ", ".join(choices))
    else:
        lo.report(unknown_value, node, value=value, hint=did_you_mean(value, choices))
    return _INVALID


@v2_key("metric", "direction")
def read_v2_objectives(lo: Lowering, node: Node | None, eval_mode: str) -> list[Objective]:
    """`metric` (one name or a list) and `direction` (one, or a list of the same length): one objective per metric.

    Each direction comes from the metric registry; a written one that disagrees is FT303-style
    `direction-conflict` (at the list item); a list of the wrong length is FT429 (a study check,
    which reads the written list), and the registry's directions are used.
    """
    metric_node, direction_node = node, lo.block.get("direction")
    if metric_node is None:
        wrong_type(lo, lo.block, "metric", "set (v2 requires a metric)", "nothing")
    if not isinstance(metric_node, Sequence):
        if isinstance(direction_node, Sequence):
            wrong_type(lo, direction_node, "direction", "minimize or maximize (one metric has one direction)", "a list")
            direction_node = None
        metric, direction = resolve_metric(lo, metric_node, direction_node, default_metric=None, allow_alias=False, normalize_direction=False)
        return [_objective(metric, direction, eval_mode)]
    if not metric_node.items:
        wrong_type(lo, metric_node, "metric", "a metric or a non-empty list of metrics", "an empty list")
        return [_objective("rmse", "minimize", eval_mode)]
    directions: list[Node | None] = [None] * len(metric_node.items)
    if isinstance(direction_node, Sequence):
        for i, item in enumerate(direction_node.items[: len(directions)]):
            directions[i] = item
    elif direction_node is not None:
        wrong_type(lo, direction_node, "direction", "a list of directions, one per metric")
    objectives: list[Objective] = []
    seen: set[str] = set()
    for item, dir_node in zip(metric_node.items, directions):
        metric, direction = resolve_metric(lo, item, dir_node, default_metric=None, allow_alias=False, normalize_direction=False)
        if metric in seen:
            wrong_type(lo, item, "metric", "distinct metrics (each is one objective)", f"{metric!r} twice")
            continue
        seen.add(metric)
        objectives.append(_objective(metric, direction, eval_mode))
    return objectives


def _objective(metric: str, direction: str, eval_mode: str) -> Objective:
    return Objective(metric=metric, direction=direction, eval_quantile=EVAL_MODES[eval_mode].quantile_for(direction))  # type: ignore[arg-type]


@v2_key("select")
def read_v2_select(lo: Lowering, node: Node | None, objectives: list[Objective]) -> Select:
    """`select: {objective: METRIC}`; omitted: the first objective. A metric that is not an objective is FT431 (a study check)."""
    default = Select(objective=objectives[0].metric)
    mapping = read_keyed_mapping(lo, node, "select", names(SELECT_FIELDS))
    if mapping is None:
        return default
    objective = mapping.get("objective")
    if objective is None:
        wrong_type(lo, mapping, "select.objective", "set (the metric of an objective)", "nothing")
        return default
    name = read_str(lo, objective, "select.objective")
    if name is None or name not in {o.metric for o in objectives}:
        return default  # reported by FT431 (select-unknown-objective) when it is a string
    return Select(objective=name)


@v2_key("sampler")
def read_v2_sampler(lo: Lowering, node: Node | None) -> ComponentSpec:
    default = default_component(V2_FIELDS_BY_NAME["sampler"].default, SAMPLERS)
    if node is None:
        return default
    return lower_component(lo, node, SAMPLERS, "sampler", strict=True) or default


@v2_key("pruner")
def read_v2_pruner(lo: Lowering, node: Node | None) -> ComponentSpec:
    default = default_component(V2_FIELDS_BY_NAME["pruner"].default, PRUNERS)
    if node is None:
        return default
    return lower_component(lo, node, PRUNERS, "pruner", strict=True) or default


def tpe_for_several_objectives(lo: Lowering, sampler: ComponentSpec, phases: list[Phase]) -> tuple[ComponentSpec, list[Phase]]:
    """The study's sampler and phases of a study of several objectives: Optuna 5's TPE default
    `multivariate=None` is false for several objectives (true when `group` is), and the IR records
    that resolved value unless the config wrote `multivariate`."""
    sampler = _tpe_several_objectives(sampler, lo.block.get("sampler"))
    phases = [Phase(n_trials=p.n_trials, sampler=_tpe_several_objectives(p.sampler, _phase_sampler_node(lo, i)))
              for i, p in enumerate(phases)]
    if phases:
        sampler = phases[0].sampler
    return sampler, phases


def _phase_sampler_node(lo: Lowering, index: int) -> Node | None:
    phases = lo.block.get("phases")
    if isinstance(phases, Sequence) and index < len(phases.items):
        item = phases.items[index]
        if isinstance(item, Mapping):
            return item.get("sampler")
    return None


def _tpe_several_objectives(spec: ComponentSpec, node: Node | None) -> ComponentSpec:
    if spec.kind != "tpe":
        return spec
    options = node.get("options") if isinstance(node, Mapping) else None
    if isinstance(options, Mapping) and "multivariate" in options:
        return spec
    return ComponentSpec(spec.kind, {**spec.options, "multivariate": bool(spec.options.get("group"))})


@v2_key("validation")
def read_v2_validation(lo: Lowering, node: Node | None, approach: str, seed: int | None) -> Validation | None:
    mapping = read_keyed_mapping(lo, node, "validation", names(VALIDATION_FIELDS))
    if mapping is not None and approach != "single":
        lo.report(VALIDATION_UNUSED, lo.block.require("validation").key, approach=approach)
    if approach != "single":
        return None
    fraction_field, seed_field = VALIDATION_FIELDS
    fraction, split_seed = fraction_field.default, seed
    if mapping is not None:
        fraction_node = mapping.get("holdout_fraction")
        if fraction_node is not None:
            read = _read_v2_value(lo, fraction_node, fraction_field, "validation.holdout_fraction")
            fraction = fraction if read is _INVALID else read
        seed_node = mapping.get("seed")
        if seed_node is not None:
            # Omitted, the split takes the study's seed; written but invalid, no seed (a fresh split).
            read = _read_v2_value(lo, seed_node, seed_field, "validation.seed")
            split_seed = None if read is _INVALID else read
    return Validation(holdout_fraction=float(fraction), seed=split_seed)


@v2_key("storage", "study_name", "resume")
def read_v2_storage(lo: Lowering, node: Node | None) -> Storage | None:
    return read_storage(lo, nonempty_name=True)


@v2_key("failure_policy")
def read_v2_failure_policy(lo: Lowering, node: Node | None) -> FailurePolicy:
    mapping = read_keyed_mapping(lo, node, "failure_policy", names(FAILURE_POLICY_FIELDS))
    values = {f.name: f.default for f in FAILURE_POLICY_FIELDS}
    if mapping is not None:
        for f in FAILURE_POLICY_FIELDS:
            value_node = mapping.get(f.name)
            if value_node is not None:
                read = _read_v2_value(lo, value_node, f, f"failure_policy.{f.name}")
                values[f.name] = f.default if read is _INVALID else read
    return FailurePolicy(**values)


@v2_key("tracking")
def read_v2_tracking(lo: Lowering, node: Node | None, study_id: str) -> Tracking | None:
    """`tracking: {mlflow: {tracking_uri, experiment}}`; null or absent: none. The experiment defaults to the study id."""
    if node is None or (isinstance(node, Scalar) and node.value is None):
        return None
    mapping = read_keyed_mapping(lo, node, "tracking", names(TRACKING_FIELDS))
    if mapping is None:
        return None
    mlflow = mapping.get("mlflow")
    if mlflow is None:
        wrong_type(lo, mapping, "tracking.mlflow", "set (the tracking backend)", "nothing")
        return None
    if not isinstance(mlflow, Mapping):
        wrong_type(lo, mlflow, "tracking.mlflow", "a mapping {tracking_uri, experiment}")
        return None
    check_known_keys(lo, mlflow, names(MLFLOW_FIELDS))
    uri_field, experiment_field = MLFLOW_FIELDS
    uri_node, experiment_node = mlflow.get("tracking_uri"), mlflow.get("experiment")
    if uri_node is None:
        wrong_type(lo, mlflow, "tracking.mlflow.tracking_uri", "set (the MLflow tracking URI)", "nothing")
        return None
    uri = _read_v2_value(lo, uri_node, uri_field, "tracking.mlflow.tracking_uri")
    experiment = study_id if experiment_node is None else _read_v2_value(lo, experiment_node, experiment_field, "tracking.mlflow.experiment")
    if uri is _INVALID or experiment is _INVALID:
        return None
    return Tracking(mlflow=MlflowTracking(tracking_uri=uri, experiment=experiment))


@v2_key("phases")
def read_v2_phases(lo: Lowering, node: Node | None, n_trials: int) -> list[Phase]:
    """`phases: [{n_trials, sampler}, ...]`. With phases, a written `sampler` is FT331 and a
    written `n_trials` other than the phases' sum FT321 (the phases decide both)."""
    if node is None:
        return []
    if not isinstance(node, Sequence):
        wrong_type(lo, node, "phases", "a list of {n_trials, sampler}")
        return []
    phases = []
    n_trials_field = PHASE_FIELDS[0]
    for item in mapping_items(lo, node, "phases[]", "a mapping {n_trials, sampler}"):
        check_known_keys(lo, item, names(PHASE_FIELDS))
        n_node = item.get("n_trials")
        n = _read_v2_value(lo, n_node, n_trials_field, "phases[].n_trials") if n_node is not None else _INVALID
        if n_node is None:
            wrong_type(lo, item, "phases[].n_trials", "set", "nothing")
        sampler = default_component(V2_FIELDS_BY_NAME["sampler"].default, SAMPLERS)
        sampler_node = item.get("sampler")
        if sampler_node is None:
            wrong_type(lo, item, "phases[].sampler", "set (each phase names its sampler)", "nothing")
        else:
            sampler = lower_component(lo, sampler_node, SAMPLERS, "phases[].sampler", strict=True) or sampler
        if n is not _INVALID:
            phases.append(Phase(n_trials=n, sampler=sampler))
    if phases:
        study_sampler = lo.block.get("sampler")
        if study_sampler is not None:
            lo.report(SAMPLER_WITH_PHASES, study_sampler, value=to_python(study_sampler))
        total = sum(p.n_trials for p in phases)
        n_trials_node = lo.block.get("n_trials")
        if n_trials_node is not None and n_trials != total:
            lo.report(N_TRIALS_WITH_PHASES, n_trials_node, n_trials=n_trials, total=total)
    return phases


@v2_key("force_params")
def read_v2_force_params(lo: Lowering, node: Node | None, space: SpaceBuilder) -> list[ForcedTrial]:
    if node is None:
        return []
    if not isinstance(node, Sequence):
        wrong_type(lo, node, "force_params", "a list of {model_params, train_params}")
        return []
    trials = []
    forced_keys = names(FORCED_TRIAL_FIELDS)
    for item in mapping_items(lo, node, "force_params[]", "a mapping {model_params, train_params}"):
        values: dict[str, dict[str, Any]] = {"model": {}, "train": {}}
        for entry in item.entries:
            if entry.key.value not in forced_keys:
                unknown_key(lo, entry.key, entry.key.value, did_you_mean(entry.key.value, forced_keys))
                continue
            target = entry.key.value.removesuffix("_params")  # `model` or `train`
            if not isinstance(entry.value, Mapping):
                wrong_type(lo, entry.value, f"force_params[].{entry.key.value}", "a mapping")
                continue
            for name_entry in entry.value.entries:
                check_forced(lo, space, target, name_entry.key.value, name_entry.key, name_entry.value, values)
        trials.append(ForcedTrial(model=values["model"], train=values["train"]))
    return trials
