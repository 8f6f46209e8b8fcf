"""`ftcompile` end to end through `ftspec.compiler.cli.main(argv)`: exit codes, findings on stderr,
IR on stdout or in files (compared with the fixture goldens), JSON findings, determinism.

Every test runs with the project root as the working directory, so that paths in findings and in
the IR are the relative ones the goldens hold. Regenerate goldens with `python -m tests.golden --update`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

try:
    from tests import golden
except ImportError:  # pytest's rootdir-relative import mode without the project root on sys.path
    import golden  # type: ignore[no-redef]

from ftspec.compiler.cli import main
from ftspec.compiler.compile import compile_path
from ftspec.ir import IR_VERSION

FINDING = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>FT\d{3}) (?P<severity>error|warning|info) (?P<message>.+)$")
SUMMARY = re.compile(r"^\d+ file\(s\), \d+ stud(y|ies): \d+ error\(s\), \d+ warning\(s\), \d+ info$")
DIAGNOSTIC_FIELDS = {
    "code", "name", "severity", "message", "file", "pointer", "line", "column", "end_line", "end_column", "fix",
}


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(golden.ROOT)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _fixtures(sub: str) -> list:
    return [pytest.param(golden.relative(fixture), id=fixture.name) for fixture in golden.fixture_paths() if fixture.parent.name == sub]


def _golden_ir(rel: str) -> str:
    return golden.golden_paths(golden.ROOT / rel)[0].read_text(encoding="utf-8")


def _golden_findings(rel: str) -> list[tuple[int, int, str, str]]:
    """(line, column, code, severity) of each finding in the golden."""
    rows = []
    for line in golden.golden_paths(golden.ROOT / rel)[1].read_text(encoding="utf-8").splitlines():
        span, code, severity, _pointer = line.split(" ", 3)
        start = span.split("-")[0]
        row, col = start.split(":")
        rows.append((int(row), int(col), code, severity))
    return rows


WORK = re.compile(r"^(\S+: study|campaign) \S+: ")


def _finding_lines(err: str) -> list[str]:
    """The finding lines of ftcompile's stderr: before the declared work of each study and the summary."""
    lines = err.splitlines()
    assert lines and SUMMARY.match(lines[-1]), f"no summary line at the end of stderr: {lines[-1:]}"
    return [line for line in lines[:-1] if not WORK.match(line)]


def test_ftcompile_prints_the_work_each_study_declares(capsys: pytest.CaptureFixture[str]) -> None:
    # trials x folds model fits, one refit, and at most (fits + refit) x transforms transformer fits.
    code, _out, err = run(capsys, "--no-ir", "fixtures/run/ridge_csv.yaml", "fixtures/v2/pipeline_multi.yaml")
    assert code == 0, err
    work = [line for line in err.splitlines() if WORK.match(line)]
    assert work == [
        "fixtures/run/ridge_csv.yaml: study ridge-csv: 1 study = 20 trials x 5 folds = 100 model fits + 1 refit; at most 101 transform fits",
        "fixtures/v2/pipeline_multi.yaml: study forest-logloss: 1 study = 30 trials x 4 folds = 120 model fits + 1 refit; at most 121 transform fits",
        "fixtures/v2/pipeline_multi.yaml: study svc-auc: 1 study = 30 trials x 4 folds = 120 model fits + 1 refit; at most 121 transform fits",
        "fixtures/v2/pipeline_multi.yaml: study ridge-explained-variance: 1 study = 20 trials x 4 folds = 80 model fits + 1 refit; at most 81 transform fits",
        # individual: one study per fold, each trial one fit, one refit per fold's study
        "fixtures/v2/pipeline_multi.yaml: study huber-mape: 4 studies = 80 trials x 1 fold = 80 model fits + 4 refits; at most 84 transform fits",
    ]


# --------------------------------------------------------------------------- exit codes


def test_strict_v2_directory_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "--strict", "fixtures/v2/")
    assert code == 0, err
    assert not [line for line in _finding_lines(err) if " error " in line or " warning " in line]


