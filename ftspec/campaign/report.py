"""Text of a campaign's declared work (`ftcompile`) and of its decision (`ftrun`)."""

from __future__ import annotations

from ftspec.campaign.model import Campaign, Work


def _work_line(work: Work) -> str:
    folds = "fold" if work.folds == 1 else "folds"
    per = f" x {work.folds} {folds}" if work.folds is not None else " x ? folds (counted as 1)"
    refits = "refit" if work.refits == 1 else "refits"
    transforms = f"; at most {work.transform_fits} transform fits" if work.transform_fits else ""
    return (f"{work.studies} {'study' if work.studies == 1 else 'studies'} = {work.trials} trials{per} = "
            f"{work.model_fits} model fits + {work.refits} {refits}{transforms}")


def render_study_work(study_id: str, work: Work) -> str:
    """`study ridge: 1 study = 20 trials x 5 folds = 100 model fits + 1 refit; at most 202 transform fits`."""
    return f"study {study_id}: {_work_line(work)}"


def render_work(campaign: Campaign) -> str:
    """One line per stage and a total: `campaign NAME: stage S: 2 studies = 600 trials x 5 folds = 3000 model fits + 2 refits`."""
    lines = [f"campaign {campaign.name}: stage {s.name}: {_work_line(s.work)}" for s in campaign.stages]
    total = campaign.work
    budget = ""
    if campaign.budget is not None and campaign.budget.max_fits is not None:
        budget = f" (budget.max_fits {campaign.budget.max_fits})"
    transforms = f"; at most {total.transform_fits} transform fits" if total.transform_fits else ""
    lines.append(f"campaign {campaign.name}: total: {total.trials} trials, {total.model_fits} model fits + {total.refits} refits = "
                 f"{total.model_fits + total.refits} fits{budget}{transforms}")
    return "\n".join(lines)
