"""The decision after the last stage: which stage wins, each rule's figures, and the reasons in words.

- A stage's value is the best of its seeds' best values.
- Seeds agree when, for every numeric parameter the stage searched, the seeds' best values differ by
  at most `max_seed_spread` of its declared range (log ranges: on log10 values).
- The first stage is the incumbent. A later stage replaces it when its value improves on the best
  value of every earlier stage by at least `min_gain` (relative: |best - value| / |best|, in the
  metric's direction) and its seeds agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ftspec.campaign.model import Campaign, study_metric
from ftspec.ir import FloatParam, IntParam, Study, optuna_name

REPORT_VERSION = 1


@dataclass
class StudyResult:
    """One seed's study of a stage, read from the storage."""

    seed: int
    study: str
    n_finished: int
    best_value: float | None
    best_params: dict[str, Any] | None
    """Every parameter by name (held ones included) of the best trial."""
    ranked: list[dict[str, Any]] = field(default_factory=list, repr=False)
    """The params of every complete trial, best first."""


def _pct(x: float) -> str:
    return f"{x * 100:.2f}".rstrip("0").rstrip(".") + "%"


def _spread(study: Study, stage_search: list[str], results: list[StudyResult]) -> dict[str, float]:
    out: dict[str, float] = {}
    bests = [r.best_params for r in results if r.best_params is not None]
    if len(bests) < 2:
        return out
    for entry in study.space:
        name = optuna_name(entry)
        if name not in stage_search or not isinstance(entry, (IntParam, FloatParam)):
            continue
        values = [b[name] for b in bests if name in b]
        if entry.log:
            width = math.log10(entry.high) - math.log10(entry.low)
            values = [math.log10(v) for v in values]
        else:
            width = entry.high - entry.low
        out[name] = round((max(values) - min(values)) / width, 6) if width > 0 else 0.0
    return out


def decide(campaign: Campaign, results: dict[str, list[StudyResult]], studies: dict[str, Study]) -> dict[str, Any]:
    """The decision document (JSON-able); `studies`: a compiled study of each stage (its declared space)."""
    rules = campaign.decide
    direction = study_metric(next(iter(studies.values())))[1]
    better = (lambda a, b: a < b) if direction == "minimize" else (lambda a, b: a > b)
    stages_out: list[dict[str, Any]] = []
    reasons: list[str] = []
    winner: dict[str, Any] | None = None
    best_earlier: dict[str, Any] | None = None
    for stage in campaign.stages:
        seeds = results[stage.name]
        done = [r for r in seeds if r.best_value is not None]
        top = None
        for r in done:
            if top is None or better(r.best_value, top.best_value):
                top = r
        spread = _spread(studies[stage.name], stage.search, seeds)
        limit = rules.max_seed_spread
        disagree = {p: s for p, s in spread.items() if limit is not None and s > limit}
        for p, s in disagree.items():
            reasons.append(f"{stage.name}: seeds disagree on {p}: spread {s:.2f} > {limit:g}")
        entry: dict[str, Any] = {
            "name": stage.name,
            "best_value": top.best_value if top else None,
            "best_seed": top.seed if top else None,
            "best_params": top.best_params if top else None,
            "seeds": [{"seed": r.seed, "study": r.study, "n_finished": r.n_finished, "best_value": r.best_value,
                       "best_params": r.best_params} for r in seeds],
            "spread": spread,
            "seeds_agree": not disagree,
            "gain": None,
        }
        if top is None:
            reasons.append(f"{stage.name}: no complete trial: it cannot win")
        elif winner is None:
            winner = entry
            reasons.append(f"{stage.name}: first stage, best {campaign_metric(studies)}={top.best_value:.6g} (seed {top.seed})")
        else:
            assert best_earlier is not None
            ref = best_earlier["best_value"]
            gain = (ref - top.best_value) if direction == "minimize" else (top.best_value - ref)
            gain = gain / abs(ref) if ref else (math.inf if gain > 0 else 0.0)
            entry["gain"] = {"over": best_earlier["name"], "value": gain}
            if gain < rules.min_gain:
                verb = f"beat {best_earlier['name']} by" if gain > 0 else f"did not beat {best_earlier['name']}: gain"
                reasons.append(f"{stage.name} {verb} {_pct(gain)} < min_gain {_pct(rules.min_gain)}: keep {winner['name']}")
            elif disagree:
                reasons.append(f"{stage.name} beat {best_earlier['name']} by {_pct(gain)} >= min_gain {_pct(rules.min_gain)}, "
                               f"but its seeds disagree: keep {winner['name']}")
            else:
                reasons.append(f"{stage.name} beat {best_earlier['name']} by {_pct(gain)} >= min_gain {_pct(rules.min_gain)}: "
                               f"{stage.name} wins")
                winner = entry
        if top is not None and (best_earlier is None or better(top.best_value, best_earlier["best_value"])):
            best_earlier = entry
        stages_out.append(entry)
    return {
        "report_version": REPORT_VERSION,
        "campaign": campaign.name,
        "metric": campaign_metric(studies),
        "direction": direction,
        "rules": {"min_gain": rules.min_gain, "max_seed_spread": rules.max_seed_spread},
        "decision": {
            "stage": winner["name"] if winner else None,
            "best_value": winner["best_value"] if winner else None,
            "best_params": winner["best_params"] if winner else None,
            "seeds_agree": winner["seeds_agree"] if winner else None,
        },
        "reasons": reasons,
        "stages": stages_out,
    }


def campaign_metric(studies: dict[str, Study]) -> str:
    return study_metric(next(iter(studies.values())))[0]
