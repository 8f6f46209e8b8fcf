"""The migration engine: properties over generated legacy configs, files, and the `ftmigrate` CLI.

- meaning preserved: without --unsafe-fixes the IR of the migrated text equals the original's
  (`source` locations aside), over hypothesis-generated legacy configs in JSON and in YAML (with
  comments, block and flow styles);
- idempotent: migrating the result again changes nothing (with and without --unsafe-fixes);
- nothing lost: every comment and every key is still there (renamed or moved keys where the fix
  put them);
- files: unchanged files are never written (mtime kept), writes are atomic (a failing rename
  leaves the original intact), BOM, CRLF line endings and permissions are kept;
- the CLI: --diff, --check, exit codes, the summary.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftspec.compiler.compile import compile_text
from ftspec.migrate import engine
from ftspec.migrate.cli import main
from ftspec.migrate.engine import fix_paths, migrate_text, strip_source, write_atomic

try:
    from tests.test_migrate_support import assert_nothing_lost
except ImportError:  # rootdir-relative import mode
    from test_migrate_support import assert_nothing_lost  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]

# =========================================================================== generated configs

_NUMBERS = st.sampled_from([0, 1, 2, 3, 5, 10, 20, 100, 0.5, 0.1, 1.0, 2.5, 1e-05, 0.001, 1e-3])
_WORDS = st.sampled_from(["rbf", "linear", "auto", "sqrt", "yes", "no", "on", "a b", "1.5", "svd"])
_SCALARS = st.one_of(_NUMBERS, _WORDS, st.booleans())


def _range_list() -> st.SearchStrategy[list[Any]]:
    tag = st.sampled_from(["int", "float", "float_log", "log_int", "INT", "Float", "builtins.int"])
    return st.one_of(
        st.tuples(tag, st.integers(1, 5), st.integers(6, 40)).map(list),
        st.tuples(st.just("float"), st.sampled_from([0.001, 0.1]), st.sampled_from([1.0, 10.0])).map(list),
        st.tuples(st.just("int"), st.sampled_from([1.5, 2]), st.sampled_from([9.9, 12])).map(list),
        st.tuples(st.just("int"), st.integers(1, 3), st.integers(10, 20), st.integers(2, 4)).map(list),
        st.tuples(st.just("float"), st.just("0.3"), st.just("0.9")).map(list),
    )


def _dict_spec() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.fixed_dictionaries({"type": st.just("int"), "min": st.integers(1, 4), "max": st.integers(5, 30)}),
        st.fixed_dictionaries({"type": st.sampled_from(["float", "float_log"]), "low": st.sampled_from([0.01, 0.1]), "high": st.sampled_from([1.0, 5.0])}),
        st.fixed_dictionaries({"type": st.just("int"), "low": st.integers(0, 3), "high": st.integers(10, 20), "step": st.integers(2, 4)}),
        st.fixed_dictionaries({"type": st.just("float"), "low": st.just(0.1), "high": st.just(1.0), "step": st.just(0.3)}),
        st.fixed_dictionaries({"type": st.just("int"), "low": st.just(1.5), "high": st.just(9.5)}),
        st.fixed_dictionaries({"values": st.lists(_WORDS, min_size=1, max_size=3, unique=True)}),
        st.fixed_dictionaries({"type": st.just("categorical"), "choices": st.lists(_SCALARS, min_size=1, max_size=3, unique_by=repr)}),
        st.fixed_dictionaries({"type": st.just("log_float"), "low": st.just(0.001), "high": st.just(1.0)}),
        st.fixed_dictionaries({"min": st.integers(1, 3), "max": st.integers(5, 9)}),
    )


_PARAM_VALUES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, min_size=1, max_size=4),
    st.tuples(st.integers(1, 5), st.integers(10, 50)).map(list),
    _range_list(),
    st.just(["bool", [True, False]]),
    _dict_spec(),
)
_PARAM_NAMES = st.sampled_from(["C", "alpha", "n_components", "kernel", "max_depth", "gamma", "est__alpha", "scale"])


@st.composite
def _params(draw: Any) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name in draw(st.lists(_PARAM_NAMES, max_size=4, unique=True)):
        if name == "scale" and draw(st.booleans()):
            params[name] = {"with_mean": draw(st.booleans()), "factor": draw(_PARAM_VALUES)}  # a nested group
        else:
            params[name] = draw(_PARAM_VALUES)
    return params


_CONTROL: dict[str, st.SearchStrategy[Any]] = {
    "n_trials": st.integers(1, 60),
    "approach": st.sampled_from(["single", "grouped", "individual", "Grouped", "cross"]),
    "eval_mode": st.sampled_from(["best", "mean", "avg", " Mean", "robust_best"]),
    "sample": st.sampled_from(["tpe", "random", "grid", "auto", "TPE", "hyperband", "cmaes"]),
    "sampler": st.sampled_from(["tpe", "random", "grid", "auto", "Random", "median"]),
    "pruner": st.sampled_from(["none", "median", "Median", "hyperband"]),
    "metric": st.sampled_from(["rmse", "mse", "r2_score", "RMSE", "mae"]),
    "seed": st.integers(0, 5),
    "timeout": st.sampled_from([60, 600]),
    "verbose": st.just(0),
    "phases": st.just([{"n_trials": 5, "sampler": "random"}, {"n_trials": 10}]),
    "train_params": st.fixed_dictionaries({"epochs": st.one_of(st.just([10, 20]), st.just(["int", 5, 50])), "batch_size": st.just(32)}),
}


@st.composite
def legacy_blocks(draw: Any) -> dict[str, Any]:
    block: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(sorted(_CONTROL)), max_size=6, unique=True)):
        block[key] = draw(_CONTROL[key])
    params = draw(_params())
    form = draw(st.sampled_from(["model_params", "model_params", "flat", "empty_model_params"]))
    if form == "model_params":
        block["model_params"] = params
    else:
        if form == "empty_model_params":
            block["model_params"] = {}
        block.update(params)
    keys = draw(st.permutations(list(block)))
    return {k: block[k] for k in keys}


@st.composite
def legacy_documents(draw: Any) -> Any:
    block = draw(legacy_blocks())
    shape = draw(st.sampled_from(["pipeline", "pipeline", "bare"]))
    if shape == "bare" and block:
        return block
    model = {"class": draw(st.sampled_from(["sklearn.svm.SVR", "sklearn.svm.SVC", "sklearn.cross_decomposition.PLSRegression"]))}
    steps: list[Any] = [{"class": "sklearn.preprocessing.StandardScaler"}]
    if draw(st.booleans()):
        steps.append({"class": "sklearn.model_selection.KFold", "params": {"n_splits": 3}})
    steps.append({"model": model, "name": "tuned", "finetune_params": block})
    return {"pipeline": steps}


# -- YAML with comments, in block and flow styles -------------------------------------------------


class _YamlWriter:
    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.count = 0
        self.step = draw(st.sampled_from([2, 2, 4]))

    def comment(self) -> str:
        self.count += 1
        return f"# note {self.count}"

    def trailing(self) -> str:
        return "   " + self.comment() if self.draw(st.integers(0, 3)) == 0 else ""

    def scalar(self, value: Any) -> str:
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value)
        if value.replace("_", "a").isalnum() and value[0].isalpha() and value.lower() not in ("null", "true", "false"):
            return value
        return json.dumps(value)

    def flow(self, value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.scalar(k)}: {self.flow(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.flow(v) for v in value) + "]"
        return self.scalar(value)

    def mapping(self, value: dict[str, Any], indent: int, out: list[str], first_prefix: str | None = None) -> None:
        for n, (key, item) in enumerate(value.items()):
            pad = " " * indent
            head = pad if n or first_prefix is None else first_prefix
            if (n or first_prefix is None) and self.draw(st.integers(0, 4)) == 0:
                out.append(pad + self.comment())
            block = (isinstance(item, (dict, list)) and item) and self.draw(st.integers(0, 3)) > 0
            if not block:
                out.append(f"{head}{self.scalar(key)}: {self.flow(item)}{self.trailing()}")
            elif isinstance(item, dict):
                out.append(f"{head}{self.scalar(key)}:{self.trailing()}")
                self.mapping(item, indent + self.step, out)
            else:
                out.append(f"{head}{self.scalar(key)}:{self.trailing()}")
                self.sequence(item, indent + (0 if self.draw(st.booleans()) else self.step), out)

    def sequence(self, value: list[Any], indent: int, out: list[str]) -> None:
        pad = " " * indent
        for item in value:
            if self.draw(st.integers(0, 5)) == 0:
                out.append(pad + self.comment())
            if isinstance(item, dict) and item:
                self.mapping(item, indent + 2, out, first_prefix=pad + "- ")
            else:
                out.append(f"{pad}- {self.flow(item)}{self.trailing()}")


@st.composite
def documents(draw: Any) -> tuple[str, str]:
    value = draw(legacy_documents())
    if draw(st.booleans()):
        return json.dumps(value, indent=draw(st.sampled_from([None, 2, 4]))) + "\n", "json"
    writer = _YamlWriter(draw)
    out = [writer.comment() + " (header)"]
    writer.mapping(value, 0, out)
    return "\n".join(out) + "\n", "yaml"


_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_SETTINGS
@given(documents())
def test_safe_migration_keeps_the_meaning_and_is_idempotent(doc: tuple[str, str]) -> None:
    text, fmt = doc
    path = "generated." + fmt
    before = compile_text(text, path)
    result = migrate_text(text, path)
    assert result.error is None
    assert not [x for x in result.left if x.kind == "failed"], [x for x in result.left if x.kind == "failed"]
    assert all(a.applicability == "safe" for a in result.applied)
    after = compile_text(result.text, path)
    assert strip_source(after.ir) == strip_source(before.ir)
    again = migrate_text(result.text, path)
    assert again.text == result.text and not again.applied
    assert_nothing_lost(text, result.text, fmt, result.applied)


@_SETTINGS
@given(documents())
def test_unsafe_migration_is_idempotent_and_loses_nothing(doc: tuple[str, str]) -> None:
    text, fmt = doc
    path = "generated." + fmt
    result = migrate_text(text, path, unsafe=True)
    assert result.error is None
    assert not [x for x in result.left if x.kind == "failed"]
    assert not [x for x in result.left if x.kind == "unsafe"]
    assert migrate_text(result.text, path, unsafe=True).text == result.text
    assert_nothing_lost(text, result.text, fmt, result.applied)
    compile_text(result.text, path)


# =========================================================================== engine details


def test_unparseable_text_is_left_untouched() -> None:
    result = migrate_text('{"finetune_params": {"n_trials": 5,}}', "bad.json")
    assert result.error is not None and "FT001" in result.error
    assert result.text == result.original and not result.changed


def test_lone_carriage_returns_are_refused() -> None:
    result = migrate_text("finetune_params:\r  sample: tpe\r", "p.yaml")
    assert result.error is not None and result.text == result.original


def test_an_internal_error_leaves_the_text_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "expected_value", explode)
    result = migrate_text(LEGACY, "p.yaml")
    assert result.text == LEGACY and not result.applied
    assert not result.changed


def test_text_without_blocks_is_unchanged() -> None:
    text = "# just a pipeline\npipeline:\n  - class: sklearn.preprocessing.StandardScaler\n"
    result = migrate_text(text, "p.yaml")
    assert result.text == text and not result.applied and not result.left


def test_crlf_and_bom_are_kept() -> None:
    text = "\ufefffinetune_params:\r\n  n_trials: 4\r\n  sample: tpe   # old\r\n"
    result = migrate_text(text, "p.yaml", select=("FT109",))
    assert result.text == "\ufefffinetune_params:\r\n  n_trials: 4\r\n  sampler: tpe   # old\r\n"


def test_a_safe_fix_that_changes_the_ir_is_not_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken safe fix (FT109 made to rename `sample` to `seed`) is caught by the IR check, listed
    as failed, and does not hold back the other fixes."""
    import dataclasses

    from ftspec.compiler.diagnostics import Fix, FixOp

    real = engine._analyze

    def broken(*args: Any) -> Any:
        state = real(*args)
        state.diagnostics = [
            dataclasses.replace(d, fix=Fix("safe", "rename sample to seed", (FixOp("rename_key", d.pointer, key="seed"),)))
            if d.code == "FT109" else d
            for d in state.diagnostics
        ]
        return state

    monkeypatch.setattr(engine, "_analyze", broken)
    text = "finetune_params:\n  sample: random\n  eval_mode: avg\n"
    result = migrate_text(text, "p.yaml", select=("FT109", "FT309"))
    assert result.text == "finetune_params:\n  sample: random\n  eval_mode: mean\n"
    failed = [x for x in result.left if x.kind == "failed"]
    assert [x.code for x in failed] == ["FT109"] and "changes the IR" in failed[0].reason


