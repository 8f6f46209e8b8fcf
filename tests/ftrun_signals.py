"""A scikit-learn regressor for ftrun's signal tests (`--allow-module tests.ftrun_signals`).

ftrun imports this module for the pipeline's model class. With `$FTRUN_SIGNAL_AT` = `WHERE:N` it
sends itself `$FTRUN_SIGNAL` (default SIGTERM) the N-th time (from 1) the process reaches WHERE:

- `create`: the storage has just created the study (inside Optuna's `create_study`);
- `ask`: Optuna's `ask` of the next trial begins (between two trials);
- `heartbeat`: Optuna has just started a trial's heartbeat thread (inside its `with`);
- `state`: the storage has just changed a trial's state (a trial popped or finished);
- `tell`: Optuna's `tell` of a finished trial begins;
- `fit`: a model fit begins (a trial's; after the last trial's, the final refit);
- `report`: ftrun begins writing its JSON report;
- `exit`: the interpreter is exiting (an `atexit` hook), ftrun's work done.

The process signals itself, then runs a few bytecodes there, so that the handler runs at that very
point whatever the machine's load. Without the variable nothing is patched: a plain Ridge.
"""

from __future__ import annotations

import atexit
import functools
import os
import signal
import sys
from typing import Any, Callable

from sklearn.linear_model import Ridge

_where, _, _nth = os.environ.get("FTRUN_SIGNAL_AT", "").partition(":")
_SIGNAL = getattr(signal, os.environ.get("FTRUN_SIGNAL", "SIGTERM"))
_seen: dict[str, int] = {}


def _reached(where: str) -> None:
    if where != _where:
        return
    _seen[where] = _seen.get(where, 0) + 1
    if _seen[where] == int(_nth):
        os.kill(os.getpid(), _SIGNAL)
        for _ in range(1000):  # a backward jump checks for signals: the handler runs here
            pass


def _after(where: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        _reached(where)
        return result

    return wrapper


def _before(where: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _reached(where)
        return function(*args, **kwargs)

    return wrapper


def _patch() -> None:
    import optuna
    import optuna.study._optimize
    from optuna.storages import JournalStorage, RDBStorage
    from optuna.storages._heartbeat import HeartbeatThread

    from ftspec.runtime import cli

    for storage in (RDBStorage, JournalStorage):
        storage.create_new_study = _after("create", storage.create_new_study)  # type: ignore[method-assign]
        storage.set_trial_state_values = _after("state", storage.set_trial_state_values)  # type: ignore[method-assign]
    optuna.Study.ask = _before("ask", optuna.Study.ask)  # type: ignore[method-assign]
    HeartbeatThread.start = _after("heartbeat", HeartbeatThread.start)  # type: ignore[method-assign]
    optuna.study._optimize._tell_with_warning = _before("tell", optuna.study._optimize._tell_with_warning)
    # `python -m ftspec.runtime.cli` runs the module as __main__: that copy writes the report.
    main = sys.modules.get("__main__")
    for module in {cli, main} if getattr(getattr(main, "__spec__", None), "name", None) == cli.__name__ else {cli}:
        module._write = _before("report", module._write)  # type: ignore[union-attr]
    if _where == "exit":
        atexit.register(_reached, "exit")


if _where:
    _patch()


class SignallingRidge(Ridge):
    def fit(self, X, y, sample_weight=None):  # type: ignore[no-untyped-def]
        _reached("fit")
        return super().fit(X, y, sample_weight=sample_weight)
