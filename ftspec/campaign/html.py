"""The HTML report of a campaign (`ftrun campaign.yaml --html FILE`): one self-contained page.

The page: the decision and its reasons; one row per stage and seed (its study, finished trials, best
value, best params); the convergence curves of every stage side by side (the best value so far of
each seed's study, by trial number, one panel per stage on a shared value axis); the spread of the
best params (per stage, each seed's best value of each searched parameter, with the spread the
decision read: one panel per parameter, stages on the x axis). plotly.js is embedded once, as in
`ftspec.runtime.html`, so the page opens offline.
"""

from __future__ import annotations

import html
from typing import Any, Mapping

import optuna
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ftspec.runtime import engine
from ftspec.runtime.html import _date, _grid, _table, page_head

__all__ = ["render_campaign_html", "convergence"]


def convergence(ostudy: optuna.Study | None, direction: str) -> tuple[list[int], list[float]]:
    """(trial numbers, best value so far) over the study's counted complete trials."""
    if ostudy is None:
        return [], []
    numbers: list[int] = []
    best: list[float] = []
    pick = min if direction == "minimize" else max
    for t in engine.counted_trials(ostudy):
        if t.state != optuna.trial.TrialState.COMPLETE or t.value is None:
            continue
        numbers.append(t.number)
        best.append(t.value if not best else pick(best[-1], t.value))
    return numbers, best


def _convergence_figure(decision: Mapping[str, Any], studies: Mapping[str, optuna.Study | None]) -> go.Figure:
    stages = decision["stages"]
    figure = make_subplots(rows=1, cols=len(stages), shared_yaxes=True, subplot_titles=[s["name"] for s in stages])
    for col, stage in enumerate(stages, start=1):
        for seed in stage["seeds"]:
            x, y = convergence(studies.get(seed["study"]), decision["direction"])
            figure.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=f"{stage['name']} seed {seed['seed']}",
                                        legendgroup=stage["name"]), row=1, col=col)
        figure.update_xaxes(title_text="trial", row=1, col=col)
    better = "lower" if decision["direction"] == "minimize" else "higher"
    figure.update_yaxes(title_text=f"best {decision['metric']} so far ({better} is better)", row=1, col=1)
    figure.update_layout(title="Convergence: best value so far per seed")
    return figure


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _spread_figure(decision: Mapping[str, Any]) -> go.Figure | None:
    params = list(dict.fromkeys(p for s in decision["stages"] for p in (s.get("spread") or {})))
    if not params:
        return None
    figure = make_subplots(rows=1, cols=len(params), subplot_titles=params)
    for col, param in enumerate(params, start=1):
        for stage in decision["stages"]:
            points = [(seed["seed"], (seed.get("best_params") or {}).get(param)) for seed in stage["seeds"]]
            points = [(s, v) for s, v in points if _numeric(v)]
            figure.add_trace(go.Scatter(x=[stage["name"]] * len(points), y=[v for _, v in points], mode="markers",
                                        text=[f"seed {s}" for s, _ in points], name=f"{stage['name']}: {param}",
                                        showlegend=False), row=1, col=col)
    figure.update_layout(title="Best params of each seed, per stage")
    return figure


def _plot(figure: go.Figure | None, div_id: str, note: str) -> str:
    if figure is None:
        return f'<p class="no-plot">{html.escape(note)}</p>'
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, default_height="420px")


def render_campaign_html(decision: Mapping[str, Any], studies: Mapping[str, optuna.Study | None], *,
                         header: list[tuple[str, Any]] = ()) -> str:  # type: ignore[assignment]
    """The page of a campaign's `decision` (ftspec.campaign.decide) and its Optuna `studies` by id."""
    title = f"ftrun campaign report: {decision['campaign']}"
    d = decision["decision"]
    head = list(header) + [("run (UTC)", _date(None)), ("metric", f"{decision['metric']} ({decision['direction']})"),
                           ("rules", decision["rules"]), ("winner", d["stage"]), ("best value", d["best_value"]),
                           ("best params", d["best_params"]), ("seeds agree", d["seeds_agree"])]
    rows = []
    for stage in decision["stages"]:
        for seed in stage["seeds"]:
            rows.append([stage["name"], seed["seed"], seed["study"], seed["n_finished"], seed["best_value"],
                         seed["best_params"]])
    spread_rows = [[s["name"], s["best_value"], s["best_seed"], s.get("spread") or {}, s["seeds_agree"],
                    (s.get("gain") or {}).get("value")] for s in decision["stages"]]
    parts = [
        *page_head(title),
        _table(head, "summary header"),
        "<h2>Reasons</h2>",
        "<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in decision["reasons"]) + "</ul>",
        '<section id="stages"><h2>Stages and seeds</h2>',
        _grid(["stage", "seed", "study", "finished trials", "best value", "best params"], rows),
        _grid(["stage", "best value", "best seed", "spread", "seeds agree", "gain"], spread_rows),
        "</section>",
        '<section class="plot" id="convergence"><h2>Convergence</h2>',
        _plot(_convergence_figure(decision, studies), "campaign-convergence", ""),
        "</section>",
        '<section class="plot" id="spread"><h2>Spread of the best params</h2>',
        _plot(_spread_figure(decision), "campaign-spread", "no searched numeric parameter: nothing to plot"),
        "</section>",
        "</body></html>\n",
    ]
    return "\n".join(parts)
