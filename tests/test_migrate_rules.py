"""Per-rule fix tests: every rule with a fix (docs/rules.md, `fixable`) has a before/after case in
JSON and in YAML, migrated with only that rule selected (and --unsafe-fixes, so that unsafe fixes
apply too); the migrated text is compared byte for byte.

FT014 (YAML 1.1/1.2 scalars) exists only in YAML: JSON has no plain scalars to misread.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ftspec.compiler.compile import compile_text
from ftspec.compiler.rules import all_rules
from ftspec.migrate.engine import migrate_text, strip_source


@dataclass(frozen=True)
class Case:
    code: str
    fmt: str
    before: str
    after: str


CASES = [
    Case(
        'FT014', 'yaml',
        """\
finetune_params:
  n_trials: 10
  model_params:
    alpha: 1e-3  # YAML 1.1 read a string
    shuffle: yes
""",
        """\
finetune_params:
  n_trials: 10
  model_params:
    alpha: 0.001  # YAML 1.1 read a string
    shuffle: 'yes'
""",
    ),
    Case(
        'FT105', 'json',
        """\
{"finetune_params": {"n_trials": 10, "timeout": 600}}
""",
        """\
{"finetune_params": {"n_trials": 10, "timeout_seconds": 600}}
""",
    ),
    Case(
        'FT105', 'yaml',
        """\
finetune_params:
  n_trials: 10
  timeout: 600  # seconds
""",
        """\
finetune_params:
  n_trials: 10
  timeout_seconds: 600  # seconds
""",
    ),
    Case(
        'FT106', 'json',
        """\
{
  "finetune_params": {
    "n_trials": 10,
    "approach": "grouped",
    "eval_mode": "mean",
    "sampler": "tpe",
    "seed": 1,
    "metric": "rmse",
    "model_params": {"alpha": {"type": "float", "low": 0.1, "high": 1.0}}
  }
}
""",
        """\
{
  "finetune_params": {
    "version": 2,
    "n_trials": 10,
    "approach": "grouped",
    "eval_mode": "nirs4all_mean",
    "sampler": "tpe",
    "seed": 1,
    "metric": "rmse",
    "model_params": {"alpha": {"type": "float", "low": 0.1, "high": 1.0}}
  }
}
""",
    ),
    Case(
        'FT106', 'yaml',
        """\
finetune_params:
  # budget
  n_trials: 10
  approach: single
  sampler: tpe
  seed: 1
  metric: rmse
  model_params:
    alpha: {type: float, low: 0.1, high: 1.0}
""",
        """\
finetune_params:
  version: 2
  eval_mode: nirs4all_best
  validation: {holdout_fraction: 0.2, seed: 42}
  # budget
  n_trials: 10
  approach: single
  sampler: tpe
  seed: 1
  metric: rmse
  model_params:
    alpha: {type: float, low: 0.1, high: 1.0}
""",
    ),
    Case(
        'FT107', 'json',
        """\
{
  "finetune_params": {
    "n_trials": 10,
    "C": [0.1, 1.0],
    "kernel": "rbf",
    "sampler": "tpe"
  }
}
""",
        """\
{
  "finetune_params": {
    "n_trials": 10,
    "model_params": {
      "C": [0.1, 1.0],
      "kernel": "rbf"
    },
    "sampler": "tpe"
  }
}
""",
    ),
    Case(
        'FT107', 'yaml',
        """\
finetune_params:
  n_trials: 10
  # regularization
  C:
  - 0.1
  - 1.0  # strong
  kernel: rbf
  sampler: tpe
""",
        """\
finetune_params:
  n_trials: 10
  model_params:
    # regularization
    C:
    - 0.1
    - 1.0  # strong
    kernel: rbf
  sampler: tpe
""",
    ),
    Case(
        'FT109', 'json',
        """\
{"finetune_params": {"n_trials": 10, "sample": "random"}}
""",
        """\
{"finetune_params": {"n_trials": 10, "sampler": "random"}}
""",
    ),
    Case(
        'FT109', 'yaml',
        """\
