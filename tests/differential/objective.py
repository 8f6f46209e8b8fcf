"""Differential comparison at the objective level: nirs4all 1.4.10's grouped objective against
ftspec's runtime, on the same scheduled fold outcomes (issue 16).

A case is a legacy `finetune_params` block (eval mode, metric giving the direction, pruner, sampler
`random` with a seed, one categorical parameter with one choice, `n_trials`, `study_name`) and a
schedule `outcomes[trial][fold]`: a score, "nan", "inf", "-inf" or "raise".

- nirs4all's side: `tools/n4a_objective_probe.py` runs `OptunaManager.finetune` with `folds` and a
  stand-in controller returning (or raising) the scheduled outcome of each (trial, fold).
- ftspec's side (`run_ftspec`): the block compiled with `compile_text` (a bare block), then
  `ftspec.runtime.optimize.optimize(study, f, folds=..., storage=<in-memory>, study_name=...)` with a
  plain callable `f(model_params, train_params, split)` returning (or raising) the outcome of
  (trial, `split.index`); a trial starts at fold 0 (`optimize` calls it once per fold, in fold
  order, one trial at a time). The trials are read from the Optuna study in the storage, as the
  probe reads nirs4all's, so both sides describe Optuna's own records (for a pruned trial, Optuna
  stores its last intermediate value as its value).

`study_name`: nirs4all passes the block's `study_name` to `optuna.create_study` even without a
storage, and `HyperbandPruner` assigns a trial to a bracket by hashing the study's name and the
trial's number, so both sides must use the same name for hyperband's decisions to be comparable.
ftspec drops a name without storage (FT325), so the test passes it to `optimize`. The sampler does
not matter: the one parameter has one choice.

Compared, trial by trial: the number of trials, each trial's state, its value, its intermediate
values (steps and values) and the step it was pruned at. Each difference names the keys of the
block responsible for it: a value comes from the eval mode's aggregation (`eval_mode`); the state,
the steps reported and the pruning decision from the pruner and the eval mode (the value reported);
the trial count from `n_trials`. A difference is explained only by a warning or error finding of
ftspec's compile at one of those keys (an informational note, or a finding at the block itself,
explains nothing), nor one that states agreement with nirs4all 1.4.10's objective (FT309 `avg`
is nirs4all's mean, FT334 legacy `robust_best` is nirs4all's best: `_agreement_notes`); a key the block does not write explains nothing. A case is `agree` without
difference, `explained` when every difference is explained, else `unexplained`.
"""

from __future__ import annotations

import json
import math
import random
import warnings
from dataclasses import dataclass, field
from typing import Any

from ftspec.compiler.compile import CompileResult, compile_text

from .compare import join, same_json, within

EVAL_MODES: tuple[str | None, ...] = ("best", "mean", "robust_best", "avg", None)
"""nirs4all 1.4.10's eval modes (`best`, `mean`, `robust_best`), its alias `avg` and no key (its
default, `best`)."""
DIRECTIONS = {"minimize": "rmse", "maximize": "r2"}
"""Direction -> the metric that gives it (nirs4all infers the direction from the metric)."""
PRUNERS = ("none", "median", "successive_halving", "hyperband")
SEED = 16
N_TRIALS = 12
FAILURES = ("nan", "inf", "-inf", "raise")


# --------------------------------------------------------------------------- cases


def _fold_outcomes(rng: random.Random, n_folds: int, direction: str, p_fail: float) -> list[Any]:
    """One trial: a level (its quality) plus noise per fold; each fold fails with `p_fail`."""
    level = rng.uniform(0.2, 3.0)
    out: list[Any] = []
    for _ in range(n_folds):
        if rng.random() < p_fail:
            out.append(rng.choice(FAILURES))
        else:
            score = max(0.01, level + rng.gauss(0, 0.4))
            out.append(round(score if direction == "minimize" else 1.0 - score, 3))
    return out


