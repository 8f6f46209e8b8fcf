"""The fitted-prefix cache of one `optimize` run, and the time a study spends where.

Every trial of a study fits the same transform steps (StandardScaler, PCA, ...) on the same fold
with the same params: only the model's params change. `FitCache` keeps, per split, the transformed
training and validation arrays of the longest prefix of transform steps that

- are *deterministic*: the same inputs give bit-identical outputs. A step (or a nested estimator
  in it) whose `random_state` is None or a `RandomState`/`Generator` object is not: refitting it
  draws new numbers, so it and every step after it are refitted in every trial (noted in the
  report; an integer `random_state` makes it cacheable);
- and whose params the trial does not change. Steps the study tunes would be keyed by their
  effective params (one entry per distinct value, least recently used evicted first); the IR's
  tuned params all target the model step today, so the whole deterministic prefix is one entry.

The key of an entry is (the split's identity, then the class path and effective params of every
step up to the cached one), so a hit returns what refitting those steps would compute. A hit
hands out copies: an estimator that writes into its input cannot change the cache.

Memory is bounded by `limit_bytes` (the arrays' `nbytes`; default `DEFAULT_RAM_FRACTION` of the
machine's RAM, `cache_mb` to override, 0 disables); an entry larger than the bound is not kept.
The cache belongs to one run (no global state) and is safe under `n_jobs` threads.

`Timings` sums, over a study's trials, the seconds spent in the sampler (suggest calls), fitting
transforms, fitting the model, and scoring (predict + metric).

This module imports neither scikit-learn nor Optuna: a plain callable objective never pays for them.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from typing import Any, Callable, Iterable, Sequence

import numpy as np

__all__ = ["DEFAULT_RAM_FRACTION", "FALLBACK_LIMIT_MB", "FitCache", "Timings", "cache_limit_bytes", "nondeterministic_params",
           "fixed_transform_prefix", "params_key"]

DEFAULT_RAM_FRACTION = 0.25
"""Default bound of a run's cache: this fraction of the machine's physical memory."""
FALLBACK_LIMIT_MB = 1024
"""Bound when the machine's memory cannot be read (`os.sysconf` unavailable)."""
_MB = 1024 * 1024


def cache_limit_bytes(cache_mb: Any = None) -> int:
    """The cache bound in bytes: `cache_mb` MiB (0 disables the cache), or by default a quarter of the RAM."""
    if cache_mb is None:
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (AttributeError, ValueError, OSError):
            total = -1
        return int(total * DEFAULT_RAM_FRACTION) if total > 0 else FALLBACK_LIMIT_MB * _MB
    if isinstance(cache_mb, bool) or not isinstance(cache_mb, (int, float)) or not cache_mb >= 0 or cache_mb == float("inf"):
        raise ValueError(f"cache_mb must be a number of MiB >= 0 (0 disables the cache), not {cache_mb!r}")
    return int(cache_mb * _MB)


def params_key(params: dict[str, Any]) -> str:
    """A canonical text of a step's params (JSON values from the IR; anything else by repr)."""
    return json.dumps(params, sort_keys=True, default=repr)


def nondeterministic_params(estimator: Any) -> list[str]:
    """Names of the `random_state` params (nested ones included) that make refits differ: None, or a
    random state object that every fit advances."""
    try:
        params = estimator.get_params(deep=True)
    except Exception:  # noqa: BLE001 - not a scikit-learn estimator: nothing to say about it
        return []
    return [name for name, value in params.items()
            if (name == "random_state" or name.endswith("__random_state"))
            and (value is None or isinstance(value, (np.random.RandomState, np.random.Generator)))]


def fixed_transform_prefix(space: Iterable[Any], n_transforms: int) -> int:
    """How many leading transform steps no tuned param targets. The IR's targets are `model` and
    `train` today; a target `transform<i>` would end the prefix before step i."""
    first = n_transforms
    for entry in space:
        target = str(getattr(entry, "target", ""))
        if target.startswith("transform") and target[len("transform"):].isdigit():
            first = min(first, int(target[len("transform"):]))
    return first


