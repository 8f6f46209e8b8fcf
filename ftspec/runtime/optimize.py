"""Run one IR study on Optuna: what each trial computes, and what the report says.

`optimize(study_ir, objective, data=None, ...)` where `objective` is an adapter
(`ftspec.runtime.adapters`) or a plain callable `f(model_params, train_params, split) -> float`.
How many trials run and when the study stops (storage, resume, forced trials, phases, `n_trials`,
timeout, failure policy) is `ftspec.runtime.engine`'s.

Splits (what a trial is scored on):

- no data and no folds (plain callable only): the callable is called once per trial with `split`
  as given (default None), whatever the approach;
- `single`: one holdout of the data, `study.validation.holdout_fraction` of the rows held out with
  its seed (`ShuffleSplit`, or `GroupShuffleSplit` when the data has groups); `folds` are refused;
- `grouped` / `individual`: the folds given (`folds=[(train_idx, valid_idx), ...]` or a splitter
  object), else the pipeline's splitter step (class allowlisted, built with its params, given the
  groups), else a clear error before any trial.

A trial's value is its fold scores aggregated by `eval_mode`, as its entry of the eval-mode
registry (`ftspec.schema.vocab.EVAL_MODES`, read by `metrics.aggregate`) defines it, with that
entry's failed-fold rule (`_trial_fn`); one value per objective, each in its own direction.
`individual` runs one Optuna study per fold (name suffixed `:fold<k>`), each trial scored on its
fold only; the report lists one sub-report per fold in `folds`.

Several objectives (`study.objectives` of more than one): a fold's value is one score per objective
(a callable returns a list), each objective aggregated over the folds in its own direction; the
Optuna study has `directions`; no intermediate value is reported (Optuna cannot prune them); the
report lists the Pareto front (`pareto_front`) and the refit takes the front's best on
`select.objective` (`select_from_front`).

Failures: under a v2 eval mode a fold whose objective raises, or scores NaN, inf or not a
number, fails the trial (FAIL, user attribute `ftspec:failure` = `{type, message, fold}`), never a
score; under a `nirs4all_*` mode it scores the worst value and is listed in `ftspec:failed_folds`. The failure policy, or a study with no completed trial, raises `StudyFailed`
(carrying the `Report`).

Final fit: after the study, the adapter refits on the whole data with the best trial's nested
params (model and train); the report's `final` shows the model step's `get_params()`. For
`individual`, each fold's sub-report has its own final fit (whole data, that fold's best params).
A plain callable has no final fit.

Warm start (`warm_start=Report | dict | path to a report JSON`): the previous report's best trial
(`warm_start_trials="best"`), or every complete trial best first (`"complete"`), and those of its
folds, are enqueued after the IR's `force_params` and before sampling, by the process that creates
the study only (as `force_params`), with `skip_if_exists` (no duplicate of a forced trial).
"""

from __future__ import annotations

import json
import math
import numbers
import platform
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import optuna
from optuna.trial import TrialState

import ftspec
from ftspec.ir import Study, ir_to_dict, selected_index
from ftspec.runtime.adapters import DEFAULT_ALLOWED_MODULES, Adapter, CallableAdapter, TrialContext, build_splitter, jsonable
from ftspec.runtime.build import RuntimeSpecError
from ftspec.runtime.cache import FitCache, Timings, cache_limit_bytes
from ftspec.runtime.data import Dataset, Split, as_dataset, default_dataset, folds_from, holdout_split
from ftspec.runtime import engine
from ftspec.runtime.engine import FINISHED, counted_trials, open_study, run
from ftspec.runtime.metrics import aggregate, get_metric, task_metric, worst_value
from ftspec.schema.vocab import EVAL_MODES, PRUNERS
from ftspec.runtime.space import expand_forced, flat_from_optuna, nest, suggest_flat

__all__ = ["optimize", "Report", "TrialRecord", "StudyFailed", "StudyInterrupted", "TrialTimeout", "FAILURE_ATTR", "FOLDS_ATTR", "FAILED_FOLDS_ATTR",
           "INTERRUPTED_ATTR", "warm_start_params", "versions", "select_from_front"]

