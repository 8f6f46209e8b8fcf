"""`ftlint`: the pre-commit linter over the compiler's findings.

Exit codes: 0 nothing at error level (with --strict: nothing at warning level either); 1 findings
that fail; 2 a usage or configuration error, or an input that cannot be read (still reported, the
other files still linted).

The command line is parsed with argparse rather than click (which ftcompile, ftmigrate and ftrun
use): ftlint runs in pre-commit on every commit, and importing click costs more than linting a
file (see the README's performance section). For the same reason the linter's modules are
imported by `main`, not when this module is: see there.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import NoReturn, Sequence

from ftspec import __version__
from ftspec._console import safe_streams, use_color, write_stdout


class UsageError(Exception):
    """Bad command line (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _columns() -> int:
    """The terminal width as `shutil.get_terminal_size()` finds it: $COLUMNS, the terminal, or 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            stdout = sys.__stdout__  # None when Python runs without one (pythonw)
            columns = os.get_terminal_size(stdout.fileno()).columns if stdout is not None else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, given the width instead of looking it up through shutil.

    argparse builds a formatter on every add_argument (to check the metavar), and the default
    one imports shutil for the width; shutil (with zlib, bz2 and lzma) costs ftlint ~2 ms on
    every run, for a width only --help uses.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_columns() - 2)  # argparse's own margin of 2


def build_parser() -> argparse.ArgumentParser:
    from ftspec.lint.reporters import REPORTERS

    parser = _Parser(
        prog="ftlint",
        description="Lint finetune_params in pipeline files (JSON, YAML; directories recursively).",
        formatter_class=_HelpFormatter,
    )
    add = parser.add_argument
    add("paths", nargs="*", metavar="PATH")
    add("--select", action="append", default=[], metavar="CODES", help="Rule codes or prefixes to enable (replaces the configuration's).")
    add("--extend-select", action="append", default=[], metavar="CODES", help="Rule codes or prefixes to enable on top of the selection.")
    add("--ignore", action="append", default=[], metavar="CODES", help="Rule codes or prefixes to disable (replaces the configuration's).")
    add("--strict", action="store_true", default=None, help="Warnings fail too (exit 1).")
    add("--output-format", choices=[*REPORTERS, "auto"], default=None, help="Default: text; auto = github under GITHUB_ACTIONS, else text.")
    add("--show-source", action=argparse.BooleanOptionalAction, default=None, help="Show the source line and a caret under each finding (default: on a terminal).")
    add("--statistics", action="store_true", help="Count findings per rule.")
    add("--explain", metavar="CODE", help="Print the documentation of a rule and exit.")
    add("--list-rules", action="store_true", help="Print the rule catalogue and exit.")
    add("--schema-only", action="store_true", help="Only validate each block against the v2 JSON Schema (like check-jsonschema), with locations.")
    add("--fix", action="store_true", help="Apply safe fixes in place (the ftmigrate engine).")
    add("--unsafe-fixes", action="store_true", help="With --fix, also apply fixes that change the meaning.")
    add("--config", metavar="FILE", help="pyproject.toml to read [tool.ftlint] from (default: the nearest one).")
    add("--exit-zero", action="store_true", help="Exit 0 even when findings fail (usage errors still exit 2).")
    add("--version", action="version", version=f"ftlint (ftspec) {__version__}")
    return parser


def _codes(values: list[str]) -> list[str]:
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


def resolve_format(fmt: str) -> str:
    if fmt == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return fmt


def run(args: argparse.Namespace) -> int:
    import ftspec.lint.rules  # noqa: F401  # registers the linter's own FT5xx: all_rules() lists them
    from ftspec.compiler.inputs import collect_inputs, no_files_warning
    from ftspec.compiler.rules import all_rules
    from ftspec.lint.config import ConfigError, LintConfig, build_selection, find_pyproject, load_config
    from ftspec.lint.linter import lint_file
    from ftspec.lint.reporters import REPORTERS, FileOutcome, LintReport

    rules = all_rules()
    if args.explain:
        rule = rules.get(args.explain.strip().upper())
        if rule is None:
            raise UsageError(f"unknown rule {args.explain!r}")
        write_stdout(lambda: sys.stdout.write(rule.doc()))
        return 0
    if args.list_rules:
        write_stdout(lambda: sys.stdout.writelines(
            f"{rule.code}  {rule.name:<40} {rule.severity:<8} {rule.fixable or '-':<7} {rule.title}\n" for rule in rules.values()
        ))
        return 0
    if not args.paths:
        raise UsageError("no PATH given")
    if args.unsafe_fixes and not args.fix:
        raise UsageError("--unsafe-fixes needs --fix")
    try:
        pyproject = args.config if args.config else find_pyproject(args.paths)
        config = load_config(pyproject) if pyproject is not None else LintConfig()
        cli = {"select": _codes(args.select), "extend_select": _codes(args.extend_select), "ignore": _codes(args.ignore)}
        selection = build_selection(config, cli, rules)
    except ConfigError as exc:
        sys.stderr.write(f"ftlint: {exc}\n")
        return 2
    fmt = resolve_format(args.output_format or config.output_format or "text")
    if fmt not in REPORTERS:
        sys.stderr.write(f"ftlint: unknown output format {fmt!r}\n")
        return 2
    strict = args.strict if args.strict is not None else bool(config.strict)
    show_source = args.show_source
    if show_source is None:
        show_source = config.show_source if config.show_source is not None else sys.stdout.isatty()

    inputs, problems, empty = collect_inputs(args.paths)
    for directory in empty:
        sys.stderr.write(no_files_warning(directory) + "\n")
    if not inputs and not problems:
        return 0
    report = LintReport(strict=strict)
    report.files.extend(FileOutcome(d.file, [d]) for d in problems)
    unreadable = bool(problems)
    if args.fix:
        from ftspec.migrate.engine import fix_paths

        fix_paths(inputs, unsafe=args.unsafe_fixes, out=sys.stderr)
    for path in inputs:
        outcome, _, bad = lint_file(path, selection, set(rules), schema_only=args.schema_only)
        report.files.append(outcome)
        unreadable = unreadable or bad
    text = fmt == "text"
    reporter = REPORTERS[fmt](sys.stdout, show_source=bool(show_source) and text, statistics=args.statistics, color=text and use_color(sys.stdout))
    write_stdout(lambda: reporter.render(report))
    if unreadable:
        return 2
    failing = {"error", "warning"} if strict else {"error"}
    return 0 if args.exit_zero or not any(d.severity in failing for d in report.diagnostics) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ftlint with `argv` (default: sys.argv[1:], i.e. as the `ftlint` program) and return its exit code."""
    program = argv is None
    if program:
        # As a program ftlint is a short-lived process, and on one file its start-up is most of
        # its time. The objects that importing the linter makes live until exit, so collections
        # while it is imported find nothing; they are frozen afterwards, out of the way of the
        # collections while files are linted (which may import the YAML parser): ~2 ms on a file.
        gc.disable()
    import ftspec.lint.linter  # noqa: F401  # the linter's modules: run() takes its names from them

    if program:
        gc.freeze()
        gc.enable()
    safe_streams()
    parser = build_parser()
    try:
        return run(parser.parse_args(list(argv) if argv is not None else None))
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        sys.stderr.write(f"ftlint: error: {exc}\n")
        return 2
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    finally:
        if program:
            # The process exits next. Frozen objects are left out of the interpreter's
            # collections at shutdown, which would otherwise traverse everything made since
            # start-up: ~9 ms, a sixth of linting one file (bench/lint_latency.py).
            gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
