"""`ftcompile`: compile pipeline files to the IR; findings on stderr; exit 0 / 1 / 2."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Sequence

import click

from ftspec._console import run_click, write_stdout
from ftspec.compiler.compile import CompileResult, compile_path
from ftspec.compiler.inputs import IR_SUFFIX, collect_inputs, no_files_warning
from ftspec.ir import IR_VERSION, IRDocument, dump_ir
from ftspec.lint.reporters import render_text, summarize


def _dump(result: CompileResult) -> str:
    if result.campaign is not None:  # a campaign file: the campaign IR document (ftspec.campaign.model)
        from ftspec.campaign.model import dump_campaign

        return dump_campaign(result.campaign)
    return dump_ir(result.ir)


def write_outputs(results: list[tuple[str, CompileResult]], output: str | None) -> None:
    if len(results) == 1 and results[0][1].campaign is not None and (output is None or not (os.path.isdir(output) or output.endswith(os.sep))):
        text = _dump(results[0][1])
        if output is None:
            write_stdout(lambda: sys.stdout.write(text))
        else:
            Path(output).write_text(text, encoding="utf-8")
        return
    if output is None:
        merged = IRDocument(ir_version=IR_VERSION, studies=[s for _, r in results for s in r.ir.studies])
        write_stdout(lambda: sys.stdout.write(dump_ir(merged)))
        return
    if os.path.isdir(output) or output.endswith(os.sep):
        # Output paths mirror the inputs below their common directory, so two inputs never collide.
        readable = [(inp, r) for inp, r in results if not r.unreadable]
        base = os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p, _ in readable]) if readable else ""
        for path, result in readable:
            target = Path(output) / (os.path.relpath(os.path.abspath(path), base) + IR_SUFFIX)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_dump(result), encoding="utf-8")
        return
    merged = IRDocument(ir_version=IR_VERSION, studies=[s for _, r in results for s in r.ir.studies])
    Path(output).write_text(dump_ir(merged), encoding="utf-8")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--strict", is_flag=True, help="Fail (exit 1) on any warning, not only on errors.")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write the IR to FILE (all studies), or to DIR/<file>.ir.json per input. Default: stdout.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Format of the findings written to stderr.")
@click.option("--no-ir", is_flag=True, help="Do not print or write the IR: findings and exit code only.")
@click.version_option(package_name="ftspec")
def cli(paths: tuple[str, ...], strict: bool, output: str | None, output_format: str, no_ir: bool) -> None:
    """Compile finetune_params in pipeline files (JSON, YAML; directories recursively) to the ftspec IR.

    Exit codes: 0 no error, 1 errors (or warnings with --strict), 2 unreadable input or usage error.
    """
    inputs, problems, empty = collect_inputs(paths)
    for directory in empty:
        click.echo(no_files_warning(directory), err=True)
    if not inputs and not problems:
        sys.exit(0)
    results = [(path, compile_path(path)) for path in inputs]
    diagnostics = problems + [d for _, r in results for d in r.diagnostics]
    try:
        if not no_ir:
            write_outputs(results, output)
    except OSError as exc:
        click.echo(f"ftcompile: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    studies = sum(len(r.ir.studies) for _, r in results)
    if output_format == "json":
        payload = {"diagnostics": [d.to_dict() for d in diagnostics], "summary": summarize(diagnostics, len(inputs), studies)}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False), err=True)
    else:
        for diag in diagnostics:
            click.echo(render_text(diag), err=True)
        for path, result in results:  # the work each study and campaign declares, before anything runs
            if result.campaign is not None:
                from ftspec.campaign.report import render_work

                click.echo(render_work(result.campaign.campaign), err=True)
            elif result.ir.studies:
                from ftspec.campaign.compile import study_work
                from ftspec.campaign.report import render_study_work

                for study in result.ir.studies:
                    click.echo(f"{path}: {render_study_work(study.id, study_work(study, study.n_trials, 1))}", err=True)
        click.echo(summarize(diagnostics, len(inputs), studies), err=True)
    if problems or any(r.unreadable for _, r in results):
        sys.exit(2)
    failing = {"error", "warning"} if strict else {"error"}
    sys.exit(1 if any(d.severity in failing for d in diagnostics) else 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ftcompile with `argv` (default: sys.argv[1:]) and return its exit code."""
    return run_click(cli, argv, "ftcompile")


if __name__ == "__main__":
    sys.exit(main())