def generate_cases(seed: int = SEED, n_trials: int = N_TRIALS) -> list[dict[str, Any]]:
    """Every eval mode x direction x pruner: `n_trials` trials of 3 to 5 folds, a fixed seed; then
    best/mean x pruner (minimising) with one fold and with two.

    Most trials are finite with some failed folds (NaN, +-inf or raise, 15% of the folds); one
    trial per case has every fold failed, one mixes failure kinds (all four when it has 5 folds)
    with a finite fold.
    """
    rng = random.Random(seed)
    cases = []
    for eval_mode in EVAL_MODES:
        for direction, metric in DIRECTIONS.items():
            for pruner in PRUNERS:
                n_folds = rng.randint(3, 5)
                outcomes = [_fold_outcomes(rng, n_folds, direction, 0.15) for _ in range(n_trials)]
                all_failed, every_kind = rng.sample(range(1, n_trials), 2)
                # every fold failed: alternately every fold raising (nothing reported) and mixed kinds
                outcomes[all_failed] = (["raise"] * n_folds if len(cases) % 2 else
                                        [rng.choice(FAILURES) for _ in range(n_folds)])
                mixed = rng.sample(FAILURES, min(len(FAILURES), n_folds - 1)) + [0.5] * max(1, n_folds - len(FAILURES))
                rng.shuffle(mixed)
                outcomes[every_kind] = mixed
                cid = f"{eval_mode or 'default'}-{direction}-{pruner}"
                block: dict[str, Any] = {"n_trials": n_trials, "metric": metric, "sampler": "random", "seed": 0,
                                         "pruner": pruner, "study_name": f"ftspec-objective-{cid}",
                                         "model_params": {"alpha": [1.0]}}
                if eval_mode is not None:
                    block["eval_mode"] = eval_mode
                cases.append({"id": cid, "block": block, "n_folds": n_folds, "outcomes": outcomes})
    # few folds: one fold (one step: the aggregate is the fold) and two
    for n_folds in (1, 2):
        for eval_mode in ("best", "mean"):
            for pruner in PRUNERS:
                outcomes = [_fold_outcomes(rng, n_folds, "minimize", 0.2) for _ in range(n_trials)]
                outcomes[rng.randrange(1, n_trials)] = [rng.choice(FAILURES) for _ in range(n_folds)]
                cid = f"{eval_mode}-minimize-{pruner}-{n_folds}fold{'s' if n_folds > 1 else ''}"
                block = {"n_trials": n_trials, "metric": "rmse", "sampler": "random", "seed": 0, "pruner": pruner,
                         "study_name": f"ftspec-objective-{cid}", "model_params": {"alpha": [1.0]}, "eval_mode": eval_mode}
                cases.append({"id": cid, "block": block, "n_folds": n_folds, "outcomes": outcomes})
    return cases


def folds_for(n_folds: int, n_rows: int = 20) -> list[tuple[list[int], list[int]]]:
    """The same folds as the probe's (fold k validates on the rows i % (n_folds + 1) == k); only their
    number and order matter here."""
    return [([i for i in range(n_rows) if i % (n_folds + 1) != k], [i for i in range(n_rows) if i % (n_folds + 1) == k])
            for k in range(n_folds)]


# --------------------------------------------------------------------------- ftspec side


def safe(value: Any) -> Any:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else repr(value)


def outcome_value(outcome: Any) -> float | None:
    if outcome == "raise":
        return None
    return float(outcome)


def compile_case(case: dict[str, Any]) -> CompileResult:
    return compile_text(json.dumps(case["block"]), f"<objective {case['id']}>", "json")


def frozen_view(t: Any) -> dict[str, Any]:
    """A trial as the probe writes it."""
    return {"number": t.number, "state": t.state.name, "value": safe(t.value),
            "intermediate": {str(step): safe(v) for step, v in sorted(t.intermediate_values.items())},
            "pruned_step": t.last_step if t.state.name == "PRUNED" else None}


def run_ftspec(case: dict[str, Any], result: CompileResult | None = None) -> dict[str, Any]:
    """ftspec's runtime on the case: its trials (probe format), the callable's calls, any error."""
    import optuna

    from ftspec.runtime.optimize import StudyFailed, optimize

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    result = result or compile_case(case)
    out: dict[str, Any] = {"id": case["id"], "trials": [], "calls": [], "error": None, "compile_error": None}
    study = next(iter(result.ir.studies), None)
    if study is None:
        out["compile_error"] = [f"{d.code}@{d.pointer}: {d.message}" for d in result.diagnostics if d.severity == "error"]
        return out
    outcomes = case["outcomes"]
    state = {"trial": -1}

    def objective(model_params: dict, train_params: dict, split: Any) -> float:
        fold = split.index
        if fold == 0:
            state["trial"] += 1
        trial = state["trial"]
        out["calls"].append([trial, fold])
        if trial >= len(outcomes) or fold >= len(outcomes[trial]):
            raise IndexError(f"no outcome scheduled for trial {trial}, fold {fold}")
        value = outcome_value(outcomes[trial][fold])
        if value is None:
            raise RuntimeError(f"scheduled failure (trial {trial}, fold {fold})")
        return value

    storage = optuna.storages.InMemoryStorage()
    name = case["block"]["study_name"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optimize(study, objective, folds=folds_for(case["n_folds"]), storage=storage, study_name=name,
                     final_fit=False)
    except StudyFailed as exc:
        out["error"] = {"type": "StudyFailed", "message": str(exc)}
    except Exception as exc:  # the runtime refused to run: no trials
        out["error"] = {"type": type(exc).__name__, "message": str(exc)}
    try:
        trials = optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)
    except KeyError:
        trials = []
    out["trials"] = [frozen_view(t) for t in trials]
    return out


