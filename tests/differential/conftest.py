"""The differential suite runs only when asked for: `python -m pytest -m differential tests/differential`.

Every test here carries the `differential` marker. Unless the `-m` expression given on the command
line mentions `differential`, they are skipped with a message saying how to run them, so that the
default test run (`python -m pytest`) stays as fast and offline as before.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "differential" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="differential suite: run with `python -m pytest -m differential tests/differential`")
    for item in items:
        if item.get_closest_marker("differential") is not None:
            item.add_marker(skip)
