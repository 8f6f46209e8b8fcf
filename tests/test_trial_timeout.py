"""`trial_timeout_seconds` (v2 study level and campaign stage level): a trial that runs past it fails
with `TrialTimeout` at the fold that ended past it (the fold is not interrupted: the limit is checked
between folds), and the study goes on."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest

from ftspec.compiler.compile import compile_path, compile_text
from ftspec.runtime.optimize import FAILURE_ATTR, optimize
from tests.runtime_ir import entry, grouped_study

ROOT = Path(__file__).resolve().parents[1]
FOLDS = [(np.arange(0, 8), np.arange(8, 12)), (np.arange(4, 12), np.arange(0, 4)), (np.arange(0, 12, 2), np.arange(1, 12, 2))]
DATA = (np.arange(24, dtype=float).reshape(12, 2), np.arange(12, dtype=float))


def test_a_trial_past_its_limit_fails_at_the_fold_that_crossed_it_and_the_study_goes_on() -> None:
    calls: dict[float, int] = {}
    lock = threading.Lock()

    def objective(model: dict[str, Any], train: dict[str, Any], split: Any) -> float:
        with lock:
            calls[model["x"]] = calls.get(model["x"], 0) + 1
        if model["x"] > 0:
            time.sleep(0.3)  # per fold: the second fold ends past 0.45 s
        return abs(model["x"])

    forced = [{"model": {"x": x}, "train": {}} for x in (0.5, -0.5, 0.7, -0.1)]
    study = grouped_study(entry("float", "x", low=-1.0, high=1.0, step=None, log=False), n_trials=4, force_params=forced,
                          trial_timeout_seconds=0.45)
    storage = optuna.storages.InMemoryStorage()
    report = optimize(study, objective, DATA, folds=FOLDS, storage=storage)
    assert (report.n_finished, report.n_complete, report.n_failed) == (4, 2, 2)
    trials = optuna.load_study(study_name=report.study_name, storage=storage).get_trials()
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE", "FAIL", "COMPLETE"]
    for t in (trials[0], trials[2]):
        failure = t.user_attrs[FAILURE_ATTR]
        assert set(failure) == {"type", "message", "fold"}
        assert failure["type"] == "TrialTimeout" and failure["fold"] == 1
        assert re.fullmatch(r"the trial ran [0-9.]+ s, past trial_timeout_seconds=0.45, after fold 2 of 3", failure["message"])
    assert calls == {0.5: 2, -0.5: 3, 0.7: 2, -0.1: 3}  # the third fold of a timed-out trial never ran
    assert report.best_value == pytest.approx(0.1)


def test_no_limit_by_default_and_in_the_ir() -> None:
    study = grouped_study(entry("float", "x", low=-1.0, high=1.0, step=None, log=False), n_trials=1)
    assert study.trial_timeout_seconds is None


def _compile(block: dict[str, Any]) -> Any:
    doc = [{"class": "sklearn.model_selection.KFold"}, {"name": "ridge", "model": {"class": "sklearn.linear_model.Ridge"},
                                                        "finetune_params": block}]
    return compile_text(json.dumps(doc), "p.json", "json")


def test_v2_key_compiles_to_the_ir_field() -> None:
    base = {"version": 2, "metric": "rmse", "model_params": {"alpha": {"type": "float", "low": 0.1, "high": 1.0}}}
    result = _compile({**base, "trial_timeout_seconds": 30})
    assert not result.has_errors
    assert result.ir.studies[0].trial_timeout_seconds == 30.0
    assert _compile(base).ir.studies[0].trial_timeout_seconds is None
    for bad in (0, -1, "30"):
        assert _compile({**base, "trial_timeout_seconds": bad}).has_errors


def test_a_campaign_stage_sets_its_studies_limit(tmp_path: Path) -> None:
    (tmp_path / "ridge.yaml").write_text((ROOT / "fixtures/campaign/ridge.yaml").read_text())
    text = (ROOT / "fixtures/campaign/ridge_refine.yaml").read_text()
    text = text.replace("      n_trials: 5\n", "      n_trials: 5\n      trial_timeout_seconds: 2.5\n")
    (tmp_path / "c.yaml").write_text(text)
    result = compile_path(str(tmp_path / "c.yaml"))
    assert not result.has_errors
    limits = {s.id: s.trial_timeout_seconds for s in result.campaign.studies}
    assert limits == {"ridge-refine:core:seed60": None, "ridge-refine:core:seed61": None,
                      "ridge-refine:full:seed70": 2.5, "ridge-refine:full:seed71": 2.5}
    (tmp_path / "c.yaml").write_text(text.replace("trial_timeout_seconds: 2.5", "trial_timeout_seconds: 0"))
    assert compile_path(str(tmp_path / "c.yaml")).has_errors
