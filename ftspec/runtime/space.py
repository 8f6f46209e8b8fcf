"""Suggest an IR space on an Optuna trial, and rebuild the nested parameter dicts.

The Optuna calls are exactly those of docs/ir.md (see `ftspec.ir`):

- `int`: `trial.suggest_int(name, low, high, step=step, log=log)`
- `float`: `trial.suggest_float(name, low, high, step=step, log=log)`. One exception: in a study
  that runs BruteForceSampler (as its sampler or in a phase), a one-point range without a step
  (`low == high`, log or not) is suggested as `suggest_float(name, low, high, step=1.0)`: the same
  single value (Optuna fills it in without asking the sampler), but BruteForceSampler enumerates
  the distribution of every parameter of past trials and raises for a float without a step
  (`_enumerate_candidates`), and a log distribution cannot have one.
- `categorical`: `trial.suggest_categorical(name, choices)`
- `sorted_tuple`: `trial.suggest_int(name + "_length", length_low, length_high)` when the length
  varies, then one element suggestion per position `name + "_" + i` (i from 0, with the element's
  `step`/`log`, a one-point float element as above); the value is the sorted tuple.

`name` is the Optuna name: the IR name for model parameters, `"train:" + name` for train ones.
A conditional entry is suggested only when its parent (same target) was suggested and its value
is (or, negated, is not) one of the condition's values; an entry whose parent was not suggested is
not suggested either. Values compare as JSON values (`True` is not `1`).

Sampled values are placed at their `path` in the nested dict, on top of a deep copy of the IR's
`fixed` values (the compiler guarantees that a path is either fixed or sampled; nested dicts merge).
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

from ftspec.ir import CategoricalParam, FloatParam, IntParam, SortedTupleParam, SpaceEntry, Study, element_name, length_name, optuna_name, place_at_path

__all__ = ["suggest", "suggest_flat", "flat_from_optuna", "nest", "condition_holds", "expand_forced"]


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return bool(a == b)


def condition_holds(entry: SpaceEntry, sampled: Mapping[str, Any]) -> bool:
    """Whether `entry` is active given the values already sampled for its target (by IR name)."""
    cond = entry.condition
    if cond is None:
        return True
    if cond.param not in sampled:
        return False
    member = any(_json_equal(sampled[cond.param], v) for v in cond.values)
    return member != cond.negate


def _uses_bruteforce(study: Study) -> bool:
    return study.sampler.kind == "bruteforce" or any(p.sampler.kind == "bruteforce" for p in study.phases)


def _float_options(low: float, high: float, step: float | None, log: bool, bruteforce: bool) -> dict[str, Any]:
    """`step`/`log` of a float suggestion: as the IR says, except a one-point range without a step
    under BruteForceSampler (step 1.0, no log: the same single value, and a step it can enumerate)."""
    if bruteforce and step is None and low == high:
        return {"step": 1.0, "log": False}
    return {"step": step, "log": log}


def _suggest_entry(trial: Any, entry: SpaceEntry, bruteforce: bool) -> Any:
    name = optuna_name(entry)
    if isinstance(entry, IntParam):
        return trial.suggest_int(name, entry.low, entry.high, step=entry.step, log=entry.log)
    if isinstance(entry, FloatParam):
        # float(): BruteForceSampler can return an int for a float range (its enumeration is cached
        # by (low, high, step), which an int range with the same bounds shares); storage keeps a float.
        return float(trial.suggest_float(name, entry.low, entry.high, **_float_options(entry.low, entry.high, entry.step, entry.log, bruteforce)))
    if isinstance(entry, CategoricalParam):
        return trial.suggest_categorical(name, entry.choices)
    if isinstance(entry, SortedTupleParam):
        if entry.length_high != entry.length_low:
            length = trial.suggest_int(length_name(entry), entry.length_low, entry.length_high)
        else:
            length = entry.length_low
        el = entry.element
        if el.kind == "int":
            values = [trial.suggest_int(element_name(entry, i), el.low, el.high, step=el.step, log=el.log) for i in range(length)]
        else:
            options = _float_options(el.low, el.high, el.step, el.log, bruteforce)
            values = [float(trial.suggest_float(element_name(entry, i), el.low, el.high, **options)) for i in range(length)]
        return tuple(sorted(values))
    raise TypeError(f"unknown space entry {entry!r}")  # pragma: no cover - the IR union is closed


def suggest_flat(trial: Any, study: Study) -> tuple[dict[str, Any], dict[str, Any]]:
    """Suggest every active entry in IR order; the sampled values by IR name, per target."""
    sampled: dict[str, dict[str, Any]] = {"model": {}, "train": {}}
    bruteforce = _uses_bruteforce(study)
    for entry in study.space:
        values = sampled[entry.target]
        if condition_holds(entry, values):
            values[entry.name] = _suggest_entry(trial, entry, bruteforce)
    return sampled["model"], sampled["train"]


def flat_from_optuna(study: Study, params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sampled values by IR name, per target, read back from a finished trial's Optuna params."""
    out: dict[str, dict[str, Any]] = {"model": {}, "train": {}}
    for entry in study.space:
        name = optuna_name(entry)
        if isinstance(entry, SortedTupleParam):
            if entry.length_high != entry.length_low:
                if length_name(entry) not in params:
                    continue
                length = int(params[length_name(entry)])
            else:
                length = entry.length_low
            keys = [element_name(entry, i) for i in range(length)]
            if not all(k in params for k in keys):
                continue
            out[entry.target][entry.name] = tuple(sorted(params[k] for k in keys))
        elif name in params:
            out[entry.target][entry.name] = params[name]
    return out["model"], out["train"]


def nest(study: Study, flat_model: Mapping[str, Any], flat_train: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The nested model and train dicts: a deep copy of `fixed`, with every sampled value at its path."""
    # Empty fixed dicts are the common case and deepcopy is most of this function's per-trial cost.
    model = copy.deepcopy(study.fixed.model) if study.fixed.model else {}
    train = copy.deepcopy(study.fixed.train) if study.fixed.train else {}
    for entry in study.space:
        flat, root = (flat_model, model) if entry.target == "model" else (flat_train, train)
        if entry.name in flat:
            place_at_path(root, list(entry.path), flat[entry.name])
    return model, train


def suggest(trial: Any, study: Study) -> tuple[dict[str, Any], dict[str, Any]]:
    """Suggest the study's space on `trial`: the nested (model_params, train_params), fixed values merged."""
    flat_model, flat_train = suggest_flat(trial, study)
    return nest(study, flat_model, flat_train)


def expand_forced(study: Study, model: Mapping[str, Any], train: Mapping[str, Any]) -> dict[str, Any]:
    """Optuna params for `study.enqueue_trial` from a forced trial's values by IR name.

    Model names are kept, train names get the `train:` prefix; a sorted tuple's value (a list)
    is spread into `name_length` (when the length varies) and `name_i`. Names that are not in the
    space are passed through unchanged (Optuna ignores what is never suggested).
    """
    entries = {(e.target, e.name): e for e in study.space}
    params: dict[str, Any] = {}
    for target, values in (("model", model), ("train", train)):
        for name, value in values.items():
            entry = entries.get((target, name))
            key = name if target == "model" else f"train:{name}"
            if isinstance(entry, SortedTupleParam) and isinstance(value, (list, tuple)):
                if entry.length_high != entry.length_low:
                    params[length_name(entry)] = len(value)
                for i, v in enumerate(sorted(value)):
                    params[element_name(entry, i)] = v
            else:
                params[key] = value
    return params