def test_fixes_that_need_each_other_are_applied_together() -> None:
    """Flat-form keys move into model_params in one batch: one at a time would change the IR."""
    text = '{"finetune_params": {"C": [1, 2, 3], "gamma": [0.1, 0.2], "n_trials": 5}}'
    result = migrate_text(text, "p.json", select=("FT107",))
    assert result.text == '{"finetune_params": {"model_params": {"C": [1, 2, 3], "gamma": [0.1, 0.2]}, "n_trials": 5}}'


def test_legacy_block_that_cannot_be_v2_keeps_its_reason() -> None:
    text = "finetune_params:\n  n_trials: 5\n  verbose: 0\n  sampler: tpe\n  metric: rmse\n"
    result = migrate_text(text, "p.yaml")
    assert "version" not in result.text
    reason = next(x.reason for x in result.left if x.code == "FT106")
    assert "verbose" in reason


def test_v2_defaults_that_differ_are_written_with_version_2() -> None:
    text = "finetune_params:\n  approach: single\n  sampler: tpe\n  metric: rmse\n"
    result = migrate_text(text, "p.yaml")
    assert result.text == (
        "finetune_params:\n  version: 2\n  eval_mode: nirs4all_best\n  validation: {holdout_fraction: 0.2, seed: 42}\n"
        "  approach: single\n  sampler: tpe\n  metric: rmse\n"
    )
    assert strip_source(compile_text(result.text, "p.yaml").ir) == strip_source(compile_text(text, "p.yaml").ir)


