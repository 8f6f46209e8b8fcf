"""Run one IR study on Optuna with a plain-callable objective.

`optimize(study_ir, objective)` where `objective(model_params, train_params, split) -> float`:

- the Optuna study gets the IR's direction, sampler (built with the IR's options and seed), pruner
  (`none` is a real NopPruner), and storage / study name (in memory when `storage` is null);
  `resume` loads an existing study of that name;
- `force_params` are enqueued first (model names as is, train names as `"train:" + name`), only
  when the study has no trial yet (a resumed study does not enqueue them again);
- phases run in order on the one study, each with its own sampler and trial count (no phases: the
  study's sampler for all `n_trials`);
- `n_trials` is the study's total of finished trials (COMPLETE + PRUNED + FAIL): trials already in
  a resumed study count, and each phase runs only what is left of it. In one process (any n_jobs)
  the study ends at exactly `n_trials`; a callback also stops the study once the total is reached,
  which bounds the overshoot of several processes sharing a storage to the trials already running;
- a trial whose objective raises is recorded as FAIL with the exception's type and message (user
  attribute `ftspec:failure`), never as a score; a NaN or non-numeric return is a failure too;
- the failure policy stops the study with `StudyFailed` (carrying the `Report`) after
  `max_consecutive_failures` failures in a row, or when failed / finished trials exceeds
  `max_failure_ratio` (checked after every finished trial, over the whole study);
- a study with no completed trial (every trial failed or was pruned, or none ran) is a
  `StudyFailed` error, not a result;
- `timeout_seconds` is one deadline over all phases (no new trial starts after it); a study that
  stops before `n_trials` is reported `partial` with its `stop_reason`.

`split` is a placeholder: it is passed as is (default None) as the objective's third argument;
data splitting and estimator adapters are not implemented here.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import optuna
from optuna.trial import TrialState

from ftspec.ir import Phase, Study
from ftspec.runtime.build import RuntimeSpecError, build_pruner, build_sampler
from ftspec.runtime.space import expand_forced, flat_from_optuna, nest, suggest_flat

__all__ = ["optimize", "Report", "TrialRecord", "StudyFailed", "FAILURE_ATTR"]

FAILURE_ATTR = "ftspec:failure"
_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)

Objective = Callable[[dict, dict, Any], float]


@dataclass
class TrialRecord:
    """One trial of the study."""

    number: int
    state: str
    """Optuna state name: COMPLETE, PRUNED, FAIL, RUNNING, WAITING."""
    model_params: dict[str, Any]
    """Sampled model values by IR (flattened) name; sorted tuples assembled."""
    train_params: dict[str, Any]
    """Sampled train values by IR (flattened) name."""
    value: float | None
    failure: dict[str, str] | None
    """`{type, message}` of the exception for a failed trial, else None."""
    duration_seconds: float | None


@dataclass
class Report:
    """What a study did: every trial, counts, the best trial and its nested parameters."""

    study_id: str
    study_name: str
    direction: str
    n_trials: int
    """The study's target of finished trials."""
    n_finished: int
    n_complete: int
    n_pruned: int
    n_failed: int
    partial: bool
    """True when the study stopped before `n_trials` finished trials."""
    stop_reason: str
    """`n_trials`, `timeout`, `failure_policy`, `sampler_exhausted` (e.g. a finished grid) or `stopped`."""
    trials: list[TrialRecord] = field(default_factory=list)
    best_number: int | None = None
    best_value: float | None = None
    best_model_params: dict[str, Any] | None = None
    """Nested model parameters of the best trial, fixed values merged."""
    best_train_params: dict[str, Any] | None = None
    """Nested train parameters of the best trial, fixed values merged."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (tuples become lists)."""
        return _jsonable(asdict(self))  # type: ignore[no-any-return]


class StudyFailed(RuntimeError):
    """The study did not produce a result (failure policy, or no completed trial); `report` says what happened."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _check_value(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"the objective returned {type(value).__name__} {value!r}, not a number")
    result = float(value)
    if math.isnan(result):
        raise ValueError("the objective returned NaN")
    return result


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
    return ostudy.get_trials(deepcopy=False, states=_FINISHED)


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


def _record(study: Study, t: optuna.trial.FrozenTrial) -> TrialRecord:
    model, train = flat_from_optuna(study, t.params)
    failure = t.user_attrs.get(FAILURE_ATTR)
    if t.state == TrialState.FAIL and failure is None:
        failure = {"type": "Unknown", "message": "the trial failed outside the objective"}
    return TrialRecord(
        number=t.number,
        state=t.state.name,
        model_params=model,
        train_params=train,
        value=t.value if t.state == TrialState.COMPLETE else None,
        failure=dict(failure) if failure is not None else None,
        duration_seconds=t.duration.total_seconds() if t.duration is not None else None,
    )


def _report(study: Study, ostudy: optuna.Study, stop_reason: str) -> Report:
    trials = sorted(ostudy.get_trials(deepcopy=False), key=lambda t: t.number)
    by_state = {s: sum(t.state == s for t in trials) for s in _FINISHED}
    n_finished = sum(by_state.values())
    report = Report(
        study_id=study.id,
        study_name=ostudy.study_name,
        direction=study.direction,
        n_trials=study.n_trials,
        n_finished=n_finished,
        n_complete=by_state[TrialState.COMPLETE],
        n_pruned=by_state[TrialState.PRUNED],
        n_failed=by_state[TrialState.FAIL],
        partial=n_finished < study.n_trials,
        stop_reason=stop_reason,
        trials=[_record(study, t) for t in trials],
    )
    if report.n_complete:
        best = ostudy.best_trial
        report.best_number = best.number
        report.best_value = best.value
        report.best_model_params, report.best_train_params = nest(study, *flat_from_optuna(study, best.params))
    return report


def optimize(
    study: Study,
    objective: Objective,
    *,
    split: Any = None,
    storage: Any = None,
    study_name: str | None = None,
    n_jobs: int | None = None,
) -> Report:
    """Run `study` (one IR study) with `objective(model_params, train_params, split) -> float`.

    `storage` (an Optuna storage or URL) and `study_name` override the IR's `storage`; `n_jobs`
    overrides the IR's. Returns the `Report`; raises `StudyFailed` (with `.report`) when the
    failure policy stops the study or no trial completed.
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

    def run_trial(trial: optuna.Trial) -> float:
        try:
            flat_model, flat_train = suggest_flat(trial, study)
            model, train = nest(study, flat_model, flat_train)
            return _check_value(objective(model, train, split))
        except optuna.TrialPruned:
            raise
        except BaseException as exc:
            trial.set_user_attr(FAILURE_ATTR, {"type": type(exc).__name__, "message": str(exc)})
            raise

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
            run_trial,
            n_trials=end - done,
            timeout=timeout,
            n_jobs=study.n_jobs if n_jobs is None else n_jobs,
            catch=(Exception,),
            callbacks=[policy],
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
    report = _report(study, ostudy, stop_reason)
    if policy.violation is not None:
        raise StudyFailed(f"study {study.id!r} stopped by its failure policy: {policy.violation}", report)
    if report.n_complete == 0:
        what = "every trial failed" if report.n_failed == report.n_finished and report.n_finished else "no trial completed"
        raise StudyFailed(
            f"study {study.id!r}: {what} ({report.n_failed} failed, {report.n_pruned} pruned of {report.n_finished} finished)",
            report,
        )
    return report
