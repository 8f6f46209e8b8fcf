"""Execute one IR study on an Optuna study: storage, claims, retries, phases, limits, failure policy.

This module owns *how many* trials run and *when the study stops*; what a trial computes is the
caller's `trial_fn` (see `ftspec.runtime.optimize`). docs/runtime.md has the long form; the rules:

- `open_study` creates the Optuna study with the IR's directions (one per objective), sampler (IR options and seed),
  pruner (`none` is a real NopPruner) and storage (in memory when `storage` is null), or loads it
  when the IR says `resume` and it exists. Only the process that *created* the study enqueues the
  `force_params` (model names as is, train names as `"train:" + name`): creation is atomic in every
  storage, so several workers starting together enqueue them exactly once.
- A storage URL gets stale-trial detection: `sqlite:`/`postgresql:`/`mysql:` URLs become an
  `RDBStorage` with Optuna's heartbeats (its creation retried when workers race to create the
  schema), `journal:///path` a `HeartbeatJournalStorage` locked with `flock` (below).
  A worker records a heartbeat every `heartbeat_interval` seconds (default 10) while a trial runs;
  a RUNNING trial without one for `grace_period` seconds (default 60) is *stale* (its worker was
  killed): the first worker to notice fails it (RUNNING -> FAIL is atomic: only one worker's
  `set_trial_state_values` succeeds; the others get UpdateFinishedTrialError. A server database
  locks the trial's row; a journal orders its log; on a SQLite file, whose `SELECT ... FOR UPDATE`
  locks nothing, `HeartbeatRDBStorage` makes each state change under an `flock`) and only that
  worker's Optuna `RetryHeartbeatStaleTrialCallback` enqueues a *retry* with the same params (a WAITING
  trial whose system attrs `failed_trial` / `retry_history` name the attempts before it), at most
  `max_retry` times (default 3; after that the stale trial stays a finished FAIL).

Claims (exact `n_trials` for any number of threads, processes and resumes). Trial numbers are
dense and totally ordered in every storage (an RDB locks the study row while numbering a trial,
a journal orders its log, the in-memory storage holds a lock), so a trial number is a claim ticket:

- a *fresh* trial is one Optuna created or that was enqueued (`force_params`); a *retry*'s origin
  is its `failed_trial`, a fresh trial's origin is itself;
- the *rank* of a fresh trial is the number of fresh trials before it, not counting *surplus* ones;
  a trial is *in budget* when the rank of its origin is below `n_trials`: the study's budget is its
  first `n_trials` fresh trials, each with its retries;
- a worker checks the claim of every trial before the trial suggests anything; a trial that is not
  in budget is *surplus*: it gets the user attr `ftspec:surplus`, never runs its objective, ends
  FAIL and stops this worker's batch. Before asking for the next trial a worker also checks that
  some budget is left, so surplus trials only appear when workers race for the last slot;
- *counted* (finished) trials are the COMPLETE, PRUNED and FAIL trials that are neither surplus nor
  replaced by a retry (their number in some trial's `retry_history`); `n_trials` is the count of
  counted trials. A stale attempt never counts twice: its retry (same params) takes its place;
- an *interrupted* trial (a KeyboardInterrupt or SystemExit in it: ftrun's SIGINT/SIGTERM) is
  treated like a stale one by the worker it ran in: marked `ftspec:interrupted`, failed, and
  replaced by a retry with the same params through the same `RetryHeartbeatStaleTrialCallback`
  (no retry limit: an interrupt says nothing about the params), then the interrupt propagates. It
  is never counted; a resumed study runs its retry in the same budget slot. ftrun's handler raises
  the interrupt only outside Optuna's code (`ftspec.runtime.interrupts`); one it deferred is raised
  here before the next trial's work or batch (`interrupts.checkpoint`);
- a worker returns when the study has `n_trials` counted trials. When all the budget is claimed
  and trials still run elsewhere, it waits (polling, failing stale trials and running their
  retries), so a resumed worker finishes the work of a killed one; with a storage that has no
  heartbeats it returns instead (`running_elsewhere`), since it could wait forever;
- the in-memory storage is one process's: there every batch asks Optuna for exactly the missing
  number of trials and no claim is checked (the fast path: a hand-written Optuna loop plus a
  function call per trial).

Phases run in order on the one study, each with its own sampler; the phase of the next trial is
the one that holds the next unstarted budget slot. In one process phase boundaries are exact; with
several workers a phase may run up to one trial per worker thread past its boundary (sampled by
the earlier phase's sampler). The sampler keeps the IR seed for the first batch of the process that
created the study (so a single run is reproducible); any other batch (a resumed or loaded study,
a later phase) reseeds it from (seed, trials so far) and, on a shared storage, the process, so
that no batch replays another one's parameter stream.

The failure policy counts counted trials: the study's as this worker opens it, then every trial
this worker finishes (in one process: the whole study). It stops after `max_consecutive_failures`
failures in a row, or when failed / finished exceeds `max_failure_ratio` once at least
`FAILURE_RATIO_MIN_TRIALS` (10) trials, or all `n_trials` if fewer, have finished: a ratio over
one or two trials says nothing. `timeout_seconds` is one deadline over all phases and waits.
"""