def test_lint_families_only_when_selected() -> None:
    text = '{"finetune_params": {"version": 2, "metric": "rmse", "n_jobs": 1}}'
    assert migrate_text(text, "p.json").text == text
    assert migrate_text(text, "p.json", select=engine.LINT_SELECT).text == '{"finetune_params": {"version": 2, "metric": "rmse"}}'


# =========================================================================== files

LEGACY = "# tuning\nfinetune_params:\n  n_trials: 5   # small\n  sample: random\n  metric: rmse\n"
MIGRATED = "# tuning\nfinetune_params:\n  version: 2\n  eval_mode: nirs4all_best\n  n_trials: 5   # small\n  sampler: random\n  metric: rmse\n"
CLEAN = "finetune_params:\n  version: 2\n  metric: rmse\n  sampler: random\n"


def test_migrate_path_rewrites_in_place_and_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(LEGACY)
    os.chmod(path, 0o640)
    report = engine.migrate_path(str(path))
    assert report.written and report.error is None
    assert path.read_text() == MIGRATED
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]  # no temporary file left


def test_clean_file_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(CLEAN)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    report = engine.migrate_path(str(path))
    assert not report.written
    assert path.stat().st_mtime == 1_000_000_000


def test_bom_and_crlf_survive_a_file_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(b'\xef\xbb\xbf{\r\n  "finetune_params": {\r\n    "sample": "random"\r\n  }\r\n}\r\n')
    engine.migrate_path(str(path), select=("FT109",))
    assert path.read_bytes() == b'\xef\xbb\xbf{\r\n  "finetune_params": {\r\n    "sampler": "random"\r\n  }\r\n}\r\n'


