"""The v2 front-end and the v2 JSON Schema agree: a block the schema rejects gets an error from the
compiler, and a block the schema accepts gets no structural (FT1xx/FT2xx) error.

The generator is the schema tests' (valid blocks with at most one near miss); semantic rules the
schema cannot express (low <= high, direction vs metric, Optuna behaviours) are the compiler's own.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, assume, given, settings

from ftspec.compiler.compile import compile_text
from tests.strategies import documents
from tests.test_schema import V2, schema_errors


CROSS_FIELD = {"FT222", "FT224"}
"""Structural codes that compare two places (name conflicts, conditions naming another parameter)."""


@settings(
    max_examples=int(os.environ.get("FTSPEC_SCHEMA_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(doc=documents())
def test_compiler_agrees_with_the_v2_schema(doc: Any) -> None:
    # A block without `version` is legacy to the compiler (a different language), not v2.
    assume(isinstance(doc, dict) and "version" in doc)
    result = compile_text(json.dumps({"finetune_params": doc}), "block.json", "json")
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if V2.is_valid(doc):
        structural = [d for d in errors if d.code[:3] in ("FT1", "FT2") and d.code not in CROSS_FIELD]
        assert not structural, f"schema accepts, compiler says {[(d.code, d.pointer, d.message) for d in structural]}: {json.dumps(doc)[:1500]}"
    else:
        assert errors, f"schema rejects ({schema_errors(doc)[:3]}), compiler has no error: {json.dumps(doc)[:1500]}"
