"""Property-based tests of the runtime against what a config declares (hypothesis).

"Faithful to what it says": a generated v2 block goes through the real compiler to the IR and the
IR through the real runtime (`ftspec.runtime.optimize`, or `engine.run` where the sampler of each
trial is observed), and every trial is compared with the *block* (`tests.strategies.Declared`,
read from the generated dict, not from the compiler's IR):

- every sampled value lies in the declared domain: bounds, the step grid (`low + k*step` within
  Optuna's own tolerance, `abs(k - round(k)) < 1e-8`), log ranges, choices (JSON-equal: `True` is
  not `1`, `1` is not `1.0`), sorted tuples sorted and of an allowed length; a conditional entry is
  present exactly when its condition holds;
- a grid study visits exactly the declared grid: every combination once (multisets of tuples);
- the same seed gives the same trial sequence (every runnable sampler, n_jobs=1);
- `phases` run their declared number of trials with their declared samplers, in order;
- the best trial follows the declared direction (the metric's);
- several objectives: every reported Pareto front member is non-dominated among the complete trials,
  every dominated trial is off the front (and every non-dominated one on it), and the refitted trial
  is the front's best on the `select` objective (`tests.strategies.objective_tables`);
- the IR's JSON Schema (the file `ftspec.schema.generate` writes) accepts every IR the compiler
  emits, for valid and invalid input alike;
- arbitrary bytes given to `ftcompile` (click's CliRunner) and `ftlint` (its `main`) in process
  end with exit 0, 1 or 2 and no traceback.

The same domain, grid and seed properties also run on IR spaces built directly (`ir_spaces`),
with conditions on conditional parents, so that the runtime is checked apart from the compiler.
Migration then compilation equals compilation is tests/test_migrate_engine.py's property.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import math
import os
import tempfile
from collections import Counter
from decimal import Decimal
from itertools import product
from typing import Any

import optuna
import pytest
from click.testing import CliRunner  # noqa: E402
from hypothesis import HealthCheck, assume, given, reject, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402

from ftspec.compiler.cli import cli as ftcompile_cli  # noqa: E402
from ftspec.compiler.compile import compile_text  # noqa: E402
from ftspec.ir import CategoricalParam, FloatParam, IntParam, Study, dump_ir  # noqa: E402
from ftspec.lint.cli import main as ftlint_main  # noqa: E402
from ftspec.runtime import optimize  # noqa: E402
from ftspec.runtime.engine import open_study, run  # noqa: E402
from ftspec.runtime.space import suggest  # noqa: E402
from ftspec.schema import generate  # noqa: E402
from ftspec.schema.metrics import METRICS  # noqa: E402
from ftspec.schema.v2 import json_equal  # noqa: E402
from ftspec.schema.vocab import SAMPLERS, default_options  # noqa: E402
from tests.strategies import (  # noqa: E402
    MULTI_OBJECTIVE_SAMPLERS,
    objective_tables,
    FINITE_SAMPLERS,
    SEEDABLE_SAMPLERS,
    Declared,
    documents,
    examples,
    ir_spaces,
    json_documents,
    legacy_blocks,
    legacy_document,
    runnable_v2,
    yaml_bytes,
)

optuna.logging.set_verbosity(optuna.logging.ERROR)

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
FEW = settings(SETTINGS, max_examples=examples(40))
"""For properties that run whole studies (a few ms each): the ci profile's count would cost seconds."""

IR_SCHEMA = Draft202012Validator(json.loads((generate.SCHEMA_DIR / generate.IR_FILE).read_text(encoding="utf-8")))
OPTUNA_STEP_TOLERANCE = 1e-8
"""`optuna.distributions.FloatDistribution._contains`: a value is on the step grid when
`abs(k - round(k)) < 1e-8` with `k = (value - low) / step`."""


# --------------------------------------------------------------------------- helpers


OPTUNA_LIMITS = {"FT425"}
"""Findings that announce an Optuna limitation the runtime does not hide: choices equal for Optuna
(`0` and `false`, `1` and `true`) are stored as the first one, so a trial's recorded value is not
what the objective got (and an exhaustive sampler over a conditional space then loses a trial)."""


