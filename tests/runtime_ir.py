"""Build IR studies for the runtime tests (the current IR version, every field written)."""

from __future__ import annotations

from typing import Any

from ftspec.ir import IR_VERSION, Study
from ftspec.schema.ir_model import load_ir
from ftspec.schema.metrics import METRICS
from ftspec.schema.vocab import EVAL_MODES

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
        "tracking": None,
        "trial_timeout_seconds": None,
    }
    # `metric`, `direction` (one objective) or `metrics` (several, directions from the registry) and
    # `eval_quantile` are shorthands for `objectives`; `select` defaults to the first objective.
    metric = overrides.pop("metric", "rmse")
    direction = overrides.pop("direction", None)
    metrics = overrides.pop("metrics", None)
    quantile = overrides.pop("eval_quantile", ...)
    study.update(overrides)
    if "objectives" not in overrides:
        mode = EVAL_MODES[study["eval_mode"]]
        pairs = [(m, METRICS[m].direction) for m in metrics] if metrics else [(metric, direction or METRICS[metric].direction)]
        study["objectives"] = [
            {"metric": m, "direction": d, "eval_quantile": mode.quantile_for(d) if quantile is ... else quantile} for m, d in pairs
        ]
    study.setdefault("select", {"objective": study["objectives"][0]["metric"]})
    return load_ir({"ir_version": IR_VERSION, "studies": [study]}).studies[0]


def grouped_study(*entries: dict[str, Any], **overrides: Any) -> Study:
    """`make_study` as a `grouped` study of 1 trial on `entries`, without seed or validation."""
    return make_study(**{"n_trials": 1, "seed": None, "approach": "grouped", "validation": None, "space": list(entries), **overrides})


def xnm_space(n_path: list[str] | None = None) -> list[dict[str, Any]]:
    """x float in [-2, 2], n int 1..9 step 2 (at `n_path`), a categorical train `mode`: the space of
    the optimize tests, the storage worker and the runtime bench."""
    return [
        entry("float", "x", low=-2.0, high=2.0, step=None, log=False),
        entry("int", "n", path=n_path, low=1, high=9, step=2, log=False),
        entry("categorical", "mode", target="train", choices=["a", "b"]),
    ]
