"""Campaign files (ftspec.campaign): lowering to the campaign IR, findings, declared work.

The golden `fixtures/campaign/ridge_refine.ir.json` is rewritten after a deliberate change with
`ftcompile fixtures/campaign/ridge_refine.yaml -o fixtures/campaign/ridge_refine.ir.json` (from the
project root).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ftspec.campaign.model import campaign_from_dict, campaign_to_dict, dump_campaign
from ftspec.compiler.cli import main as ftcompile
from ftspec.compiler.compile import compile_path, compile_text
from ftspec.lint.reporters import render_text
from ftspec.runtime.cli import main as ftrun

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = "fixtures/campaign/ridge_refine.yaml"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_fixture_compiles_to_its_golden_campaign_ir() -> None:
    result = compile_path(FIXTURE)
    assert [d.code for d in result.diagnostics] == []
    assert dump_campaign(result.campaign) == (ROOT / "fixtures/campaign/ridge_refine.ir.json").read_text(encoding="utf-8")
    assert [s.id for s in result.ir.studies] == [
        "ridge-refine:core:seed60", "ridge-refine:core:seed61", "ridge-refine:full:seed70", "ridge-refine:full:seed71"]


def test_concrete_studies_hold_and_search_exactly() -> None:
    result = compile_path(FIXTURE)
    core, full = result.ir.studies[0], result.ir.studies[2]
    assert (core.seed, core.n_trials, [e.name for e in core.space]) == (60, 6, ["alpha"])
    assert core.fixed.model == {"fit_intercept": True, "max_iter": 100}  # held: as written, else the range's low
    assert (full.seed, full.n_trials, [e.name for e in full.space]) == (70, 5, ["alpha", "fit_intercept"])
    assert full.fixed.model == {"max_iter": 100}
    assert core.storage is not None and (core.storage.url, core.storage.study_name, core.storage.resume) == (
        "sqlite:///ridge-refine.db", "ridge-refine:core:seed60", True)


def test_lineage_and_narrowing_formulas() -> None:
    doc = campaign_to_dict(compile_path(FIXTURE).campaign)["campaign"]
    full = doc["stages"][1]
    assert full["compare_with"] == "core"
    assert full["warm_start"] == {"stage": "core", "top": 2, "studies": ["ridge-refine:core:seed60", "ridge-refine:core:seed61"]}
    assert full["narrow"] == {"stage": "core", "fraction": 0.5, "params": [
        {"name": "alpha", "kind": "float", "declared_low": 0.001, "declared_high": 1000.0, "log": True,
         "low": "max(0.001, best / 10**1.5)", "high": "min(1000, best * 10**1.5)"}]}
    assert dump_campaign(compile_path(FIXTURE).campaign) == dump_campaign(compile_path(FIXTURE).campaign)
    assert campaign_from_dict(doc).stages[1].narrow.params[0].name == "alpha"  # type: ignore[union-attr]


def test_every_campaign_finding_with_its_location() -> None:
    result = compile_path("fixtures/campaign/ridge_refine_errors.yaml")
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [
        ("FT611", 3, 3),    # no storage
        ("FT610", 6, 22),   # budget.max_fits exceeded
        ("FT606", 10, 19),  # seed twice in a stage
        ("FT609", 11, 23),  # search: unknown parameter
        ("FT602", 12, 29),  # hold: value outside the domain
        ("FT609", 12, 36),  # hold: unknown parameter
        ("FT607", 15, 15),  # seed reused across stages
        ("FT604", 17, 26),  # warm_start from an unknown stage
        ("FT605", 18, 52),  # narrowing a categorical
        ("FT608", 19, 17),  # metric differs from the stage compared with
        ("FT601", 20, 28),  # unknown key
    ]
    messages = [render_text(d) for d in result.diagnostics]
    assert messages[1].endswith("FT610 error the stages declare 51 model fits (refits included), over budget.max_fits 40 by 11; "
                                "'full' declares the most (32)")
    assert messages[7].endswith("FT604 error warm_start from 'cor': no earlier stage has that name (did you mean 'core'?)")
    assert messages[9].endswith("FT608 error stage 'full' is compared with stage 'core', but its metric differs: mae vs rmse")


@pytest.mark.parametrize("text, code, where", [
    ("campaign: {version: 2, name: x, pipeline: nope.yaml, stages: [{name: a, n_trials: 1, seeds: [1]}]}\n", "FT603", (1, 43)),
    ("campaign: {version: 2, name: x, pipeline: fixtures/v2/pipeline_multi.yaml, stages: [{name: a, n_trials: 1, seeds: [1]}]}\n",
     "FT603", (1, 43)),
    ("campaign: {version: 1, name: x, pipeline: fixtures/campaign/ridge.yaml, stages: [{name: a, n_trials: 1, seeds: [1]}]}\n",
     "FT602", (1, 21)),
    ("campaign: {version: 2, name: 'a:b', pipeline: fixtures/campaign/ridge.yaml, stages: [{name: a, n_trials: 1, seeds: [1]}]}\n",
     "FT602", (1, 30)),
    ("campaign: {version: 2, name: x, pipeline: fixtures/campaign/ridge.yaml, stages: [{name: a, n_trials: 1, seeds: [1], search: [alpha]}, "
     "{name: b, n_trials: 1, seeds: [2], narrow: {from: a, fraction: 0.5, params: [max_iter]}}]}\n", "FT602", (1, 211)),
    ("campaign: null\n", "FT602", (1, 11)),  # null is an empty campaign, not "no finding"
    ("campaign: {version: 2, name: x, pipeline: fixtures/campaign/ridge.yaml, stages: [null, {name: a, n_trials: 1, seeds: [1]}]}\n",
     "FT602", (1, 82)),  # a null stage is reported, not skipped
])
def test_single_findings(text: str, code: str, where: tuple[int, int]) -> None:
    result = compile_text(text, "c.yaml")
    found = [(d.code, d.line, d.column) for d in result.diagnostics if d.code != "FT611"]
    assert found == [(code, *where)], [render_text(d) for d in result.diagnostics]


def test_a_campaign_naming_itself_is_refused_without_recursion(tmp_path: Path) -> None:
    path = tmp_path / "self.yaml"
    path.write_text("campaign: {version: 2, name: x, pipeline: self.yaml, stages: [{name: a, n_trials: 1, seeds: [1]}]}\n")
    assert [d.code for d in compile_path(str(path)).diagnostics] == ["FT611", "FT603"]


def test_ftcompile_prints_the_declared_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert ftcompile(["--strict", FIXTURE]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["campaign_ir_version"] == 1
    assert err.splitlines() == [
        "campaign ridge-refine: stage core: 2 studies = 12 trials x 3 folds = 36 model fits + 2 refits; at most 38 transform fits",
        "campaign ridge-refine: stage full: 2 studies = 10 trials x 3 folds = 30 model fits + 2 refits; at most 32 transform fits",
        "campaign ridge-refine: total: 22 trials, 66 model fits + 4 refits = 70 fits (budget.max_fits 200); at most 70 transform fits",
        "1 file(s), 4 studies: 0 error(s), 0 warning(s), 0 info",
    ]


def test_campaign_schema_accepts_the_fixture_and_refuses_unknown_keys() -> None:
    import jsonschema
    import yaml

    schema = json.loads((ROOT / "ftspec/schema/campaign.v2.schema.json").read_text(encoding="utf-8"))
    doc = yaml.safe_load((ROOT / FIXTURE).read_text(encoding="utf-8"))
    assert list(jsonschema.Draft7Validator(schema).iter_errors(doc)) == []
    doc["campaign"]["stages"][0]["bogus"] = 1
    assert [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(doc)] == [
        "Additional properties are not allowed ('bogus' was unexpected)"]


def test_ftlint_lints_campaign_files() -> None:
    from ftspec.lint.cli import main as ftlint

    assert ftlint(["--no-show-source", FIXTURE]) == 0
    assert ftlint(["--no-show-source", "fixtures/campaign/ridge_refine_errors.yaml"]) == 1
    assert os.path.exists(ROOT / "fixtures/campaign/ridge_refine.ir.json")


MOO_CAMPAIGN = """\
campaign:
  version: 2
  name: moo
  pipeline: ridge_moo.yaml
  storage: sqlite:///moo.db
  stages:
    - {name: core, n_trials: 4, seeds: [1, 2]}
    - {name: full, n_trials: 4, seeds: [3], pipeline: ridge.yaml#ridge}
"""


def test_a_campaign_over_a_multi_objective_study_is_refused_where_the_pipeline_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ftspec.lint.cli import main as ftlint

    for name in ("ridge_moo.yaml", "ridge.yaml"):
        (tmp_path / name).write_text((ROOT / "fixtures/campaign" / name).read_text())
    path = tmp_path / "moo.yaml"
    path.write_text(MOO_CAMPAIGN)
    result = compile_path(str(path))
    assert [(d.code, d.severity, d.pointer, d.line, d.column) for d in result.diagnostics] == [
        ("FT613", "error", "/campaign/pipeline", 4, 13)]
    assert render_text(result.diagnostics[0]).endswith(
        "FT613 error pipeline 'ridge_moo.yaml': study 'ridge' has 2 objectives (rmse, fit_seconds); "
        "a campaign compares its stages and seeds on one best value")
    # Only the stage with its own single-objective pipeline is lowered; the campaign is an error everywhere.
    assert [s.id for s in result.campaign.studies] == ["moo:full:seed3"]
    # A stage naming the multi-objective pipeline itself is refused at its own `pipeline`.
    path.write_text(MOO_CAMPAIGN.replace("pipeline: ridge_moo.yaml\n", "pipeline: ridge.yaml\n").replace("ridge.yaml#ridge", "ridge_moo.yaml"))
    assert [(d.code, d.pointer, d.line, d.column) for d in compile_path(str(path)).diagnostics] == [
        ("FT613", "/campaign/stages/1/pipeline", 8, 55)]
    path.write_text(MOO_CAMPAIGN)
    capsys.readouterr()
    assert ftlint(["--no-show-source", str(path)]) == 1
    assert ftcompile(["--strict", str(path)]) == 1
    lint_out = capsys.readouterr()
    assert f"{path}:4:13: FT613 error" in lint_out.out + lint_out.err
    assert ftrun([str(path), "--data", "demo:diabetes", "--check"]) == 1
    assert "has errors; nothing was run" in capsys.readouterr().err
