"""Time to result on spectra-sized data: `ftrun` against a hand-written Optuna loop and the ideal loop.

    python bench/time_to_result.py [--trials 60] [--repeats 3] [--blas-threads 1] [--keep DIR]

Generates (seeded numpy, nothing downloaded) 600 NIR-like spectra of 700 wavelengths: smooth sums
of Gaussian absorption peaks on a sloping baseline, plus noise; y is a function of three peak
heights. Writes them to a CSV and a v2 pipeline: StandardScaler -> PCA(n_components=60,
random_state=0) -> KFold(5, shuffle, random_state=0) -> PLSRegression tuned on `n_components`
int[1, 40] and `scale` [true, false], TPE seed 3, rmse, `grouped` mean. Then runs, each as a whole
process (wall clock; peak RSS of that process from `os.wait4`), every one reading the same CSV:

- (a) hand-written: Optuna + `make_pipeline(StandardScaler(), PCA(...), PLSRegression(...))` +
  `cross_val_score` per trial, as one writes it from the docs;
- (b) ideal: StandardScaler + PCA fitted once per fold up front, only PLS fitted per trial;
- (c) `ftrun PIPELINE --data CSV --target y`;
- (d) `ftrun` on the same pipeline with `pruner: median` (prints the extra saving; the pruned
  study's best may differ, so it is not asserted).

BLAS threads: every measured process gets `OPENBLAS_NUM_THREADS`, `OMP_NUM_THREADS` and
`MKL_NUM_THREADS` = `--blas-threads` (default 1; 0 leaves the environment as it is). On a shared
2-core machine OpenBLAS's two spin-waiting threads made one PCA fit of these spectra take 0.8-3 s
instead of 0.05 s, varying with the other jobs' load: that measures the machine, not the loops.

The hand-written loop runs once (it is the slow one); the others `--repeats` times, taking turns,
and their median wall time (and largest peak RSS) is printed: the machine's load moves them by
tens of percent from one minute to the next.

(a), (b) and (c) must reach the same best value (relative 1e-9; asserted). Prints wall times, peak
RSS and the ratios. Targets: ftrun <= 0.1x the hand-written loop and <= 1.3x the ideal loop.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_env, machine, tool, to_yaml  # noqa: E402

N_SAMPLES, N_WAVELENGTHS, SEED = 600, 700, 20260101
PCA_COMPONENTS, N_SPLITS, TPE_SEED = 60, 5, 3


# --------------------------------------------------------------------------- inputs


def spectra():
    import numpy as np

    rng = np.random.default_rng(SEED)
    wl = np.linspace(1000, 2500, N_WAVELENGTHS)  # nm
    centres = np.array([1200, 1450, 1680, 1730, 1940, 2100, 2270, 2310])
    widths = np.array([40, 60, 30, 35, 70, 50, 30, 30])
    heights = rng.lognormal(0.0, 0.4, size=(N_SAMPLES, len(centres)))
    peaks = np.exp(-((wl[None, :] - centres[:, None]) ** 2) / (2 * widths[:, None] ** 2))  # (peaks, wavelengths)
    baseline = rng.normal(0.3, 0.05, (N_SAMPLES, 1)) + rng.normal(0, 2e-4, (N_SAMPLES, 1)) * (wl - 1000)
    X = heights @ peaks + baseline + rng.normal(0, 0.01, (N_SAMPLES, N_WAVELENGTHS))
    y = 2.0 * heights[:, 1] - 1.5 * heights[:, 4] + 0.8 * heights[:, 6] * heights[:, 2] + rng.normal(0, 0.05, N_SAMPLES)
    return X, y


def write_inputs(directory: Path, n_trials: int) -> dict[str, Path]:
    X, y = spectra()
    csv = directory / "spectra.csv"
    with csv.open("w", encoding="utf-8") as out:
        out.write(",".join([f"w{i}" for i in range(N_WAVELENGTHS)] + ["y"]) + "\n")
        for row, target in zip(X, y):
            out.write(",".join(repr(float(v)) for v in (*row, target)) + "\n")
    paths = {"csv": csv}
    for pruner in ("none", "median"):
        doc = {"pipeline": [
            {"class": "sklearn.preprocessing.StandardScaler"},
            {"class": "sklearn.decomposition.PCA", "params": {"n_components": PCA_COMPONENTS, "random_state": 0}},
            {"class": "sklearn.model_selection.KFold", "params": {"n_splits": N_SPLITS, "shuffle": True, "random_state": 0}},
            {"name": "pls", "model": {"class": "sklearn.cross_decomposition.PLSRegression"}, "finetune_params": {
                "version": 2, "n_trials": n_trials, "seed": TPE_SEED, "metric": "rmse", "approach": "grouped", "eval_mode": "mean",
                "sampler": "tpe", "pruner": pruner,
                "model_params": {"n_components": {"type": "int", "low": 1, "high": 40},
                                 "scale": {"type": "categorical", "choices": [True, False]}}}},
        ]}
        paths[pruner] = directory / f"pls_{pruner}.yaml"
        paths[pruner].write_text(to_yaml(doc) + "\n", encoding="utf-8")
    return paths


# --------------------------------------------------------------------------- the loops (run in their own process)


def _load(csv: str):
    import numpy as np

    data = np.loadtxt(csv, delimiter=",", skiprows=1)
    return data[:, :-1], data[:, -1]


def _suggest(trial):
    return trial.suggest_int("n_components", 1, 40), trial.suggest_categorical("scale", [True, False])


def loop_handwritten(csv: str, n_trials: int) -> float:
    import optuna
    from sklearn.cross_decomposition import PLSRegression
    from sklearn.decomposition import PCA
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _load(csv)

    def objective(trial):
        n, scale = _suggest(trial)
        pipe = make_pipeline(StandardScaler(), PCA(n_components=PCA_COMPONENTS, random_state=0), PLSRegression(n_components=n, scale=scale))
        cv = KFold(n_splits=N_SPLITS, shuffle=True, random_state=0)
        return -cross_val_score(pipe, X, y, cv=cv, scoring="neg_root_mean_squared_error").mean()

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=TPE_SEED))
    study.optimize(objective, n_trials=n_trials)
    return study.best_value


def loop_ideal(csv: str, n_trials: int) -> float:
    import numpy as np
    import optuna
    from sklearn.cross_decomposition import PLSRegression
    from sklearn.decomposition import PCA
    from sklearn.metrics import root_mean_squared_error
    from sklearn.model_selection import KFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _load(csv)
    folds = []
    for train, valid in KFold(n_splits=N_SPLITS, shuffle=True, random_state=0).split(X):
        prefix = make_pipeline(StandardScaler(), PCA(n_components=PCA_COMPONENTS, random_state=0))
        folds.append((prefix.fit_transform(X[train], y[train]), y[train], prefix.transform(X[valid]), y[valid]))

    def objective(trial):
        n, scale = _suggest(trial)
        return float(np.mean([root_mean_squared_error(yv, PLSRegression(n_components=n, scale=scale).fit(Xt, yt).predict(Xv))
                              for Xt, yt, Xv, yv in folds]))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=TPE_SEED))
    study.optimize(objective, n_trials=n_trials)
    return study.best_value


# --------------------------------------------------------------------------- measuring whole processes


def measure(cmd: list[str], blas_threads: int) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MiB of that process, its stdout)."""
    env = bench_env()
    if blas_threads:
        env.update({name: str(blas_threads) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.read().decode()[-3000:]}")
        return wall, usage.ru_maxrss / 1024, out.read().decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3, help="Runs of (b), (c) and (d), taking turns; the median is reported.")
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads of the measured processes (0: as the environment says).")
    parser.add_argument("--keep", type=Path, default=None, help="Write the CSV, pipelines and reports here (default: a temporary directory).")
    parser.add_argument("--loop", choices=["handwritten", "ideal"], help=argparse.SUPPRESS)  # a measured child process
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loop:
        fn = loop_handwritten if args.loop == "handwritten" else loop_ideal
        print(json.dumps({"best_value": fn(args.csv, args.trials)}))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        paths = write_inputs(directory, args.trials)
        me = [sys.executable, str(Path(__file__).resolve()), "--trials", str(args.trials), "--csv", str(paths["csv"])]
        ftrun = tool("ftrun")
        results: dict[str, tuple[float, float, float]] = {}
        reports: dict[str, dict] = {}
        commands = {
            "hand-written loop": [*me, "--loop", "handwritten"],
            "ideal loop": [*me, "--loop", "ideal"],
            "ftrun": [ftrun, str(paths["none"]), "--data", str(paths["csv"]), "--target", "y", "-q", "--report", str(directory / "ftrun.json")],
            "ftrun, pruner median": [ftrun, str(paths["median"]), "--data", str(paths["csv"]), "--target", "y", "-q",
                                     "--report", str(directory / "ftrun_median.json")],
        }
        runs: dict[str, list[tuple[float, float, float]]] = {label: [] for label in commands}
        for turn in range(max(1, args.repeats)):
            for label, cmd in commands.items():
                if label == "hand-written loop" and turn:
                    continue
                wall, rss, out = measure(cmd, args.blas_threads)
                if label.startswith("ftrun"):
                    name = "ftrun.json" if label == "ftrun" else "ftrun_median.json"
                    reports[label] = json.loads((directory / name).read_text())["studies"][0]
                    best = reports[label]["best_value"]
                else:
                    best = json.loads(out)["best_value"]
                runs[label].append((wall, rss, best))
                print(f"  ran {label}: {wall:.1f} s", file=sys.stderr)
        for label, measured in runs.items():
            results[label] = (statistics.median(m[0] for m in measured), max(m[1] for m in measured), measured[0][2])
            if any(m[2] != measured[0][2] for m in measured):
                sys.exit(f"{label}: the repeats reached different best values: {[m[2] for m in measured]}")

    hand, ideal, ours, pruned = (results[k] for k in ("hand-written loop", "ideal loop", "ftrun", "ftrun, pruner median"))
    ref = hand[2]
    same = all(abs(r[2] - ref) <= 1e-9 * abs(ref) for r in (ideal, ours))
    print(f"time_to_result ({machine()}; {N_SAMPLES} x {N_WAVELENGTHS} spectra, StandardScaler -> PCA({PCA_COMPONENTS}) -> "
          f"KFold({N_SPLITS}) -> PLSRegression, {args.trials} TPE trials, seed {TPE_SEED}; "
          f"BLAS threads: {args.blas_threads or 'as the environment says'})")
    for label, (wall, rss, best) in results.items():
        print(f"  {label:22s} wall {wall:7.2f} s{' (median of ' + str(len(runs[label])) + ')' if len(runs[label]) > 1 else '':15s}   peak RSS {rss:7.1f} MiB   best rmse {best!r}")
    print(f"  same best value (a, b, c; rel 1e-9): {'yes' if same else 'NO'}")
    print(f"  ftrun / hand-written = {ours[0] / hand[0]:.3f} (target <= 0.1); ftrun / ideal = {ours[0] / ideal[0]:.3f} (target <= 1.3)")
    timing, cache = reports["ftrun"]["timing"], reports["ftrun"]["cache"]
    print(f"  ftrun's study: sampler {timing['sampler_seconds']:.2f} s, transform fits {timing['transform_fit_seconds']:.2f} s, "
          f"model fits {timing['model_fit_seconds']:.2f} s, scoring {timing['score_seconds']:.2f} s; cache {cache['hits']} hits, "
          f"{cache['misses']} misses, peak {cache['peak_mb']:.1f} MiB")
    p = reports["ftrun, pruner median"]
    print(f"  pruner median: {pruned[0]:.2f} s ({pruned[0] / ours[0]:.2f}x ftrun without pruner; {p['n_pruned']} of {p['n_finished']} "
          f"trials pruned, best rmse {pruned[2]:.6f} vs {ours[2]:.6f})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
