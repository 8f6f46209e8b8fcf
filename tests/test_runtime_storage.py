"""Shared storages: exact n_trials with killed workers, several processes, SQLite, journal, PostgreSQL.

Workers are real processes (`tests/runtime_worker.py`, which calls `ftspec.runtime.optimize` on a
storage). "None lost or duplicated" is checked against the engine's protocol (docs/runtime.md):
the study has exactly `n_trials` counted trials with pairwise different params; every counted
trial's params were run to the end exactly once (by the workers' logs); a killed worker's trial
is a FAIL replaced by one retry with the same params, which counts in its place.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

import optuna

from ftspec.runtime.engine import HeartbeatJournalStorage, SURPLUS_ATTR, counted_trials, storage_from_url, tally  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORKER = str(ROOT / "tests" / "runtime_worker.py")
HEARTBEAT, GRACE = 1, 4
optuna.logging.set_verbosity(optuna.logging.ERROR)


def _worker(url: str, name: str, n_trials: int, log: Path, sleep: float, hang_after: int | None = None,
            start_file: Path | None = None) -> subprocess.Popen:
    cmd = [sys.executable, WORKER, "--storage", url, "--study-name", name, "--n-trials", str(n_trials), "--log", str(log),
           "--sleep", str(sleep), "--heartbeat", str(HEARTBEAT), "--grace", str(GRACE)]
    if hang_after is not None:
        cmd += ["--hang-after", str(hang_after)]
    if start_file is not None:
        cmd += ["--start-file", str(start_file)]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _finish(proc: subprocess.Popen, timeout: float = 120) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _log(path: Path) -> list[tuple[str, int, tuple]]:
    """(event, pid, params) per line; params as written: (repr of x, n, mode)."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        event, pid, x, n, mode = line.split()
        rows.append((event, int(pid), (x, n, mode)))
    return rows


def _params(t: optuna.trial.FrozenTrial) -> tuple:
    return (repr(t.params["x"]), str(t.params["n"]), t.params["train:mode"])


