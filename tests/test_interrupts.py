"""Where ftrun's SIGINT/SIGTERM handler may raise KeyboardInterrupt, and how a deferred one is delivered
(`ftspec.runtime.interrupts`, `ftspec.runtime.cli._Signals`). The end-to-end cases (ftrun signalled
inside Optuna's code, the final refit, the report) are in tests/test_ftrun_semantics.py."""

from __future__ import annotations

import os
import signal
import sys
import time
import weakref
from typing import Any

import pytest

from ftspec.runtime import cli, engine, interrupts


def _frame_in_module(module: str) -> Any:
    """The frame of a function defined in a module named `module`, as the handler would get it."""
    namespace: dict[str, Any] = {"__name__": module, "sys": sys}
    exec("def here():\n    return sys._getframe()\n", namespace)
    return namespace["here"]()


def test_the_handler_raises_outside_optuna_and_defers_inside_it_and_in_finalizers() -> None:
    assert engine is not None and interrupts.trial_code is not None  # registered by the engine
    assert interrupts.interruptible(sys._getframe())
    assert not interrupts.interruptible(_frame_in_module("optuna.study._optimize"))
    assert not interrupts.interruptible(_frame_in_module("sqlalchemy.orm.session"))
    assert not interrupts.interruptible(_frame_in_module("weakref"))

    class Finalized:
        def __del__(self) -> None:
            frames.append(interrupts.interruptible(sys._getframe()))

    frames: list[bool] = []
    Finalized()
    assert frames == [False]


def _wait_for_the_interrupt() -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.01)
    pytest.fail("the deferred interrupt was never raised")


def test_a_signal_deferred_in_a_finalizer_is_raised_once_the_main_thread_is_out_of_it() -> None:
    class Signalling:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # the handler runs here, in a finalizer: it defers
                pass

    with pytest.raises(KeyboardInterrupt):
        with cli._Signals() as signals:
            Signalling()
            assert (signals.received, signals.raised) == (signal.SIGTERM, False)
            _wait_for_the_interrupt()
    assert signals.raised


def test_an_interrupt_a_weakref_callback_swallowed_is_raised_again() -> None:
    class Thing:
        pass

    def callback(ref: Any) -> None:  # a callback of this module: only the unraisable hook sees the drop
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):
            pass

    with pytest.raises(KeyboardInterrupt):
        with cli._Signals():
            thing = Thing()
            ref = weakref.ref(thing, callback)
            del thing
            assert ref() is None
            _wait_for_the_interrupt()
