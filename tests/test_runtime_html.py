"""The HTML report (`ftspec.runtime.html.render_html`), fed hand-built Optuna studies and reports:
exact sections, plot divs and plot titles per study, plotly.js inline once, escaping, and the note
that replaces a plot Optuna cannot draw.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import optuna
import pytest
from plotly.offline import get_plotlyjs

from ftspec.runtime.html import PLOTS, StudyView, plot_id, render_html

OPTUNA_TITLES = {
    "optimization_history": "Optimization History Plot",
    "parallel_coordinate": "Parallel Coordinate Plot",
    "param_importances": "Hyperparameter Importances",
}
NEW_PLOT = re.compile(r'Plotly\.newPlot\(\s*"(?P<id>[^"]+)",\s*(?P<data>\[.*?\]),\s*(?P<layout>\{.*?\}),\s*\{"responsive"', re.S)


class Page(HTMLParser):
    """Collects the structure the tests look at: sections, headings, plot divs, notes."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[dict[str, str]] = []
        self.headings: list[tuple[str, str]] = []
        self.plot_divs: list[str] = []
        self.notes: list[str] = []
        self._heading: str | None = None
        self._text = ""
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "section":
            self.sections.append(a)
        if tag in ("h1", "h2", "h3"):
            self._heading, self._text = tag, ""
        if tag == "div" and "plotly-graph-div" in a.get("class", ""):
            self.plot_divs.append(a["id"])
        if tag == "p" and a.get("class") == "no-plot":
            self.notes.append(a["id"])
        if tag == "script":
            self.scripts += 1

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self.headings.append((tag, self._text))
            self._heading = None


def _study(n: int, seed: int = 0) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(lambda t: (t.suggest_float("alpha", 0.1, 10.0, log=True) - 1) ** 2 + t.suggest_int("k", 1, 3), n_trials=n)
    return study


def _report(study_id: str, study: optuna.Study) -> dict[str, Any]:
    return {
        "study_id": study_id, "study_name": study.study_name, "metric": "rmse", "direction": "minimize",
        "n_trials": len(study.trials), "n_finished": len(study.trials), "trials": [
            {"number": t.number, "state": t.state.name, "value": t.value, "model_params": t.params, "train_params": {}}
            for t in study.trials
        ],
        "best_number": study.best_trial.number, "best_value": study.best_value, "ir": {"not": "shown"},
    }


def _parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page


def test_every_study_has_the_three_plots_with_their_titles_in_order() -> None:
    a, b = _study(8), _study(6, seed=1)
    text = render_html([StudyView(_report("first", a), a), StudyView(_report("second <b>", b), b)], title="ftrun report: p.yaml",
                       header=[("pipeline", "p.yaml")])
    page = _parse(text)
    assert [h for h in page.headings if h[0] in ("h1", "h2")] == [("h1", "ftrun report: p.yaml"), ("h2", "Study first"), ("h2", "Study second <b>")]
    assert [s.get("data-plot") for s in page.sections if s.get("class") == "plot"] == [key for key, _, _ in PLOTS] * 2
    assert [h[1] for h in page.headings if h[0] == "h3"] == ["Optimization history", "Parallel coordinates", "Parameter importances", "Trials"] * 2
    expected_ids = [plot_id(i, key) for i in (0, 1) for key, _, _ in PLOTS]
    assert page.plot_divs == expected_ids == [
        "study-0-optimization-history", "study-0-parallel-coordinate", "study-0-param-importances",
        "study-1-optimization-history", "study-1-parallel-coordinate", "study-1-param-importances",
    ]
    plots = {m["id"]: json.loads(m["layout"])["title"]["text"] for m in NEW_PLOT.finditer(text)}
    assert plots == {plot_id(i, key): OPTUNA_TITLES[key] for i in (0, 1) for key in OPTUNA_TITLES}
    assert page.notes == []
    assert "Study second &lt;b&gt;" in text  # escaped, not markup
    assert '"not": "shown"' not in text  # the IR stays in the JSON report


def test_plotly_js_is_inline_exactly_once_and_nothing_is_fetched() -> None:
    study = _study(4)
    text = render_html([StudyView(_report("s", study), study)], title="t")
    assert text.count(get_plotlyjs()) == 1
    assert re.search(r'<script[^>]+src=', text) is None and "cdn.plot.ly" not in text.replace(get_plotlyjs(), "")


def test_the_parameter_importances_are_deterministic() -> None:
    study = _study(10)
    first = render_html([StudyView(_report("s", study), study)], title="t")
    second = render_html([StudyView(_report("s", study), study)], title="t")
    importances = [json.loads(m["data"]) for m in NEW_PLOT.finditer(first) if m["id"].endswith("param-importances")]
    assert importances == [json.loads(m["data"]) for m in NEW_PLOT.finditer(second) if m["id"].endswith("param-importances")]


def test_a_plot_optuna_has_nothing_to_draw_for_becomes_a_note_with_optunas_reason() -> None:
    study = optuna.create_study()
    study.optimize(lambda t: 1.0, n_trials=3)  # no parameter at all
    report = {"study_id": "flat", "trials": []}
    text = render_html([StudyView(report, study)], title="t")
    page = _parse(text)
    assert [s.get("data-plot") for s in page.sections if s.get("class") == "plot"] == [key for key, _, _ in PLOTS]
    assert page.plot_divs == ["study-0-optimization-history"]
    assert page.notes == ["study-0-parallel-coordinate", "study-0-param-importances"]
    assert re.findall(r'<p class="no-plot" id="[^"]+">([^<]*)</p>', text) == [
        "Optuna has nothing to draw here: no completed trial with a sampled parameter"
    ] * 2


def test_a_study_without_completed_trials_gets_optunas_own_reasons() -> None:
    study = optuna.create_study()
    text = render_html([StudyView({"study_id": "empty", "trials": []}, study)], title="t")
    assert _parse(text).plot_divs == []
    assert re.findall(r'<p class="no-plot" id="([^"]+)">([^<]*)</p>', text) == [
        ("study-0-optimization-history", "Optuna has nothing to draw here: There are no complete trials."),
        ("study-0-parallel-coordinate", "Optuna has nothing to draw here: Your study does not have any completed trials."),
        ("study-0-param-importances", "Optuna has nothing to draw here: Study instance does not contain completed trials."),
    ]


@pytest.mark.parametrize("state", ["FAIL", "PRUNED"])
def test_trial_rows_carry_their_state(state: str) -> None:
    study = _study(2)
    report = _report("s", study)
    report["trials"].append({"number": 2, "state": state, "value": None, "model_params": {}, "train_params": {},
                             "failure": {"type": "ValueError", "message": "bad <x>"} if state == "FAIL" else None})
    text = render_html([StudyView(report, study)], title="t")
    assert text.count(f'<tr class="state-{state.lower()}">') == 1
    if state == "FAIL":
        assert "bad &lt;x&gt;" in text