# --------------------------------------------------------------------------- comparison


RESPONSIBLE = {
    "value": ("eval_mode",),
    "state": ("pruner", "eval_mode"),
    "intermediate": ("pruner", "eval_mode"),
    "pruned_step": ("pruner", "eval_mode"),
    "trials": ("n_trials",),
}


def trial_diffs(n4a: list[dict], fts: list[dict]) -> list[dict[str, Any]]:
    """Differences between two trial lists (probe format), trial by trial."""
    diffs: list[dict[str, Any]] = []
    if len(n4a) != len(fts):
        diffs.append({"kind": "trials", "trial": None, "nirs4all": len(n4a), "ftspec": len(fts)})
    for a, b in zip(n4a, fts):
        number = a["number"]
        if a["state"] != b["state"]:
            diffs.append({"kind": "state", "trial": number, "nirs4all": a["state"], "ftspec": b["state"]})
        if not same_json(a["value"], b["value"]):
            diffs.append({"kind": "value", "trial": number, "nirs4all": a["value"], "ftspec": b["value"]})
        ia, ib = a["intermediate"], b["intermediate"]
        for step in sorted(set(ia) | set(ib), key=int):
            va, vb = ia.get(step, "<absent>"), ib.get(step, "<absent>")
            if step not in ia or step not in ib or not same_json(va, vb):
                diffs.append({"kind": "intermediate", "trial": number, "step": int(step), "nirs4all": va, "ftspec": vb})
        if a["pruned_step"] != b["pruned_step"]:
            diffs.append({"kind": "pruned_step", "trial": number, "nirs4all": a["pruned_step"], "ftspec": b["pruned_step"]})
    return diffs


@dataclass
class CaseOutcome:
    id: str
    klass: str
    differences: list[dict] = field(default_factory=list)
    findings_used: list[str] = field(default_factory=list)
    pruned: int = 0
    """Trials nirs4all pruned."""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "class": self.klass, "differences": self.differences,
                "findings_used": self.findings_used, "nirs4all_pruned": self.pruned}


def _agreement_notes() -> set[str]:
    """Warnings that state agreement with nirs4all 1.4.10's objective, so cannot explain a difference
    in it: FT309 (`eval_mode: avg` means mean, as in nirs4all 1.4.10; the warning is about releases
    before 2026-02, which summed) and FT334 (legacy `robust_best` is nirs4all's best, which the IR
    records as nirs4all_best: "exactly nirs4all's value"; the warning is about the word's v2 meaning)."""
    from ftspec.compiler.rules import study as T

    return {T.EVAL_MODE_AVG.code, T.ROBUST_BEST_IS_BEST.code}


def classify_case(case: dict[str, Any], result: CompileResult, n4a: dict[str, Any], fts: dict[str, Any]) -> CaseOutcome:
    block = case["block"]
    pointer = ""  # a bare block: the document is the block
    notes = _agreement_notes()
    findings = [d for d in result.diagnostics
                if d.severity in ("warning", "error") and d.pointer != pointer and d.code not in notes]
    diffs = trial_diffs(n4a.get("trials", []), fts.get("trials", []))
    if n4a.get("probe_error"):
        diffs.append({"kind": "probe", "trial": None, "nirs4all": n4a["probe_error"], "ftspec": None})
    used: list[str] = []
    unexplained = 0
    for diff in diffs:
        keys = RESPONSIBLE.get(diff["kind"], ())
        diff["pointers"] = [join(pointer, k) for k in keys if k in block]
        hits = [d for d in findings if any(within(d.pointer, p) for p in diff["pointers"])]
        diff["explained_by"] = [f"{d.code}@{d.pointer}" for d in hits]
        used += [h for h in diff["explained_by"] if h not in used]
        if not hits:
            unexplained += 1
    klass = "agree" if not diffs else ("unexplained" if unexplained else "explained")
    pruned = sum(t["state"] == "PRUNED" for t in n4a.get("trials", []))
    return CaseOutcome(case["id"], klass, diffs, used, pruned)


def describe(case: dict[str, Any], outcome: CaseOutcome) -> str:
    """The case and its first unexplained difference, with that trial's scheduled outcomes."""
    diff = next(d for d in outcome.differences if not d["explained_by"])
    trial = diff.get("trial")
    where = f"trial {trial}" + (f" step {diff['step']}" if "step" in diff else "")
    sched = f" (folds {case['outcomes'][trial]})" if isinstance(trial, int) and trial < len(case["outcomes"]) else ""
    n_unexplained = sum(not d["explained_by"] for d in outcome.differences)
    return (f"{outcome.id}: {diff['kind']} at {where}{sched}: nirs4all {diff['nirs4all']!r}, ftspec {diff['ftspec']!r}"
            f" [{n_unexplained} unexplained difference(s)]")
