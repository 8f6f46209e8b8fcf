"""Build IR studies for the runtime tests (the current IR version, every field written)."""

from __future__ import annotations

from typing import Any

from ftspec.ir import IR_VERSION, Study
from ftspec.schema.ir_model import load_ir

LOC = {"pointer": "", "line": 1, "column": 1}
RANDOM = {"kind": "random", "options": {}}
NO_PRUNER = {"kind": "none", "options": {}}


def entry(kind: str, name: str, target: str = "model", path: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    return {"name": name, "target": target, "kind": kind, "path": path or [name], "condition": None, "source": LOC, **fields}


def step(class_path: str, **params: Any) -> dict[str, Any]:
    return {"class_path": class_path, "params": params, "source": LOC}


def make_study(**overrides: Any) -> Study:
    """A `single` rmse study on a log-float `alpha`, 6 random trials, seed 7; `overrides` replace fields."""
    study: dict[str, Any] = {
        "id": "s",
        "source": {"file": "f", **LOC},
        "n_trials": 6,
        "timeout_seconds": None,
        "n_jobs": 1,
        "seed": 7,
        "approach": "single",
        "eval_mode": "mean",
        "metric": "rmse",
        "direction": "minimize",
        "sampler": RANDOM,
        "pruner": NO_PRUNER,
        "validation": {"holdout_fraction": 0.25, "seed": 3},
        "storage": None,
        "failure_policy": {"max_consecutive_failures": None, "max_failure_ratio": None},
        "space": [entry("float", "alpha", low=1e-3, high=10.0, step=None, log=True)],
        "fixed": {"model": {}, "train": {}},
        "force_params": [],
        "phases": [],
        "pipeline": None,
    }
    study.update(overrides)
    return load_ir({"ir_version": IR_VERSION, "studies": [study]}).studies[0]
