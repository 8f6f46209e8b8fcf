"""FT4xx: behaviours of Optuna 5 that would silently change (or break) what a compiled study says.

Each rule has one `@study_check` that reads the resolved `Study` IR and reports through the
context, at the node the user wrote (a space entry, `sampler:`, `pruner:`, `storage:` ...).

Every behaviour encoded here was checked against the Optuna 5.0.0 source:

- `distributions.py`: `_adjust_discrete_uniform_high` / `_adjust_int_uniform_high` shrink `high`
  with only a warning; `FloatDistribution`/`IntDistribution` raise for `low > high`, `log` with
  `low <= 0` (int: `low < 1`), `log` with a float step or an int step other than 1;
  `CategoricalDistribution` warns for choices that are not None/bool/int/float/str and maps a value
  back to its index with `choices.index` (so `1`, `1.0` and `True` are one choice to it).
- `samplers/_cmaes.py`: categorical and dynamic parameters go to the independent sampler
  (RandomSampler); when the intersection search space changes after CMA-ES started, *every*
  parameter falls back to it; option combinations that raise in `__init__`.
- `samplers/_tpe/sampler.py`: `n_startup_trials` counts COMPLETE and PRUNED trials; with
  `multivariate=True, group=False` parameters outside the intersection search space are sampled by
  univariate TPE (the log message is off by default in 5.0); `group=True` with `multivariate=False`
  raises.
- `samplers/_gp/sampler.py`, `samplers/_qmc.py`: intersection / first-trial search space, dynamic
  parameters sampled independently; GP's `n_startup_trials` counts COMPLETE trials.
- `samplers/_grid.py`: value lists per parameter, `itertools.product` of all of them built and
  shuffled in `__init__`, `study.stop()` once every combination is finished, `ValueError` for a
  parameter missing from the grid or for an enqueued trial that does not fix every parameter,
  re-evaluation in concurrent or resumed runs.
- `samplers/_brute_force.py`: `ValueError` for a float without step; `study.stop()` when the tree
  is exhausted.
- `study/_optimize.py`: `n_jobs != 1` calls `sampler.reseed_rng()` in every worker thread.
- `pruners/_hyperband.py`: brackets from `crc32(f"{study_name}_{trial.number}")`; an unnamed study
  gets a random `no-name-<uuid>` name (`storages/_in_memory.py`, RDB and journal storages alike).
- `pruners/_percentile.py` (MedianPruner) and the others: a trial that reported no intermediate value
  (`trial.last_step is None`) is never pruned.
- `storages/__init__.py`: a URL string is an SQLAlchemy URL for RDBStorage (`redis...` raises).

This module must not import optuna: the linter runs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator

from ftspec.compiler.distributions import adjusted_high
from ftspec.compiler.checks import Lowering, study_check
from ftspec.compiler.diagnostics import Fix, FixOp, define
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence
from ftspec.ir import (
    CategoricalParam,
    ComponentSpec,
    ElementSpec,
    FloatParam,
    IntParam,
    SortedTupleParam,
    SpaceEntry,
    Study,
)
from ftspec.schema.metrics import METRICS
from ftspec.schema.vocab import PRUNERS, SAMPLERS

# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------

STEP_DOES_NOT_DIVIDE_RANGE = define(
    "FT401", "step-does-not-divide-range", "warning",
    "A step that does not divide high - low: Optuna silently lowers high.",
    "{what} [{low}, {high}] with step {step}: high - low = {span} is not a multiple of {step}, so Optuna searches "
    "[{low}, {adjusted}]",
    old="Optuna's IntDistribution/FloatDistribution replace `high` with the largest `low + k * step` not above it "
    "(`_adjust_int_uniform_high`, `_adjust_discrete_uniform_high`, computed in decimal for floats) and only emit "
    "a UserWarning at every suggestion; the written `high` is never sampled.",
    now="The range Optuna actually searches, with the lowered `high` shown in the message.",
    fix="Write the lowered `high` (the safe fix does, when the range is written as a mapping), or change `low` or "
    "`step` so that `high - low` is a multiple of `step`.",
    fixable="safe",
)
LOG_WITH_NON_POSITIVE_LOW = define(
    "FT402", "log-with-non-positive-low", "error",
    "A log-scale range whose low is not positive.",
    "{what} is on a log scale but low is {low}: Optuna requires {requirement}",
    old="Optuna raises ValueError at the first suggestion (`low > 0` must hold for a log float, `low >= 1` for a "
    "log int), so every trial of the study fails.",
    now="The study cannot run.",
    fix="Raise `low` above 0 (at least 1 for an int), or drop `log`.",
)
LOG_WITH_STEP = define(
    "FT403", "log-with-step", "error",
    "A log-scale range with a step.",
    "{what} is on a log scale with step {step}: Optuna {requirement}",
    old="Optuna raises ValueError at the first suggestion: a log float takes no step, and a log int only step 1.",
    now="The study cannot run.",
    fix="Remove `step` (or set it to 1 for an int), or drop `log`.",
)
LOW_GREATER_THAN_HIGH = define(
    "FT404", "low-greater-than-high", "error",
    "A range whose low is above its high.",
    "{what} has low {low} > high {high}: Optuna raises ValueError",
    old="Optuna raises ValueError (`low <= high` must hold) at the first suggestion, so every trial fails.",
    now="The study cannot run.",
    fix="Swap the bounds, or fix the one that is wrong.",
)
CMAES_CATEGORICAL = define(
    "FT405", "cmaes-categorical", "warning",
    "CmaEsSampler does not model categorical parameters.",
    "{sampler}: categorical {param!r} is not modelled by CMA-ES; RandomSampler draws it independently in every trial",
    old="CmaEsSampler leaves CategoricalDistribution out of its search space and samples those parameters with its "
    "independent sampler (RandomSampler), logging a warning per parameter and trial.",
    now="The parameter is searched at random; CMA-ES optimises only the numeric parameters, ignoring how they "
    "interact with this one.",
    fix="Use `tpe` or `gp` (both model categoricals), or turn the parameter into a stepped int range if its values "
    "are ordered.",
)
CONDITIONAL_SPACE_INDEPENDENT_SAMPLING = define(
    "FT406", "conditional-space-independent-sampling", "warning",
    "CMA-ES, GP and QMC do not model parameters that are not sampled in every trial.",
    "{sampler}: {param!r} is {why}, so {effect}",
    old="CmaEsSampler and GPSampler model the intersection of the parameters of all finished trials, and "
    "QMCSampler the parameters of the study's first trial; a parameter outside it is drawn by RandomSampler. "
    "For CMA-ES it is worse: once the intersection shrinks after a generation has completed, the stored "
    "optimiser's dimension no longer matches and every parameter of every later trial is drawn at random.",
    now="The parameter is searched at random (and, with CMA-ES, possibly the whole space).",
    fix="Use `tpe` with `options: {group: true}` (or `random`/`bruteforce`) for a conditional space, or make the "
    "parameter unconditional (a fixed-length sorted_tuple, no `when`).",
)
TPE_MULTIVARIATE_CONDITIONAL = define(
    "FT407", "tpe-multivariate-conditional-space", "warning",
    "Multivariate TPE without group sampling models only the parameters present in every trial.",
    "{sampler} has multivariate=true and group=false, but {params} {verb} not sampled in every trial: {pronoun} "
    "{verb} sampled by univariate TPE, outside the joint model",
    old="TPESampler (multivariate by default since Optuna 5) builds its joint model on the intersection of the "
    "parameters of all finished trials; the others fall back to independent TPE. The warning Optuna used to log "
    "for it is off by default in 5.0 (`warn_independent_sampling` is deprecated).",
    now="Conditional parameters are modelled one by one, without their dependence on the others.",
    fix="Set `group: true` in the sampler options (the fix does it; it changes the sampler, so it is unsafe): TPE "
    "then models each group of parameters that appear together.",
    fixable="unsafe",
)
TPE_GROUP_WITHOUT_MULTIVARIATE = define(
    "FT408", "tpe-group-without-multivariate", "error",
    "TPE with group=true and multivariate=false.",
    "{sampler} has group=true but multivariate=false: TPESampler raises ValueError",
    old="TPESampler's constructor raises \"``group`` option can only be enabled when ``multivariate`` is enabled.\"",
    now="The study cannot start.",
    fix="Set `multivariate: true`, or `group: false`.",
)
CMAES_INCOMPATIBLE_OPTIONS = define(
    "FT409", "cmaes-incompatible-options", "error",
    "CmaEsSampler options that cannot be combined.",
    "{sampler} sets {options}: CmaEsSampler raises ValueError",
    old="CmaEsSampler's constructor raises for `lr_adapt` with `use_separable_cma` or `with_margin`, and for "
    "`use_separable_cma` with `with_margin`.",
    now="The study cannot start.",
    fix="Keep at most one of `lr_adapt`, `use_separable_cma`, `with_margin`.",
)
EXHAUSTIVE_CONTINUOUS_PARAMETER = define(
    "FT410", "exhaustive-continuous-parameter", "error",
    "grid and bruteforce need a finite set of values for every parameter.",
    "{sampler}: {param!r} is {why}, which has no finite list of values",
    old="GridSampler takes a value list per parameter and raises ValueError (\"not found in the given grid\") for a "
    "parameter that has none; BruteForceSampler raises \"FloatDistribution.step must be given\".",
    now="The study cannot run.",
    fix="Give the float a `step` (or list its values as a categorical), or use another sampler.",
)
GRID_CONDITIONAL_SPACE = define(
    "FT411", "grid-conditional-space", "error",
    "GridSampler cannot search a conditional space.",
    "grid sampler: {param!r} is {why}; GridSampler needs one fixed set of parameters",
    old="GridSampler works on one fixed product of value lists: a parameter left out of the grid raises "
    "ValueError when it is suggested, and a parameter in the grid multiplies every combination, evaluating "
    "the same configuration again for each of its values whenever it is inactive.",
    now="The block is an error: the grid cannot express this space.",
    fix="Use `bruteforce`, which enumerates conditional spaces, or remove the condition.",
)
EXHAUSTIVE_SPACE_SMALLER = define(
    "FT412", "exhaustive-space-smaller-than-n-trials", "warning",
    "An exhaustive sampler runs out of combinations before n_trials.",
    "{sampler}: the space has {size} combinations for {trials} sampled trials; Optuna stops {scope} after {size}",
    old="GridSampler and BruteForceSampler call `study.stop()` once every combination has been evaluated, so the "
    "optimisation ends early without error and fewer than n_trials trials run.",
    now="The study (or phase) ends when the space is exhausted.",
    fix="Lower `n_trials` to the number of combinations, or widen the space.",
)
EXHAUSTIVE_SPACE_LARGER = define(
    "FT413", "exhaustive-space-larger-than-n-trials", "info",
    "An exhaustive sampler visits only part of its space.",
    "{sampler}: the space has {size} combinations but only {trials} trials are sampled; a random subset is evaluated",
    old="GridSampler shuffles its combinations (seeded by `seed`, else 0) and BruteForceSampler picks unvisited "
    "branches at random, so n_trials below the space size evaluates a random subset.",
    now="A random subset of the combinations.",
    fix="Raise `n_trials` to the number of combinations to search them all, or narrow the space.",
)
GRID_TOO_LARGE = define(
    "FT414", "grid-too-large-to-enumerate", "warning",
    "The grid has so many combinations that building it exhausts memory.",
    "grid sampler: {size} combinations; GridSampler builds and shuffles the list of all of them when it is created",
    old="GridSampler's constructor materialises `list(itertools.product(...))` over every value list and shuffles "
    "it, whatever n_trials is: past a few million combinations it takes minutes and gigabytes before the first "
    "trial.",
    now="Reported above 10,000,000 combinations.",
    fix="Use `random`, `qmc` or `tpe` with stepped ranges, or coarsen the steps.",
)
GRID_PARALLEL_DUPLICATES = define(
    "FT415", "grid-parallel-duplicates", "info",
    "A grid searched by several workers or resumed from storage can repeat combinations.",
    "grid sampler with {reason}: combinations can be evaluated more than once",
    old="Optuna's GridSampler notes that \"different workers will occasionally suggest the same parameter "
    "configuration\", and re-evaluates a random combination (\"the grid has been exhausted\") when trials start "
    "after every combination was taken, e.g. when a finished study is resumed.",
    now="Duplicate trials may occur; they count towards n_trials.",
    fix="Nothing to do if duplicates are acceptable; otherwise run the grid with n_jobs 1 and a fresh study.",
)
GRID_FORCED_TRIAL_INCOMPLETE = define(
    "FT416", "grid-forced-trial-incomplete", "error",
    "A forced trial of a grid study that does not fix every parameter.",
    "force_params #{index} does not set {params}: GridSampler raises ValueError for an enqueued trial that does not "
    "fix every parameter",
    old="GridSampler assigns no grid point to an enqueued trial and raises \"All parameters must be specified when "
    "using GridSampler with enqueue_trial\" when it is asked for a missing one.",
    now="The study fails at that forced trial.",
    fix="Give every searched parameter a value in the forced trial, or use another sampler.",
)
STARTUP_COVERS_ALL_TRIALS = define(
    "FT417", "startup-covers-all-trials", "warning",
    "n_startup_trials is at least the number of trials: the sampler never leaves its random start.",
    "{sampler} has n_startup_trials={n_startup} but {scope} ends at trial {end}: every trial is drawn by "
    "RandomSampler and the {model} is never used",
    old="TPESampler, GPSampler and CmaEsSampler draw a trial at random while fewer than n_startup_trials trials "
    "have finished (COMPLETE or PRUNED for TPE, COMPLETE for GP and CMA-ES); trials of earlier phases count.",
    now="A random search under another name.",
    fix="Lower `n_startup_trials` well below n_trials, raise `n_trials`, or use `random` explicitly.",
)
CMAES_NO_GENERATION = define(
    "FT418", "cmaes-no-generation-completes", "warning",
    "CMA-ES never completes a generation within the trial budget.",
    "{sampler}: only {cma_trials} trial(s) are sampled by CMA-ES but its population is {popsize}: no generation "
    "completes, so CMA-ES never updates its distribution",
    old="CmaEsSampler updates its search distribution only after a whole generation (popsize trials, "
    "4 + floor(3 ln(dimension)) by default) has completed; until then every trial is drawn around the centre "
    "of the space with the initial step size.",
    now="The CMA-ES trials are draws from the initial Gaussian; nothing is learned.",
    fix="Raise `n_trials` above n_startup_trials + popsize (several generations), lower `popsize`, or use `tpe`.",
)
PRUNER_CANNOT_PRUNE = define(
    "FT419", "pruner-cannot-prune", "warning",
    "A pruner in a study where no trial can report two intermediate steps.",
    "pruner {pruner!r} never prunes: {reason}, and no train_params.epochs trains it in steps",
    old="Optuna pruners only decide from values reported with `trial.report(value, step)` and compare trials at the "
    "same step. nirs4all reported the running aggregate after each fold only for `grouped` studies, so a pruner "
    "under `single` or `individual` did nothing.",
    now="The pruner is kept in the IR but has nothing to act on. Under `grouped` ftspec, like nirs4all, reports the "
    "running aggregate after each fold (step = fold index) and asks the pruner; an incremental model reports each epoch.",
    fix="Use `pruner: none`; or `approach: grouped` with a splitter of several folds; or train in steps "
    "(`train_params.epochs` with a model that has `partial_fit`).",
)
SEED_WITH_PARALLEL_JOBS = define(
    "FT420", "seed-with-parallel-jobs", "warning",
    "A seed with n_jobs > 1 does not make the study reproducible.",
    "seed {seed} with n_jobs {n_jobs}: Optuna reseeds the sampler in every worker thread, so the trials are not "
    "reproducible",
    old="`study.optimize(n_jobs != 1)` calls `sampler.reseed_rng()` in each worker, replacing the seeded random state "
    "with a fresh one; trial order also depends on thread timing. Optuna's docs: results can hardly be "
    "reproduced with n_jobs != 1.",
    now="The seed only fixes the start; the study is not reproducible.",
    fix="Use n_jobs 1 when reproducibility matters, or drop the seed.",
)
HYPERBAND_WITHOUT_STUDY_NAME = define(
    "FT421", "hyperband-without-study-name", "info",
    "HyperbandPruner assigns brackets from the study name, which is random unless fixed.",
    "hyperband pruner with seed {seed} but no fixed study_name: brackets are drawn from a random study name, so "
    "pruning is not reproducible",
    old="HyperbandPruner puts trial n in the bracket given by crc32(f\"{study_name}_{n}\"); a study created without "
    "a name gets `no-name-<uuid4>`, different on every run (Optuna FAQ: specify study_name for reproducible "
    "Hyperband).",
    now="The bracket of each trial changes from run to run even with a seed.",
    fix="Set `storage` and `study_name`.",
)
SQLITE_WITH_PARALLEL_JOBS = define(
    "FT422", "sqlite-with-parallel-jobs", "warning",
    "SQLite storage with parallel trials.",
    "SQLite storage with n_jobs {n_jobs}: SQLite is not meant for parallel optimisation",
    old="Optuna's FAQ advises against SQLite for parallel optimisation: it has no `SELECT ... FOR UPDATE`, handles "
    "concurrent writers poorly (\"database is locked\") and is unsafe on network file systems.",
    now="Parallel trials write to one SQLite file; some may fail on lock errors.",
    fix="Use `journal:///path.log` (a JournalStorage file) for parallel workers on one machine, or PostgreSQL/MySQL.",
)
UNKNOWN_STORAGE_SCHEME = define(
    "FT423", "unknown-storage-scheme", "error",
    "A storage URL that neither Optuna nor ftspec can open.",
    "storage {url!r}: {problem}",
    old="Optuna passes any URL string to SQLAlchemy (RDBStorage), which fails when the study is created: an unknown "
    "dialect (`postgres://` included, removed in SQLAlchemy 1.4) raises NoSuchModuleError, and `redis://` raises "
    "\"RedisStorage is removed at Optuna v3.1.0\".",
    now="The study cannot start.",
    fix="Use sqlite:///file.db, postgresql://..., mysql://... (optionally `+driver`) or journal:///path.log.",
)
NON_PRIMITIVE_CHOICE = define(
    "FT424", "non-primitive-categorical-choice", "info",
    "A categorical choice that is a list or a mapping.",
    "choice {index} of {param!r} is a {type}: Optuna warns at every suggestion that only None, bool, int, float "
    "and str are safe for persistent storage",
    old="CategoricalDistribution emits a UserWarning for every choice that is not None/bool/int/float/str, at every "
    "suggestion. JSON values survive the JSON-based storages, but other tools reading the study (dashboards, "
    "exports) may not handle them.",
    now="The value is passed as written.",
    fix="Choose among names (strings) and build the structured value from the name in code, or use `fixed`.",
)
DUPLICATE_CHOICE = define(
    "FT425", "duplicate-categorical-choice", "warning",
    "Two categorical choices that Optuna cannot tell apart.",
    "choices {first_index} ({first}) and {second_index} ({second}) of {param!r} are equal for Optuna: trials "
    "drawing {second} are stored as {first}, and the value gets twice the share of random draws",
    old="Optuna stores a categorical value as `choices.index(value)`, which uses ==: equal choices (including "
    "1, 1.0 and true, or 0 and false) map to the first one, so best_params and the storage report the first even "
    "when the objective ran with the second; each copy is also a separate category for the samplers.",
    now="Both choices are kept; reports may show the first for either.",
    fix="Remove the duplicate (or make the values distinct, e.g. strings).",
)
FEWER_TRIALS_THAN_FORCED = define(
    "FT426", "fewer-trials-than-forced", "warning",
    "More forced trials than n_trials.",
    "{forced} forced trials but n_trials is {n_trials}: only the first {n_trials} run",
    old="Optuna runs enqueued trials first, one per trial of the budget; those beyond n_trials stay WAITING (in a "
    "persistent storage they run first on the next resume).",
    now="Only the first n_trials forced trials are evaluated and no trial is sampled.",
    fix="Raise `n_trials` above the number of forced trials, or remove some of them.",
)
PRUNER_WITH_SEVERAL_OBJECTIVES = define(
    "FT427", "pruner-with-several-objectives", "error",
    "A pruner in a study of several objectives.",
    "pruner {pruner!r} with {n} objectives ({metrics}): Optuna cannot prune a study of several objectives",
    old="Optuna's `Trial.report` and `Trial.should_prune` raise NotImplementedError (\"not supported for "
    "multi-objective optimization\") when the study has several directions, so every trial of a hand-written "
    "study with a pruner fails at its first report.",
    now="The study cannot run: ftspec refuses a pruner other than `none` with several objectives (and never reports "
    "intermediate values for them).",
    fix="Use `pruner: none`, or keep one objective (`metric: rmse`) to prune.",
)
SAMPLER_SINGLE_OBJECTIVE_ONLY = define(
    "FT428", "sampler-single-objective-only", "error",
    "A sampler that cannot handle several objectives.",
    "{sampler} with {n} objectives ({metrics}): {cls} supports one objective only and raises ValueError",
    old="CmaEsSampler calls `_raise_error_if_multi_objective` when it samples, so every trial of a study with several "
    "directions fails. (TPE, GP, random, grid, QMC, brute force, NSGA-II and NSGA-III handle several objectives.)",
    now="The study cannot run.",
    fix="Use `nsgaii` (or `nsgaiii` for three objectives or more), `tpe` or `gp`, or keep one objective.",
)
DIRECTION_LIST_LENGTH = define(
    "FT429", "direction-list-length", "error",
    "A list of directions whose length differs from the list of metrics.",
    "{n_directions} direction(s) for {n_metrics} metric(s) ({metrics}): each metric needs exactly one direction",
    old="Optuna's `create_study(directions=...)` takes one direction per value the objective returns; a list of "
    "another length makes `study.tell` fail every trial (\"The number of the values ... did not match the number "
    "of the objectives\").",
    now="The directions of the metric registry are used (each objective's metric gives its direction).",
    fix="Write one direction per metric, in the same order, or drop `direction` (each metric's direction is known).",
)
OBJECTIVES_MIXED_TASKS = define(
    "FT430", "objectives-mixed-tasks", "error",
    "Objectives that score different tasks (a regression metric beside a classification one).",
    "objectives {metrics}: {regression} score(s) regression and {classification} classification; no model is both",
    old="A hand-written objective would score one model with both kinds of metric and fail on one of them (a "
    "regressor has no class labels, a classifier's labels give a meaningless rmse).",
    now="The study cannot run.",
    fix="Keep the metrics of one task (`fit_seconds` and `predict_seconds` go with either).",
)
SELECT_UNKNOWN_OBJECTIVE = define(
    "FT431", "select-unknown-objective", "error",
    "`select.objective` names a metric that is not one of the study's objectives.",
    "select.objective {value!r} is not an objective of the study ({metrics}); the first objective, {first!r}, is used",
    old="(new in v2) The refit after a study of several objectives takes the Pareto front's best trial on "
    "`select.objective`; there is no such trial for a metric the study did not optimise.",
    now="The IR selects on the first objective.",
    fix="Name one of the metrics of `metric`, or drop `select` (the first objective).",
)

# Grids above this many combinations are reported by FT414.
GRID_ENUMERATION_LIMIT = 10_000_000

# Storage URL schemes that open: SQLAlchemy's built-in dialects (RDBStorage) and ftspec's journal file.
RDB_DIALECTS = ("sqlite", "postgresql", "mysql", "mariadb", "oracle", "mssql")
JOURNAL_SCHEME = "journal"

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def check_length_order(lo: Lowering, at: Node, what: str, low: int, high: int) -> bool:
    """FT404 for a length range the front-end reads before it is in the IR (a legacy sorted_tuple's
    `length`): False when low is above high."""
    if low > high:
        lo.report(LOW_GREATER_THAN_HIGH, at, what=what, low=low, high=high)
        return False
    return True


@dataclass(frozen=True)
class _Run:
    """One stretch of the study driven by one sampler: the whole study, or one phase."""

    sampler: ComponentSpec
    start: int
    """Trials already in the study when the run starts."""
    n_trials: int
    phase: int | None
    """0-based phase index, or None when the study has no phases."""

    @property
    def end(self) -> int:
        return self.start + self.n_trials

    @property
    def label(self) -> str:
        where = "" if self.phase is None else f"phase {self.phase + 1} "
        return f"{where}sampler {self.sampler.kind!r}"

    @property
    def scope(self) -> str:
        return "the study" if self.phase is None else f"phase {self.phase + 1}"


def _runs(study: Study) -> list[_Run]:
    if not study.phases:
        return [_Run(study.sampler, 0, study.n_trials, None)]
    runs, start = [], 0
    for i, phase in enumerate(study.phases):
        runs.append(_Run(phase.sampler, start, phase.n_trials, i))
        start += phase.n_trials
    return runs


def _sampler_node(ctx: Lowering, run: _Run) -> Node:
    if run.phase is not None and "phases" in ctx.fields:
        base = f"{ctx.fields['phases'].pointer}/{run.phase}"
        for pointer in (f"{base}/sampler", f"{base}/sample", base):
            if pointer in ctx.nodes_by_pointer:
                return ctx.nodes_by_pointer[pointer]
        return ctx.fields["phases"]
    return ctx.at("sampler", "n_trials")


def _num(value: Any) -> str:
    """A number for a message: ints as written, floats by repr (1.0, 0.9, 1e-05)."""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _param(entry: SpaceEntry) -> str:
    """The parameter's Optuna name (`train:` prefix for train parameters)."""
    return entry.name if entry.target == "model" else f"train:{entry.name}"