FAILURE_ATTR = engine.FAILURE_ATTR
FOLDS_ATTR = engine.FOLDS_ATTR
FAILED_FOLDS_ATTR = engine.FAILED_FOLDS_ATTR
INTERRUPTED_ATTR = engine.INTERRUPTED_ATTR
"""Set on the trial a KeyboardInterrupt/SystemExit stopped: not a result, replaced by a retry (the engine's)."""

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
    """The aggregate of `fold_scores` (COMPLETE trials only); with several objectives, the first objective's."""
    failure: dict[str, str] | None
    """`{type, message}` of the exception for a failed trial, else None."""
    duration_seconds: float | None
    fold_scores: list[float] | None = None
    """The metric on each split, in split order (last reported step for a pruned trial; None if unknown)."""
    intermediate: list[list[float]] = field(default_factory=list)
    """`[step, value]` pairs reported with `trial.report` (fold index under `grouped`, epoch for an incremental adapter), by step."""
    failed_folds: list[dict[str, Any]] = field(default_factory=list)
    """`{type, message, fold}` of each fold scored as the worst value under a `worst`-rule eval mode."""
    values: list[float] | None = None
    """The value of each objective, in the IR's order (COMPLETE trials only); with several objectives each
    entry of `fold_scores` is a list of one score per objective too."""


@dataclass
class Report:
    """What a study did: every trial, counts, the best trial, the final fit, and what produced them."""

    study_id: str
    study_name: str
    direction: str
    """The direction of `metric`."""
    n_trials: int
    """The study's target of finished trials (for `individual`: per fold, times the folds)."""
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
    """The best trial (one objective), or the Pareto front member `select` picked (several): the refitted one."""
    best_value: float | None = None
    """Its value on `metric`."""
    best_model_params: dict[str, Any] | None = None
    """Nested model parameters of the best trial, fixed values merged."""
    best_train_params: dict[str, Any] | None = None
    """Nested train parameters of the best trial, fixed values merged."""
    metric: str = ""
    """The metric of the objective the best trial is chosen on (`select.objective`; the only one for one objective)."""
    approach: str = ""
    eval_mode: str = ""
    best_fold_scores: list[float] | None = None
    splits: list[dict[str, int]] = field(default_factory=list)
    """`{fold, n_train, n_valid}` of each split the trials were scored on (empty without data)."""
    dataset: dict[str, Any] | None = None
    """`Dataset.summary()` of the data (None without data)."""
    final: dict[str, Any] | None = None
    """`FinalFit.to_dict()`: class path, effective `get_params()`, train params, rows; None if no final fit."""
    folds: list["Report"] = field(default_factory=list)
    """`individual`: one sub-report per fold (own trials, best and final fit); empty otherwise."""
    timing: dict[str, Any] | None = None
    """Seconds summed over this process's trials: `sampler_seconds` (suggest calls), `transform_fit_seconds`,
    `model_fit_seconds`, `score_seconds` (predict + metric), and `trials` timed."""
    cache: dict[str, Any] | None = None
    """The fitted-prefix cache of the run (`FitCache.summary()`: hits, misses, peak_mb, limit_mb, notes...); None for a plain callable."""
    versions: dict[str, str] | None = None
    ir: dict[str, Any] | None = None
    """The study's IR (`ir_to_dict`)."""
    final_estimator: Any = field(default=None, repr=False, compare=False)
    """The fitted final estimator (not serialised)."""
    tracking: dict[str, Any] | None = None
    """`{mlflow: {tracking_uri, experiment, experiment_id, parent_run_id, errors}}` when the study was tracked (ftspec.runtime.tracking)."""
    objectives: list[dict[str, str]] = field(default_factory=list)
    """`{metric, direction}` of each objective, in the IR's order."""
    pareto_front: list[dict[str, Any]] = field(default_factory=list)
    """Several objectives: `{number, values}` of every trial on the Pareto front (Optuna's `study.best_trials`: the
    complete trials no other complete trial dominates), by number; empty for one objective."""
    select: dict[str, Any] | None = None
    """The refit rule and its pick: `{objective, direction, number}`, the front member best on `objective`
    (ties: the lowest number) whose params are `best_*` and were refitted; for one objective, the best trial."""
    best_values: list[float] | None = None
    """The selected trial's value on every objective."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (tuples become lists, non-finite floats strings; no `final_estimator`)."""
        plain = replace(self, final_estimator=None, folds=[])
        out = asdict(plain)
        del out["final_estimator"]
        out["folds"] = [f.to_dict() for f in self.folds]
        return jsonable(out)


