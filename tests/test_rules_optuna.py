"""FT4xx: Optuna behaviours checked on hand-built Study IR values.

Each rule has cases that fire (with exact code, pointer, line:col and message arguments) and
near-misses that do not. A few behaviours are cross-checked against the installed Optuna.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from dataclasses import replace
from typing import Any

import pytest

from ftspec.compiler import checks
from ftspec.compiler.checks import Lowering, run_study_checks
from ftspec.compiler.diagnostics import Collector, Diagnostic, FixOp
from ftspec.compiler.distributions import adjusted_high
from ftspec.compiler.nodes import Entry, Mapping, Node, Scalar, Sequence, Span, child_pointer
from ftspec.compiler.rules import all_rules
from ftspec.compiler.rules import optuna as R
from ftspec.ir import (
    Objective,
    Select,
    CategoricalParam,
    ComponentSpec,
    Condition,
    ElementSpec,
    FailurePolicy,
    Fixed,
    FloatParam,
    ForcedTrial,
    IntParam,
    Location,
    Phase,
    PipelineContext,
    SortedTupleParam,
    StepSpec,
    Storage,
    Study,
    StudySource,
    Validation,
)
from ftspec.schema.metrics import METRICS
from ftspec.schema.vocab import PRUNERS, SAMPLERS, default_options

BASE = "/pipeline/1/finetune_params"

# ---------------------------------------------------------------------------------------------
# Located trees: every node on its own line, column = 1 + 2 * depth
# ---------------------------------------------------------------------------------------------


class _Lines:
    def __init__(self) -> None:
        self.line = 0

    def next(self, depth: int) -> Span:
        self.line += 1
        col = 1 + 2 * depth
        return Span(self.line * 100, self.line * 100 + 1, self.line, col, self.line, col + 1)


def build(value: Any, pointer: str = BASE) -> tuple[Node, dict[str, Node]]:
    """A located tree of a Python value and its nodes by pointer."""
    lines = _Lines()
    nodes: dict[str, Node] = {}

    def walk(v: Any, ptr: str, depth: int) -> Node:
        span = lines.next(depth)
        if isinstance(v, dict):
            entries = []
            node: Node = Mapping(entries, span, ptr)
            nodes[ptr] = node
            for k, child in v.items():
                key = Scalar(k, lines.next(depth + 1), child_pointer(ptr, k))
                entries.append(Entry(key, walk(child, child_pointer(ptr, k), depth + 1)))
            return node
        if isinstance(v, list):
            seq = Sequence([], span, ptr)
            nodes[ptr] = seq
            seq.items.extend(walk(item, child_pointer(ptr, i), depth + 1) for i, item in enumerate(v))
            return seq
        node = Scalar(v, span, ptr)
        nodes[ptr] = node
        return node

    root = walk(value, pointer, 0)
    return root, nodes


def make_ctx(block: dict[str, Any] | None = None) -> Lowering:
    root, nodes = build(block if block is not None else {"version": 2})
    assert isinstance(root, Mapping)
    fields = {key: value for key, value in root.items()}
    return Lowering(Collector("pipeline.yaml"), root, fields, _index=nodes)


def loc(ctx: Lowering, pointer: str) -> Location:
    node = ctx.nodes_by_pointer[pointer]
    return Location(pointer=pointer, line=node.span.line, column=node.span.column)


# ---------------------------------------------------------------------------------------------
# IR factories
# ---------------------------------------------------------------------------------------------

NOWHERE = Location(pointer=f"{BASE}/model_params/x", line=1, column=1)


def sampler(kind: str = "tpe", **options: Any) -> ComponentSpec:
    return ComponentSpec(kind, {**default_options(SAMPLERS[kind]), **options})


def pruner(kind: str = "none", **options: Any) -> ComponentSpec:
    opts = {**default_options(PRUNERS[kind]), **options}
    return ComponentSpec(kind, opts)


def int_p(name: str = "n", low: int = 1, high: int = 10, step: int = 1, log: bool = False, *,
          target: str = "model", condition: Condition | None = None, source: Location = NOWHERE) -> IntParam:
    return IntParam(name=name, target=target, low=low, high=high, step=step, log=log, path=[name],  # type: ignore[arg-type]
                    condition=condition, source=source)


def float_p(name: str = "x", low: float = 0.0, high: float = 1.0, step: float | None = None, log: bool = False, *,
            target: str = "model", condition: Condition | None = None, source: Location = NOWHERE) -> FloatParam:
    return FloatParam(name=name, target=target, low=low, high=high, step=step, log=log, path=[name],  # type: ignore[arg-type]
                      condition=condition, source=source)


def cat_p(name: str = "c", choices: list[Any] | None = None, *, target: str = "model",
          condition: Condition | None = None, source: Location = NOWHERE) -> CategoricalParam:
    return CategoricalParam(name=name, target=target, choices=["a", "b"] if choices is None else choices,  # type: ignore[arg-type]
                            path=[name], condition=condition, source=source)


def tuple_p(name: str = "t", length: tuple[int, int] = (2, 2), kind: str = "int", low: float = 1, high: float = 8,
            step: float | None = 1, log: bool = False, *, condition: Condition | None = None,
            source: Location = NOWHERE) -> SortedTupleParam:
    return SortedTupleParam(name=name, target="model", length_low=length[0], length_high=length[1],
                            element=ElementSpec(kind=kind, low=low, high=high, step=step, log=log),  # type: ignore[arg-type]
                            path=[name], condition=condition, source=source)


def make_study(space: list[Any] | None = None, *, sampler: ComponentSpec | None = None,
               pruner: ComponentSpec | None = None, n_trials: int = 50, n_jobs: int = 1, seed: int | None = None,
               approach: str = "grouped", storage: Storage | None = None,
               force_params: list[ForcedTrial] | None = None, phases: list[Phase] | None = None,
               metrics: tuple[str, ...] = ("rmse",)) -> Study:
    return Study(
        id="model",
        source=StudySource(file="pipeline.yaml", pointer=BASE, line=1, column=1),
        n_trials=n_trials,
        timeout_seconds=None,
        n_jobs=n_jobs,
        seed=seed,
        approach=approach,  # type: ignore[arg-type]
        eval_mode="mean",
        objectives=[Objective(metric=m, direction=METRICS[m].direction, eval_quantile=None) for m in metrics],
        select=Select(objective=metrics[0]),
        sampler=sampler or ComponentSpec("tpe", default_options(SAMPLERS["tpe"])),
        pruner=pruner or ComponentSpec("none", {}),
        validation=Validation(0.2, seed) if approach == "single" else None,
        storage=storage,
        failure_policy=FailurePolicy(None, None),
        space=space if space is not None else [int_p()],
        fixed=Fixed({}, {}),
        force_params=force_params or [],
        phases=phases or [],
    )


OPTUNA_CHECKS = [c for c in checks.STUDY_CHECKS if c.__module__ == R.__name__]


def run(study: Study, ctx: Lowering | None = None) -> list[Diagnostic]:
    ctx = ctx or make_ctx()
    for check in OPTUNA_CHECKS:
        check(study, ctx)
    return ctx.collector.sorted()


def codes(study: Study, ctx: Lowering | None = None) -> list[str]:
    return [d.code for d in run(study, ctx)]


def only(study: Study, code: str, ctx: Lowering | None = None) -> list[Diagnostic]:
    return [d for d in run(study, ctx) if d.code == code]


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------

EXPECTED = {
    "FT401": ("step-does-not-divide-range", "warning", "safe"),
    "FT402": ("log-with-non-positive-low", "error", None),
    "FT403": ("log-with-step", "error", None),
    "FT404": ("low-greater-than-high", "error", None),
    "FT405": ("cmaes-categorical", "warning", None),
    "FT406": ("conditional-space-independent-sampling", "warning", None),
    "FT407": ("tpe-multivariate-conditional-space", "warning", "unsafe"),
    "FT408": ("tpe-group-without-multivariate", "error", None),
    "FT409": ("cmaes-incompatible-options", "error", None),
    "FT410": ("exhaustive-continuous-parameter", "error", None),
    "FT411": ("grid-conditional-space", "error", None),
    "FT412": ("exhaustive-space-smaller-than-n-trials", "warning", None),
    "FT413": ("exhaustive-space-larger-than-n-trials", "info", None),
    "FT414": ("grid-too-large-to-enumerate", "warning", None),
    "FT415": ("grid-parallel-duplicates", "info", None),
    "FT416": ("grid-forced-trial-incomplete", "error", None),
    "FT417": ("startup-covers-all-trials", "warning", None),
    "FT418": ("cmaes-no-generation-completes", "warning", None),
    "FT419": ("pruner-cannot-prune", "warning", None),
    "FT420": ("seed-with-parallel-jobs", "warning", None),
    "FT421": ("hyperband-without-study-name", "info", None),
    "FT422": ("sqlite-with-parallel-jobs", "warning", None),
    "FT423": ("unknown-storage-scheme", "error", None),
    "FT424": ("non-primitive-categorical-choice", "info", None),
    "FT425": ("duplicate-categorical-choice", "warning", None),
    "FT426": ("fewer-trials-than-forced", "warning", None),
    "FT427": ("pruner-with-several-objectives", "error", None),
    "FT428": ("sampler-single-objective-only", "error", None),
    "FT429": ("direction-list-length", "error", None),
    "FT430": ("objectives-mixed-tasks", "error", None),
    "FT431": ("select-unknown-objective", "error", None),
}


def test_all_rules_lists_every_optuna_rule_with_docs() -> None:
    rules = all_rules()
    ours = {code: rule for code, rule in rules.items() if code.startswith("FT4")}
    assert set(ours) == set(EXPECTED)
    for code, (name, severity, fixable) in EXPECTED.items():
        rule = ours[code]
        assert (rule.name, rule.severity, rule.fixable) == (name, severity, fixable)
        assert rule.old and rule.now and rule.fix and rule.title and rule.message
        assert rule.family == "FT4"
        assert f"# {code} {name}" in rule.doc()


def test_every_rule_has_a_check_and_checks_are_registered() -> None:
    assert len(OPTUNA_CHECKS) == len(EXPECTED)
    names = {c.__name__ for c in OPTUNA_CHECKS}
    assert len(names) == len(OPTUNA_CHECKS)


def test_run_study_checks_runs_the_optuna_checks() -> None:
    ctx = make_ctx()
    run_study_checks(make_study([int_p(low=0, high=10, step=3)], sampler=sampler("cmaes"), seed=1, n_jobs=2), ctx)
    found = {d.code for d in ctx.collector.diagnostics}
    assert {"FT401", "FT420"} <= found


def test_module_does_not_import_optuna() -> None:
    code = "import sys, ftspec.compiler.rules.optuna; assert 'optuna' not in sys.modules, 'optuna imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_clean_default_study_has_no_findings() -> None:
    assert run(make_study([int_p(), float_p(), cat_p()])) == []


# ---------------------------------------------------------------------------------------------
# FT401 step-does-not-divide-range
# ---------------------------------------------------------------------------------------------

def _step_block(spec: dict[str, Any], key: str = "n") -> Lowering:
    return make_ctx({"version": 2, "model_params": {key: spec}})


def test_step_int_fires_at_entry_with_fix() -> None:
    ctx = _step_block({"type": "int", "low": 0, "high": 10, "step": 3})
    ptr = f"{BASE}/model_params/n"
    study = make_study([int_p("n", 0, 10, 3, source=loc(ctx, ptr))])
    (d,) = only(study, "FT401", ctx)
    node = ctx.nodes_by_pointer[ptr]
    assert (d.pointer, d.line, d.column, d.severity) == (ptr, node.span.line, node.span.column, "warning")
    assert d.message == "int 'n' [0, 10] with step 3: high - low = 10 is not a multiple of 3, so Optuna searches [0, 9]"
    assert d.fix is not None and d.fix.applicability == "safe"
    assert d.fix.ops == (FixOp("replace_value", f"{ptr}/high", value=9),)


def test_step_float_fires_with_decimal_arithmetic() -> None:
    ctx = _step_block({"type": "float", "low": 0.1, "high": 1.0, "step": 0.2}, key="lr")
    ptr = f"{BASE}/model_params/lr"
    study = make_study([float_p("lr", 0.1, 1.0, 0.2, source=loc(ctx, ptr))])
    (d,) = only(study, "FT401", ctx)
    assert d.message == "float 'lr' [0.1, 1.0] with step 0.2: high - low = 0.9 is not a multiple of 0.2, so Optuna searches [0.1, 0.9]"
    assert d.fix is not None and d.fix.ops[0].value == 0.9


def test_step_uses_written_high_when_ir_already_lowered() -> None:
    # the front-end may record Optuna's lowered high; the written value still gets reported
    ctx = _step_block({"type": "int", "low": 0, "high": 10, "step": 3})
    ptr = f"{BASE}/model_params/n"
    (d,) = only(make_study([int_p("n", 0, 9, 3, source=loc(ctx, ptr))]), "FT401", ctx)
    assert "[0, 10]" in d.message and d.fix is not None and d.fix.ops[0].value == 9


def test_step_legacy_max_key_gets_fix_at_max() -> None:
    ctx = _step_block({"type": "int", "min": 2, "max": 20, "step": 4})
    ptr = f"{BASE}/model_params/n"
    (d,) = only(make_study([int_p("n", 2, 20, 4, source=loc(ctx, ptr))]), "FT401", ctx)
    assert d.fix is not None and d.fix.ops == (FixOp("replace_value", f"{ptr}/max", value=18),)


def test_step_list_form_has_no_fix() -> None:
    ctx = make_ctx({"version": 2, "model_params": {"x": ["float", 0, 1]}})
    ptr = f"{BASE}/model_params/x"
    # a list form cannot carry the step, but the IR can (e.g. from another front-end): report without fix
    (d,) = only(make_study([float_p("x", 0.0, 1.0, 0.3, source=loc(ctx, ptr))]), "FT401", ctx)
    assert d.fix is None and d.pointer == ptr and "[0.0, 0.9]" in d.message


def test_step_sorted_tuple_element_fix_points_into_element() -> None:
    ctx = _step_block({"type": "sorted_tuple", "length": 3, "element": {"type": "int", "low": 1, "high": 10, "step": 2}}, key="t")
    ptr = f"{BASE}/model_params/t"
    (d,) = only(make_study([tuple_p("t", (3, 3), "int", 1, 10, 2, source=loc(ctx, ptr))]), "FT401", ctx)
    assert d.message.startswith("element of 't' [1, 10] with step 2")
    assert d.fix is not None and d.fix.ops == (FixOp("replace_value", f"{ptr}/element/high", value=9),)


@pytest.mark.parametrize("entry", [
    int_p("n", 0, 9, 3),             # divides
    int_p("n", 0, 10, 1),            # step 1
    float_p("x", 0.0, 1.0, None),    # continuous
    float_p("x", 0.0, 1.0, 0.1),     # 1.0 is a multiple of 0.1 in decimal (not in binary floats)
    float_p("x", 0.1, 0.7, 0.2),     # 0.6 = 3 * 0.2 in decimal
    int_p("n", 10, 0, 3),            # low > high: FT404, not FT401
    float_p("x", 1e-3, 1.0, 0.3, log=True),  # log with step: FT403 (Optuna raises before adjusting)
])
def test_step_no_op(entry: Any) -> None:
    assert "FT401" not in codes(make_study([entry]))


STEP_CASES = [
    (0, 10, 3, True), (1, 100, 7, True), (-5, 5, 4, True), (0, 1, 2, True), (3, 3, 2, True),
    (0.0, 1.0, 0.3, False), (0.1, 1.0, 0.2, False), (1e-3, 0.5, 0.07, False), (-1.0, 1.0, 0.75, False),
    (0.0, 0.25, 1.0, False), (0.0, 1.0, 0.1, False), (2.5, 7.25, 0.5, False),
]


@pytest.mark.parametrize(("low", "high", "step", "integral"), STEP_CASES)
def test_step_shrink_matches_optuna(low: Any, high: Any, step: Any, integral: bool) -> None:
    import optuna
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dist = (optuna.distributions.IntDistribution(low, high, step=step) if integral
                else optuna.distributions.FloatDistribution(low, high, step=step))
    assert adjusted_high(low, high, step, integral) == dist.high
    entry = int_p("n", low, high, step) if integral else float_p("x", low, high, step)
    found = only(make_study([entry]), "FT401")
    if dist.high == high:
        assert found == []
    else:
        (d,) = found
        assert d.message.endswith(f"searches [{R._num(low)}, {R._num(dist.high)}]")


# ---------------------------------------------------------------------------------------------
# FT402-FT404 invalid ranges
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("entry", "message"), [
    (float_p("x", 0.0, 1.0, log=True), "float 'x' is on a log scale but low is 0.0: Optuna requires low > 0 for a log float"),
    (float_p("x", -1.0, 1.0, log=True), "float 'x' is on a log scale but low is -1.0: Optuna requires low > 0 for a log float"),
    (int_p("n", 0, 10, log=True), "int 'n' is on a log scale but low is 0: Optuna requires low >= 1 for a log int"),
    (tuple_p("t", kind="float", low=0.0, high=1.0, step=None, log=True),
     "element of 't' is on a log scale but low is 0.0: Optuna requires low > 0 for a log float"),
])
def test_log_non_positive_low_fires(entry: Any, message: str) -> None:
    (d,) = only(make_study([entry]), "FT402")
    assert (d.message, d.severity) == (message, "error")


@pytest.mark.parametrize("entry", [float_p("x", 1e-5, 1.0, log=True), int_p("n", 1, 10, log=True), float_p("x", 0.0, 1.0)])
def test_log_non_positive_low_no_op(entry: Any) -> None:
    assert "FT402" not in codes(make_study([entry]))


@pytest.mark.parametrize(("entry", "message"), [
    (float_p("x", 1e-3, 1.0, 0.1, log=True), "float 'x' is on a log scale with step 0.1: Optuna accepts no step for a log float"),
    (int_p("n", 1, 100, 2, log=True), "int 'n' is on a log scale with step 2: Optuna accepts only step 1 for a log int"),
])
def test_log_with_step_fires(entry: Any, message: str) -> None:
    (d,) = only(make_study([entry]), "FT403")
    assert d.message == message


@pytest.mark.parametrize("entry", [int_p("n", 1, 100, 1, log=True), float_p("x", 1e-3, 1.0, None, log=True), float_p("x", 0.0, 1.0, 0.1)])
def test_log_with_step_no_op(entry: Any) -> None:
    assert "FT403" not in codes(make_study([entry]))


@pytest.mark.parametrize(("entry", "message"), [
    (int_p("n", 10, 1), "int 'n' has low 10 > high 1: Optuna raises ValueError"),
    (float_p("x", 1.0, 0.5), "float 'x' has low 1.0 > high 0.5: Optuna raises ValueError"),
    (tuple_p("t", low=5, high=2), "element of 't' has low 5 > high 2: Optuna raises ValueError"),
])
def test_low_greater_than_high_fires(entry: Any, message: str) -> None:
    assert [d.message for d in only(make_study([entry]), "FT404")] == [message]


@pytest.mark.parametrize("entry", [int_p("n", 3, 3), float_p("x", 0.5, 0.5), int_p("n", 1, 2)])
def test_low_greater_than_high_no_op(entry: Any) -> None:
    assert "FT404" not in codes(make_study([entry]))


@pytest.mark.parametrize(("kwargs", "integral"), [
    ({"low": 0.0, "high": 1.0, "log": True}, False),
    ({"low": 0, "high": 10, "log": True}, True),
    ({"low": 1e-3, "high": 1.0, "log": True, "step": 0.1}, False),
    ({"low": 1, "high": 100, "log": True, "step": 2}, True),
    ({"low": 10, "high": 1}, True),
    ({"low": 1.0, "high": 0.5}, False),
])
def test_invalid_ranges_really_raise_in_optuna(kwargs: dict[str, Any], integral: bool) -> None:
    import optuna
    cls = optuna.distributions.IntDistribution if integral else optuna.distributions.FloatDistribution
    with pytest.raises(ValueError):
        cls(**kwargs)


# ---------------------------------------------------------------------------------------------
# FT405 cmaes-categorical, FT406 conditional-space-independent-sampling
# ---------------------------------------------------------------------------------------------

COND = Condition(param="kind", values=["ridge"], negate=False)


def test_cmaes_categorical_fires_at_each_categorical() -> None:
    ctx = make_ctx({"version": 2, "model_params": {"n": {"type": "int"}, "c": {"type": "categorical"}}})
    ptr = f"{BASE}/model_params/c"
    study = make_study([int_p(), float_p(), cat_p("c", source=loc(ctx, ptr))], sampler=sampler("cmaes"))
    (d,) = only(study, "FT405", ctx)
    assert d.pointer == ptr and d.line == ctx.nodes_by_pointer[ptr].span.line
    assert d.message == ("sampler 'cmaes': categorical 'c' is not modelled by CMA-ES; RandomSampler draws it "
                         "independently in every trial")


@pytest.mark.parametrize("study", [
    make_study([int_p(), cat_p()], sampler=sampler("tpe")),
    make_study([int_p(), cat_p()], sampler=sampler("gp")),
    make_study([int_p(), float_p(), cat_p(choices=["only"])], sampler=sampler("cmaes")),  # single choice: never sampled
])
def test_cmaes_categorical_no_op(study: Study) -> None:
    assert "FT405" not in codes(study)


def test_cmaes_categorical_in_phase_names_the_phase() -> None:
    study = make_study([int_p(), float_p(), cat_p()], phases=[Phase(10, sampler("random")), Phase(40, sampler("cmaes"))], n_trials=50)
    (d,) = only(study, "FT405")
    assert d.message.startswith("phase 2 sampler 'cmaes': categorical 'c'")


@pytest.mark.parametrize("kind", ["cmaes", "gp", "qmc"])
def test_conditional_independent_fires(kind: str) -> None:
    space = [cat_p("kind", ["pls", "ridge"]), float_p("alpha", 1e-3, 1.0, log=True, condition=COND), int_p("n", 1, 5)]
    (d,) = only(make_study(space, sampler=sampler(kind)), "FT406")
    assert d.message.startswith(f"sampler {kind!r}: 'alpha' is conditional (when kind in ['ridge']), so ")
    assert R._DYNAMIC_EFFECT[kind] in d.message


def test_conditional_independent_varying_tuple() -> None:
    (d,) = only(make_study([int_p(), tuple_p("t", (1, 3))], sampler=sampler("gp")), "FT406")
    assert "'t' is a sorted_tuple of varying length (1..3)" in d.message


@pytest.mark.parametrize("study", [
    make_study([int_p(), tuple_p("t", (3, 3))], sampler=sampler("cmaes")),          # fixed length: static
    make_study([cat_p("kind"), float_p(condition=COND)], sampler=sampler("random")),
    make_study([cat_p("kind"), float_p(condition=COND)], sampler=sampler("bruteforce")),
    make_study([cat_p("kind"), float_p(condition=COND)], sampler=sampler("tpe")),     # FT407 instead
])
def test_conditional_independent_no_op(study: Study) -> None:
    assert "FT406" not in codes(study)


# ---------------------------------------------------------------------------------------------
# FT407 tpe-multivariate-conditional-space, FT408, FT409
# ---------------------------------------------------------------------------------------------

def _tpe_ctx(sampler_value: Any) -> Lowering:
    return make_ctx({"version": 2, "sampler": sampler_value, "model_params": {}})


def test_tpe_conditional_fires_with_insert_into_options() -> None:
    ctx = _tpe_ctx({"kind": "tpe", "options": {"n_startup_trials": 5}})
    study = make_study([cat_p("kind"), float_p("alpha", condition=COND), tuple_p("t", (1, 2))])
    (d,) = only(study, "FT407", ctx)
    assert d.pointer == f"{BASE}/sampler" and d.line == ctx.nodes_by_pointer[f"{BASE}/sampler"].span.line
    assert d.message == ("sampler 'tpe' has multivariate=true and group=false, but 'alpha', 't' are not sampled in "
                         "every trial: they are sampled by univariate TPE, outside the joint model")
    assert d.fix is not None and d.fix.applicability == "unsafe"
    assert d.fix.ops == (FixOp("insert_key", f"{BASE}/sampler/options", key="group", value=True),)


def test_tpe_conditional_fix_replaces_explicit_group_false() -> None:
    ctx = _tpe_ctx({"kind": "tpe", "options": {"group": False}})
    (d,) = only(make_study([cat_p("kind"), float_p("alpha", condition=COND)]), "FT407", ctx)
    assert "'alpha' is not sampled in every trial: it is sampled" in d.message
    assert d.fix is not None and d.fix.ops == (FixOp("replace_value", f"{BASE}/sampler/options/group", value=True),)


def test_tpe_conditional_fix_adds_options() -> None:
    ctx = _tpe_ctx({"kind": "tpe"})
    (d,) = only(make_study([cat_p("kind"), float_p("alpha", condition=COND)]), "FT407", ctx)
    assert d.fix is not None and d.fix.ops == (FixOp("insert_key", f"{BASE}/sampler", key="options", value={"group": True}),)


@pytest.mark.parametrize("written", ["tpe", None])
def test_tpe_conditional_no_fix_for_string_or_default_sampler(written: str | None) -> None:
    ctx = make_ctx({"version": 2, "sampler": written} if written else {"version": 2})
    (d,) = only(make_study([cat_p("kind"), float_p("alpha", condition=COND)]), "FT407", ctx)
    assert d.fix is None
    assert d.pointer == (f"{BASE}/sampler" if written else BASE)


@pytest.mark.parametrize("study", [
    make_study([cat_p("kind"), float_p("alpha", condition=COND)], sampler=sampler("tpe", group=True)),
    make_study([cat_p("kind"), float_p("alpha", condition=COND)], sampler=sampler("tpe", multivariate=False)),
    make_study([cat_p("kind"), float_p("alpha")], sampler=sampler("tpe")),
    make_study([cat_p("kind"), cat_p("alpha", ["x"], condition=COND)], sampler=sampler("tpe")),  # single value
])
def test_tpe_conditional_no_op(study: Study) -> None:
    assert "FT407" not in codes(study)


def test_tpe_conditional_really_leaves_the_joint_model_in_optuna() -> None:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)

    def joint_spaces(group: bool) -> list[list[str]]:
        spaces: list[list[str]] = []

        def objective(trial: Any) -> float:
            if trial.suggest_categorical("kind", ["a", "b"]) == "b":
                trial.suggest_float("alpha", 0, 1)
            spaces.append(sorted(trial.relative_search_space or {}))
            return trial.suggest_float("x", 0, 1)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=3, group=group))
            study.optimize(objective, n_trials=10)
        return spaces

    assert "alpha" not in joint_spaces(group=False)[-1]
    assert "alpha" in joint_spaces(group=True)[-1]


def test_tpe_group_without_multivariate() -> None:
    ctx = _tpe_ctx({"kind": "tpe", "options": {"group": True, "multivariate": False}})
    (d,) = only(make_study(sampler=sampler("tpe", group=True, multivariate=False)), "FT408", ctx)
    assert (d.pointer, d.severity) == (f"{BASE}/sampler", "error")
    assert d.message == "sampler 'tpe' has group=true but multivariate=false: TPESampler raises ValueError"
    assert "FT408" not in codes(make_study(sampler=sampler("tpe", group=True, multivariate=True)))
    assert "FT408" not in codes(make_study(sampler=sampler("tpe", group=False, multivariate=False)))


def test_tpe_group_without_multivariate_really_raises() -> None:
    import optuna
    with pytest.raises(ValueError):
        optuna.samplers.TPESampler(group=True, multivariate=False)


@pytest.mark.parametrize(("options", "shown"), [
    ({"lr_adapt": True, "use_separable_cma": True}, "lr_adapt=true and use_separable_cma=true"),
    ({"lr_adapt": True, "with_margin": True}, "lr_adapt=true and with_margin=true"),
    ({"use_separable_cma": True, "with_margin": True}, "use_separable_cma=true and with_margin=true"),
])
def test_cmaes_incompatible_options(options: dict[str, bool], shown: str) -> None:
    (d,) = only(make_study([int_p(), float_p()], sampler=sampler("cmaes", **options), n_trials=100), "FT409")
    assert d.message == f"sampler 'cmaes' sets {shown}: CmaEsSampler raises ValueError"
    import optuna
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError):
            optuna.samplers.CmaEsSampler(**options)


@pytest.mark.parametrize("options", [{"lr_adapt": True}, {"with_margin": True}, {"use_separable_cma": True}, {}])
def test_cmaes_options_no_op(options: dict[str, bool]) -> None:
    assert "FT409" not in codes(make_study([int_p(), float_p()], sampler=sampler("cmaes", **options), n_trials=100))


# ---------------------------------------------------------------------------------------------
# FT410-FT416 grid and bruteforce
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["grid", "bruteforce"])
def test_exhaustive_continuous_fires(kind: str) -> None:
    ctx = make_ctx({"version": 2, "model_params": {"x": {"type": "float"}, "t": {"type": "sorted_tuple"}}})
    px, pt = f"{BASE}/model_params/x", f"{BASE}/model_params/t"
    study = make_study([float_p("x", 0.0, 1.0, None, source=loc(ctx, px)),
                        tuple_p("t", (2, 2), "float", 0.0, 1.0, None, source=loc(ctx, pt))], sampler=sampler(kind))
    found = only(study, "FT410", ctx)
    assert [(d.pointer, d.severity) for d in found] == [(px, "error"), (pt, "error")]
    assert found[0].message == f"sampler {kind!r}: 'x' is a continuous float range [0.0, 1.0] (no step), which has no finite list of values"
    assert "a sorted_tuple of continuous floats" in found[1].message


@pytest.mark.parametrize("study", [
    make_study([float_p("x", 0.0, 1.0, 0.25)], sampler=sampler("grid"), n_trials=5),
    make_study([float_p("x", 0.5, 0.5, None)], sampler=sampler("grid"), n_trials=1),  # single value
    make_study([float_p("x", 0.001, 0.001, None, log=True)], sampler=sampler("bruteforce"), n_trials=1),  # single log value
    make_study([tuple_p("t", (1, 2), "float", 2.5, 2.5, None)], sampler=sampler("bruteforce"), n_trials=2),  # single-valued elements
    make_study([float_p("x", 0.0, 1.0, None)], sampler=sampler("tpe")),
])
def test_exhaustive_continuous_no_op(study: Study) -> None:
    assert "FT410" not in codes(study)


def test_bruteforce_continuous_really_raises() -> None:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = optuna.create_study(sampler=optuna.samplers.BruteForceSampler())
        with pytest.raises(ValueError, match="step must be given"):
            study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)


def test_grid_conditional_fires_per_entry() -> None:
    space = [cat_p("kind", ["pls", "ridge"]), float_p("alpha", 0.0, 1.0, 0.5, condition=COND), tuple_p("t", (1, 2))]
    found = only(make_study(space, sampler=sampler("grid"), n_trials=12), "FT411")
    assert [d.message for d in found] == [
        "grid sampler: 'alpha' is conditional (when kind in ['ridge']); GridSampler needs one fixed set of parameters",
        "grid sampler: 't' is a sorted_tuple of varying length (1..2), whose elements past 1 are not always sampled; "
        "GridSampler needs one fixed set of parameters",
    ]


@pytest.mark.parametrize("study", [
    make_study([cat_p("kind"), float_p("alpha", 0.0, 1.0, 0.5, condition=COND)], sampler=sampler("bruteforce")),
    make_study([cat_p("kind"), tuple_p("t", (2, 2))], sampler=sampler("grid"), n_trials=128),
])
def test_grid_conditional_no_op(study: Study) -> None:
    assert "FT411" not in codes(study)


def test_grid_smaller_than_n_trials() -> None:
    ctx = make_ctx({"version": 2, "sampler": "grid"})
    # 3 * 5 * 2 = 30 combinations (int 0..8 step 2 -> 5 values; float 0..1 step 1 -> 2)
    study = make_study([cat_p("c", ["a", "b", "c"]), int_p("n", 0, 8, 2), float_p("x", 0.0, 1.0, 1.0)],
                       sampler=sampler("grid"), n_trials=50)
    (d,) = only(study, "FT412", ctx)
    assert (d.pointer, d.severity) == (f"{BASE}/sampler", "warning")
    assert d.message == "sampler 'grid': the space has 30 combinations for 50 sampled trials; Optuna stops the study after 30"


def test_grid_smaller_counts_forced_trials_out() -> None:
    forced = [ForcedTrial({"c": "a"}, {})] * 3
    study = make_study([cat_p("c", ["a", "b"])], sampler=sampler("grid"), n_trials=5, force_params=forced)
    assert "FT412" not in codes(study) and "FT413" not in codes(study)  # 2 sampled trials, 2 combinations


def test_bruteforce_smaller_counts_varying_tuples() -> None:
    # lengths 1..2 over 3 values: 3 + 9 = 12 leaves
    (d,) = only(make_study([tuple_p("t", (1, 2), low=1, high=3)], sampler=sampler("bruteforce"), n_trials=20), "FT412")
    assert "has 12 combinations for 20 sampled trials" in d.message


def test_grid_smaller_in_phase() -> None:
    study = make_study([cat_p("c", ["a", "b"])], phases=[Phase(4, sampler("grid")), Phase(6, sampler("tpe"))], n_trials=10)
    (d,) = only(study, "FT412")
    assert d.message == "phase 1 sampler 'grid': the space has 2 combinations for 4 sampled trials; Optuna stops phase 1 after 2"


def test_grid_larger_than_n_trials() -> None:
    (d,) = only(make_study([int_p("n", 1, 100)], sampler=sampler("grid"), n_trials=10), "FT413")
    assert (d.severity, d.message) == ("info", "sampler 'grid': the space has 100 combinations but only 10 trials are "
                                               "sampled; a random subset is evaluated")


@pytest.mark.parametrize("study", [
    make_study([int_p("n", 1, 10)], sampler=sampler("grid"), n_trials=10),         # exact
    make_study([int_p("n", 1, 100)], sampler=sampler("tpe"), n_trials=10),
    make_study([float_p("x")], sampler=sampler("grid"), n_trials=10),                # infinite: FT410 only
    make_study([cat_p("kind"), int_p("n", 1, 100, condition=COND)], sampler=sampler("bruteforce"), n_trials=10),
])
def test_grid_size_no_op(study: Study) -> None:
    found = codes(study)
    assert "FT412" not in found and "FT413" not in found and "FT414" not in found


def test_grid_smaller_really_stops_early_in_optuna() -> None:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.GridSampler({"c": ["a", "b", "c"]}))
    study.optimize(lambda t: len(t.suggest_categorical("c", ["a", "b", "c"])), n_trials=10)
    assert len(study.trials) == 3


def test_grid_too_large() -> None:
    space = [int_p(f"p{i}", 1, 100) for i in range(4)]  # 10^8
    (d,) = only(make_study(space, sampler=sampler("grid"), n_trials=100), "FT414")
    assert d.message == ("grid sampler: 100,000,000 combinations; GridSampler builds and shuffles the list of all "
                         "of them when it is created")
    assert "FT414" not in codes(make_study(space, sampler=sampler("bruteforce"), n_trials=100))
    assert "FT414" not in codes(make_study(space[:3], sampler=sampler("grid"), n_trials=100))


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({"n_jobs": 4}, "n_jobs 4"),
    ({"storage": Storage("sqlite:///s.db", "s", True)}, "a persistent storage (shared by workers, or resumed)"),
])
def test_grid_parallel_duplicates(kwargs: dict[str, Any], reason: str) -> None:
    (d,) = only(make_study([cat_p()], sampler=sampler("grid"), n_trials=2, **kwargs), "FT415")
    assert (d.severity, d.message) == ("info", f"grid sampler with {reason}: combinations can be evaluated more than once")


def test_grid_parallel_no_op() -> None:
    assert "FT415" not in codes(make_study([cat_p()], sampler=sampler("grid"), n_trials=2))
    assert "FT415" not in codes(make_study([cat_p()], sampler=sampler("tpe"), n_jobs=4))


def test_grid_forced_trial_incomplete() -> None:
    ctx = make_ctx({"version": 2, "force_params": [{"model_params": {"c": "a", "n": 1}}, {"model_params": {"c": "b"}}]})
    forced = [ForcedTrial({"c": "a", "n": 1}, {}), ForcedTrial({"c": "b"}, {})]
    space = [cat_p("c"), int_p("n", 1, 3), int_p("e", 1, 2, target="train"), cat_p("one", ["x"])]
    d0, d1 = only(make_study(space, sampler=sampler("grid"), n_trials=12, force_params=forced), "FT416", ctx)
    assert (d0.pointer, d1.pointer) == (f"{BASE}/force_params/0", f"{BASE}/force_params/1")
    assert d1.severity == "error" and d1.line == ctx.nodes_by_pointer[f"{BASE}/force_params/1"].span.line
    assert d0.message.startswith("force_params #0 does not set 'train:e': GridSampler raises ValueError")
    assert d1.message.startswith("force_params #1 does not set 'n', 'train:e': GridSampler raises ValueError")


def test_grid_forced_trial_no_op() -> None:
    forced = [ForcedTrial({"c": "a", "n": 1}, {})]
    space = [cat_p("c"), int_p("n", 1, 3)]
    assert "FT416" not in codes(make_study(space, sampler=sampler("grid"), n_trials=6, force_params=forced))
    assert "FT416" not in codes(make_study(space, sampler=sampler("tpe"), force_params=[ForcedTrial({"c": "a"}, {})]))
    # forced trials run in phase 1 (tpe); the grid phase never sees them
    phases = [Phase(2, sampler("tpe")), Phase(6, sampler("grid"))]
    assert "FT416" not in codes(make_study(space, phases=phases, n_trials=8, force_params=[ForcedTrial({"c": "a"}, {})]))


def test_grid_forced_trial_really_raises_in_optuna() -> None:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.GridSampler({"c": ["a", "b"], "n": [1, 2]}))
    study.enqueue_trial({"c": "a"})
    with pytest.raises(ValueError, match="All parameters must be specified"):
        study.optimize(lambda t: t.suggest_int("n", 1, 2) + len(t.suggest_categorical("c", ["a", "b"])), n_trials=1)


# ---------------------------------------------------------------------------------------------
# FT417 startup-covers-all-trials, FT418 cmaes-no-generation-completes, FT426
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "n_startup", "n_trials", "model"), [
    ("tpe", 10, 10, "TPE model"), ("tpe", 20, 5, "TPE model"), ("gp", 10, 8, "Gaussian process"), ("cmaes", 3, 3, "CMA-ES"),
])
def test_startup_covers_all_fires(kind: str, n_startup: int, n_trials: int, model: str) -> None:
    ctx = make_ctx({"version": 2, "n_trials": n_trials, "sampler": {"kind": kind}})
    study = make_study([int_p(), float_p()], sampler=sampler(kind, n_startup_trials=n_startup), n_trials=n_trials)
    (d,) = only(study, "FT417", ctx)
    assert d.pointer == f"{BASE}/sampler"
    assert d.message == (f"sampler {kind!r} has n_startup_trials={n_startup} but the study ends at trial {n_trials}: every "
                         f"trial is drawn by RandomSampler and the {model} is never used")


def test_startup_counts_earlier_phases() -> None:
    phases = [Phase(5, sampler("random")), Phase(4, sampler("tpe", n_startup_trials=10)), Phase(20, sampler("tpe"))]
    (d,) = only(make_study(phases=phases, n_trials=29), "FT417")
    assert "phase 2 sampler 'tpe' has n_startup_trials=10 but phase 2 ends at trial 9" in d.message
    # the third phase starts after 9 trials: trials 10.. use the model
    assert len(only(make_study(phases=phases[:1] + phases[2:], n_trials=25), "FT417")) == 0


@pytest.mark.parametrize("study", [
    make_study(sampler=sampler("tpe"), n_trials=11),
    make_study(sampler=sampler("tpe", n_startup_trials=0), n_trials=1),
    make_study(sampler=sampler("random"), n_trials=1),
    make_study(sampler=sampler("qmc"), n_trials=1),
])
def test_startup_covers_all_no_op(study: Study) -> None:
    assert "FT417" not in codes(study)


def test_cmaes_no_generation_default_popsize() -> None:
    space = [int_p("a"), float_p("b"), float_p("c"), cat_p("d")]  # 3 numeric dims -> popsize 4 + floor(3 ln 3) = 7
    assert 4 + math.floor(3 * math.log(3)) == 7
    (d,) = only(make_study(space, sampler=sampler("cmaes"), n_trials=8), "FT418")
    assert d.message == ("sampler 'cmaes': only 7 trial(s) are sampled by CMA-ES but its population is 7: no "
                         "generation completes, so CMA-ES never updates its distribution")
    assert "FT418" not in codes(make_study(space, sampler=sampler("cmaes"), n_trials=9))


def test_cmaes_no_generation_explicit_popsize_and_tuple_dims() -> None:
    (d,) = only(make_study([tuple_p("t", (3, 3))], sampler=sampler("cmaes", popsize=20, n_startup_trials=5), n_trials=20), "FT418")
    assert "only 15 trial(s) are sampled by CMA-ES but its population is 20" in d.message


def test_cmaes_no_generation_in_later_phase() -> None:
    phases = [Phase(20, sampler("random")), Phase(6, sampler("cmaes"))]  # 2 dims -> popsize 4 + floor(3 ln 2) = 6
    (d,) = only(make_study([int_p(), float_p()], phases=phases, n_trials=26), "FT418")
    assert d.message.startswith("phase 2 sampler 'cmaes': only 6 trial(s) are sampled by CMA-ES but its population is 6")
    phases = [Phase(20, sampler("random")), Phase(7, sampler("cmaes"))]
    assert "FT418" not in codes(make_study([int_p(), float_p()], phases=phases, n_trials=27))


@pytest.mark.parametrize("study", [
    make_study([cat_p()], sampler=sampler("cmaes"), n_trials=3),                  # no numeric dims
    make_study([int_p(), float_p()], sampler=sampler("cmaes"), n_trials=1),       # all startup (FT417)
    make_study([int_p(), float_p()], sampler=sampler("tpe"), n_trials=3),
])
def test_cmaes_no_generation_no_op(study: Study) -> None:
    assert "FT418" not in codes(study)


def test_fewer_trials_than_forced() -> None:
    ctx = make_ctx({"version": 2, "force_params": [{}, {}, {}]})
    forced = [ForcedTrial({"n": i}, {}) for i in range(1, 4)]
    (d,) = only(make_study([int_p()], n_trials=2, force_params=forced), "FT426", ctx)
    assert (d.pointer, d.message) == (f"{BASE}/force_params", "3 forced trials but n_trials is 2: only the first 2 run")
    assert "FT426" not in codes(make_study([int_p()], n_trials=3, force_params=forced))


# ---------------------------------------------------------------------------------------------
# FT419-FT423 pruner, seed, storage
# ---------------------------------------------------------------------------------------------

def _with_pipeline(study: Study, splitter: StepSpec | None) -> Study:
    step = StepSpec(class_path="sklearn.linear_model.Ridge", params={}, source=Location(pointer="/pipeline/1", line=1, column=1))
    return replace(study, pipeline=PipelineContext(transforms=[], y_processing=None, splitter=splitter, model=step, unsupported=[]))


def _epochs(study: Study, value: Any) -> Study:
    if isinstance(value, IntParam):
        return replace(study, space=[*study.space, value])
    return replace(study, fixed=Fixed({}, {"epochs": value}))


_AT = Location(pointer="/pipeline/0", line=1, column=1)
_ONE_FOLD = StepSpec(class_path="sklearn.model_selection.ShuffleSplit", params={"n_splits": 1}, source=_AT)
_FIVE_FOLDS = StepSpec(class_path="sklearn.model_selection.KFold", params={"n_splits": 5}, source=_AT)


@pytest.mark.parametrize(("study", "reason"), [
    (make_study(approach="single", pruner=pruner("median")), "with approach 'single' a trial has one holdout score"),
    (make_study(approach="individual", pruner=pruner("median")), "with approach 'individual' a trial has one score, on its fold"),
    (_with_pipeline(make_study(approach="grouped", pruner=pruner("median")), _ONE_FOLD), "the splitter ShuffleSplit gives one fold"),
    (_epochs(make_study(approach="single", pruner=pruner("median")), 1), "with approach 'single' a trial has one holdout score"),
])
def test_pruner_cannot_prune(study: Study, reason: str) -> None:
    ctx = make_ctx({"version": 2, "pruner": "median"})
    (d,) = only(study, "FT419", ctx)
    assert d.pointer == f"{BASE}/pruner"
    assert d.message == f"pruner 'median' never prunes: {reason}, and no train_params.epochs trains it in steps"


@pytest.mark.parametrize("kind", [k for k, spec in PRUNERS.items() if spec.intermediate])
def test_pruner_cannot_prune_fires_for_every_pruner_that_reads_steps(kind: str) -> None:
    options = {"percentile": {"percentile": 50.0}, "patient": {"wrapped": None, "patience": 1}}.get(kind, {})
    assert "FT419" in codes(make_study(approach="single", pruner=ComponentSpec(kind, options)))


@pytest.mark.parametrize("study", [
    make_study(approach="single", pruner=pruner("none")),
    make_study(approach="grouped", pruner=pruner("median")),  # folds not known: a bare block
    _with_pipeline(make_study(approach="grouped", pruner=pruner("median")), _FIVE_FOLDS),  # a step per fold
    _with_pipeline(make_study(approach="grouped", pruner=pruner("median")), None),  # ftrun refuses it; optimize(folds=...) runs it
    _epochs(make_study(approach="single", pruner=pruner("median")), 3),  # an incremental model reports each epoch
    _epochs(make_study(approach="individual", pruner=pruner("hyperband")),
            IntParam(name="epochs", target="train", low=1, high=20, step=1, log=False, path=["epochs"], condition=None, source=_AT)),
])
def test_pruner_cannot_prune_no_op(study: Study) -> None:
    assert "FT419" not in codes(study)


def test_seed_with_parallel_jobs() -> None:
    ctx = make_ctx({"version": 2, "n_jobs": 4, "seed": 42})
    (d,) = only(make_study(seed=42, n_jobs=4), "FT420", ctx)
    assert d.pointer == f"{BASE}/seed" and d.line == ctx.nodes_by_pointer[f"{BASE}/seed"].span.line
    assert d.message.startswith("seed 42 with n_jobs 4: Optuna reseeds the sampler in every worker thread")
    assert "FT420" not in codes(make_study(seed=42, n_jobs=1))
    assert "FT420" not in codes(make_study(seed=None, n_jobs=4))


def test_hyperband_without_study_name() -> None:
    (d,) = only(make_study(seed=7, pruner=pruner("hyperband")), "FT421")
    assert d.severity == "info" and d.message.startswith("hyperband pruner with seed 7 but no fixed study_name")
    (d2,) = only(make_study(seed=7, pruner=pruner("hyperband"), storage=Storage("sqlite:///a.db", None, False)), "FT421")
    assert d2.code == "FT421"
    wrapped = ComponentSpec("patient", {"wrapped": ComponentSpec("hyperband", {}), "patience": 2, "min_delta": 0.0})
    assert "FT421" in codes(make_study(seed=7, pruner=wrapped))


@pytest.mark.parametrize("study", [
    make_study(seed=7, pruner=pruner("hyperband"), storage=Storage("sqlite:///a.db", "my-study", False)),
    make_study(seed=None, pruner=pruner("hyperband")),
    make_study(seed=7, pruner=pruner("median")),
])
def test_hyperband_without_study_name_no_op(study: Study) -> None:
    assert "FT421" not in codes(study)


def test_hyperband_bracket_depends_on_study_name() -> None:
    import optuna
    import inspect

    src = inspect.getsource(optuna.pruners.HyperbandPruner)
    assert 'crc32(f"{study.study_name}_{trial.number}"' in src


def test_sqlite_with_parallel_jobs() -> None:
    ctx = make_ctx({"version": 2, "storage": "sqlite:///s.db", "n_jobs": 4})
    (d,) = only(make_study(n_jobs=4, storage=Storage("sqlite:///s.db", "s", False)), "FT422", ctx)
    assert (d.pointer, d.message) == (f"{BASE}/storage", "SQLite storage with n_jobs 4: SQLite is not meant for parallel optimisation")
    assert "FT422" not in codes(make_study(n_jobs=1, storage=Storage("sqlite:///s.db", "s", False)))
    assert "FT422" not in codes(make_study(n_jobs=4, storage=Storage("journal:///s.log", "s", False)))
    assert "FT422" not in codes(make_study(n_jobs=4, storage=Storage("postgresql://u@h/db", "s", False)))


@pytest.mark.parametrize(("url", "problem"), [
    ("redis://localhost:6379", "Optuna removed RedisStorage in v3.1.0 and raises ValueError"),
    ("postgres://u@h/db", "SQLAlchemy has no 'postgres' dialect since 1.4 (NoSuchModuleError); write postgresql://"),
    ("study.db", "not a URL (expected scheme://...)"),
    ("mongodb://h/db", "unknown scheme 'mongodb': Optuna hands the URL to SQLAlchemy, which has no such dialect "
                       "(known: sqlite, postgresql, mysql, mariadb, oracle, mssql, and journal for a JournalStorage file)"),
])
def test_unknown_storage_scheme(url: str, problem: str) -> None:
    ctx = make_ctx({"version": 2, "storage": url})
    (d,) = only(make_study(storage=Storage(url, None, False)), "FT423", ctx)
    assert (d.pointer, d.severity, d.message) == (f"{BASE}/storage", "error", f"storage {url!r}: {problem}")


@pytest.mark.parametrize("url", ["sqlite:///s.db", "sqlite:////abs/s.db", "postgresql+psycopg2://u@h/db",
                                 "mysql+pymysql://u:p@h/db", "journal:///runs/s.log", "MARIADB://h/db"])
def test_storage_scheme_no_op(url: str) -> None:
    assert "FT423" not in codes(make_study(storage=Storage(url, None, False)))


def test_storage_dialects_exist_in_sqlalchemy() -> None:
    import sqlalchemy
    from sqlalchemy.engine import make_url

    for dialect in R.RDB_DIALECTS:
        make_url(f"{dialect}://u@h/db").get_dialect()
    with pytest.raises(sqlalchemy.exc.NoSuchModuleError):
        make_url("postgres://u@h/db").get_dialect()


# ---------------------------------------------------------------------------------------------
# FT424 non-primitive-categorical-choice, FT425 duplicate-categorical-choice
# ---------------------------------------------------------------------------------------------

def test_non_primitive_choice_points_at_the_choice() -> None:
    ctx = make_ctx({"version": 2, "model_params": {"c": {"type": "categorical", "choices": ["a", [1, 2], {"k": 1}]}}})
    ptr = f"{BASE}/model_params/c"
    study = make_study([cat_p("c", ["a", [1, 2], {"k": 1}], source=loc(ctx, ptr))])
    found = only(study, "FT424", ctx)
    assert [(d.pointer, d.line, d.severity) for d in found] == [
        (f"{ptr}/choices/1", ctx.nodes_by_pointer[f"{ptr}/choices/1"].span.line, "info"),
        (f"{ptr}/choices/2", ctx.nodes_by_pointer[f"{ptr}/choices/2"].span.line, "info"),
    ]
    assert found[0].message.startswith("choice 1 of 'c' is a list: Optuna warns at every suggestion")
    assert found[1].message.startswith("choice 2 of 'c' is a mapping:")


def test_non_primitive_choice_legacy_list_form() -> None:
    ctx = make_ctx({"version": 2, "model_params": {"c": [[1, 2], "a"]}})
    ptr = f"{BASE}/model_params/c"
    (d,) = only(make_study([cat_p("c", [[1, 2], "a"], source=loc(ctx, ptr))]), "FT424", ctx)
    assert d.pointer == f"{ptr}/0"


def test_non_primitive_choice_no_op() -> None:
    assert "FT424" not in codes(make_study([cat_p("c", [None, True, 1, 1.5, "s"])]))


def test_non_primitive_choice_really_warns_in_optuna() -> None:
    import optuna
    with pytest.warns(UserWarning, match="should be a tuple of None, bool, int, float and str"):
        optuna.distributions.CategoricalDistribution(["a", [1, 2]])


@pytest.mark.parametrize(("choices", "expected"), [
    (["a", "b", "a"], [("choices 0 ('a') and 2 ('a')", 2)]),
    ([1, True, 1.0], [("choices 0 (1) and 1 (true)", 1), ("choices 0 (1) and 2 (1.0)", 2)]),
    ([0, False], [("choices 0 (0) and 1 (false)", 1)]),
    ([[1, 2], [1, 2]], [("choices 0 ([1, 2]) and 1 ([1, 2])", 1)]),
])
def test_duplicate_choice(choices: list[Any], expected: list[tuple[str, int]]) -> None:
    ctx = make_ctx({"version": 2, "model_params": {"c": {"type": "categorical", "choices": choices}}})
    ptr = f"{BASE}/model_params/c"
    found = only(make_study([cat_p("c", choices, source=loc(ctx, ptr))]), "FT425", ctx)
    assert [(d.message.split(" of ")[0], d.pointer) for d in found] == [(m, f"{ptr}/choices/{j}") for m, j in expected]


def test_duplicate_choice_message() -> None:
    (d,) = only(make_study([cat_p("c", [1, True])]), "FT425")
    assert d.message == ("choices 0 (1) and 1 (true) of 'c' are equal for Optuna: trials drawing true are stored as 1, "
                         "and the value gets twice the share of random draws")


@pytest.mark.parametrize("choices", [["a", "b"], [1, 2, "1"], [None, False, 0.5], [[1], [2]]])
def test_duplicate_choice_no_op(choices: list[Any]) -> None:
    assert "FT425" not in codes(make_study([cat_p("c", choices)]))


def test_duplicate_choice_really_collapses_in_optuna() -> None:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    seen: list[Any] = []
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))

    def objective(trial: Any) -> float:
        seen.append(trial.suggest_categorical("c", [1, True]))
        return 0.0

    study.optimize(objective, n_trials=12)
    assert any(v is True for v in seen)
    assert all(t.params["c"] is not True for t in study.trials)  # stored as the first choice, 1


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def test_runs_split_phases() -> None:
    study = make_study(phases=[Phase(3, sampler("random")), Phase(7, sampler("tpe"))], n_trials=10)
    runs = R._runs(study)
    assert [(r.sampler.kind, r.start, r.end, r.phase) for r in runs] == [("random", 0, 3, 0), ("tpe", 3, 10, 1)]


def test_phase_sampler_node_is_located() -> None:
    ctx = make_ctx({"version": 2, "phases": [{"n_trials": 4, "sampler": "grid"}, {"n_trials": 6, "sampler": "tpe"}]})
    study = make_study([cat_p("c", ["a", "b"])], phases=[Phase(4, sampler("grid")), Phase(6, sampler("tpe"))], n_trials=10)
    (d,) = only(study, "FT412", ctx)
    node = ctx.nodes_by_pointer[f"{BASE}/phases/0/sampler"]
    assert (d.pointer, d.line, d.column) == (f"{BASE}/phases/0/sampler", node.span.line, node.span.column)


def test_value_counts() -> None:
    assert R._entry_count(int_p("n", 0, 10, 3)) == 4          # 0 3 6 9
    assert R._entry_count(float_p("x", 0.0, 1.0, 0.1)) == 11
    assert R._entry_count(float_p("x", 0.0, 1.0)) is None
    assert R._entry_count(tuple_p("t", (0, 2), low=1, high=2)) == 1 + 2 + 4
    assert R._is_single(cat_p("c", ["x"])) and R._is_single(float_p("x", 1.0, 1.0)) and not R._is_single(int_p())


def test_diagnostics_serialise() -> None:
    ctx = _step_block({"type": "int", "low": 0, "high": 10, "step": 3})
    ptr = f"{BASE}/model_params/n"
    (d,) = only(make_study([int_p("n", 0, 10, 3, source=loc(ctx, ptr))]), "FT401", ctx)
    out = d.to_dict()
    assert out["name"] == "step-does-not-divide-range" and out["fix"]["ops"] == [
        {"op": "replace_value", "pointer": f"{ptr}/high", "value": 9}]
    assert replace(d, fix=None).to_dict()["fix"] is None


# ---------------------------------------------------------------------------------------------
# FT427-FT431: several objectives
# ---------------------------------------------------------------------------------------------

TWO = ("rmse", "fit_seconds")


def test_pruner_with_several_objectives_is_an_error_at_the_pruner() -> None:
    ctx = make_ctx({"version": 2, "metric": list(TWO), "pruner": "median", "model_params": {}})
    (d,) = only(make_study(pruner=pruner("median"), metrics=TWO), "FT427", ctx)
    assert d.severity == "error" and d.pointer == f"{BASE}/pruner"
    assert d.message == "pruner 'median' with 2 objectives (rmse, fit_seconds): Optuna cannot prune a study of several objectives"
    # FT419 (the pruner cannot prune for lack of steps) is not reported beside it
    assert not only(make_study(pruner=pruner("median"), approach="single", metrics=TWO), "FT419")
    assert not only(make_study(pruner=pruner("none"), metrics=TWO), "FT427")
    assert not only(make_study(pruner=pruner("median")), "FT427")


@pytest.mark.parametrize("kind", list(SAMPLERS))
def test_only_single_objective_samplers_are_refused_with_several_objectives(kind: str) -> None:
    found = only(make_study(sampler=sampler(kind), metrics=TWO), "FT428")
    # Optuna 5: CmaEsSampler raises for several objectives; GPSampler (logEHVI) and the others handle them
    assert bool(found) == (kind == "cmaes") == SAMPLERS[kind].single_objective_only
    if found:
        assert found[0].message == ("sampler 'cmaes' with 2 objectives (rmse, fit_seconds): CmaEsSampler supports one objective "
                                    "only and raises ValueError")
    assert not only(make_study(sampler=sampler(kind)), "FT428")


def test_single_objective_sampler_in_a_phase() -> None:
    study = make_study(sampler=sampler("random"), n_trials=20, metrics=TWO,
                       phases=[Phase(10, sampler("random")), Phase(10, sampler("cmaes"))])
    (d,) = only(study, "FT428")
    assert d.message.startswith("phase 2 sampler 'cmaes' with 2 objectives")


def test_direction_list_of_the_wrong_length() -> None:
    ctx = make_ctx({"version": 2, "metric": ["rmse", "fit_seconds", "predict_seconds"], "direction": ["minimize", "minimize"]})
    (d,) = only(make_study(metrics=("rmse", "fit_seconds", "predict_seconds")), "FT429", ctx)
    assert d.pointer == f"{BASE}/direction"
    assert d.message == ("2 direction(s) for 3 metric(s) (rmse, fit_seconds, predict_seconds): each metric needs exactly one "
                         "direction")
    same = make_ctx({"version": 2, "metric": ["rmse", "fit_seconds"], "direction": ["minimize", "minimize"]})
    assert not only(make_study(metrics=TWO), "FT429", same)


def test_objectives_of_two_tasks() -> None:
    (d,) = only(make_study(metrics=("rmse", "accuracy", "fit_seconds")), "FT430")
    assert d.message == ("objectives rmse, accuracy, fit_seconds: rmse score(s) regression and accuracy classification; "
                         "no model is both")
    assert not only(make_study(metrics=("accuracy", "predict_seconds")), "FT430")


def test_select_names_a_metric_that_is_not_an_objective() -> None:
    ctx = make_ctx({"version": 2, "metric": list(TWO), "select": {"objective": "r2"}})
    (d,) = only(make_study(metrics=TWO), "FT431", ctx)
    assert d.pointer == f"{BASE}/select/objective"
    assert d.message == ("select.objective 'r2' is not an objective of the study (rmse, fit_seconds); the first objective, "
                         "'rmse', is used")
    ok = make_ctx({"version": 2, "metric": list(TWO), "select": {"objective": "fit_seconds"}})
    assert not only(make_study(metrics=TWO), "FT431", ok)