def _option(spec: ComponentSpec, name: str, default: Any) -> Any:
    value = spec.options.get(name, default)
    return default if value is None else value


def _is_dynamic(entry: SpaceEntry) -> bool:
    """True when the entry (or part of it) is not suggested in every trial."""
    if entry.condition is not None:
        return True
    return isinstance(entry, SortedTupleParam) and entry.length_low != entry.length_high


def _why_dynamic(entry: SpaceEntry) -> str:
    if entry.condition is not None:
        c = entry.condition
        return f"conditional ({'when_not' if c.negate else 'when'} {c.param} in {c.values!r})"
    assert isinstance(entry, SortedTupleParam)
    return (f"a sorted_tuple of varying length ({entry.length_low}..{entry.length_high}), whose elements past "
            f"{entry.length_low} are not always sampled")


def _valid_range(low: Any, high: Any, step: Any, log: bool, integral: bool) -> bool:
    """Whether Optuna's distribution constructor accepts these arguments."""
    if low > high:
        return False
    if log:
        if integral:
            return step == 1 and low >= 1
        return step is None and low > 0
    return step is None or step > 0


def _value_count(low: Any, high: Any, step: Any, log: bool, integral: bool) -> int | None:
    """Number of values Optuna can suggest in a range (None: infinitely many)."""
    if not _valid_range(low, high, step, log, integral):
        return None
    if integral:
        return (int(high) - int(low)) // int(step) + 1
    if step is None:
        return 1 if low == high else None
    import decimal  # only for float steps: kept off the linter's start-up

    try:
        d_low, d_high, d_step = (decimal.Decimal(str(v)) for v in (low, high, step))
        return int((d_high - d_low) // d_step) + 1
    except decimal.DecimalException:
        return _COUNT_CAP + 1  # more values than 28 significant digits can count


_COUNT_CAP = 10**18
"""Counts above this are all 'too many' (no grid of that size can be enumerated)."""


def _entry_count(entry: SpaceEntry) -> int | None:
    """Values of one entry (a sorted tuple: ordered element tuples over every length); None: infinite."""
    if isinstance(entry, IntParam):
        return _value_count(entry.low, entry.high, entry.step, entry.log, True)
    if isinstance(entry, FloatParam):
        return _value_count(entry.low, entry.high, entry.step, entry.log, False)
    if isinstance(entry, CategoricalParam):
        return len(entry.choices)
    e = entry.element
    k = _value_count(e.low, e.high, e.step, e.log, e.kind == "int")
    if k is None:
        return None
    # sum(k ** n) over the lengths, stopping once it is past any grid Optuna could enumerate.
    if k == 1:
        return max(entry.length_high - max(entry.length_low, 0) + 1, 0)
    start = max(entry.length_low, 0)
    power = 1
    for _ in range(start):
        power *= k
        if power > _COUNT_CAP:
            return _COUNT_CAP + 1
    total = 0
    for _ in range(start, entry.length_high + 1):
        total += power
        if total > _COUNT_CAP:
            return _COUNT_CAP + 1
        power *= k
    return total


def _is_single(entry: SpaceEntry) -> bool:
    """Whether Optuna sees a single-valued distribution (filled in by the trial, never by the sampler)."""
    if isinstance(entry, SortedTupleParam):
        return entry.length_high == 0 or (entry.length_low == entry.length_high and _entry_count(entry) == 1)
    return _entry_count(entry) == 1


def _numeric_dims(entries: list[SpaceEntry]) -> int:
    """Dimensions CMA-ES models: numeric, non-single parameters suggested in every trial."""
    dims = 0
    for entry in entries:
        if entry.condition is not None:
            continue
        if isinstance(entry, (IntParam, FloatParam)) and not _is_single(entry):
            dims += 1
        elif isinstance(entry, SortedTupleParam):
            e = entry.element
            if _value_count(e.low, e.high, e.step, e.log, e.kind == "int") != 1:
                dims += entry.length_low
            if entry.length_low != entry.length_high:
                dims += 1
    return dims


def _ranges(entry: SpaceEntry) -> Iterator[tuple[str, str, Any, Any, Any, bool, bool]]:
    """(what, pointer suffix, low, high, step, log, integral) for every range an entry suggests."""
    if isinstance(entry, IntParam):
        yield f"int {_param(entry)!r}", "", entry.low, entry.high, entry.step, entry.log, True
    elif isinstance(entry, FloatParam):
        yield f"float {_param(entry)!r}", "", entry.low, entry.high, entry.step, entry.log, False
    elif isinstance(entry, SortedTupleParam):
        e: ElementSpec = entry.element
        integral = e.kind == "int"
        low, high = (int(e.low), int(e.high)) if integral else (e.low, e.high)
        step = (1 if e.step is None else int(e.step)) if integral else e.step
        yield f"element of {_param(entry)!r}", "/element", low, high, step, e.log, integral


def _written_high(node: Node) -> tuple[Node | None, Any]:
    """The `high` (or legacy `max`) value node of a range mapping and its number."""
    if not isinstance(node, Mapping):
        return None, None
    for key in ("high", "max"):
        child = node.get(key)
        if isinstance(child, Scalar) and isinstance(child.value, (int, float)) and not isinstance(child.value, bool):
            return child, child.value
    return None, None


def _span(low: Any, high: Any, integral: bool) -> str:
    if integral:
        return str(high - low)
    import decimal  # only for a finding: kept off the linter's start-up

    return _num(float(decimal.Decimal(str(high)) - decimal.Decimal(str(low))))


# ---------------------------------------------------------------------------------------------
# Checks: ranges
# ---------------------------------------------------------------------------------------------


@study_check
def check_step_divides_range(study: Study, ctx: Lowering) -> None:
    for entry in study.space:
        written_node = ctx.nodes_by_pointer.get(entry.source.pointer)
        for what, suffix, low, high, step, log, integral in _ranges(entry):
            if step is None or (integral and step == 1):
                continue
            range_node = written_node
            if suffix and written_node is not None:
                range_node = ctx.nodes_by_pointer.get(entry.source.pointer + suffix) or (
                    written_node.get(suffix[1:]) if isinstance(written_node, Mapping) else None)
            # The IR may already hold Optuna's lowered high: the written one decides.
            high_node, written = _written_high(range_node) if range_node is not None else (None, None)
            if integral and isinstance(written, float):
                written = int(written) if written.is_integer() else None
            if written is not None:
                high = written
            if not _valid_range(low, high, step, log, integral):
                continue
            adjusted = adjusted_high(low, high, step, integral)
            if adjusted == high:
                continue
            fix = None
            if high_node is not None:
                fix = Fix("safe", f"write high {_num(adjusted)}", (FixOp("replace_value", high_node.pointer, value=adjusted),))
            ctx.report(STEP_DOES_NOT_DIVIDE_RANGE, ctx.node_at(entry.source.pointer), fix, what=what, low=_num(low),
                       high=_num(high), step=_num(step), span=_span(low, high, integral), adjusted=_num(adjusted))


@study_check
def check_log_low(study: Study, ctx: Lowering) -> None:
    for entry in study.space:
        for what, _suffix, low, _high, _step, log, integral in _ranges(entry):
            if log and (low < 1 if integral else low <= 0):
                ctx.report(LOG_WITH_NON_POSITIVE_LOW, ctx.node_at(entry.source.pointer), what=what, low=_num(low),
                           requirement="low >= 1 for a log int" if integral else "low > 0 for a log float")


@study_check
def check_log_step(study: Study, ctx: Lowering) -> None:
    for entry in study.space:
        for what, _suffix, _low, _high, step, log, integral in _ranges(entry):
            if log and (step != 1 if integral else step is not None):
                ctx.report(LOG_WITH_STEP, ctx.node_at(entry.source.pointer), what=what, step=_num(step),
                           requirement="accepts only step 1 for a log int" if integral else "accepts no step for a log float")


@study_check
def check_low_high(study: Study, ctx: Lowering) -> None:
    for entry in study.space:
        for what, _suffix, low, high, _step, _log, _integral in _ranges(entry):
            if low > high:
                ctx.report(LOW_GREATER_THAN_HIGH, ctx.node_at(entry.source.pointer), what=what, low=_num(low), high=_num(high))


# ---------------------------------------------------------------------------------------------
# Checks: sampler x space
# ---------------------------------------------------------------------------------------------


@study_check
def check_cmaes_categorical(study: Study, ctx: Lowering) -> None:
    for run in _runs(study):
        if run.sampler.kind != "cmaes":
            continue
        for entry in study.space:
            if isinstance(entry, CategoricalParam) and not _is_single(entry):
                ctx.report(CMAES_CATEGORICAL, ctx.node_at(entry.source.pointer), sampler=run.label, param=_param(entry))


_DYNAMIC_EFFECT = {
    "cmaes": "once a finished trial has not used it, CMA-ES leaves it to RandomSampler, and if that happens after "
    "CMA-ES has completed a generation, every parameter falls back to RandomSampler for the rest of the study",
    "gp": "once a finished trial has not used it, GPSampler leaves it out of its model and RandomSampler draws it",
    "qmc": "QMCSampler fixes its space from the study's first trial: unless that trial used it, RandomSampler draws it",
}


@study_check
def check_conditional_independent(study: Study, ctx: Lowering) -> None:
    for run in _runs(study):
        if run.sampler.kind not in _DYNAMIC_EFFECT:
            continue
        for entry in study.space:
            if _is_dynamic(entry) and not _is_single(entry):
                ctx.report(CONDITIONAL_SPACE_INDEPENDENT_SAMPLING, ctx.node_at(entry.source.pointer),
                           sampler=run.label, param=_param(entry), why=_why_dynamic(entry),
                           effect=_DYNAMIC_EFFECT[run.sampler.kind])


def _group_fix(node: Node) -> Fix | None:
    """Set `group: true` in a `{kind, options}` sampler mapping."""
    if not isinstance(node, Mapping) or "kind" not in node:
        return None
    options = node.get("options")
    if options is None:
        op = FixOp("insert_key", node.pointer, key="options", value={"group": True})
    elif isinstance(options, Mapping):
        group = options.get("group")
        if group is not None:
            op = FixOp("replace_value", group.pointer, value=True)
        else:
            op = FixOp("insert_key", options.pointer, key="group", value=True)
    else:
        return None
    return Fix("unsafe", "set the sampler option group: true", (op,))


@study_check
def check_tpe_multivariate_conditional(study: Study, ctx: Lowering) -> None:
    for run in _runs(study):
        spec = run.sampler
        if spec.kind != "tpe" or not _option(spec, "multivariate", True) or _option(spec, "group", False):
            continue
        dynamic = [_param(e) for e in study.space if _is_dynamic(e) and not _is_single(e)]
        if not dynamic:
            continue
        node = _sampler_node(ctx, run)
        many = len(dynamic) > 1
        ctx.report(TPE_MULTIVARIATE_CONDITIONAL, node, _group_fix(node), sampler=run.label,
                   params=", ".join(repr(n) for n in dynamic), verb="are" if many else "is",
                   pronoun="they" if many else "it")


@study_check
def check_tpe_group_without_multivariate(study: Study, ctx: Lowering) -> None:
    for run in _runs(study):
        spec = run.sampler
        if spec.kind == "tpe" and _option(spec, "group", False) and spec.options.get("multivariate") is False:
            ctx.report(TPE_GROUP_WITHOUT_MULTIVARIATE, _sampler_node(ctx, run), sampler=run.label)


@study_check
def check_cmaes_options(study: Study, ctx: Lowering) -> None:
    for run in _runs(study):
        spec = run.sampler
        if spec.kind != "cmaes":
            continue
        on = [name for name in ("lr_adapt", "use_separable_cma", "with_margin") if _option(spec, name, False)]
        if len(on) >= 2:
            ctx.report(CMAES_INCOMPATIBLE_OPTIONS, _sampler_node(ctx, run), sampler=run.label,
                       options=" and ".join(f"{name}=true" for name in on))


# ---------------------------------------------------------------------------------------------
# Checks: exhaustive samplers (grid, bruteforce)
# ---------------------------------------------------------------------------------------------

_EXHAUSTIVE = ("grid", "bruteforce")


def _continuous_why(entry: SpaceEntry) -> str | None:
    if isinstance(entry, FloatParam) and entry.step is None and entry.low != entry.high:
        return f"a continuous float range [{_num(entry.low)}, {_num(entry.high)}] (no step)"
    if isinstance(entry, SortedTupleParam) and entry.element.kind == "float" and entry.element.step is None \
            and entry.element.low != entry.element.high and entry.length_high > 0:
        return "a sorted_tuple of continuous floats (element without step)"
    return None


def _space_size(study: Study) -> int | None:
    """Combinations of a finite, unconditional space (None: infinite or conditional)."""
    size = 1
    for entry in study.space:
        if _is_single(entry):
            continue
        if entry.condition is not None:
            return None
        count = _entry_count(entry)
        if count is None:
            return None
        size = min(size * count, _COUNT_CAP + 1)
    return size


def _forced_in_run(study: Study, run: _Run) -> int:
    """Forced trials run first, so they fall in the runs they overlap."""
    return max(0, min(len(study.force_params), run.end) - run.start)


@study_check
def check_exhaustive_continuous(study: Study, ctx: Lowering) -> None:
    for run in _runs(study):
        if run.sampler.kind not in _EXHAUSTIVE:
            continue
        for entry in study.space:
            why = _continuous_why(entry)
            if why is not None:
                ctx.report(EXHAUSTIVE_CONTINUOUS_PARAMETER, ctx.node_at(entry.source.pointer), sampler=run.label,
                           param=_param(entry), why=why)


@study_check
def check_grid_conditional(study: Study, ctx: Lowering) -> None:
    if not any(run.sampler.kind == "grid" for run in _runs(study)):
        return
    for entry in study.space:
        if _is_dynamic(entry) and not _is_single(entry):
            ctx.report(GRID_CONDITIONAL_SPACE, ctx.node_at(entry.source.pointer), param=_param(entry), why=_why_dynamic(entry))


def _exhaustive_runs(study: Study) -> Iterator[tuple[_Run, int, int]]:
    """(run, combinations, sampled trials) for each grid/bruteforce run over a finite space."""
    size = _space_size(study)
    if size is None:
        return
    for run in _runs(study):
        kind = run.sampler.kind
        if kind not in _EXHAUSTIVE:
            continue
        if kind == "grid" and any(isinstance(e, SortedTupleParam) and _is_dynamic(e) for e in study.space):
            continue  # reported by grid-conditional-space
        sampled = run.n_trials - _forced_in_run(study, run)
        if sampled > 0:
            yield run, size, sampled


@study_check
def check_exhaustive_smaller(study: Study, ctx: Lowering) -> None:
    for run, size, sampled in _exhaustive_runs(study):
        if size < sampled:
            ctx.report(EXHAUSTIVE_SPACE_SMALLER, _sampler_node(ctx, run), sampler=run.label, size=size, trials=sampled,
                       scope=run.scope)


@study_check
def check_exhaustive_larger(study: Study, ctx: Lowering) -> None:
    for run, size, sampled in _exhaustive_runs(study):
        if size > sampled:
            ctx.report(EXHAUSTIVE_SPACE_LARGER, _sampler_node(ctx, run), sampler=run.label, size=size, trials=sampled)


@study_check
def check_grid_too_large(study: Study, ctx: Lowering) -> None:
    for run, size, _sampled in _exhaustive_runs(study):
        if run.sampler.kind == "grid" and size > GRID_ENUMERATION_LIMIT:
            ctx.report(GRID_TOO_LARGE, _sampler_node(ctx, run), size=f"{size:,}")


@study_check
def check_grid_parallel(study: Study, ctx: Lowering) -> None:
    runs = [run for run in _runs(study) if run.sampler.kind == "grid"]
    if not runs:
        return
    reasons = []
    if study.n_jobs != 1:
        reasons.append(f"n_jobs {study.n_jobs}")
    if study.storage is not None:
        reasons.append("a persistent storage (shared by workers, or resumed)")
    if reasons:
        ctx.report(GRID_PARALLEL_DUPLICATES, _sampler_node(ctx, runs[0]), reason=" and ".join(reasons))


def _forced_node(ctx: Lowering, index: int) -> Node:
    if "force_params" in ctx.fields:
        base = ctx.fields["force_params"]
        return ctx.nodes_by_pointer.get(f"{base.pointer}/{index}", base)
    return ctx.block


@study_check
def check_grid_forced_trials(study: Study, ctx: Lowering) -> None:
    grid_runs = [run for run in _runs(study) if run.sampler.kind == "grid" and _forced_in_run(study, run) > 0]
    if not grid_runs:
        return
    needed = [e for e in study.space if e.condition is None and not _is_single(e)]
    for run in grid_runs:
        for index in range(run.start, run.start + _forced_in_run(study, run)):
            forced = study.force_params[index]
            missing = [_param(e) for e in needed if e.name not in (forced.model if e.target == "model" else forced.train)]
            if missing:
                ctx.report(GRID_FORCED_TRIAL_INCOMPLETE, _forced_node(ctx, index), index=index,
                           params=", ".join(repr(m) for m in missing))


# ---------------------------------------------------------------------------------------------
# Checks: budget
# ---------------------------------------------------------------------------------------------

_MODEL_OF = {"tpe": "TPE model", "gp": "Gaussian process", "cmaes": "CMA-ES"}
_STARTUP_DEFAULTS = {"tpe": 10, "gp": 10, "cmaes": 1}


@study_check
def check_startup_covers_all(study: Study, ctx: Lowering) -> None:
    for run in _runs(study):
        kind = run.sampler.kind
        if kind not in _MODEL_OF:
            continue
        n_startup = _option(run.sampler, "n_startup_trials", _STARTUP_DEFAULTS[kind])
        if n_startup > 0 and run.end <= n_startup:
            ctx.report(STARTUP_COVERS_ALL_TRIALS, _sampler_node(ctx, run), sampler=run.label, n_startup=n_startup,
                       scope=run.scope, end=run.end, model=_MODEL_OF[kind])


@study_check
def check_cmaes_generation(study: Study, ctx: Lowering) -> None:
    for run in _runs(study):
        if run.sampler.kind != "cmaes":
            continue
        dims = _numeric_dims(study.space)
        if dims == 0:
            continue
        n_startup = _option(run.sampler, "n_startup_trials", 1)
        popsize = _option(run.sampler, "popsize", 4 + math.floor(3 * math.log(dims)))
        first_cma = max(run.start, n_startup)
        cma_trials = run.end - first_cma
        if 0 < cma_trials <= popsize:
            ctx.report(CMAES_NO_GENERATION, _sampler_node(ctx, run), sampler=run.label, cma_trials=cma_trials,
                       popsize=popsize)


@study_check
def check_fewer_trials_than_forced(study: Study, ctx: Lowering) -> None:
    if len(study.force_params) > study.n_trials:
        ctx.report(FEWER_TRIALS_THAN_FORCED, ctx.at("force_params", "n_trials"), forced=len(study.force_params),
                   n_trials=study.n_trials)


# ---------------------------------------------------------------------------------------------
# Checks: pruner, seed, storage
# ---------------------------------------------------------------------------------------------

_SINGLE_SCORE = {
    "single": "with approach 'single' a trial has one holdout score",
    "individual": "with approach 'individual' a trial has one score, on its fold",
}


def _one_step_reason(study: Study) -> str | None:
    """Why no trial of `study` can report two steps, or None when one can (or the folds are not known)."""
    if study.approach in _SINGLE_SCORE:
        return _SINGLE_SCORE[study.approach]
    splitter = study.pipeline.splitter if study.pipeline is not None else None
    if splitter is not None and splitter.params.get("n_splits") == 1:
        return f"the splitter {splitter.class_path.rsplit('.', 1)[-1]} gives one fold"
    return None


def _may_train_in_steps(study: Study) -> bool:
    fixed = study.fixed.train.get("epochs")
    if isinstance(fixed, int) and not isinstance(fixed, bool) and fixed >= 2:
        return True
    return any(e.target == "train" and e.path == ["epochs"] and isinstance(e, IntParam) and e.high >= 2 for e in study.space)


@study_check
def check_pruner_cannot_prune(study: Study, ctx: Lowering) -> None:
    if len(study.objectives) > 1:
        return  # FT427 pruner-with-several-objectives says more
    if not PRUNERS[study.pruner.kind].intermediate or _may_train_in_steps(study):
        return
    reason = _one_step_reason(study)
    if reason is not None:
        ctx.report(PRUNER_CANNOT_PRUNE, ctx.at("pruner"), pruner=study.pruner.kind, reason=reason)


@study_check
def check_seed_with_parallel_jobs(study: Study, ctx: Lowering) -> None:
    if study.seed is not None and study.n_jobs != 1:
        ctx.report(SEED_WITH_PARALLEL_JOBS, ctx.at("seed", "n_jobs"), seed=study.seed, n_jobs=study.n_jobs)


def _uses_hyperband(pruner: ComponentSpec) -> bool:
    if pruner.kind == "hyperband":
        return True
    wrapped = pruner.options.get("wrapped") if pruner.kind == "patient" else None
    if isinstance(wrapped, ComponentSpec):
        return _uses_hyperband(wrapped)
    return isinstance(wrapped, dict) and wrapped.get("kind") == "hyperband"


@study_check
def check_hyperband_study_name(study: Study, ctx: Lowering) -> None:
    if study.seed is None or not _uses_hyperband(study.pruner):
        return
    if study.storage is None or study.storage.study_name is None:
        ctx.report(HYPERBAND_WITHOUT_STUDY_NAME, ctx.at("pruner"), seed=study.seed)


def _scheme(url: str) -> str | None:
    if "://" not in url:
        return None
    return url.split("://", 1)[0].split("+", 1)[0].lower()


@study_check
def check_sqlite_parallel(study: Study, ctx: Lowering) -> None:
    if study.storage is not None and study.n_jobs != 1 and _scheme(study.storage.url) == "sqlite":
        ctx.report(SQLITE_WITH_PARALLEL_JOBS, ctx.at("storage"), n_jobs=study.n_jobs)


@study_check
def check_storage_scheme(study: Study, ctx: Lowering) -> None:
    if study.storage is None:
        return
    url = study.storage.url
    scheme = _scheme(url)
    if scheme is None:
        problem = "not a URL (expected scheme://...)"
    elif scheme in RDB_DIALECTS or scheme == JOURNAL_SCHEME:
        return
    elif scheme.startswith("redis"):
        problem = "Optuna removed RedisStorage in v3.1.0 and raises ValueError"
    elif scheme == "postgres":
        problem = "SQLAlchemy has no 'postgres' dialect since 1.4 (NoSuchModuleError); write postgresql://"
    else:
        problem = (f"unknown scheme {scheme!r}: Optuna hands the URL to SQLAlchemy, which has no such dialect "
                   f"(known: {', '.join(RDB_DIALECTS)}, and journal for a JournalStorage file)")
    ctx.report(UNKNOWN_STORAGE_SCHEME, ctx.at("storage"), url=url, problem=problem)


# ---------------------------------------------------------------------------------------------
# Checks: categorical choices
# ---------------------------------------------------------------------------------------------


def _choice_node(ctx: Lowering, entry: CategoricalParam, index: int) -> Node:
    """The node of choice `index` when it can be found, else the entry's node."""
    node = ctx.node_at(entry.source.pointer)
    candidates: list[Node | None] = [node]
    if isinstance(node, Mapping):
        candidates = [node.get("choices"), node.get("values")]
    for seq in candidates:
        if isinstance(seq, Sequence) and len(seq.items) == len(entry.choices):
            return seq.items[index]
    return node


def _type_name(value: Any) -> str:
    return "mapping" if isinstance(value, dict) else "list" if isinstance(value, (list, tuple)) else type(value).__name__


@study_check
def check_non_primitive_choices(study: Study, ctx: Lowering) -> None:
    for entry in study.space:
        if not isinstance(entry, CategoricalParam):
            continue
        for index, choice in enumerate(entry.choices):
            if choice is not None and not isinstance(choice, (bool, int, float, str)):
                ctx.report(NON_PRIMITIVE_CHOICE, _choice_node(ctx, entry, index), index=index, param=_param(entry),
                           type=_type_name(choice))


def _show(value: Any) -> str:
    """A choice as JSON would write it (true, null, 1.0)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return repr(value)


@study_check
def check_duplicate_choices(study: Study, ctx: Lowering) -> None:
    for entry in study.space:
        if not isinstance(entry, CategoricalParam):
            continue
        choices = entry.choices
        for j, second in enumerate(choices):
            for i in range(j):
                first = choices[i]
                try:
                    equal = bool(first == second)
                except Exception:  # pragma: no cover - JSON values always compare
                    equal = False
                if equal:
                    ctx.report(DUPLICATE_CHOICE, _choice_node(ctx, entry, j), param=_param(entry), first_index=i,
                               second_index=j, first=_show(first), second=_show(second))
                    break


# ---------------------------------------------------------------------------------------------
# Checks: several objectives
# ---------------------------------------------------------------------------------------------


def _metrics_text(study: Study) -> str:
    return ", ".join(o.metric for o in study.objectives)


@study_check
def check_pruner_several_objectives(study: Study, ctx: Lowering) -> None:
    if len(study.objectives) > 1 and study.pruner.kind != "none":
        ctx.report(PRUNER_WITH_SEVERAL_OBJECTIVES, ctx.at("pruner"), pruner=study.pruner.kind, n=len(study.objectives),
                   metrics=_metrics_text(study))


@study_check
def check_sampler_single_objective(study: Study, ctx: Lowering) -> None:
    if len(study.objectives) < 2:
        return
    for run in _runs(study):
        spec = SAMPLERS.get(run.sampler.kind)
        if spec is not None and spec.single_objective_only:
            ctx.report(SAMPLER_SINGLE_OBJECTIVE_ONLY, _sampler_node(ctx, run), sampler=run.label, n=len(study.objectives),
                       metrics=_metrics_text(study), cls=spec.optuna_class.rsplit(".", 1)[-1])


@study_check
def check_direction_list_length(study: Study, ctx: Lowering) -> None:
    node, metrics = ctx.fields.get("direction"), ctx.fields.get("metric")
    if not isinstance(node, Sequence) or not isinstance(metrics, Sequence) or len(node.items) == len(metrics.items):
        return
    ctx.report(DIRECTION_LIST_LENGTH, node, n_directions=len(node.items), n_metrics=len(metrics.items),
               metrics=_metrics_text(study))


@study_check
def check_objectives_mixed_tasks(study: Study, ctx: Lowering) -> None:
    tasks: dict[str, list[str]] = {}
    for o in study.objectives:
        task = METRICS[o.metric].task if o.metric in METRICS else "any"
        tasks.setdefault(task, []).append(o.metric)
    if "regression" in tasks and "classification" in tasks:
        ctx.report(OBJECTIVES_MIXED_TASKS, ctx.at("metric"), metrics=_metrics_text(study),
                   regression=", ".join(tasks["regression"]), classification=", ".join(tasks["classification"]))


@study_check
def check_select_objective(study: Study, ctx: Lowering) -> None:
    node = ctx.fields.get("select")
    value = node.get("objective") if isinstance(node, Mapping) else None
    if isinstance(value, Scalar) and isinstance(value.value, str) and value.value not in {o.metric for o in study.objectives}:
        ctx.report(SELECT_UNKNOWN_OBJECTIVE, value, value=value.value, metrics=_metrics_text(study),
                   first=study.objectives[0].metric)
