"""Training data for the runtime: a `Dataset`, the embedded defaults, CSV loading, and the splits.

- `Dataset` holds `X` (2-D float array), `y`, optional `groups` (one label per row), the `task`
  (`regression` or `classification`), a name and the feature / target names.
- `embedded_dataset(name)` loads a dataset that ships with scikit-learn (nothing is downloaded):
  `diabetes` (regression), `breast_cancer` (binary classification), `iris`, `wine` (3 classes);
  `default_dataset(task)` picks `diabetes` for regression and `breast_cancer` for classification;
  `demo_dataset("demo:NAME")` is one of them named as `ftrun --data demo:NAME` names it.
- `load_csv(path, target=..., groups=None, task=...)` reads a CSV with a header row through the
  standard `csv` module (no pandas): every column other than the target and the groups column is a
  numeric feature. Every `DataError` names the file, the line and the column where there is one
  (a missing column with the closest name, an empty or NaN cell, a non-numeric feature, a ragged
  row, a file that is not UTF-8, a target with a single value).
- `Split` is one (train, valid) pair of row indices; `holdout_split` (approach `single`),
  `folds_from` (a given fold list, or any object with scikit-learn's `split(X, y, groups)`). A
  splitter that ignores the data's groups (`KFold`...) prints one note naming the group splitter
  to use, instead of scikit-learn's warning.
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

__all__ = [
    "Dataset",
    "DataError",
    "Split",
    "EMBEDDED",
    "embedded_dataset",
    "default_dataset",
    "demo_dataset",
    "load_csv",
    "as_dataset",
    "holdout_split",
    "folds_from",
]

TASKS = ("regression", "classification")


class DataError(ValueError):
    """The data cannot be used as given (missing column, non-numeric value, bad folds)."""


@dataclass(eq=False)
class Dataset:
    """Rows to train and score on: features `X`, target `y`, optional `groups` for grouped splits."""

    X: np.ndarray
    y: np.ndarray
    task: str
    """`regression` or `classification`."""
    name: str = "data"
    feature_names: list[str] = field(default_factory=list)
    target_name: str = "y"
    groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.X = np.asarray(self.X)
        self.y = np.asarray(self.y)
        if self.task not in TASKS:
            raise DataError(f"task must be one of {', '.join(TASKS)}, not {self.task!r}")
        if self.X.ndim != 2:
            raise DataError(f"X must be 2-D (rows x features), got shape {self.X.shape}")
        if self.y.ndim != 1 or len(self.y) != len(self.X):
            raise DataError(f"y must be 1-D with one value per row of X ({len(self.X)}), got shape {self.y.shape}")
        if self.groups is not None:
            self.groups = np.asarray(self.groups)
            if self.groups.shape != (len(self.X),):
                raise DataError(f"groups must have one label per row ({len(self.X)}), got shape {self.groups.shape}")
        if not self.feature_names:
            self.feature_names = [f"x{i}" for i in range(self.X.shape[1])]

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    def summary(self) -> dict[str, Any]:
        """What the report says about the data (JSON-able)."""
        out: dict[str, Any] = {
            "name": self.name,
            "task": self.task,
            "n_samples": self.n_samples,
            "n_features": int(self.X.shape[1]),
            "target": self.target_name,
            "groups": self.groups is not None,
        }
        if self.task == "classification":
            out["classes"] = [_plain(c) for c in np.unique(self.y)]
        return out


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


EMBEDDED = {
    "diabetes": ("load_diabetes", "regression"),
    "breast_cancer": ("load_breast_cancer", "classification"),
    "iris": ("load_iris", "classification"),
    "wine": ("load_wine", "classification"),
}
_DEFAULT_BY_TASK = {"regression": "diabetes", "classification": "breast_cancer"}


def embedded_dataset(name: str) -> Dataset:
    """A dataset that ships with scikit-learn (no download): diabetes, breast_cancer, iris or wine."""
    if name not in EMBEDDED:
        raise DataError(f"unknown embedded dataset {name!r} (expected one of: {', '.join(EMBEDDED)})")
    import sklearn.datasets

    loader, task = EMBEDDED[name]
    bunch = getattr(sklearn.datasets, loader)()
    return Dataset(
        X=np.asarray(bunch.data, dtype=float),
        y=np.asarray(bunch.target),
        task=task,
        name=name,
        feature_names=[str(f) for f in bunch.feature_names],
        target_name="target",
    )


def default_dataset(task: str) -> Dataset:
    """The embedded dataset for a metric's task: diabetes (regression), breast_cancer (classification)."""
    if task not in _DEFAULT_BY_TASK:
        raise DataError(f"no default dataset for task {task!r} (expected one of: {', '.join(TASKS)})")
    return embedded_dataset(_DEFAULT_BY_TASK[task])


