"""Run one IR study on Optuna with a plain-callable objective.

`optimize(study_ir, objective)` where `objective(model_params, train_params, split) -> float`.
How many trials run and when the study stops (storage, resume, forced trials, phases, `n_trials`,
timeout, failure policy) is `ftspec.runtime.engine`'s; this module is what one trial computes and
what the report says:

- a trial whose objective raises is recorded as FAIL with the exception's type and message (user
  attribute `ftspec:failure`), never as a score; a NaN or non-numeric return is a failure too;
- the failure policy stops the study with `StudyFailed` (carrying the `Report`) after
  `max_consecutive_failures` failures in a row, or when failed / finished trials exceeds
  `max_failure_ratio` (checked after every finished trial, over the whole study);
- a study with no completed trial (every trial failed or was pruned, or none ran) is a
  `StudyFailed` error, not a result;
- a study that stops before `n_trials` is reported `partial` with its `stop_reason`.

`split` is a placeholder: it is passed as is (default None) as the objective's third argument;
data splitting and estimator adapters are not implemented here.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import optuna
from optuna.trial import TrialState

from ftspec.ir import Study
from ftspec.runtime.engine import FINISHED, open_study, run
from ftspec.runtime.space import flat_from_optuna, nest, suggest_flat

__all__ = ["optimize", "Report", "TrialRecord", "StudyFailed", "FAILURE_ATTR"]

FAILURE_ATTR = "ftspec:failure"

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
    by_state = {s: sum(t.state == s for t in trials) for s in FINISHED}
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
    ostudy = open_study(study, storage=storage, study_name=study_name)

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

    outcome = run(study, ostudy, run_trial, n_jobs=n_jobs)
    report = _report(study, ostudy, outcome.stop_reason)
    if outcome.violation is not None:
        raise StudyFailed(f"study {study.id!r} stopped by its failure policy: {outcome.violation}", report)
    if report.n_complete == 0:
        what = "every trial failed" if report.n_failed == report.n_finished and report.n_finished else "no trial completed"
        raise StudyFailed(
            f"study {study.id!r}: {what} ({report.n_failed} failed, {report.n_pruned} pruned of {report.n_finished} finished)",
            report,
        )
    return report
