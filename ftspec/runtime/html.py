"""The HTML report of `ftrun`: one self-contained page, plots drawn by Optuna's own visualisation.

Per study: a summary table, the optimisation history, the parallel coordinates and the parameter
importances (`optuna.visualization`, i.e. plotly figures), then one row per trial. plotly.js is
embedded inline once, so the page opens offline and from a file URL. Importances use Optuna's
fANOVA evaluator with a fixed seed, so the same study gives the same page. A plot Optuna has nothing
to draw for (no completed trial; no parameter) is replaced by a note with Optuna's reason;
its section and title stay, so a reader always finds the three plots in the same place.
"""

from __future__ import annotations

import html
import json
import logging
import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import optuna
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

__all__ = ["PLOTS", "StudyView", "render_html", "plot_id"]

IMPORTANCE_SEED = 0


def _importances(study: optuna.Study) -> go.Figure:
    from optuna.importance import FanovaImportanceEvaluator

    return optuna.visualization.plot_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=IMPORTANCE_SEED))


PLOTS: tuple[tuple[str, str, Callable[[optuna.Study], go.Figure]], ...] = (
    ("optimization_history", "Optimization history", optuna.visualization.plot_optimization_history),
    ("parallel_coordinate", "Parallel coordinates", optuna.visualization.plot_parallel_coordinate),
    ("param_importances", "Parameter importances", _importances),
)
"""(key, section title, figure builder) of each plot, in page order."""


@dataclass
class StudyView:
    """What the page shows of one study: its report (`Report.to_dict()`) and its Optuna study."""

    report: Mapping[str, Any]
    study: optuna.Study
    label: str | None = None
    """The study's heading (default: `Study <study_id>`)."""


def plot_id(index: int, key: str) -> str:
    """The id of a plot's div: `study-<index>-<key>` (index in page order, from 0)."""
    return f"study-{index}-{key.replace('_', '-')}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return html.escape(f"{value:.6g}") if math.isfinite(value) else html.escape(str(value))
    if isinstance(value, (dict, list, tuple)):
        return f"<code>{html.escape(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))}</code>"
    return html.escape(str(value))


def _table(rows: Sequence[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{_cell(v)}</td></tr>" for k, v in rows)
    return f'<table class="summary">{body}</table>'


SUMMARY_FIELDS = (
    "study_id", "study_name", "metric", "direction", "approach", "n_trials", "n_finished", "n_complete",
    "n_pruned", "n_failed", "partial", "stop_reason", "best_number", "best_value", "best_model_params",
    "best_train_params",
)
HIDDEN_FIELDS = frozenset({"trials", "ir", "versions", "folds"})
TRIAL_COLUMNS = ("number", "state", "value", "model_params", "train_params", "fold_scores", "intermediate", "failure", "duration_seconds")


def _summary(report: Mapping[str, Any]) -> str:
    rows = [(k, report[k]) for k in SUMMARY_FIELDS if k in report]
    # Whatever else the report carries (final estimator params, folds, data...) is shown as is.
    # (the IR and the versions are in the JSON report and the page header; folds are studies of their own here).
    rows += [(k, v) for k, v in report.items() if k not in SUMMARY_FIELDS and k not in HIDDEN_FIELDS]
    return _table(rows)


def _trials(report: Mapping[str, Any]) -> str:
    trials = list(report.get("trials") or [])
    columns = [c for c in TRIAL_COLUMNS if any(c in t for t in trials)] or list(TRIAL_COLUMNS[:3])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = "".join(
        f'<tr class="state-{html.escape(str(t.get("state", "")).lower())}">' + "".join(f"<td>{_cell(t.get(c))}</td>" for c in columns) + "</tr>"
        for t in trials
    )
    return f'<table class="trials"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _figure(build: Callable[[optuna.Study], go.Figure], study: optuna.Study) -> tuple[go.Figure | None, str]:
    """The figure, or None and why: Optuna returns an empty figure and logs a warning when it has nothing to draw."""
    root = logging.getLogger("optuna")
    saved, collect = root.handlers[:], _Collect()
    root.handlers = [collect]  # the warning goes into the page, not onto ftrun's stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # experimental-API warnings
            figure = build(study)
    except (ValueError, RuntimeError) as exc:
        return None, str(exc)
    finally:
        root.handlers = saved
    if not figure.data:
        return None, " ".join(collect.messages) or "no completed trial with a sampled parameter"
    return figure, ""


def _plot(index: int, key: str, title: str, build: Callable[[optuna.Study], go.Figure], study: optuna.Study) -> str:
    div_id = plot_id(index, key)
    figure, why = _figure(build, study)
    if figure is None:
        body = f'<p class="no-plot" id="{div_id}">Optuna has nothing to draw here: {html.escape(why)}</p>'
    else:
        body = figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, default_height="480px")
    return f'<section class="plot" data-plot="{key}"><h3>{html.escape(title)}</h3>{body}</section>'


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
table.summary th { background: #f4f4f4; }
tr.state-fail td { background: #fde8e8; }
tr.state-pruned td { background: #f0f0f0; }
code { font-size: 0.95em; }
section.plot { margin: 1.5em 0; }
"""


def render_html(views: Sequence[StudyView], *, title: str, header: Sequence[tuple[str, Any]] = ()) -> str:
    """The whole page: `header` rows (file, data, versions...), then each study with its three plots."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style>",
        # plotly.js inline, once: the page works offline and from file://.
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        _table(list(header)) if header else "",
    ]
    for index, view in enumerate(views):
        report = view.report
        label = view.label if view.label is not None else f"Study {report.get('study_id', index)}"
        parts.append(f'<section class="study" id="study-{index}"><h2>{html.escape(label)}</h2>')
        parts.append(_summary(report))
        parts.extend(_plot(index, key, plot_title, build, view.study) for key, plot_title, build in PLOTS)
        parts.append("<h3>Trials</h3>")
        parts.append(_trials(report))
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
