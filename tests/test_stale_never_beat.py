"""A RUNNING trial whose worker died before its first heartbeat (killed between `ask` and the
heartbeat thread's first beat) is stale on an RDB storage too: failed and retried, never holding its
budget slot forever (Optuna 5's RDBStorage skips trials without a heartbeat row)."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import optuna

from ftspec.runtime.engine import _fail_stale, storage_from_url


def test_a_trial_that_never_beat_is_stale_after_the_grace_period(tmp_path: Path) -> None:
    storage = storage_from_url(f"sqlite:///{tmp_path / 's.db'}", grace_period=1)
    study = optuna.create_study(storage=storage, study_name="s")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Heartbeat ... supposed to be used with Study.optimize"
        study.ask()  # RUNNING, no heartbeat row: what a worker killed right after ask() leaves
    _fail_stale(study)
    assert [t.state for t in study.get_trials()] == [optuna.trial.TrialState.RUNNING]  # within the grace period
    time.sleep(1.5)
    _fail_stale(study)
    trials = study.get_trials()
    assert [t.state for t in trials] == [optuna.trial.TrialState.FAIL, optuna.trial.TrialState.WAITING]
    assert trials[1].system_attrs["failed_trial"] == 0  # retried in its budget slot
