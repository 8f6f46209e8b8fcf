"""Optuna's distribution arithmetic, reproduced without importing Optuna (the linter must stay light).

Tests compare these functions with optuna.distributions on the same inputs.
"""

from __future__ import annotations

import math
from typing import Any


def as_float(value: Any) -> float | None:
    """float(value) for a finite number (booleans count, as in Python), else None (NaN, inf, too large)."""
    if not isinstance(value, (int, float)):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def adjusted_high(low: Any, high: Any, step: Any, integral: bool) -> Any:
    """The high Optuna really uses: `_adjust_int_uniform_high` / `_adjust_discrete_uniform_high`.

    Optuna silently lowers `high` to the last point of the step grid; the IR records that value
    (and FT401 reports the change at the source).
    """
    if step is None or low > high or step <= 0:
        return high
    if integral:
        r = high - low
        return high if r % step == 0 else r // step * step + low
    import decimal  # only for float steps: kept off the linter's start-up

    try:
        d_low, d_high, d_step = (decimal.Decimal(str(float(v))) for v in (low, high, step))
        d_r = d_high - d_low
        if d_r % d_step == 0:
            return high
        return float((d_r // d_step) * d_step + d_low)
    except (decimal.DecimalException, OverflowError, ValueError):
        # Optuna's own Decimal arithmetic fails the same way; the range is reported elsewhere.
        return high
