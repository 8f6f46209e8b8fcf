"""`ftlint`: the pre-commit linter over the compiler's findings.

Exit codes: 0 nothing at error level (with --strict: nothing at warning level either); 1 findings
that fail; 2 a usage or configuration error, or an input that cannot be read (still reported, the
other files still linted).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence

import click

from ftspec.compiler.cli import collect_inputs
from ftspec.compiler.rules import all_rules
from ftspec.lint.config import ConfigError, LintConfig, build_selection, find_pyproject, load_config
from ftspec.lint.linter import lint_file
from ftspec.lint.reporters import REPORTERS, FileOutcome, LintReport

FORMATS = [*REPORTERS, "auto"]


def _codes(values: tuple[str, ...]) -> list[str]:
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


def resolve_format(fmt: str) -> str:
    if fmt == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return fmt


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (replaces the configuration's).")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable (replaces the configuration's).")
@click.option("--strict", is_flag=True, default=None, help="Warnings fail too (exit 1).")
@click.option("--output-format", type=click.Choice(FORMATS), default=None, help="Default: text (github under GITHUB_ACTIONS with auto).")
@click.option("--show-source/--no-show-source", default=None, help="Show the source line and a caret under each finding (default: on a terminal).")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("--explain", metavar="CODE", help="Print the documentation of a rule and exit.")
@click.option("--list-rules", is_flag=True, help="Print the rule catalogue and exit.")
@click.option("--schema-only", is_flag=True, help="Only validate each block against the v2 JSON Schema (like check-jsonschema), with locations.")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place (the ftmigrate engine).")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix, also apply fixes that change the meaning.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="pyproject.toml to read [tool.ftlint] from (default: the nearest one).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail (usage errors still exit 2).")
@click.version_option(package_name="ftspec")
def cli(paths: tuple[str, ...], select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...],
        strict: bool | None, output_format: str | None, show_source: bool | None, statistics: bool,
        explain: str | None, list_rules: bool, schema_only: bool, fix: bool, unsafe_fixes: bool,
        config_path: str | None, exit_zero: bool) -> None:
    """Lint finetune_params in pipeline files (JSON, YAML; directories recursively)."""
    rules = all_rules()
    if explain:
        rule = rules.get(explain.strip().upper())
        if rule is None:
            raise click.UsageError(f"unknown rule {explain!r}")
        click.echo(rule.doc(), nl=False)
        return
    if list_rules:
        for rule in rules.values():
            click.echo(f"{rule.code}  {rule.name:<40} {rule.severity:<8} {rule.fixable or '-':<7} {rule.title}")
        return
    if not paths:
        raise click.UsageError("no PATH given")
    if unsafe_fixes and not fix:
        raise click.UsageError("--unsafe-fixes needs --fix")
    try:
        pyproject = Path(config_path) if config_path else find_pyproject(paths)
        config = load_config(pyproject) if pyproject is not None else LintConfig()
        selection = build_selection(config, {"select": _codes(select), "extend_select": _codes(extend_select), "ignore": _codes(ignore)}, rules)
    except ConfigError as exc:
        click.echo(f"ftlint: {exc}", err=True)
        sys.exit(2)
    fmt = resolve_format(output_format or config.output_format or "text")
    if fmt not in REPORTERS:
        click.echo(f"ftlint: unknown output format {fmt!r}", err=True)
        sys.exit(2)
    strict = strict if strict is not None else bool(config.strict)
    if show_source is None:
        show_source = config.show_source if config.show_source is not None else sys.stdout.isatty()

    inputs, problems = collect_inputs(paths)
    report = LintReport(strict=strict)
    report.files.extend(FileOutcome(d.file, [d]) for d in problems)
    unreadable = bool(problems)
    if fix:
        from ftspec.migrate.engine import fix_paths

        fix_paths(inputs, unsafe=unsafe_fixes, out=sys.stderr)
    for path in inputs:
        outcome, _, bad = lint_file(path, selection, set(rules), schema_only=schema_only)
        report.files.append(outcome)
        unreadable = unreadable or bad
    reporter = REPORTERS[fmt](sys.stdout, show_source=bool(show_source) and fmt == "text", statistics=statistics)
    reporter.render(report)
    if unreadable:
        sys.exit(2)
    failing = {"error", "warning"} if strict else {"error"}
    sys.exit(0 if exit_zero or not any(d.severity in failing for d in report.diagnostics) else 1)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ftlint with `argv` (default: sys.argv[1:]) and return its exit code."""
    for stream in (sys.stdout, sys.stderr):
        # A lone surrogate in a config (valid JSON escape, invalid text) must not crash the output.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="ftlint", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
