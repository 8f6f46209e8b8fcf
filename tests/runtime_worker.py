"""One worker process of a shared study, as a user runs it: `ftspec.runtime.optimize` on a storage.

    python tests/runtime_worker.py --storage URL --study-name NAME --n-trials N --log FILE
        [--sleep SECONDS] [--heartbeat SECONDS --grace SECONDS] [--seed N] [--hang-after K] [--start-file PATH]

The study is a small fixed IR (x float, n int with a step, a categorical train param; random
sampler). The objective appends `start PID X N MODE` and `end PID X N MODE` lines to `--log`
around a `--sleep` (one `write` of a short line to an O_APPEND file: lines of several workers never
interleave), so tests can tell which process ran which params and kill a worker mid-trial. The
storage comes from `ftspec.runtime.engine.storage_from_url` with the given heartbeat and grace
period. With `--hang-after K`, the trial after this process's K-th stops in its objective until
the process is killed (so a test kills it mid-trial whatever the machine's load). With `--start-file
PATH` it opens the study only once PATH exists (imports done), so that workers a test releases
together race for the same stale trials. Prints one JSON line: this worker's pid and the report's counts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any


def study_ir(n_trials: int, url: str, name: str, seed: int | None) -> Any:
    """The worker's IR study (resume on: every worker joins the same study)."""
    from tests.runtime_ir import LOC, grouped_study, xnm_space

    return grouped_study(
        *xnm_space(), id="worker", source={"file": "worker", **LOC}, n_trials=n_trials, seed=seed,
        storage={"url": url, "study_name": name, "resume": True},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--storage", required=True)
    parser.add_argument("--study-name", required=True)
    parser.add_argument("--n-trials", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--heartbeat", type=int, default=None)
    parser.add_argument("--grace", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hang-after", type=int, default=None)
    parser.add_argument("--start-file", default=None)
    args = parser.parse_args(argv)

    import optuna

    from ftspec.runtime import optimize
    from ftspec.runtime.engine import GRACE_PERIOD, HEARTBEAT_INTERVAL, storage_from_url

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    storage = storage_from_url(
        args.storage,
        heartbeat_interval=args.heartbeat or HEARTBEAT_INTERVAL,
        grace_period=args.grace or GRACE_PERIOD,
    )
    fd = os.open(args.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    pid = os.getpid()
    started = 0

    def objective(model: dict, train: dict, split: Any) -> float:
        nonlocal started
        line = f"{pid} {model['x']!r} {model['n']} {train['mode']}\n"
        os.write(fd, b"start " + line.encode())
        started += 1
        while args.hang_after is not None and started > args.hang_after:
            time.sleep(1)  # until killed
        time.sleep(args.sleep)
        os.write(fd, b"end " + line.encode())
        return (model["x"] - 0.5) ** 2 + model["n"] / 10

    while args.start_file is not None and not os.path.exists(args.start_file):
        time.sleep(0.001)
    report = optimize(study_ir(args.n_trials, args.storage, args.study_name, args.seed), objective, storage=storage, study_name=args.study_name)
    print(json.dumps({"pid": pid, "n_finished": report.n_finished, "stop_reason": report.stop_reason, "partial": report.partial}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
