#!/usr/bin/env python
"""Objective probe: what nirs4all 1.4.10's grouped objective makes of given fold outcomes.

Run with the python of the nirs4all virtual environment (`tests/differential/n4a_env.py`); it must
not import ftspec. Reads a JSON list on stdin, one case per item::

    {"id": ..., "block": <legacy finetune_params dict>, "n_folds": int,
     "outcomes": [[fold outcome, ...] per trial]}

where a fold outcome is a number, "nan", "inf", "-inf" or "raise". Writes on stdout::

    {"versions": {...}, "results": [{"id", "trials": [{"number", "state", "value",
      "intermediate": {step: value}, "pruned_step"}], "finetune_error", "probe_error"}]}

(values JSON-safe: non-finite floats as the strings "inf", "-inf", "nan").

What runs is nirs4all's own `OptunaManager.finetune(...)` with `folds` given and the block's
`approach` (grouped by default), i.e. `_validate_and_normalize_finetune_params`,
`_resolve_metric_direction`, `finetune_inputs`, then `_optimize_grouped_folds` (its objective with
`finetune_fold`, `_aggregate_scores`, `trial.report` / `should_prune`, `_create_study` with the
block's sampler, pruner, seed and `study_name`) and `_build_finetune_result`. Nothing of nirs4all
is patched except `optuna.create_study`, wrapped only to keep a reference to the study it returns.
The data are a real numpy array (20 rows) and the folds real index arrays, so `finetune_fold` slices
them as in a pipeline run; the dataset, context and controller are stand-ins:

- `process_hyperparameters` (called once per trial, before its folds) advances the trial counter;
- `_get_model_instance` (the first call of a fold) advances the fold counter;
- `_train_model` raises `RuntimeError` for a "raise" outcome; `_evaluate_model` returns the
  scheduled score (a float, possibly NaN or +-inf).

Trials run sequentially (`n_jobs` 1), so the counters pair each call with its (trial, fold).
The block's `n_trials` must be the number of scheduled trials (a trial past the schedule raises
IndexError in the controller, which nirs4all counts as a failed fold). `_build_finetune_result` raises when no trial
completed (every trial pruned): that is recorded in `finetune_error`, the trials are still read.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import math
import sys
import warnings
from types import SimpleNamespace
from typing import Any

N_ROWS = 20


def outcome_value(outcome: Any) -> float | None:
    """The score of a scheduled outcome; None for "raise"."""
    if outcome == "raise":
        return None
    if isinstance(outcome, str):
        return float(outcome)  # "nan", "inf", "-inf"
    return float(outcome)


def safe(value: Any) -> Any:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else repr(value)


class ScheduledController:
    """A model controller whose fold scores are given: `outcomes[trial][fold]`."""

    def __init__(self, outcomes: list[list[Any]]) -> None:
        self.outcomes = outcomes
        self.trial = -1
        self.fold = -1
        self.calls: list[list[int]] = []  # (trial, fold) of every evaluated fold, in order

    def process_hyperparameters(self, params: dict) -> dict:
        self.trial += 1
        self.fold = -1
        return params

    def _get_model_instance(self, dataset: Any, model_config: Any, force_params: Any = None) -> Any:
        self.fold += 1
        self.calls.append([self.trial, self.fold])
        return object()

    def _prepare_data(self, X: Any, y: Any, context: Any) -> tuple[Any, Any]:
        return X, y

    def _current(self) -> Any:
        if self.trial >= len(self.outcomes) or self.fold >= len(self.outcomes[self.trial]):
            raise IndexError(f"no outcome scheduled for trial {self.trial}, fold {self.fold}")
        return self.outcomes[self.trial][self.fold]

    def _train_model(self, model: Any, X_train: Any, y_train: Any, X_val: Any, y_val: Any, **train_params: Any) -> Any:
        if outcome_value(self._current()) is None:
            raise RuntimeError(f"scheduled failure (trial {self.trial}, fold {self.fold})")
        return model

    def _evaluate_model(self, model: Any, X_val: Any, y_val: Any, metric: Any = None, direction: Any = None) -> float:
        return outcome_value(self._current())  # type: ignore[return-value]


def run_case(case: dict, module: Any, optuna: Any, np: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": case.get("id"), "trials": [], "finetune_error": None, "calls": []}
    outcomes = case["outcomes"]
    n_folds = int(case["n_folds"])
    block = copy.deepcopy(case["block"])  # its n_trials is the number of scheduled trials
    X = np.arange(N_ROWS * 2, dtype=float).reshape(N_ROWS, 2)
    y = np.arange(N_ROWS, dtype=float)
    # fold k validates on the rows i with i % (n_folds + 1) == k and trains on the others (one fold works too)
    folds = [(np.array([i for i in range(N_ROWS) if i % (n_folds + 1) != k], dtype=int),
              np.array([i for i in range(N_ROWS) if i % (n_folds + 1) == k], dtype=int))
             for k in range(n_folds)]
    controller = ScheduledController(outcomes)
    dataset = SimpleNamespace(task_type="regression")
    context = SimpleNamespace(custom={})
    studies: list[Any] = []
    real_create = optuna.create_study

    def create_study(*args: Any, **kwargs: Any) -> Any:
        study = real_create(*args, **kwargs)
        studies.append(study)
        return study

    optuna.create_study = create_study
    try:
        module.OptunaManager().finetune(dataset, {"class": "stand-in"}, X, y, None, None, folds, block, context, controller)
    except Exception as exc:  # _build_finetune_result with no completed trial: the study is still there
        out["finetune_error"] = {"type": type(exc).__name__, "message": str(exc)}
    finally:
        optuna.create_study = real_create
    out["calls"] = controller.calls
    if not studies:
        out["probe_error"] = {"type": "NoStudy", "message": "nirs4all created no study"}
        return out
    for t in studies[-1].get_trials(deepcopy=False):
        out["trials"].append({
            "number": t.number,
            "state": t.state.name,
            "value": safe(t.value),
            "intermediate": {str(step): safe(v) for step, v in sorted(t.intermediate_values.items())},
            "pruned_step": t.last_step if t.state.name == "PRUNED" else None,
        })
    return out


def main() -> int:
    cases = json.load(sys.stdin)
    logging.disable(logging.CRITICAL)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        import numpy as np
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        from importlib.metadata import version

        import nirs4all.optimization.optuna as module

        results = []
        for case in cases:
            try:
                results.append(run_case(case, module, optuna, np))
            except Exception as exc:
                results.append({"id": case.get("id"), "trials": [], "probe_error": {"type": type(exc).__name__, "message": str(exc)}})
        versions = {"nirs4all": version("nirs4all"), "optuna": version("optuna")}
    json.dump({"versions": versions, "results": results}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