def optuna_names(study: Study) -> list[str]:
    """Every Optuna parameter name the runtime may suggest for the study's space."""
    names = []
    for e in study.space:
        name = e.name if e.target == "model" else f"train:{e.name}"
        if e.kind == "sorted_tuple":
            names += ([f"{name}_length"] if e.length_low != e.length_high else []) + [f"{name}_{i}" for i in range(e.length_high)]
        else:
            names.append(name)
    return names


def compiled(block: dict[str, Any]) -> Study:
    """The one study of a v2 block, through the real compiler; input with an error, or with a
    finding that announces an Optuna limitation (`OPTUNA_LIMITS`), is rejected."""
    result = compile_text(json.dumps({"finetune_params": block}), "block.json", "json")
    assume(not [d for d in result.diagnostics if d.severity == "error"])
    assert len(result.ir.studies) == 1
    study = result.ir.studies[0]
    if any(d.code in OPTUNA_LIMITS for d in result.diagnostics):
        reject()
    return study


def runnable(study: Study, **changes: Any) -> Study:
    """The study in memory, one thread, no timeout (a generated block never sets them; this is a guard)."""
    return dataclasses.replace(study, n_jobs=1, storage=None, timeout_seconds=None, **changes)


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float) and value == 0.0:
        return 0.0  # -0.0 is the number 0
    return value


def key(value: Any) -> str:
    """JSON identity of a value: `true` is not `1`, `1` is not `1.0`, a tuple is its list."""
    return json.dumps(_plain(value), sort_keys=True)


def from_ir(study: Study) -> list[Declared]:
    """The domain each IR entry states, in the block's spelling (for spaces built as IR)."""
    out = []
    for e in study.space:
        if isinstance(e, (IntParam, FloatParam)):
            spec: dict[str, Any] = {"type": e.kind, "low": e.low, "high": e.high, "step": e.step, "log": e.log}
        elif isinstance(e, CategoricalParam):
            spec = {"type": "categorical", "choices": e.choices}
        else:
            el = e.element
            spec = {"type": "sorted_tuple", "length": {"low": e.length_low, "high": e.length_high},
                    "element": {"type": el.kind, "low": el.low, "high": el.high, "step": el.step, "log": el.log}}
        cond = None if e.condition is None else (e.condition.param, e.condition.values, e.condition.negate)
        out.append(Declared(e.target, e.name, tuple(e.path), spec, cond))
    return out


