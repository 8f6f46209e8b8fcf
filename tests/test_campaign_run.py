"""Running campaigns (ftspec.campaign.run, `ftrun CAMPAIGN`): exact trial counts, warm starts read from
the storage, narrowing, `--stage`, resume after kill -9, and the decision."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import optuna
import pytest

from ftspec.campaign.decide import StudyResult, decide
from ftspec.campaign.run import NARROWED_ATTR, WARM_ATTR, narrowed_bounds
from ftspec.compiler.compile import compile_path
from ftspec.ir import FloatParam, IntParam, Location
from ftspec.runtime.cli import main as ftrun
from ftspec.runtime.engine import counted_trials, storage_from_url

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "campaign" / "ridge_refine.yaml"


def _campaign(tmp_path: Path, full_trials: int = 5) -> Path:
    (tmp_path / "ridge.yaml").write_text((ROOT / "fixtures/campaign/ridge.yaml").read_text())
    text = FIXTURE.read_text().replace("n_trials: 5", f"n_trials: {full_trials}").replace("max_fits: 200", "max_fits: 2000")
    path = tmp_path / "refine.yaml"
    path.write_text(text)
    return path


def _storage(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'c.db'}"


def _counts(url: Any) -> dict[str, int]:
    return {s.study_name: len(counted_trials(optuna.load_study(study_name=s.study_name, storage=url)))
            for s in optuna.get_all_study_summaries(url)}


def _expected_warm(url: Any, low: float, high: float) -> list[dict]:
    """The top 2 complete trials of each core seed, held fit_intercept filled in, alpha clipped to full's range, deduplicated."""
    out = []
    for seed in (60, 61):
        ostudy = optuna.load_study(study_name=f"ridge-refine:core:seed{seed}", storage=url)
        done = sorted((t for t in counted_trials(ostudy) if t.value is not None), key=lambda t: t.value)[:2]
        for t in done:
            pair = {"alpha": min(max(t.params["alpha"], low), high), "fit_intercept": True}
            if pair not in out:
                out.append(pair)
    return out


def test_ftrun_runs_the_stages_with_exact_counts_warm_start_and_narrowing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    url = _storage(tmp_path)
    assert ftrun([str(_campaign(tmp_path)), "--data", "demo:diabetes", "--storage", url, "-q"]) == 0
    assert _counts(url) == {"ridge-refine:core:seed60": 6, "ridge-refine:core:seed61": 6,
                            "ridge-refine:full:seed70": 5, "ridge-refine:full:seed71": 5}
    full = optuna.load_study(study_name="ridge-refine:full:seed70", storage=url)
    low, high = full.user_attrs[NARROWED_ATTR]["alpha"]
    warm = _expected_warm(url, low, high)
    assert full.user_attrs[WARM_ATTR] == warm
    assert [t.params for t in counted_trials(full)[: len(warm)]] == warm  # the enqueued trials ran first, in order
    assert all(low <= t.params["alpha"] <= high for t in counted_trials(full))
    decision = json.loads((tmp_path / "ridge-refine.campaign.json").read_text())
    assert decision["decision"]["stage"] in ("core", "full")
    assert [s["name"] for s in decision["stages"]] == ["core", "full"]
    assert capsys.readouterr().err.count("ftrun: decide: ") == len(decision["reasons"])
    # A second run reads the complete stages and runs nothing more.
    assert ftrun([str(_campaign(tmp_path)), "--data", "demo:diabetes", "--storage", url, "-q"]) == 0
    assert sum(_counts(url).values()) == 22


def test_stage_option_reruns_one_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    url = _storage(tmp_path)
    path = str(_campaign(tmp_path))
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q", "--stage", "full"]) == 1
    assert "stage 'full' reads stage 'core', which is not complete in the storage" in capsys.readouterr().err
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q", "--stage", "core"]) == 0
    assert set(_counts(url)) == {"ridge-refine:core:seed60", "ridge-refine:core:seed61"}
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q", "--stage", "full"]) == 0
    first = [t.params for t in counted_trials(optuna.load_study(study_name="ridge-refine:full:seed71", storage=url))]
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "-q", "--stage", "full"]) == 0
    assert "rerunning stage full" in capsys.readouterr().err
    again = [t.params for t in counted_trials(optuna.load_study(study_name="ridge-refine:full:seed71", storage=url))]
    assert len(again) == 5 and again[:2] == first[:2]  # same warm start, read again from core
    assert ftrun([path, "--data", "demo:diabetes", "--storage", url, "--stage", "nope"]) == 2