from __future__ import annotations

import copy
import itertools
import math
import os
import threading
import time
import warnings
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: Optuna's own journal lock
    fcntl = None  # type: ignore[assignment]

import numpy as np
import optuna
from optuna.exceptions import ExperimentalWarning, UpdateFinishedTrialError
from optuna.storages import BaseStorage, InMemoryStorage, JournalStorage, RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.storages._heartbeat import BaseHeartbeat, is_heartbeat_enabled
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
from optuna.trial import FrozenTrial, TrialState

from ftspec.ir import Phase, Study, directions_of, optuna_names
from ftspec.runtime import interrupts
from ftspec.runtime.build import RuntimeSpecError, build_pruner, build_sampler
from ftspec.runtime.space import expand_forced
from ftspec.schema.vocab import SAMPLERS

__all__ = [
    "open_study",
    "run",
    "RunOutcome",
    "FINISHED",
    "storage_from_url",
    "HeartbeatJournalStorage",
    "FlockJournalLock",
    "counted_trials",
    "created_here",
    "Tally",
    "tally",
    "SurplusTrial",
    "SURPLUS_ATTR",
    "INTERRUPTED_ATTR",
    "HEARTBEAT_INTERVAL",
    "GRACE_PERIOD",
    "MAX_RETRY",
    "FAILURE_RATIO_MIN_TRIALS",
]

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)

HEARTBEAT_INTERVAL = 10
"""Seconds between two heartbeats of a running trial (storage URLs only)."""
GRACE_PERIOD = 60
"""Seconds without a heartbeat after which a running trial is stale (its worker is gone)."""
MAX_RETRY = 3
"""Retries of one stale trial; a trial that keeps killing its worker ends as a counted FAIL."""
FAILURE_RATIO_MIN_TRIALS = 10
"""Finished trials before `max_failure_ratio` is checked (or all `n_trials`, if fewer)."""
POLL_SECONDS = 0.5
"""How often a worker with nothing to claim looks again (for finished or stale trials)."""

SURPLUS_ATTR = "ftspec:surplus"
INTERRUPTED_ATTR = "ftspec:interrupted"
"""User attr of a trial stopped by a KeyboardInterrupt / SystemExit (replaced by a retry, never counted)."""
HEARTBEAT_ATTR = "ftspec:heartbeat"
# What a trial function records on its trial (ftspec.runtime.optimize writes them; the CLI, the
# reports and the MLflow tracker read them): defined here, below all of them.
FAILURE_ATTR = "ftspec:failure"
"""`{type, message, fold}` of what failed a trial (`fold`: the split index, or None outside the folds)."""
FOLDS_ATTR = "ftspec:fold_scores"
FAILED_FOLDS_ATTR = "ftspec:failed_folds"
"""`[{type, message, fold}]` of the folds a `worst`-rule trial scored +-inf and went on."""

TrialFn = Callable[[optuna.Trial], Any]
"""Returns the trial's value (one objective) or its values (a list, several objectives)."""

# Studies this process created (their first batch keeps the IR seed); see `_batch_seed`.
_CREATED: "weakref.WeakKeyDictionary[optuna.Study, bool]" = weakref.WeakKeyDictionary()
_PROCESS_TOKEN = int.from_bytes(os.urandom(4), "little")


class SurplusTrial(Exception):
    """A trial beyond the study's budget (another worker claimed the last slot); it never runs."""


