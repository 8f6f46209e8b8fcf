"""The shape of the rules (STYLE.md section 2, issue 12): every rule sits beside its check.

A rule module (ftspec/compiler/rules/*.py, and ftspec/lint/rules.py for the linter's FT5xx) reports
only the rules it defines; the converted front-ends
report nothing and define nothing (they call the checks registered by the rule modules); every other
module that reports a compiler rule is in `NOT_BESIDE_THEIR_RULE`, with the reason.
"""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftspec.compiler.checks import CAMPAIGN_KEYS, LEGACY_KEY_CHECKS, LEGACY_KEYS, STAGE_KEYS, V2_KEY_READERS, V2_SPEC_TYPES, Readers
from ftspec.compiler.diagnostics import Rule
from ftspec.compiler.rules import all_rules
from ftspec.compiler.rules.space import V2_SPEC_KEYS
from ftspec.compiler.rules.structure import legacy_control_keys
from ftspec.schema.v2_fields import V2_FIELDS, V2_KEYS

ROOT = Path(__file__).resolve().parents[1]
RULE_MODULES = [*sorted((ROOT / "ftspec/compiler/rules").glob("[!_]*.py")), ROOT / "ftspec/lint/rules.py"]
# The modules that dispatch to the registered checks (compile.py: check_block, the front-ends, the study checks).
CONVERTED_FRONTENDS = [
    *(p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "ftspec/compiler/frontends").glob("[!_]*.py"))),
    "ftspec/compiler/compile.py",
    "ftspec/campaign/compile.py",
]
NOT_BESIDE_THEIR_RULE = {
    "ftspec/compiler/inputs.py": "FT012: a path that cannot be read has no node to check",
    "ftspec/compiler/source.py": "FT0xx: the loaders report while they read text, before there is a node",
    "ftspec/compiler/json_loader.py": "FT0xx: the loaders report while they read text, before there is a node",
    "ftspec/compiler/yaml_loader.py": "FT0xx: the loaders report while they read text, before there is a node",
    "ftspec/compiler/yaml_events.py": "FT0xx: the loaders report while they read text, before there is a node",
    "ftspec/compiler/located.py": "FT0xx: the loaders report while they read text, before there is a node",
    "ftspec/lint/linter.py": "the linter's own FT5xx (ftlint only), defined in ftspec/lint/rules.py",
    "ftspec/lint/suppressions.py": "the linter applies suppression comments (FT5xx), not the rules",
}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _defined_here(path: Path) -> dict[str, Rule]:
    """The rules a module assigns with `define(...)` (not those it imports)."""
    module = importlib.import_module(_module_name(path))
    source = path.read_text(encoding="utf-8")
    return {name: value for name, value in vars(module).items() if isinstance(value, Rule) and f"\n{name} = define(" in source}


RULE_NAMES = {name for path in RULE_MODULES for name in _defined_here(path)}


def _report_calls(tree: ast.AST) -> list[tuple[ast.Call, ast.AST]]:
    """Every `x.report(first, ...)` call with the function it is in (the module for module-level calls)."""
    found = []

    def visit(node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scope
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "report" and child.args:
                found.append((child, scope))
            visit(child, inner)

    visit(tree, tree)
    return found


def _reported_names(call: ast.Call, scope: ast.AST) -> set[str]:
    """The names of the rules a report call may report: the names in its first argument, and for a
    local variable (`unknown = UNKNOWN_SAMPLER if ... else UNKNOWN_PRUNER`) the names assigned to it."""
    first = call.args[0]
    names = {n.attr if isinstance(n, ast.Attribute) else n.id for n in ast.walk(first) if isinstance(n, (ast.Name, ast.Attribute))}
    if isinstance(first, ast.Name):
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == first.id for t in node.targets):
                names |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
    return names & RULE_NAMES


@pytest.mark.parametrize("path", RULE_MODULES, ids=lambda p: p.name)
def test_a_rule_module_reports_only_its_own_rules(path: Path) -> None:
    own = set(_defined_here(path))
    for call, scope in _report_calls(ast.parse(path.read_text(encoding="utf-8"))):
        reported = _reported_names(call, scope)
        assert reported, f"{path.name}:{call.lineno}: report call whose rule cannot be read"
        assert reported <= own, f"{path.name}:{call.lineno} reports {sorted(reported - own)}, defined elsewhere"


@pytest.mark.parametrize("path", CONVERTED_FRONTENDS)
def test_a_converted_front_end_neither_reports_nor_defines(path: str) -> None:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    assert _report_calls(tree) == []
    calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert not any(isinstance(f, ast.Name) and f.id == "define" for f in calls)


