"""The legacy front-end: nirs4all's finetune_params dialects, lowered to the meaning nirs4all 1.4 gives
them, with a finding wherever that meaning is ambiguous, differs from older releases, or is not what
the author most likely wrote.

This module only dispatches and assembles: each key of the block has a reader registered with
`@legacy_key` in the rule module of the findings it reports (`rules/structure.py` for the keys
themselves, `rules/space.py` for `model_params`, `train_params` and the spec forms, `rules/study.py`
for the study keys), and `lower_legacy` calls them in the order their values depend on each other
and builds the `Study`. The reference for every reader is nirs4all 1.4.10
`nirs4all/optimization/optuna.py` and the rule catalogue (docs/rules.md), which says for each
finding what older releases did.
"""

from __future__ import annotations

from dataclasses import dataclass

from ftspec._record import Record
from ftspec.compiler.checks import LEGACY_KEY_CHECKS, LEGACY_KEYS, Lowering
from ftspec.compiler.rules.space import SpaceBuilder, withdraw_nesting_fixes
from ftspec.compiler.rules.structure import check_legacy_dialect, check_legacy_keys
from ftspec.compiler.rules.study import check_final_fit
from ftspec.ir import FailurePolicy, Fixed, Objective, PipelineContext, Select, Study, StudySource, Validation
from ftspec.schema.vocab import EVAL_MODES

# The IR fields a finding may point at: the node each was read from.
FIELD_KEYS = ("n_trials", "n_jobs", "seed", "approach", "eval_mode", "metric", "direction", "pruner", "storage", "phases")


@dataclass(eq=False, repr=False)
class BlockContext(Record):
    """What the pipeline around a block tells the legacy front-end."""

    kind: str = "finetune_params"
    """"finetune_params", "finetune_space" (MetaModel) or "bare"."""
    model_class: str | None = None
    has_folds: bool | None = None
    """Whether a splitter step precedes the model (None: not in a pipeline)."""


def lower_legacy(
    lo: Lowering, study_id: str, source: StudySource, ctx: BlockContext, pipeline: PipelineContext | None
) -> Study:
    read = LEGACY_KEYS.read
    check_legacy_dialect(lo)
    check_legacy_keys(lo, ctx.kind)
    for key in LEGACY_KEY_CHECKS.names():
        LEGACY_KEY_CHECKS.read(key, lo)
    for name in FIELD_KEYS:
        node = lo.block.get(name)
        if node is not None:
            lo.fields[name] = node

    n_trials = read("n_trials", lo, 50)
    n_jobs = read("n_jobs", lo)
    seed = read("seed", lo)
    timeout = read("timeout_seconds", lo)
    approach = read("approach", lo, ctx.has_folds)
    eval_mode = read("eval_mode", lo, approach)
    metric, direction = read("metric", lo, ctx.model_class)
    pruner = read("pruner", lo)

    space = SpaceBuilder(lo)
    first_param_finding = len(lo.collector.diagnostics)
    params = read("model_params", lo, ctx.kind, space)
    read("train_params", lo, space)
    phases = read("phases", lo, params, n_trials)
    sampler = read("sampler", lo, space, params, phases)
    if sampler.kind == "grid" or any(p.sampler.kind == "grid" for p in phases):
        withdraw_nesting_fixes(lo, first_param_finding)
    if phases:
        n_trials = sum(p.n_trials for p in phases)

    check_final_fit(lo, space, params, sampler.kind)
    return Study(
        id=study_id, source=source, n_trials=n_trials, timeout_seconds=timeout, n_jobs=n_jobs, seed=seed,
        approach=approach, eval_mode=eval_mode,
        objectives=[Objective(metric=metric, direction=direction, eval_quantile=EVAL_MODES[eval_mode].quantile_for(direction))],
        select=Select(objective=metric),
        sampler=sampler, pruner=pruner,
        validation=Validation(holdout_fraction=0.2, seed=42) if approach == "single" else None,
        storage=read("storage", lo), failure_policy=FailurePolicy(None, None),
        space=space.entries, fixed=Fixed(model=space.fixed["model"], train=space.fixed["train"]),
        force_params=read("force_params", lo, space), phases=phases, pipeline=pipeline,
    )
