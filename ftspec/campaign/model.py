"""The campaign IR: what `ftcompile` prints for a `campaign:` file (docs/campaigns.md, "The campaign IR").

A campaign lowers to stages, and each stage to one concrete study per seed (plain `ftspec.ir.Study`
values, in the document's `studies`). What a stage takes from earlier stages is lineage, resolved
only at run time from the storage: the trials it warm-starts from, and its narrowed ranges, written
here as formulas over the earlier stage's best value (`best`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ftspec._record import Record
from ftspec.ir import IR_VERSION, Study, StudySource, selected_index

CAMPAIGN_IR_VERSION = 1


def study_metric(study: Study) -> tuple[str, str]:
    """(metric, direction) a campaign compares a study's stages on: the objective its `select` names
    (the only one of a single-objective study); the one place a campaign reads them."""
    objective = study.objectives[selected_index(study)]
    return objective.metric, objective.direction


@dataclass(eq=False, repr=False)
class Budget(Record):
    """What the campaign may cost; null fields: no limit."""

    max_hours: float | None
    """Wall hours of the whole campaign (checked by `ftrun --estimate` before a full stage starts)."""
    max_fits: int | None
    """Model fits of the whole campaign, refits included (checked by the compiler: FT610)."""


@dataclass(eq=False, repr=False)
class WarmStart(Record):
    """Trials enqueued first in each seed's study: the `top` best complete trials of every seed of `stage`."""

    stage: str
    top: int
    studies: list[str]
    """The ids of the studies they are read from (resolved from the storage at run time)."""


@dataclass(eq=False, repr=False)
class NarrowedParam(Record):
    """One numeric range shrunk around the earlier stage's best value `best` (its best trial over all seeds)."""

    name: str
    kind: str
    """`int` or `float`."""
    declared_low: float
    declared_high: float
    log: bool
    low: str
    """Formula of the narrowed low bound (log ranges: on log10 values), resolved at run time."""
    high: str
    """Formula of the narrowed high bound."""


@dataclass(eq=False, repr=False)
class Narrow(Record):
    """Numeric ranges shrunk to `fraction` of their declared width around `stage`'s best, clipped to the declared range."""

    stage: str
    fraction: float
    params: list[NarrowedParam]


@dataclass(eq=False, repr=False)
class Work(Record):
    """The work a stage declares, known before it runs."""

    studies: int
    """Seeds (times folds for `individual`)."""
    trials: int
    folds: int | None
    """Model fits per trial (1 for a holdout); null when the splitter's folds are unknown before the run."""
    model_fits: int
    """trials x folds (counted with 1 fold when unknown)."""
    refits: int
    """Final fits on the whole data: one per study."""
    transform_fits: int = 0
    """Transformer fits at most: (model fits + refits) x the pipeline's transforms before the model
    (`y_processing` included). The fitted-prefix cache (`--cache-mb`) fits a prefix of fixed,
    deterministic transforms once per fold instead, so the run does fewer."""


@dataclass(eq=False, repr=False)
class Stage(Record):
    """One stage: the same search run once per seed, after the stages before it."""

    name: str
    n_trials: int
    """Trials of each seed's study."""
    seeds: list[int]
    search: list[str]
    """Searched parameters (the space's names; train parameters as `train:<name>`)."""
    hold: dict[str, Any]
    """Every other parameter of the space, by name, with the value it is held at."""
    pipeline: str
    """`file#study id` of the study this stage tunes."""
    compare_with: str | None
    """The stage the decision compares this one with (the one before it; null for the first)."""
    warm_start: WarmStart | None
    narrow: Narrow | None
    studies: list[str]
    """Ids of its concrete studies, one per seed, in seed order (`<campaign>:<stage>:seed<k>`, also their storage names)."""
    work: Work


@dataclass(eq=False, repr=False)
class Decide(Record):
    """The rules that pick the winning stage after the last one."""

    min_gain: float
    """Relative improvement a later stage needs over the best earlier stage to win."""
    max_seed_spread: float | None
    """Seeds agree when each numeric best param differs by at most this fraction of its declared range (null: not checked)."""


@dataclass(eq=False, repr=False)
class Campaign(Record):
    name: str
    source: StudySource
    """Where the `campaign` mapping was written."""
    storage: str | None
    """Optuna storage URL of every study (null: in memory)."""
    budget: Budget | None
    stages: list[Stage]
    decide: Decide
    work: Work
    """The stages' work summed."""


@dataclass(eq=False, repr=False)
class CampaignDocument(Record):
    """`ftcompile` of a campaign file."""

    campaign_ir_version: int
    ir_version: int
    campaign: Campaign
    studies: list[Study] = field(default_factory=list)
    """The concrete studies of every stage, stage by stage, seed by seed."""


def new_document(campaign: Campaign, studies: list[Study]) -> CampaignDocument:
    return CampaignDocument(CAMPAIGN_IR_VERSION, IR_VERSION, campaign, studies)


def dump_campaign(doc: CampaignDocument) -> str:
    """Deterministic JSON text, as `ftspec.ir.dump_ir`."""
    return json.dumps(asdict(doc), indent=2, ensure_ascii=True, allow_nan=False) + "\n"


def campaign_to_dict(doc: CampaignDocument) -> dict[str, Any]:
    return asdict(doc)


def campaign_from_dict(data: dict[str, Any]) -> Campaign:
    """The `Campaign` of a `campaign_to_dict(...)["campaign"]` (reports, tests)."""
    stages = []
    for s in data["stages"]:
        ws = WarmStart(**s["warm_start"]) if s["warm_start"] else None
        nr = None
        if s["narrow"]:
            nr = Narrow(s["narrow"]["stage"], s["narrow"]["fraction"], [NarrowedParam(**p) for p in s["narrow"]["params"]])
        stages.append(Stage(**{**s, "warm_start": ws, "narrow": nr, "work": Work(**s["work"])}))
    budget = Budget(**data["budget"]) if data["budget"] else None
    return Campaign(data["name"], StudySource(**data["source"]), data["storage"], budget, stages, Decide(**data["decide"]),
                    Work(**data["work"]))
