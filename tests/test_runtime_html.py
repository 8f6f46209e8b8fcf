"""The HTML report (`ftspec.runtime.html.render_html`), fed hand-built Optuna studies and reports:
exact sections, plot divs and plot titles per study, plotly.js inline once, escaping, the note
that replaces a plot there is nothing to draw for; the page for people: the readable study name,
the run's date in UTC, values as tables (cells parsed), the compile findings of each study, the
metric on the axes (plotly JSON), the best trial marked in the table and the history, the fold
scores of the five best trials; and the page `ftrun --html` writes for a pipeline with findings.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
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
    assert [h[1] for h in page.headings if h[0] == "h3"] == [
        "Compile findings", "Optimization history", "Parallel coordinates", "Parameter importances", "Fold scores of the best trials", "Trials",
    ] * 2
    expected_ids = [plot_id(i, key) for i in (0, 1) for key, _, _ in PLOTS if key != "fold_scores"]
    assert page.plot_divs == expected_ids == [
        "study-0-optimization-history", "study-0-parallel-coordinate", "study-0-param-importances",
        "study-1-optimization-history", "study-1-parallel-coordinate", "study-1-param-importances",
    ]
    plots = {m["id"]: json.loads(m["layout"])["title"]["text"] for m in NEW_PLOT.finditer(text)}
    assert plots == {plot_id(i, key): OPTUNA_TITLES[key] for i in (0, 1) for key in OPTUNA_TITLES}
    assert page.notes == ["study-0-fold-scores", "study-1-fold-scores"]  # these reports have no fold scores
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
    assert page.notes == ["study-0-parallel-coordinate", "study-0-param-importances", "study-0-fold-scores"]
    assert re.findall(r'<p class="no-plot" id="[^"]+">([^<]*)</p>', text) == [
        "Optuna has nothing to draw here: no completed trial with a sampled parameter"
    ] * 2 + ["Nothing to draw here: no completed trial with fold scores"]


def test_a_study_without_completed_trials_gets_optunas_own_reasons() -> None:
    study = optuna.create_study()
    text = render_html([StudyView({"study_id": "empty", "trials": []}, study)], title="t")
    assert _parse(text).plot_divs == []
    assert re.findall(r'<p class="no-plot" id="([^"]+)">([^<]*)</p>', text) == [
        ("study-0-optimization-history", "Optuna has nothing to draw here: There are no complete trials."),
        ("study-0-parallel-coordinate", "Optuna has nothing to draw here: Your study does not have any completed trials."),
        ("study-0-param-importances", "Optuna has nothing to draw here: Study instance does not contain completed trials."),
        ("study-0-fold-scores", "Nothing to draw here: no completed trial with fold scores"),
    ]


@pytest.mark.parametrize("state", ["FAIL", "PRUNED"])
def test_trial_rows_carry_their_state(state: str) -> None:
    study = _study(2)
    report = _report("s", study)
    report["trials"].append({"number": 2, "state": state, "value": None, "model_params": {}, "train_params": {},
                             "failure": {"type": "ValueError", "message": "bad <x>"} if state == "FAIL" else None})
    text = render_html([StudyView(report, study)], title="t")
    assert text.count(f'<tr class="state-{state.lower()}">') == 1  # not the best: no "best" class
    if state == "FAIL":
        assert "bad &lt;x&gt;" in text


# ----------------------------------------------------------------------------- the page for people


class Tables(HTMLParser):
    """Every table of the page, in document order: its class and its rows (row class, cell texts).

    A cell's text includes the text of tables nested in it; nested tables are listed too.
    """

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self._open: list[dict[str, Any]] = []
        self._cells: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "table":
            table = {"class": a.get("class", ""), "rows": []}
            self.tables.append(table)
            self._open.append(table)
        elif tag == "tr" and self._open:
            self._open[-1]["rows"].append((a.get("class", ""), []))
        elif tag in ("td", "th") and self._open:
            self._cells.append([])

    def handle_data(self, data: str) -> None:
        for cell in self._cells:
            cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._open:
            self._open.pop()
        elif tag in ("td", "th") and self._cells and self._open:
            self._open[-1]["rows"][-1][1].append("".join(self._cells.pop()).strip())

    def of(self, cls: str) -> list[dict[str, Any]]:
        return [t for t in self.tables if t["class"] == cls]


def _tables(text: str) -> Tables:
    parser = Tables()
    parser.feed(text)
    return parser


def _plots(text: str) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    return {m["id"]: (json.loads(m["data"]), json.loads(m["layout"])) for m in NEW_PLOT.finditer(text)}


def _folded_study(values: list[list[float]], direction: str = "minimize") -> optuna.Study:
    """A study whose trial k scores `values[k]` per fold and is worth their mean."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction, sampler=optuna.samplers.RandomSampler(seed=0))
    for scores in values:
        trial = study.ask()
        trial.suggest_float("alpha", 0.1, 10.0, log=True)
        study.tell(trial, sum(scores) / len(scores))
    return study


