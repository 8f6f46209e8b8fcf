"""ftlint: output formats byte for byte, exit codes, selection and configuration precedence,
suppressions, --explain, bad input, and the promise that linting never imports the runtime.

Expected outputs live in tests/data/lint/*.expected.*; after a deliberate change rewrite them with
`FTSPEC_UPDATE_GOLDENS=1 python -m pytest tests/test_lint.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ftspec.compiler.rules import all_rules
from ftspec.lint.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("tests/data/lint")
UPDATE = os.environ.get("FTSPEC_UPDATE_GOLDENS") == "1"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def golden(name: str, text: str) -> None:
    path = ROOT / DATA / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs; FTSPEC_UPDATE_GOLDENS=1 rewrites it"


@pytest.mark.parametrize(
    ("fmt", "extra", "name"),
    [
        ("text", ["--no-show-source"], "expected.txt"),
        ("text", ["--show-source", "--statistics"], "expected.source.txt"),
        ("json", [], "expected.json"),
        ("sarif", [], "expected.sarif"),
        ("github", [], "expected.github.txt"),
    ],
)
def test_output_formats_byte_for_byte(capsys: pytest.CaptureFixture[str], fmt: str, extra: list[str], name: str) -> None:
    code, out, err = run(capsys, "--output-format", fmt, *extra, str(DATA / "legacy.yaml"), str(DATA / "suppressed.json"), str(DATA / "clean_v2.json"))
    assert code == 1 and err == ""
    golden(name, out)


def test_json_output_carries_the_diagnostic_contract(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--output-format", "json", str(DATA / "legacy.yaml"))
    payload = json.loads(out)
    assert payload["version"] == 1 and payload["summary"]["suppressed"] == 3
    fields = {"code", "name", "severity", "message", "file", "pointer", "line", "column", "end_line", "end_column", "fix"}
    assert all(set(d) == fields for d in payload["diagnostics"])
    fixes = [d["fix"] for d in payload["diagnostics"] if d["fix"]]
    assert {f["applicability"] for f in fixes} == {"safe", "unsafe"}


def test_sarif_is_valid_sarif_2_1_0_for_github(capsys: pytest.CaptureFixture[str]) -> None:
    import sarif_pydantic  # a test dependency (pyproject's test extra): missing, the test fails

    _, out, _ = run(capsys, "--output-format", "sarif", str(DATA / "legacy.yaml"))
    doc = json.loads(out)
    sarif_pydantic.Sarif.model_validate(doc)
    assert doc["version"] == "2.1.0"
    run0 = doc["runs"][0]
    rules = run0["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(all_rules())
    for result in run0["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1 and region["endColumn"] >= region["startColumn"]
        assert len(result["partialFingerprints"]["ftlintPointer/v1"]) == 32
    # Fingerprints are stable across runs.
    _, again, _ = run(capsys, "--output-format", "sarif", str(DATA / "legacy.yaml"))
    assert again == out


def test_github_annotations_escape_and_put_errors_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "we,ird:name.json"
    path.write_text('{"finetune_params": {"n_trials": 3, "sampler": "100%\\nbad", "model_params": {"a": [1, 2]}}}')
    _, out, _ = run(capsys, "--output-format", "github", str(path))
    lines = out.splitlines()
    assert lines[0].startswith("::error file=") and "we%2Cird%3Aname.json" in lines[0]
    assert "unknown sampler '100%25\\\\nbad'" in out or "100%25" in out
    severities = [line.split(" ", 1)[0] for line in lines[:-1]]
    order = {"::error": 0, "::warning": 1, "::notice": 2}
    assert [order[s] for s in severities] == sorted(order[s] for s in severities)


def test_auto_format_is_github_under_actions(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _, out, _ = run(capsys, "--output-format", "auto", str(DATA / "legacy.yaml"))
    assert out.startswith("::error ")


def test_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, str(DATA / "clean_v2.json"))[0] == 0
    assert run(capsys, str(DATA / "suppressed.json"))[0] == 0  # warnings only
    assert run(capsys, "--strict", str(DATA / "suppressed.json"))[0] == 1
    assert run(capsys, str(DATA / "legacy.yaml"))[0] == 1
    assert run(capsys, "--exit-zero", str(DATA / "legacy.yaml"))[0] == 0
    code, out, err = run(capsys, str(tmp_path / "missing.json"), str(DATA / "clean_v2.json"))
    assert code == 2 and "FT012" in out and "clean_v2.json" in out or code == 2
    assert "Traceback" not in out + err


def test_unreadable_inputs_are_reported_and_others_still_linted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"finetune_params": {"n_trials": 3,,}}')
    (tmp_path / "bin.yaml").write_bytes(b"\x00\x01\xff\xfe binary")
    (tmp_path / "good.json").write_text('{"finetune_params": {"n_trials": 3, "model_params": {"a": [1, 2]}}}')
    code, out, err = run(capsys, "--no-show-source", str(tmp_path))
    assert code == 2
    assert f"{tmp_path}/bad.json:1:36: FT001 error" in out
    assert f"{tmp_path}/bin.yaml:1:1: FT010 error" in out
    assert f"{tmp_path}/good.json:1:59: FT201" in out
    assert "Traceback" not in out + err


def test_selection_by_code_and_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--no-show-source", "--select", "FT3", str(DATA / "legacy.yaml"))
    codes = {line.split(" ")[1] for line in out.splitlines()[:-1]}
    assert codes == {"FT303", "FT307", "FT309"}
    _, out, _ = run(capsys, "--no-show-source", "--select", "FT3", "--ignore", "FT30", "--extend-select", "FT109", str(DATA / "legacy.yaml"))
    assert {line.split(" ")[1] for line in out.splitlines()[:-1]} == {"FT109"}
    code, _, err = run(capsys, "--select", "FT9", str(DATA / "legacy.yaml"))
    assert code == 2 and "unknown rule selector 'FT9'" in err


def test_configuration_and_cli_precedence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.ftlint]
        select = ["FT3"]
        ignore = ["FT303"]
        [tool.ftlint.per-file-ignores]
        "sub/*.yaml" = ["FT307"]
    """))
    (tmp_path / "sub").mkdir()
    target = tmp_path / "sub" / "p.yaml"
    target.write_text((ROOT / DATA / "legacy.yaml").read_text())
    _, out, _ = run(capsys, "--no-show-source", str(target))
    assert {line.split(" ")[1] for line in out.splitlines()[:-1]} == {"FT309"}
    _, out, _ = run(capsys, "--no-show-source", "--select", "FT30", "--ignore", "FT309", str(target))
    assert {line.split(" ")[1] for line in out.splitlines()[:-1]} == {"FT303"}
    (tmp_path / "pyproject.toml").write_text("[tool.ftlint]\nselct = []\n")
    code, _, err = run(capsys, str(target))
    assert code == 2 and "unknown [tool.ftlint] key 'selct'" in err