@dataclass
class RunOutcome:
    """Why `run` stopped, and the study's counts when it did."""

    stop_reason: str
    """`n_trials`, `timeout`, `failure_policy`, `sampler_exhausted` (e.g. a finished grid),
    `running_elsewhere` (budget claimed, trials running in workers this storage cannot watch) or `stopped`."""
    violation: str | None
    """What the failure policy saw when it stopped the study, else None."""
    n_finished: int = 0
    """Counted trials of the study (see the module docs)."""
    n_retried: int = 0
    """Stale attempts replaced by a retry (not counted)."""
    n_surplus: int = 0
    """Surplus trials (not counted, never ran)."""


class HeartbeatJournalStorage(JournalStorage, BaseHeartbeat):
    """A JournalStorage with Optuna's heartbeat protocol (Optuna 5 has it for RDBStorage only).

    A heartbeat is the system attr `ftspec:heartbeat` (Unix time) written to the journal; a RUNNING
    trial is stale when its last heartbeat (or its start, if later) is older than `grace_period`.
    Times come from the workers' clocks: workers on several machines need synchronised clocks.
    """

    def __init__(
        self,
        backend: Any,
        *,
        heartbeat_interval: int,
        grace_period: int | None = None,
        heartbeat_stale_trial_callback: Callable[[optuna.Study, FrozenTrial], None] | None = None,
    ) -> None:
        if heartbeat_interval <= 0 or (grace_period is not None and grace_period <= 0):
            raise ValueError("heartbeat_interval and grace_period must be positive")
        super().__init__(backend)
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = 2 * heartbeat_interval if grace_period is None else grace_period
        self.heartbeat_stale_trial_callback = heartbeat_stale_trial_callback

    def record_heartbeat(self, trial_id: int) -> None:
        try:
            self.set_trial_system_attr(trial_id, HEARTBEAT_ATTR, time.time())
        except UpdateFinishedTrialError:
            pass  # another worker declared the trial stale; its tell will say so

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        deadline = time.time() - self.grace_period
        stale = []
        for t in self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,)):
            # A retry inherits its stale origin's heartbeat attr: its own start counts too.
            started = t.datetime_start.timestamp() if t.datetime_start is not None else 0.0
            if max(float(t.system_attrs.get(HEARTBEAT_ATTR, 0.0)), started) < deadline:
                stale.append(t._trial_id)
        return stale

    def get_heartbeat_interval(self) -> int | None:
        return self.heartbeat_interval

    def get_heartbeat_stale_trial_callback(self) -> Callable[[optuna.Study, FrozenTrial], None] | None:
        return self.heartbeat_stale_trial_callback