finetune_params:
  n_trials: 10
  sample: random   # old spelling
""",
        """\
finetune_params:
  n_trials: 10
  sampler: random   # old spelling
""",
    ),
    Case(
        'FT201', 'json',
        """\
{"finetune_params": {"model_params": {"n_estimators": [20, 400]}}}
""",
        """\
{"finetune_params": {"model_params": {"n_estimators": {"type": "categorical", "choices": [20, 400]}}}}
""",
    ),
    Case(
        'FT201', 'yaml',
        """\
finetune_params:
  model_params:
    n_estimators: [20, 400]   # a choice, not a range
""",
        """\
finetune_params:
  model_params:
    n_estimators: {type: categorical, choices: [20, 400]}   # a choice, not a range
""",
    ),
    Case(
        'FT202', 'json',
        """\
{"finetune_params": {"model_params": {"max_depth": ["int", 2, 12, 2]}}}
""",
        """\
{"finetune_params": {"model_params": {"max_depth": {"type": "int", "low": 2, "high": 12, "step": 2}}}}
""",
    ),
    Case(
        'FT202', 'yaml',
        """\
finetune_params:
  model_params:
    max_depth: [int, 2, 12, 2]
""",
        """\
finetune_params:
  model_params:
    max_depth: {type: int, low: 2, high: 12, step: 2}
""",
    ),
    Case(
        'FT203', 'json',
        """\
{"finetune_params": {"model_params": {"n_components": ["INT", 1, 5]}}}
""",
        """\
{"finetune_params": {"model_params": {"n_components": {"type": "int", "low": 1, "high": 5}}}}
""",
    ),
    Case(
        'FT203', 'yaml',
        """\
finetune_params:
  model_params:
    n_components: [INT, 1, 5]
""",
        """\
finetune_params:
  model_params:
    n_components: {type: int, low: 1, high: 5}
""",
    ),
    Case(
        'FT204', 'json',
        """\
{"finetune_params": {"model_params": {"n_components": ["int", 1, 30], "alpha": ["log_float", 0.0001, 1.0], "k": ["builtins.int", 1, 5]}}}
""",
        """\
{"finetune_params": {"model_params": {"n_components": ["int", 1, 30], "alpha": {"type": "float", "low": 0.0001, "high": 1.0, "log": true}, "k": {"type": "int", "low": 1, "high": 5}}}}
""",
    ),
    Case(
        'FT204', 'yaml',
        """\
finetune_params:
  model_params:
    n_components:    # PLS components
    - builtins.int
    - 1
    - 30
    alpha: [log_float, 1e-4, 1.0]
    jitter: [float_log, 1e-4, 0.1]
""",
        """\
finetune_params:
  model_params:
    n_components:    # PLS components
      type: int
      low: 1
      high: 30
    alpha: {type: float, low: 0.0001, high: 1.0, log: true}
    jitter: [float_log, 1e-4, 0.1]
""",
    ),
    Case(
        'FT205', 'json',
        """\
{
  "finetune_params": {
    "model_params": {
      "kernel": [
        "rbf",
        "linear"
      ]
    }
  }
}
""",
        """\
{
  "finetune_params": {
    "model_params": {
      "kernel": {"type": "categorical", "choices": ["rbf", "linear"]}
    }
  }
}
""",
    ),
    Case(
        'FT205', 'yaml',
        """\
finetune_params:
  model_params:
    kernel:
      - rbf      # default
      - linear
""",
        """\
finetune_params:
  model_params:
    kernel:
      type: categorical
      choices:
      - rbf      # default
      - linear
""",
    ),
    Case(
        'FT206', 'json',
        """\
{"finetune_params": {"model_params": {"depth": {"type": "int", "low": 1.5, "high": 9.9}}}}
""",
        """\
{"finetune_params": {"model_params": {"depth": {"type": "int", "low": 1, "high": 9}}}}
""",
    ),
    Case(
        'FT206', 'yaml',
        """\
finetune_params:
  model_params:
    depth: {type: int, low: 1.5, high: 9.9}
""",
        """\
finetune_params:
  model_params:
    depth: {type: int, low: 1, high: 9}
