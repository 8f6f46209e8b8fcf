"""The v2 front-end: strict, explicit forms only (see docs/v2-syntax.md); every deviation is an error.

This module only dispatches and assembles: the keys of a v2 block are the `V2Field`s of
`ftspec/schema/v2_fields.py`; a `carried` key is read from its field by `read_carried_key`, and
every other key has a reader registered with `@v2_key` in the rule module of the findings it reports
(`rules/structure.py` for the keys themselves and `version`, `rules/space.py` for `model_params`,
`train_params` and the spec forms, `rules/study.py` for the study keys). `lower_v2` calls them in
the order their values depend on each other and builds the `Study`.
"""

from __future__ import annotations

from ftspec.compiler.checks import V2_KEY_READERS, Lowering
from ftspec.compiler.rules.space import SpaceBuilder
from ftspec.compiler.rules.structure import check_v2_keys
from ftspec.compiler.rules.study import read_carried_key, tpe_for_several_objectives
from ftspec.ir import Fixed, PipelineContext, Study, StudySource
from ftspec.schema.v2_fields import V2_FIELDS, V2_FIELDS_BY_NAME, V2_KEYS


def lower_v2(lo: Lowering, study_id: str, source: StudySource, pipeline: PipelineContext | None) -> Study:
    read = V2_KEY_READERS.read
    check_v2_keys(lo)
    for name in V2_KEYS:
        node = lo.block.get(name)
        if node is not None:
            lo.fields[name] = node

    read("version", lo)
    n_trials = read("n_trials", lo, V2_FIELDS_BY_NAME["n_trials"].default)
    carried = {f.name: read_carried_key(lo, f) for f in V2_FIELDS if f.carried}
    objectives = read("metric", lo, carried["eval_mode"])
    select = read("select", lo, objectives)
    sampler = read("sampler", lo)
    pruner = read("pruner", lo)
    validation = read("validation", lo, carried["approach"], carried["seed"])
    storage = read("storage", lo)
    failure_policy = read("failure_policy", lo)

    space = SpaceBuilder(lo)
    read("model_params", lo, space)
    read("train_params", lo, space)
    phases = read("phases", lo, n_trials)
    if phases:
        sampler = phases[0].sampler
        n_trials = sum(p.n_trials for p in phases)
    if len(objectives) > 1:
        sampler, phases = tpe_for_several_objectives(lo, sampler, phases)
    force_params = read("force_params", lo, space)
    tracking = read("tracking", lo, study_id)

    return Study(
        id=study_id, source=source, n_trials=n_trials, objectives=objectives, select=select,
        sampler=sampler, pruner=pruner, validation=validation, storage=storage, failure_policy=failure_policy,
        space=space.entries, fixed=Fixed(model=space.fixed["model"], train=space.fixed["train"]),
        force_params=force_params, phases=phases, pipeline=pipeline, tracking=tracking, **carried,
    )