class FlockJournalLock(JournalFileOpenLock):
    """The journal file's lock as a blocking `fcntl.flock` on `PATH.flock` (POSIX).

    Optuna's default symlink lock polls with an exponential back-off of up to one second, so that
    with three workers writing a log line per parameter a waiting worker sleeps longer than a
    trial lasts; `flock` hands the lock over as soon as it is released. Every process writing one
    journal file must use the same kind of lock: workers started through ftspec do.
    """

    def __init__(self, filepath: str) -> None:
        self._lock_path = filepath + ".flock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            raise RuntimeError("the journal lock is not held")
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def storage_from_url(
    url: str,
    *,
    heartbeat_interval: int | None = HEARTBEAT_INTERVAL,
    grace_period: int | None = GRACE_PERIOD,
    max_retry: int | None = MAX_RETRY,
) -> BaseStorage:
    """The Optuna storage of a URL, with stale-trial detection and retries.

    `journal:///path` is a journal file (`HeartbeatJournalStorage`); any other URL an `RDBStorage`.
    `heartbeat_interval=None` turns heartbeats off (a killed worker's trial then stays RUNNING).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        retry = None if heartbeat_interval is None else RetryHeartbeatStaleTrialCallback(max_retry=max_retry)
        if url.startswith("journal:///"):
            path = url[len("journal://") :]
            backend = JournalFileBackend(path, lock_obj=FlockJournalLock(path) if fcntl is not None else None)
            if heartbeat_interval is None:
                return JournalStorage(backend)
            return HeartbeatJournalStorage(
                backend, heartbeat_interval=heartbeat_interval, grace_period=grace_period, heartbeat_stale_trial_callback=retry
            )
        options = {} if heartbeat_interval is None else dict(
            heartbeat_interval=heartbeat_interval, grace_period=grace_period, heartbeat_stale_trial_callback=retry
        )
        return _rdb_storage(url, options)


class HeartbeatRDBStorage(RDBStorage):
    """Optuna's RDBStorage, whose stale trials also include a RUNNING trial that never beat: one whose
    worker was killed between `ask` and the first heartbeat (Optuna 5 skips a trial without a
    heartbeat row, so it would stay RUNNING and hold its budget slot forever). Such a trial is stale
    when it started more than `grace_period` ago (its start is the worker's clock, as the journal's).

    On a SQLite file, a trial's state changes one at a time across processes: Optuna reads the state
    with `SELECT ... FOR UPDATE`, which SQLite ignores (and pysqlite begins the write transaction only
    at the UPDATE), so two workers could both fail the same stale trial, both see `True` and both
    enqueue its retry (a study then ends with `n_trials + 1` counted trials). Each change is made
    under an `flock` on `PATH.flock` (released by the kernel when its process dies): the second worker
    reads FAIL and gets `UpdateFinishedTrialError`, as on a server database. Every process writing the
    file must use this storage (`storage_from_url`): workers started through ftspec do.
    """

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        self._sqlite_file = _sqlite_file(url)

    def set_trial_state_values(self, trial_id: int, state: TrialState, values: Sequence[float] | None = None) -> bool:
        if self._sqlite_file is None:
            return super().set_trial_state_values(trial_id, state, values)
        lock = FlockJournalLock(self._sqlite_file)  # the same blocking flock as a journal's, on PATH.flock
        lock.acquire()
        try:
            return super().set_trial_state_values(trial_id, state, values)
        finally:
            lock.release()

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        import datetime

        stale = super()._get_stale_trial_ids(study_id)
        grace = self.grace_period if self.grace_period is not None else 2 * (self.heartbeat_interval or 0)
        deadline = datetime.datetime.now() - datetime.timedelta(seconds=grace)
        for t in self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,)):
            if t._trial_id in stale or t.datetime_start is None or t.datetime_start >= deadline:
                continue
            if self._never_beat(t._trial_id):
                stale.append(t._trial_id)
        return stale

    def _never_beat(self, trial_id: int) -> bool:
        from optuna.storages._rdb import models
        from optuna.storages._rdb.storage import _create_scoped_session

        with _create_scoped_session(self.scoped_session) as session:
            return session.query(models.TrialHeartbeatModel).filter(models.TrialHeartbeatModel.trial_id == trial_id).first() is None


def _sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL; None for other databases, in-memory SQLite, or without `flock`.
    (Its lock is `PATH.flock`, never the file itself: closing another descriptor of the database file
    would drop SQLite's own POSIX locks.)"""
    import sqlalchemy.engine

    parsed = sqlalchemy.engine.make_url(url)
    path = parsed.database
    if fcntl is None or parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


def _rdb_storage(url: str, options: dict[str, Any], attempts: int = 5) -> RDBStorage:
    """An RDBStorage, retried when workers starting together race to create its schema.

    On an empty database every RDBStorage creates the tables and stamps the schema version; the
    losers of that race fail (a unique violation on `alembic_version`, a duplicate table). The
    schema exists once the winner commits: a retry finds it.
    """
    import sqlalchemy.exc

    for attempt in range(attempts):
        try:
            return HeartbeatRDBStorage(url, **options) if options else RDBStorage(url)
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError, sqlalchemy.exc.OperationalError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _resolve_storage(study: Study, storage: Any, **heartbeat: Any) -> Any:
    if storage is None and study.storage is not None:
        storage = study.storage.url
    if isinstance(storage, str):
        return storage_from_url(storage, **heartbeat)
    return storage


def _check_names(study: Study) -> None:
    """Refuse an IR whose entries share an Optuna name (the compiler's FT228; an IR written by hand
    never went through it): every trial would fail or get one value for two parameters."""
    owner: dict[str, str] = {}
    for entry in study.space:
        for name in optuna_names(entry):
            if name in owner:
                raise RuntimeSpecError(
                    f"study {study.id!r}: {entry.target} param {entry.name!r} and {owner[name]} are both Optuna's {name!r} (FT228)"
                )
            owner[name] = f"{entry.target} param {entry.name!r}"


