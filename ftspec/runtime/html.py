"""The HTML report of `ftrun`: one self-contained page for people, plots drawn by Optuna's own visualisation.

The page: a header (pipeline, the run's date in UTC, versions), then per study a summary table (the
study's readable name, the metric and which way is better, counts, the best trial, its params, the
data, the splits, the final fit), the compile findings of the study's file, four plots and one row
per trial. Values are tables, never raw JSON. Plots: the optimisation history (the best trial marked
with a star), the parallel coordinates and the parameter importances (`optuna.visualization`, i.e.
plotly figures, axes titled with the metric), and the fold scores of the five best trials (one line
per trial across the folds). plotly.js is embedded inline once, so the page opens offline and from a
file URL. Importances use Optuna's fANOVA evaluator with a fixed seed, so the same study gives the
same page. A study of several objectives gets Optuna's Pareto front plot first (the refitted trial starred),
and the other plots show the objective `select` chose. A plot there is nothing to draw for (no completed trial, no parameter, one split) is
replaced by a note with the reason (Optuna's own for its plots); its section and title stay, so a
reader always finds the plots in the same place.
"""

from __future__ import annotations

import html
import logging
import math
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence

import optuna
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

__all__ = ["PLOTS", "MULTI_OBJECTIVE_PLOTS", "StudyView", "render_html", "plot_id", "metric_label", "study_name_text", "TOP_FOLD_TRIALS"]

IMPORTANCE_SEED = 0
TOP_FOLD_TRIALS = 5
"""The fold-score plot shows this many best trials."""
BEST_COLOUR = "#d62728"
OPTUNA_RANDOM_NAME = "no-name-"
"""Prefix of the name Optuna gives a study nobody named (`optuna.storages._base.DEFAULT_STUDY_NAME_PREFIX`)."""


@dataclass
class StudyView:
    """What the page shows of one study: its report (`Report.to_dict()`) and its Optuna study."""

    report: Mapping[str, Any]
    study: optuna.Study
    label: str | None = None
    """The study's heading (default: `Study <study_id>`)."""


def metric_label(report: Mapping[str, Any]) -> str:
    """`rmse (lower is better)`: the axis title of every plot of the study."""
    metric = report.get("metric") or "objective"
    direction = report.get("direction")
    if direction not in ("minimize", "maximize"):
        return str(metric)
    return f"{metric} ({'lower' if direction == 'minimize' else 'higher'} is better)"


def study_name_text(report: Mapping[str, Any]) -> str:
    """The study's name as a reader wants it: Optuna's random `no-name-<uuid>` (no storage named it) becomes the study id."""
    name = str(report.get("study_name") or "")
    if not name or name.startswith(OPTUNA_RANDOM_NAME):
        return f"{report.get('study_id', 'study')} (in memory, not saved)"
    return name


# ----------------------------------------------------------------------------- values as HTML


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    return str(value)


def _scalar(value: Any) -> str:
    if value is None:
        return '<span class="none">none</span>'
    if isinstance(value, bool):
        return "true" if value else "false"
    return html.escape(_number(value))


class _Raw(str):
    """A cell that is already HTML."""


def _value(value: Any) -> str:
    """A value as HTML: a mapping as a key/value table, a list of mappings as a table, other lists comma-separated."""
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, Mapping):
        if not value:
            return '<span class="none">none</span>'
        return _table([(str(k), v) for k, v in value.items()], "kv")
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, Mapping) for v in value):
            columns = list(dict.fromkeys(k for v in value for k in v))
            return _grid(columns, [[v.get(c) for c in columns] for v in value])
        return ", ".join(_scalar(v) for v in value) if value else '<span class="none">none</span>'
    return _scalar(value)


def _table(rows: Sequence[tuple[str, Any]], cls: str = "summary") -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{_value(v)}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{body}</table>'