def _kill_9_when(proc: subprocess.Popen, ready: Callable[[], bool], never: str) -> None:
    """SIGKILL `proc` as soon as `ready()` (a study not created yet, KeyError, is not ready); fail with
    `never` after 60 s."""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                if ready():
                    break
            except KeyError:
                pass
            time.sleep(0.05)
        else:
            pytest.fail(never)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def test_resume_after_kill_9_in_stage_two(tmp_path: Path) -> None:
    url = _storage(tmp_path)
    path = _campaign(tmp_path, full_trials=30)
    command = [sys.executable, "-m", "ftspec.runtime.cli", str(path), "--data", "demo:diabetes", "--storage", url, "-q",
               "--grace-seconds", "2"]
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _kill_9_when(proc, lambda: len(counted_trials(optuna.load_study(study_name="ridge-refine:full:seed70", storage=url))) >= 4,
                 "stage full never started")
    assert _counts(url)["ridge-refine:full:seed70"] < 30
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _counts(url) == {"ridge-refine:core:seed60": 6, "ridge-refine:core:seed61": 6,
                            "ridge-refine:full:seed70": 30, "ridge-refine:full:seed71": 30}
    for seed in (70, 71):
        full = optuna.load_study(study_name=f"ridge-refine:full:seed{seed}", storage=url)
        expected = _expected_warm(url, *full.user_attrs[NARROWED_ATTR]["alpha"])
        enqueued = [t for t in full.get_trials(deepcopy=False) if "fixed_params" in t.system_attrs and "failed_trial" not in t.system_attrs]
        assert [t.system_attrs["fixed_params"] for t in enqueued] == expected  # each warm-start trial enqueued exactly once
    assert (tmp_path / "ridge-refine.campaign.json").exists()


def _entry(name: str, low: float, high: float, log: bool = False) -> FloatParam:
    return FloatParam(name=name, target="model", low=low, high=high, step=None, log=log, path=[name], condition=None,
                      source=Location("/", 1, 1))


def test_narrowed_bounds_follow_the_formulas() -> None:
    assert narrowed_bounds(_entry("a", 0.0, 10.0), 9.0, 0.5) == (6.5, 10.0)  # clipped to the declared high
    assert narrowed_bounds(_entry("a", 1e-3, 1e3, log=True), 1.0, 0.5) == pytest.approx((10**-1.5, 10**1.5))
    n = IntParam(name="n", target="model", low=1, high=20, step=1, log=False, path=["n"], condition=None, source=Location("/", 1, 1))
    assert narrowed_bounds(n, 10, 0.5) == (5, 15)  # 10 -+ 4.75, rounded outwards
    s = IntParam(name="m", target="model", low=100, high=1000, step=100, log=False, path=["m"], condition=None, source=Location("/", 1, 1))
    assert narrowed_bounds(s, 500, 0.25) == (300, 700)  # 500 -+ 112.5 on the step grid


def test_decide_reasons_and_figures() -> None:
    doc = compile_path(str(FIXTURE)).campaign
    studies = {"core": doc.studies[0], "full": doc.studies[2]}

    def result(seed: int, value: float, alpha: float) -> StudyResult:
        return StudyResult(seed, f"s{seed}", 6, value, {"alpha": alpha, "fit_intercept": True, "max_iter": 100})

    small = decide(doc.campaign, {"core": [result(60, 100.0, 1.0), result(61, 101.0, 1.0)],
                                  "full": [result(70, 99.7, 1.0), result(71, 99.8, 1.0)]}, studies)
    assert small["decision"]["stage"] == "core"
    assert small["reasons"] == ["core: first stage, best rmse=100 (seed 60)", "full beat core by 0.3% < min_gain 1%: keep core"]
    assert small["stages"][1]["gain"] == {"over": "core", "value": pytest.approx(0.003)}
    # alpha's range is 6 decades: 1e-3 vs 1e+0 is a spread of 3/6 = 0.5 > 0.25
    spread = decide(doc.campaign, {"core": [result(60, 100.0, 1.0), result(61, 101.0, 1.0)],
                                   "full": [result(70, 90.0, 1e-3), result(71, 91.0, 1.0)]}, studies)
    assert spread["reasons"] == ["core: first stage, best rmse=100 (seed 60)", "full: seeds disagree on alpha: spread 0.50 > 0.25",
                                 "full beat core by 10% >= min_gain 1%, but its seeds disagree: keep core"]
    assert spread["stages"][1]["spread"] == {"alpha": 0.5, "fit_intercept": None} or spread["stages"][1]["spread"] == {"alpha": 0.5}
    wins = decide(doc.campaign, {"core": [result(60, 100.0, 1.0), result(61, 101.0, 1.0)],
                                 "full": [result(70, 90.0, 1.0), result(71, 91.0, 1.1)]}, studies)
    assert wins["decision"] == {"stage": "full", "best_value": 90.0, "best_params": {"alpha": 1.0, "fit_intercept": True, "max_iter": 100},
                                "seeds_agree": True}
    assert wins["reasons"][-1] == "full beat core by 10% >= min_gain 1%: full wins"