def _check_objectives(study: Study) -> None:
    """Refuse what Optuna cannot do with several objectives (the compiler's FT427 / FT428; an IR written
    by hand never went through them): prune (`Trial.report` raises), or sample with CmaEsSampler."""
    if len(study.objectives) < 2:
        return
    if study.pruner.kind != "none":
        raise RuntimeSpecError(f"study {study.id!r}: pruner {study.pruner.kind!r} with {len(study.objectives)} objectives; "
                               "Optuna cannot prune a study of several objectives (FT427)")
    for spec in [study.sampler, *(p.sampler for p in study.phases)]:
        if SAMPLERS[spec.kind].single_objective_only:
            raise RuntimeSpecError(f"study {study.id!r}: sampler {spec.kind!r} supports one objective only, the study has "
                                   f"{len(study.objectives)} (FT428)")


def open_study(
    study: Study,
    *,
    storage: Any = None,
    study_name: str | None = None,
    heartbeat_interval: int | None = HEARTBEAT_INTERVAL,
    grace_period: int | None = GRACE_PERIOD,
    max_retry: int | None = MAX_RETRY,
) -> optuna.Study:
    """The Optuna study of `study` (created, or loaded when the IR says `resume`), forced trials enqueued.

    `storage` (an Optuna storage or URL) and `study_name` override the IR's `storage`. A URL (the
    IR's or `storage`) is opened with `storage_from_url` and the heartbeat keywords; a storage
    object is used as given.
    """
    if study.phases and sum(p.n_trials for p in study.phases) != study.n_trials:
        raise RuntimeSpecError(
            f"study {study.id!r}: the phases' n_trials sum to {sum(p.n_trials for p in study.phases)}, not n_trials={study.n_trials}"
        )
    _check_names(study)
    _check_objectives(study)
    directions = directions_of(study)
    ir_storage = study.storage
    name = study_name if study_name is not None else (ir_storage.study_name if ir_storage is not None else None)
    resolved = _resolve_storage(study, storage, heartbeat_interval=heartbeat_interval, grace_period=grace_period, max_retry=max_retry)
    sampler = build_sampler(study.sampler, study.space, study.seed)
    pruner = build_pruner(study.pruner)
    try:
        ostudy = optuna.create_study(storage=resolved, study_name=name, directions=directions, sampler=sampler, pruner=pruner)
        created = True
    except optuna.exceptions.DuplicatedStudyError:
        if not (ir_storage is not None and ir_storage.resume):
            raise
        ostudy = optuna.load_study(study_name=name, storage=resolved, sampler=sampler, pruner=pruner)
        created = False
        stored = [d.name.lower() for d in ostudy.directions]
        if stored != directions:
            raise RuntimeSpecError(f"study {name!r} in the storage is to {', '.join(stored)}, the IR says {', '.join(directions)}")
    if created:
        for forced in study.force_params:
            ostudy.enqueue_trial(expand_forced(study, forced.model, forced.train))
    _CREATED[ostudy] = created
    return ostudy


def created_here(ostudy: optuna.Study) -> bool:
    """Whether this process created `ostudy` with `open_study` (only the creator enqueues trials)."""
    return _CREATED.get(ostudy, False)


def _origin(t: FrozenTrial) -> int:
    origin = t.system_attrs.get("failed_trial")
    return t.number if origin is None else int(origin)


@dataclass
class Tally:
    """The study's trials by role (see the module docs); `n_trials` is the budget."""

    counted: list[FrozenTrial]
    """Finished trials that count, by number."""
    running: int
    """In-budget trials running now (here or elsewhere)."""
    waiting: int
    """In-budget trials waiting to be popped (forced trials, retries)."""
    unclaimed: int
    """Budget slots no trial holds yet."""
    started: int
    """Budget slots whose fresh trial left WAITING (the phase of the next trial)."""
    retried: int
    """Attempts replaced by a retry."""
    surplus: int


