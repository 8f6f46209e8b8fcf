"""Execute one IR study on an Optuna study: storage, enqueued trials, phases, limits, failure policy.

This module owns *how many* trials run and *when the study stops*; what a trial computes is the
caller's `trial_fn` (see `ftspec.runtime.optimize`). The rules:

- `open_study` creates (or, with `resume`, loads) the Optuna study with the IR's direction,
  sampler (built with the IR's options and seed), pruner (`none` is a real NopPruner) and storage
  (in memory when `storage` is null); `force_params` are enqueued first (model names as is, train
  names as `"train:" + name`), only when the study has no trial yet;
- `run` runs the phases in order on the one study, each with its own sampler and trial count (no
  phases: the study's sampler for all `n_trials`);
- `n_trials` is the study's total of finished trials (COMPLETE + PRUNED + FAIL): trials already in
  a resumed study count, and each phase runs only what is left of it. In one process (any n_jobs)
  the study ends at exactly `n_trials`; a callback also stops the study once the total is reached;
- the failure policy stops the study after `max_consecutive_failures` failures in a row, or when
  failed / finished trials exceeds `max_failure_ratio` (over the whole study);
- `timeout_seconds` is one deadline over all phases (no new trial starts after it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import optuna
from optuna.trial import TrialState

from ftspec.ir import Phase, Study
from ftspec.runtime.build import RuntimeSpecError, build_pruner, build_sampler
from ftspec.runtime.space import expand_forced

__all__ = ["open_study", "run", "RunOutcome", "FINISHED"]

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)

TrialFn = Callable[[optuna.Trial], float]


@dataclass
class RunOutcome:
    """Why `run` stopped."""

    stop_reason: str
    """`n_trials`, `timeout`, `failure_policy`, `sampler_exhausted` (e.g. a finished grid) or `stopped`."""
    violation: str | None
    """What the failure policy saw when it stopped the study, else None."""


def _storage(study: Study, storage: Any) -> Any:
    if storage is not None:
        return storage
    if study.storage is None:
        return None
    url = study.storage.url
    if url.startswith("journal:///"):
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        return JournalStorage(JournalFileBackend(url[len("journal://") :]))
    return url


def _finished(ostudy: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return ostudy.get_trials(deepcopy=False, states=FINISHED)


class _Policy:
    """Callback: failure policy, and stop at the study's total (for workers sharing a storage)."""

    def __init__(self, study: Study) -> None:
        self.study = study
        self.violation: str | None = None

    def __call__(self, ostudy: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        finished = sorted(_finished(ostudy), key=lambda t: t.number)
        policy = self.study.failure_policy
        n_failed = sum(t.state == TrialState.FAIL for t in finished)
        run = 0
        for t in reversed(finished):
            if t.state != TrialState.FAIL:
                break
            run += 1
        if policy.max_consecutive_failures is not None and run >= policy.max_consecutive_failures:
            self.violation = f"{run} consecutive failed trials (max_consecutive_failures={policy.max_consecutive_failures})"
        elif policy.max_failure_ratio is not None and finished and n_failed / len(finished) > policy.max_failure_ratio:
            self.violation = (
                f"{n_failed} of {len(finished)} finished trials failed, ratio {n_failed / len(finished):.3g} > "
                f"max_failure_ratio={policy.max_failure_ratio}"
            )
        if self.violation is not None or len(finished) >= self.study.n_trials:
            ostudy.stop()


def open_study(study: Study, *, storage: Any = None, study_name: str | None = None) -> optuna.Study:
    """The Optuna study of `study` (created, or loaded when the IR says `resume`), forced trials enqueued.

    `storage` (an Optuna storage or URL) and `study_name` override the IR's `storage`.
    """
    if study.phases and sum(p.n_trials for p in study.phases) != study.n_trials:
        raise RuntimeSpecError(
            f"study {study.id!r}: the phases' n_trials sum to {sum(p.n_trials for p in study.phases)}, not n_trials={study.n_trials}"
        )
    ir_storage = study.storage
    name = study_name if study_name is not None else (ir_storage.study_name if ir_storage is not None else None)
    ostudy = optuna.create_study(
        storage=_storage(study, storage),
        study_name=name,
        direction=study.direction,
        sampler=build_sampler(study.sampler, study.space, study.seed),
        pruner=build_pruner(study.pruner),
        load_if_exists=bool(ir_storage is not None and ir_storage.resume),
    )
    if not ostudy.get_trials(deepcopy=False):
        for forced in study.force_params:
            ostudy.enqueue_trial(expand_forced(study, forced.model, forced.train))
    return ostudy


def run(study: Study, ostudy: optuna.Study, trial_fn: TrialFn, *, n_jobs: int | None = None,
        callbacks: Sequence[Callable[[optuna.Study, optuna.trial.FrozenTrial], None]] = ()) -> RunOutcome:
    """Run `trial_fn` on `ostudy` until the study's `n_trials` finished trials, a limit or the failure policy.

    `callbacks` are Optuna callbacks called after each finished trial, after the policy's (progress bars).
    """
    phases = list(study.phases) or [Phase(n_trials=study.n_trials, sampler=study.sampler)]
    deadline = None if study.timeout_seconds is None else time.monotonic() + study.timeout_seconds
    policy = _Policy(study)
    stop_reason = "n_trials"
    end = 0
    for phase in phases:
        end += phase.n_trials
        done = len(_finished(ostudy))
        if done >= end:
            continue
        timeout = None
        if deadline is not None:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                stop_reason = "timeout"
                break
        ostudy.sampler = build_sampler(phase.sampler, study.space, study.seed)
        ostudy.optimize(
            trial_fn,
            n_trials=end - done,
            timeout=timeout,
            n_jobs=study.n_jobs if n_jobs is None else n_jobs,
            catch=(Exception,),
            callbacks=[policy, *callbacks],
        )
        if policy.violation is not None:
            stop_reason = "failure_policy"
            break
        if len(_finished(ostudy)) < end:
            if deadline is not None and time.monotonic() >= deadline:
                stop_reason = "timeout"
            elif isinstance(ostudy.sampler, (optuna.samplers.GridSampler, optuna.samplers.BruteForceSampler)):
                stop_reason = "sampler_exhausted"
            else:
                stop_reason = "stopped"
            break
    return RunOutcome(stop_reason, policy.violation)