@pytest.mark.parametrize("rel", _fixtures("legacy"))
def test_strict_legacy_fixture_fails_and_lists_findings(capsys: pytest.CaptureFixture[str], rel: str) -> None:
    code, _out, err = run(capsys, "--strict", rel)
    assert code == 1
    listed = []
    for line in _finding_lines(err):
        match = FINDING.match(line)
        assert match, f"not `file:line:col: CODE severity message`: {line!r}"
        assert match["file"] == rel
        listed.append((int(match["line"]), int(match["column"]), match["code"], match["severity"]))
    assert listed == _golden_findings(rel)
    messages = [d.message for d in compile_path(rel).diagnostics]
    assert [FINDING.match(line)["message"] for line in _finding_lines(err)] == messages  # type: ignore[index]


def test_legacy_fixture_without_strict_fails_only_on_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, _err = run(capsys, "fixtures/legacy/tagged_lists.json")  # warnings and infos only
    assert code == 0
    code, _out, _err = run(capsys, "fixtures/legacy/dict_errors.yaml")
    assert code == 1


def test_missing_file_exits_2_with_ft012(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "fixtures/legacy/no_such_pipeline.json")
    assert code == 2
    lines = _finding_lines(err)
    assert len(lines) == 1
    match = FINDING.match(lines[0])
    assert match and match["code"] == "FT012" and match["severity"] == "error"
    assert match["file"] == "fixtures/legacy/no_such_pipeline.json"
    assert json.loads(out) == {"ir_version": IR_VERSION, "studies": []}


def test_missing_file_beside_good_ones_still_compiles_them(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "fixtures/v2/tpe_single.yaml", "nowhere.yaml")
    assert code == 2
    assert "FT012" in err
    assert out == _golden_ir("fixtures/v2/tpe_single.yaml")


@pytest.mark.parametrize(
    ("rel", "where"),
    [("fixtures/invalid/malformed_json.json", (8, 9)), ("fixtures/invalid/malformed_yaml.yaml", (7, 9))],
)
def test_malformed_file_exits_2_with_ft001_at_its_position(
    capsys: pytest.CaptureFixture[str], rel: str, where: tuple[int, int]
) -> None:
    code, _out, err = run(capsys, rel)
    assert code == 2
    first = FINDING.match(_finding_lines(err)[0])
    assert first is not None
    assert (first["file"], first["code"], first["severity"]) == (rel, "FT001", "error")
    assert (int(first["line"]), int(first["column"])) == where


def test_directory_with_binary_files_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "blob.json").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "picture.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
    (tmp_path / "utf16.yml").write_bytes("finetune_params: {n_trials: 3}".encode("utf-16"))
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "zeros.json").write_bytes(b"\x00" * 64)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2
    reported = {}
    for line in _finding_lines(err):
        match = FINDING.match(line)
        assert match, line
        reported.setdefault(Path(match["file"]).name, []).append(match["code"])
    assert set(reported) == {"blob.json", "picture.yaml", "utf16.yml", "zeros.json"}
    assert all(any(c.startswith("FT0") for c in codes) for codes in reported.values())
    assert json.loads(out) == {"ir_version": IR_VERSION, "studies": []}


FORMERLY_CRASHING = ["fixtures/invalid/block_is_list.yaml", "fixtures/invalid/nan.json"]
"""Fixtures on which ftcompile once printed a traceback (AttributeError, ValueError from dump_ir)."""


@pytest.mark.parametrize("rel", [pytest.param(rel, id=Path(rel).name) for rel in FORMERLY_CRASHING])
def test_bad_block_gives_findings_not_a_traceback(capsys: pytest.CaptureFixture[str], rel: str) -> None:
    code = main([rel])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code == 1
    assert out == _golden_ir(rel)
    assert [tuple(int(x) if x.isdigit() else x for x in FINDING.match(line).group("line", "column", "code", "severity"))  # type: ignore[union-attr]
            for line in _finding_lines(err)] == _golden_findings(rel)