def tally(trials: Iterable[FrozenTrial], n_trials: int) -> Tally:
    """Classify a study's trials (from `get_trials(deepcopy=False)`, any order)."""
    trials = sorted(trials, key=lambda t: t.number)
    replaced: set[int] = set()
    for t in trials:
        replaced.update(t.system_attrs.get("retry_history", ()))
    ranks: dict[int, int] = {}
    for t in trials:
        if "failed_trial" not in t.system_attrs and SURPLUS_ATTR not in t.user_attrs:
            ranks[t.number] = len(ranks)
    counted, running, waiting, started, retried, surplus = [], 0, 0, 0, 0, 0
    for t in trials:
        if SURPLUS_ATTR in t.user_attrs:
            surplus += 1
            continue
        in_budget = ranks.get(_origin(t), n_trials) < n_trials
        if in_budget and t.number in ranks and t.state != TrialState.WAITING:
            started += 1  # a budget slot whose first attempt left WAITING (replaced or not)
        if t.number in replaced:
            retried += 1
        elif t.state in FINISHED:
            counted.append(t)
        elif t.state == TrialState.RUNNING:
            running += in_budget
        elif t.state == TrialState.WAITING:
            waiting += in_budget
    unclaimed = max(0, n_trials - len(ranks))
    return Tally(counted, running, waiting, unclaimed, started, retried, surplus)


def counted_trials(ostudy: optuna.Study) -> list[FrozenTrial]:
    """The trials a report lists: every trial except surplus ones and attempts replaced by a retry, by number."""
    trials = ostudy.get_trials(deepcopy=False)
    replaced: set[int] = set()
    for t in trials:
        replaced.update(t.system_attrs.get("retry_history", ()))
    return sorted((t for t in trials if SURPLUS_ATTR not in t.user_attrs and t.number not in replaced), key=lambda t: t.number)


class _Ledger:
    """Claim checks on a shared storage: each trial number's budget rank, scanned incrementally.

    A trial's creation-time attrs (fresh or retry, and its origin) never change, and a surplus mark
    set after a scan cannot change a verdict under one `n_trials` (every trial after a surplus
    trial is surplus too), so what was scanned stays valid.
    """

    def __init__(self, ostudy: optuna.Study, n_trials: int) -> None:
        self.ostudy = ostudy
        self.n_trials = n_trials
        self.rank_of: list[int | None] = []  # by number: the budget rank of the trial's origin (None: surplus)
        self.fresh: list[bool] = []
        self.n_fresh = 0
        self.lock = threading.Lock()

    def _scan(self, upto: int | None) -> None:
        known = len(self.rank_of)
        if upto is not None and known >= upto:
            return
        # Trial numbers are dense: index i of the sorted list is trial number i.
        for t in self.ostudy.get_trials(deepcopy=False)[known:upto]:
            origin = _origin(t)
            self.fresh.append(origin == t.number)
            if origin != t.number:
                self.rank_of.append(self.rank_of[origin] if origin < len(self.rank_of) else None)
            elif SURPLUS_ATTR in t.user_attrs:
                self.rank_of.append(None)
            else:
                self.rank_of.append(self.n_fresh)
                self.n_fresh += 1

    def claim(self, trial: optuna.Trial) -> tuple[int, bool]:
        """(rank of the trial's origin, whether the trial is fresh); rank >= n_trials: surplus."""
        with self.lock:
            self._scan(trial.number + 1)
            rank = self.rank_of[trial.number]
            return (self.n_trials if rank is None else rank), self.fresh[trial.number]

    def work_left(self) -> bool:
        """Whether a next trial could be in budget: an unclaimed slot, or an in-budget WAITING trial."""
        with self.lock:
            self._scan(None)
            if self.n_fresh < self.n_trials:
                return True
            for t in self.ostudy.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
                rank = self.rank_of[t.number] if t.number < len(self.rank_of) else None
                if rank is not None and rank < self.n_trials:
                    return True
            return False


class _Policy:
    """The failure policy, counted incrementally (a callback would cost a trial deepcopy per trial)."""

    def __init__(self, study: Study, counted: list[FrozenTrial]) -> None:
        self.policy = study.failure_policy
        self.min_ratio_sample = min(FAILURE_RATIO_MIN_TRIALS, study.n_trials)
        self.n_finished = len(counted)
        self.n_failed = sum(t.state == TrialState.FAIL for t in counted)
        self.run = 0
        for t in reversed(counted):
            if t.state != TrialState.FAIL:
                break
            self.run += 1
        self.violation: str | None = None
        self.lock = threading.Lock()

    def record(self, failed: bool) -> bool:
        """Count one finished trial; True when the policy now stops the study."""
        policy = self.policy
        with self.lock:
            self.n_finished += 1
            self.n_failed += failed
            self.run = self.run + 1 if failed else 0
            if self.violation is None:
                if policy.max_consecutive_failures is not None and self.run >= policy.max_consecutive_failures:
                    self.violation = f"{self.run} consecutive failed trials (max_consecutive_failures={policy.max_consecutive_failures})"
                elif (
                    policy.max_failure_ratio is not None
                    and self.n_finished >= self.min_ratio_sample
                    and self.n_failed / self.n_finished > policy.max_failure_ratio
                ):
                    self.violation = (
                        f"{self.n_failed} of {self.n_finished} finished trials failed, ratio {self.n_failed / self.n_finished:.3g} > "
                        f"max_failure_ratio={policy.max_failure_ratio}"
                    )
            return self.violation is not None