""",
    ),
    Case(
        'FT207', 'json',
        """\
{"finetune_params": {"model_params": {"depth": {"min": 1, "max": 9}}}}
""",
        """\
{"finetune_params": {"model_params": {"depth": {"type": "int", "min": 1, "max": 9}}}}
""",
    ),
    Case(
        'FT207', 'yaml',
        """\
finetune_params:
  model_params:
    depth:
      min: 1
      max: 9
""",
        """\
finetune_params:
  model_params:
    depth:
      type: int
      min: 1
      max: 9
""",
    ),
    Case(
        'FT208', 'json',
        """\
{"finetune_params": {"model_params": {"alpha": {"type": "log_float", "low": 0.001, "high": 1.0}}}}
""",
        """\
{"finetune_params": {"model_params": {"alpha": {"type": "float", "low": 0.001, "high": 1.0, "log": true}}}}
""",
    ),
    Case(
        'FT208', 'yaml',
        """\
finetune_params:
  model_params:
    alpha:
      type: log_float   # the list spelling
      low: 0.001
      high: 1.0
""",
        """\
finetune_params:
  model_params:
    alpha:
      type: float   # the list spelling
      low: 0.001
      high: 1.0
      log: true
""",
    ),
    Case(
        'FT209', 'json',
        """\
{"finetune_params": {"model_params": {"alpha": {"type": "float_log", "min": 0.001, "max": 1.0}, "kernel": {"values": ["rbf", "linear"]}}}}
""",
        """\
{"finetune_params": {"model_params": {"alpha": {"type": "float", "low": 0.001, "high": 1.0, "log": true}, "kernel": {"type": "categorical", "choices": ["rbf", "linear"]}}}}
""",
    ),
    Case(
        'FT209', 'yaml',
        """\
finetune_params:
  model_params:
    alpha:
      type: float_log
      min: 0.001   # lowest
      max: 1.0
    kernel: {type: categorical, values: [rbf, linear]}
""",
        """\
finetune_params:
  model_params:
    alpha:
      type: float
      low: 0.001   # lowest
      high: 1.0
      log: true
    kernel: {type: categorical, choices: [rbf, linear]}
""",
    ),
    Case(
        'FT216', 'json',
        """\
{"finetune_params": {"sampler": "tpe", "model_params": {"final_estimator__alpha": {"type": "float", "low": 0.1, "high": 1.0}, "cv": 5}}}
""",
        """\
{"finetune_params": {"sampler": "tpe", "model_params": {"final_estimator": {"alpha": {"type": "float", "low": 0.1, "high": 1.0}}, "cv": 5}}}
""",
    ),
    Case(
        'FT216', 'yaml',
        """\
finetune_params:
  sampler: tpe
  model_params:
    # the meta-learner
    final_estimator__alpha: {type: float, low: 0.1, high: 1.0}
    cv: 5
""",
        """\
finetune_params:
  sampler: tpe
  model_params:
    final_estimator:
      # the meta-learner
      alpha: {type: float, low: 0.1, high: 1.0}
    cv: 5
""",
    ),
    Case(
        'FT225', 'json',
        """\
{"finetune_params": {"model_params": {"scale": ["bool", [true, false]]}}}
""",
        """\
{"finetune_params": {"model_params": {"scale": {"type": "categorical", "choices": [true, false]}}}}
""",
    ),
    Case(
        'FT225', 'yaml',
        """\
finetune_params:
  model_params:
    scale: [bool, [true, false]]
""",
        """\
finetune_params:
  model_params:
    scale: {type: categorical, choices: [true, false]}
""",
    ),
    Case(
        'FT302', 'json',
        """\
{"finetune_params": {"n_trials": 10, "sampler": "hyperband"}}
""",
        """\
{"finetune_params": {"n_trials": 10, "sampler": "tpe", "pruner": "hyperband"}}
""",
    ),
    Case(
        'FT302', 'yaml',
        """\
finetune_params:
  n_trials: 10
  sampler: hyperband   # from the old docs
""",
        """\
