"""The closed vocabularies of finetune_params v2, shared by the compiler, the schema and the runtime.

Plain Python on purpose: the linter imports this module, and it must stay light (no pydantic,
no optuna). The pydantic model (`ftspec.schema.v2`) and the JSON Schema are built from these
tables, so a new sampler, pruner or option is added here and nowhere else.

Sampler and pruner defaults are Optuna 5.0's (checked against the installed signatures); the IR
records them resolved because Optuna 5 changed several of them (multivariate TPE, constant liar).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ftspec._record import Record

OPTUNA_DEFAULTS_VERSION = "5.0"


@dataclass(eq=False, repr=False)
class OptionSpec(Record):
    """One constructor option of a sampler or pruner: its type, default and admissible values."""

    type: str  # "int" | "float" | "bool" | "str" | "int_or_auto" | "pruner"
    default: Any
    description: str
    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    nullable: bool = False
    required: bool = False


@dataclass(eq=False, repr=False)
class KindSpec(Record):
    """A sampler or pruner kind: the Optuna class it builds and its options."""

    description: str
    optuna_class: str
    options: dict[str, OptionSpec]
    single_objective_only: bool = False
    """Samplers: the Optuna class raises for a study of several objectives (CmaEsSampler; FT428 reports it)."""
    requires: tuple[str, ...] = ()
    """Modules beyond optuna the Optuna class imports when it runs (checked before the first trial)."""
    extra: str | None = None
    """The ftspec extra that installs `requires` (`pip install 'ftspec[<extra>]'`)."""
    intermediate: bool = False
    """Pruners: whether it decides from intermediate values (every pruner but `none`)."""
    legacy: str | None = None
    """The nirs4all 1.4.10 spelling that builds the same Optuna class, when there is one."""

    def install_hint(self) -> str | None:
        """The one line that installs what `requires` names, or None when nothing is needed."""
        if self.extra:
            return f"pip install 'ftspec[{self.extra}]'"
        return f"pip install {' '.join(self.requires)}" if self.requires else None


_NSGA_OPTIONS = {
    "population_size": OptionSpec("int", 50, "Trials per generation (at least 2, the uniform crossover's parents).", minimum=2),
    "mutation_prob": OptionSpec("float", None, "Probability of mutating each parameter of a child (null: Optuna's "
                                "1 / number of parameters).", minimum=0, maximum=1, nullable=True),
    "crossover_prob": OptionSpec("float", 0.9, "Probability that a child is a crossover of two parents.", minimum=0, maximum=1),
    "swapping_prob": OptionSpec("float", 0.5, "Probability of taking each parameter from the other parent (uniform crossover).",
                                minimum=0, maximum=1),
}

SAMPLERS: dict[str, KindSpec] = {
    "tpe": KindSpec(
        "Tree-structured Parzen Estimator (Optuna's default). The first n_startup_trials are random.",
        "optuna.samplers.TPESampler",
        {
            "n_startup_trials": OptionSpec("int", 10, "Random trials before TPE starts modelling.", minimum=0),
            "n_ei_candidates": OptionSpec("int", 24, "Candidates drawn to maximise expected improvement.", minimum=1),
            "multivariate": OptionSpec("bool", True, "Model parameters jointly (Optuna 5's default: true for one objective, "
                                       "false for several unless group is true; the IR records the resolved value)."),
            "group": OptionSpec("bool", False, "Group parameters by conditional structure (needs multivariate)."),
            "constant_liar": OptionSpec("bool", True, "Avoid duplicate suggestions with parallel workers (Optuna 5 default)."),
        },
        legacy="tpe",
    ),
    "random": KindSpec("Independent uniform sampling.", "optuna.samplers.RandomSampler", {}, legacy="random"),
    "grid": KindSpec(
        "Exhaustive grid over a finite space: categorical choices and stepped int/float ranges.",
        "optuna.samplers.GridSampler",
        {},
        legacy="grid",
    ),
    "cmaes": KindSpec(
        "CMA evolution strategy for continuous and integer parameters; categoricals fall back to random.",
        "optuna.samplers.CmaEsSampler",
        {
            "n_startup_trials": OptionSpec("int", 1, "Independent trials before CMA-ES starts.", minimum=0),
            "sigma0": OptionSpec("float", None, "Initial step size (Optuna: min range / 6).", exclusive_minimum=0, nullable=True),
            "popsize": OptionSpec("int", None, "Population size (Optuna: from the dimension).", minimum=1, nullable=True),
            "use_separable_cma": OptionSpec("bool", False, "Diagonal covariance (faster, less expressive)."),
            "with_margin": OptionSpec("bool", False, "CMA-ES with margin for discrete parameters."),
            "lr_adapt": OptionSpec("bool", False, "Learning-rate adaptation for multimodal or noisy problems."),
            "consider_pruned_trials": OptionSpec("bool", False, "Use pruned trials' last values."),
        },
        single_objective_only=True,
        requires=("cmaes",),
        extra="cmaes",
        legacy="cmaes",
    ),
    "gp": KindSpec(
        "Gaussian-process Bayesian optimisation.",
        "optuna.samplers.GPSampler",
        {
            "n_startup_trials": OptionSpec("int", 10, "Random trials before the GP is fitted.", minimum=0),
            "deterministic_objective": OptionSpec("bool", False, "The objective has no noise."),
        },
        requires=("torch", "scipy"),
        extra="gp",
    ),
    "qmc": KindSpec(
        "Quasi-Monte Carlo low-discrepancy sampling.",
        "optuna.samplers.QMCSampler",
        {
            "qmc_type": OptionSpec("str", "sobol", "Sequence type.", choices=("sobol", "halton")),
            "scramble": OptionSpec("bool", False, "Scramble the sequence."),
        },
        requires=("scipy",),
    ),
    "bruteforce": KindSpec(
        "Every combination of a finite space, once.",
        "optuna.samplers.BruteForceSampler",
        {"avoid_premature_stop": OptionSpec("bool", False, "Keep going until every combination is evaluated.")},
    ),
    "nsgaii": KindSpec(
        "NSGA-II genetic algorithm for several objectives (non-dominated sorting, crowding distance); "
        "the first generation is random.",
        "optuna.samplers.NSGAIISampler",
        dict(_NSGA_OPTIONS),
        single_objective_only=False,
        requires=(),
        extra=None,
        intermediate=False,
        legacy=None,  # nirs4all 1.4.10 has one objective and no genetic sampler
    ),
    "nsgaiii": KindSpec(
        "NSGA-III genetic algorithm for several objectives (non-dominated sorting, reference points): better "
        "spread than NSGA-II with three objectives or more. Reference points are Optuna's default: the "
        "simplex lattice of `dividing_parameter` divisions over the number of objectives.",
        "optuna.samplers.NSGAIIISampler",
        {
            **_NSGA_OPTIONS,
            "dividing_parameter": OptionSpec("int", 3, "Divisions of each objective axis for the reference points "
                                             "(Optuna generates them from the number of objectives).", minimum=1),
        },
        single_objective_only=False,
        requires=(),
        extra=None,
        intermediate=False,
        legacy=None,
    ),
}

_PRUNER_WARMUP = {
    "n_startup_trials": OptionSpec("int", 5, "Trials completed before pruning starts.", minimum=0),
    "n_warmup_steps": OptionSpec("int", 0, "Steps of a trial before it can be pruned.", minimum=0),
    "interval_steps": OptionSpec("int", 1, "Check for pruning every this many steps.", minimum=1),
    "n_min_trials": OptionSpec("int", 1, "Trials reporting at a step before pruning at it.", minimum=1),
}

PRUNERS: dict[str, KindSpec] = {
    "none": KindSpec("Never prune (Optuna's NopPruner; Optuna's own default would be MedianPruner).", "optuna.pruners.NopPruner", {},
                     legacy="none"),
    "median": KindSpec("Prune a trial worse than the median of earlier trials at the same step.", "optuna.pruners.MedianPruner", dict(_PRUNER_WARMUP),
                       intermediate=True, legacy="median"),
    "percentile": KindSpec(
        "Prune a trial outside the given percentile of earlier trials at the same step.",
        "optuna.pruners.PercentilePruner",
        {"percentile": OptionSpec("float", None, "Percentile in [0, 100].", minimum=0, maximum=100, required=True), **_PRUNER_WARMUP},
        intermediate=True,
    ),
    "successive_halving": KindSpec(
        "Asynchronous successive halving.",
        "optuna.pruners.SuccessiveHalvingPruner",
        {
            "min_resource": OptionSpec("int_or_auto", "auto", "Minimum resource (steps) per rung, or 'auto'.", minimum=1),
            "reduction_factor": OptionSpec("int", 4, "Reduction factor between rungs.", minimum=2),
            "min_early_stopping_rate": OptionSpec("int", 0, "Minimum early-stopping rate.", minimum=0),
            "bootstrap_count": OptionSpec("int", 0, "Trials per rung before promotion.", minimum=0),
        },
        intermediate=True,
        legacy="successive_halving",
    ),
    "hyperband": KindSpec(
        "Hyperband: several successive-halving brackets.",
        "optuna.pruners.HyperbandPruner",
        {
            "min_resource": OptionSpec("int", 1, "Minimum resource (steps) per trial.", minimum=1),
            "max_resource": OptionSpec("int_or_auto", "auto", "Maximum resource, or 'auto' (from the first finished trial).", minimum=1),
            "reduction_factor": OptionSpec("int", 3, "Reduction factor between rungs.", minimum=2),
            "bootstrap_count": OptionSpec("int", 0, "Trials per rung before promotion.", minimum=0),
        },
        intermediate=True,
        legacy="hyperband",
    ),
    "threshold": KindSpec(
        "Prune when an intermediate value leaves [lower, upper].",
        "optuna.pruners.ThresholdPruner",
        {
            "lower": OptionSpec("float", None, "Prune below this value.", nullable=True),
            "upper": OptionSpec("float", None, "Prune above this value.", nullable=True),
            "n_warmup_steps": _PRUNER_WARMUP["n_warmup_steps"],
            "interval_steps": _PRUNER_WARMUP["interval_steps"],
        },
        intermediate=True,
    ),
    "wilcoxon": KindSpec(
        "Prune by a Wilcoxon signed-rank test against the best trial (steps are folds or instances).",
        "optuna.pruners.WilcoxonPruner",
        {
            "p_threshold": OptionSpec("float", 0.1, "p-value below which a trial is pruned.", minimum=0, maximum=1),
            "n_startup_steps": OptionSpec("int", 2, "Steps before the test applies.", minimum=0),
        },
        intermediate=True,
        requires=("scipy",),
    ),
    "patient": KindSpec(
        "Wrap another pruner and prune only after `patience` steps without improvement.",
        "optuna.pruners.PatientPruner",
        {
            "wrapped": OptionSpec("pruner", None, "The pruner to wrap (a pruner spec), or null.", nullable=True),
            "patience": OptionSpec("int", None, "Steps without improvement tolerated.", minimum=0, required=True),
            "min_delta": OptionSpec("float", 0.0, "Smallest change that counts as improvement.", minimum=0),
        },
        intermediate=True,
    ),
}

APPROACHES: dict[str, str] = {
    "single": "One study scored on a holdout split of the training data (see `validation`).",
    "grouped": "One study; each trial is scored on every fold and the scores aggregated by `eval_mode`.",
    "individual": "One study per fold; best parameters kept per fold.",
}

@dataclass(eq=False, repr=False)
class EvalModeSpec(Record):
    """How a trial's fold scores become its value: the one definition the schema, docs, compiler and runtime read."""

    description: str
    """What the value is, for the docs and the schema."""
    failed_folds: str
    """`fail_trial`: a fold that raises or scores NaN/inf fails the trial (state FAIL, the fold and
    message reported); `worst`: such a fold scores the worst value (+inf minimising, -inf
    maximising) and the trial goes on, as nirs4all 1.4.10 does."""
    aggregate: str
    """The aggregation over the fold scores (after the failed-fold rule): `mean`, `median`, `best`
    (min minimising, max maximising) or `quantile` (`numpy.quantile`, linear, at `quantile`)."""
    quantile: tuple[float, float] | None = None
    """`quantile` aggregation: (q when minimising, q when maximising); the IR records the resolved q."""
    legacy: tuple[str, ...] = ()
    """nirs4all 1.4.10 `eval_mode` spellings that compute exactly this (legacy blocks lower to it)."""
    v2: bool = True
    """Accepted as a v2 `eval_mode`."""
    nirs4all: str = ""
    """What nirs4all 1.4.10 computes for the same word (docs), or why it has no equivalent."""

    def quantile_for(self, direction: str) -> float | None:
        """The numpy quantile this mode takes in `direction`, or None when it takes none."""
        if self.quantile is None:
            return None
        return self.quantile[0] if direction == "minimize" else self.quantile[1]