def test_suppressions_used_unused_and_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--no-show-source", str(DATA / "legacy.yaml"), str(DATA / "suppressed.json"))
    lines = out.splitlines()
    # Suppressed: FT106 (key line), FT201 (same line), FT204 (next line), FT106/FT319 file-level and FT201 in JSON.
    for hidden in ("FT106", "FT201", "FT204", "FT319"):
        assert not any(f" {hidden} " in line for line in lines)
    assert "tests/data/lint/legacy.yaml:19:45: FT501 warning unused suppression of FT205" in lines
    assert "tests/data/lint/legacy.yaml:19:45: FT502 error invalid suppression: unknown code(s) FT999" in lines


def test_suppressions_written_with_escapes_still_apply(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The linter skips suppressions for a text without "ftlint" or a backslash; an escaped directive has one."""
    text = (ROOT / DATA / "suppressed.json").read_text(encoding="utf-8")
    assert text.count("ftlint:") == 2
    for name, body in (("plain", text), ("escaped", text.replace("ftlint:", "\\u0066tlint\\u003a"))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "s.json").write_text(body, encoding="utf-8")
    assert "ftlint" not in (tmp_path / "escaped" / "s.json").read_text(encoding="utf-8")
    _, plain, _ = run(capsys, "--output-format", "json", str(tmp_path / "plain" / "s.json"))
    _, escaped, _ = run(capsys, "--output-format", "json", str(tmp_path / "escaped" / "s.json"))
    assert json.loads(escaped)["summary"]["suppressed"] == json.loads(plain)["summary"]["suppressed"] == 3
    assert escaped.replace("escaped", "plain") == plain


def test_explain_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    for code, rule in all_rules().items():
        status, out, _ = run(capsys, "--explain", code.lower())
        assert status == 0 and out == rule.doc()
    status, _, err = run(capsys, "--explain", "FT999")
    assert status == 2 and "unknown rule 'FT999'" in err


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--list-rules")
    assert status == 0 and [line.split()[0] for line in out.splitlines()] == list(all_rules())


def test_schema_only_reports_located_schema_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("finetune_params:\n  version: 2\n  metric: rmse\n  n_trials: 0\n  model_params:\n    a: [1, 2]\n")
    code, out, _ = run(capsys, "--no-show-source", "--schema-only", str(path))
    assert code == 1
    lines = out.splitlines()[:-1]
    assert all(" FT510 error " in line for line in lines)
    assert any(line.startswith(f"{path}:4:13: FT510") and "$['n_trials']" in line for line in lines)
    assert any(line.startswith(f"{path}:6:8: FT510") for line in lines)
    assert run(capsys, "--schema-only", str(DATA / "clean_v2.json"))[0] == 0


def test_lint_never_imports_the_runtime_or_heavy_libraries() -> None:
    from tests import golden

    targets = [str(ROOT / "fixtures"), str(ROOT / DATA), str(golden.corpus_root() / "nirs4all" / "pipelines")]
    code = (
        "import sys\nfrom ftspec.lint.cli import main\nmain(['--exit-zero', '--output-format', 'json', *sys.argv[1:]])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('optuna', 'sklearn', 'pydantic', 'jsonschema', 'numpy') or m.startswith('ftspec.runtime'))\n"
        "print(heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, *targets], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode in (0, 2), proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("sampler", "fires"),
    [
        ({"kind": "random"}, False),  # documented in docs/v2-syntax.md: a kind with its options at their defaults
        ({"kind": "random", "options": {"seed": 1}}, False),
        ({"kind": "random", "options": {}}, True),
        ("random", False),
    ],
)
def test_ft504_only_on_an_empty_options_mapping(capsys: pytest.CaptureFixture[str], tmp_path: Path, sampler: object, fires: bool) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"finetune_params": {"version": 2, "metric": "rmse", "sampler": sampler}}), encoding="utf-8")
    code, out, _ = run(capsys, "--no-show-source", "--select", "FT5", str(path))
    lines = [line for line in out.splitlines() if " FT504 " in line]
    assert lines == ([f"{path}:1:65: FT504 info sampler: {{kind: random, options: {{}}}} can be written random"] if fires else [])


def test_v2_syntax_says_must_only_where_the_compiler_errs() -> None:
    """`must` in docs/v2-syntax.md: each remaining use is an error of the compiler."""
    text = (ROOT / "docs" / "v2-syntax.md").read_text(encoding="utf-8")
    musts = [line for line in text.splitlines() if " must " in f" {line} "]
    assert musts == [
        "| `direction` | `minimize` `maximize`, or a list of them | from `metric` | must agree with the metric if given; with a list of "
        "metrics, a list of the same length (FT429) |",  # FT314 and FT429, errors
        "- `pruner` must be `none` (FT427, an error): Optuna's `Trial.report` / `should_prune` raise for a",  # FT427, an error
    ]
    assert "should be a multiple of `step` (otherwise Optuna lowers `high`: FT401, a warning)" in text


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("per_file_ignores", "unknown [tool.ftlint] key 'per_file_ignores' (did you mean 'per-file-ignores'?)"),
        ("selct", "unknown [tool.ftlint] key 'selct' (did you mean 'select'?)"),
        ("colour", "unknown [tool.ftlint] key 'colour' (known: select, extend-select, ignore, per-file-ignores, strict, output-format, show-source)"),
    ],
)
def test_unknown_settings_suggest_the_closest_valid_name(capsys: pytest.CaptureFixture[str], tmp_path: Path, key: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[tool.ftlint]\n{key} = []\n', encoding="utf-8")
    (tmp_path / "p.json").write_text('{"finetune_params": {"version": 2, "metric": "rmse"}}', encoding="utf-8")
    code, out, err = run(capsys, str(tmp_path / "p.json"))
    assert (code, out, err) == (2, "", f"ftlint: {tmp_path / 'pyproject.toml'}: {message}\n")


def test_difflib_stays_off_the_lint_path() -> None:
    code = "import sys\nfrom ftspec.lint.cli import main\nmain(['tests/data/lint/clean_v2.json'])\nprint('difflib' in sys.modules, file=sys.stderr)\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.stderr.strip().splitlines()[-1] == "False"