DEMO_PREFIX = "demo:"
DEMO_CHOICES = tuple(DEMO_PREFIX + name for name in EMBEDDED)
"""What `ftrun --data` accepts besides a CSV file: an embedded dataset, named explicitly."""


def demo_dataset(spec: str) -> Dataset:
    """`demo:NAME`: the embedded dataset NAME, named `demo:NAME` so that reports say what was tuned on."""
    if spec not in DEMO_CHOICES:
        raise DataError(f"unknown dataset {spec!r} (embedded datasets: {', '.join(DEMO_CHOICES)})")
    data = embedded_dataset(spec[len(DEMO_PREFIX):])
    data.name = spec
    return data


MISSING_MARKERS = frozenset({"na", "n/a", "nan", "null", "none", "?", "-"})
"""Cell texts read as a missing value (case-insensitive), besides an empty cell."""
MAX_LISTED_COLUMNS = 12


def _columns_text(header: Sequence[str]) -> str:
    # Spectra have hundreds of columns: list the first ones only.
    shown = ", ".join(header[:MAX_LISTED_COLUMNS])
    return shown if len(header) <= MAX_LISTED_COLUMNS else f"{shown}, ... ({len(header)} in all)"


def _closest(wanted: str, header: Sequence[str]) -> str:
    """`; did you mean 'target'?` when a column name is close to `wanted` (case first, then difflib)."""
    import difflib

    same_case = [name for name in header if name.lower() == wanted.lower()]
    close = same_case or difflib.get_close_matches(wanted, header, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _number(text: str, column: str, line: int, path: Path, why: str = "") -> float:
    """The float in a cell, or a `DataError` naming the file, the column and the line."""
    where = f"{path}: column {column!r}, line {line}"
    if not text or text.lower() in MISSING_MARKERS:
        shown = "empty cell" if not text else repr(text)
        raise DataError(f"{where}: missing value ({shown}); fill it in or drop the row")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}: {text!r} is not a number{why}") from None
    if not math.isfinite(value):
        raise DataError(f"{where}: {text!r} is not a finite number")
    return value


def _fast_column(cells: list[str]) -> np.ndarray | None:
    """The column's floats when every cell is a finite number (numpy parses a spectrum's 10^5 cells in C,
    to the same doubles as `float`), else None: the caller then reads it cell by cell for the exact error."""
    try:
        column = np.array(cells, dtype=float)
    except ValueError:
        return None
    return column if np.isfinite(column).all() else None


