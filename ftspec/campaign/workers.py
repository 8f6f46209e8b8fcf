"""`ftrun CAMPAIGN --workers N`: the seed studies of one stage run at the same time, in N processes.

The parent prepares every study of the stage first (created in the storage, lineage resolved and
recorded, warm start enqueued: `CampaignRun.prepare`), then forks N worker processes. Worker k goes
through the stage's studies starting at seed `k mod seeds`: with as many workers as seeds, each
seed has its own worker; a worker whose own seed is done, and any extra worker, joins the seeds
still unfinished. Every study is shared through the engine's claims (exact `n_trials` for any
number of processes), and a worker returns from a study only when it has its `n_trials` counted
trials, so the stage is complete when every worker has exited: the next stage never reads a
partial one.

Each worker opens its own storage (a connection pool or a lock inherited across `fork` is never
shared) and asks the kernel to kill it with its parent (Linux `PR_SET_PDEATHSIG`): a `kill -9` of
ftrun leaves no worker running, and the same command resumes (a killed worker's running trial is
retried after the storage's grace period, as for a killed single process). A worker stopped by
SIGINT/SIGTERM (ftrun forwards its own) marks its running trial interrupted and exits 130.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from typing import Any, Callable

from ftspec.ir import Study

EXIT_INTERRUPTED = 130
PR_SET_PDEATHSIG = 1


def worker_order(studies: list[Study], k: int) -> list[Study]:
    """The studies of a stage in the order worker `k` goes through them: its own seed first, then the next ones."""
    start = k % len(studies)
    return studies[start:] + studies[:start]


def _die_with_parent(parent: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: a killed ftrun leaves its workers to finish their studies
        pass
    if os.getppid() != parent:  # the parent died before the request above
        os._exit(EXIT_INTERRUPTED)


class _Stop:
    """A worker's SIGINT/SIGTERM handler: KeyboardInterrupt once (the engine marks the running trial
    interrupted), later signals ignored while the worker stops, as ftrun's own handler does."""

    def __init__(self) -> None:
        self.received = False

    def __call__(self, signum: int, frame: Any) -> None:
        if not self.received:
            self.received = True
            raise KeyboardInterrupt


def run_in_workers(studies: list[Study], n_workers: int, work: Callable[[int, list[Study]], None],
                   echo: Callable[[str], None]) -> None:
    """Run `work(k, worker_order(studies, k))` in `n_workers` forked processes and wait for all of them.

    `work` raises KeyboardInterrupt when interrupted (exit 130), `CampaignError` on a failed study
    (printed, exit 1). Raises KeyboardInterrupt when a worker was interrupted or ftrun is (the
    workers are stopped with SIGTERM first), `CampaignError` when a worker failed."""
    from ftspec.campaign.run import CampaignError

    parent = os.getpid()

    def target(k: int) -> None:
        _die_with_parent(parent)
        stop = _Stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, stop)
        code = 0
        try:
            work(k, worker_order(studies, k))
        except KeyboardInterrupt:
            code = EXIT_INTERRUPTED
        except CampaignError as exc:
            echo(f"ftrun: worker {k + 1}: {exc}")
            code = 1
        except Exception:
            # The interrupt can land outside a trial, e.g. inside Optuna's `tell`, which then fails with an
            # error of its own; the trial it left RUNNING is retried as a stale one when the campaign resumes.
            if not stop.received:
                raise
            code = EXIT_INTERRUPTED
        sys.stdout.flush()
        sys.stderr.flush()
        # Not sys.exit: a trial interrupted at the wrong moment can leave Optuna's (non-daemon) heartbeat
        # thread running, and the interpreter's shutdown would wait for it forever.
        os._exit(code)

    # fork: the workers inherit ftrun's plans (adapter, data), its signal handlers and its stderr.
    if "fork" not in multiprocessing.get_all_start_methods():
        raise CampaignError("--workers needs processes started by fork (Linux, macOS); here, start ftrun once per worker "
                            "on one storage instead")
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=target, args=(k,), name=f"ftrun-worker-{k + 1}", daemon=False) for k in range(n_workers)]
    try:
        for p in procs:
            p.start()
        for p in procs:
            p.join()
    except KeyboardInterrupt:
        for p in procs:
            if p.is_alive() and p.pid is not None:
                os.kill(p.pid, signal.SIGTERM)
        for p in procs:
            if p.pid is not None:
                p.join()
        raise
    codes = [p.exitcode for p in procs]
    if any(c in (EXIT_INTERRUPTED, -signal.SIGINT, -signal.SIGTERM) for c in codes):
        raise KeyboardInterrupt
    failed = [(k, c) for k, c in enumerate(codes) if c != 0]
    if failed:
        raise CampaignError("; ".join(f"worker {k + 1} exited with code {c}" for k, c in failed))
