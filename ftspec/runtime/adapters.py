"""Objective adapters: what one trial computes on its folds, and the final fit.

An adapter gets a trial's nested `(model_params, train_params)` and the trial's splits, and returns
one metric value per split (`scores`); `optimize` aggregates them by the study's `eval_mode`.

- `CallableAdapter(f)`: `f(model_params, train_params, split) -> float` for any framework; called
  once per split (with `split=None` semantics kept when there is no data, see `optimize`).
- `SklearnAdapter(model, params, transforms=..., y_processing=...)`: a scikit-learn estimator
  built from a class path and fixed params. Transformer steps come before the model in a
  `sklearn.pipeline.Pipeline` (steps `transform0`, `transform1`, ..., `model`); `y_processing`
  wraps it in `sklearn.compose.TransformedTargetRegressor`, whose `predict` inverse-transforms, so
  predictions are scored in the original y units. Model params: the step's params, overridden by
  the study's fixed and sampled model values. Train params: every one is passed to `fit` as a
  keyword (routed to the model step as `model__name` in a Pipeline); names the estimator's `fit`
  does not accept are refused up front. A trial makes the calls that Pipeline would make
  (`fit_transform` of each transform on the training rows, `transform` of the validation rows, the
  model's `fit` on the result), with the deterministic transform prefix taken from the run's
  `FitCache` (`ftspec.runtime.cache`): fitted once per split, not once per trial.
- `IncrementalAdapter`: the same estimator trained in steps: train param `epochs` (required) is the
  number of `partial_fit` passes, every other train param goes to each `partial_fit` call.
  Transformers are fitted once per fold on the fold's training rows, and the y transformer too.
  All folds advance together; after each epoch the aggregate of the fold scores is reported with
  `trial.report(value, epoch)`, and `optuna.TrialPruned` is raised when `trial.should_prune()`.

Safety: a class path is imported only when its module is one of `allow_modules` (default
`sklearn`) or inside one (`sklearn.linear_model`), checked on the text before anything is
imported; the imported object must be a class whose own `__module__` is allowed too (a re-export
of e.g. `subprocess.Popen` from an allowed module is refused). Nothing else in a config is ever
imported or executed.
"""

from __future__ import annotations

import importlib
import inspect
import math
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ftspec.ir import Study
from ftspec.runtime.build import RuntimeSpecError
from ftspec.runtime.cache import FitCache, fixed_transform_prefix, nondeterministic_params, params_key
from ftspec.runtime.data import Dataset, Split
from ftspec.runtime.metrics import get_metric, score, task_metric
from ftspec.schema.metrics import Metric

__all__ = [
    "DEFAULT_ALLOWED_MODULES",
    "UnsafeClassError",
    "import_class",
    "TrialContext",
    "Adapter",
    "FinalFit",
    "CallableAdapter",
    "SklearnAdapter",
    "IncrementalAdapter",
    "build_splitter",
    "adapter_from_study",
    "jsonable",
]

DEFAULT_ALLOWED_MODULES: tuple[str, ...] = ("sklearn",)

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")

StepLike = Any  # a (class_path, params) pair or an ftspec.ir.StepSpec


class UnsafeClassError(RuntimeSpecError):
    """A class path outside the allowlist (or not a class): refused before anything is imported."""


def _allowed(module: str, allow_modules: Iterable[str]) -> bool:
    for prefix in allow_modules:
        prefix = prefix.rstrip(".")
        if prefix and (module == prefix or module.startswith(prefix + ".")):
            return True
    return False


