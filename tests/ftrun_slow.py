"""A scikit-learn regressor for ftrun's interrupt tests (`--allow-module tests.ftrun_slow`).

`HangingRidge` is a Ridge whose `fit` appends one line to the file named by `$FTRUN_FIT_LOG` and,
once that file has more than `$FTRUN_HANG_AFTER` lines, stops in its fit until the process gets a
signal. A test waits for that line, so it signals ftrun while a trial is running whatever the
machine's load (no sleep decides what the test sees). Without the variables it is a plain Ridge.
"""

from __future__ import annotations

import os
import time

from sklearn.linear_model import Ridge


class HangingRidge(Ridge):
    def fit(self, X, y, sample_weight=None):  # type: ignore[no-untyped-def]
        log, hang_after = os.environ.get("FTRUN_FIT_LOG"), os.environ.get("FTRUN_HANG_AFTER")
        if log is not None:
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.write(fd, f"fit alpha={self.alpha!r}\n".encode())
            os.close(fd)
            with open(log, encoding="utf-8") as handle:
                n_fits = sum(1 for _ in handle)
            while hang_after is not None and n_fits > int(hang_after):
                time.sleep(0.05)  # until a signal interrupts this trial
        return super().fit(X, y, sample_weight=sample_weight)
