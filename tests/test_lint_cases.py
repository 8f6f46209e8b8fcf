"""ftlint's configuration and suppressions, one small case per test, with the exact findings
(code, line, column) or the exact error. tests/test_lint.py covers them on the golden files; these
pin each rule of ftspec/lint/config.py and ftspec/lint/suppressions.py on its own.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import ftspec.lint.rules  # noqa: F401  # registers FT5xx
from ftspec.compiler.rules import all_rules
from ftspec.lint.cli import main
from ftspec.lint.config import LintConfig, build_selection
from ftspec.lint.linter import lint_file

LEGACY = """\
finetune_params:
  n_trials: 3
  model_params:
    a: [1, 2]{a}
    b: [3, 4]{b}
"""
"""Unsuppressed, FT2 and FT5 selected: FT201 at 4:8 and 5:8."""

A, B = ("FT201", 4, 8), ("FT201", 5, 8)


def lint(tmp_path: Path, text: str, name: str = "p.yaml", select: tuple[str, ...] = ("FT2", "FT5")) -> tuple[list[tuple[str, int, int]], int]:
    """(findings as (code, line, column), number suppressed) of one file."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    rules = all_rules()
    outcome, _, _ = lint_file(str(path), build_selection(LintConfig(), {"select": list(select)}, rules), set(rules))
    return [(d.code, d.line, d.column) for d in outcome.diagnostics], outcome.suppressed


def yaml(a: str = "", b: str = "", before_a: str = "") -> str:
    text = LEGACY.format(a=a, b=b)
    return text.replace("    a:", before_a + "    a:") if before_a else text


# -- suppressions in YAML comments ---------------------------------------------------------------


def test_unsuppressed_baseline(tmp_path: Path) -> None:
    assert lint(tmp_path, yaml()) == ([A, B], 0)


def test_end_of_line_suppresses_its_line_only(tmp_path: Path) -> None:
    assert lint(tmp_path, yaml(a="  # ftlint: ignore[FT201]")) == ([B], 1)


def test_own_line_suppresses_the_next_line(tmp_path: Path) -> None:
    assert lint(tmp_path, yaml(before_a="    # ftlint: ignore[FT201]\n")) == ([("FT201", 6, 8)], 1)


def test_own_line_skips_blank_and_comment_lines(tmp_path: Path) -> None:
    text = yaml(before_a="    # ftlint: ignore[FT201]\n\n    # a note\n")
    assert lint(tmp_path, text) == ([("FT201", 8, 8)], 1)


def test_stacked_own_line_directives_all_apply_to_the_next_line(tmp_path: Path) -> None:
    text = yaml(before_a="    # ftlint: ignore[FT201]\n    # ftlint: ignore[FT202]\n")
    assert lint(tmp_path, text) == ([("FT501", 5, 5), ("FT201", 7, 8)], 1)


def test_own_line_directive_at_the_end_covers_nothing(tmp_path: Path) -> None:
    assert lint(tmp_path, yaml() + "# ftlint: ignore[FT201]\n") == ([A, B, ("FT501", 6, 1)], 0)


def test_without_codes_every_code_on_the_line(tmp_path: Path) -> None:
    assert lint(tmp_path, yaml(a="  # ftlint: ignore")) == ([B], 1)


def test_without_codes_unused_is_ft501(tmp_path: Path) -> None:
    findings, suppressed = lint(tmp_path, "finetune_params:  # ftlint: ignore\n  n_trials: 3\n  model_params:\n    a: [1, 2]\n")
    assert (findings, suppressed) == ([("FT501", 1, 19), ("FT201", 4, 8)], 0)


def test_ignore_file_anywhere_covers_the_whole_file(tmp_path: Path) -> None:
    assert lint(tmp_path, "# ftlint: ignore-file[FT201]\n" + yaml()) == ([], 2)
    assert lint(tmp_path, yaml() + "# ftlint: ignore-file[FT201]\n") == ([], 2)
    assert lint(tmp_path, yaml(a="  # ftlint: ignore-file[FT201]")) == ([], 2)


