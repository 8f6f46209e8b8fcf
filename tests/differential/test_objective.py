"""Differential suite at the objective level (issue 16): nirs4all 1.4.10's grouped objective
against ftspec's runtime on generated fold outcomes, for every eval mode x direction x pruner.

Run with the rest of the differential suite::

    python -m pytest -m differential tests/differential -q -s

Cases, the two sides and the classification are described in `objective.py`. The table goes into
the differential report JSON (`differential-report.json` in the rootdir, or
`$FTSPEC_DIFF_REPORT`) under `objective`, and the line
`objective cases: agree N, explained N, unexplained N` is printed. The test fails on any
unexplained case, naming the case and its first unexplained difference.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from . import n4a_env
from .objective import FAILURES, PRUNERS, classify_case, compile_case, describe, generate_cases, run_ftspec
from .test_differential import report_path

pytestmark = pytest.mark.differential


@pytest.fixture(scope="module")
def objective_run() -> dict[str, Any]:
    started = time.monotonic()
    python = n4a_env.ensure_venv()
    cases = generate_cases()
    probe = n4a_env.run_objective_probe(python, cases)
    n4a_seconds = time.monotonic() - started
    rows = []
    for case, n4a in zip(cases, probe["results"]):
        result = compile_case(case)
        fts = run_ftspec(case, result)
        rows.append((case, n4a, fts, classify_case(case, result, n4a, fts)))
    return {"cases": cases, "rows": rows, "versions": probe["versions"],
            "seconds": {"nirs4all": round(n4a_seconds, 1), "total": round(time.monotonic() - started, 1)}}


def test_objective_against_nirs4all(objective_run: dict[str, Any], request: pytest.FixtureRequest) -> None:
    rows = objective_run["rows"]
    outcomes = [row[3] for row in rows]
    counts = {k: sum(o.klass == k for o in outcomes) for k in ("agree", "explained", "unexplained")}
    summary = f"objective cases: agree {counts['agree']}, explained {counts['explained']}, unexplained {counts['unexplained']}"
    section = {
        "summary": summary,
        "counts": dict(counts, cases=len(outcomes), trials=sum(len(c["outcomes"]) for c in objective_run["cases"]),
                       nirs4all_pruned_trials=sum(o.pruned for o in outcomes)),
        "versions": objective_run["versions"],
        "seconds": objective_run["seconds"],
        "cases": [dict(o.to_dict(), block=case["block"], outcomes=case["outcomes"],
                       nirs4all={"trials": n4a.get("trials"), "finetune_error": n4a.get("finetune_error"),
                                 "probe_error": n4a.get("probe_error")},
                       ftspec={"trials": fts["trials"], "error": fts["error"], "compile_error": fts["compile_error"]})
                  for case, n4a, fts, o in rows],
    }
    path = report_path(request.config)
    report = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    report["objective"] = section
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{summary}; report: {path}")
    bad = [(case, o) for case, _, _, o in rows if o.klass == "unexplained"]
    if bad:
        pytest.fail(summary + "\n" + "\n".join("  " + describe(case, o) for case, o in bad), pytrace=False)


def test_cases_exercise_pruning_and_failures(objective_run: dict[str, Any]) -> None:
    """A differential where nothing prunes or fails proves nothing: on nirs4all's side, every pruner
    kind pruned some trials (and `none` none), no probe errored, and the schedules hold every failure
    kind and trials whose every fold failed."""
    pruned_by_kind = {kind: 0 for kind in PRUNERS}
    for case, n4a, _, outcome in objective_run["rows"]:
        assert not n4a.get("probe_error"), (case["id"], n4a["probe_error"])
        assert len(n4a["trials"]) == len(case["outcomes"]), case["id"]
        pruned_by_kind[case["block"]["pruner"]] += outcome.pruned
    assert pruned_by_kind["none"] == 0
    for kind in PRUNERS[1:]:
        assert pruned_by_kind[kind] > 0, f"no case with pruner {kind!r} pruned a trial on nirs4all's side: {pruned_by_kind}"
    cells = [o for c in objective_run["cases"] for t in c["outcomes"] for o in t]
    assert set(FAILURES) <= {o for o in cells if isinstance(o, str)}
    assert all(any(all(isinstance(o, str) for o in t) for t in c["outcomes"]) for c in objective_run["cases"])
    # nirs4all really ran the schedule: every trial called its folds in order, until pruned
    for case, n4a, _, _ in objective_run["rows"]:
        for t in n4a["trials"]:
            folds = [f for trial, f in n4a["calls"] if trial == t["number"]]
            n = len(case["outcomes"][t["number"]]) if t["state"] != "PRUNED" else t["pruned_step"] + 1
            assert folds == list(range(n)), (case["id"], t["number"], folds)
