"""`ftmigrate`: rewrite legacy finetune_params to v2 in place (like pyupgrade).

Exit codes: 0 done (files may have been rewritten); 1 with --check when a file would change;
2 a usage error, or an input that cannot be read or parsed (it is left untouched and reported;
the other files are still migrated).
"""

from __future__ import annotations

import sys
from typing import Sequence

import click

from ftspec._console import StdoutWhileRead, run_click
from ftspec.compiler.inputs import collect_inputs, no_files_warning
from ftspec.migrate.engine import MIGRATE_SELECT, fix_paths


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--diff", is_flag=True, help="Print a unified diff of the changes and write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a file would change.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply the fixes that change what a config means (each is listed).")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems, not the summary.")
@click.version_option(package_name="ftspec")
def cli(paths: tuple[str, ...], diff: bool, check: bool, unsafe_fixes: bool, quiet: bool) -> None:
    """Migrate finetune_params in pipeline files (JSON, YAML; directories recursively) to v2.

    Safe fixes keep the compiled meaning (the IR) unchanged and are always applied; unsafe fixes
    change it and need --unsafe-fixes. Comments, key order, quoting and indentation are kept.
    """
    if not paths:
        raise click.UsageError("no PATH given")
    inputs, problems, empty = collect_inputs(paths)
    for directory in empty:
        click.echo(no_files_warning(directory), err=True)
    for problem in problems:
        click.echo(f"ftmigrate: {problem.file}: {problem.message}", err=True)
    if not inputs and not problems:
        sys.exit(0)
    report = fix_paths(
        inputs, unsafe=unsafe_fixes, out=sys.stderr, select=MIGRATE_SELECT,
        write=not (diff or check), diff=StdoutWhileRead() if diff else None,
        quiet=quiet, tool="ftmigrate",
    )
    if problems or report.errors:
        sys.exit(2)
    sys.exit(1 if check and report.changed else 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ftmigrate with `argv` (default: sys.argv[1:]) and return its exit code."""
    return run_click(cli, argv, "ftmigrate")


if __name__ == "__main__":
    sys.exit(main())
