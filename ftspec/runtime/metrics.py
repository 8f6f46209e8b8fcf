"""Evaluate a registry metric (`ftspec.schema.metrics.METRICS`) on held-out predictions.

The function is the registry's `scorer` in `sklearn.metrics`, called on the true values and the
predictions (or, for `needs_proba` metrics, the predicted class probabilities), and its value is
returned as is: the study's direction says whether it is minimised, nothing is negated.

Averaging of f1 / precision / recall follows the registry's descriptions: `f1`, `precision`,
`recall` are binary (positive class: the larger of the two labels, i.e. `classes[1]`, as
scikit-learn's `predict_proba` columns order them) for two classes and macro for more; `f1_macro`
is macro and `f1_weighted` weighted. `roc_auc` uses `proba[:, 1]` for two classes and one-vs-rest
(macro) for more; `log_loss` and multi-class `roc_auc` get `labels=classes` so that a fold
missing a class is still scored against every class the model knows.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from ftspec.schema.metrics import METRICS, Metric
from ftspec.schema.vocab import EVAL_MODES

__all__ = ["get_metric", "task_metric", "score", "sklearn_call", "aggregate", "worst_value", "EVAL_MODES"]


def get_metric(name: str) -> Metric:
    """The registry entry of `name` (canonical names only; the compiler lowers aliases)."""
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r} (expected one of: {', '.join(METRICS)})") from None


def task_metric(study: Any) -> Metric:
    """The metric that decides a study's task and what its model predicts: its first objective that scores
    predictions (`fit_seconds` / `predict_seconds` fit any task); with timings only, the first objective
    (a regression task, the default dataset's)."""
    names = [o.metric for o in study.objectives]
    for name in names:
        m = get_metric(name)
        if m.task != "any":
            return m
    first = get_metric(names[0])
    return Metric(first.name, first.direction, "regression", first.scorer, False, first.description)


_AVERAGE = {"f1_macro": "macro", "f1_weighted": "weighted"}


def sklearn_call(metric: Metric, classes: Sequence[Any] | None) -> tuple[str, dict[str, Any]]:
    """The `sklearn.metrics` function name and the keyword arguments `score` calls it with."""
    kwargs: dict[str, Any] = {}
    if metric.scorer in ("f1_score", "precision_score", "recall_score"):
        average = _AVERAGE.get(metric.name)
        if average is None:
            if classes is None:
                raise ValueError(f"metric {metric.name!r} needs the classes to choose binary or macro averaging")
            average = "binary" if len(classes) == 2 else "macro"
        kwargs["average"] = average
        if average == "binary":
            kwargs["pos_label"] = _plain(classes[1])  # type: ignore[index]
        elif classes is not None:
            kwargs["labels"] = list(classes)
        kwargs["zero_division"] = 0.0  # sklearn's default value, without its warning
    elif metric.scorer == "roc_auc_score" and classes is not None and len(classes) > 2:
        kwargs.update(multi_class="ovr", labels=list(classes))
    elif metric.scorer == "log_loss" and classes is not None:
        kwargs["labels"] = list(classes)
    return metric.scorer, kwargs


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def score(metric: str | Metric, y_true: Any, prediction: Any, *, classes: Sequence[Any] | None = None) -> float:
    """The metric's value on held-out rows.

    `prediction` is the predicted values (or labels), or for a `needs_proba` metric the
    `predict_proba` matrix whose columns follow `classes` (the estimator's `classes_`).
    """
    import sklearn.metrics

    m = get_metric(metric) if isinstance(metric, str) else metric
    if m.scorer == "timing":
        raise ValueError(f"metric {m.name!r} is a measured time, not a score of predictions (the adapter measures it)")
    name, kwargs = sklearn_call(m, classes)
    prediction = np.asarray(prediction)
    if m.needs_proba:
        if prediction.ndim != 2:
            raise ValueError(f"metric {m.name!r} needs class probabilities (predict_proba), got shape {prediction.shape}")
        if m.scorer == "roc_auc_score" and prediction.shape[1] == 2:
            prediction = prediction[:, 1]
    return float(getattr(sklearn.metrics, name)(y_true, prediction, **kwargs))


def worst_value(direction: str) -> float:
    """The score a failed fold gets under the `worst` failed-fold rule: +inf minimising, -inf maximising."""
    return math.inf if direction == "minimize" else -math.inf


def aggregate(eval_mode: str, direction: str, quantile: float | None = None) -> Callable[[Sequence[float]], float]:
    """How a trial's fold scores become its value: the registry entry `EVAL_MODES[eval_mode]`.

    The scores are those after the failed-fold rule (`optimize` applies it): under `fail_trial`
    they are all finite; under `worst` a failed fold is already `worst_value(direction)`.
    `mean` (numpy's, as nirs4all), `median`, `best` (min minimising, max maximising) and
    `quantile` (`numpy.quantile(scores, quantile)`, linear; `quantile` defaults to the entry's for
    the direction). `nirs4all_best` takes the best finite score, the worst value when none is.
    """
    if direction not in ("minimize", "maximize"):
        raise ValueError(f"direction must be minimize or maximize, not {direction!r}")
    spec = EVAL_MODES.get(eval_mode)
    if spec is None:
        raise ValueError(f"eval_mode must be one of {', '.join(EVAL_MODES)}, not {eval_mode!r}")
    choose = min if direction == "minimize" else max
    worst = worst_value(direction)
    q = spec.quantile_for(direction) if quantile is None else quantile
    fn: Callable[[Sequence[float]], float]
    if spec.aggregate == "mean":
        fn = lambda s: float(np.mean(s))  # noqa: E731
    elif spec.aggregate == "median":
        fn = lambda s: float(np.median(s))  # noqa: E731
    elif spec.aggregate == "quantile":
        if q is None or not 0.0 <= q <= 1.0:
            raise ValueError(f"eval_mode {eval_mode!r} needs a quantile in [0, 1], not {q!r}")
        fn = lambda s: float(np.quantile(s, q))  # noqa: E731
    elif spec.failed_folds == "worst":  # best of the folds that did not fail (nirs4all's robust_best == best)
        fn = lambda s: float(choose([v for v in s if math.isfinite(v)], default=worst))  # noqa: E731
    else:
        fn = lambda s: float(choose(s))  # noqa: E731

    def combined(scores: Sequence[float]) -> float:
        if len(scores) == 1:  # every mode of one (normalised) score is that score: the per-trial hot path
            return float(scores[0])
        if not scores:
            raise ValueError("no fold scores to aggregate")
        return fn(scores)

    return combined