finetune_params:
  n_trials: 10
  sampler: tpe   # from the old docs
  pruner: hyperband
""",
    ),
    Case(
        'FT304', 'json',
        """\
{"finetune_params": {"sampler": "grid", "model_params": {"alpha": ["float", 0.1, 1.0]}}}
""",
        """\
{"finetune_params": {"sampler": "tpe", "model_params": {"alpha": ["float", 0.1, 1.0]}}}
""",
    ),
    Case(
        'FT304', 'yaml',
        """\
finetune_params:
  sampler: grid
  model_params:
    alpha: [float, 0.1, 1.0]
""",
        """\
finetune_params:
  sampler: tpe
  model_params:
    alpha: [float, 0.1, 1.0]
""",
    ),
    Case(
        'FT305', 'json',
        """\
{"finetune_params": {"n_trials": 9, "model_params": {"kernel": ["rbf", "linear"]}}}
""",
        """\
{"finetune_params": {"n_trials": 9, "model_params": {"kernel": ["rbf", "linear"]}, "sampler": "grid"}}
""",
    ),
    Case(
        'FT305', 'yaml',
        """\
finetune_params:
  n_trials: 9
  sampler: auto
  model_params:
    alpha: [float, 0.1, 1.0]
""",
        """\
finetune_params:
  n_trials: 9
  sampler: tpe
  model_params:
    alpha: [float, 0.1, 1.0]
""",
    ),
    Case(
        'FT307', 'json',
        """\
{"finetune_params": {"approach": "cross"}}
""",
        """\
{"finetune_params": {"approach": "grouped"}}
""",
    ),
    Case(
        'FT307', 'yaml',
        """\
finetune_params:
  approach: cross   # meant cross-validation
""",
        """\
finetune_params:
  approach: grouped   # meant cross-validation
""",
    ),
    Case(
        'FT309', 'json',
        """\
{"finetune_params": {"eval_mode": "avg"}}
""",
        """\
{"finetune_params": {"eval_mode": "mean"}}
""",
    ),
    Case(
        'FT309', 'yaml',
        """\
finetune_params:
  eval_mode: avg
""",
        """\
finetune_params:
  eval_mode: mean
""",
    ),
    Case(
        'FT312', 'json',
        """\
{"finetune_params": {"approach": "Grouped", "pruner": "Median"}}
""",
        """\
{"finetune_params": {"approach": "grouped", "pruner": "median"}}
""",
    ),
    Case(
        'FT312', 'yaml',
        """\
finetune_params:
  approach: "Grouped"
  pruner: ' median '
""",
        """\
finetune_params:
  approach: "grouped"
  pruner: 'median'
""",
    ),
    Case(
        'FT315', 'json',
        """\
{"model": {"class": "sklearn.svm.SVC"}, "finetune_params": {"n_trials": 10}}
""",
        """\
{"model": {"class": "sklearn.svm.SVC"}, "finetune_params": {"n_trials": 10, "metric": "balanced_accuracy"}}
""",
    ),
    Case(
        'FT315', 'yaml',
        """\
- model: {class: sklearn.cross_decomposition.PLSRegression}
  finetune_params:
    n_trials: 10
""",
        """\
- model: {class: sklearn.cross_decomposition.PLSRegression}
  finetune_params:
    n_trials: 10
    metric: mse
""",
    ),
    Case(
        'FT322', 'json',
        """\
{"finetune_params": {"phases": [{"n_trials": 5, "sampler": "random"}, {"n_trials": 20}]}}
""",
        """\
{"finetune_params": {"phases": [{"n_trials": 5, "sampler": "random"}, {"n_trials": 20, "sampler": "tpe"}]}}
""",
    ),
    Case(
        'FT322', 'yaml',
        """\
finetune_params:
  phases:
  - n_trials: 5
    sampler: random
  - n_trials: 20   # exploit
""",
        """\
finetune_params:
  phases:
  - n_trials: 5
    sampler: random
  - n_trials: 20   # exploit
    sampler: tpe
