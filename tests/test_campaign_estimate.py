"""`ftrun --estimate CAMPAIGN|PIPELINE` and `budget.max_hours` (ftspec.campaign.estimate): the pilot's
trials in the storage, the estimate's lines, the over-budget error before any full stage, and exact
counts after the full run (the pilot's trials included)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import optuna
import pytest

from ftspec.runtime.cli import main as ftrun
from ftspec.runtime.engine import counted_trials

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "campaign" / "ridge_refine.yaml"
T = r"[0-9.e+-]+ (?:s|min|h)"  # one duration_text
R = rf"{T}\.\.{T}"


def _campaign(tmp_path: Path, max_hours: str = "0.1", storage: bool = True) -> Path:
    (tmp_path / "ridge.yaml").write_text((ROOT / "fixtures/campaign/ridge.yaml").read_text())
    text = FIXTURE.read_text().replace("max_fits: 200", "max_fits: 2000").replace("max_hours: 0.1", f"max_hours: {max_hours}")
    if not storage:
        text = text.replace("  storage: sqlite:///ridge-refine.db   # relative to the directory ftrun runs in\n", "")
    path = tmp_path / "refine.yaml"
    path.write_text(text)
    return path


FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.FAIL)


def _counts(url: str) -> dict[str, int]:
    """Finished counted trials per study (warm-start trials waiting in the queue are not counted)."""
    return {s.study_name: sum(t.state in FINISHED for t in counted_trials(optuna.load_study(study_name=s.study_name, storage=url)))
            for s in optuna.get_all_study_summaries(url)}


def _estimate_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("ftrun: estimate: ")]


def test_estimate_runs_the_pilot_in_the_storage_and_the_run_counts_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'c.db'}"
    path = str(_campaign(tmp_path))
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q", "--estimate", "--n-jobs", "2"]) == 0
    lines = _estimate_lines(capsys.readouterr().err)
    expected = [
        r"ftrun: estimate: pilot: stage core: 3 trials of ridge-refine:core:seed60 in the storage \(they count toward its 6 trials\)",
        r"ftrun: estimate: pilot: stage full: 3 trials of ridge-refine:full:seed70 in memory on the declared ranges, discarded "
        r"\(it reads stage core, not complete yet\)",
        rf"ftrun: estimate: stage core: 38 fits \(36 model fits \+ 2 refits\) x {R} per fit = {R} with 1 worker, {R} with 2 workers",
        rf"ftrun: estimate: stage full: 32 fits \(30 model fits \+ 2 refits\) x {R} per fit = {R} with 1 worker, {R} with 2 workers",
        rf"ftrun: estimate: total: 70 fits = {R} with 1 worker, {R} with 2 workers",
        r"ftrun: estimate: budget.max_hours 0.1 \(6 min\): within it with 2 workers",
    ]
    assert len(lines) == len(expected), lines
    for line, pattern in zip(lines, expected):
        assert re.fullmatch(pattern, line), line
    assert _counts(url) == {"ridge-refine:core:seed60": 3}  # the full stage's pilot was in memory
    # A second --estimate reuses the stored pilot trials: nothing more is run in the storage.
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q", "--estimate"]) == 0
    assert "pilot: stage core: no trial run, 3 trials of ridge-refine:core:seed60 already in the storage" in capsys.readouterr().err
    assert _counts(url) == {"ridge-refine:core:seed60": 3}
    pilot = [t.number for t in counted_trials(optuna.load_study(study_name="ridge-refine:core:seed60", storage=url))]
    # The run (max_hours set: it estimates again, runs nothing new for core's pilot) ends at exactly n_trials.
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q"]) == 0
    assert _counts(url) == {"ridge-refine:core:seed60": 6, "ridge-refine:core:seed61": 6,
                            "ridge-refine:full:seed70": 5, "ridge-refine:full:seed71": 5}
    core60 = optuna.load_study(study_name="ridge-refine:core:seed60", storage=url)
    assert len(core60.get_trials(deepcopy=False)) == 6  # no trial beyond the budget: the pilot's 3 are 3 of the 6
    assert [t.number for t in counted_trials(core60)][:3] == pilot


def test_estimate_once_core_is_complete_pilots_full_in_the_storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'c.db'}"
    path = str(_campaign(tmp_path))
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q", "--stage", "core"]) == 0
    capsys.readouterr()
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q", "--estimate"]) == 0
    err = capsys.readouterr().err
    assert "ftrun: estimate: pilot: stage core: no trial run, 6 trials of ridge-refine:core:seed60 already in the storage" in err
    assert "ftrun: estimate: pilot: stage full: 3 trials of ridge-refine:full:seed70 in the storage (they count toward its 5 trials)" in err
    assert _counts(url)["ridge-refine:full:seed70"] == 3
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q"]) == 0
    assert _counts(url) == {"ridge-refine:core:seed60": 6, "ridge-refine:core:seed61": 6,
                            "ridge-refine:full:seed70": 5, "ridge-refine:full:seed71": 5}


@pytest.mark.parametrize("estimate", [True, False])
def test_over_budget_is_an_error_before_any_full_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], estimate: bool) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'c.db'}"
    path = str(_campaign(tmp_path, max_hours="1.0e-9"))
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q", "--n-jobs", "1"] + (["--estimate"] if estimate else [])) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "exceeds budget.max_hours" in line]
    assert len(errors) == 1
    assert re.fullmatch(rf"ftrun: campaign ridge-refine: the estimate {R} with 1 worker exceeds budget.max_hours 1e-09 \({T}\) "
                        rf"by {R}; stage (core|full) dominates \({R}, [0-9]+%\); no full stage was run", errors[0]), errors[0]
    assert "ftrun: stage core:" not in err
    assert _counts(url) == {"ridge-refine:core:seed60": 3}  # only the pilot ran


def test_estimate_in_memory_says_the_pilot_is_discarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert ftrun([str(_campaign(tmp_path, storage=False)), "--data", "demo:diabetes", "-q", "--estimate"]) == 0
    err = capsys.readouterr().err
    assert ("ftrun: estimate: pilot: stage core: 3 trials of ridge-refine:core:seed60 in memory (no storage): "
            "discarded when ftrun exits") in err
    assert not (tmp_path / "ridge-refine.db").exists()


TWO_STUDIES = """\
pipeline:
  - class: sklearn.preprocessing.StandardScaler
  - class: sklearn.model_selection.KFold
    params: {n_splits: 3, shuffle: true, random_state: 0}
  - name: ridge
    model:
      class: sklearn.linear_model.Ridge
    finetune_params:
      version: 2
      n_trials: 8
      seed: 0
      metric: rmse
      approach: grouped
      sampler: {kind: tpe, options: {n_startup_trials: 3}}
      model_params:
        alpha: {type: float, low: 1.0e-3, high: 1.0e+3, log: true}
  - name: ridge-long
    model:
      class: sklearn.linear_model.Ridge
    finetune_params:
      version: 2
      n_trials: 20
      seed: 1
      metric: rmse
      approach: grouped
      sampler: {kind: tpe, options: {n_startup_trials: 3}}
      model_params:
        alpha: {type: float, low: 1.0e-3, high: 1.0e+3, log: true}
  - name: lasso
    model:
      class: sklearn.linear_model.Lasso
    finetune_params:
      version: 2
      n_trials: 5
      seed: 0
      metric: rmse
      approach: single
      sampler: {kind: tpe, options: {n_startup_trials: 3}}
      model_params:
        alpha: {type: float, low: 1.0e-3, high: 1.0e+1, log: true}