def import_class(path: str, allow_modules: Iterable[str] = DEFAULT_ALLOWED_MODULES, *, what: str = "class") -> type:
    """Import the class at dotted `path`, only if its module is allowed (checked before importing)."""
    allow = tuple(allow_modules)
    if not isinstance(path, str) or not _DOTTED.match(path):
        raise UnsafeClassError(f"{what} {path!r} is not a dotted class path like 'sklearn.linear_model.Ridge'")
    module_name, _, attr = path.rpartition(".")
    if any(part.startswith("__") for part in path.split(".")):
        raise UnsafeClassError(f"{what} {path!r} refused: dunder names are never imported")
    if not _allowed(module_name, allow):
        raise UnsafeClassError(
            f"{what} {path!r} refused: module {module_name!r} is not in the allowed modules ({', '.join(allow) or 'none'}); "
            f"extend them (allow_modules / --allow-module) only for code you trust"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnsafeClassError(f"{what} {path!r}: cannot import module {module_name!r} ({exc})") from None
    obj = getattr(module, attr, None)
    if not isinstance(obj, type):
        raise UnsafeClassError(f"{what} {path!r}: {attr!r} is not a class of module {module_name!r}")
    if not _allowed(obj.__module__, allow):
        raise UnsafeClassError(f"{what} {path!r} refused: it is defined in {obj.__module__!r}, which is not an allowed module")
    return obj


def _step_parts(step: StepLike) -> tuple[str, dict[str, Any]]:
    if isinstance(step, (tuple, list)) and len(step) == 2:
        return str(step[0]), dict(step[1] or {})
    if hasattr(step, "class_path"):
        return str(step.class_path), dict(step.params or {})
    raise RuntimeSpecError(f"a step must be a (class_path, params) pair or a StepSpec, not {step!r}")


def jsonable(value: Any) -> Any:
    """A JSON-able copy: numpy scalars and arrays as Python values, non-finite floats as strings, others as repr."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


class TrialContext:
    """What an adapter may do during a trial: know the metric, report intermediate values (pruning)."""

    def __init__(self, metric: Metric, aggregate: Callable[[Sequence[float]], float], trial: Any = None,
                 cache: FitCache | None = None, metrics: Sequence[Metric] | None = None) -> None:
        self.metric = metric
        """The metric that decides the task and what is predicted (the first objective that scores predictions)."""
        self.metrics: list[Metric] = list(metrics) if metrics is not None else [metric]
        """One metric per objective, in order."""
        self.several = len(self.metrics) > 1
        """Several objectives: a fold's value is a list (one per objective), and nothing is reported to Optuna."""
        self.measured = self.several or any(m.scorer == "timing" for m in self.metrics)
        """Whether fold values go through `fold_value` (several objectives, or a measured time)."""
        self.aggregate = aggregate
        self.trial = trial
        self.cache = cache
        """The run's fitted-prefix cache (None: fit everything)."""
        self.steps: list[list[float]] = []
        """Fold scores after each reported step."""
        # Seconds this trial spent fitting transforms, fitting the model, predicting + scoring.
        self.t_transform = self.t_model = self.t_score = 0.0

    def report(self, step: int, fold_scores: Sequence[float]) -> float:
        """Report the aggregate of `fold_scores` at `step`; raise `optuna.TrialPruned` when the pruner says so.

        With several objectives the step is recorded but nothing is reported (Optuna's `Trial.report`
        raises for a study of several objectives): NaN is returned."""
        if self.several:
            self.steps.append([[float(v) for v in s] for s in fold_scores])  # type: ignore[union-attr]
            return math.nan
        value = self.aggregate(fold_scores)
        self.steps.append([float(s) for s in fold_scores])
        if self.trial is not None:
            import optuna

            self.trial.report(value, step)
            if self.trial.should_prune():
                raise optuna.TrialPruned(f"pruned at step {step} with value {value}")
        return value


    def fold_value(self, y_true: Any, predict: Callable[[bool], Any], classes: Any, fit_seconds: float) -> Any:
        """The fold's value on every objective: a float for one objective, a list for several.

        `predict(needs_proba)` returns the fold's predictions (labels or values, or the
        `predict_proba` matrix); each kind is computed once, labels first. `fit_seconds` is the
        measured model fit; `predict_seconds` is the time of the first prediction call (the labels'
        `predict` when a metric scores labels, else `predict_proba`), or of a `predict` made for it alone.
        """
        predictions: dict[bool, Any] = {}
        predict_seconds: float | None = None
        for m in sorted((m for m in self.metrics if m.scorer != "timing"), key=lambda m: m.needs_proba):
            if m.needs_proba not in predictions:
                began = time.perf_counter()
                predictions[m.needs_proba] = predict(m.needs_proba)
                if predict_seconds is None:
                    predict_seconds = time.perf_counter() - began
        values: list[float] = []
        for m in self.metrics:
            if m.name == "fit_seconds":
                values.append(float(fit_seconds))
            elif m.name == "predict_seconds":
                if predict_seconds is None:
                    began = time.perf_counter()
                    predict(False)
                    predict_seconds = time.perf_counter() - began
                values.append(float(predict_seconds))
            else:
                values.append(score(m, y_true, predictions[m.needs_proba], classes=classes))
        return values if self.several else values[0]


@dataclass
class FinalFit:
    """The estimator refit on the whole training data with the best params."""

    estimator: Any
    """The fitted estimator (the Pipeline / TransformedTargetRegressor when there are steps)."""
    class_path: str
    """Class of the model step."""
    params: dict[str, Any]
    """The model step's effective params: `get_params(deep=False)`, JSON-able."""
    train_params: dict[str, Any]
    """What training was given (fit keywords; `epochs` for the incremental adapter)."""
    n_samples: int
    """Rows it was fitted on."""

    def to_dict(self) -> dict[str, Any]:
        return {"class_path": self.class_path, "params": jsonable(self.params),
                "train_params": jsonable(self.train_params), "n_samples": self.n_samples}


class Adapter:
    """Base of the objective adapters (see the module docstring)."""

    needs_data: bool = True
    """Whether trials need a dataset (a default one is loaded when none is given)."""
    reports_steps: bool = False
    """True when `scores` reports intermediate values itself (per epoch); otherwise `optimize` scores
    one fold at a time with `score_fold` and reports after each fold."""

    def check(self, study: Study, data: Dataset | None) -> None:
        """Refuse, before any trial, what cannot run (e.g. a regressor for a classification metric)."""

    def score_fold(self, model_params: dict[str, Any], train_params: dict[str, Any], split: Any, ctx: TrialContext) -> float:
        """The metric value on one split."""
        raise NotImplementedError

    def scores(self, model_params: dict[str, Any], train_params: dict[str, Any], splits: Sequence[Any], ctx: TrialContext) -> list[float]:
        """One metric value per split (`score_fold` on each, in order)."""
        return [self.score_fold(model_params, train_params, split, ctx) for split in splits]

    def fit_final(self, model_params: dict[str, Any], train_params: dict[str, Any], data: Dataset) -> FinalFit | None:
        """Refit on all of `data` with the best params (None: the adapter has no model to refit)."""
        return None

    def new_cache(self, study: Study, limit_bytes: int) -> FitCache | None:
        """The fitted-prefix cache of one run (None: the adapter fits nothing worth caching)."""
        return None


class CallableAdapter(Adapter):
    """`f(model_params, train_params, split) -> float`, called once per split; no final fit."""

    needs_data = False

    def __init__(self, fn: Callable[[dict, dict, Any], float]) -> None:
        if not callable(fn):
            raise TypeError(f"the objective must be an adapter or a callable, not {type(fn).__name__}")
        self.fn = fn

    def score_fold(self, model_params: dict[str, Any], train_params: dict[str, Any], split: Any, ctx: TrialContext) -> float:
        return self.fn(model_params, train_params, split)


def _train_names(study: Study) -> list[str]:
    names = list(study.fixed.train)
    names += [e.path[0] for e in study.space if e.target == "train" and e.path[0] not in names]
    return names


def _accepts(method: Callable[..., Any], names: Iterable[str]) -> list[str]:
    params = inspect.signature(method).parameters.values()
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return []
    accepted = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return [n for n in names if n not in accepted or n in ("self", "X", "y")]


class SklearnAdapter(Adapter):
    """A scikit-learn estimator from a class path (see the module docstring)."""

    def __init__(
        self,
        model: str,
        params: Mapping[str, Any] | None = None,
        *,
        transforms: Sequence[StepLike] = (),
        y_processing: StepLike | None = None,
        allow_modules: Iterable[str] = DEFAULT_ALLOWED_MODULES,
    ) -> None:
        self.allow_modules = tuple(allow_modules)
        self.class_path = model
        self.params = dict(params or {})
        self.model_cls = import_class(model, self.allow_modules, what="model")
        if not hasattr(self.model_cls, "fit"):
            raise UnsafeClassError(f"model {model!r} is not an estimator (no fit method)")
        self.transforms: list[tuple[str, type, dict[str, Any]]] = []
        for step in transforms:
            path, step_params = _step_parts(step)
            cls = import_class(path, self.allow_modules, what="transform")
            if not (hasattr(cls, "fit") and hasattr(cls, "transform")):
                raise UnsafeClassError(f"transform {path!r} is not a transformer (no fit/transform methods)")
            self.transforms.append((path, cls, step_params))
        # Cache keys of the steps: class path and effective params (trials never change a transform's params today).
        self._step_keys = [(path, params_key(params)) for path, _, params in self.transforms]
        self.y_processing: tuple[str, type, dict[str, Any]] | None = None
        if y_processing is not None:
            path, step_params = _step_parts(y_processing)
            cls = import_class(path, self.allow_modules, what="y_processing")
            if not (hasattr(cls, "fit") and hasattr(cls, "transform") and hasattr(cls, "inverse_transform")):
                raise UnsafeClassError(f"y_processing {path!r} needs fit, transform and inverse_transform")
            self.y_processing = (path, cls, step_params)

    @classmethod
    def from_pipeline(cls, ctx: Any, *, allow_modules: Iterable[str] = DEFAULT_ALLOWED_MODULES) -> "SklearnAdapter":
        """The adapter of a study's `PipelineContext`; unsupported steps or no model step are refused."""
        if ctx is None:
            raise RuntimeSpecError("the study has no pipeline context (compile a whole pipeline, or pass an adapter)")
        if ctx.unsupported:
            lines = [f"line {u.source.line}, {u.source.pointer}: {u.reason}" for u in ctx.unsupported]
            raise RuntimeSpecError("the pipeline has steps that cannot run here:\n  " + "\n  ".join(lines))
        if ctx.model is None:
            raise RuntimeSpecError("the pipeline has no model step to tune")
        return cls(ctx.model.class_path, ctx.model.params, transforms=list(ctx.transforms),
                   y_processing=ctx.y_processing, allow_modules=allow_modules)

    # -- building -------------------------------------------------------------------------------

    def model_step(self, model_params: Mapping[str, Any]) -> Any:
        """The bare model with the step's params overridden by the trial's model params."""
        return self.model_cls(**{**self.params, **model_params})

    def _transformers(self) -> list[Any]:
        return [cls(**params) for _, cls, params in self.transforms]

    def _y_transformer(self) -> Any:
        assert self.y_processing is not None
        _, cls, params = self.y_processing
        return cls(**params)

    def build(self, model_params: Mapping[str, Any]) -> Any:
        """The unfitted estimator: model, in a Pipeline after the transforms, in a TransformedTargetRegressor."""
        estimator = self.model_step(model_params)
        if self.transforms:
            from sklearn.pipeline import Pipeline

            estimator = Pipeline([(f"transform{i}", t) for i, t in enumerate(self._transformers())] + [("model", estimator)])
        if self.y_processing is not None:
            from sklearn.compose import TransformedTargetRegressor

            estimator = TransformedTargetRegressor(regressor=estimator, transformer=self._y_transformer())
        return estimator

    def fit_kwargs(self, train_params: Mapping[str, Any]) -> dict[str, Any]:
        """`fit` keywords of the built estimator: train params, prefixed `model__` when in a Pipeline."""
        if self.transforms:
            return {f"model__{k}": v for k, v in train_params.items()}
        return dict(train_params)

    # -- checks ---------------------------------------------------------------------------------

    def _check_task(self, study: Study) -> Metric:
        from sklearn.base import is_classifier, is_regressor

        metric = task_metric(study)
        try:
            probe = self.model_step(dict(study.fixed.model))
        except TypeError as exc:
            raise RuntimeSpecError(f"model {self.class_path}: {exc}") from None
        if metric.task == "classification" and not is_classifier(probe):
            raise RuntimeSpecError(f"metric {metric.name!r} scores classifiers, but {self.class_path} is not a classifier")
        if metric.task == "regression" and not is_regressor(probe):
            raise RuntimeSpecError(f"metric {metric.name!r} scores regressors, but {self.class_path} is not a regressor")
        if self.y_processing is not None and metric.task != "regression":
            raise RuntimeSpecError("y_processing transforms a regression target; it cannot be used with a classifier")
        for m in [metric, *(get_metric(o.metric) for o in study.objectives)]:
            if m.needs_proba and not hasattr(probe, "predict_proba"):
                raise RuntimeSpecError(f"metric {m.name!r} needs predict_proba, which {self.class_path} does not have")
        return metric

    def _check_model_params(self, study: Study) -> None:
        # _check_task builds the model with the fixed params only: a sampled one the class does not take
        # would fail every trial with a TypeError.
        bad = _accepts(self.model_cls, dict.fromkeys(e.path[0] for e in study.space if e.target == "model"))
        if bad:
            raise RuntimeSpecError(f"model param(s) {', '.join(map(repr, bad))} are not arguments of {self.class_path} (every trial would fail)")

    def check(self, study: Study, data: Dataset | None) -> None:
        self._check_task(study)
        self._check_model_params(study)
        bad = _accepts(self.model_cls.fit, _train_names(study))
        if bad:
            raise RuntimeSpecError(
                f"train param(s) {', '.join(map(repr, bad))} are not arguments of {self.class_path}.fit "
                "(the sklearn adapter passes every train param to fit)"
            )

    # -- running --------------------------------------------------------------------------------

    @staticmethod
    def _predict(estimator: Any, X: np.ndarray, metric: Metric) -> Any:
        if metric.needs_proba:
            return estimator.predict_proba(X)
        return estimator.predict(X)

    @staticmethod
    def _classes(estimator: Any, metric: Metric) -> Any:
        return getattr(estimator, "classes_", None) if metric.task == "classification" else None

    def new_cache(self, study: Study, limit_bytes: int) -> FitCache:
        cache = FitCache(limit_bytes, fixed_steps=fixed_transform_prefix(study.space, len(self.transforms)))
        cache.cached_steps = len(self.transforms)
        for i, (path, cls, params) in enumerate(self.transforms):
            try:
                bad = nondeterministic_params(cls(**params))
            except Exception:  # noqa: BLE001 - bad params fail the trials' fits, where they are reported
                bad = ["(its params)"]
            if bad:
                # Refitting it draws new random numbers: caching it would change the results.
                cache.cached_steps = i
                cache.note(f"transform{i} {path}: {', '.join(bad)} is None, so it and the steps after it are refitted in every "
                           "trial (give it an integer random_state to fit it once per fold)")
                break
        return cache

    def _checkpoints(self, cache: FitCache) -> list[int]:
        """Prefix lengths whose output is kept: the fixed prefix (shared by every value of a tuned step)
        and the whole deterministic prefix (per distinct value of tuned steps in it)."""
        cached = cache.cached_steps if cache.cached_steps is not None else len(self.transforms)
        fixed = cache.fixed_steps if cache.fixed_steps is not None else cached
        return sorted({min(fixed, cached), cached} - {0})

    def _fit_steps(self, start: int, stop: int, X_train: Any, y_train: Any, X_valid: Any | None) -> tuple[Any, Any, list[Any]]:
        """Fit transform steps [start, stop) as Pipeline does (`fit_transform(X, y)`, then `transform` the valid rows)."""
        fitted = []
        for _, cls, params in self.transforms[start:stop]:
            t = cls(**params)
            X_train = t.fit_transform(X_train, y_train)
            if X_valid is not None:
                X_valid = t.transform(X_valid)
            fitted.append(t)
        return X_train, X_valid, fitted

    def transform_split(self, split: Split, ctx: TrialContext | None = None) -> tuple[Any, Any]:
        """The split's training and validation rows through the transform steps, fitted on its training
        rows: from the run's cache (`ctx.cache`) for the cached prefix, refitted for the rest."""
        if not self.transforms:
            return split.X_train, split.X_valid
        began = time.perf_counter()
        y_train = split.y_train
        done = 0
        found = None
        cache = getattr(ctx, "cache", None)
        if cache is not None and cache.enabled:
            points = self._checkpoints(cache)
            split_key = cache.split_key(split)
            keys = {p: (split_key, tuple(self._step_keys[:p])) for p in points}
            for p in reversed(points):
                found = cache.get(keys[p])
                if found is not None:
                    done = p
                    break
        # The raw rows only when something is fitted: indexing 600 x 700 spectra costs more than a hit.
        X_train, X_valid = found if found is not None else (split.X_train, split.X_valid)
        if cache is not None and cache.enabled:
            for p in points:
                if p > done:
                    X_train, X_valid, _ = self._fit_steps(done, p, X_train, y_train, X_valid)
                    X_train, X_valid = cache.put(keys[p], (X_train, X_valid))
                    done = p
            if done < len(self.transforms):
                cache.count_uncached()
        X_train, X_valid, _ = self._fit_steps(done, len(self.transforms), X_train, y_train, X_valid)
        if ctx is not None:
            ctx.t_transform += time.perf_counter() - began
        return X_train, X_valid

    def model_estimator(self, model_params: Mapping[str, Any]) -> Any:
        """What is fitted on the transformed rows: the model, in a TransformedTargetRegressor with y_processing."""
        estimator = self.model_step(model_params)
        if self.y_processing is not None:
            from sklearn.compose import TransformedTargetRegressor

            estimator = TransformedTargetRegressor(regressor=estimator, transformer=self._y_transformer())
        return estimator

    def score_fold(self, model_params: dict[str, Any], train_params: dict[str, Any], split: Split, ctx: TrialContext) -> float:
        # The calls a Pipeline makes (fit_transform of each transform, fit of the model on the result,
        # transform then predict), with the transform prefix fitted once per split by the cache.
        X_train, X_valid = self.transform_split(split, ctx)
        began = time.perf_counter()
        estimator = self.model_estimator(model_params)
        estimator.fit(X_train, split.y_train, **train_params)
        fitted = time.perf_counter()
        ctx.t_model += fitted - began
        if ctx.measured:  # several objectives, or a measured time (fit_seconds / predict_seconds)
            predict = (lambda proba: estimator.predict_proba(X_valid) if proba else estimator.predict(X_valid))
            values = ctx.fold_value(split.y_valid, predict, self._classes(estimator, ctx.metric), fitted - began)
            ctx.t_score += time.perf_counter() - fitted
            return values
        prediction = self._predict(estimator, X_valid, ctx.metric)
        value = score(ctx.metric, split.y_valid, prediction, classes=self._classes(estimator, ctx.metric))
        ctx.t_score += time.perf_counter() - fitted
        return value

    def _final_model_step(self, estimator: Any) -> Any:
        if self.y_processing is not None:
            estimator = estimator.regressor_
        if self.transforms:
            estimator = estimator.named_steps["model"]
        return estimator

    def fit_final(self, model_params: dict[str, Any], train_params: dict[str, Any], data: Dataset) -> FinalFit:
        estimator = self.build(model_params)
        estimator.fit(data.X, data.y, **self.fit_kwargs(train_params))
        model = self._final_model_step(estimator)
        return FinalFit(estimator, self.class_path, model.get_params(deep=False), dict(train_params), data.n_samples)


class _FoldState:
    """One fold of an incremental trial: its transformed rows (the transformers fitted on its training
    rows, through the run's cache for a split), the model in progress."""

    def __init__(self, adapter: "IncrementalAdapter", model_params: Mapping[str, Any], X_train: Any, y_train: Any,
                 X_valid: Any | None, split: Split | None = None, ctx: TrialContext | None = None) -> None:
        self.transformers: list[Any] = []
        if split is not None:
            X_train, X_valid = adapter.transform_split(split, ctx)
        else:
            X_train, X_valid, self.transformers = adapter._fit_steps(0, len(adapter.transforms), X_train, y_train, X_valid)
        began = time.perf_counter()
        self.y_transformer = adapter._y_transformer() if adapter.y_processing is not None else None
        if self.y_transformer is not None:
            y_train = np.ravel(self.y_transformer.fit_transform(np.asarray(y_train).reshape(-1, 1)))
        if ctx is not None:
            ctx.t_transform += time.perf_counter() - began
        self.X_train, self.y_train, self.X_valid = X_train, y_train, X_valid
        self.model = adapter.model_step(model_params)
        self.fit_seconds = 0.0
        """Seconds of `partial_fit` on this fold so far (the `fit_seconds` metric)."""

    def predict(self, metric: Metric) -> Any:
        return self.predict_kind(metric.needs_proba)

    def predict_kind(self, needs_proba: bool) -> Any:
        if needs_proba:
            return self.model.predict_proba(self.X_valid)
        pred = self.model.predict(self.X_valid)
        if self.y_transformer is not None:
            pred = np.ravel(self.y_transformer.inverse_transform(np.asarray(pred).reshape(-1, 1)))
        return pred


class IncrementalAdapter(SklearnAdapter):
    """A scikit-learn estimator with `partial_fit`, trained `epochs` passes and pruned between them."""

    reports_steps = True

    def __init__(self, model: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(model, params, **kwargs)
        if not hasattr(self.model_cls, "partial_fit"):
            raise RuntimeSpecError(f"model {model!r} has no partial_fit: the incremental adapter cannot train it in steps")

    def check(self, study: Study, data: Dataset | None) -> None:
        self._check_task(study)
        self._check_model_params(study)
        names = _train_names(study)
        if "epochs" not in names:
            raise RuntimeSpecError("the incremental adapter trains `epochs` partial_fit passes: set train_params.epochs")
        bad = _accepts(self.model_cls.partial_fit, [n for n in names if n != "epochs"])
        if bad:
            raise RuntimeSpecError(
                f"train param(s) {', '.join(map(repr, bad))} are not arguments of {self.class_path}.partial_fit "
                "(the incremental adapter passes every train param but epochs to partial_fit)"
            )

    @staticmethod
    def _epochs(train_params: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        rest = dict(train_params)
        epochs = rest.pop("epochs", None)
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"train param epochs must be an integer >= 1, not {epochs!r}")
        return epochs, rest

    @staticmethod
    def _step(state: _FoldState, rest: Mapping[str, Any], classes: Any, first: bool) -> None:
        kwargs = dict(rest)
        if classes is not None and first:
            kwargs["classes"] = classes
        state.model.partial_fit(state.X_train, state.y_train, **kwargs)

    def scores(self, model_params: dict[str, Any], train_params: dict[str, Any], splits: Sequence[Split], ctx: TrialContext) -> list[float]:
        epochs, rest = self._epochs(train_params)
        data = splits[0].data
        assert data is not None
        classes = np.unique(data.y) if ctx.metric.task == "classification" else None
        states = [_FoldState(self, model_params, None, s.y_train, None, split=s, ctx=ctx) for s in splits]
        fold_scores: list[float] = []
        for epoch in range(epochs):
            began = time.perf_counter()
            for state in states:
                step_began = time.perf_counter()
                self._step(state, rest, classes, epoch == 0)
                state.fit_seconds += time.perf_counter() - step_began
            fitted = time.perf_counter()
            if ctx.measured:
                fold_scores = [ctx.fold_value(s.y_valid, state.predict_kind, classes, state.fit_seconds) for s, state in zip(splits, states)]
            else:
                fold_scores = [
                    score(ctx.metric, s.y_valid, state.predict(ctx.metric), classes=classes) for s, state in zip(splits, states)
                ]
            ctx.t_model += fitted - began
            ctx.t_score += time.perf_counter() - fitted
            ctx.report(epoch, fold_scores)
        return fold_scores

    def fit_final(self, model_params: dict[str, Any], train_params: dict[str, Any], data: Dataset) -> FinalFit:
        epochs, rest = self._epochs(train_params)
        classes = np.unique(data.y) if data.task == "classification" else None
        state = _FoldState(self, model_params, data.X, data.y, None)
        for epoch in range(epochs):
            self._step(state, rest, classes, epoch == 0)
        estimator: Any = state.model
        if state.transformers or state.y_transformer is not None:
            from sklearn.pipeline import Pipeline

            estimator = Pipeline([(f"transform{i}", t) for i, t in enumerate(state.transformers)] + [("model", state.model)])
            if state.y_transformer is not None:
                from sklearn.compose import TransformedTargetRegressor

                # Already fitted parts: the wrapper is for predict (inverse-transformed), not for refitting.
                ttr = TransformedTargetRegressor(regressor=estimator, transformer=state.y_transformer)
                ttr.regressor_, ttr.transformer_, ttr._training_dim = estimator, state.y_transformer, 1
                estimator = ttr
        return FinalFit(estimator, self.class_path, state.model.get_params(deep=False), dict(train_params), data.n_samples)


def build_splitter(step: StepLike, allow_modules: Iterable[str] = DEFAULT_ALLOWED_MODULES) -> Any:
    """The splitter instance of a pipeline splitter step (class path allowlisted like the model's)."""
    path, params = _step_parts(step)
    cls = import_class(path, allow_modules, what="splitter")
    if not hasattr(cls, "split"):
        raise UnsafeClassError(f"splitter {path!r} has no split method")
    try:
        return cls(**params)
    except TypeError as exc:
        raise RuntimeSpecError(f"splitter {path}: {exc}") from None


def adapter_from_study(study: Study, *, allow_modules: Iterable[str] = DEFAULT_ALLOWED_MODULES,
                       incremental: bool | None = None) -> SklearnAdapter:
    """The sklearn adapter of `study.pipeline`; `incremental=None` picks the incremental one when the
    model has `partial_fit` and the study has an `epochs` train param."""
    ctx = getattr(study, "pipeline", None)
    if incremental is None:
        plain = SklearnAdapter.from_pipeline(ctx, allow_modules=allow_modules)
        incremental = hasattr(plain.model_cls, "partial_fit") and "epochs" in _train_names(study)
        if not incremental:
            return plain
    if incremental:
        return IncrementalAdapter.from_pipeline(ctx, allow_modules=allow_modules)
    return SklearnAdapter.from_pipeline(ctx, allow_modules=allow_modules)
