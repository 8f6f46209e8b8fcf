"""Throughput of 1 vs N worker processes sharing one JournalStorage study (sleep-bound objective).

    python bench/workers.py [--workers 3] [--trials 60] [--sleep 0.2]

Each worker is `tests/runtime_worker.py` (`ftspec.runtime.optimize` on the shared storage, the
engine's default heartbeats). Baseline: one worker running the whole study; then N workers
started together on a fresh study of the same size. Throughput = finished trials / the study's
span in the storage (first trial start to last trial end: process start-up, the same for both,
is left out); the wall-time ratio, start-up included, is printed beside it: what a user waits.
Both runs must end with exactly `--trials` counted trials. Targets: N = 3 workers >= 2.6x the
throughput of one; for N up to the core count, a wall-time speedup >= 0.75 x N.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine  # noqa: E402

import optuna  # noqa: E402

from ftspec.runtime.engine import counted_trials, storage_from_url, tally  # noqa: E402

WORKER = str(ROOT / "tests" / "runtime_worker.py")


def run_workers(count: int, n_trials: int, sleep: float, tmp: Path) -> tuple[float, float, int, int]:
    """(throughput in trials/s over the study's span, wall seconds, counted trials, all trials)."""
    url, name = f"journal:///{tmp / f'workers{count}.log'}", f"bench{count}"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, WORKER, "--storage", url, "--study-name", name, "--n-trials", str(n_trials),
           "--log", str(tmp / f"trials{count}.log"), "--sleep", str(sleep)]
    start = time.perf_counter()
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env) for _ in range(count)]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            sys.exit(f"a worker failed ({p.returncode}): {err.decode()[-2000:]}")
    wall = time.perf_counter() - start
    study = optuna.load_study(study_name=name, storage=storage_from_url(url, heartbeat_interval=None))
    trials = study.get_trials(deepcopy=False)
    counted = counted_trials(study)
    span = (max(t.datetime_complete for t in counted) - min(t.datetime_start for t in counted)).total_seconds()
    return len(tally(trials, n_trials).counted) / span, wall, len(tally(trials, n_trials).counted), len(trials)


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--sleep", type=float, default=0.2)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        one = run_workers(1, args.trials, args.sleep, Path(tmp))
        many = run_workers(args.workers, args.trials, args.sleep, Path(tmp))
    n = args.workers
    print(f"workers ({machine()}, JournalStorage file, {args.trials} trials of time.sleep({args.sleep}))")
    for label, (rate, wall, counted, total) in (("1 worker", one), (f"{n} workers", many)):
        print(f"  {label:10s} {rate:6.2f} trials/s   wall {wall:5.1f} s   counted {counted} of n_trials={args.trials} ({total} trials in storage)")
    span_target = " (target >= 2.6)" if n == 3 else ""
    cores = os.cpu_count() or 1
    wall_target = f" (target >= 0.75 x N = {0.75 * n:.2f})" if n <= cores else f" (no target: N above the {cores} cores)"
    print(f"  {n} / 1: span (throughput) ratio = {many[0] / one[0]:.2f}{span_target}, wall-time ratio = {one[1] / many[1]:.2f}{wall_target}")
    return 0 if one[2] == many[2] == args.trials else 1


if __name__ == "__main__":
    sys.exit(main())
