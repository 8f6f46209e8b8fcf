"""What every command line shares (ftspec/_console.py and the reporter layer): a reader that
closes the pipe early, directories with nothing to read, paths that do not exist, one line per
finding for ftlint and ftcompile, and colour.

The pipe tests run the installed console scripts in real processes, with a real pipe that the
test closes after one line, as `| head -1` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LEGACY = "tests/data/lint/legacy.yaml"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS")}
    return {**env, **extra}


def _script(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"console script {name} is not installed next to {sys.executable} (pip install -e .)")
    return str(path)


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["ftlint", "--no-show-source", LEGACY, "fixtures/legacy/"], 1),  # ftlint knows its result before it writes
        (["ftlint", "--list-rules"], 0),
        (["ftlint", "--statistics", "--no-show-source", LEGACY, "fixtures/legacy/"], 1),
        (["ftlint", "--explain", "FT201"], 0),
        (["ftcompile", "fixtures/legacy/"], 1),  # the IR goes to the closed pipe, the findings still to stderr
        (["ftmigrate", "--diff", "fixtures/legacy/"], 0),
        (["ftrun", "--help"], 0),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else str(v),
)
def test_a_pipe_closed_early_ends_the_output_quietly(argv: list[str], code: int) -> None:
    proc = subprocess.Popen(
        [_script(argv[0]), *argv[1:]], cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # the reader leaves, as `| head -1` does
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == code
    assert first.strip()
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err
    if argv[0] == "ftcompile":
        assert err.splitlines()[-1].startswith("20 file(s), 32 studies:")
    if argv[0] == "ftmigrate":
        assert Path(ROOT / "fixtures/legacy/cross_avg.json").read_text(encoding="utf-8").count('"sample"') == 1  # --diff wrote nothing


# --------------------------------------------------------------------------- nothing found, no such path


def _main(tool: str):
    if tool == "ftlint":
        from ftspec.lint.cli import main
    elif tool == "ftcompile":
        from ftspec.compiler.cli import main
    else:
        from ftspec.migrate.cli import main
    return main


TOOLS = ("ftlint", "ftcompile", "ftmigrate")


@pytest.mark.parametrize("tool", TOOLS)
def test_a_directory_without_config_files_says_so(tool: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("nothing to lint\n", encoding="utf-8")
    (tmp_path / "build" / "out.ir.json").parent.mkdir()
    (tmp_path / "build" / "out.ir.json").write_text("{}", encoding="utf-8")  # ftcompile's own output is not an input
    capsys.readouterr()
    code = _main(tool)([str(tmp_path)])
    out, err = capsys.readouterr()
    assert (code, out, err) == (0, "", f"warning: No files found under {tmp_path} (*.json, *.yaml, *.yml)\n")


@pytest.mark.parametrize("tool", TOOLS)
def test_an_empty_directory_beside_a_file_is_named_and_the_file_still_checked(tool: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    good = tmp_path / "p.json"
    good.write_text('{"finetune_params": {"version": 2, "metric": "rmse"}}\n', encoding="utf-8")
    capsys.readouterr()
    code = _main(tool)(["--check", str(empty), str(good)] if tool == "ftmigrate" else [str(empty), str(good)])
    out, err = capsys.readouterr()
    assert code == 0
    assert err.splitlines()[0] == f"warning: No files found under {empty} (*.json, *.yaml, *.yml)"
    # the warning, then ftcompile's declared work of the study and the summaries of the click commands
    assert len(err.splitlines()) == {"ftlint": 1, "ftcompile": 3, "ftmigrate": 2}[tool]
    summary = {"ftlint": out, "ftcompile": err, "ftmigrate": err}[tool]
    assert {"ftlint": "All checks passed (1 file(s)).", "ftcompile": "1 file(s), 1 study:", "ftmigrate": "ftmigrate: 0 file(s) would change, 1 unchanged"}[tool] in summary


@pytest.mark.parametrize("tool", TOOLS)
def test_a_path_that_does_not_exist_is_exit_2_with_a_clear_message(tool: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no_such_dir"
    capsys.readouterr()
    code = _main(tool)([str(missing)])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"cannot read {missing}: no such file or directory" in out + err
    assert "Traceback" not in out + err


# --------------------------------------------------------------------------- one line per finding


def test_ftlint_and_ftcompile_print_the_same_line_for_the_same_finding(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from ftspec.compiler.cli import main as ftcompile
    from ftspec.lint.cli import main as ftlint

    monkeypatch.chdir(ROOT)
    path = "fixtures/legacy/cross_avg.json"
    ftcompile(["--no-ir", path])
    compiled = [line for line in capsys.readouterr().err.splitlines() if ": FT" in line]
    ftlint(["--no-show-source", "--select", "ALL", path])
    linted = [line for line in capsys.readouterr().out.splitlines() if ": FT" in line]
    assert compiled == linted
    assert "fixtures/legacy/cross_avg.json:10:21: FT307 error unknown approach 'cross': old runs trained and scored on the training set" in linted


def test_no_command_module_imports_another() -> None:
    """ftcompile takes its finding line from the reporter layer, not from ftlint's command line."""
    import ast

    clis = {"ftspec/compiler/cli.py", "ftspec/lint/cli.py", "ftspec/migrate/cli.py", "ftspec/runtime/cli.py"}
    modules = {p.replace("/", ".")[:-3] for p in clis}
    for path in sorted(clis):
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        }
        assert not (imported & (modules - {path.replace("/", ".")[:-3]})), path
    from ftspec.lint import reporters

    assert reporters.render_text.__module__ == reporters.summarize.__module__ == "ftspec.lint.reporters"


# --------------------------------------------------------------------------- colour


def _lint(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_script("ftlint"), "--no-show-source", *args, LEGACY], cwd=ROOT, env=_env(**env), capture_output=True, text=True, timeout=120,
    )


def test_force_color_colours_severities_and_codes_even_when_piped() -> None:
    out = _lint(FORCE_COLOR="1").stdout.splitlines()
    assert out[0] == "tests/data/lint/legacy.yaml:10:7: \033[1mFT109\033[0m \033[33mwarning\033[0m `sample` is the legacy spelling of `sampler`"
    assert "\033[1mFT303\033[0m \033[36minfo\033[0m" in out[1]
    assert "\033[1mFT307\033[0m \033[31merror\033[0m" in out[2]
    assert "\033[" not in out[-1]  # the summary line stays plain


@pytest.mark.parametrize(
    ("args", "env"),
    [
        ([], {}),  # piped: no colour
        ([], {"NO_COLOR": "1", "FORCE_COLOR": "1"}),  # NO_COLOR wins
        ([], {"FORCE_COLOR": ""}),  # set but empty: not forced
        (["--output-format", "json"], {"FORCE_COLOR": "1"}),
        (["--output-format", "sarif"], {"FORCE_COLOR": "1"}),
        (["--output-format", "github"], {"FORCE_COLOR": "1"}),
    ],
)
def test_no_colour_when_piped_with_no_color_or_in_machine_formats(args: list[str], env: dict[str, str]) -> None:
    result = _lint(*args, **env)
    assert result.returncode == 1
    assert "\033[" not in result.stdout + result.stderr


def test_no_color_turns_colour_off_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from ftspec._console import use_color

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Tty())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Tty())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "")
    assert use_color(Tty())  # type: ignore[arg-type]