_FAIL = "fail_trial"
_WORST = "worst"

EVAL_MODES: dict[str, EvalModeSpec] = {
    "mean": EvalModeSpec(
        "Mean of the fold scores; a failed fold (exception, NaN or inf) fails the trial.", _FAIL, "mean",
        nirs4all="nirs4all's `mean` scores a failed fold as the worst value (+-inf): see nirs4all_mean.",
    ),
    "median": EvalModeSpec(
        "Median of the fold scores; a failed fold fails the trial.", _FAIL, "median",
        nirs4all="nirs4all 1.4.10 has no median (it raises ValueError).",
    ),
    "best": EvalModeSpec(
        "Best fold score in the study's direction (min minimising, max maximising); a failed fold fails the trial.",
        _FAIL, "best",
        nirs4all="nirs4all's `best` ignores failed folds unless all fail: see nirs4all_best.",
    ),
    "robust_best": EvalModeSpec(
        "Pessimistic quantile of the fold scores: the 75th percentile when minimising, the 25th when "
        "maximising (numpy.quantile, linear): a score three folds in four reach. A failed fold fails the trial.",
        _FAIL, "quantile", quantile=(0.75, 0.25),
        nirs4all="nirs4all 1.4.10's `robust_best` is its `best` (best finite fold): see nirs4all_best.",
    ),
    "nirs4all_mean": EvalModeSpec(
        "nirs4all 1.4.10's mean: a fold that raises or scores NaN/inf counts as the worst value (+inf "
        "minimising, -inf maximising), so one failed fold makes the trial's value +-inf (the trial completes).",
        _WORST, "mean", legacy=("mean",),
        nirs4all="`eval_mode: mean` (and `avg`) of nirs4all 1.4.10 (`OptunaManager._aggregate_scores`).",
    ),
    "nirs4all_best": EvalModeSpec(
        "nirs4all 1.4.10's best: the best fold score among the folds that did not fail (exception, NaN or "
        "inf); +inf minimising (-inf maximising) when every fold failed (the trial completes).",
        _WORST, "best", legacy=("best", "robust_best"),
        nirs4all="`eval_mode: best` and `robust_best` of nirs4all 1.4.10, which compute the same value.",
    ),
}