def test_every_other_module_that_reports_a_rule_is_a_documented_exception() -> None:
    reporting = set()
    for path in sorted((ROOT / "ftspec").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if path in RULE_MODULES:
            continue
        if any(_reported_names(call, scope) for call, scope in _report_calls(ast.parse(path.read_text(encoding="utf-8")))):
            reporting.add(relative)
    assert reporting == set(NOT_BESIDE_THEIR_RULE)


def test_every_rule_is_defined_in_a_rule_module() -> None:
    defined = {rule.code for path in RULE_MODULES for rule in _defined_here(path).values()}
    assert defined == set(all_rules())


def test_the_legacy_control_keys_are_the_keys_with_a_reader() -> None:
    assert sorted(legacy_control_keys()) == sorted([
        "_comment", "n_trials", "approach", "eval_mode", "sampler", "sample", "pruner", "metric", "direction", "seed",
        "n_jobs", "storage", "study_name", "resume", "force_params", "phases", "verbose", "model_params",
        "train_params", "engine", "timeout", "timeout_seconds",
    ])
    assert set(LEGACY_KEYS.names()) | set(LEGACY_KEY_CHECKS.names()) == set(legacy_control_keys()) - {"_comment"}


def test_the_keys_of_a_campaign_and_of_a_stage_are_the_keys_with_a_reader() -> None:
    all_rules()
    assert CAMPAIGN_KEYS.names() == ("version", "name", "pipeline", "storage", "budget", "decide", "stages")
    assert sorted(STAGE_KEYS.names()) == sorted([
        "name", "n_trials", "seeds", "search", "hold", "warm_start", "narrow", "pipeline", "trial_timeout_seconds",
    ])


def test_every_v2_key_is_read_once_from_its_field() -> None:
    """The v2 keys are the V2Fields: a carried key is read generically from its field
    (`read_carried_key`), every other one has a `@v2_key` reader, and no reader reads a key that is
    not a V2Field."""
    carried = {f.name for f in V2_FIELDS if f.carried}
    readers = set(V2_KEY_READERS.names())
    assert carried == {"timeout_seconds", "trial_timeout_seconds", "n_jobs", "seed", "approach", "eval_mode"}
    assert readers.isdisjoint(carried)
    assert readers | carried == set(V2_KEYS)


def test_every_v2_spec_type_has_its_keys_and_a_lowering() -> None:
    assert V2_SPEC_TYPES.names() == ("categorical", "int", "float", "sorted_tuple")
    assert set(V2_SPEC_KEYS) == set(V2_SPEC_TYPES.names())


def test_a_key_has_one_reader() -> None:
    readers = Readers("test key")
    readers.register("a", "b")(lambda lo, node: None)
    with pytest.raises(ValueError, match="test key 'b' has two readers"):
        readers.register("b")(lambda lo, node: None)
    assert readers.names() == ("a", "b")
    assert readers.get(["a"]) is None



NEW_RULE = """

WARM_START_IGNORED = define(
    "FT199", "warm-start-ignored", "info",
    "`warm_start` is not a study setting.",
    "`warm_start` {value!r} is not part of the study",
    old="Ignored.",
    now="Ignored and reported.",
    fix="Remove the key.",
)


@legacy_key_check("warm_start")
def check_warm_start(lo: Lowering, node: Node | None) -> None:
    if node is not None:
        lo.report(WARM_START_IGNORED, node, value=to_python(node))
"""
PROBE = """
from ftspec.compiler.compile import compile_text
from ftspec.compiler.rules import all_rules
result = compile_text('{"model": "sklearn.svm.SVR", "finetune_params": {"warm_start": true, "model_params": {"C": [1, 2]}}}', "p.json")
print(sorted({d.code for d in result.diagnostics if d.pointer == "/finetune_params/warm_start"}))
print(getattr(all_rules().get("FT199"), "name", None))
"""


def test_a_rule_and_its_legacy_key_check_are_added_in_one_module(tmp_path: Path) -> None:
    """The rule, its docs and its check go into one rule module: the front-end runs the check, the
    key stops being an ignored key (FT103), and the registry that the docs are generated from has
    the rule."""
    shutil.copytree(ROOT / "ftspec", tmp_path / "ftspec", ignore=shutil.ignore_patterns("__pycache__"))
    before = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert before.stdout.splitlines() == ["['FT103']", "None"]
    structure = tmp_path / "ftspec/compiler/rules/structure.py"
    structure.write_text(structure.read_text(encoding="utf-8") + NEW_RULE, encoding="utf-8")
    after = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert after.stdout.splitlines() == ["['FT199']", "warm-start-ignored"]
