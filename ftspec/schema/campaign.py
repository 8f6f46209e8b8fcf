"""Pydantic model of the campaign file syntax (docs/campaigns.md); its JSON Schema is
`campaign.v2.schema.json` (`python -m ftspec.schema.generate`).

As for `ftspec.schema.v2`, only what JSON Schema can say is here (types, bounds, required and
unknown keys); references between stages, parameter names and budgets are the compiler's FT6xx.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

Name = Annotated[StrictStr, Field(min_length=1, pattern=r"^[^:#]+$")]
Number = Annotated[float, Field(strict=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class BudgetV2(_Model):
    """What the campaign may cost."""

    max_hours: Optional[Annotated[Number, Field(gt=0)]] = Field(None, description="Wall hours of the whole campaign (ftrun --estimate checks it).")
    max_fits: Optional[Annotated[StrictInt, Field(ge=1)]] = Field(None, description="Model fits of the whole campaign, refits included (FT610).")


class WarmStartV2(_Model):
    """Enqueue the best trials of every seed of an earlier stage first."""

    from_: Name = Field(alias="from", description="An earlier stage.")
    top: Annotated[StrictInt, Field(ge=1)] = Field(1, description="Best complete trials taken from each of its seeds.")


class NarrowV2(_Model):
    """Shrink numeric ranges around an earlier stage's best."""

    from_: Name = Field(alias="from", description="An earlier stage.")
    fraction: Annotated[Number, Field(gt=0, le=1)] = Field(description="Share of the declared width kept, centred on the best value, clipped to the declared range.")
    params: Optional[list[StrictStr]] = Field(None, description="Ranges to narrow (default: every searched int and float range).")


class StageV2(_Model):
    """One stage: the same search once per seed."""

    name: Name
    n_trials: Annotated[StrictInt, Field(ge=1)] = Field(description="Trials of each seed's study.")
    seeds: Annotated[list[Annotated[StrictInt, Field(ge=0, le=2**32 - 1)]], Field(min_length=1)] = Field(description="One study per seed.")
    search: Optional[list[StrictStr]] = Field(None, description="Searched parameters (default: all); every other one is held.")
    hold: Optional[dict[str, Any]] = Field(None, description="Values of held parameters (default: a categorical's first choice, a range's low).")
    warm_start: Optional[WarmStartV2] = None
    narrow: Optional[NarrowV2] = None
    pipeline: Optional[StrictStr] = Field(None, description="This stage's pipeline (`file` or `file#study id`), default the campaign's.")
    trial_timeout_seconds: Optional[Annotated[Number, Field(gt=0)]] = Field(
        None, description="Each trial's time limit in this stage's studies (default: the study's own trial_timeout_seconds).")


class DecideV2(_Model):
    """How the winning stage is chosen."""

    min_gain: Optional[Annotated[Number, Field(ge=0)]] = Field(None, description="Relative improvement a later stage needs over the best earlier one (default 0).")
    max_seed_spread: Optional[Annotated[Number, Field(gt=0)]] = Field(None, description="Largest spread of a numeric best param across seeds, as a fraction of its range.")


class CampaignV2(_Model):
    """A campaign: stages of studies on one pipeline, run in order."""

    version: Literal[2]
    name: Name
    pipeline: StrictStr = Field(description="The pipeline file (relative to this file), `file#study id` when it has several studies.")
    storage: Optional[StrictStr] = Field(None, description="Optuna storage URL of every study (default: in memory).")
    budget: Optional[BudgetV2] = None
    stages: Annotated[list[StageV2], Field(min_length=1)]
    decide: Optional[DecideV2] = None


class CampaignFileV2(_Model):
    """An ftspec campaign file (docs/campaigns.md)."""

    campaign: CampaignV2