def _fails(value: Any) -> bool:
    """Whether Optuna's tell will record this return value as FAIL (not a number, or NaN; for several
    objectives, a sequence with such a value)."""
    if isinstance(value, (list, tuple)):
        return not value or any(_fails(v) for v in value)
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


class _Batch:
    """The objective Optuna runs: claim check (shared storages), the trial, the failure policy."""

    def __init__(self, ostudy: optuna.Study, trial_fn: TrialFn, policy: _Policy, ledger: _Ledger | None, phase_end: int) -> None:
        self.ostudy = ostudy
        self.trial_fn = trial_fn
        self.policy = policy
        self.ledger = ledger
        self.phase_end = phase_end
        self._count = itertools.count(1)
        self.calls = 0
        self.interrupted: list[optuna.Trial] = []
        """Trials a KeyboardInterrupt / SystemExit stopped (at most one per thread); `run` re-queues them."""
        self.stopped = False
        """Whether this batch stopped itself (surplus, phase boundary, no budget left): not a limit."""

    def _stop(self) -> None:
        self.stopped = True
        self.ostudy.stop()

    def __call__(self, trial: optuna.Trial) -> float:
        try:
            return self._run_trial(trial)
        except (KeyboardInterrupt, SystemExit):
            # Marked while the trial still runs (a finished trial's attrs are read-only); `run`
            # re-queues it once Optuna has failed it.
            self.interrupted.append(trial)
            try:
                trial.set_user_attr(INTERRUPTED_ATTR, True)
            except Exception:  # the storage failed too: the attempt then counts as a plain FAIL
                pass
            raise

    def _run_trial(self, trial: optuna.Trial) -> float:
        self.calls = next(self._count)  # atomic under n_jobs threads
        interrupts.checkpoint()  # a signal that came inside Optuna (the last tell, this ask): this trial is interrupted
        ledger = self.ledger
        if ledger is not None:
            rank, fresh = ledger.claim(trial)
            if rank >= ledger.n_trials:
                trial.set_user_attr(SURPLUS_ATTR, f"beyond n_trials={ledger.n_trials}: another worker claimed the last trial")
                self._stop()
                raise SurplusTrial(f"trial {trial.number} is beyond the study's n_trials={ledger.n_trials}; not run")
            if fresh and rank >= self.phase_end - 1:
                self._stop()  # the next fresh trial belongs to the next phase: its sampler first
        try:
            value = self.trial_fn(trial)
        except optuna.TrialPruned:
            self._after(False)
            raise
        except Exception:
            self._after(True)
            raise
        self._after(_fails(value))
        return value

    def _after(self, failed: bool) -> None:
        if self.policy.record(failed):
            self.ostudy.stop()
        elif self.ledger is not None and not self.ledger.work_left():
            self._stop()


def _batch_seed(study: Study, ostudy: optuna.Study, n_existing: int, first: bool, shared: bool) -> int | None:
    if study.seed is None or (first and created_here(ostudy)):
        return study.seed
    entropy = [study.seed, n_existing] + ([_PROCESS_TOKEN, os.getpid()] if shared else [])
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


# Where a trial's interruptible work begins, and the `try` around it that marks the trial interrupted.
interrupts.trial_code = (_Batch._run_trial.__code__, _Batch.__call__.__code__)


def _fail_stale(ostudy: optuna.Study) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        optuna.storages.fail_stale_trials(ostudy)


