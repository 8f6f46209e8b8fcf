"""Hypothesis profiles for the whole suite.

- `ci` (loaded by default): derandomized, so a run is reproducible and CI never fails on an input
  a previous run did not try; no example database; no deadline (shared CI machines are slow);
  `print_blob` so that a failure prints the `@reproduce_failure` line to replay it exactly.
- `thorough`: ten times the examples, random (each run explores new inputs), with the example
  database so that a failure found once is replayed first next time. Select it with
  `python -m pytest --hypothesis-profile=thorough` (or `HYPOTHESIS_PROFILE=thorough`).

Tests that run whole studies ask for fewer examples than the default; they scale their count with
the profile through `tests.strategies.examples(n)` (n under `ci`, 10 n under `thorough`).
"""

from __future__ import annotations

import os

from hypothesis import settings

from tests.strategies import CI_EXAMPLES, THOROUGH_EXAMPLES

settings.register_profile("ci", derandomize=True, max_examples=CI_EXAMPLES, deadline=None, print_blob=True, database=None)
settings.register_profile("thorough", derandomize=False, max_examples=THOROUGH_EXAMPLES, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