def _read_rows(path: Path, delimiter: str) -> list[tuple[int, list[str]]]:
    """The CSV's records with the line each ends on; undecodable or malformed text is a `DataError` with its line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: not a readable CSV file ({exc})") from None
    return rows


def load_csv(path: str | Path, *, target: str, groups: str | None = None, task: str = "regression",
             delimiter: str = ",") -> Dataset:
    """Load a CSV with a header row: `target` is y, `groups` (optional) the group labels, the rest numeric features.

    For `regression` the target must be numeric; for `classification` its labels are kept as
    numbers when every label is numeric, else as strings. Every `DataError` names the file, and the
    line and column where there is one: an unreadable or non-UTF-8 file, an empty file, a missing
    column (with the closest name), an empty or NaN cell, a non-numeric feature (suggesting
    `--groups`), a ragged row, a target with a single value.
    """
    path = Path(path)
    if task not in TASKS:
        raise DataError(f"{path}: task must be one of {', '.join(TASKS)}, not {task!r}")
    rows = _read_rows(path, delimiter)
    if not rows or not any(cell.strip() for cell in rows[0][1]):
        raise DataError(f"{path}: empty file (a header row is needed)")
    header = [name.strip() for name in rows[0][1]]
    body = [(line, row) for line, row in rows[1:] if any(cell.strip() for cell in row)]
    unnamed = [i + 1 for i, name in enumerate(header) if not name]
    if unnamed:
        raise DataError(f"{path}: line {rows[0][0]}: column {unnamed[0]} of the header has no name")
    for wanted, what in ((target, "target"), (groups, "groups")):
        if wanted is not None and wanted not in header:
            raise DataError(f"{path}: no {what} column {wanted!r} (columns: {_columns_text(header)}){_closest(wanted, header)}")
    if groups is not None and groups == target:
        raise DataError(f"{path}: the groups column cannot be the target column {target!r}")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise DataError(f"{path}: duplicated column name(s) {', '.join(map(repr, duplicated))}")
    if not body:
        raise DataError(f"{path}: no data rows")
    features = [name for name in header if name not in (target, groups)]
    if not features:
        raise DataError(f"{path}: no feature column besides the target{' and groups' if groups else ''}")
    columns = {name: i for i, name in enumerate(header)}
    for line, row in body:
        if len(row) != len(header):
            raise DataError(f"{path}: line {line}: {len(row)} cells, the header has {len(header)}")
    X = np.empty((len(body), len(features)), dtype=float)
    for c, name in enumerate(features):
        cells = [row[columns[name]].strip() for _, row in body]
        column = _fast_column(cells)
        if column is not None:
            X[:, c] = column
            continue
        why = ""
        if not any(_is_number(cell) for cell in cells):
            # A whole column of text is a column of labels, not one bad cell.
            why = (f" (column {name!r} holds no number: " +
                   (f"pass --groups {name} if it holds group labels, or drop it)" if groups is None else "drop it, or encode it as numbers)"))
        for r, (cell, (line, _)) in enumerate(zip(cells, body)):
            X[r, c] = _number(cell, name, line, path, why)
    y_text: list[str] = []
    g_text: list[str] = []
    for line, row in body:
        cell = row[columns[target]].strip()
        if not cell or cell.lower() in MISSING_MARKERS:
            raise DataError(f"{path}: column {target!r}, line {line}: missing target value; fill it in or drop the row")
        y_text.append(cell)
        if groups is not None:
            label = row[columns[groups]].strip()
            if not label:
                raise DataError(f"{path}: column {groups!r}, line {line}: missing group label")
            g_text.append(label)
    y: np.ndarray
    if task == "regression":
        fast = _fast_column(y_text)
        y = fast if fast is not None else np.array(
            [_number(v, target, line, path, " (a regression target must be numeric)") for v, (line, _) in zip(y_text, body)])
    else:
        try:
            numeric = [float(v) for v in y_text]
            y = np.array([int(v) if v.is_integer() else v for v in numeric])
        except ValueError:
            y = np.array(y_text)
    values = np.unique(y)
    if len(values) < 2:
        raise DataError(f"{path}: the target column {target!r} has one value ({_plain(values[0])!r}) on all {len(y)} rows: nothing to learn")
    return Dataset(X=X, y=y, task=task, name=path.name, feature_names=features, target_name=target,
                   groups=np.array(g_text) if groups is not None else None)


def as_dataset(data: Any, task: str) -> Dataset:
    """`data` as a `Dataset`: a Dataset as is, or an `(X, y)` / `(X, y, groups)` tuple with the metric's task."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, tuple) and len(data) in (2, 3):
        return Dataset(X=np.asarray(data[0], dtype=float), y=np.asarray(data[1]), task=task,
                       groups=data[2] if len(data) == 3 else None)
    raise DataError(f"data must be a Dataset or an (X, y[, groups]) tuple, not {type(data).__name__}")


@dataclass(frozen=True, eq=False)
class Split:
    """One fold: row indices to train on and to score on (disjoint), and the data they index (if any)."""

    index: int
    """Fold number (0 for the single holdout)."""
    train: np.ndarray
    valid: np.ndarray
    data: Dataset | None = None

    def _need_data(self) -> Dataset:
        if self.data is None:
            raise DataError("this split has only indices (no data was given)")
        return self.data

    @property
    def X_train(self) -> np.ndarray:
        return self._need_data().X[self.train]

    @property
    def y_train(self) -> np.ndarray:
        return self._need_data().y[self.train]

    @property
    def X_valid(self) -> np.ndarray:
        return self._need_data().X[self.valid]

    @property
    def y_valid(self) -> np.ndarray:
        return self._need_data().y[self.valid]