DIRECTIONS: dict[str, str] = {
    "minimize": "Lower metric values are better.",
    "maximize": "Higher metric values are better.",
}

PARAM_TYPES: dict[str, str] = {
    "int": "Integer range: suggest_int(low, high, step, log).",
    "float": "Float range: suggest_float(low, high, step, log).",
    "categorical": "One of `choices`: suggest_categorical.",
    "sorted_tuple": "A sorted tuple of `length` numbers drawn from `element`.",
}

RANGE_TAGS: dict[str, tuple[str, bool]] = {
    "int": ("int", False), "int_log": ("int", True), "float": ("float", False), "float_log": ("float", True),
}
"""v2 tagged lists `[tag, low, high]`: tag -> (type, log) of the mapping form they stand for. Exactly
these lowercase spellings; the legacy dialect's other aliases (`log_int`, `builtins.int`) are not v2."""

SEED_MAX = 2**32 - 1
"""Largest seed: every Optuna sampler seeds numpy (`RandomState`), and sklearn's `random_state` too,
which take 0..2**32 - 1 and raise ValueError ("Seed must be between 0 and 2**32 - 1") above."""

def default_options(spec: KindSpec) -> dict[str, Any]:
    """The kind's options with Optuna's defaults, in declaration order."""
    return {name: opt.default for name, opt in spec.options.items()}
