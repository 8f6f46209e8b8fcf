"""Where a signal handler may raise KeyboardInterrupt in the main thread, and where the engine
raises one it deferred (ftrun's SIGINT/SIGTERM; docs/runtime.md, "Interrupts").

A KeyboardInterrupt raised inside Optuna or SQLAlchemy can stop them half-way: inside the `with`
that starts and stops a trial's heartbeat thread, the thread is never stopped and the process
never exits; inside `tell`, Optuna fails with an error of its own (an UnboundLocalError in its
`finally`); inside a storage write, a journal replay or a commit is left half done. A handler
therefore raises only where `interruptible(frame)` says so, else defers: the engine calls
`checkpoint()` before each trial's work and each batch, where the deferred interrupt is raised.
Light on purpose (no Optuna import): ftrun's handlers use it from the start.
"""

from __future__ import annotations

import threading
from types import CodeType, FrameType
from typing import Callable

__all__ = ["interruptible", "checkpoint", "deferred_interrupt", "trial_code"]

UNINTERRUPTIBLE_PACKAGES = ("optuna", "sqlalchemy")
"""Top-level packages whose code is never stopped half-way."""

trial_code: tuple[CodeType, CodeType] | None = None
"""(code of a trial's own work, code of the `try` around it that marks the trial interrupted); set by
`ftspec.runtime.engine` (its `_Batch`) when it is imported."""

deferred_interrupt: Callable[[], bool] | None = None
"""Set by a signal handler that defers (ftrun's): whether a deferred signal is to be raised now (the
handler then counts it as raised, and ignores later signals)."""


def interruptible(frame: FrameType | None) -> bool:
    """Whether a signal handler may raise KeyboardInterrupt at `frame` (its frame argument, the main thread's).

    Yes inside a trial's own work (the objective, a model's fit: the engine's `_Batch._run_trial` and
    what it calls), outside Optuna altogether (before or after a study, a final refit), and while the
    main thread waits for the trials of Optuna's worker threads (n_jobs > 1; they finish first). No
    anywhere in Optuna or SQLAlchemy code, the storage calls a trial makes included, nor in a
    finalizer the garbage collector runs (`__del__`, `weakref` callbacks), where the interrupt would
    be printed as "Exception ignored" and lost.
    """
    work, entry = trial_code if trial_code is not None else (None, None)
    while frame is not None:
        code = frame.f_code
        if code is work:
            return True
        if code is entry:
            return False  # outside the `try` that marks the trial interrupted
        module = frame.f_globals.get("__name__") or ""
        if module.partition(".")[0] in UNINTERRUPTIBLE_PACKAGES:
            return False
        if module == "weakref" or code.co_name == "__del__":
            return False  # a weakref callback or finalizer run by the garbage collector: Python prints and drops its exception
        if module.startswith("concurrent.futures"):
            return True  # the main thread waiting for worker threads: Optuna's executor lets their trials end
        frame = frame.f_back
    return True


def checkpoint() -> None:
    """Raise KeyboardInterrupt for a deferred signal (main thread only: where the handler would have)."""
    take = deferred_interrupt
    if take is not None and threading.current_thread() is threading.main_thread() and take():
        raise KeyboardInterrupt