def test_several_codes_one_used(tmp_path: Path) -> None:
    assert lint(tmp_path, yaml(a="  # ftlint: ignore[FT202, FT201]")) == ([("FT501", 4, 16), B], 1)


def test_several_codes_all_used(tmp_path: Path) -> None:
    text = yaml().replace("finetune_params:", "finetune_params:  # ftlint: ignore[FT106,FT319]")
    assert lint(tmp_path, yaml(), select=("FT1", "FT3", "FT5")) == ([("FT106", 1, 1), ("FT305", 1, 1), ("FT315", 1, 1), ("FT319", 1, 1)], 0)
    assert lint(tmp_path, text, select=("FT1", "FT3", "FT5")) == ([("FT305", 1, 1), ("FT315", 1, 1)], 2)
    assert lint(tmp_path, "# ftlint: ignore-file[FT201,FT305]\n" + yaml(), select=("FT2", "FT3", "FT5")) == ([("FT315", 2, 1), ("FT319", 2, 1)], 3)


def test_unused_suppression_names_the_unused_codes(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml(a="  # ftlint: ignore[FT201, FT202, FT203]"), encoding="utf-8")
    rules = all_rules()
    outcome, _, _ = lint_file(str(path), build_selection(LintConfig(), {"select": ["FT2", "FT5"]}, rules), set(rules))
    first = outcome.diagnostics[0]
    assert (first.code, first.severity, first.message) == ("FT501", "warning", "unused suppression of FT202, FT203")


def test_unknown_code_is_ft502_and_the_known_ones_still_apply(tmp_path: Path) -> None:
    assert lint(tmp_path, yaml(a="  # ftlint: ignore[FT999]")) == ([A, ("FT502", 4, 16), B], 0)
    assert lint(tmp_path, yaml(a="  # ftlint: ignore[FT999, FT201]")) == ([("FT502", 4, 16), B], 1)


@pytest.mark.parametrize(("codes", "reason"), [("ft201", "unknown code(s) ft201"), ("FT2", "unknown code(s) FT2"), ("", "empty code list"), (" , ", "empty code list")])
def test_malformed_code_lists_are_ft502(tmp_path: Path, codes: str, reason: str) -> None:
    """Codes are written in full and upper case (selectors, unlike them, take prefixes and any case)."""
    path = tmp_path / "p.yaml"
    path.write_text(yaml(a=f"  # ftlint: ignore[{codes}]"), encoding="utf-8")
    rules = all_rules()
    outcome, _, _ = lint_file(str(path), build_selection(LintConfig(), {"select": ["FT2", "FT5"]}, rules), set(rules))
    assert [(d.code, d.line, d.column, d.message) for d in outcome.diagnostics] == [
        (*A, outcome.diagnostics[0].message), ("FT502", 4, 16, f"invalid suppression: {reason}"), (*B, outcome.diagnostics[2].message),
    ]


@pytest.mark.parametrize(
    "comment",
    ["  #ftlint:ignore[FT201]", "  #   ftlint:   ignore   [ FT201 ]", "  # ftlint: ignore[FT201]  ", "  # note; ftlint: ignore[FT201] because"],
)
def test_whitespace_variants(tmp_path: Path, comment: str) -> None:
    assert lint(tmp_path, yaml(a=comment)) == ([B], 1)


def test_a_directive_inside_a_quoted_string_is_text_not_a_comment(tmp_path: Path) -> None:
    # `#` inside a quoted scalar starts no comment: no suppression there (and so no FT501 for it),
    # while the real comment after the string on the same line still suppresses.
    text = yaml(a="  # ftlint: ignore[FT201]").replace('    b: [3, 4]', '    b: ["x # ftlint: ignore[FT201]", 4]')
    assert lint(tmp_path, text) == ([("FT205", 5, 8)], 1)  # no FT501 at 5:12 for the string's text
    text = yaml(b=' # note: "# ftlint: ignore[FT201]" inside a comment is a comment')
    assert lint(tmp_path, text) == ([A], 1)