def _grid(columns: Sequence[str], rows: Sequence[Sequence[Any]], cls: str = "grid", row_classes: Sequence[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        (f'<tr class="{row_classes[i]}">' if row_classes and row_classes[i] else "<tr>") + "".join(f"<td>{_value(v)}</td>" for v in row) + "</tr>"
        for i, row in enumerate(rows)
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# ----------------------------------------------------------------------------- summary, findings, trials


HIDDEN_FIELDS = frozenset({"trials", "ir", "versions", "folds"})
"""In the JSON report only (the IR), in the page header (versions), or studies of their own here (folds)."""
SHOWN_FIELDS = frozenset({
    "study_id", "study_name", "metric", "direction", "approach", "eval_mode", "n_trials", "n_finished", "n_complete",
    "n_pruned", "n_failed", "partial", "stop_reason", "best_number", "best_value", "best_model_params",
    "best_train_params", "best_fold_scores", "dataset", "splits", "final", "status", "error",
    "objectives", "pareto_front", "select", "best_values",
})


def _objective_index(report: Mapping[str, Any]) -> int:
    """Index of the report's `metric` (the selected objective) among its objectives (0 without them)."""
    names = [o.get("metric") for o in report.get("objectives") or []]
    return names.index(report.get("metric")) if report.get("metric") in names else 0


def _several(report: Mapping[str, Any]) -> bool:
    return len(report.get("objectives") or []) > 1


def _label_of(objective: Mapping[str, Any]) -> str:
    return metric_label({"metric": objective.get("metric"), "direction": objective.get("direction")})


def _summary(report: Mapping[str, Any]) -> str:
    r = report
    rows: list[tuple[str, Any]] = [("study", r.get("study_id")), ("study name", study_name_text(r))]
    if r.get("status"):
        rows.append(("status", r["status"] + (f": {r['error']}" if r.get("error") else "")))
    if _several(r):
        rows.append(("objectives", ", ".join(_label_of(o) for o in r["objectives"])))
        if r.get("pareto_front"):
            rows.append(("Pareto front", [{"trial": p.get("number"), **{o.get("metric"): v for o, v in zip(r["objectives"], p.get("values") or [])}}
                                          for p in r["pareto_front"]]))
        select = r.get("select") or {}
        if select.get("number") is not None:
            rows.append(("refit", f"trial {select['number']}: the Pareto front's best on {select.get('objective')} (select.objective)"))
    rows.append(("metric", metric_label(r)))
    if r.get("approach"):
        rows.append(("approach", r["approach"] + (f", {r['eval_mode']} over the folds" if r.get("approach") == "grouped" and r.get("eval_mode") else "")))
    if "n_finished" in r:
        rows.append(("trials", f"{r['n_finished']} of {r.get('n_trials')} finished: {r.get('n_complete', 0)} complete, "
                               f"{r.get('n_pruned', 0)} pruned, {r.get('n_failed', 0)} failed"
                     + (f" (stopped early: {r.get('stop_reason')})" if r.get("partial") else "")))
    if r.get("best_number") is not None:
        rows.append(("best trial", f"trial {r['best_number']}: {r.get('metric', 'value')} = {_number(r.get('best_value'))}"))
        rows.append(("best params", {**(r.get("best_model_params") or {}), **{f"train: {k}": v for k, v in (r.get("best_train_params") or {}).items()}}))
        if r.get("best_fold_scores"):
            rows.append(("best fold scores", r["best_fold_scores"]))
    elif "best_number" in r:
        rows.append(("best trial", "none: no trial completed"))
    if r.get("dataset"):
        rows.append(("data", r["dataset"]))
    if r.get("splits"):
        rows.append(("splits", r["splits"]))
    final = r.get("final")
    if final:
        rows.append(("final fit", {"class": final.get("class_path"), "rows": final.get("n_samples"),
                                   "params": final.get("params"), "train params": final.get("train_params")}))
    elif "final" in r:
        rows.append(("final fit", None))
    # Whatever else a report carries is shown too, as a table.
    rows += [(k, v) for k, v in r.items() if k not in SHOWN_FIELDS and k not in HIDDEN_FIELDS]
    return _table(rows)


def _get(finding: Any, key: str) -> Any:
    return finding.get(key) if isinstance(finding, Mapping) else getattr(finding, key, None)


def _source(report: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The study's file and the JSON pointer of its step (its block's parent), from the report's IR."""
    ir = report.get("ir")
    source = ir.get("source") if isinstance(ir, Mapping) else None
    if not isinstance(source, Mapping):
        return None, None
    pointer = source.get("pointer")
    return source.get("file"), (pointer.rsplit("/", 1)[0] if isinstance(pointer, str) else None)


def _inside(pointer: Any, step: str) -> bool:
    return isinstance(pointer, str) and (pointer == step or pointer.startswith(step + "/"))


def _findings(report: Mapping[str, Any], findings: Sequence[Any], steps: Sequence[str]) -> str:
    """The compile findings of the study: code, severity, line:col, message.

    Those of its file inside its step, and those of its file outside every study's step (the rest of
    the pipeline concerns every study); another study's findings stay in that study's section.
    """
    file, step = _source(report)
    mine = [f for f in findings if file is None or _get(f, "file") == file]
    if step is not None:
        mine = [f for f in mine if _inside(_get(f, "pointer"), step) or not any(_inside(_get(f, "pointer"), s) for s in steps)]
    if not mine:
        return '<p class="no-findings">No compile findings.</p>'
    rows = [[_get(f, "code"), str(_get(f, "severity")), f"{_get(f, 'line')}:{_get(f, 'column')}", _get(f, "message")] for f in mine]
    return _grid(["code", "severity", "line:col", "message"], rows, "findings", [f"severity-{html.escape(str(_get(f, 'severity')))}" for f in mine])


def _trials(report: Mapping[str, Any]) -> str:
    """One row per trial, one column per parameter; the best trial's row marked."""
    trials = list(report.get("trials") or [])
    model = list(dict.fromkeys(k for t in trials for k in (t.get("model_params") or {})))
    train = list(dict.fromkeys(k for t in trials for k in (t.get("train_params") or {})))
    several = _several(report)
    values = [str(o.get("metric")) for o in report["objectives"]] if several else [str(report.get("metric") or "value")]
    columns = ["trial", "state", *values, *model, *(f"train: {k}" for k in train)]
    extra = [c for c in ("fold_scores", "duration_seconds", "failure") if any(t.get(c) for t in trials)]
    columns += [{"fold_scores": "fold scores", "duration_seconds": "seconds", "failure": "failure"}[c] for c in extra]
    best = report.get("best_number")
    rows, classes = [], []
    for t in trials:
        is_best = best is not None and t.get("number") == best
        state = html.escape(str(t.get("state", "")))
        mark = ' <span class="best-mark">&#9733; best</span>' if is_best else ""
        rows.append([
            _Raw(_scalar(t.get("number")) + mark),
            _Raw(state),
            *((t.get("values") or [None] * len(values)) if several else [t.get("value")]),
            *((t.get("model_params") or {}).get(k) for k in model),
            *((t.get("train_params") or {}).get(k) for k in train),
            *(_cell_of(c, t.get(c)) for c in extra),
        ])
        rows[-1] = [_Raw("") if v is None else v for v in rows[-1]]  # a blank cell: nothing to say (no failure, no value)
        classes.append(f"state-{state.lower()}" + (" best" if is_best else ""))
    return _grid(columns, rows, "trials", classes)


def _cell_of(column: str, value: Any) -> Any:
    if column == "failure" and isinstance(value, Mapping):
        return f"{value.get('type')}: {value.get('message')}"
    if column == "duration_seconds" and isinstance(value, (int, float)):
        return f"{value:.3f}"
    return value


# ----------------------------------------------------------------------------- plots


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class NothingToDraw(Exception):
    """A plot without data: its note says why."""


def _target(view: StudyView) -> Any:
    """Optuna's `target` of a plot: None for one objective, the selected objective's value for several
    (Optuna's single-value plots need one)."""
    if not _several(view.report):
        return None
    k = _objective_index(view.report)
    return lambda t: t.values[k]


def _history(view: StudyView) -> go.Figure:
    report = view.report
    figure = optuna.visualization.plot_optimization_history(view.study, target=_target(view), target_name=metric_label(report))
    if figure.data and report.get("best_number") is not None and isinstance(report.get("best_value"), (int, float)):
        number = report["best_number"]
        figure.add_trace(go.Scatter(
            x=[number], y=[report["best_value"]], mode="markers", name=f"best trial ({number})",
            marker={"symbol": "star", "size": 18, "color": BEST_COLOUR, "line": {"width": 1, "color": "#222"}},
            hovertemplate=f"best trial {number}<br>{html.escape(str(report.get('metric')))}=%{{y:.6g}}<extra></extra>",
        ))
    return figure


def _parallel(view: StudyView) -> go.Figure:
    return optuna.visualization.plot_parallel_coordinate(view.study, target=_target(view), target_name=metric_label(view.report))


def _importances(view: StudyView) -> go.Figure:
    from optuna.importance import FanovaImportanceEvaluator

    figure = optuna.visualization.plot_param_importances(
        view.study, evaluator=FanovaImportanceEvaluator(seed=IMPORTANCE_SEED), target=_target(view),
        target_name=metric_label(view.report))
    if figure.data:
        figure.update_xaxes(title_text=f"importance for {view.report.get('metric') or 'the objective'} (fANOVA)")
    return figure


def best_trials(report: Mapping[str, Any], k: int = TOP_FOLD_TRIALS) -> list[Mapping[str, Any]]:
    """The `k` best complete trials with a number per fold, best first (by the study's direction, then number)."""
    sign = -1.0 if report.get("direction") == "maximize" else 1.0
    scored = [t for t in report.get("trials") or []
              if t.get("state") == "COMPLETE" and isinstance(_trial_value(report, t), (int, float)) and t.get("fold_scores")]
    return sorted(scored, key=lambda t: (sign * _trial_value(report, t), t.get("number", 0)))[:k]


def _trial_value(report: Mapping[str, Any], trial: Mapping[str, Any]) -> Any:
    """The trial's value on the report's `metric` (the selected objective with several)."""
    if _several(report):
        values = trial.get("values") or []
        k = _objective_index(report)
        return values[k] if k < len(values) else None
    return trial.get("value")


def _fold_values(report: Mapping[str, Any], scores: Sequence[Any]) -> list[Any]:
    """One number per fold on the report's `metric` (with several objectives a fold holds one score per objective)."""
    if _several(report):
        k = _objective_index(report)
        scores = [s[k] if isinstance(s, (list, tuple)) and k < len(s) else None for s in scores]
    return [v if isinstance(v, (int, float)) else None for v in scores]  # "nan"/"inf" strings: gaps


def _fold_scores(view: StudyView) -> go.Figure:
    report = view.report
    top = best_trials(report)
    if not top:
        raise NothingToDraw("no completed trial with fold scores")
    if max(len(t["fold_scores"]) for t in top) < 2:
        raise NothingToDraw("each trial was scored on one split only; there are no folds to compare")
    figure = go.Figure()
    best = report.get("best_number")
    for t in top:
        scores = _fold_values(report, t["fold_scores"])
        is_best = t.get("number") == best
        figure.add_trace(go.Scatter(
            x=[f"fold {k}" for k in range(len(scores))], y=scores, mode="lines+markers",
            name=f"trial {t['number']}" + (" (best)" if is_best else "") + f": {_number(_trial_value(report, t))}",
            line={"width": 4 if is_best else 1.5, **({"color": BEST_COLOUR} if is_best else {})},
            marker={"symbol": "star" if is_best else "circle", "size": 12 if is_best else 7},
        ))
    figure.update_layout(title={"text": f"Fold scores of the {len(top)} best trials"}, xaxis_title="fold",
                         yaxis_title=metric_label(report), legend_title_text=f"trial: {report.get('eval_mode') or 'value'} over the folds")
    return figure


def _pareto(view: StudyView) -> go.Figure:
    """Optuna's `plot_pareto_front` (two or three objectives), the refitted trial starred (two objectives)."""
    report = view.report
    objectives = report.get("objectives") or []
    figure = optuna.visualization.plot_pareto_front(view.study, target_names=[_label_of(o) for o in objectives])
    select = report.get("select") or {}
    number = select.get("number")
    if figure.data and number is not None and len(objectives) == 2:
        trial = next((t for t in report.get("trials") or [] if t.get("number") == number), None)
        values = (trial or {}).get("values") or []
        if len(values) == 2 and all(isinstance(v, (int, float)) for v in values):
            figure.add_trace(go.Scatter(
                x=[values[0]], y=[values[1]], mode="markers", name=f"refitted trial ({number})",
                marker={"symbol": "star", "size": 18, "color": BEST_COLOUR, "line": {"width": 1, "color": "#222"}},
            ))
    return figure


MULTI_OBJECTIVE_PLOTS: tuple[tuple[str, str, Callable[[StudyView], go.Figure]], ...] = (
    ("pareto_front", "Pareto front", _pareto),
)
"""Plots of a study of several objectives only, before the others: Optuna's Pareto front (every trial, the
front highlighted; the refitted trial starred). The other plots then show the selected objective."""

PLOTS: tuple[tuple[str, str, Callable[[StudyView], go.Figure]], ...] = (
    ("optimization_history", "Optimization history", _history),
    ("parallel_coordinate", "Parallel coordinates", _parallel),
    ("param_importances", "Parameter importances", _importances),
    ("fold_scores", "Fold scores of the best trials", _fold_scores),
)
"""(key, section title, figure builder) of each plot, in page order."""


def plot_id(index: int, key: str) -> str:
    """The id of a plot's div: `study-<index>-<key>` (index in page order, from 0)."""
    return f"study-{index}-{key.replace('_', '-')}"


def _figure(build: Callable[[StudyView], go.Figure], view: StudyView) -> tuple[go.Figure | None, str]:
    """The figure, or None and why: Optuna returns an empty figure and logs a warning when it has nothing to draw."""
    root = logging.getLogger("optuna")
    saved, collect = root.handlers[:], _Collect()
    root.handlers = [collect]  # the warning goes into the page, not onto ftrun's stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # experimental-API warnings
            figure = build(view)
    except NothingToDraw as exc:
        return None, f"Nothing to draw here: {exc}"
    except (ValueError, RuntimeError) as exc:
        return None, f"Optuna has nothing to draw here: {exc}"
    finally:
        root.handlers = saved
    if not figure.data:
        return None, "Optuna has nothing to draw here: " + (" ".join(collect.messages) or "no completed trial with a sampled parameter")
    return figure, ""


def _plot(index: int, key: str, title: str, build: Callable[[StudyView], go.Figure], view: StudyView) -> str:
    div_id = plot_id(index, key)
    figure, why = _figure(build, view)
    if figure is None:
        body = f'<p class="no-plot" id="{div_id}">{html.escape(why)}</p>'
    else:
        body = figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, default_height="480px")
    return f'<section class="plot" data-plot="{key}"><h3>{html.escape(title)}</h3>{body}</section>'


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1400px; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
table.summary > tbody > tr > th, table.kv th { background: #f4f4f4; font-weight: 600; }
table.kv { margin: 0; font-size: 1em; }
table.grid thead th, table.trials thead th, table.findings thead th { background: #eef2f7; position: sticky; top: 0; }
table.trials td { font-variant-numeric: tabular-nums; }
tr.state-fail td { background: #fde8e8; }
tr.state-pruned td { background: #f0f0f0; color: #666; }
tr.best td { background: #fff4c2; font-weight: 600; }
.best-mark { color: #d62728; white-space: nowrap; }
tr.severity-error td { background: #fde8e8; }
tr.severity-warning td { background: #fff6e0; }
.none { color: #888; font-style: italic; }
p.no-plot, p.no-findings { color: #555; font-style: italic; }
section.plot { margin: 1.5em 0; }
"""


def _date(run_at: datetime | None) -> str:
    when = run_at if run_at is not None else datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)  # a naive time is taken as UTC
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def page_head(title: str) -> list[str]:
    """The page's opening up to its `<h1>`: the style and plotly.js inline, once, so that the page
    works offline and from file:// (the study page and the campaign page alike)."""
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]


def render_html(views: Sequence[StudyView], *, title: str, header: Sequence[tuple[str, Any]] = (),
                findings: Sequence[Any] = (), run_at: datetime | None = None) -> str:
    """The whole page: `header` rows (file, data, versions...) and the run's date (`run_at`, default now; UTC),
    then each study with its summary, its file's compile `findings` (`Diagnostic`s or their dicts), its plots and trials."""
    head_rows = list(header)
    head_rows.insert(min(1, len(head_rows)), ("run (UTC)", _date(run_at)))
    parts = [*page_head(title), _table(head_rows, "summary header")]
    steps = [step for step in (_source(v.report)[1] for v in views) if step is not None]
    for index, view in enumerate(views):
        report = view.report
        label = view.label if view.label is not None else f"Study {report.get('study_id', index)}"
        parts.append(f'<section class="study" id="study-{index}"><h2>{html.escape(label)}</h2>')
        parts.append(_summary(report))
        parts.append("<h3>Compile findings</h3>")
        parts.append(_findings(report, findings, steps))
        plots = (MULTI_OBJECTIVE_PLOTS + PLOTS) if _several(report) else PLOTS
        parts.extend(_plot(index, key, plot_title, build, view) for key, plot_title, build in plots)
        parts.append("<h3>Trials</h3>")
        parts.append(_trials(report))
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
