"""FT6xx: campaign files (`campaign:` at the top of a file; see docs/campaigns.md).

A campaign lowers to one concrete study per stage and seed; these rules cover what makes that
lowering, or the comparison of its stages, meaningless.
"""

from ftspec.compiler.diagnostics import define

UNKNOWN_CAMPAIGN_KEY = define(
    "FT601", "unknown-campaign-key", "error",
    "A key a campaign, stage, budget or decide mapping does not have.",
    "unknown key {key!r} in {owner}{hint}",
    old="Campaigns are new: there was no old behaviour.",
    now="The key is an error and is ignored by the lowering.",
    fix="Remove the key, or spell it as the campaign syntax does (docs/campaigns.md).",
)
INVALID_CAMPAIGN_VALUE = define(
    "FT602", "invalid-campaign-value", "error",
    "A campaign value that is missing or of the wrong type or range.",
    "{what}: {reason}",
    old="Campaigns are new: there was no old behaviour.",
    now="The campaign is an error; what could be lowered is still in the IR.",
    fix="Write the value as docs/campaigns.md describes it.",
)
CAMPAIGN_PIPELINE = define(
    "FT603", "campaign-pipeline", "error",
    "The campaign's pipeline cannot be compiled to exactly one study.",
    "pipeline {pipeline!r}: {reason}",
    old="Campaigns are new: there was no old behaviour.",
    now="No study can be lowered for the stages that use this pipeline.",
    fix="Point `pipeline` at a file with one study, or name the study as `file.yaml#<study id>`; fix the pipeline's "
        "own findings with `ftlint` on it.",
)
UNKNOWN_STAGE = define(
    "FT604", "unknown-stage-reference", "error",
    "`warm_start.from` or `narrow.from` names no earlier stage.",
    "{key} from {value!r}: no earlier stage has that name{hint}",
    old="Campaigns are new: there was no old behaviour.",
    now="The reference is ignored: the stage starts cold / keeps its declared ranges.",
    fix="Name a stage declared before this one (stages run in order).",
)
NARROW_CATEGORICAL = define(
    "FT605", "narrow-categorical", "error",
    "`narrow.params` names a parameter that has no numeric range.",
    "narrow: {name!r} is {kind}; only int and float ranges can be narrowed",
    old="Campaigns are new: there was no old behaviour.",
    now="The parameter keeps its declared domain.",
    fix="Remove it from `narrow.params` (without `params`, every searched int and float range is narrowed and "
        "categoricals are kept whole).",
)
DUPLICATE_SEED = define(
    "FT606", "duplicate-seed", "error",
    "A seed listed twice in one stage (both would be the same study).",
    "seed {seed} is listed twice in stage {stage!r}",
    old="Campaigns are new: there was no old behaviour.",
    now="The second one is ignored.",
    fix="Give every seed of a stage once.",
)
SEED_REUSED = define(
    "FT607", "seed-reused-across-stages", "warning",
    "A seed used by an earlier stage: the stages' results are not independent draws.",
    "seed {seed} of stage {stage!r} is also a seed of stage {earlier!r}",
    old="Campaigns are new: there was no old behaviour.",
    now="The seed is used as written; its sampler starts from the same random stream as in the earlier stage, so "
        "agreement between those seeds says less.",
    fix="Use fresh seeds for each stage (e.g. 60, 61 then 70, 71).",
)
STAGE_MISMATCH = define(
    "FT608", "stage-comparison-mismatch", "error",
    "A stage scored differently (metric, direction, approach, eval mode, splitter, validation) from the stage it is "
    "compared with.",
    "stage {stage!r} is compared with stage {other!r}, but its {what} differs: {mine} vs {theirs}",
    old="Campaigns are new: there was no old behaviour.",
    now="The decision would compare numbers that do not measure the same thing; the campaign is an error.",
    fix="Give both stages pipelines with the same metric, approach, eval mode and splitter.",
)
UNKNOWN_SPACE_PARAM = define(
    "FT609", "unknown-campaign-param", "error",
    "`search`, `hold` or `narrow.params` names a parameter the pipeline's space does not have.",
    "{key}: {name!r} is not a parameter of study {study!r}{hint}",
    old="Campaigns are new: there was no old behaviour.",
    now="The name is ignored.",
    fix="Use the space's names (nested groups flattened with `__`, train parameters as `train:<name>`).",
)
BUDGET_EXCEEDED = define(
    "FT610", "campaign-budget-exceeded", "error",
    "The work the stages declare is more than `budget.max_fits`.",
    "the stages declare {fits} model fits (refits included), over budget.max_fits {limit} by {over}; {stage!r} "
    "declares the most ({stage_fits})",
    old="Campaigns are new: there was no old behaviour.",
    now="The campaign is an error: it would not fit its own budget.",
    fix="Lower `n_trials` or the number of seeds of the dominant stage, or raise the budget.",
)
NO_STORAGE = define(
    "FT611", "campaign-without-storage", "warning",
    "A campaign without `storage` runs in memory: a killed run restarts from the first stage.",
    "campaign {name!r} has no storage: it cannot resume, and `--stage` cannot read earlier stages",
    old="Campaigns are new: there was no old behaviour.",
    now="The studies live in memory for the length of one ftrun.",
    fix="Add `storage: sqlite:///<name>.db` (any Optuna storage URL), or pass `ftrun --storage URL`.",
)
UNKNOWN_FOLDS = define(
    "FT612", "campaign-folds-unknown", "info",
    "The number of folds of a stage's splitter is not known before the run: the declared work is a lower bound.",
    "stage {stage!r}: the folds of {splitter} are not known before the run; its work is counted with 1 fold",
    old="Campaigns are new: there was no old behaviour.",
    now="`ftcompile` prints the work with one fold per trial for this stage.",
    fix="Give the splitter an explicit `n_splits`.",
)
MULTI_OBJECTIVE = define(
    "FT613", "campaign-multi-objective", "error",
    "The campaign's pipeline study has several objectives: the decision compares stages on one value.",
    "pipeline {pipeline!r}: study {study!r} has {n} objectives ({metrics}); a campaign compares its stages and seeds on "
    "one best value",
    old="Campaigns are new: there was no old behaviour.",
    now="No study can be lowered for the stages that use this pipeline: a multi-objective study has a Pareto front, "
        "not one best trial to warm-start from, narrow around or compare.",
    fix="Give the pipeline one `metric` (e.g. `metric: rmse`), or point the campaign at a single-objective copy of it.",
)
