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
     "sampled": {"model_params", "train_params"} | null}

What is asked of nirs4all (its internal API, nirs4all/optimization/optuna.py):

- `finetune_space` blocks go first through `MetaModel.get_finetune_params()` (what the MetaModel
  controller hands to the OptunaManager);
- `OptunaManager()._validate_and_normalize_finetune_params(block)`: accepted or the exception;
- `OptunaManager().sample_hyperparameters(trial, config)` on a real Optuna trial wrapped in a
  recording proxy; `config` is the normalized block (the raw block when validation raised, so the
  sampling grammar is still observed; finetune() itself would stop before sampling).

The trial comes from a study whose sampler always proposes the lowest value of a numeric
distribution and the first choice of a categorical one, so that the calls are deterministic and
a differential test can reproduce the very same values on another implementation. Optuna still
validates every call (an invalid range raises) and records the distribution it really used.

JSON has no tuples: the blocks are fed as lists, which is what nirs4all sees when a pipeline file
is run (its serialization turns tuples into lists).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import sys
import warnings
from typing import Any


def jsonable(obj: Any) -> Any:
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, float) and (obj != obj or obj in (float("inf"), float("-inf"))):
        return repr(obj)
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    item = getattr(obj, "item", None)  # numpy scalars
    if callable(item):
        try:
            return jsonable(item())
        except Exception:
            pass
    return f"<{type(obj).__name__} {obj!r}>"


def describe(exc: BaseException) -> dict[str, str]:
    return {"type": type(exc).__name__, "message": str(exc)}


def make_sampler(optuna: Any) -> Any:
    from optuna.distributions import CategoricalDistribution

    class LowestSampler(optuna.samplers.BaseSampler):
        """Lowest numeric value, first categorical choice: deterministic and reproducible."""

        def infer_relative_search_space(self, study, trial):
            return {}

        def sample_relative(self, study, trial, search_space):
            return {}

        def sample_independent(self, study, trial, param_name, param_distribution):
            if isinstance(param_distribution, CategoricalDistribution):
                return param_distribution.choices[0]
            return param_distribution.low

    return LowestSampler()


class Recorder:
    """Proxy trial: records every suggest_* call, forwards it to the real trial."""

    def __init__(self, trial: Any, calls: list, optuna: Any):
        self._trial, self._calls, self._optuna = trial, calls, optuna

    def _record(self, method: str, name: str, args: tuple, kwargs: dict) -> Any:
        entry: dict[str, Any] = {"method": method, "name": name, "args": jsonable(list(args)),
                                 "kwargs": jsonable(dict(kwargs))}
        self._calls.append(entry)
        try:
            value = getattr(self._trial, method)(name, *args, **kwargs)
        except Exception as exc:
            entry["error"] = describe(exc)
            raise
        dist = self._trial.distributions.get(name)
        entry["distribution"] = json.loads(self._optuna.distributions.distribution_to_json(dist)) if dist else None
        entry["value"] = jsonable(value)
        return value

    def suggest_int(self, name, *a, **k):
        return self._record("suggest_int", name, a, k)

    def suggest_float(self, name, *a, **k):
        return self._record("suggest_float", name, a, k)

    def suggest_categorical(self, name, *a, **k):
        return self._record("suggest_categorical", name, a, k)

    def suggest_uniform(self, name, *a, **k):
        return self._record("suggest_uniform", name, a, k)

    def suggest_loguniform(self, name, *a, **k):
        return self._record("suggest_loguniform", name, a, k)

    def suggest_discrete_uniform(self, name, *a, **k):
        return self._record("suggest_discrete_uniform", name, a, k)

    def __getattr__(self, item):
        return getattr(self._trial, item)


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


def probe_one(item: dict, manager: Any, optuna: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.get("id"), "validation": None, "config": None, "calls": [],
                           "sample_error": None, "sampled": None}
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
    study = optuna.create_study(sampler=make_sampler(optuna))
    trial = study.ask()
    try:
        model_params, train_params = manager.sample_hyperparameters(
            Recorder(trial, out["calls"], optuna), copy.deepcopy(config))
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

        from nirs4all.optimization.optuna import OptunaManager

        manager = OptunaManager()
        results = []
        for item in items:
            try:
                results.append(probe_one(item, manager, optuna))
            except Exception as exc:  # the probe itself failed on this block: say so, keep going
                results.append({"id": item.get("id"), "probe_error": describe(exc)})
        versions = {"nirs4all": version("nirs4all"), "optuna": version("optuna")}
    json.dump({"versions": versions, "results": results}, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
