"""Progress of a running study for `ftrun`: a tqdm bar (tqdm ships with Optuna) or one line per study.

The bar is an Optuna callback: after every finished trial it reads the study's counted finished
trials (`engine.counted_trials`) from the storage, so that with several workers on one storage it shows the study's total (its
`n_trials`), not this process's share, and the best value so far. Callbacks may run in Optuna's
worker threads (`n_jobs` > 1), hence the lock.
"""

from __future__ import annotations

import threading
from typing import Any, Mapping, TextIO

import optuna
from optuna.trial import FrozenTrial, TrialState
from tqdm import tqdm

from ftspec.runtime.engine import FINISHED, counted_trials

__all__ = ["ProgressBar", "best_text", "study_line"]

BAR_FORMAT = "{desc}: {n_fmt}/{total_fmt} trials |{bar}| {elapsed}{postfix}"


def best_text(metric: str, value: float | None, number: int | None) -> str:
    """`best rmse=52.3 (trial 7)`, or `no completed trial yet`."""
    if value is None or number is None:
        return "no completed trial yet"
    return f"best {metric}={value:.6g} (trial {number})"


class ProgressBar:
    """An Optuna callback drawing `<study>: n/N trials |bar| elapsed, best <metric>=v (trial k)`."""

    def __init__(self, study_id: str, metric: str, n_trials: int, *, file: TextIO | None = None, initial: int = 0) -> None:
        self.metric = metric
        self._lock = threading.Lock()
        self._done: dict[str, int] = {}
        self.bar = tqdm(total=n_trials, initial=initial, desc=study_id, file=file, bar_format=BAR_FORMAT,
                        dynamic_ncols=True, leave=True)
        self.bar.set_postfix_str(best_text(metric, None, None), refresh=False)

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        # The engine's count: surplus trials and stale attempts replaced by a retry are not trials of the study.
        finished = [t for t in counted_trials(study) if t.state in FINISHED]
        complete = [t for t in finished if t.state == TrialState.COMPLETE]
        with self._lock:
            # `individual` runs one Optuna study per fold: the bar counts the trials of all of them.
            self._done[study.study_name] = len(finished)
            if complete:
                best = study.best_trial
                self.bar.set_postfix_str(best_text(self.metric, best.value, best.number), refresh=False)
            self.bar.n = min(sum(self._done.values()), int(self.bar.total))
            self.bar.refresh()

    def close(self) -> None:
        with self._lock:
            self.bar.close()


def _best_of(report: Mapping[str, Any], metric: str) -> str:
    folds = report.get("folds") or []
    if not folds:
        return best_text(metric, report.get("best_value"), report.get("best_number"))
    # `individual`: one study per fold, so one best per fold.
    parts = [f"fold {i}: {best_text(metric, f.get('best_value'), f.get('best_number')).removeprefix('best ')}" for i, f in enumerate(folds)]
    return "best per fold: " + "; ".join(parts)


def study_line(report: Mapping[str, Any], metric: str, seconds: float) -> str:
    """The one line per study printed instead of a bar (quiet, or not a terminal)."""
    return (
        f"{report['study_id']}: {report['n_finished']}/{report['n_trials']} trials finished "
        f"({report['n_complete']} complete, {report['n_pruned']} pruned, {report['n_failed']} failed), "
        f"{_best_of(report, metric)}, {seconds:.1f} s"
        + (f", partial: {report['stop_reason']}" if report.get("partial") else "")
    )