def at_path(tree: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    for segment in path:
        if not isinstance(tree, dict) or segment not in tree:
            return False, None
        tree = tree[segment]
    return True, tree


def domain_problem(spec: dict[str, Any], value: Any) -> str | None:
    """Why `value` is outside the domain `spec` declares (None: inside)."""
    kind = spec["type"]
    if kind in ("int", "float"):
        low, high, step, log = spec["low"], spec["high"], spec.get("step"), spec.get("log", False)
        if kind == "int" and type(value) is not int:
            return f"{value!r} is not an int"
        if kind == "float" and type(value) is not float:
            return f"{value!r} is not a float"
        if not low <= value <= high:
            return f"{value!r} outside [{low}, {high}]"
        if log and not low > 0:
            return f"log range with low {low}"
        if kind == "int" and (value - low) % (step or 1):
            return f"{value!r} not on the grid {low} + k*{step}"
        if kind == "float" and step is not None:
            k = (value - low) / step
            if abs(k - round(k)) >= OPTUNA_STEP_TOLERANCE:
                return f"{value!r} not on the grid {low} + k*{step} (k={k})"
        return None
    if kind == "categorical":
        return None if key(value) in {key(c) for c in spec["choices"]} else f"{value!r} is not one of {spec['choices']!r}"
    length = spec["length"]
    low, high = (length, length) if isinstance(length, int) else (length["low"], length["high"])
    if type(value) is not tuple:
        return f"{value!r} is not a tuple"
    if not low <= len(value) <= high:
        return f"{value!r} has length {len(value)}, not in [{low}, {high}]"
    if list(value) != sorted(value):
        return f"{value!r} is not sorted"
    for item in value:
        problem = domain_problem(spec["element"], item)
        if problem is not None:
            return f"element {problem}"
    return None


def active(declared: Declared, seen: dict[tuple[str, str], Any]) -> bool:
    """Whether the condition holds, given the values seen so far (by (target, name))."""
    if declared.condition is None:
        return True
    parent, values, negate = declared.condition
    if (declared.target, parent) not in seen:
        return False
    return any(json_equal(seen[(declared.target, parent)], v) for v in values) != negate


def check_trial(space: list[Declared], model: dict[str, Any], train: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """Every declared entry is in its domain and present exactly when active; the values seen."""
    seen: dict[tuple[str, str], Any] = {}
    for d in space:
        present, value = at_path(model if d.target == "model" else train, d.path)
        expected = active(d, seen)
        assert present == expected, f"{d.target} {d.name!r}: present={present}, condition {d.condition} holds={expected} ({model}, {train})"
        if present:
            problem = domain_problem(d.spec, value)
            assert problem is None, f"{d.target} {d.name!r}: {problem}"
            seen[(d.target, d.name)] = value
    return seen


class Recorder:
    """A plain objective that keeps what it is given and returns a value derived from it."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def __call__(self, model: dict[str, Any], train: dict[str, Any], split: Any) -> float:
        self.calls.append((model, train))
        return float(len(key(model)) % 7 - len(self.calls) % 3)


def run_recorded(study: Study) -> tuple[Any, Recorder]:
    recorder = Recorder()
    report = optimize(study, recorder)
    return report, recorder


def trial_keys(space: list[Declared], recorder: Recorder) -> list[tuple[tuple[str, str, str], ...]]:
    out = []
    for model, train in recorder.calls:
        seen = check_trial(space, model, train)
        out.append(tuple((t, n, key(v)) for (t, n), v in seen.items()))
    return out


def study_of(space: list[Any], sampler: str, n_trials: int, seed: int | None) -> Study:
    """An IR study around a generated space: the compiler's study for a minimal block, space replaced."""
    base = compiled({"version": 2, "metric": "rmse", "sampler": sampler, "model_params": {"unused": 1}})
    study = runnable(base, space=space, n_trials=n_trials, seed=seed, fixed=dataclasses.replace(base.fixed, model={}, train={}))
    names = optuna_names(study)
    if len(names) != len(set(names)):
        reject()  # two entries under one Optuna name: the compiler refuses such a space (FT228)
    return study


# --------------------------------------------------------------------------- sampled values are in the declared domain


@FEW
@given(runnable_v2())
def test_sampled_values_lie_in_the_declared_domain(drawn: tuple[dict[str, Any], list[Declared]]) -> None:
    block, declared = drawn
    study = runnable(compiled(block))
    report, recorder = run_recorded(study)
    assert len(recorder.calls) == report.n_finished == report.n_complete
    if report.stop_reason == "n_trials":
        assert len(recorder.calls) == study.n_trials == block.get("n_trials", sum(p["n_trials"] for p in block.get("phases", [])))
    else:  # an exhaustive sampler ran out of combinations first (FT412)
        assert report.stop_reason == "sampler_exhausted"
    trial_keys(declared, recorder)
    fixed_model = {k: v for k, v in block["model_params"].items() if not isinstance(v, dict) or "type" not in v}
    for model, _ in recorder.calls:
        for name, value in fixed_model.items():
            if not isinstance(value, dict):
                assert key(model[name]) == key(value), f"constant {name!r}: {model[name]!r} != {value!r}"
            elif "fixed" in value:
                assert key(model[name]) == key(value["fixed"]), f"fixed {name!r}"


def expected_distributions(d: Declared, bruteforce: bool = False) -> dict[str, Any]:
    """The Optuna distributions the runtime must create for a declared entry, by Optuna name
    (docs/ir.md: `name`, `train:name`; a sorted tuple's `name_length` and `name_i`). Under
    BruteForceSampler a one-point float range without a step is suggested with step 1.0 and no
    log (the same single value, in a form it can enumerate; `ftspec.runtime.space`)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    name = d.name if d.target == "model" else f"train:{d.name}"

    def one(spec: dict[str, Any]) -> Any:
        if spec["type"] == "categorical":
            return CategoricalDistribution(spec["choices"])
        step, log = spec.get("step"), bool(spec.get("log", False))
        if spec["type"] == "int":
            return IntDistribution(spec["low"], spec["high"], log=log, step=step or 1)
        if bruteforce and step is None and spec["low"] == spec["high"]:
            step, log = 1.0, False
        return FloatDistribution(float(spec["low"]), float(spec["high"]), log=log, step=None if step is None else float(step))

    if d.spec["type"] != "sorted_tuple":
        return {name: one(d.spec)}
    length = d.spec["length"]
    low, high = (length, length) if isinstance(length, int) else (length["low"], length["high"])
    out = {f"{name}_{i}": one(d.spec["element"]) for i in range(high)}
    if low != high:
        out[f"{name}_length"] = IntDistribution(low, high)
    return out


def same_distribution(got: Any, want: Any) -> bool:
    """Optuna's equality, except that categorical choices compare as JSON (True is not 1)."""
    if hasattr(want, "choices"):
        return hasattr(got, "choices") and [key(c) for c in got.choices] == [key(c) for c in want.choices]
    return bool(got == want)


@FEW
@given(runnable_v2())
def test_optuna_distributions_are_the_declared_ones(drawn: tuple[dict[str, Any], list[Declared]]) -> None:
    """Not only in the domain: each trial's Optuna distribution is the declared one (log scale,
    step, bounds after Optuna's own adjustment of `high`, choices in their order)."""
    block, declared = drawn
    study = runnable(compiled(block))
    ostudy = open_study(study)
    run(study, ostudy, lambda trial: (check_trial(declared, *suggest(trial, study)), 0.0)[1])
    bruteforce = "bruteforce" in {_kind(block.get("sampler", "tpe")), *(_kind(p["sampler"]) for p in block.get("phases", []))}
    for trial in ostudy.trials:
        for d in declared:
            for name, want in expected_distributions(d, bruteforce).items():
                if name in trial.distributions:
                    assert same_distribution(trial.distributions[name], want), f"{name}: {trial.distributions[name]} != {want}"
        known = {n for d in declared for n in expected_distributions(d)}
        assert set(trial.distributions) <= known, f"undeclared parameters {set(trial.distributions) - known}"


@FEW
@given(ir_spaces(), st.sampled_from(["random", "tpe", "qmc"]), st.integers(1, 8))
def test_sampled_values_lie_in_the_ir_domain(space: list[Any], sampler: str, n_trials: int) -> None:
    study = study_of(space, sampler, n_trials, seed=0)
    report, recorder = run_recorded(study)
    assert len(recorder.calls) == n_trials == report.n_complete
    trial_keys(from_ir(study), recorder)


# --------------------------------------------------------------------------- the grid


def declared_grid(space: list[Declared]) -> tuple[int, Counter]:
    """(size, multiset of assignments): Optuna's grid (one axis per Optuna parameter) projected on
    what each combination assigns: a sorted tuple is the sorted first `length` positions, an
    inactive conditional entry is absent. Built from the declared specs, not from the runtime."""

    def values(spec: dict[str, Any]) -> list[Any]:
        if spec["type"] == "categorical":
            return list(spec["choices"])
        low, high, step = spec["low"], spec["high"], spec.get("step") or 1
        if spec["type"] == "int":
            return list(range(low, high + 1, step))
        # The values Optuna itself enumerates for a stepped float (BruteForceSampler's
        # `_enumerate_candidates`: decimal arithmetic on the shortest reprs, up to `high`): 0.3, not
        # 0 + 3 * 0.1. Written out because that function's lru_cache returns the ints (0, 1) of an
        # earlier int range for the floats (0.0, 1.0, step 1.0): the cache keys compare equal.
        at, stop, by = (Decimal(repr(float(v))) for v in (low, high, step))
        out = []
        while at <= stop:
            out.append(float(at))
            at += by
        return out

    axes: list[tuple[Declared, str, list[Any]]] = []
    for d in space:
        if d.spec["type"] == "sorted_tuple":
            length = d.spec["length"]
            low, high = (length, length) if isinstance(length, int) else (length["low"], length["high"])
            if low != high:
                axes.append((d, "length", list(range(low, high + 1))))
            axes += [(d, str(i), values(d.spec["element"])) for i in range(high)]
        else:
            axes.append((d, "", values(d.spec)))
    size = math.prod(len(v) for _, _, v in axes)
    expected: Counter = Counter()
    for combo in product(*(v for _, _, v in axes)):
        parts: dict[int, dict[str, Any]] = {}
        for (d, axis, _), value in zip(axes, combo):
            parts.setdefault(id(d), {})[axis] = value
        seen: dict[tuple[str, str], Any] = {}
        for d in space:
            if not active(d, seen):
                continue
            got = parts[id(d)]
            if d.spec["type"] == "sorted_tuple":
                length = d.spec["length"]
                n = got.get("length", length if isinstance(length, int) else length["low"])
                seen[(d.target, d.name)] = tuple(sorted(got[str(i)] for i in range(n)))
            else:
                seen[(d.target, d.name)] = got[""]
        expected[tuple((t, n, key(v)) for (t, n), v in seen.items())] += 1
    return size, expected


@FEW
@given(runnable_v2(finite=True, samplers=("grid",)), st.sampled_from(["grid", {"kind": "grid"}]))
def test_grid_study_visits_exactly_the_declared_grid(drawn: tuple[dict[str, Any], list[Declared]], sampler: Any) -> None:
    block, declared = drawn
    size, expected = declared_grid(declared)
    assume(size <= 48)
    block = {k: v for k, v in block.items() if k not in ("phases", "sampler", "n_trials")}
    block.update(sampler=sampler, n_trials=size)
    study = runnable(compiled(block))
    assert study.sampler.kind == "grid" and study.n_trials == size
    report, recorder = run_recorded(study)
    assert report.stop_reason == "n_trials" and report.n_complete == size
    assert Counter(trial_keys(declared, recorder)) == expected


@FEW
@given(ir_spaces(finite=True), st.integers(0, 2**31))
def test_grid_over_an_ir_space_visits_every_combination_once(space: list[Any], seed: int) -> None:
    """Conditional IR spaces too (the compiler refuses them for grid, FT411; the runtime's
    behaviour is still defined: inactive entries are not suggested)."""
    study = study_of(space, "grid", 1, seed)
    size, expected = declared_grid(from_ir(study))
    assume(size <= 48)
    study = dataclasses.replace(study, n_trials=size)
    report, recorder = run_recorded(study)
    assert report.n_complete == size
    assert Counter(trial_keys(from_ir(study), recorder)) == expected


# --------------------------------------------------------------------------- seeds


@FEW
@given(runnable_v2(samplers=SEEDABLE_SAMPLERS), st.integers(0, 2**32 - 1))
def test_the_same_seed_gives_the_same_trial_sequence(drawn: tuple[dict[str, Any], list[Declared]], seed: int) -> None:
    block, declared = drawn
    if block["seed"] is None:
        block = {**block, "seed": seed}
    study = runnable(compiled(block))
    assert study.seed == block["seed"], "the IR must keep the declared seed"
    first, second = (trial_keys(declared, run_recorded(study)[1]) for _ in range(2))
    assert first == second


@FEW
@given(ir_spaces(), st.sampled_from(SEEDABLE_SAMPLERS), st.integers(0, 2**32 - 1))
def test_the_same_seed_gives_the_same_trials_over_an_ir_space(space: list[Any], sampler: str, seed: int) -> None:
    if sampler in FINITE_SAMPLERS:
        space = [e for e in space if not (isinstance(e, FloatParam) and e.step is None)
                 and not (getattr(e, "element", None) is not None and e.element.kind == "float" and e.element.step is None)]
        assume(space)
    study = study_of(space, sampler, 5, seed)
    first, second = (trial_keys(from_ir(study), run_recorded(study)[1]) for _ in range(2))
    assert first == second


# --------------------------------------------------------------------------- phases and direction


def _kind(sampler: Any) -> str:
    return sampler if isinstance(sampler, str) else sampler["kind"]


@FEW
@given(runnable_v2(samplers=("tpe", "random", "qmc")))
def test_phases_run_their_trials_with_their_samplers(drawn: tuple[dict[str, Any], list[Declared]]) -> None:
    block, declared = drawn
    assume("phases" in block)
    study = runnable(compiled(block))
    expected = [SAMPLERS[_kind(p["sampler"])].optuna_class.rsplit(".", 1)[1] for p in block["phases"] for _ in range(p["n_trials"])]
    used: list[str] = []

    def trial_fn(trial: Any) -> float:
        used.append(type(trial.study.sampler).__name__)
        check_trial(declared, *suggest(trial, study))
        return 0.0

    outcome = run(study, open_study(study), trial_fn)
    assert outcome.stop_reason == "n_trials"
    assert used == expected


@FEW
@given(runnable_v2(samplers=("random",)))
def test_the_best_trial_follows_the_declared_direction(drawn: tuple[dict[str, Any], list[Declared]]) -> None:
    block, _ = drawn
    study = runnable(compiled(block))
    direction = block.get("direction", METRICS[block["metric"]].direction)
    assert study.objectives[0].direction == direction
    values = iter([3.0, -1.0, 7.0, 0.5, 2.0, -4.0, 9.0, 1.0, 6.0, 5.0])
    report = optimize(study, lambda model, train, split: next(values))
    scores = [t.value for t in report.trials]
    assert report.best_value == (min(scores) if direction == "minimize" else max(scores))


# --------------------------------------------------------------------------- the IR's JSON Schema


def assert_schema_accepts(text: str, fmt: str) -> None:
    result = compile_text(text, f"input.{fmt}", fmt)
    dumped = json.loads(dump_ir(result.ir))
    errors = sorted(IR_SCHEMA.iter_errors(dumped), key=lambda e: list(e.absolute_path))
    assert not errors, f"{errors[0].message} at {list(errors[0].absolute_path)}"


@settings(SETTINGS, max_examples=examples(60))
@given(runnable_v2())
def test_ir_schema_accepts_the_ir_of_valid_v2_blocks(drawn: tuple[dict[str, Any], list[Declared]]) -> None:
    assert_schema_accepts(json.dumps({"finetune_params": drawn[0]}), "json")


@settings(SETTINGS, max_examples=examples(60))
@given(documents())
def test_ir_schema_accepts_the_ir_of_near_miss_v2_blocks(doc: Any) -> None:
    assert_schema_accepts(json.dumps({"finetune_params": doc}), "json")


@settings(SETTINGS, max_examples=examples(60))
@given(legacy_blocks(), st.sampled_from(["sklearn.linear_model.Ridge", "sklearn.svm.SVC"]))
def test_ir_schema_accepts_the_ir_of_legacy_blocks(drawn: tuple[dict[str, Any], str], model_class: str) -> None:
    assert_schema_accepts(json.dumps(legacy_document(*drawn, model_class)), "json")


@settings(SETTINGS, max_examples=examples(60))
@given(json_documents)
def test_ir_schema_accepts_the_ir_of_arbitrary_json(value: Any) -> None:
    assert_schema_accepts(json.dumps(value), "json")


# --------------------------------------------------------------------------- the command lines on arbitrary bytes


@contextlib.contextmanager
def input_file(data: bytes, suffix: str) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input" + suffix)
        with open(path, "wb") as handle:
            handle.write(data)
        yield path


@settings(SETTINGS, max_examples=examples(40))
@given(yaml_bytes, st.sampled_from([".yaml", ".json", ".yml"]), st.sampled_from([[], ["--output-format", "json"], ["--strict", "--no-ir"]]))
def test_ftcompile_on_arbitrary_bytes_exits_cleanly(data: bytes, suffix: str, options: list[str]) -> None:
    with input_file(data, suffix) as path:
        result = CliRunner().invoke(ftcompile_cli, [path, *options])
    assert isinstance(result.exception, SystemExit) or result.exception is None, repr(result.exception)
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.output
    if result.exit_code != 2 and "--no-ir" not in options:
        IR_SCHEMA.validate(json.loads(result.stdout))


@settings(SETTINGS, max_examples=examples(40))
@given(yaml_bytes, st.sampled_from([".yaml", ".json", ".yml"]), st.sampled_from([[], ["--format", "json"], ["--format", "sarif"]]))
def test_ftlint_on_arbitrary_bytes_exits_cleanly(data: bytes, suffix: str, options: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with input_file(data, suffix) as path, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = ftlint_main([path, *options])
    assert code in (0, 1, 2)
    assert "Traceback" not in out.getvalue() + err.getvalue()


# --------------------------------------------------------------------------- bugs these properties found (fixed; kept as regressions)

_INT = {"type": "int", "low": 1, "high": 1}
FOUND_BUGS = [
    # A model parameter `train:a` and a train parameter `a` are both Optuna's "train:a": one value is
    # sampled (from the first distribution) and given to both, outside the second one's domain; no finding.
    pytest.param(
        {"version": 2, "metric": "rmse", "n_trials": 1, "model_params": {"train:a": _INT},
         "train_params": {"a": {"type": "int", "low": 5, "high": 5}}},
        [Declared("model", "train:a", ("train:a",), _INT, None), Declared("train", "a", ("a",), {"type": "int", "low": 5, "high": 5}, None)],
        id="optuna-name-collision-train-prefix",
    ),
    # A sorted tuple `x` of varying length is suggested as `x_length` and `x_0`...: a parameter of
    # that name collides with it ("Cannot set different distribution kind"), every trial fails; no finding.
    pytest.param(
        {"version": 2, "metric": "rmse", "n_trials": 1, "model_params": {
            "x": {"type": "sorted_tuple", "length": {"low": 1, "high": 2}, "element": {"type": "int", "low": 0, "high": 3}},
            "x_length": {"type": "categorical", "choices": ["a", "b"]}}},
        [Declared("model", "x", ("x",), {"type": "sorted_tuple", "length": {"low": 1, "high": 2}, "element": {"type": "int", "low": 0, "high": 3}}, None),
         Declared("model", "x_length", ("x_length",), {"type": "categorical", "choices": ["a", "b"]}, None)],
        id="optuna-name-collision-sorted-tuple",
    ),
    # A float range with low == high and no step is one value, and the compiler says nothing, but the
    # runtime's grid refuses it as "a continuous float range" (RuntimeSpecError; bruteforce: ValueError).
    pytest.param(
        {"version": 2, "metric": "rmse", "sampler": "grid", "n_trials": 1, "model_params": {"a": {"type": "float", "low": 1, "high": 1}}},
        [Declared("model", "a", ("a",), {"type": "float", "low": 1, "high": 1}, None)],
        id="grid-single-point-float",
    ),
    pytest.param(
        {"version": 2, "metric": "rmse", "sampler": "bruteforce", "n_trials": 1,
         "model_params": {"a": {"type": "float", "low": 0.001, "high": 0.001, "log": True}}},
        [Declared("model", "a", ("a",), {"type": "float", "low": 0.001, "high": 0.001, "log": True}, None)],
        id="bruteforce-single-point-log-float",
    ),
    # The grid of a stepped float range is `low + k * step`, and 0 + 3 * 0.1 is 0.30000000000000004:
    # the grid gives the objective a value above `high` (Optuna warns "out of range" and uses it;
    # Optuna's own samplers clip to `high`).
    pytest.param(
        {"version": 2, "metric": "rmse", "sampler": "grid", "n_trials": 4, "model_params": {"a": {"type": "float", "low": 0, "high": 0.3, "step": 0.1}}},
        [Declared("model", "a", ("a",), {"type": "float", "low": 0, "high": 0.3, "step": 0.1}, None)],
        id="grid-float-above-high",
    ),
    # The v2 schema and the compiler accept `seed: 4294967296` (2**32), but every Optuna sampler seeds
    # numpy, which takes 0..2**32 - 1: the study does not start (ValueError from numpy).
    pytest.param(
        {"version": 2, "metric": "rmse", "n_trials": 1, "seed": 2**32, "sampler": "random", "model_params": {"a": _INT}},
        [Declared("model", "a", ("a",), _INT, None)],
        id="seed-2-to-the-32",
    ),
]


@pytest.mark.parametrize(("block", "declared"), FOUND_BUGS)
def test_found_bug_stays_fixed(block: dict[str, Any], declared: list[Declared]) -> None:
    """The compiler reports an error for the block, or the runtime runs it inside its domain."""
    result = compile_text(json.dumps({"finetune_params": block}), "block.json", "json")
    if any(d.severity == "error" for d in result.diagnostics):
        return
    report, recorder = run_recorded(runnable(result.ir.studies[0]))
    assert report.n_complete == block["n_trials"]
    trial_keys(declared, recorder)


# --------------------------------------------------------------------------- a short fuzzing pass (the long one: bench/fuzz.py)


def test_short_fuzz_pass_finds_no_crash() -> None:
    """200 mutated fixtures and corpus files (fixed seed) through the loader, both front-ends, the
    migrator and, every 10th case, ftcompile and ftlint in process."""
    import importlib

    fuzz = importlib.import_module("bench.fuzz")  # bench/ is a namespace package beside tests/
    stats = fuzz.run(cases=200, seed=0)
    assert stats.cases == 200 and stats.runs == {"text": 200, "file+migrate": 200, "cli": 20}
    assert not stats.crashes, f"{stats.crashes[0].stage}: {stats.crashes[0].error}"


def test_bruteforce_float_is_a_float_beside_an_int_range_with_the_same_bounds() -> None:
    """Optuna's BruteForceSampler enumerates through an lru_cache keyed by (low, high, step), where
    (0, 1, 1) and (0.0, 1.0, 1.0) are one key: once the int range is enumerated, the float range
    gets the ints 0 and 1. The objective must still be given floats for a float parameter."""
    block = {"version": 2, "metric": "rmse", "sampler": "bruteforce", "n_trials": 4, "model_params": {
        "a": {"type": "int", "low": 0, "high": 1}, "b": {"type": "float", "low": 0, "high": 1, "step": 1}}}
    result = compile_text(json.dumps({"finetune_params": block}), "block.json", "json")
    assert not [d for d in result.diagnostics if d.severity == "error"]
    _, recorder = run_recorded(runnable(result.ir.studies[0]))
    assert [type(model["b"]).__name__ for model, _ in recorder.calls] == ["float"] * 4


# =========================================================================== several objectives


def _dominates(a: list[float], b: list[float], signs: list[float]) -> bool:
    return all(s * x <= s * y for x, y, s in zip(a, b, signs)) and any(s * x < s * y for x, y, s in zip(a, b, signs))


@settings(SETTINGS, max_examples=examples(40))
@given(table=objective_tables(), kind=st.sampled_from(MULTI_OBJECTIVE_SAMPLERS), seed=st.integers(0, 2**32 - 1))
def test_the_pareto_front_is_the_non_dominated_trials(table: tuple[list[str], list[list[float]], int], kind: str, seed: int) -> None:
    from tests.runtime_ir import entry, make_study

    metrics, rows, k = table
    options = default_options(SAMPLERS[kind])
    if kind in ("nsgaii", "nsgaiii"):
        options["population_size"] = 2
    study = make_study(metrics=metrics, n_trials=len(rows), seed=seed, sampler={"kind": kind, "options": options},
                       space=[entry("float", "x", low=0.0, high=1.0, step=None, log=False)], select={"objective": metrics[k]})
    values = iter(rows)
    report = optimize(study, lambda model, train, split: next(values))
    signs = [1.0 if METRICS[m].direction == "minimize" else -1.0 for m in metrics]
    complete = {t.number: t.values for t in report.trials if t.state == "COMPLETE"}
    assert [complete[n] for n in sorted(complete)] == rows
    front = [p["number"] for p in report.pareto_front]
    assert front == sorted(front)
    for number, row in complete.items():
        dominated = any(_dominates(other, row, signs) for other in complete.values())
        assert (number in front) != dominated, (number, row)
    best = min(front, key=lambda n: (signs[k] * complete[n][k], n))
    assert report.best_number == best == report.select["number"] and report.best_value == complete[best][k]
    assert report.metric == metrics[k] and report.best_values == complete[best]