""",
    ),
    Case(
        'FT329', 'json',
        """\
{"finetune_params": {"metric": "r2_score"}}
""",
        """\
{"finetune_params": {"metric": "r2"}}
""",
    ),
    Case(
        'FT329', 'yaml',
        """\
finetune_params:
  metric: r2_score
""",
        """\
finetune_params:
  metric: r2
""",
    ),
    Case(
        'FT401', 'json',
        """\
{"finetune_params": {"model_params": {"k": {"type": "int", "low": 1, "high": 10, "step": 2}}}}
""",
        """\
{"finetune_params": {"model_params": {"k": {"type": "int", "low": 1, "high": 9, "step": 2}}}}
""",
    ),
    Case(
        'FT401', 'yaml',
        """\
finetune_params:
  model_params:
    k:
      type: int
      low: 1
      high: 10   # never sampled
      step: 2
""",
        """\
finetune_params:
  model_params:
    k:
      type: int
      low: 1
      high: 9   # never sampled
      step: 2
""",
    ),
    Case(
        'FT407', 'json',
        """\
{"finetune_params": {"version": 2, "metric": "rmse", "sampler": {"kind": "tpe"}, "model_params": {"kernel": {"type": "categorical", "choices": ["rbf", "poly"]}, "degree": {"type": "int", "low": 2, "high": 4, "when": {"kernel": "poly"}}}}}
""",
        """\
{"finetune_params": {"version": 2, "metric": "rmse", "sampler": {"kind": "tpe", "options": {"group": true}}, "model_params": {"kernel": {"type": "categorical", "choices": ["rbf", "poly"]}, "degree": {"type": "int", "low": 2, "high": 4, "when": {"kernel": "poly"}}}}}
""",
    ),
    Case(
        'FT407', 'yaml',
        """\
finetune_params:
  version: 2
  metric: rmse
  sampler:
    kind: tpe
    options: {n_startup_trials: 5}
  model_params:
    kernel: {type: categorical, choices: [rbf, poly]}
    degree: {type: int, low: 2, high: 4, when: {kernel: poly}}
""",
        """\
finetune_params:
  version: 2
  metric: rmse
  sampler:
    kind: tpe
    options: {n_startup_trials: 5, group: true}
  model_params:
    kernel: {type: categorical, choices: [rbf, poly]}
    degree: {type: int, low: 2, high: 4, when: {kernel: poly}}
""",
    ),
    Case(
        'FT503', 'json',
        """\
{"finetune_params": {"version": 2, "metric": "rmse", "n_jobs": 1, "model_params": {"k": {"type": "int", "low": 1, "high": 9, "step": 1}}}}
""",
        """\
{"finetune_params": {"version": 2, "metric": "rmse", "model_params": {"k": {"type": "int", "low": 1, "high": 9}}}}
""",
    ),
    Case(
        'FT503', 'yaml',
        """\
finetune_params:
  version: 2
  metric: rmse
  n_jobs: 1   # the default
  model_params:
    k: {type: int, low: 1, high: 9, log: false}
""",
        """\
finetune_params:
  version: 2
  metric: rmse
  # the default
  model_params:
    k: {type: int, low: 1, high: 9}
""",
    ),
    Case(
        'FT504', 'json',
        """\
{"finetune_params": {"version": 2, "metric": "rmse", "sampler": {"kind": "random", "options": {}}}}
""",
        """\
{"finetune_params": {"version": 2, "metric": "rmse", "sampler": "random"}}
""",
    ),
    Case(
        'FT504', 'yaml',
        """\
finetune_params:
  version: 2
  metric: rmse
  sampler:
    kind: random
    options: {}
""",
        """\
finetune_params:
  version: 2
  metric: rmse
  sampler: random