# --------------------------------------------------------------------------- IR output


@pytest.mark.parametrize("rel", _fixtures("legacy") + _fixtures("v2") + _fixtures("invalid"))
def test_stdout_ir_equals_golden(capsys: pytest.CaptureFixture[str], rel: str) -> None:
    _code, out, _err = run(capsys, rel)
    assert out == _golden_ir(rel)


@pytest.mark.parametrize("sub", ["legacy", "v2"])
def test_output_dir_writes_one_ir_per_input(capsys: pytest.CaptureFixture[str], tmp_path: Path, sub: str) -> None:
    out_dir = tmp_path / "ir"
    out_dir.mkdir()
    code, out, _err = run(capsys, "-o", str(out_dir), f"fixtures/{sub}/")
    assert code == (1 if sub == "legacy" else 0)
    assert out == ""
    for param in _fixtures(sub):
        rel = param.values[0]
        written = out_dir / (Path(rel).name + ".ir.json")
        assert written.exists(), f"no IR written for {rel}"
        assert written.read_text(encoding="utf-8") == _golden_ir(rel)


def test_output_dir_skips_unreadable_inputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "ir"
    out_dir.mkdir()
    code, _out, _err = run(
        capsys, "-o", str(out_dir), "fixtures/invalid/malformed_json.json", "fixtures/v2/conditions.json"
    )
    assert code == 2
    assert sorted(p.name for p in out_dir.iterdir()) == ["conditions.json.ir.json"]