def test_interrupted_write_leaves_the_original_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(LEGACY)

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    report = engine.migrate_path(str(path))
    assert report.error is not None and "cannot write" in report.error
    assert path.read_text() == LEGACY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]

    def interrupt(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(str(path), b"half")
    assert path.read_text() == LEGACY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_killed_migration_leaves_the_original_intact(tmp_path: Path) -> None:
    """A process killed after writing its temporary file but before the rename."""
    path = tmp_path / "p.yaml"
    path.write_text(LEGACY)
    script = (
        "import os, sys\n"
        "from ftspec.migrate import engine\n"
        "def die(src, dst):\n"
        "    os.kill(os.getpid(), 9)\n"
        "os.replace = die\n"
        "engine.migrate_path(sys.argv[1])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", script, str(path)], env=env, capture_output=True, timeout=120)
    assert proc.returncode != 0
    assert path.read_text() == LEGACY


def test_symlink_target_is_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "real.yaml"
    target.write_text(LEGACY)
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    engine.migrate_path(str(link))
    assert link.is_symlink() and target.read_text() == MIGRATED


# =========================================================================== the CLI


def test_cli_rewrites_and_summarizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_text(LEGACY)
    (tmp_path / "b.yaml").write_text(CLEAN)
    assert main([str(tmp_path)]) == 0
    assert (tmp_path / "a.yaml").read_text() == MIGRATED
    err = capsys.readouterr().err
    assert "1 file(s) changed, 1 unchanged" in err
    assert "FT109 sample-alias: 1" in err and "FT106 legacy-dialect: 1" in err
    assert main([str(tmp_path)]) == 0  # idempotent
    assert "0 file(s) changed" in capsys.readouterr().err


def test_cli_says_why_a_block_stays_legacy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("finetune_params:\n  verbose: 0\n  sampler: tpe\n  metric: rmse\n")
    assert main([str(path)]) == 0
    err = capsys.readouterr().err
    assert "fixes left (manual):" in err and "FT106 legacy-dialect: 1" in err
    assert f"{path}:1: FT106 keys v2 does not define: verbose" in err