FOLDS = [[3.0, 4.0, 5.0], [2.0, 2.5, 3.0], [6.0, 7.0, 8.0], [1.0, 3.0, 2.5], [2.0, 2.0, 2.0], [9.0, 9.0, 9.0], [2.5, 1.5, 2.3]]


def _full_report(study: optuna.Study, metric: str = "rmse", direction: str = "minimize") -> dict[str, Any]:
    best = study.best_trial
    trials = [{"number": t.number, "state": "COMPLETE", "value": t.value, "model_params": dict(t.params), "train_params": {"epochs": 3},
               "fold_scores": FOLDS[t.number], "intermediate": [], "failure": None, "duration_seconds": 0.0123}
              for t in study.trials]
    trials.append({"number": len(trials), "state": "FAIL", "value": None, "model_params": {"alpha": 0.5}, "train_params": {},
                   "fold_scores": None, "intermediate": [], "failure": {"type": "ValueError", "message": "bad"}, "duration_seconds": 0.002})
    return {
        "status": "complete", "error": None, "study_id": "ridge", "study_name": "no-name-7f0c2d4e-0000-4000-8000-000000000000",
        "direction": direction, "metric": metric, "approach": "grouped", "eval_mode": "mean",
        "n_trials": 8, "n_finished": 8, "n_complete": 7, "n_pruned": 0, "n_failed": 1, "partial": False, "stop_reason": "n_trials",
        "trials": trials, "best_number": best.number, "best_value": best.value, "best_model_params": {"alpha": best.params["alpha"], "fit_intercept": True},
        "best_train_params": {"epochs": 3}, "best_fold_scores": FOLDS[best.number],
        "splits": [{"fold": k, "n_train": 20, "n_valid": 10} for k in range(3)],
        "dataset": {"name": "data.csv", "task": "regression", "n_samples": 30, "n_features": 2, "target": "y", "groups": False},
        "final": {"class_path": "sklearn.linear_model.Ridge", "params": {"alpha": best.params["alpha"], "solver": "auto", "random_state": None},
                  "train_params": {}, "n_samples": 30},
        "folds": [], "versions": {"ftspec": "0.1.0"},
        "ir": {"id": "ridge", "source": {"file": "p.yaml", "pointer": "/pipeline/2/finetune_params", "line": 9, "column": 7}},
    }