class StudyFailed(RuntimeError):
    """The study did not produce a result (failure policy, or no completed trial); `report` says what happened."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


def versions() -> dict[str, str]:
    """Versions of what ran the study, from package metadata: nothing is imported for it (importing
    scikit-learn only to read its version cost every worker ~1 s of start-up with a plain callable)."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "not installed"

    return {"ftspec": ftspec.__version__, "optuna": optuna.__version__, "sklearn": installed("scikit-learn"),
            "numpy": np.__version__, "python": platform.python_version()}


def _check_value(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"the objective returned {type(value).__name__} {value!r}, not a number")
    result = float(value)
    if math.isnan(result):
        raise ValueError("the objective returned NaN")
    return result


def _record(study: Study, t: optuna.trial.FrozenTrial, n_splits: int) -> TrialRecord:
    model, train = flat_from_optuna(study, t.params)
    failure = t.user_attrs.get(FAILURE_ATTR)
    if t.state == TrialState.FAIL and failure is None:
        failure = {"type": "Unknown", "message": "the trial failed outside the objective"}
    folds = t.user_attrs.get(FOLDS_ATTR)
    values = list(t.values) if t.state == TrialState.COMPLETE and t.values is not None else None
    several = len(study.objectives) > 1
    if folds is None and n_splits == 1 and values is not None:
        folds = [values if several else values[0]]
    return TrialRecord(
        number=t.number,
        state=t.state.name,
        model_params=model,
        train_params=train,
        value=values[0] if values is not None else None,
        values=values,
        failure=dict(failure) if failure is not None else None,
        duration_seconds=t.duration.total_seconds() if t.duration is not None else None,
        fold_scores=list(folds) if folds is not None else None,
        intermediate=[[step, value] for step, value in sorted(t.intermediate_values.items())],
        failed_folds=[dict(f) for f in t.user_attrs.get(FAILED_FOLDS_ATTR, ())],
    )


def _split_summary(splits: Sequence[Any]) -> list[dict[str, int]]:
    return [{"fold": s.index, "n_train": int(len(s.train)), "n_valid": int(len(s.valid))} for s in splits if isinstance(s, Split)]


def _report(study: Study, ostudy: optuna.Study, stop_reason: str, splits: Sequence[Any]) -> Report:
    trials = counted_trials(ostudy)  # without surplus trials and stale attempts replaced by a retry
    by_state = {s: sum(t.state == s for t in trials) for s in FINISHED}
    n_finished = sum(by_state.values())
    k = selected_index(study)
    chosen = study.objectives[k]
    report = Report(
        study_id=study.id,
        study_name=ostudy.study_name,
        direction=chosen.direction,
        n_trials=study.n_trials,
        n_finished=n_finished,
        n_complete=by_state[TrialState.COMPLETE],
        n_pruned=by_state[TrialState.PRUNED],
        n_failed=by_state[TrialState.FAIL],
        partial=n_finished < study.n_trials,
        stop_reason=stop_reason,
        trials=[_record(study, t, len(splits)) for t in trials],
        metric=chosen.metric,
        approach=study.approach,
        eval_mode=study.eval_mode,
        splits=_split_summary(splits),
        objectives=_objectives(study),
    )
    if report.n_complete:
        if len(study.objectives) > 1:
            front = sorted(ostudy.best_trials, key=lambda t: t.number)
            report.pareto_front = [{"number": t.number, "values": list(t.values)} for t in front]
            best = select_from_front(front, k, chosen.direction)
        else:
            best = ostudy.best_trial
        report.best_number = best.number
        report.best_value = best.values[k]
        report.best_values = list(best.values)
        report.select = {"objective": chosen.metric, "direction": chosen.direction, "number": best.number}
        report.best_fold_scores = report.trials[[t.number for t in report.trials].index(best.number)].fold_scores
        report.best_model_params, report.best_train_params = nest(study, *flat_from_optuna(study, best.params))
    return report