def test_cli_diff_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(LEGACY)
    assert main(["--diff", str(path)]) == 0
    out = capsys.readouterr().out
    assert path.read_text() == LEGACY
    assert f"--- {path}" in out and "-  sample: random" in out and "+  sampler: random" in out and "+  version: 2" in out


def test_cli_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(LEGACY)
    assert main(["--check", str(path)]) == 1
    assert path.read_text() == LEGACY
    assert "would change" in capsys.readouterr().err
    path.write_text(CLEAN)
    assert main(["--check", str(path)]) == 0


def test_cli_unsafe_fixes_are_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.json"
    text = '{"finetune_params": {"approach": "cross", "metric": "rmse", "sampler": "tpe"}}'
    path.write_text(text)
    assert main([str(path)]) == 0
    err = capsys.readouterr().err
    assert path.read_text() == text
    assert "fixes left (unsafe, apply with --unsafe-fixes):" in err and "FT307 unknown-approach: 1" in err
    assert main(["--unsafe-fixes", str(path)]) == 0
    err = capsys.readouterr().err
    assert '"approach": "grouped"' in path.read_text()
    assert "unsafe fixes (the meaning changed):" in err and "old runtime:" in err and "now:" in err


def test_cli_unreadable_input_exits_2_and_other_files_are_migrated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"finetune_params": ')
    good = tmp_path / "good.yaml"
    good.write_text(LEGACY)
    assert main([str(tmp_path)]) == 2
    assert bad.read_text() == '{"finetune_params": '
    assert good.read_text() == MIGRATED
    assert "bad.json" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.yaml")]) == 2
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"a": "\xe9"}')
    assert main([str(latin)]) == 2


def test_cli_usage_errors_exit_2() -> None:
    assert main([]) == 2
    assert main(["--no-such-option", "x"]) == 2


def test_cli_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(LEGACY)
    assert main(["-q", str(path)]) == 0
    assert capsys.readouterr().err == ""


def test_fix_paths_defaults_to_the_lint_families(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"finetune_params": {"version": 2, "metric": "rmse", "sampler": {"kind": "tpe", "options": {}}}}')
    import io

    out = io.StringIO()
    report = fix_paths([str(path)], unsafe=False, out=out)
    assert path.read_text() == '{"finetune_params": {"version": 2, "metric": "rmse", "sampler": "tpe"}}'
    assert report.applied() == {"FT504": 1} and "FT504 component-without-options: 1" in out.getvalue()


# --------------------------------------------------------------------------- FT201: a decision for the author


def test_a_two_element_list_stays_until_its_author_decides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "finetune_params:\n  metric: rmse\n  sampler: tpe\n  model_params:\n    n_estimators: [50, 300]  # meant as a range!\n"
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main([str(path)]) == 0
    assert path.read_text(encoding="utf-8") == text  # nothing else to fix, and the list is left as written
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "ftmigrate: 0 file(s) changed, 1 unchanged",
        "decisions to make (--unsafe-fixes writes the first, what nirs4all ran; write the range by hand if it was meant):",
        "  FT201 two-element-list: 1",
        f'    {path}:5: FT201 decide: {{"type": "categorical", "choices": [50, 300]}} (what nirs4all ran) or {{"type": "int", "low": 50, "high": 300}} (the range)',
        "fixes left (manual):",
        "  FT106 legacy-dialect: 1",
        f"    {path}:1: FT106 the v2 reading differs in space",
    ]
    # The finding is still there for ftlint and ftcompile.
    assert [d.code for d in compile_text(text, str(path)).diagnostics if d.code == "FT201"] == ["FT201"]
    assert main(["--unsafe-fixes", str(path)]) == 0
    assert "    n_estimators: {type: categorical, choices: [50, 300]}  # meant as a range!\n" in path.read_text(encoding="utf-8")
    err = capsys.readouterr().err
    assert "decisions made by --unsafe-fixes (the categorical nirs4all ran; the meaning is unchanged):" in err
    assert "unsafe fixes (the meaning changed)" not in err


def test_the_decision_fix_keeps_the_ir_and_is_never_applied_as_safe() -> None:
    text = '{"finetune_params": {"metric": "rmse", "model_params": {"alpha": [0.1, 10]}}}\n'
    safe = migrate_text(text, "p.json")
    assert "FT201" not in {a.code for a in safe.applied}
    assert [(x.code, x.kind) for x in safe.left if x.code == "FT201"] == [("FT201", "unsafe")]
    unsafe = migrate_text(text, "p.json", unsafe=True)
    assert [a.code for a in unsafe.applied if a.code == "FT201"] == ["FT201"]
    assert strip_source(compile_text(unsafe.text, "p.json").ir) == strip_source(compile_text(text, "p.json").ir)