def test_not_a_directive(tmp_path: Path) -> None:
    """`ftlint ignore` (no colon) and `ftlint: ignored` are not directives; nothing is suppressed or reported."""
    assert lint(tmp_path, yaml(a="  # ftlint ignore[FT201]", b="  # ftlint: ignored[FT201]")) == ([A, B], 0)


def test_ft501_and_ft502_cannot_be_suppressed(tmp_path: Path) -> None:
    text = "# ftlint: ignore-file[FT501, FT502]\n" + yaml(a="  # ftlint: ignore[FT999]")
    assert lint(tmp_path, text) == ([("FT501", 1, 1), ("FT201", 5, 8), ("FT502", 5, 16), ("FT201", 6, 8)], 0)


def test_deselected_codes_are_not_suppressed_and_the_suppression_is_unused(tmp_path: Path) -> None:
    assert lint(tmp_path, yaml(a="  # ftlint: ignore[FT201]"), select=("FT5",)) == ([("FT501", 4, 16)], 0)


# -- suppressions in `_comment` keys ---------------------------------------------------------------


def json_doc(outer: dict[str, object] | None = None, inner: dict[str, object] | None = None) -> str:
    params: dict[str, object] = {**(inner or {}), "a": [1, 2]}
    block = {"n_trials": 3, "model_params": params}
    return json.dumps({**(outer or {}), "finetune_params": block, "other": {"b": [3, 4]}})


def test_json_comment_covers_its_mapping(tmp_path: Path) -> None:
    assert lint(tmp_path, json_doc(), "p.json") == ([("FT201", 1, 59)], 0)
    text = json_doc(inner={"_comment": "ftlint: ignore[FT201]"})
    assert lint(tmp_path, text, "p.json") == ([], 1)


def test_json_comment_does_not_reach_a_sibling_mapping(tmp_path: Path) -> None:
    text = json.dumps({"pipeline": [
        {"_comment": "ftlint: ignore[FT201]", "finetune_params": {"n_trials": 3, "model_params": {"a": [1, 2]}}},
        {"finetune_params": {"n_trials": 3, "model_params": {"b": [3, 4]}}},
    ]})
    assert lint(tmp_path, text, "p.json") == ([("FT201", 1, text.index("[3, 4]") + 1)], 1)


def test_json_comment_list_of_strings_and_ignore_file(tmp_path: Path) -> None:
    text = json_doc(inner={"_comment": ["a note", "ftlint: ignore[FT201]"]})
    assert lint(tmp_path, text, "p.json") == ([], 1)
    nested = json.dumps({"x": {"_comment": "ftlint: ignore-file[FT201]"}, "finetune_params": {"n_trials": 3, "model_params": {"a": [1, 2]}}})
    assert lint(tmp_path, nested, "p.json") == ([], 1)


def test_json_comment_unused_and_unknown_at_the_string(tmp_path: Path) -> None:
    text = json_doc(outer={"_comment": "ftlint: ignore[FT202, FT999]"})
    assert lint(tmp_path, text, "p.json") == ([("FT501", 1, 14), ("FT502", 1, 14), ("FT201", 1, 103)], 0)


def test_yaml_comment_key(tmp_path: Path) -> None:
    text = "finetune_params:\n  _comment: 'ftlint: ignore[FT201]'\n  n_trials: 3\n  model_params:\n    a: [1, 2]\n"
    assert lint(tmp_path, text) == ([], 1)


# -- [tool.ftlint] and the command line --------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with p.yaml (FT201 at 4:8 and 5:8, plus the legacy FT1/FT3/FT4 findings)."""
    (tmp_path / "p.yaml").write_text(yaml(), encoding="utf-8")
    return tmp_path


