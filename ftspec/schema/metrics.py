"""The metric registry: every metric name a config may use, its direction, task and how it is scored.

The compiler derives `direction` from here (a conflicting explicit direction is a finding, never a
silent override); the runtime evaluates the metric from `scorer` on held-out predictions. Aliases
are the spellings seen in nirs4all configs; they lower to the canonical name with a finding.

Two metrics are not computed from predictions but measured: `fit_seconds` (wall time of the model's
fit on the fold's training rows) and `predict_seconds` (wall time of its prediction on the fold's
validation rows). Their task is `any` (they fit every model) and their `scorer` is `timing`; they
are aggregated over folds like any other metric. They are meant as a second objective beside an
error metric (`metric: [rmse, fit_seconds]`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ftspec._record import Record


@dataclass(eq=False, repr=False)
class Metric(Record):
    name: str
    direction: str  # "minimize" | "maximize"
    task: str  # "regression" | "classification" | "any" (a measured time)
    scorer: str  # function name in sklearn.metrics, or "timing" for a measured time
    needs_proba: bool
    description: str


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("rmse", "minimize", "regression", "root_mean_squared_error", False, "Root mean squared error."),
        Metric("mse", "minimize", "regression", "mean_squared_error", False, "Mean squared error."),
        Metric("mae", "minimize", "regression", "mean_absolute_error", False, "Mean absolute error."),
        Metric("mape", "minimize", "regression", "mean_absolute_percentage_error", False, "Mean absolute percentage error."),
        Metric("medae", "minimize", "regression", "median_absolute_error", False, "Median absolute error."),
        Metric("r2", "maximize", "regression", "r2_score", False, "Coefficient of determination."),
        Metric("explained_variance", "maximize", "regression", "explained_variance_score", False, "Explained variance."),
        Metric("accuracy", "maximize", "classification", "accuracy_score", False, "Fraction of correct labels."),
        Metric("balanced_accuracy", "maximize", "classification", "balanced_accuracy_score", False, "Mean recall per class."),
        Metric("f1", "maximize", "classification", "f1_score", False, "F1 score (binary; macro for more classes)."),
        Metric("f1_macro", "maximize", "classification", "f1_score", False, "Unweighted mean F1 over classes."),
        Metric("f1_weighted", "maximize", "classification", "f1_score", False, "Support-weighted mean F1 over classes."),
        Metric("precision", "maximize", "classification", "precision_score", False, "Precision (binary; macro for more classes)."),
        Metric("recall", "maximize", "classification", "recall_score", False, "Recall (binary; macro for more classes)."),
        Metric("roc_auc", "maximize", "classification", "roc_auc_score", True, "Area under the ROC curve (one-vs-rest for more classes)."),
        Metric("log_loss", "minimize", "classification", "log_loss", True, "Cross-entropy of predicted probabilities."),
        Metric("fit_seconds", "minimize", "any", "timing", False,
               "Seconds the model's fit takes on the fold's training rows (measured, not scored; transforms not included)."),
        Metric("predict_seconds", "minimize", "any", "timing", False,
               "Seconds the model's prediction takes on the fold's validation rows (measured, not scored)."),
    )
}

# Spellings seen in the wild -> canonical name.
METRIC_ALIASES: dict[str, str] = {
    "rmsep": "rmse",
    "rmsecv": "rmse",
    "mean_squared_error": "mse",
    "mean_absolute_error": "mae",
    "r2_score": "r2",
    "accuracy_score": "accuracy",
    "balanced_accuracy_score": "balanced_accuracy",
    "auc": "roc_auc",
    "logloss": "log_loss",
}
