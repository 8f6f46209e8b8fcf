#!/usr/bin/env python
"""Batch probe: what the published nirs4all (1.4.10) does with `finetune_params` blocks.

Run with the python of a virtual environment where nirs4all is installed (see
`tests/differential/n4a_env.py`); it must not import ftspec. Reads a JSON list on stdin, one
item per block::

    {"id": "...", "object": "finetune_params" | "finetune_space", "block": {...}}

and writes a JSON list on stdout, one result per item, in the same order::

    {"id": ..., "validation": {"ok": bool, "error": {"type", "message"} | null},
     "config": <the dict nirs4all samples from>, "calls": [{"method", "name", "args", "kwargs",
     "distribution" | "error"}], "sample_error": {"type", "message"} | null,
     "sampled": {"model_params", "train_params"} | null,
     "study": {"direction", "sampler": {"class", "arguments"}, "phase_samplers": [...],
               "pruner": {"class", "arguments"} | null, "study_pruner", "storage", "enqueued",
               "n_trials", "phases_n_trials"} | null, "study_error": {"type", "message"} | null}

What is asked of nirs4all (its internal API, nirs4all/optimization/optuna.py):

- `finetune_space` blocks go first through `MetaModel.get_finetune_params()` (what the MetaModel
  controller hands to the OptunaManager);
- `OptunaManager()._validate_and_normalize_finetune_params(block)`: accepted or the exception;
- `OptunaManager().sample_hyperparameters(trial, config)` on a real Optuna trial wrapped in a
  recording proxy; `config` is the normalized block (the raw block when validation raised, so the
  sampling grammar is still observed; finetune() itself would stop before sampling).

- for a block that passed validation, the study `finetune()` builds before its first trial:
  `_resolve_metric_direction`, `_create_study` (sampler, pruner, direction), one `_create_sampler`
  per phase, and the budget (`n_trials`, or the phases' sum). nirs4all's sampler/pruner classes and
  `optuna.create_study` are patched while this runs to record the arguments they get, with the
  classes' defaults applied (`probe_study`); no trial is run and no storage is opened.

The trial comes from a study whose sampler always proposes the lowest value of a numeric
distribution and the first choice of a categorical one, so that the calls are deterministic and
a differential test can reproduce the very same values on another implementation. Optuna still
validates every call (an invalid range raises) and records the distribution it really used. That
sampler and the recording proxy are defined once, in `tools/n4a_trial.py`, which ftspec's side of
the comparison imports too.

JSON has no tuples: the blocks are fed as lists, which is what nirs4all sees when a pipeline file
is run (its serialization turns tuples into lists).
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import json
import logging
import sys
import warnings
from typing import Any

from n4a_trial import (  # tools/n4a_trial.py, beside this file
    Recorder,
    describe,
    jsonable,
    lowest_trial,
)

STUDY_CLASSES = ("GridSampler", "RandomSampler", "CmaEsSampler", "TPESampler", "BinarySearchSampler",
                 "MedianPruner", "SuccessiveHalvingPruner", "HyperbandPruner")


def class_path(obj: Any, optuna: Any) -> str | None:
    """`optuna.samplers.X` / `optuna.pruners.X` for Optuna's public classes, else module.qualname."""
    if obj is None:
        return None
    cls = type(obj)
    for public in ("samplers", "pruners"):
        if getattr(getattr(optuna, public), cls.__name__, None) is cls:
            return f"optuna.{public}.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


@contextlib.contextmanager
def recording_study(module: Any, optuna: Any, built: list, by_id: dict):
    """nirs4all's sampler/pruner classes and `optuna.create_study`, patched to record what they are
    given (constructor arguments with the class's defaults applied) and still build the real objects.
    The study is always in memory: a `storage` is recorded, never opened."""
    saved = {name: getattr(module, name) for name in STUDY_CLASSES if hasattr(module, name)}
    real_create = optuna.create_study

    def recorder(name: str, cls: Any) -> Any:
        def build(*args: Any, **kwargs: Any) -> Any:
            entry: dict[str, Any] = {"class": name}
            built.append(entry)
            try:
                bound = inspect.signature(cls).bind(*args, **kwargs)
                bound.apply_defaults()
                arguments = dict(bound.arguments)
                if "search_space" in arguments:  # the grid: its names are recorded, the space is compared as parameters
                    arguments["search_space"] = sorted(arguments["search_space"])
                entry["arguments"] = jsonable(arguments)
            except TypeError as exc:
                entry["arguments_error"] = describe(exc)
            obj = cls(*args, **kwargs)
            entry["class"] = class_path(obj, optuna)
            by_id[id(obj)] = entry
            return obj
        return build

    def create_study(**kwargs: Any) -> Any:
        built.append({"create_study": {k: (class_path(v, optuna) if k in ("sampler", "pruner") else jsonable(v))
                                       for k, v in kwargs.items()}})
        kwargs = dict(kwargs, storage=None, load_if_exists=False)
        return real_create(**kwargs)

    try:
        for name, cls in saved.items():
            setattr(module, name, recorder(name, cls))
        optuna.create_study = create_study
        yield
    finally:
        for name, cls in saved.items():
            setattr(module, name, cls)
        optuna.create_study = real_create