def test_two_worker_processes_share_the_campaign_with_exact_counts(tmp_path: Path) -> None:
    # Workers are processes started with the same command on one storage: they share each study's
    # trials (the engine's claims), stage after stage, and both write the same decision.
    url = f"journal:///{tmp_path / 'c.log'}"
    path = _campaign(tmp_path)
    procs = [subprocess.Popen([sys.executable, "-m", "ftspec.runtime.cli", str(path), "--data", "demo:diabetes", "--storage", url, "-q",
                               "--report", str(tmp_path / f"decision{k}.json")], cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for k in (1, 2)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert all("Traceback" not in e for e in errors)
    storage = storage_from_url(url)
    assert {s.study_name: len(counted_trials(optuna.load_study(study_name=s.study_name, storage=storage)))
            for s in optuna.get_all_study_summaries(storage)} == {
        "ridge-refine:core:seed60": 6, "ridge-refine:core:seed61": 6, "ridge-refine:full:seed70": 5, "ridge-refine:full:seed71": 5}
    decisions = [json.loads((tmp_path / f"decision{k}.json").read_text()) for k in (1, 2)]
    assert decisions[0]["decision"] == decisions[1]["decision"] and decisions[0]["reasons"] == decisions[1]["reasons"]


def _overlapping(url: str, a: str, b: str) -> int:
    """Pairs of counted trials of studies `a` and `b` whose [start, complete] intervals overlap in time."""
    spans = [[(t.datetime_start, t.datetime_complete) for t in counted_trials(optuna.load_study(study_name=name, storage=url))]
             for name in (a, b)]
    return sum(1 for s in spans[0] for t in spans[1] if s[0] < t[1] and t[0] < s[1])


def test_workers_run_the_seeds_of_a_stage_at_the_same_time_with_exact_counts_and_the_storage_s_decision(tmp_path: Path) -> None:
    path = _campaign(tmp_path)
    path.write_text(path.read_text().replace("n_trials: 6", "n_trials: 16"))
    command = [sys.executable, "-m", "ftspec.runtime.cli", str(path), "--data", "demo:diabetes", "-q"]
    parallel, sequential = f"sqlite:///{tmp_path / 'p.db'}", f"sqlite:///{tmp_path / 's.db'}"
    done = subprocess.run(command + ["--storage", parallel, "--workers", "2", "--report", str(tmp_path / "p.json")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("ftrun: stage core: 2 studies x 16 trials") == 1
    expected = {"ridge-refine:core:seed60": 16, "ridge-refine:core:seed61": 16, "ridge-refine:full:seed70": 5, "ridge-refine:full:seed71": 5}
    assert _counts(parallel) == expected
    # The two seeds' studies ran at the same time (one worker process each); run one after the other, none overlap.
    assert _overlapping(parallel, "ridge-refine:core:seed60", "ridge-refine:core:seed61") > 0
    for seed in (70, 71):  # the warm start enqueued once per study, before the workers joined it
        full = optuna.load_study(study_name=f"ridge-refine:full:seed{seed}", storage=parallel)
        enqueued = [t.system_attrs["fixed_params"] for t in full.get_trials(deepcopy=False) if "fixed_params" in t.system_attrs]
        assert enqueued == _expected_warm(parallel, *full.user_attrs[NARROWED_ATTR]["alpha"])
    # The decision is the storage's: the same command again runs nothing and decides the same.
    # (Not compared with a sequential run's: two processes sampling one study are not reproducible.)
    assert ftrun([str(path), "--data", "demo:diabetes", "-q", "--storage", parallel, "--report", str(tmp_path / "again.json")]) == 0
    assert _counts(parallel) == expected
    decisions = [json.loads((tmp_path / f"{k}.json").read_text()) for k in ("p", "again")]
    assert decisions[0]["decision"] == decisions[1]["decision"] and decisions[0]["reasons"] == decisions[1]["reasons"]
    assert ftrun([str(path), "--data", "demo:diabetes", "-q", "--storage", sequential, "--report", str(tmp_path / "s.json")]) == 0
    assert _counts(sequential) == expected
    assert _overlapping(sequential, "ridge-refine:core:seed60", "ridge-refine:core:seed61") == 0


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(c) for c in text.split()]


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return True


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads worker processes from /proc (Linux)")
def test_workers_die_with_a_killed_ftrun_and_the_same_command_resumes_exactly(tmp_path: Path) -> None:
    url = f"journal:///{tmp_path / 'c.log'}"
    storage = storage_from_url(url)
    path = _campaign(tmp_path, full_trials=30)
    command = [sys.executable, "-m", "ftspec.runtime.cli", str(path), "--data", "demo:diabetes", "--storage", url, "-q",
               "--grace-seconds", "2", "--workers", "2"]
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: list[int] = []

    def two_workers_in_stage_full() -> bool:
        full = optuna.load_study(study_name="ridge-refine:full:seed70", storage=storage)
        workers[:] = _children(proc.pid)
        return len(counted_trials(full)) >= 4 and len(workers) == 2

    _kill_9_when(proc, two_workers_in_stage_full, "stage full never started in two workers")
    deadline = time.monotonic() + 10
    while not all(_gone(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(w) for w in workers), "a worker outlived the killed ftrun"
    assert _counts(storage)["ridge-refine:full:seed70"] < 30 or _counts(storage)["ridge-refine:full:seed71"] < 30
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _counts(storage) == {"ridge-refine:core:seed60": 6, "ridge-refine:core:seed61": 6,
                            "ridge-refine:full:seed70": 30, "ridge-refine:full:seed71": 30}
    for seed in (70, 71):
        full = optuna.load_study(study_name=f"ridge-refine:full:seed{seed}", storage=storage)
        expected = _expected_warm(storage, *full.user_attrs[NARROWED_ATTR]["alpha"])
        enqueued = [t for t in full.get_trials(deepcopy=False) if "fixed_params" in t.system_attrs and "failed_trial" not in t.system_attrs]
        assert [t.system_attrs["fixed_params"] for t in enqueued] == expected
    assert (tmp_path / "ridge-refine.campaign.json").exists()


def test_sigterm_stops_the_workers_exit_130_and_the_run_resumes_exactly(tmp_path: Path) -> None:
    url = f"journal:///{tmp_path / 'c.log'}"
    storage = storage_from_url(url)
    path = _campaign(tmp_path)
    path.write_text(path.read_text().replace("n_trials: 6", "n_trials: 60"))
    command = [sys.executable, "-m", "ftspec.runtime.cli", str(path), "--data", "demo:diabetes", "--storage", url, "-q",
               "--grace-seconds", "2", "--workers", "2"]
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if all(len(counted_trials(optuna.load_study(study_name=f"ridge-refine:core:seed{s}", storage=storage))) >= 5 for s in (60, 61)):
                break
        except KeyError:
            pass
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("stage core never ran in two workers")
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == ("ftrun: campaign ridge-refine interrupted in stage core (2 studies in 2 workers); "
                                    "rerun the same command to resume")
    assert all(_gone(w) for w in workers)
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _counts(storage) == {"ridge-refine:core:seed60": 60, "ridge-refine:core:seed61": 60,
                                "ridge-refine:full:seed70": 5, "ridge-refine:full:seed71": 5}


def test_workers_need_a_storage_and_a_campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    path = _campaign(tmp_path)
    path.write_text(path.read_text().replace("  storage: sqlite:///ridge-refine.db   # relative to the directory ftrun runs in\n", ""))
    assert ftrun([str(path), "--data", "demo:diabetes", "--workers", "2"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "Error: --workers 2 runs each stage's seeds in 2 processes, which share the studies through the storage: "
        "campaign has no storage (add `storage:` or pass --storage URL)")
    assert ftrun([str(tmp_path / "ridge.yaml"), "--data", "demo:diabetes", "--workers", "2"]) == 2
    assert "--workers is for campaign files" in capsys.readouterr().err