def holdout_split(data: Dataset, fraction: float, seed: int | None) -> Split:
    """The `single` approach's split: `fraction` of the rows held out (whole groups when `groups` is set)."""
    from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit

    if not 0 < fraction < 1:
        raise DataError(f"holdout_fraction must be in (0, 1), not {fraction}")
    if data.groups is not None:
        if len(np.unique(data.groups)) < 2:
            raise DataError("a grouped holdout needs at least 2 distinct groups")
        splitter: Any = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    else:
        splitter = ShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    try:
        train, valid = next(splitter.split(data.X, data.y, data.groups))
    except ValueError as exc:
        raise DataError(f"cannot hold out {fraction} of {data.n_samples} rows: {exc}") from None
    return Split(0, np.sort(train), np.sort(valid), data)


def _indices(value: Any, n: int | None, what: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise DataError(f"{what} must be a non-empty 1-D list of integer row indices")
    if n is not None and (arr.min() < 0 or arr.max() >= n):
        raise DataError(f"{what} has indices outside 0..{n - 1}")
    if len(np.unique(arr)) != arr.size:
        raise DataError(f"{what} repeats row indices")
    return arr


_IGNORED_GROUPS = re.compile(r"The groups parameter is ignored by \w+")
GROUP_SPLITTERS = {
    "KFold": "GroupKFold", "RepeatedKFold": "GroupKFold", "StratifiedKFold": "StratifiedGroupKFold",
    "RepeatedStratifiedKFold": "StratifiedGroupKFold", "ShuffleSplit": "GroupShuffleSplit",
    "StratifiedShuffleSplit": "GroupShuffleSplit", "LeaveOneOut": "LeaveOneGroupOut", "LeavePOut": "LeavePGroupsOut",
}
"""The scikit-learn splitter that keeps groups whole, for each one that ignores them."""
_NOTED: set[str] = set()


def note(message: str) -> None:
    """One line `ftrun: note: <message>` on stderr, once per process (the CLI and `optimize` both make the folds)."""
    if message not in _NOTED:
        _NOTED.add(message)
        print(f"ftrun: note: {message}", file=sys.stderr, flush=True)


def _split_noting_ignored_groups(splitter: Any, data: Dataset) -> list[Any]:
    """`splitter.split(X, y, groups)`; scikit-learn's warning that it ignores the groups becomes one note."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pairs = list(splitter.split(data.X, data.y, data.groups))
    ignored = False
    for w in caught:
        if issubclass(w.category, UserWarning) and _IGNORED_GROUPS.match(str(w.message)):
            ignored = True  # RepeatedKFold warns for itself and for its inner KFold: one note
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if ignored:
        name = type(splitter).__name__
        instead = GROUP_SPLITTERS.get(name)
        note(f"{name} ignores --groups; use {instead} to keep groups whole" if instead else
             f"{name} ignores --groups; use a group splitter (GroupKFold, GroupShuffleSplit, ...) to keep groups whole")
    return pairs


def folds_from(folds: Any, data: Dataset | None) -> list[Split]:
    """Splits from a fold list `[(train_idx, valid_idx), ...]` or a splitter object (`split(X, y, groups)`).

    Each fold's train and valid indices must be disjoint; a splitter needs the data.
    """
    if hasattr(folds, "split") and not isinstance(folds, (list, tuple)):
        if data is None:
            raise DataError("a splitter needs data to split")
        try:
            pairs: Iterable[Any] = _split_noting_ignored_groups(folds, data)
        except ValueError as exc:
            raise DataError(f"{type(folds).__name__} cannot split the data: {exc}") from None
    elif isinstance(folds, Sequence) and not isinstance(folds, (str, bytes)):
        pairs = folds
    else:
        raise DataError(f"folds must be a list of (train_idx, valid_idx) pairs or a splitter, not {type(folds).__name__}")
    n = data.n_samples if data is not None else None
    out = []
    for k, pair in enumerate(pairs):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise DataError(f"fold {k} must be a (train_idx, valid_idx) pair")
        train = _indices(pair[0], n, f"fold {k} train")
        valid = _indices(pair[1], n, f"fold {k} valid")
        if np.intersect1d(train, valid).size:
            raise DataError(f"fold {k}: train and valid indices overlap")
        out.append(Split(k, train, valid, data))
    if not out:
        raise DataError("no folds")
    return out