class Timings:
    """Seconds summed over a study's trials (one per study; trials of `n_jobs` threads add under a lock)."""

    FIELDS = ("sampler_seconds", "transform_fit_seconds", "model_fit_seconds", "score_seconds")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sampler = self.transform_fit = self.model_fit = self.score = 0.0
        self.trials = 0

    def add(self, sampler: float, ctx: Any) -> None:
        with self._lock:
            self.sampler += sampler
            self.transform_fit += ctx.t_transform
            self.model_fit += ctx.t_model
            self.score += ctx.t_score
            self.trials += 1

    @classmethod
    def total(cls, parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """The sum of several `to_dict()`s (an individual study's folds)."""
        out: dict[str, Any] = {name: round(sum(p[name] for p in parts), 6) for name in cls.FIELDS}
        out["trials"] = sum(p["trials"] for p in parts)
        return out

    def to_dict(self) -> dict[str, Any]:
        values = (self.sampler, self.transform_fit, self.model_fit, self.score)
        return {**{name: round(v, 6) for name, v in zip(self.FIELDS, values)}, "trials": self.trials}


class FitCache:
    """Transformed (train, valid) arrays of fitted transform prefixes, per split, bounded LRU."""

    def __init__(self, limit_bytes: int, *, fixed_steps: int | None = None) -> None:
        self.limit_bytes = int(limit_bytes)
        self.fixed_steps = fixed_steps
        """Leading transform steps no tuned param targets (None: every step is fixed)."""
        self._entries: OrderedDict[Any, tuple[tuple[np.ndarray, ...], int]] = OrderedDict()
        self._lock = threading.Lock()
        self._splits: dict[int, tuple[Any, Any]] = {}
        self.bytes = self.peak_bytes = 0
        self.hits = self.misses = self.evictions = self.too_large = self.uncached_fits = 0
        self.cached_steps: int | None = None
        self.notes: list[str] = []

    @property
    def enabled(self) -> bool:
        return self.limit_bytes > 0

    def note(self, text: str) -> None:
        with self._lock:
            if text not in self.notes:
                self.notes.append(text)

    def split_key(self, split: Any) -> Any:
        """The split's identity: its index and a digest of its row indices (memoised per Split object,
        which the memo keeps alive so that its id is never reused during the run)."""
        memo = self._splits.get(id(split))
        if memo is not None and memo[0] is split:
            return memo[1]
        digest = hashlib.blake2b(digest_size=16)
        for rows in (split.train, split.valid):
            rows = np.ascontiguousarray(rows)
            digest.update(str((rows.dtype.str, rows.shape)).encode())
            digest.update(rows.tobytes())
        key = (getattr(split, "index", None), id(getattr(split, "data", None)), digest.hexdigest())
        with self._lock:
            self._splits[id(split)] = (split, key)
        return key

    def get(self, key: Any) -> tuple[np.ndarray, ...] | None:
        """Copies of the entry's arrays (a hit), or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        return tuple(np.array(a, copy=True) for a in found[0])

    def put(self, key: Any, arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        """Store copies of `arrays` (a miss) and return the originals to the caller."""
        stored = []
        for a in arrays:
            copy = np.array(a, copy=True)
            copy.setflags(write=False)
            stored.append(copy)
        size = sum(a.nbytes for a in stored)
        with self._lock:
            self.misses += 1
            if key in self._entries or not self.enabled:
                return tuple(arrays)
            if size > self.limit_bytes:
                self.too_large += 1
                return tuple(arrays)
            while self._entries and self.bytes + size > self.limit_bytes:
                _, (_, old) = self._entries.popitem(last=False)
                self.bytes -= old
                self.evictions += 1
            self._entries[key] = (tuple(stored), size)
            self.bytes += size
            self.peak_bytes = max(self.peak_bytes, self.bytes)
        return tuple(arrays)

    def fetch(self, key: Any, compute: Callable[[], Sequence[np.ndarray]]) -> tuple[np.ndarray, ...]:
        found = self.get(key)
        if found is not None:
            return found
        return self.put(key, compute())

    def count_uncached(self) -> None:
        with self._lock:
            self.uncached_fits += 1

    def summary(self) -> dict[str, Any]:
        """The report's `cache` dict."""
        with self._lock:
            return {
                "enabled": self.enabled,
                "limit_mb": round(self.limit_bytes / _MB, 3),
                "hits": self.hits,
                "misses": self.misses,
                "entries": len(self._entries),
                "peak_mb": round(self.peak_bytes / _MB, 3),
                "evictions": self.evictions,
                "too_large": self.too_large,
                "uncached_fits": self.uncached_fits,
                "cached_steps": self.cached_steps,
                "fixed_steps": self.fixed_steps,
                "notes": list(self.notes),
            }
