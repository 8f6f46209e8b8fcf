"""Progress of a running study for `ftrun`: a bar redrawn in place, or one line per study.

The bar is an Optuna callback: after every finished trial it reads the study's counted finished
trials (`engine.counted_trials`) from the storage, so that with several workers on one storage it shows the study's total (its
`n_trials`), not this process's share, its complete / pruned / failed counts and the best value so far. Callbacks may run in
Optuna's worker threads (`n_jobs` > 1), hence the lock.

The line is fitted to the terminal's width, re-read at every redraw (the terminal may be resized):
the bar shrinks first, then the best value and the elapsed time go; the counts never do. When they
do not fit either, or the width is unknown (no terminal size, or a size of 0), a redraw with `\\r`
would wrap and pile up lines, so nothing is redrawn: the final line is printed once, in full, when
the study ends. tqdm (which comes with Optuna) formats the elapsed time and measures display widths.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable, Mapping, TextIO

import optuna
from optuna.trial import FrozenTrial, TrialState
from tqdm import tqdm
from tqdm.utils import disp_len

from ftspec.runtime.engine import FINISHED, counted_trials

__all__ = ["ProgressBar", "best_text", "bar_line", "study_line", "terminal_width"]

FULL_BAR = 10
"""Bar width of a line printed once, whatever the terminal (tqdm's width when it knows none)."""
MAX_BAR = 40
MIN_BAR = 3
"""Narrower than this, the bar says nothing: it goes."""


def _number(value: Any) -> str:
    # Report dicts carry non-finite floats as the strings "inf", "-inf", "nan" (JSON has none).
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.6g}"
    return str(value)


def best_text(metric: str, value: float | str | None, number: int | None) -> str:
    """`best rmse=52.3 (trial 7)`, or `no completed trial yet`."""
    if value is None or number is None:
        return "no completed trial yet"
    return f"best {metric}={_number(value)} (trial {number})"


def terminal_width(stream: Any) -> int | None:
    """Columns of the terminal `stream` writes to (else `$COLUMNS`); None when unknown or 0."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):  # no fileno (StringIO, pytest's capture), not a terminal
        columns = 0
    if columns <= 0:
        env = os.environ.get("COLUMNS", "").strip()
        columns = int(env) if env.isdigit() else 0
    return columns if columns > 0 else None


def _bar(fraction: float, width: int) -> str:
    filled = int(round(max(0.0, min(1.0, fraction)) * width))
    return "#" * filled + " " * (width - filled)


def bar_line(desc: str, n: int, total: int, counts: tuple[int, int, int], elapsed: float, best: str,
             width: int | None) -> str | None:
    """The bar's line fitted to `width` columns (None: unbounded, the bar `FULL_BAR` wide).

    `desc: n/N trials |###   | 00:01, 3 complete, 0 pruned, 0 failed, best rmse=2 (trial 1)`. The last
    column stays free (writing it makes some terminals wrap). Room is made by shrinking then dropping
    the bar, then dropping the elapsed time or the best value (whichever lets more fit); None when even
    `desc: n/N trials, c complete, p pruned, f failed` does not fit.
    """
    head = f"{desc}: {n}/{total} trials"
    counts_text = "{} complete, {} pruned, {} failed".format(*counts)
    fraction = n / total if total > 0 else 1.0
    if width is None:
        return f"{head} |{_bar(fraction, FULL_BAR)}| " + ", ".join((tqdm.format_interval(elapsed), counts_text, best))
    room = width - 1
    elapsed_text = tqdm.format_interval(elapsed)
    full = ", ".join((elapsed_text, counts_text, best))
    bar_width = min(MAX_BAR, room - disp_len(head) - disp_len(full) - 4)  # 4: " |" and "| "
    if bar_width >= MIN_BAR:
        return f"{head} |{_bar(fraction, bar_width)}| {full}"
    # The most informative tail that fits: the best value matters more than the elapsed time.
    for tail in (full, f"{counts_text}, {best}", f"{elapsed_text}, {counts_text}", counts_text):
        line = f"{head}, {tail}"
        if disp_len(line) <= room:
            return line
    return None


class ProgressBar:
    """An Optuna callback drawing `<study>: n/N trials |bar| elapsed, c complete, p pruned, f failed, best <metric>=v (trial k)`."""

    def __init__(self, study_id: str, metric: str, n_trials: int, *, file: TextIO | None = None, initial: int = 0,
                 clock: Callable[[], float] = time.monotonic, objective: int = 0) -> None:
        import sys

        self.objective = objective
        """Index of `metric` among the study's objectives: with several, the best is the Pareto front's best on it."""

        self.desc = study_id
        self.metric = metric
        self.total = int(n_trials)
        self.file = file if file is not None else sys.stderr
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._initial = initial
        self._counts: dict[str, tuple[int, int, int, int]] = {}
        """Per Optuna study: finished, complete, pruned, failed (`individual` runs one study per fold)."""
        self._best = best_text(metric, None, None)
        self._drawn = 0
        """Display width of the line on screen (0: none drawn yet, or the last one was ended)."""
        self._closed = False
        self._redraw()

    @property
    def n(self) -> int:
        finished = sum(c[0] for c in self._counts.values()) if self._counts else self._initial
        return min(finished, self.total) if self.total > 0 else finished

    @property
    def counts(self) -> tuple[int, int, int]:
        """Complete, pruned, failed over every study the bar follows."""
        return (sum(c[1] for c in self._counts.values()), sum(c[2] for c in self._counts.values()),
                sum(c[3] for c in self._counts.values()))

    def line(self, width: int | None) -> str | None:
        """The current line fitted to `width` (see `bar_line`)."""
        return bar_line(self.desc, self.n, self.total, self.counts, self._clock() - self._started, self._best, width)

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        # The engine's count: surplus trials and stale attempts replaced by a retry are not trials of the study.
        finished = [t for t in counted_trials(study) if t.state in FINISHED]
        states = [t.state for t in finished]
        with self._lock:
            self._counts[study.study_name] = (len(finished), states.count(TrialState.COMPLETE), states.count(TrialState.PRUNED),
                                              states.count(TrialState.FAIL))
            if TrialState.COMPLETE in states:
                if len(study.directions) > 1:
                    from ftspec.runtime.optimize import select_from_front

                    k = self.objective
                    best = select_from_front(study.best_trials, k, study.directions[k].name.lower())
                else:
                    best = study.best_trial
                self._best = best_text(self.metric, best.values[self.objective], best.number)
            self._redraw()

    def _redraw(self) -> None:
        width = terminal_width(self.file)
        line = self.line(width) if width is not None else None
        if width is None or line is None:
            return  # width unknown or too narrow: `close` prints the final line once
        # Spaces erase the rest of a longer previous line, but never past the terminal's width.
        pad = max(0, min(self._drawn, width - 1) - disp_len(line))
        self.file.write("\r" + line + " " * pad)
        self.file.flush()
        self._drawn = disp_len(line)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            width = terminal_width(self.file)
            line = self.line(width) if width is not None else None
            if width is None or line is None:
                # Nothing is redrawn in place: start a fresh line, print the whole final line once
                # (its "\r", at the start of a line, moves nothing: every line of the bar starts with one).
                self.file.write(("\n" if self._drawn else "") + "\r" + self.line(None) + "\n")  # type: ignore[operator]
            else:
                pad = max(0, min(self._drawn, width - 1) - disp_len(line))
                self.file.write("\r" + line + " " * pad + "\n")
            self.file.flush()
            self._drawn = 0


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
