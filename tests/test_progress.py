"""`ftrun`'s progress output (`ftspec.runtime.progress`) at every terminal width: the exact text
written to a fake terminal whose size is patched, the counts kept at any width, nothing redrawn in
place when the width is unknown, zero or too small (the final line printed once instead).
"""

from __future__ import annotations

import io
import os

import optuna
import pytest

from ftspec.runtime import progress
from ftspec.runtime.progress import ProgressBar, bar_line, best_text, study_line, terminal_width

BEST = "best rmse=54.4847 (trial 16)"


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal; its size comes from the patched `os.get_terminal_size`."""

    def fileno(self) -> int:
        return 99

    def isatty(self) -> bool:
        return True


@pytest.fixture
def columns(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The fake terminal's width (mutable: a test can resize it mid-run); $COLUMNS unset."""
    size = [100]
    monkeypatch.delenv("COLUMNS", raising=False)

    def get_terminal_size(fd: int) -> os.terminal_size:
        assert fd == 99
        return os.terminal_size((size[0], 24))

    monkeypatch.setattr(progress.os, "get_terminal_size", get_terminal_size)
    return size


def _run(bar: ProgressBar, resize: list[int] | None = None, widths: list[int] | None = None) -> None:
    """Four trials on one study: values 5 and 2, one pruned, one failed (`widths[i]` before trial i)."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(study_name="demo", sampler=optuna.samplers.RandomSampler(seed=0))
    outcomes = iter([5.0, "prune", 2.0, "fail"])

    def objective(trial: optuna.Trial) -> float:
        if resize is not None and widths is not None:
            resize[0] = widths[trial.number]
        outcome = next(outcomes)
        if outcome == "prune":
            raise optuna.TrialPruned()
        if outcome == "fail":
            raise ValueError("boom")
        return float(outcome)

    study.optimize(objective, n_trials=4, callbacks=[bar], catch=(ValueError,))
    bar.close()


FINAL_FULL = "demo: 4/4 trials |##########| 00:00, 2 complete, 1 pruned, 1 failed, best rmse=2 (trial 2)"


def _clock() -> object:
    ticks = iter(range(100))
    return lambda: float(next(ticks))  # 0 at start, then one second per call


@pytest.mark.parametrize(
    ("width", "line"),
    [
        (None, "ridge-demo: 17/40 trials |####      | 00:01, 15 complete, 1 pruned, 1 failed, " + BEST),
        (200, "ridge-demo: 17/40 trials |#################                       | 00:01, 15 complete, 1 pruned, 1 failed, " + BEST),
        (100, "ridge-demo: 17/40 trials |#  | 00:01, 15 complete, 1 pruned, 1 failed, " + BEST),
        (99, "ridge-demo: 17/40 trials, 00:01, 15 complete, 1 pruned, 1 failed, " + BEST),  # bar too narrow: gone
        (94, "ridge-demo: 17/40 trials, 15 complete, 1 pruned, 1 failed, " + BEST),  # then the elapsed time
        (87, "ridge-demo: 17/40 trials, 00:01, 15 complete, 1 pruned, 1 failed"),  # the best value does not fit
        (80, "ridge-demo: 17/40 trials, 00:01, 15 complete, 1 pruned, 1 failed"),
        (58, "ridge-demo: 17/40 trials, 15 complete, 1 pruned, 1 failed"),  # 57 columns + the free last one
        (57, None),  # the counts would be cut: no line
        (1, None),
        (0, None),
    ],
)
def test_the_line_drops_the_bar_then_the_time_or_best_but_never_the_counts(width: int | None, line: str | None) -> None:
    assert bar_line("ridge-demo", 17, 40, (15, 1, 1), 1.2, BEST, width) == line
    if line is not None and width is not None:
        assert len(line) <= width - 1


def test_a_wide_terminal_redraws_the_line_in_place_with_the_counts(columns: list[int]) -> None:
    stream = FakeTerminal()
    _run(ProgressBar("demo", "rmse", 4, file=stream, clock=_clock()))
    assert stream.getvalue().split("\r") == [
        "",
        "demo: 0/4 trials |                  | 00:01, 0 complete, 0 pruned, 0 failed, no completed trial yet",
        "demo: 1/4 trials |#####              | 00:02, 1 complete, 0 pruned, 0 failed, best rmse=5 (trial 0)",
        "demo: 2/4 trials |##########         | 00:03, 1 complete, 1 pruned, 0 failed, best rmse=5 (trial 0)",
        "demo: 3/4 trials |##############     | 00:04, 2 complete, 1 pruned, 0 failed, best rmse=2 (trial 2)",
        "demo: 4/4 trials |###################| 00:05, 2 complete, 1 pruned, 1 failed, best rmse=2 (trial 2)",
        "demo: 4/4 trials |###################| 00:06, 2 complete, 1 pruned, 1 failed, best rmse=2 (trial 2)\n",
    ]


def test_a_narrower_terminal_keeps_the_counts_and_blanks_the_rest_of_the_longer_line(columns: list[int]) -> None:
    stream = FakeTerminal()
    _run(ProgressBar("demo", "rmse", 4, file=stream, clock=_clock()), resize=columns, widths=[100, 100, 62, 62])
    assert stream.getvalue().split("\r")[3:] == [
        "demo: 2/4 trials |##########         | 00:03, 1 complete, 1 pruned, 0 failed, best rmse=5 (trial 0)",
        # 6 spaces: the old line is blanked up to the new width (61 usable columns), not beyond.
        "demo: 3/4 trials, 00:04, 2 complete, 1 pruned, 0 failed" + " " * 6,
        "demo: 4/4 trials, 00:05, 2 complete, 1 pruned, 1 failed",
        "demo: 4/4 trials, 00:06, 2 complete, 1 pruned, 1 failed\n",
    ]


@pytest.mark.parametrize("width", [0, 1, 20])
def test_a_zero_tiny_or_too_narrow_terminal_gets_the_final_line_once(columns: list[int], width: int) -> None:
    columns[0] = width
    stream = FakeTerminal()
    _run(ProgressBar("demo", "rmse", 4, file=stream, clock=lambda: 0.0))
    # No "\r" redraw that the terminal would wrap into a pile of lines: one line, in full, at the end.
    assert stream.getvalue() == "\r" + FINAL_FULL + "\n"


def test_an_unknown_size_gets_the_final_line_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    stream = io.StringIO()  # no fileno: no size
    assert terminal_width(stream) is None
    _run(ProgressBar("demo", "rmse", 4, file=stream, clock=lambda: 0.0))
    assert stream.getvalue() == "\r" + FINAL_FULL + "\n"


@pytest.mark.parametrize(("env", "width"), [("120", 120), ("0", None), ("-3", None), ("wide", None), ("", None)])
def test_columns_from_the_environment_when_the_stream_has_no_size(monkeypatch: pytest.MonkeyPatch, env: str, width: int | None) -> None:
    monkeypatch.setenv("COLUMNS", env)
    assert terminal_width(io.StringIO()) == width


def test_a_terminal_shrunk_below_the_counts_mid_run_ends_the_line_and_prints_the_final_one(columns: list[int]) -> None:
    stream = FakeTerminal()
    _run(ProgressBar("demo", "rmse", 4, file=stream, clock=_clock()), resize=columns, widths=[100, 100, 1, 1])
    text = stream.getvalue()
    drawn, final = text.rsplit("\n\r", 1)
    # The last line drawn while it fitted stays; the narrow terminal gets no redraw, then the whole final line.
    assert drawn.split("\r")[-1] == "demo: 2/4 trials |##########         | 00:03, 1 complete, 1 pruned, 0 failed, best rmse=5 (trial 0)"
    assert final == "demo: 4/4 trials |##########| 00:07, 2 complete, 1 pruned, 1 failed, best rmse=2 (trial 2)\n"


def test_result_lines_accept_the_reports_non_finite_values() -> None:
    # Report dicts carry inf / nan as strings (JSON has none): the line prints them, it does not crash.
    assert best_text("rmse", "inf", 3) == "best rmse=inf (trial 3)"
    assert best_text("rmse", float("inf"), 3) == "best rmse=inf (trial 3)"
    report = {"study_id": "s", "n_finished": 1, "n_trials": 1, "n_complete": 1, "n_pruned": 0, "n_failed": 0,
              "best_value": "inf", "best_number": 0}
    assert study_line(report, "rmse", 0.04) == "s: 1/1 trials finished (1 complete, 0 pruned, 0 failed), best rmse=inf (trial 0), 0.0 s"