def _requeue_interrupted(ostudy: optuna.Study, trials: Sequence[optuna.Trial]) -> None:
    """Fail the interrupted trials (Optuna's tell already did for a KeyboardInterrupt, not for a
    SystemExit) and enqueue a retry of each, as for a stale trial: same params, `failed_trial` /
    `retry_history` system attrs, so the attempt is replaced and the retry runs in its budget slot."""
    storage = ostudy._storage
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        retry = RetryHeartbeatStaleTrialCallback(max_retry=None)
    for trial in trials:
        try:
            storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        except UpdateFinishedTrialError:
            pass
        frozen = storage.get_trial(trial._trial_id)
        if frozen.state != TrialState.FAIL or INTERRUPTED_ATTR not in frozen.user_attrs:
            continue  # failed as stale by another worker first: its retry is already enqueued
        # The retry starts clean: ftspec's marks and the failure belong to the interrupted attempt.
        clean = copy.copy(frozen)
        clean._user_attrs = {k: v for k, v in frozen.user_attrs.items() if not k.startswith("ftspec:")}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExperimentalWarning)
            retry(ostudy, clean)


def _limit_reason(ostudy: optuna.Study, deadline: float | None) -> str:
    """Why Optuna ended a batch early when the engine did not: the timeout or the sampler."""
    if deadline is not None and time.monotonic() >= deadline:
        return "timeout"
    if isinstance(ostudy.sampler, (optuna.samplers.GridSampler, optuna.samplers.BruteForceSampler)):
        return "sampler_exhausted"
    return "stopped"


def run(
    study: Study,
    ostudy: optuna.Study,
    trial_fn: TrialFn,
    *,
    n_jobs: int | None = None,
    callbacks: Sequence[Callable[[optuna.Study, FrozenTrial], None]] = (),
) -> RunOutcome:
    """Run `trial_fn` on `ostudy` until the study has `n_trials` counted trials, a limit or the failure policy.

    `callbacks` are Optuna callbacks called after each finished trial of this worker (progress bars).
    """
    phases = list(study.phases) or [Phase(n_trials=study.n_trials, sampler=study.sampler)]
    ends = [sum(p.n_trials for p in phases[: i + 1]) for i in range(len(phases))]
    deadline = None if study.timeout_seconds is None else time.monotonic() + study.timeout_seconds
    shared = not isinstance(ostudy._storage, InMemoryStorage)
    heartbeat = is_heartbeat_enabled(ostudy._storage)
    n = study.n_trials
    ledger = _Ledger(ostudy, n) if shared else None
    policy: _Policy | None = None
    stop_reason: str | None = None
    first = True
    while stop_reason is None:
        interrupts.checkpoint()
        if heartbeat:
            _fail_stale(ostudy)
        trials = ostudy.get_trials(deepcopy=False)
        counts = tally(trials, n)
        if policy is None:
            policy = _Policy(study, counts.counted)
        if len(counts.counted) >= n:
            stop_reason = "n_trials"
            break
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            stop_reason = "timeout"
            break
        work = counts.unclaimed + counts.waiting
        if work == 0:
            if counts.running == 0 or not heartbeat:
                stop_reason = "running_elsewhere" if counts.running else "stopped"
                break
            time.sleep(POLL_SECONDS if remaining is None else min(POLL_SECONDS, remaining))
            continue
        index = next((i for i, end in enumerate(ends) if counts.started < end), len(phases) - 1)
        # In memory this process is the only worker: ask Optuna for exactly the phase's missing trials.
        size = max(1, ends[index] - counts.started if not shared else min(work, ends[index] - counts.started + counts.waiting))
        batch = _Batch(ostudy, trial_fn, policy, ledger, ends[index])
        ostudy.sampler = build_sampler(phases[index].sampler, study.space, _batch_seed(study, ostudy, len(trials), first, shared))
        first = False
        try:
            ostudy.optimize(batch, n_trials=size, timeout=remaining, n_jobs=study.n_jobs if n_jobs is None else n_jobs, catch=(Exception,),
                           callbacks=list(callbacks) or None)
        except UpdateFinishedTrialError:
            continue  # this worker missed its heartbeats: its trial was failed as stale and retried elsewhere
        except (KeyboardInterrupt, SystemExit):
            try:
                _requeue_interrupted(ostudy, batch.interrupted)
            except Exception:  # the storage is gone too: the attempt then stays a counted FAIL
                pass
            raise
        if policy.violation is not None:
            stop_reason = "failure_policy"
        elif batch.calls < size and not batch.stopped:
            stop_reason = _limit_reason(ostudy, deadline)
    final = tally(ostudy.get_trials(deepcopy=False), n)
    return RunOutcome(stop_reason, policy.violation if policy else None, len(final.counted), final.retried, final.surplus)