def ftlint(capsys: pytest.CaptureFixture[str], project: Path, config: str, *args: str) -> tuple[int, list[str], str]:
    """(exit code, findings as `CODE line:col`, stderr)."""
    (project / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    code = main(["--no-show-source", *args, str(project / "p.yaml")])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    findings = [f"{line.split(' ')[1]} {':'.join(line.split(' ')[0].split(':')[1:3])}" for line in lines if line.startswith(str(project))]
    return code, findings, err


def test_config_select_prefix_and_ignore(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert ftlint(capsys, project, '[tool.ftlint]\nselect = ["FT2"]\n') == (0, ["FT201 4:8", "FT201 5:8"], "")
    assert ftlint(capsys, project, '[tool.ftlint]\nselect = ["ft1", "FT20"]\nignore = ["FT201"]\n') == (0, ["FT106 1:1"], "")


def test_config_all_and_extend_select(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    _, every, _ = ftlint(capsys, project, '[tool.ftlint]\nselect = ["ALL"]\n')
    assert every == ["FT106 1:1", "FT305 1:1", "FT315 1:1", "FT319 1:1", "FT413 2:13", "FT201 4:8", "FT201 5:8"]
    assert ftlint(capsys, project, '[tool.ftlint]\nselect = ["FT2"]\nextend-select = ["FT413"]\n')[1] == ["FT413 2:13", "FT201 4:8", "FT201 5:8"]
    assert ftlint(capsys, project, '[tool.ftlint]\nextend-select = ["FT413"]\n')[1] == every  # default select is ALL


def test_command_line_replaces_select_and_ignore_and_extends(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    config = '[tool.ftlint]\nselect = ["FT2"]\nignore = ["FT413"]\nextend-select = ["FT106"]\n'
    assert ftlint(capsys, project, config)[1] == ["FT106 1:1", "FT201 4:8", "FT201 5:8"]
    assert ftlint(capsys, project, config, "--select", "FT4")[1] == ["FT106 1:1"]  # config's extend-select adds, its ignore applies
    assert ftlint(capsys, project, config, "--select", "FT4", "--ignore", "FT201")[1] == ["FT106 1:1", "FT413 2:13"]
    assert ftlint(capsys, project, config, "--ignore", "FT106")[1] == ["FT201 4:8", "FT201 5:8"]
    assert ftlint(capsys, project, config, "--extend-select", "FT319")[1] == ["FT106 1:1", "FT319 1:1", "FT201 4:8", "FT201 5:8"]


def test_per_file_ignores_relative_to_the_pyproject(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    config = '[tool.ftlint]\nselect = ["FT2", "FT106"]\n[tool.ftlint.per-file-ignores]\n"p.yaml" = ["FT2"]\n"other/*.yaml" = ["FT106"]\n'
    assert ftlint(capsys, project, config)[1] == ["FT106 1:1"]
    config = '[tool.ftlint]\nselect = ["FT2", "FT106"]\n[tool.ftlint.per-file-ignores]\n"*.json" = ["FT2"]\n'
    assert ftlint(capsys, project, config)[1] == ["FT106 1:1", "FT201 4:8", "FT201 5:8"]


def test_strict_in_config(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert ftlint(capsys, project, '[tool.ftlint]\nselect = ["FT2"]\n')[0] == 0  # warnings only
    assert ftlint(capsys, project, '[tool.ftlint]\nselect = ["FT2"]\nstrict = true\n')[0] == 1
    assert ftlint(capsys, project, '[tool.ftlint]\nselect = ["FT2"]\nstrict = false\n', "--strict")[0] == 1


def test_output_format_in_config_and_replaced_on_the_command_line(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ftlint]\nselect = ["FT2"]\noutput-format = "json"\n', encoding="utf-8")
    assert main([str(project / "p.yaml")]) == 0
    assert [d["code"] for d in json.loads(capsys.readouterr().out)["diagnostics"]] == ["FT201", "FT201"]
    assert main(["--output-format", "github", str(project / "p.yaml")]) == 0
    assert capsys.readouterr().out.startswith("::warning file=")


def test_show_source_in_config(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ftlint]\nselect = ["FT201"]\nshow-source = true\n', encoding="utf-8")
    main([str(project / "p.yaml")])
    assert "     4 |     a: [1, 2]\n       |        ^^^^^^\n" in capsys.readouterr().out
    main(["--no-show-source", str(project / "p.yaml")])
    assert " | " not in capsys.readouterr().out


def test_unknown_key_did_you_mean(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    code, findings, err = ftlint(capsys, project, '[tool.ftlint]\nextend_select = ["FT2"]\n')
    assert (code, findings, err) == (2, [], f"ftlint: {project / 'pyproject.toml'}: unknown [tool.ftlint] key 'extend_select' (did you mean 'extend-select'?)\n")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[tool.ftlint]\nselect = "FT2"\n', "[tool.ftlint] select must be a list of strings"),
        ('[tool.ftlint]\nignore = [201]\n', "[tool.ftlint] ignore must be a list of strings"),
        ('[tool.ftlint]\nextend-select = "FT2"\n', "[tool.ftlint] extend-select must be a list of strings"),
        ('[tool.ftlint]\nstrict = "yes"\n', "[tool.ftlint] strict must be a bool"),
        ('[tool.ftlint]\nshow-source = 1\n', "[tool.ftlint] show-source must be a bool"),
        ('[tool.ftlint]\noutput-format = 1\n', "[tool.ftlint] output-format must be a str"),
        ('[tool.ftlint]\nper-file-ignores = {"*.yaml" = "FT201"}\n', "[tool.ftlint.per-file-ignores] must map glob patterns to lists of codes"),
        ('[tool.ftlint]\nper-file-ignores = ["*.yaml"]\n', "[tool.ftlint.per-file-ignores] must map glob patterns to lists of codes"),
        ('[tool]\nftlint = 1\n', "[tool.ftlint] must be a table"),
        ('[tool.ftlint]\nselect = ["FT9"]\n', "unknown rule selector 'FT9'"),
        ('[tool.ftlint.per-file-ignores]\n"*.yaml" = ["FT99"]\n', "unknown rule selector 'FT99'"),
    ],
)
def test_wrong_types_exit_2_with_the_file_and_key(capsys: pytest.CaptureFixture[str], project: Path, config: str, message: str) -> None:
    assert ftlint(capsys, project, config) == (2, [], f"ftlint: {project / 'pyproject.toml'}: {message}\n")


def test_unknown_output_format_in_config(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert ftlint(capsys, project, '[tool.ftlint]\noutput-format = "xml"\n') == (2, [], "ftlint: unknown output format 'xml'\n")


def test_explicit_config_unreadable_or_invalid(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    (project / "bad.toml").write_text("[tool.ftlint\n", encoding="utf-8")
    assert main(["--config", str(project / "bad.toml"), str(project / "p.yaml")]) == 2
    assert capsys.readouterr().err.startswith(f"ftlint: {project / 'bad.toml'}: invalid TOML: ")
    assert main(["--config", str(project / "missing.toml"), str(project / "p.yaml")]) == 2
    assert capsys.readouterr().err.startswith(f"ftlint: {project / 'missing.toml'}: cannot read: ")


def test_nearest_pyproject_with_a_ftlint_table(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    """A pyproject.toml without [tool.ftlint] is passed over for the next one up."""
    (project / "sub").mkdir()
    (project / "sub" / "pyproject.toml").write_text('[tool.other]\nftlint = "mentioned"\n', encoding="utf-8")
    (project / "sub" / "p.yaml").write_text(yaml(), encoding="utf-8")
    (project / "pyproject.toml").write_text('[tool.ftlint]\nselect = ["FT413"]\n', encoding="utf-8")
    main(["--no-show-source", str(project / "sub" / "p.yaml")])
    assert capsys.readouterr().out.splitlines()[:-1] == [
        f"{project / 'sub' / 'p.yaml'}:2:13: FT413 info sampler 'grid': the space has 4 combinations but only 3 trials are sampled; "
        "a random subset is evaluated"
    ]