""",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.code}-{c.fmt}" for c in CASES])
def test_rule_fix(case: Case) -> None:
    path = "pipeline." + case.fmt
    before = compile_text(case.before, path)
    if not case.code.startswith("FT5"):  # FT5xx are the linter's own checks, not the compiler's
        assert case.code in {d.code for d in before.diagnostics}, "the case must trigger its rule"
    result = migrate_text(case.before, path, unsafe=True, select=(case.code,))
    assert result.error is None
    assert result.text == case.after
    assert result.applied and {a.code for a in result.applied} == {case.code}
    assert not [x for x in result.left if x.kind == "failed"]
    # a second run changes nothing
    assert migrate_text(result.text, path, unsafe=True, select=(case.code,)).text == result.text
    # safe fixes keep the meaning (the IR without source locations)
    if all_rules()[case.code].fixable == "safe":
        assert strip_source(compile_text(result.text, path).ir) == strip_source(before.ir)


def test_every_fixable_rule_has_a_json_and_a_yaml_case() -> None:
    fixable = {code for code, rule in all_rules().items() if rule.fixable}
    covered = {(c.code, c.fmt) for c in CASES}
    missing = sorted((code, fmt) for code in fixable for fmt in ("json", "yaml") if (code, fmt) not in covered and (code, fmt) != ("FT014", "json"))
    assert not missing
    assert {c.code for c in CASES} <= fixable


def test_json_has_no_yaml_version_scalars() -> None:
    result = compile_text('{"finetune_params": {"model_params": {"shuffle": "yes", "alpha": 1e-3}}}', "p.json")
    assert "FT014" not in {d.code for d in result.diagnostics}


def test_unsafe_fixes_need_the_flag() -> None:
    text = "finetune_params:\n  approach: cross\n"
    result = migrate_text(text, "p.yaml", select=("FT307",))
    assert result.text == text
    assert [(x.kind, x.code) for x in result.left if x.code == "FT307"] == [("unsafe", "FT307")]


# --------------------------------------------------------------------------- docs/migration.md


def _doc_examples() -> list:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "migration.md").read_text(encoding="utf-8")
    found = []
    for section in re.split(r"^### ", text, flags=re.M)[1:]:
        code = section.split()[0]
        blocks = re.findall(r"```(json|yaml)\n(.*?)```", section, re.S)
        if re.fullmatch(r"FT\d{3}", code) and len(blocks) >= 2:
            found.append(pytest.param(code, blocks[0][0], blocks[0][1], blocks[1][1], id=code))
    return found


@pytest.mark.parametrize(("code", "fmt", "before", "after"), _doc_examples())
def test_migration_guide_examples(code: str, fmt: str, before: str, after: str) -> None:
    result = migrate_text(before, "example." + fmt, unsafe=True, select=(code,))
    assert result.text == after
    assert {a.code for a in result.applied} == {code}


def test_migration_guide_covers_every_fixable_rule() -> None:
    documented = {p.values[0] for p in _doc_examples()}
    assert documented == {code for code, rule in all_rules().items() if rule.fixable}


# --------------------------------------------------------------------------- FT216: when the nesting is not offered


@pytest.mark.parametrize(
    "block",
    [
        # the grid (auto, or written) would become TPE: nirs4all's grid check refuses nested groups
        {"model_params": {"est__alpha": [0.1, 1.0], "kernel": ["rbf", "poly"]}},
        {"sampler": "grid", "model_params": {"est__alpha": [0.1, 1.0]}},
        # `est` exists: not a new group (here a spec, which would receive `alpha` as a spec key)
        {"sampler": "tpe", "model_params": {"est": {"type": "categorical", "choices": ["a", "b"]}, "est__alpha": [0.1, 1.0]}},
        # `est` exists as a group before `x`: appending to it would reorder the space
        {"sampler": "tpe", "model_params": {"est": {"beta": [1, 2]}, "x": [1, 2], "est__alpha": [0.1, 1.0]}},
    ],
)
def test_double_underscore_fix_is_withheld_when_it_would_change_the_meaning(block: dict) -> None:
    import json

    text = json.dumps({"finetune_params": block})
    result = compile_text(text, "p.json")
    ft216 = [d for d in result.diagnostics if d.code == "FT216"]
    assert ft216 and all(d.fix is None for d in ft216)
    migrated = migrate_text(text, "p.json")
    assert not [x for x in migrated.left if x.kind == "failed"]
    assert strip_source(compile_text(migrated.text, "p.json").ir) == strip_source(result.ir)
