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

from typing import Any, Callable, Sequence

import numpy as np

from ftspec.schema.metrics import METRICS, Metric

__all__ = ["get_metric", "score", "sklearn_call", "aggregate", "EVAL_MODES"]


def get_metric(name: str) -> Metric:
    """The registry entry of `name` (canonical names only; the compiler lowers aliases)."""
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r} (expected one of: {', '.join(METRICS)})") from None


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
    name, kwargs = sklearn_call(m, classes)
    prediction = np.asarray(prediction)
    if m.needs_proba:
        if prediction.ndim != 2:
            raise ValueError(f"metric {m.name!r} needs class probabilities (predict_proba), got shape {prediction.shape}")
        if m.scorer == "roc_auc_score" and prediction.shape[1] == 2:
            prediction = prediction[:, 1]
    return float(getattr(sklearn.metrics, name)(y_true, prediction, **kwargs))


EVAL_MODES = ("mean", "median", "best", "robust_best")


def aggregate(eval_mode: str, direction: str) -> Callable[[Sequence[float]], float]:
    """How a trial's fold scores become its value, direction-aware.

    `mean` and `median` of the folds; `best`: the best fold (min when minimising, max when
    maximising); `robust_best`: the worst fold (max when minimising, min when maximising), i.e. the
    score the params reach on every fold.
    """
    if direction not in ("minimize", "maximize"):
        raise ValueError(f"direction must be minimize or maximize, not {direction!r}")
    lower_is_better = direction == "minimize"
    funcs: dict[str, Callable[[Sequence[float]], float]] = {
        "mean": lambda s: float(np.mean(s)),
        "median": lambda s: float(np.median(s)),
        "best": lambda s: float(min(s) if lower_is_better else max(s)),
        "robust_best": lambda s: float(max(s) if lower_is_better else min(s)),
    }
    if eval_mode not in funcs:
        raise ValueError(f"eval_mode must be one of {', '.join(EVAL_MODES)}, not {eval_mode!r}")
    fn = funcs[eval_mode]

    def combined(scores: Sequence[float]) -> float:
        if len(scores) == 1:  # every mode of one score is that score (the common, per-trial hot path)
            return float(scores[0])
        if not scores:
            raise ValueError("no fold scores to aggregate")
        return fn(scores)

    return combined
