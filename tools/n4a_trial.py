"""The deterministic trial both sides of the differential suite sample with (one definition).

Imported by `tools/n4a_probe.py` in the nirs4all virtual environment and by
`tests/differential/compare.py` in ftspec's: it imports neither ftspec nor nirs4all, and Optuna only
inside the functions, so the two sides build the very same sampler and record calls the same way.

- `lowest_sampler()`: an Optuna sampler proposing the lowest value of a numeric distribution and the
  first choice of a categorical one (deterministic, and Optuna still validates every call);
- `Recorder`: a trial proxy recording every `suggest_*` call (method, name, args, kwargs, the
  distribution Optuna really used, the value), forwarding it to the real trial.
"""

from __future__ import annotations

import json
import math
from typing import Any


def jsonable(obj: Any) -> Any:
    """Plain JSON (non-finite floats and unknown objects as strings, numpy scalars unwrapped)."""
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, float) and not math.isfinite(obj):
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


def lowest_sampler() -> Any:
    """Lowest numeric value, first categorical choice: deterministic and reproducible."""
    import optuna
    from optuna.distributions import CategoricalDistribution

    class LowestSampler(optuna.samplers.BaseSampler):
        def infer_relative_search_space(self, study, trial):
            return {}

        def sample_relative(self, study, trial, search_space):
            return {}

        def sample_independent(self, study, trial, param_name, param_distribution):
            if isinstance(param_distribution, CategoricalDistribution):
                return param_distribution.choices[0]
            return param_distribution.low

    return LowestSampler()


def lowest_trial() -> Any:
    """A fresh trial of an in-memory study driven by `lowest_sampler()`."""
    import optuna

    return optuna.create_study(sampler=lowest_sampler()).ask()


class Recorder:
    """Proxy trial: records every suggest_* call in `calls`, forwards it to the real trial."""

    def __init__(self, trial: Any, calls: list | None = None):
        import optuna

        self._trial, self._optuna = trial, optuna
        self.calls: list[dict[str, Any]] = [] if calls is None else calls

    def _record(self, method: str, name: str, args: tuple, kwargs: dict) -> Any:
        entry: dict[str, Any] = {"method": method, "name": name, "args": jsonable(list(args)),
                                 "kwargs": jsonable(dict(kwargs))}
        self.calls.append(entry)
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