def probe_study(config: dict, manager: Any, module: Any, optuna: Any) -> dict[str, Any]:
    """What `OptunaManager.finetune` builds for this (validated, normalized) block before its first
    trial: `_resolve_metric_direction`, `_create_study`, then one `_create_sampler` per phase (the
    multiphase path swaps the study's sampler before each phase), and the trial budget it runs."""
    built: list = []
    by_id: dict[int, dict] = {}
    params = manager._resolve_metric_direction(copy.deepcopy(config), None)
    with recording_study(module, optuna, built, by_id):
        study = manager._create_study(params)
        samplers = [study.sampler]
        phases = params.get("phases") or []
        for phase in phases:
            samplers.append(manager._create_sampler(phase.get("sampler", "tpe"), params, params.get("seed")))
    create = next(e["create_study"] for e in built if "create_study" in e)

    def component(obj: Any) -> dict[str, Any] | None:
        if obj is None:
            return None
        entry = by_id.get(id(obj), {})
        return {"class": class_path(obj, optuna), "arguments": entry.get("arguments")}

    return {
        "metric": jsonable(params.get("metric")),  # None: the controller's default loss, minimized
        "direction": study.direction.name.lower(),
        # the sampler of the study, then (multiphase) the one each phase swaps in before its trials
        "sampler": component(samplers[0]),
        "phase_samplers": [component(s) for s in samplers[1:]],
        # `_create_pruner("none")` is None, and optuna.create_study(pruner=None) then substitutes a
        # MedianPruner that nirs4all never feeds (it reports only when pruner != "none"): both recorded
        "pruner": component(study.pruner) if create.get("pruner") else None,
        "study_pruner": class_path(study.pruner, optuna),
        "storage": create.get("storage"),
        "enqueued": [jsonable(t.system_attrs.get("fixed_params")) for t in study.get_trials(deepcopy=False)],
        "n_trials": jsonable(sum(p["n_trials"] for p in phases) if phases else params.get("n_trials", 50)),
        "phases_n_trials": jsonable([p["n_trials"] for p in phases]),
    }


def meta_model_finetune_params(space: dict) -> Any:
    """What a MetaModel with this finetune_space hands to the OptunaManager."""
    from nirs4all.operators.models.meta import MetaModel

    try:
        from sklearn.linear_model import Ridge

        return MetaModel(model=Ridge(), finetune_space=copy.deepcopy(space)).get_finetune_params()
    except TypeError:  # constructor signature changed: call the method on a stand-in
        from types import SimpleNamespace

        stand_in = SimpleNamespace(finetune_space=copy.deepcopy(space),
                                   _FINETUNE_CONTROL_KEYS=MetaModel._FINETUNE_CONTROL_KEYS)
        return MetaModel.get_finetune_params(stand_in)


def probe_one(item: dict, manager: Any, module: Any, optuna: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.get("id"), "validation": None, "config": None, "calls": [],
                           "sample_error": None, "sampled": None,
                           "study": None, "study_error": None}
    block = item.get("block")
    if item.get("object") == "finetune_space" and isinstance(block, dict):
        try:
            block = meta_model_finetune_params(block)
        except Exception as exc:
            out["validation"] = {"ok": False, "error": describe(exc)}
            return out
    if not isinstance(block, dict):
        out["validation"] = {"ok": False, "error": {"type": "TypeError", "message": "block is not a mapping"}}
        return out
    normalized = None
    try:
        normalized = manager._validate_and_normalize_finetune_params(copy.deepcopy(block))
        out["validation"] = {"ok": True, "error": None}
    except Exception as exc:
        out["validation"] = {"ok": False, "error": describe(exc)}
    config = normalized if normalized is not None else block
    out["config"] = jsonable(config)
    if normalized is not None:  # finetune() stops at a validation error, before building the study
        try:
            out["study"] = probe_study(normalized, manager, module, optuna)
        except Exception as exc:
            out["study_error"] = describe(exc)
    try:
        model_params, train_params = manager.sample_hyperparameters(
            Recorder(lowest_trial(), out["calls"]), copy.deepcopy(config))
        out["sampled"] = {"model_params": jsonable(model_params), "train_params": jsonable(train_params)}
    except Exception as exc:
        out["sample_error"] = describe(exc)
    return out


def main() -> int:
    items = json.load(sys.stdin)
    logging.disable(logging.CRITICAL)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        from importlib.metadata import version

        import nirs4all.optimization.optuna as module

        manager = module.OptunaManager()
        results = []
        for item in items:
            try:
                results.append(probe_one(item, manager, module, optuna))
            except Exception as exc:  # the probe itself failed on this block: say so, keep going
                results.append({"id": item.get("id"), "probe_error": describe(exc)})
        versions = {"nirs4all": version("nirs4all"), "optuna": version("optuna")}
    json.dump({"versions": versions, "results": results}, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
