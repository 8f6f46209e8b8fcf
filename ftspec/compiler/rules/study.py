"""FT3xx: sampler, pruner, approach, evaluation, metric and budget."""

from ftspec.compiler.diagnostics import define

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