FINDINGS = [
    {"code": "FT106", "severity": "warning", "message": "legacy <block>", "file": "p.yaml", "pointer": "/pipeline/2/finetune_params", "line": 9, "column": 7},
    {"code": "FT204", "severity": "info", "message": "a log range", "file": "p.yaml", "pointer": "/pipeline/2/finetune_params/model_params/alpha",
     "line": 11, "column": 16},
    {"code": "FT303", "severity": "info", "message": "another study's", "file": "p.yaml", "pointer": "/pipeline/3/finetune_params", "line": 20, "column": 7},
    {"code": "FT999", "severity": "warning", "message": "the splitter step", "file": "p.yaml", "pointer": "/pipeline/1", "line": 4, "column": 5},
    {"code": "FT106", "severity": "warning", "message": "another file", "file": "q.yaml", "pointer": "/pipeline/2/finetune_params", "line": 9, "column": 7},
]


def _page(direction: str = "minimize", metric: str = "rmse") -> tuple[str, dict[str, Any]]:
    from datetime import datetime, timedelta, timezone

    study = _folded_study(FOLDS, direction)
    report = _full_report(study, metric, direction)
    other = dict(report, study_id="other", ir={"source": {"file": "p.yaml", "pointer": "/pipeline/3/finetune_params"}})
    run_at = datetime(2024, 5, 6, 9, 8, 7, tzinfo=timezone(timedelta(hours=2)))
    text = render_html([StudyView(report, study), StudyView(other, study)], title="ftrun report: p.yaml",
                       header=[("pipeline", "p.yaml"), ("versions", {"ftspec": "0.1.0", "optuna": "5.1.0"})], findings=FINDINGS, run_at=run_at)
    return text, report


def test_the_header_has_the_run_date_in_utc_and_the_versions_as_a_table() -> None:
    text, _report = _page()
    header = _tables(text).of("summary header")[0]
    assert header["rows"] == [("", ["pipeline", "p.yaml"]), ("", ["run (UTC)", "2024-05-06T07:08:07Z"]),
                              ("", ["versions", "ftspec0.1.0optuna5.1.0"])]
    assert _tables(text).of("kv")[0]["rows"] == [("", ["ftspec", "0.1.0"]), ("", ["optuna", "5.1.0"])]


def test_the_summary_reads_as_sentences_and_tables_never_json() -> None:
    text, report = _page()
    tables = _tables(text)
    summary = {row[0]: row[1] for _cls, row in tables.of("summary")[0]["rows"]}
    best = report["best_number"]
    assert best == 4 and report["best_value"] == 2.0  # the mean of [2, 2, 2]
    assert summary["study"] == "ridge"
    assert summary["study name"] == "ridge (in memory, not saved)"  # not Optuna's random no-name-<uuid>
    assert summary["status"] == "complete"
    assert summary["metric"] == "rmse (lower is better)"
    assert summary["approach"] == "grouped, mean over the folds"
    assert summary["trials"] == "8 of 8 finished: 7 complete, 0 pruned, 1 failed"
    assert summary["best trial"] == "trial 4: rmse = 2"
    assert summary["best fold scores"] == "2, 2, 2"
    assert list(summary) == ["study", "study name", "status", "metric", "approach", "trials", "best trial", "best params",
                             "best fold scores", "data", "splits", "final fit"]
    # params, data, splits and the final fit are tables, in this order inside the first study's summary
    nested = [t["rows"] for t in tables.tables[tables.tables.index(tables.of("summary")[0]) + 1:]][:6]
    alpha = f"{report['best_model_params']['alpha']:.6g}"
    assert nested[0] == [("", ["alpha", alpha]), ("", ["fit_intercept", "true"]), ("", ["train: epochs", "3"])]
    assert nested[1] == [("", ["name", "data.csv"]), ("", ["task", "regression"]), ("", ["n_samples", "30"]), ("", ["n_features", "2"]),
                         ("", ["target", "y"]), ("", ["groups", "false"])]
    assert nested[2] == [("", ["fold", "n_train", "n_valid"])] + [("", [str(k), "20", "10"]) for k in range(3)]
    assert nested[3][:2] == [("", ["class", "sklearn.linear_model.Ridge"]), ("", ["rows", "30"])]
    assert nested[4] == [("", ["alpha", alpha]), ("", ["solver", "auto"]), ("", ["random_state", "none"])]
    assert "<code>" not in text and '{"alpha"' not in text.replace(get_plotlyjs(), "").split("Plotly.newPlot")[0]