"""
UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0}


def _seconds(text: str) -> float:
    value, unit = text.split(" ")
    return float(value) * UNITS[unit]


def _ranges(line: str) -> dict[int, tuple[float, float]]:
    """`a..b with N worker(s)` of an estimate line, in seconds, by worker count."""
    found = re.findall(rf"({T})\.\.({T}) with (\d+) workers?", line)
    return {int(n): (_seconds(low), _seconds(high)) for low, high, n in found}


def test_estimate_of_a_pipeline_file_pilots_each_study_shape_in_the_storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "two.yaml"
    path.write_text(TWO_STUDIES)
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert ftrun([str(path), "--data", "demo:diabetes", "--storage", url, "-q", "--estimate", "--n-jobs", "2"]) == 0
    lines = _estimate_lines(capsys.readouterr().err)
    expected = [
        r"ftrun: estimate: pilot: study ridge: 3 trials of ridge in the storage \(they count toward its 8 trials\)",
        r"ftrun: estimate: pilot: study lasso: 3 trials of lasso in the storage \(they count toward its 5 trials\)",
        # 8 trials x 3 folds + 1 refit; ridge-long differs from ridge only in n_trials and seed: one shape, one pilot
        rf"ftrun: estimate: study ridge: 25 fits \(24 model fits \+ 1 refits\) x {R} per fit = {R} with 1 worker, {R} with 2 workers",
        rf"ftrun: estimate: study ridge-long: 61 fits \(60 model fits \+ 1 refits\) x {R} per fit \(measured on study ridge\) = "
        rf"{R} with 1 worker, {R} with 2 workers",
        rf"ftrun: estimate: study lasso: 6 fits \(5 model fits \+ 1 refits\) x {R} per fit = {R} with 1 worker, {R} with 2 workers",
        rf"ftrun: estimate: total: 92 fits = {R} with 1 worker, {R} with 2 workers",
    ]
    assert len(lines) == len(expected), lines
    for line, pattern in zip(lines, expected):
        assert re.fullmatch(pattern, line), line
    per_study = [_ranges(line) for line in lines[2:5]]
    total = _ranges(lines[5])
    for ranges in per_study + [total]:
        assert sorted(ranges) == [1, 2]
        for low, high in ranges.values():
            assert 0 < low <= high
        # Two workers: the one-worker range halved (3 significant digits in the text).
        assert ranges[2][0] == pytest.approx(ranges[1][0] / 2, rel=0.01) and ranges[2][1] == pytest.approx(ranges[1][1] / 2, rel=0.01)
    for k in (0, 1):  # the studies' ranges add up to the total
        assert sum(r[1][k] for r in per_study) == pytest.approx(total[1][k], rel=0.01)
    ridge, long = per_study[0][1], per_study[1][1]  # one per-fit range for both: in proportion to their fits
    assert long[0] / ridge[0] == pytest.approx(61 / 25, rel=0.01) and long[1] / ridge[1] == pytest.approx(61 / 25, rel=0.01)
    assert _counts(url) == {"ridge": 3, "lasso": 3}  # ridge-long's pilot is ridge's: nothing of it ran
    pilot = [t.number for t in counted_trials(optuna.load_study(study_name="ridge", storage=url))]
    # Nothing is wasted: a second estimate times the stored trials, and the run counts them.
    assert ftrun([str(path), "--data", "demo:diabetes", "--storage", url, "-q", "--estimate"]) == 0
    err = capsys.readouterr().err
    assert "ftrun: estimate: pilot: study ridge: no trial run, 3 trials of ridge already in the storage" in err
    assert _counts(url) == {"ridge": 3, "lasso": 3}
    assert ftrun([str(path), "--data", "demo:diabetes", "--storage", url, "-q"]) == 0
    assert _counts(url) == {"ridge": 8, "ridge-long": 20, "lasso": 5}
    ridge_study = optuna.load_study(study_name="ridge", storage=url)
    assert len(ridge_study.get_trials(deepcopy=False)) == 8 and [t.number for t in counted_trials(ridge_study)][:3] == pilot


def test_estimate_of_a_pipeline_file_in_memory_and_where_a_pilot_cannot_go_in_the_storage(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    ridge = (ROOT / "fixtures/campaign/ridge.yaml").read_text()
    path = tmp_path / "ridge.yaml"
    path.write_text(ridge)
    assert ftrun([str(path), "--data", "demo:diabetes", "-q", "--estimate", "--n-jobs", "3"]) == 0
    lines = _estimate_lines(capsys.readouterr().err)
    assert lines[0] == "ftrun: estimate: pilot: study ridge: 3 trials of ridge in memory (no storage): discarded when ftrun exits"
    assert re.fullmatch(rf"ftrun: estimate: study ridge: 31 fits \(30 model fits \+ 1 refits\) x {R} per fit = {R} with 1 worker, "
                        rf"{R} with 3 workers", lines[1]), lines[1]
    assert re.fullmatch(rf"ftrun: estimate: total: 31 fits = {R} with 1 worker, {R} with 3 workers", lines[2]), lines[2]
    assert len(lines) == 3
    # Phases: a pilot of 3 trials cannot follow them; it runs in memory without them, discarded.
    path.write_text(ridge.replace("      sampler: {kind: tpe, options: {n_startup_trials: 3}}\n",
                                  "      phases: [{n_trials: 4, sampler: random}, {n_trials: 6, sampler: tpe}]\n"))
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert ftrun([str(path), "--data", "demo:diabetes", "-q", "--estimate", "--storage", url]) == 0
    assert _estimate_lines(capsys.readouterr().err)[0] == (
        "ftrun: estimate: pilot: study ridge: 3 trials of ridge in memory on the declared ranges, discarded "
        "(it has phases, which a pilot of a few trials cannot follow; run without them)")
    assert optuna.get_all_study_summaries(url) == []
    # approach individual: one study per fold, every fold's pilot trials timed (each trial one fit).
    path.write_text(ridge.replace("approach: grouped", "approach: individual"))
    assert ftrun([str(path), "--data", "demo:diabetes", "-q", "--estimate", "--storage", url]) == 0
    lines = _estimate_lines(capsys.readouterr().err)
    assert lines[0] == ("ftrun: estimate: pilot: study ridge: 3 trials of ridge in memory on the declared ranges, discarded "
                        "(approach individual runs one study per fold)")
    assert lines[1].startswith("ftrun: estimate: study ridge: 33 fits (30 model fits + 3 refits) x ")
    assert optuna.get_all_study_summaries(url) == []


def test_estimate_of_a_pipeline_is_refused_like_its_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Everything a run refuses, --estimate refuses before its pilot (exit 1), and runs nothing.
    assert ftrun([str(ROOT / "fixtures/campaign/ridge.yaml"), "--data", "demo:iris", "--estimate"]) == 1
    err = capsys.readouterr().err
    assert "metric 'rmse' is a regression metric, but demo:iris is classification data" in err
    assert "ftrun: estimate:" not in err


def test_html_report_of_a_campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from ftspec.campaign.html import convergence

    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'c.db'}"
    path = str(_campaign(tmp_path))
    page_path = tmp_path / "c.html"
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q", "--stage", "core", "--html", str(page_path)]) == 0
    assert "ftrun: no HTML report: it shows the decision, made once every stage is complete" in capsys.readouterr().err
    assert not page_path.exists()
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q", "--html", str(page_path)]) == 0
    page = page_path.read_text(encoding="utf-8")
    decision = json.loads((tmp_path / "ridge-refine.campaign.json").read_text())
    assert page.count("<script") >= 3 and 'id="campaign-convergence"' in page and 'id="campaign-spread"' in page
    for stage, seeds in (("core", (60, 61)), ("full", (70, 71))):
        for seed in seeds:
            assert f"ridge-refine:{stage}:seed{seed}" in page  # its row
            assert f'"name":"{stage} seed {seed}"' in page  # its convergence curve
    assert f"<th>winner</th><td>{decision['decision']['stage']}</td>" in page
    for reason in decision["reasons"]:
        assert f"<li>{html.escape(reason)}</li>" in page
    # The curves: the best value so far, never worse, ending at the seed's best.
    core60 = optuna.load_study(study_name="ridge-refine:core:seed60", storage=url)
    numbers, best = convergence(core60, "minimize")
    assert len(numbers) == 6 and all(b <= a for a, b in zip(best, best[1:]))
    assert best[-1] == decision["stages"][0]["seeds"][0]["best_value"]