def test_output_file_writes_the_merged_ir(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "merged.ir.json"
    code, out, _err = run(capsys, "-o", str(target), "fixtures/v2/")
    assert code == 0
    assert out == ""
    studies = []
    for param in _fixtures("v2"):
        studies += json.loads(_golden_ir(param.values[0]))["studies"]
    expected = json.dumps({"ir_version": IR_VERSION, "studies": studies}, indent=2, ensure_ascii=False) + "\n"
    assert target.read_text(encoding="utf-8") == expected


# --------------------------------------------------------------------------- JSON findings


@pytest.mark.parametrize(
    "rel", ["fixtures/legacy/cross_avg.json", "fixtures/legacy/dict_specs.json", "fixtures/invalid/v2_errors.json"]
)
def test_json_findings_carry_every_field(capsys: pytest.CaptureFixture[str], rel: str) -> None:
    _code, _out, err = run(capsys, "--output-format", "json", rel)
    payload = json.loads(err)
    diagnostics = payload["diagnostics"]
    assert diagnostics, "these fixtures have findings"
    for item in diagnostics:
        assert set(item) == DIAGNOSTIC_FIELDS
        assert item["file"] == rel
        assert isinstance(item["line"], int) and isinstance(item["end_column"], int)
        if item["fix"] is not None:
            assert item["fix"]["applicability"] in ("safe", "unsafe")
            assert item["fix"]["ops"]
    assert diagnostics == [d.to_dict() for d in compile_path(rel).diagnostics]
    assert SUMMARY.match(payload["summary"])


def test_json_findings_of_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "--output-format", "json", "missing.json")
    assert code == 2
    (item,) = json.loads(err)["diagnostics"]
    assert set(item) == DIAGNOSTIC_FIELDS
    assert item["code"] == "FT012" and item["name"] == "unreadable-file"


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("args", [("fixtures/legacy/",), ("fixtures/v2/",), ("--output-format", "json", "fixtures/legacy/")])
def test_two_runs_are_byte_identical(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    first = run(capsys, *args)
    second = run(capsys, *args)
    assert first == second


# --------------------------------------------------------------------------- v2 tagged lists (issue 11)

TAGGED_BLOCK = {
    "version": 2, "n_trials": 40, "approach": "grouped", "sampler": "tpe", "pruner": "median",
    "eval_mode": "mean", "metric": "rmse", "direction": "minimize", "seed": 42, "timeout_seconds": 1800,
    "model_params": {"n_components": ["int", 1, 30], "alpha": ["float_log", 0.0001, 10.0]},
    "train_params": {"epochs": ["int", 10, 150], "batch_size": {"type": "categorical", "choices": [16, 32, 64]},
                     "learning_rate": ["float_log", 0.00001, 0.01]},
}
DICT_TWIN_BLOCK = {
    **TAGGED_BLOCK,
    "model_params": {"n_components": {"type": "int", "low": 1, "high": 30}, "alpha": {"type": "float", "low": 0.0001, "high": 10.0, "log": True}},
    "train_params": {"epochs": {"type": "int", "low": 10, "high": 150}, "batch_size": {"type": "categorical", "choices": [16, 32, 64]},
                     "learning_rate": {"type": "float", "low": 0.00001, "high": 0.01, "log": True}},
}


def _without_sources(node: object) -> object:
    if isinstance(node, dict):
        return {k: _without_sources(v) for k, v in node.items() if k != "source"}
    if isinstance(node, list):
        return [_without_sources(v) for v in node]
    return node


def test_v2_tagged_lists_compile_strict_to_the_ir_of_their_dict_forms(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tagged, twin = tmp_path / "tagged.json", tmp_path / "twin.json"
    tagged.write_text(json.dumps({"finetune_params": TAGGED_BLOCK}), encoding="utf-8")
    twin.write_text(json.dumps({"finetune_params": DICT_TWIN_BLOCK}), encoding="utf-8")
    code, out, err = run(capsys, "--strict", str(tagged))
    assert code == 0
    # No finding at all today; whatever FT419 (pruning under grouped) becomes, none may be about a parameter.
    assert not [line for line in err.splitlines() if FINDING.match(line) and "_params" in line]
    assert err.splitlines()[-1] == "1 file(s), 1 study: 0 error(s), 0 warning(s), 0 info"
    twin_code, twin_out, _ = run(capsys, "--strict", str(twin))
    assert twin_code == 0
    ir, twin_ir = json.loads(out), json.loads(twin_out)
    assert [e["source"]["pointer"] for e in ir["studies"][0]["space"]] == [e["source"]["pointer"] for e in twin_ir["studies"][0]["space"]]
    assert _without_sources(ir) == _without_sources(twin_ir)
    assert [(e["name"], e["kind"], e.get("log")) for e in ir["studies"][0]["space"]] == [
        ("n_components", "int", False), ("alpha", "float", True), ("epochs", "int", False),
        ("batch_size", "categorical", None), ("learning_rate", "float", True),
    ]


def test_the_audit_old_config_migrates_to_a_strict_clean_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from ftspec.migrate.cli import main as ftmigrate

    path = tmp_path / "pipeline.json"
    block = {"sample": "random", "approach": "cross", "eval_mode": "mean", "n_trials": 20, "model_params": {"n_components": ["int", 1, 20]}}
    path.write_text(json.dumps({"pipeline": [
        {"class": "sklearn.model_selection.KFold", "params": {"n_splits": 3}},
        {"model": {"class": "sklearn.cross_decomposition.PLSRegression"}, "finetune_params": block},
    ]}), encoding="utf-8")
    assert ftmigrate(["--unsafe-fixes", "-q", str(path)]) == 0
    migrated = json.loads(path.read_text(encoding="utf-8"))["pipeline"][1]["finetune_params"]
    # The tagged list is already v2: it is kept as written.
    assert migrated == {
        "version": 2, "sampler": "random", "approach": "grouped", "eval_mode": "nirs4all_mean", "n_trials": 20,
        "model_params": {"n_components": ["int", 1, 20]}, "metric": "mse",
    }
    code, _out, err = run(capsys, "--strict", "--no-ir", str(path))
    assert (code, err) == (0, f"{path}: study /pipeline/1/finetune_params: 1 study = 20 trials x 3 folds = 60 model fits + 1 refit\n"
                              "1 file(s), 1 study: 0 error(s), 0 warning(s), 0 info\n")