def test_a_named_study_keeps_its_name() -> None:
    study = _folded_study(FOLDS)
    report = dict(_full_report(study), study_name="pls-campaign")
    summary = {row[0]: row[1] for _c, row in _tables(render_html([StudyView(report, study)], title="t")).of("summary")[0]["rows"]}
    assert summary["study name"] == "pls-campaign"


def test_each_study_lists_the_compile_findings_of_its_own_step_and_of_the_rest_of_its_file() -> None:
    text, _report = _page()
    findings = _tables(text).of("findings")
    head = ("", ["code", "severity", "line:col", "message"])
    assert findings[0]["rows"] == [
        head,
        ("severity-warning", ["FT106", "warning", "9:7", "legacy <block>"]),
        ("severity-info", ["FT204", "info", "11:16", "a log range"]),
        ("severity-warning", ["FT999", "warning", "4:5", "the splitter step"]),
    ]
    assert findings[1]["rows"] == [
        head,
        ("severity-info", ["FT303", "info", "20:7", "another study's"]),
        ("severity-warning", ["FT999", "warning", "4:5", "the splitter step"]),
    ]
    assert "legacy &lt;block&gt;" in text
    study = _folded_study(FOLDS)
    quiet = render_html([StudyView(_full_report(study), study)], title="t")
    assert _tables(quiet).of("findings") == [] and quiet.count('<p class="no-findings">No compile findings.</p>') == 1


def test_the_best_trial_is_marked_in_the_trial_table() -> None:
    text, report = _page()
    rows = _tables(text).of("trials")[0]["rows"]
    assert rows[0] == ("", ["trial", "state", "rmse", "alpha", "train: epochs", "fold scores", "seconds", "failure"])
    marked = [(cls, cells[0]) for cls, cells in rows[1:] if "best" in cls.split()]
    assert marked == [("state-complete best", "4 \u2605 best")]
    alpha = f"{report['trials'][4]['model_params']['alpha']:.6g}"
    assert rows[5] == ("state-complete best", ["4 \u2605 best", "COMPLETE", "2", alpha, "3", "2, 2, 2", "0.012", ""])
    assert rows[8] == ("state-fail", ["7", "FAIL", "", "0.5", "", "", "0.002", "ValueError: bad"])
    assert text.count("\u2605 best") == 0 and text.count("&#9733; best") == 2  # one per study, both views show the same report


def test_the_axes_carry_the_metric_and_the_history_marks_the_best_trial() -> None:
    text, report = _page()
    plots = _plots(text)
    data, layout = plots["study-0-optimization-history"]
    assert (layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]) == ("Trial", "rmse (lower is better)")
    star = [trace for trace in data if trace.get("name") == "best trial (4)"]
    assert len(star) == 1 and star[0]["x"] == [4] and star[0]["y"] == [2.0] and star[0]["marker"]["symbol"] == "star"
    _data, layout = plots["study-0-parallel-coordinate"]
    assert layout["xaxis"]["ticktext"][0] == "rmse (lower is better)"
    _data, layout = plots["study-0-param-importances"]
    assert layout["xaxis"]["title"]["text"] == "importance for rmse (fANOVA)"