def _wait_for(predicate, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out waiting for the workers"
        time.sleep(0.05)


def _check_exact(url: str, name: str, n_trials: int, log: Path) -> tuple[list, list]:
    """Exactly n_trials counted trials, distinct params, each run to its end once; returns (trials, log)."""
    study = optuna.load_study(study_name=name, storage=storage_from_url(url, heartbeat_interval=None))
    trials = study.get_trials(deepcopy=False)
    counts = tally(trials, n_trials)
    counted = counted_trials(study)
    assert len(counts.counted) == n_trials == len(counted)
    assert [t.state.name for t in counted] == ["COMPLETE"] * n_trials
    assert (counts.running, counts.waiting, counts.unclaimed) == (0, 0, 0)
    params = [_params(t) for t in counted]
    assert len(set(params)) == n_trials
    rows = _log(log)
    ends = Counter(p for event, _, p in rows if event == "end")
    assert ends == Counter(params)  # every counted trial ran to its end exactly once, nothing else did
    surplus = [t for t in trials if SURPLUS_ATTR in t.user_attrs]
    assert all(t.state.name == "FAIL" and t.params == {} for t in surplus)  # never ran
    return trials, rows


def _kill_mid_trial_and_resume(url: str, tmp_path: Path) -> None:
    n_trials, log = 6, tmp_path / "trials.log"
    first = _worker(url, "killed", n_trials, log, sleep=0.4, hang_after=3)
    # Kill -9 inside the fourth trial (it hangs until killed): three ends logged and a start without its end.
    _wait_for(lambda: sum(e == "end" for e, _, _ in _log(log)) >= 3 and _log(log)[-1][0] == "start")
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    killed_params = _log(log)[-1][2]
    stored = optuna.load_study(study_name="killed", storage=storage_from_url(url, heartbeat_interval=None))
    assert [t.state.name for t in stored.get_trials(deepcopy=False)] == ["COMPLETE"] * 3 + ["RUNNING"]

    summary = _finish(_worker(url, "killed", n_trials, log, sleep=0.4))
    assert (summary["n_finished"], summary["stop_reason"], summary["partial"]) == (n_trials, "n_trials", False)
    trials, rows = _check_exact(url, "killed", n_trials, log)
    stale = trials[3]
    assert stale.state.name == "FAIL" and _params(stale) == killed_params
    retries = [t for t in trials if t.system_attrs.get("failed_trial") == 3]
    assert len(retries) == 1 and retries[0].system_attrs["retry_history"] == [3]
    assert retries[0].state.name == "COMPLETE" and _params(retries[0]) == killed_params
    assert len(trials) == n_trials + 1  # the stale attempt, not counted; no surplus
    assert Counter(p for e, _, p in rows if e == "start")[killed_params] == 2


@pytest.mark.slow
def test_kill_9_and_resume_on_sqlite(tmp_path):
    _kill_mid_trial_and_resume(f"sqlite:///{tmp_path / 'study.db'}", tmp_path)


@pytest.mark.slow
def test_kill_9_and_resume_on_a_journal(tmp_path):
    _kill_mid_trial_and_resume(f"journal:///{tmp_path / 'study.log'}", tmp_path)


def _three_workers(url: str, tmp_path: Path, n_trials: int = 24) -> None:
    log = tmp_path / "trials.log"
    procs = [_worker(url, "shared", n_trials, log, sleep=0.2) for _ in range(3)]
    summaries = [_finish(p) for p in procs]
    # Every worker returns only once the whole study is done.
    assert [(s["n_finished"], s["stop_reason"]) for s in summaries] == [(n_trials, "n_trials")] * 3
    trials, rows = _check_exact(url, "shared", n_trials, log)
    per_worker = Counter(pid for e, pid, _ in rows if e == "end")
    assert set(per_worker) == {s["pid"] for s in summaries} and sum(per_worker.values()) == n_trials
    surplus = sum(SURPLUS_ATTR in t.user_attrs for t in trials)
    assert len(trials) == n_trials + surplus and surplus <= 2  # only a race for the last slot makes one


@pytest.mark.slow
def test_three_workers_on_one_journal(tmp_path):
    _three_workers(f"journal:///{tmp_path / 'study.log'}", tmp_path)


# --------------------------------------------------------------------------- PostgreSQL


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return found[-1].parent
    which = shutil.which("pg_ctl")
    return Path(which).parent if which else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL server (initdb in a temporary directory, loopback port, torn down
    after); yields a function that creates a database on it and returns its URL."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian package postgresql (.ci/run does)")
    import psycopg2  # noqa: F401  (a test dependency: the PostgreSQL storage needs it)
    as_user: list[str] = []
    root = tempfile.mkdtemp(prefix="ftspec-pg-")
    if os.geteuid() == 0:  # postgres refuses to run as root: run it as an unprivileged user
        import pwd

        user = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
        if user is None or shutil.which("runuser") is None:
            pytest.skip("running as root without a 'postgres' or 'nobody' user and runuser: cannot start PostgreSQL")
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        as_user = ["runuser", "-u", user, "--"]
    data, port = os.path.join(root, "data"), _free_port()
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"],
                   check=True, capture_output=True)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", data, "-o", options, "-l", os.path.join(root, "server.log"), "-w", "start"],
                   check=True, capture_output=True)
    def new_database(name: str) -> str:
        """The URL of a new, empty database (no Optuna schema yet: workers race to create it)."""
        subprocess.run([*as_user, str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", name],
                       check=True, capture_output=True)
        return f"postgresql+psycopg2://postgres@127.0.0.1:{port}/{name}"

    try:
        yield new_database
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.mark.slow
def test_kill_9_and_resume_on_postgresql(postgres, tmp_path):
    _kill_mid_trial_and_resume(postgres("killed"), tmp_path)


@pytest.mark.slow
def test_three_workers_on_postgresql(postgres, tmp_path):
    # A fresh database: the three workers also race to create Optuna's schema.
    _three_workers(postgres("shared"), tmp_path)


# --------------------------------------------------------------------------- in one process


@pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used with Study.optimize")
def test_heartbeat_journal_storage_marks_only_silent_running_trials_stale(tmp_path):
    storage = storage_from_url(f"journal:///{tmp_path / 'j.log'}", heartbeat_interval=1, grace_period=2)
    assert isinstance(storage, HeartbeatJournalStorage) and storage.get_heartbeat_interval() == 1
    study = optuna.create_study(storage=storage, study_name="hb")
    silent, beating = study.ask(), study.ask()
    study.tell(study.ask(), 1.0)
    storage.record_heartbeat(beating._trial_id)
    assert storage._get_stale_trial_ids(study._study_id) == []
    time.sleep(2.2)
    storage.record_heartbeat(beating._trial_id)
    assert storage._get_stale_trial_ids(study._study_id) == [silent._trial_id]


def test_a_resumed_study_with_a_bigger_n_trials_runs_only_the_difference(tmp_path):
    from tests.runtime_worker import study_ir

    from ftspec.runtime import optimize

    url = f"journal:///{tmp_path / 'j.log'}"
    seen = []
    small = optimize(study_ir(4, url, "grow", 7), lambda m, t, s: seen.append(m["x"]) or 0.0)
    bigger = optimize(study_ir(9, url, "grow", 7), lambda m, t, s: seen.append(m["x"]) or 0.0)
    assert (small.n_finished, bigger.n_finished, len(seen)) == (4, 9, 9)
    assert [t.number for t in bigger.trials] == list(range(9))
    assert len(set(seen)) == 9  # the resumed batch is reseeded: it does not replay the first one's stream


@pytest.mark.parametrize("scheme", ["sqlite", "journal"])
def test_threads_on_a_shared_storage_end_at_exactly_n_trials(tmp_path, scheme):
    from tests.runtime_worker import study_ir

    from ftspec.runtime import optimize

    url = f"sqlite:///{tmp_path / 's.db'}" if scheme == "sqlite" else f"journal:///{tmp_path / 's.log'}"
    seen = []
    report = optimize(study_ir(12, url, "threads", 7), lambda m, t, s: seen.append(m["x"]) or time.sleep(0.01) or 0.0, n_jobs=3)
    trials = optuna.load_study(study_name="threads", storage=storage_from_url(url, heartbeat_interval=None)).get_trials()
    assert (report.n_finished, len(seen), len(trials), report.stop_reason) == (12, 12, 12, "n_trials")


def test_a_surplus_trial_never_runs_and_never_counts(tmp_path, monkeypatch):
    """Another worker claims the last slot between this worker's check and its next trial."""
    from tests.runtime_worker import study_ir

    from ftspec.runtime import engine, optimize

    url = f"journal:///{tmp_path / 's.log'}"
    study = study_ir(2, url, "race", 7)
    no_heartbeat = storage_from_url(url, heartbeat_interval=None)
    other: list = []

    def objective(model, train, split):
        if not other:  # the other worker starts trial 1 while trial 0 runs here
            other.append(optuna.load_study(study_name="race", storage=storage_from_url(url, heartbeat_interval=None)).ask())
        return 0.0

    monkeypatch.setattr(engine._Ledger, "work_left", lambda self: True)  # this worker misses the other's claim
    first = optimize(study, objective, storage=no_heartbeat)
    trials = optuna.load_study(study_name="race", storage=no_heartbeat).get_trials()
    assert [(t.number, t.state.name, SURPLUS_ATTR in t.user_attrs, t.params == {}) for t in trials] == [
        (0, "COMPLETE", False, False), (1, "RUNNING", False, True), (2, "FAIL", True, True)]
    # Without heartbeats this worker cannot tell a live trial from a dead one: it leaves it to its worker.
    assert (first.n_finished, first.stop_reason, first.partial, [t.number for t in first.trials]) == (1, "running_elsewhere", True, [0, 1])
    other[0].study.tell(other[0], 1.0)
    second = optimize(study, objective, storage=no_heartbeat)
    assert (second.n_finished, second.stop_reason, [t.number for t in second.trials]) == (2, "n_trials", [0, 1])
    assert len(optuna.load_study(study_name="race", storage=no_heartbeat).get_trials()) == 3


def _frozen(number, state, system_attrs=None, user_attrs=None):
    from optuna.trial import FrozenTrial, TrialState

    return FrozenTrial(number=number, state=TrialState[state], value=1.0 if state == "COMPLETE" else None, datetime_start=None,
                       datetime_complete=None, params={}, distributions={}, user_attrs=user_attrs or {},
                       system_attrs=system_attrs or {}, intermediate_values={}, trial_id=number)


def test_tally_classifies_every_role_exactly():
    trials = [
        _frozen(0, "COMPLETE"),
        _frozen(1, "FAIL"),                                                      # stale attempt, replaced by 4
        _frozen(2, "PRUNED"),
        _frozen(3, "RUNNING"),
        _frozen(4, "FAIL", {"failed_trial": 1, "retry_history": [1]}),             # retry, itself stale: replaced by 6
        _frozen(5, "FAIL", user_attrs={SURPLUS_ATTR: "beyond"}),
        _frozen(6, "WAITING", {"failed_trial": 1, "retry_history": [1, 4]}),       # the retry's retry, in budget
        _frozen(7, "WAITING"),                                                   # a fresh enqueued trial: rank 4, not in budget
    ]
    counts = tally(reversed(trials), 4)
    assert [t.number for t in counts.counted] == [0, 2]
    assert (counts.running, counts.waiting, counts.unclaimed, counts.started, counts.retried, counts.surplus) == (1, 1, 0, 4, 2, 1)
    bigger = tally(trials, 6)  # with n_trials=6 the WAITING fresh trial 7 is in budget, one slot is unclaimed
    assert (bigger.waiting, bigger.unclaimed, bigger.started) == (2, 1, 4)


def _stale_study(url: str, name: str, n_trials: int, n_stale: int) -> list[int]:
    """A study with `n_stale` RUNNING trials that never beat and started an hour ago: what workers
    killed mid-trial leave, stale for any grace period. Returns their numbers."""
    import datetime
    import sqlite3
    import warnings

    from ftspec.runtime.engine import open_study
    from tests.runtime_worker import study_ir

    study = open_study(study_ir(n_trials, url, name, 7), storage=storage_from_url(url, heartbeat_interval=HEARTBEAT, grace_period=GRACE))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Heartbeat ... supposed to be used with Study.optimize"
        numbers = [study.ask().number for _ in range(n_stale)]
    an_hour_ago = (datetime.datetime.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(url[len("sqlite:///"):]) as db:
        db.execute("UPDATE trials SET datetime_start = ? WHERE state = 'RUNNING'", (an_hour_ago,))
    return numbers


@pytest.mark.slow
def test_workers_resuming_one_sqlite_study_retry_each_stale_trial_once(tmp_path):
    # Three workers released together all find the same stale trials at once: on SQLite, whose
    # `SELECT ... FOR UPDATE` locks nothing, two of them could both fail a trial and both retry it.
    n_trials, n_stale = 16, 12
    for round_ in range(3):
        url, name, log, go = f"sqlite:///{tmp_path / f'r{round_}.db'}", "stale", tmp_path / f"r{round_}.log", tmp_path / f"go{round_}"
        stale = _stale_study(url, name, n_trials, n_stale)
        procs = [_worker(url, name, n_trials, log, sleep=0.01, start_file=go) for _ in range(3)]
        go.touch()
        summaries = [_finish(p) for p in procs]
        assert [(s["n_finished"], s["stop_reason"]) for s in summaries] == [(n_trials, "n_trials")] * 3
        trials = optuna.load_study(study_name=name, storage=storage_from_url(url, heartbeat_interval=None)).get_trials(deepcopy=False)
        counted = counted_trials(optuna.load_study(study_name=name, storage=storage_from_url(url, heartbeat_interval=None)))
        assert len(counted) == n_trials and all(t.state.name == "COMPLETE" for t in counted), f"round {round_}"
        retries = Counter(t.system_attrs["failed_trial"] for t in trials if "failed_trial" in t.system_attrs)
        assert retries == Counter(stale), f"round {round_}: retries of each stale trial {retries}"
        assert [trials[s].state.name for s in stale] == ["FAIL"] * n_stale
        surplus = sum(SURPLUS_ATTR in t.user_attrs for t in trials)
        assert len(trials) == n_trials + n_stale + surplus
