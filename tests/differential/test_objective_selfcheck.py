"""Self-check of the objective comparison (no nirs4all needed): a fabricated nirs4all result equal to
ftspec's own trials agrees; a changed value, a changed state, a missing or changed intermediate step
and a missing trial are each noticed and unexplained without a finding at the responsible key; the
same difference with a warning at that key is explained, an informational note or a finding
elsewhere does not explain it, and neither do FT309 (`avg` is nirs4all 1.4.10's mean) and FT334
(legacy `robust_best` is nirs4all's best), which state agreement."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ftspec.compiler.diagnostics import Diagnostic

from .objective import classify_case, compile_case, run_ftspec

pytestmark = pytest.mark.differential

OUTCOMES = [[1.0, 2.0, 3.0], [0.5, 0.6, 0.7], [2.0, 2.5, 2.2], [3.0, 3.1, 3.2], [0.9, 1.0, 1.1],
            [5.0, 5.0, 5.0], [0.1, 0.2, 0.3], [6.0, 7.0, 8.0]]


def _case(**block: Any) -> dict[str, Any]:
    base = {"n_trials": len(OUTCOMES), "metric": "rmse", "sampler": "random", "seed": 0, "pruner": "median",
            "eval_mode": "mean", "study_name": "ftspec-objective-selfcheck", "model_params": {"alpha": [1.0]}}
    base.update(block)
    return {"id": "selfcheck", "block": base, "n_folds": 3, "outcomes": copy.deepcopy(OUTCOMES)}


TRIALS = [  # what a side reports for OUTCOMES with eval mode mean and a median pruner (hand-written)
    {"number": n, "state": "COMPLETE", "value": sum(f) / 3,
     "intermediate": {str(k): sum(f[:k + 1]) / (k + 1) for k in range(3)}, "pruned_step": None}
    for n, f in enumerate(OUTCOMES)
]


def _run(case: dict[str, Any]) -> tuple[Any, dict, dict]:
    """The compile of the case, and two equal sides (the comparison is checked, not the runtime)."""
    result = compile_case(case)
    return result, {"id": case["id"], "trials": copy.deepcopy(TRIALS)}, {"id": case["id"], "trials": copy.deepcopy(TRIALS)}


def test_ftspec_side_runs_the_schedule() -> None:
    """run_ftspec hands the scheduled outcome of (trial, fold) to ftspec's runtime, fold by fold."""
    fts = run_ftspec(_case(pruner="none"))
    assert fts["calls"] == [[t, f] for t in range(len(OUTCOMES)) for f in range(3)]
    assert [t["number"] for t in fts["trials"]] == list(range(len(OUTCOMES)))


def _first_reported(trials: list[dict]) -> dict:
    return next(t for t in trials if t["intermediate"])


def test_identical_agrees() -> None:
    case = _case()
    result, n4a, fts = _run(case)
    assert classify_case(case, result, n4a, fts).klass == "agree"


@pytest.mark.parametrize("change", ["value", "state", "missing_step", "step_value", "missing_trial"])
def test_each_change_is_noticed_and_unexplained(change: str) -> None:
    case = _case()
    result, n4a, fts = _run(case)
    trial = _first_reported(n4a["trials"])
    if change == "value":
        trial["value"] = 123.0
        expected = {"value"}
    elif change == "state":
        trial["state"], trial["pruned_step"] = "PRUNED", max(int(s) for s in trial["intermediate"])
        expected = {"state", "pruned_step"}
    elif change == "missing_step":
        trial["intermediate"].pop(max(trial["intermediate"], key=int))
        expected = {"intermediate"}
    elif change == "step_value":
        trial["intermediate"]["0"] = -1.0
        expected = {"intermediate"}
    else:
        n4a["trials"].pop()
        expected = {"trials"}
    out = classify_case(case, result, n4a, fts)
    assert out.klass == "unexplained"
    assert {d["kind"] for d in out.differences} == expected
    if change != "missing_trial":
        assert {d["trial"] for d in out.differences} == {trial["number"]}


def _with_finding(result: Any, code: str, severity: str, pointer: str) -> None:
    result.diagnostics.append(Diagnostic(code=code, severity=severity, message="selfcheck", file="<selfcheck>",  # type: ignore[arg-type]
                                         pointer=pointer, line=1, column=1, end_line=1, end_column=1))


def test_a_warning_at_the_responsible_key_explains() -> None:
    case = _case()
    result, n4a, fts = _run(case)
    _first_reported(n4a["trials"])["value"] = 123.0  # a value: the eval mode's key
    _with_finding(result, "FT999", "warning", "/pruner")
    assert classify_case(case, result, n4a, fts).klass == "unexplained"  # the pruner does not make the value
    _with_finding(result, "FT998", "info", "/eval_mode")
    assert classify_case(case, result, n4a, fts).klass == "unexplained"  # a note explains nothing
    _with_finding(result, "FT997", "warning", "/eval_mode")
    out = classify_case(case, result, n4a, fts)
    assert out.klass == "explained" and out.findings_used == ["FT997@/eval_mode"]


@pytest.mark.parametrize(("eval_mode", "code"), [("avg", "FT309"), ("robust_best", "FT334")])
def test_agreement_notes_do_not_explain(eval_mode: str, code: str) -> None:
    case = _case(eval_mode=eval_mode)
    result, n4a, fts = _run(case)
    assert code in {d.code for d in result.diagnostics if d.pointer == "/eval_mode" and d.severity == "warning"}
    _first_reported(n4a["trials"])["value"] = 123.0
    assert classify_case(case, result, n4a, fts).klass == "unexplained"