@pytest.mark.parametrize(("direction", "metric", "order"), [("minimize", "rmse", [4, 6, 3, 1, 0]), ("maximize", "r2", [5, 2, 0, 1, 3])])
def test_the_fold_scores_of_the_five_best_trials_one_line_each(direction: str, metric: str, order: list[int]) -> None:
    text, report = _page(direction, metric)
    data, layout = _plots(text)["study-0-fold-scores"]
    better = "lower" if direction == "minimize" else "higher"
    assert (layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]) == ("fold", f"{metric} ({better} is better)")
    assert layout["title"]["text"] == "Fold scores of the 5 best trials"
    assert [trace["name"] for trace in data] == [
        f"trial {n}" + (" (best)" if n == report["best_number"] else "") + f": {sum(FOLDS[n]) / 3:.6g}" for n in order
    ]
    assert data[0]["name"].startswith(f"trial {report['best_number']} (best)") and data[0]["marker"]["symbol"] == "star"
    assert [trace["y"] for trace in data] == [FOLDS[n] for n in order]
    assert all(trace["x"] == ["fold 0", "fold 1", "fold 2"] for trace in data)


def test_one_split_per_trial_has_no_fold_plot() -> None:
    study = _folded_study(FOLDS)
    report = _full_report(study)
    for t in report["trials"]:
        t["fold_scores"] = [t["value"]] if t["value"] is not None else None
    text = render_html([StudyView(report, study)], title="t")
    assert re.findall(r'<p class="no-plot" id="study-0-fold-scores">([^<]*)</p>', text) == [
        "Nothing to draw here: each trial was scored on one split only; there are no folds to compare"
    ]


LEGACY_TWO_STUDIES = """\
{
  "pipeline": [
    {"class": "sklearn.preprocessing.StandardScaler"},
    {"class": "sklearn.model_selection.KFold", "params": {"n_splits": 3, "shuffle": true, "random_state": 0}},
    {"branch": [[{"name": "ridge-legacy", "model": {"class": "sklearn.linear_model.Ridge"},
                  "finetune_params": {"n_trials": 3, "seed": 1, "sampler": "tpe", "metric": "rmse", "approach": "grouped",
                                      "model_params": {"alpha": ["float_log", 0.001, 100.0]}}}],
                [{"name": "lasso-legacy", "model": {"class": "sklearn.linear_model.Lasso"},
                  "finetune_params": {"n_trials": 2, "seed": 1, "sampler": "random", "metric": "r2", "approach": "grouped",
                                      "model_params": {"alpha": ["float_log", 0.001, 1.0]}}}]]}
  ]
}
"""


def test_ftrun_html_shows_each_studys_findings_and_its_best_trial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ftspec.runtime.cli import main

    path = tmp_path / "legacy.json"
    path.write_text(LEGACY_TWO_STUDIES, encoding="utf-8")
    code = main([str(path), "--data", "demo:diabetes", "-q", "--html", str(tmp_path / "r.html"), "--report", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err
    printed = [line for line in err.splitlines() if line.startswith(str(path))]
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    tables = _tables(text)
    rows = [[(cells[0], cells[1], cells[2]) for _c, cells in t["rows"][1:]] for t in tables.of("findings")]
    # Every finding ftrun printed is on the page, once, under its study; the same line:col as printed.
    assert sorted(f"{path}:{lc}: {code} {sev}" for study in rows for code, sev, lc in study) == sorted(
        " ".join(line.split(" ")[:3]) for line in printed)
    assert rows == [
        [("FT106", "warning", "6:19"), ("FT417", "warning", "6:76"), ("FT204", "info", "7:65")],
        [("FT106", "warning", "9:19"), ("FT303", "info", "9:76"), ("FT204", "info", "10:65")],
    ]
    reports = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["studies"]
    summaries = [{row[0]: row[1] for _c, row in t["rows"]} for t in tables.of("summary")]
    assert [s["study name"] for s in summaries] == ["ridge-legacy (in memory, not saved)", "lasso-legacy (in memory, not saved)"]
    assert [s["metric"] for s in summaries] == ["rmse (lower is better)", "r2 (higher is better)"]
    marked = [[cells[0] for cls, cells in t["rows"] if "best" in cls.split()] for t in tables.of("trials")]
    assert marked == [[f"{r['best_number']} \u2605 best"] for r in reports]
    assert re.search(r"<tr><th>run \(UTC\)</th><td>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</td></tr>", text)
