"""The runtime's cost per trial: `ftspec.runtime.optimize` against a hand-written Optuna loop.

    python bench/runtime_overhead.py [--trials 1000] [--repeats 7]

Baseline: `optuna.create_study(...)` and `study.optimize(objective, n_trials=N)` whose objective
makes the same suggest calls as the IR space (x float, n int with a step, a categorical train
param), with the same RandomSampler seed, NopPruner and direction, in memory. Both sides run the
same trivial objective; repeats are interleaved (baseline, ftspec, baseline, ...) and the medians
compared. The trial parameters of both must be identical (asserted). Whole calls are timed (the
IR is built once, outside): on the ftspec side opening the study, every trial, and the report of
every trial with the best params. Target: <= 0.05 ms per trial more than the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.runtime_ir, the IR builder the runtime tests use
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402

import optuna  # noqa: E402

from ftspec.runtime import optimize  # noqa: E402
from tests.runtime_ir import LOC, grouped_study, xnm_space  # noqa: E402

SEED = 7


def study_ir(n_trials: int):
    return grouped_study(*xnm_space(), id="bench", source={"file": "bench", **LOC}, n_trials=n_trials, seed=SEED)


def hand_written(n_trials: int) -> list[tuple]:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2.0, 2.0, step=None, log=False)
        n = trial.suggest_int("n", 1, 9, step=2, log=False)
        mode = trial.suggest_categorical("train:mode", ["a", "b"])
        return (x - 0.5) ** 2 + n / 10 + (mode == "b")

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.RandomSampler(seed=SEED), pruner=optuna.pruners.NopPruner())
    study.optimize(objective, n_trials=n_trials)
    return [(t.params["x"], t.params["n"], t.params["train:mode"]) for t in study.get_trials(deepcopy=False)]


def through_ftspec(study) -> list[tuple]:
    def objective(model: dict, train: dict, split: object) -> float:
        return (model["x"] - 0.5) ** 2 + model["n"] / 10 + (train["mode"] == "b")

    report = optimize(study, objective)
    return [(t.model_params["x"], t.model_params["n"], t.train_params["mode"]) for t in report.trials]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = study_ir(args.trials)
    assert hand_written(args.trials) == through_ftspec(study), "the two loops sampled different trial parameters"
    times: dict[str, list[float]] = {"optuna": [], "ftspec": []}
    for _ in range(args.repeats):
        for name, fn in (("optuna", lambda: hand_written(args.trials)), ("ftspec", lambda: through_ftspec(study))):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    base, ours = (statistics.median(times[k]) / args.trials * 1000 for k in ("optuna", "ftspec"))
    print(f"runtime_overhead ({machine()}, {args.trials} trials in memory, RandomSampler(seed={SEED}), median of {args.repeats} interleaved)")
    print("  trial parameters identical: yes")
    print(f"  hand-written optuna loop   {base:.4f} ms/trial")
    print(f"  ftspec.runtime.optimize    {ours:.4f} ms/trial")
    print(f"  overhead {ours - base:+.4f} ms/trial (target <= 0.05), ratio ftspec / optuna = {ours / base:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