def _objectives(study: Study) -> list[dict[str, str]]:
    return [{"metric": o.metric, "direction": o.direction} for o in study.objectives]


def select_from_front(front: Sequence[optuna.trial.FrozenTrial], index: int, direction: str) -> optuna.trial.FrozenTrial:
    """The refit rule: the front member best on objective `index` (min minimising, max maximising),
    the lowest trial number among equals."""
    sign = 1.0 if direction == "minimize" else -1.0
    return min(front, key=lambda t: (sign * t.values[index], t.number))


def _load_report(source: Any) -> dict[str, Any]:
    if isinstance(source, Report):
        return source.to_dict()
    if isinstance(source, dict):
        return source
    if isinstance(source, (str, Path)):
        try:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        except OSError as exc:
            raise RuntimeSpecError(f"warm start: cannot read {source}: {exc.strerror or exc}") from None
        except json.JSONDecodeError as exc:
            raise RuntimeSpecError(f"warm start: {source} is not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise RuntimeSpecError(f"warm start: {source} is not a report (a JSON object)")
        return data
    raise RuntimeSpecError(f"warm start must be a Report, a dict or a path, not {type(source).__name__}")


def warm_start_params(source: Any, trials: str = "best") -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The `(model, train)` flat params to enqueue from a previous report (and its folds), in order, deduplicated."""
    if trials not in ("best", "complete"):
        raise RuntimeSpecError(f"warm_start_trials must be 'best' or 'complete', not {trials!r}")
    root = _load_report(source)
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for report in [root, *(root.get("folds") or [])]:
        records = [t for t in report.get("trials") or [] if isinstance(t, dict) and t.get("state") == "COMPLETE"]
        if trials == "best":
            records = [t for t in records if t.get("number") == report.get("best_number")]
        else:
            records.sort(key=lambda t: t["value"], reverse=report.get("direction") == "maximize")
        for t in records:
            pair = (dict(t.get("model_params") or {}), dict(t.get("train_params") or {}))
            if pair not in out:
                out.append(pair)
    return out


def _splits(study: Study, data: Dataset | None, folds: Any, split: Any, allow_modules: Iterable[str]) -> list[Any]:
    if data is None and folds is None:
        return [split]
    if study.approach == "single":
        if folds is not None:
            raise RuntimeSpecError(f"study {study.id!r}: approach 'single' scores on a holdout from its validation; folds are for 'grouped' or 'individual'")
        if data is None:
            raise RuntimeSpecError(f"study {study.id!r}: approach 'single' needs data to hold out")
        if study.validation is None:
            raise RuntimeSpecError(f"study {study.id!r}: approach 'single' needs validation (holdout_fraction, seed)")
        return [holdout_split(data, study.validation.holdout_fraction, study.validation.seed)]
    if folds is None:
        pipeline = getattr(study, "pipeline", None)
        step = getattr(pipeline, "splitter", None)
        if step is None:
            raise RuntimeSpecError(
                f"study {study.id!r}: approach {study.approach!r} scores on folds, but there are none: "
                "give folds=[(train_idx, valid_idx), ...] (or a splitter), or put a splitter step in the pipeline"
            )
        folds = build_splitter(step, allow_modules)
    return folds_from(folds, data)


class FoldFailed(Exception):
    """A fold of a trial failed under the `fail_trial` rule: the trial fails with the fold's exception."""

    def __init__(self, fold: int | None, exc: BaseException) -> None:
        super().__init__(_one_line(exc))
        self.fold = fold
        self.cause = exc


class TrialTimeout(Exception):
    """A trial ran past the study's `trial_timeout_seconds`: it fails (FAIL, failure type `TrialTimeout`,
    the fold that ended past the limit) and the study goes on.

    The limit is checked after each fold, in the trial's own thread: the fold that crosses it finishes
    first (a fold is never interrupted: the objective runs in an Optuna worker thread, and a thread
    cannot be stopped safely from outside in-process). An adapter that scores every fold in one call
    (`reports_steps`) is checked after that call."""


def _past_deadline(study: Study, began: float, fold: int | None, index: int, n_folds: int) -> None:
    limit = study.trial_timeout_seconds
    if limit is None:
        return
    spent = time.perf_counter() - began
    if spent > limit:
        raise FoldFailed(fold, TrialTimeout(f"the trial ran {spent:.3g} s, past trial_timeout_seconds={limit:g}, "
                                            f"after fold {index + 1} of {n_folds}"))


def _one_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def _failure(exc: BaseException, fold: int | None) -> dict[str, Any]:
    return {"type": type(exc).__name__, "message": _one_line(exc), "fold": fold}


def _fold_value(value: Any) -> float:
    """A fold's score as a float; TypeError for what is not a number (a failed fold under either rule)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"the objective returned {type(value).__name__} {value!r}, not a number")
    return float(value)


def _fold_values(value: Any, n: int) -> list[float]:
    """A fold's scores on `n` objectives (a sequence of `n` numbers); TypeError / ValueError otherwise."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) and not isinstance(value, np.ndarray):
        raise TypeError(f"the objective returned {type(value).__name__} {value!r}, not a list of {n} numbers (one per objective)")
    values = [_fold_value(v) for v in value]
    if len(values) != n:
        raise ValueError(f"the objective returned {len(values)} value(s) for {n} objectives")
    return values


def _trial_fn(study: Study, adapter: Adapter, splits: Sequence[Any], agg: Callable[[Sequence[float]], float],
              cache: FitCache | None = None, timings: Timings | None = None) -> Callable[[optuna.Trial], float]:
    """What one trial computes: the fold scores (failed-fold rule of the eval mode), the intermediate
    values the pruner reads, and the aggregate.

    Under `grouped` the trial scores one fold after another; when the pruner reads intermediate
    values (its registry entry), the running aggregate of the folds so far is reported at step =
    fold index and the pruner asked after each fold, the last included (as nirs4all 1.4.10 does).
    A failed fold (an exception, or a score that is NaN, infinite or not a number) follows the eval
    mode's rule: `fail_trial` stops the trial at that fold (FAIL, `{type, message, fold}`);
    `worst` scores it +-inf and goes on, with no report for a fold that raised (nirs4all reports
    inside its try block) and a report for a non-finite score. Adapters that train in steps
    (`reports_steps`) report per epoch themselves.
    """
    metrics = [get_metric(o.metric) for o in study.objectives]
    metric = task_metric(study)
    n_obj = len(metrics)
    mode = EVAL_MODES[study.eval_mode]
    worst_rule = mode.failed_folds == "worst"
    worst: Any = worst_value(study.objectives[0].direction) if n_obj == 1 else [worst_value(o.direction) for o in study.objectives]
    aggs = [aggregate(study.eval_mode, o.direction, o.eval_quantile) for o in study.objectives]
    # Intermediate values only for one objective: Optuna's Trial.report raises for several.
    report_folds = study.approach == "grouped" and PRUNERS[study.pruner.kind].intermediate and not adapter.reports_steps and n_obj == 1
    read = _fold_value if n_obj == 1 else (lambda value: _fold_values(value, n_obj))

    def finite(value: Any) -> bool:
        return math.isfinite(value) if n_obj == 1 else all(math.isfinite(v) for v in value)

    def combine(scores: list[Any]) -> Any:
        if n_obj == 1:
            return agg(scores)
        return [aggs[i]([s[i] for s in scores]) for i in range(n_obj)]

    def fold_scores(model: dict, train: dict, ctx: TrialContext, failed: list[dict[str, Any]], began: float) -> list[Any]:
        scores: list[Any] = []
        for index, split in enumerate(splits):
            fold = split.index if isinstance(split, Split) else (index if len(splits) > 1 else None)
            try:
                value = read(adapter.score_fold(model, train, split, ctx))
            except optuna.TrialPruned:
                raise
            except Exception as exc:
                if not worst_rule:
                    raise FoldFailed(fold, exc) from exc
                failed.append(_failure(exc, fold))
                scores.append(worst)
                _past_deadline(study, began, fold, index, len(splits))
                continue  # not reported: nirs4all reports inside the try that the exception left
            if not finite(value):
                problem = ValueError(f"the fold scored {value}")
                if not worst_rule:
                    raise FoldFailed(fold, problem)
                failed.append(_failure(problem, fold))
                value = worst
            scores.append(value)
            if report_folds:
                ctx.report(index, scores)
            _past_deadline(study, began, fold, index, len(splits))  # after the pruner's look: a pruned trial stays pruned
        return scores

    def run_trial(trial: optuna.Trial) -> Any:
        ctx = TrialContext(metric, agg, trial, cache, metrics=metrics)
        failed: list[dict[str, Any]] = []
        sampled = began = time.perf_counter()
        try:
            flat_model, flat_train = suggest_flat(trial, study)
            sampled = time.perf_counter()
            model, train = nest(study, flat_model, flat_train)
            if adapter.reports_steps:
                scores = [_check_value(v) if n_obj == 1 else [_check_value(x) for x in _fold_values(v, n_obj)]
                          for v in adapter.scores(model, train, splits, ctx)]
                if len(scores) != len(splits):
                    raise ValueError(f"the adapter returned {len(scores)} scores for {len(splits)} splits")
                _past_deadline(study, began, None, len(splits) - 1, len(splits))
            else:
                scores = fold_scores(model, train, ctx, failed, began)
            if len(scores) > 1:  # one split: the fold score is the value (one storage write less per trial)
                trial.set_user_attr(FOLDS_ATTR, scores)
            if failed:
                trial.set_user_attr(FAILED_FOLDS_ATTR, failed)
            value = combine(scores)
            if worst_rule:
                return value
            return _check_value(value) if n_obj == 1 else [_check_value(v) for v in value]
        except optuna.TrialPruned:
            if ctx.steps:
                trial.set_user_attr(FOLDS_ATTR, ctx.steps[-1])
            if failed:
                trial.set_user_attr(FAILED_FOLDS_ATTR, failed)
            raise
        except FoldFailed as exc:
            trial.set_user_attr(FAILURE_ATTR, _failure(exc.cause, exc.fold))
            raise exc.cause from None
        except BaseException as exc:  # a KeyboardInterrupt is marked interrupted by the engine's batch
            trial.set_user_attr(FAILURE_ATTR, _failure(exc, None))
            raise
        finally:
            if timings is not None:
                timings.add(sampled - began, ctx)

    return run_trial


def _one_study(study: Study, adapter: Adapter, splits: Sequence[Any], data: Dataset | None, *, storage: Any, study_name: str | None,
               n_jobs: int | None, warm: list[tuple[dict[str, Any], dict[str, Any]]], final_fit: bool,
               callbacks: Sequence[Any] = (), cache: FitCache | None = None, tracking: Any = None) -> Report:
    ostudy = open_study(study, storage=storage, study_name=study_name)
    # Like force_params, only the process that created the study enqueues the warm start (creation
    # is atomic in every storage), so workers starting together, or a resume, never run them twice.
    if engine.created_here(ostudy):
        for model, train in warm:
            ostudy.enqueue_trial(expand_forced(study, model, train), skip_if_exists=True)
    first = study.objectives[0]
    agg = aggregate(study.eval_mode, first.direction, first.eval_quantile)
    timings = Timings()
    trial_fn = _trial_fn(study, adapter, splits, agg, cache, timings)
    if tracking is not None:  # ftspec.runtime.tracking: the parent run now, a child run per trial
        trial_fn, callbacks = tracking.start(study, ostudy, trial_fn), [*callbacks, tracking]
    try:
        outcome = run(study, ostudy, trial_fn, n_jobs=n_jobs, callbacks=list(callbacks))
    except KeyboardInterrupt:
        raise _interrupted(study, ostudy, splits, data) from None
    try:  # the report and the final refit: an interrupt there still ends with the partial report
        report = _report(study, ostudy, outcome.stop_reason, splits)
        report.timing = timings.to_dict()
        if data is not None:
            report.dataset = data.summary()
        if outcome.violation is not None:
            raise StudyFailed(f"study {study.id!r} stopped by its failure policy: {outcome.violation}", report)
        if report.n_complete and not math.isfinite(report.best_value):  # type: ignore[arg-type]
            # Only a worst-rule (nirs4all_*) mode completes a trial without a finite value: every one of them had failed folds.
            raise StudyFailed(f"study {study.id!r}: no trial has a finite value ({report.n_complete} complete trial(s) scored "
                              f"{report.best_value}: their folds failed, see failed_folds)", report)
        if report.n_complete == 0:
            what = "every trial failed" if report.n_failed == report.n_finished and report.n_finished else "no trial completed"
            raise StudyFailed(
                f"study {study.id!r}: {what} ({report.n_failed} failed, {report.n_pruned} pruned of {report.n_finished} finished)",
                report,
            )
        if final_fit and data is not None:
            assert report.best_model_params is not None and report.best_train_params is not None
            try:
                fitted = adapter.fit_final(report.best_model_params, report.best_train_params, data)
            except Exception as exc:
                raise StudyFailed(f"study {study.id!r}: the final fit with the best params failed: {type(exc).__name__}: {exc}", report) from exc
            if fitted is not None:
                report.final = fitted.to_dict()
                report.final_estimator = fitted.estimator
    except KeyboardInterrupt:
        raise _interrupted(study, ostudy, splits, data) from None
    return report


def _tracked_study(study: Study, adapter: Adapter, splits: Sequence[Any], data: Dataset | None, *, tracking: Any = None, **runs: Any) -> Report:
    """`_one_study`, then the tracker's end of the study (final model, status), whether it succeeded or not."""
    if tracking is None:
        return _one_study(study, adapter, splits, data, **runs)
    try:
        report = _one_study(study, adapter, splits, data, tracking=tracking, **runs)
    except StudyFailed as exc:
        tracking.finish(exc.report, data, error=str(exc))
        raise
    except KeyboardInterrupt:
        tracking.interrupted()
        raise
    tracking.finish(report, data)
    return report


def _combine(study: Study, name: str, folds: list[Report], n_folds: int) -> Report:
    reasons = [f.stop_reason for f in folds if f.stop_reason != "n_trials"]
    if len(folds) < n_folds and not reasons:
        reasons = ["timeout"]  # the only way folds are left unstarted
    return Report(
        study_id=study.id, study_name=name, direction=study.objectives[selected_index(study)].direction, n_trials=study.n_trials * n_folds,
        n_finished=sum(f.n_finished for f in folds), n_complete=sum(f.n_complete for f in folds),
        n_pruned=sum(f.n_pruned for f in folds), n_failed=sum(f.n_failed for f in folds),
        partial=len(folds) < n_folds or any(f.partial for f in folds), stop_reason=reasons[0] if reasons else "n_trials",
        metric=study.objectives[selected_index(study)].metric,
        approach=study.approach, eval_mode=study.eval_mode, objectives=_objectives(study),
        splits=[s for f in folds for s in f.splits], dataset=folds[0].dataset if folds else None, folds=folds,
        timing=Timings.total([f.timing for f in folds if f.timing is not None]),
    )


def optimize(
    study: Study,
    objective: Adapter | Objective,
    data: Dataset | tuple | None = None,
    *,
    folds: Any = None,
    split: Any = None,
    storage: Any = None,
    study_name: str | None = None,
    n_jobs: int | None = None,
    warm_start: Any = None,
    warm_start_trials: str = "best",
    allow_modules: Iterable[str] = DEFAULT_ALLOWED_MODULES,
    final_fit: bool = True,
    callbacks: Sequence[Any] = (),
    cache_mb: float | None = None,
    tracking: Any = None,
) -> Report:
    """Run `study` (one IR study) with `objective` on `data`; see the module docstring.

    `objective`: an `Adapter`, or `f(model_params, train_params, split) -> float`. `data`: a
    `Dataset` or `(X, y[, groups])`; an sklearn adapter without data runs on the embedded default
    dataset of the metric's task. `folds`: `[(train_idx, valid_idx), ...]` or a splitter.
    `split`: what a callable gets when there is neither data nor folds. `storage` (an Optuna
    storage or URL) and `study_name` override the IR's `storage`; `n_jobs` overrides the IR's.
    `allow_modules`: module prefixes a pipeline splitter class may come from. Returns the `Report`;
    raises `StudyFailed` (with `.report`) when the failure policy stops the study, no trial
    completed, or the final fit failed; `RuntimeSpecError` / `DataError` before any trial for what
    cannot run. `callbacks`: Optuna callbacks `(study, frozen_trial)` after each finished trial
    (ftrun's progress bar). `cache_mb`: bound of the fitted-prefix cache in MiB (default: a quarter
    of the RAM; 0 disables it; see `ftspec.runtime.cache`). `tracking`: an
    `ftspec.runtime.tracking.MlflowTracker`; default: one when the IR's `tracking` is set (MLflow
    must be installed).
    """
    adapter = objective if isinstance(objective, Adapter) else CallableAdapter(objective)
    metric = task_metric(study)
    dataset: Dataset | None = None
    if data is not None:
        dataset = as_dataset(data, metric.task)
    elif adapter.needs_data:
        dataset = default_dataset(metric.task)
    if dataset is not None and dataset.task != metric.task:
        raise RuntimeSpecError(f"study {study.id!r}: metric {metric.name!r} is a {metric.task} metric, but the data {dataset.name!r} is {dataset.task}")
    splits = _splits(study, dataset, folds, split, allow_modules)
    adapter.check(study, dataset)
    try:
        limit = cache_limit_bytes(cache_mb)
    except ValueError as exc:
        raise RuntimeSpecError(str(exc)) from None
    cache = adapter.new_cache(study, limit)  # one per run: what it holds is this run's folds
    warm = warm_start_params(warm_start, warm_start_trials) if warm_start is not None else []
    ir = jsonable(ir_to_dict(study))
    if tracking is None and study.tracking is not None:
        from ftspec.runtime.tracking import MlflowTracker

        tracking = MlflowTracker(study)
    runs = dict(storage=storage, n_jobs=n_jobs, warm=warm, final_fit=final_fit, callbacks=callbacks, cache=cache, tracking=tracking)
    if study.approach == "individual" and isinstance(splits[0], Split):
        base = study_name if study_name is not None else (study.storage.study_name if study.storage is not None else None)
        done: list[Report] = []
        # timeout_seconds is the whole study's wall budget: each fold's study gets what is left, and
        # folds not started when it runs out are not run (the report is partial, stop_reason timeout).
        deadline = None if study.timeout_seconds is None else time.monotonic() + study.timeout_seconds
        for s in splits:
            name = f"{base}:fold{s.index}" if base is not None else None
            fold_study = study
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                fold_study = replace(study, timeout_seconds=left)
            try:
                done.append(_tracked_study(fold_study, adapter, [s], dataset, study_name=name, **runs))
            except StudyFailed as exc:
                report = _combine(study, base or study.id, [*done, exc.report], len(splits))
                report.versions, report.ir, report.cache = versions(), ir, cache.summary() if cache is not None else None
                raise StudyFailed(f"fold {s.index}: {exc}", report) from exc
            except StudyInterrupted as exc:
                exc.report = _combine(study, base or study.id, [*done, exc.report], len(splits))
                exc.report.versions, exc.report.ir = versions(), ir
                raise
        report = _combine(study, base or study.id, done, len(splits))
    else:
        try:
            report = _tracked_study(study, adapter, splits, dataset, study_name=study_name, **runs)
        except (StudyFailed, StudyInterrupted) as exc:
            exc.report.versions, exc.report.ir, exc.report.cache = versions(), ir, cache.summary() if cache is not None else None
            raise
    report.versions, report.ir, report.cache = versions(), ir, cache.summary() if cache is not None else None
    return report


# ----------------------------------------------------------------------------- interrupts (ftrun's SIGINT/SIGTERM)


class StudyInterrupted(KeyboardInterrupt):
    """A KeyboardInterrupt stopped the study (still one, so `except Exception` never swallows it);
    `report` is the partial report: the finished trials, without the interrupted one, which the
    engine re-queued (same params) for a resumed study to run in its budget slot."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


def _interrupted(study: Study, ostudy: optuna.Study, splits: Sequence[Any], data: Dataset | None) -> StudyInterrupted:
    report = _report(study, ostudy, "interrupted", splits)
    if data is not None:
        report.dataset = data.summary()
    return StudyInterrupted(f"study {study.id!r} interrupted", report)
