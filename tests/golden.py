"""Golden files: expected IR and findings of every fixture, and the pinned corpus rule counts.

Layout: next to each fixture `fixtures/<dir>/X.json` (or `X.yaml`, `X.yml`) live

- `X.ir.json`: exactly `dump_ir(compile_path("fixtures/<dir>/X.json").ir)`, compiled with the
  project root as the working directory, so that the IR's `source.file` is the relative POSIX
  path `fixtures/<dir>/X.json` on every machine;
- `X.findings.txt`: one line per finding, in the order `compile_path` returns them (sorted by
  position), formatted as

      line:column-end_line:end_column CODE severity "pointer"

  The pointer is JSON-quoted (it may be empty or contain spaces). Messages are deliberately left
  out: they are prose and change with wording; codes, severities, spans and pointers are the
  contract (DESIGN.md, STYLE.md section 3).

`tests/data/corpus_rule_counts.json` pins the number of findings per rule code over the whole
corpus (see `corpus_rule_counts`).

Regenerate everything after a deliberate change of the compiler, then review the diff:

    python -m tests.golden --update            # from the project root
    python -m tests.golden --check             # exit 1 and list what is out of date
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Sequence

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python tests/golden.py` as well as `python -m tests.golden`
    sys.path.insert(0, str(ROOT))

from ftspec.compiler.compile import CompileResult, compile_path, compile_text  # noqa: E402
from ftspec.compiler.diagnostics import Diagnostic  # noqa: E402
from ftspec.ir import dump_ir  # noqa: E402

FIXTURES = ROOT / "fixtures"
FIXTURE_DIRS = ("legacy", "v2", "invalid")
SOURCE_SUFFIXES = (".json", ".yaml", ".yml")
IR_SUFFIX = ".ir.json"
FINDINGS_SUFFIX = ".findings.txt"
CORPUS_COUNTS = ROOT / "tests" / "data" / "corpus_rule_counts.json"
REGENERATE = "python -m tests.golden --update"


# --------------------------------------------------------------------------- fixtures


def is_golden(path: Path) -> bool:
    return path.name.endswith((IR_SUFFIX, FINDINGS_SUFFIX))


def fixture_paths() -> list[Path]:
    """Every fixture source file (goldens excluded), sorted by relative path."""
    found = []
    for sub in FIXTURE_DIRS:
        directory = FIXTURES / sub
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            if path.is_file() and path.name.endswith(SOURCE_SUFFIXES) and not is_golden(path):
                found.append(path)
    return sorted(found, key=relative)


def relative(path: Path) -> str:
    """The POSIX path of a project file relative to the project root (what the goldens record)."""
    return path.resolve().relative_to(ROOT).as_posix()


def stem(path: Path) -> str:
    name = path.name
    for suffix in SOURCE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def golden_paths(fixture: Path) -> tuple[Path, Path]:
    """(X.ir.json, X.findings.txt) next to fixture X.<ext>."""
    base = stem(fixture)
    return fixture.with_name(base + IR_SUFFIX), fixture.with_name(base + FINDINGS_SUFFIX)


@contextlib.contextmanager
def in_root() -> Iterator[None]:
    """Run with the project root as the working directory (the goldens hold relative paths)."""
    before = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)


def compile_fixture(fixture: Path) -> CompileResult:
    with in_root():
        return compile_path(relative(fixture))


def finding_line(diag: Diagnostic) -> str:
    pointer = json.dumps(diag.pointer, ensure_ascii=False)
    return f"{diag.line}:{diag.column}-{diag.end_line}:{diag.end_column} {diag.code} {diag.severity} {pointer}"


def render_findings(diagnostics: Sequence[Diagnostic]) -> str:
    return "".join(finding_line(d) + "\n" for d in diagnostics)


def render(fixture: Path) -> tuple[str, str]:
    """(IR text, findings text) the goldens of `fixture` should hold."""
    result = compile_fixture(fixture)
    return dump_ir(result.ir), render_findings(result.diagnostics)


# --------------------------------------------------------------------------- corpus


CORPUS = ROOT / "tests" / "data" / "corpus"
"""The nirs4all corpus the tests read, copied into the project (see its README.md)."""


class CorpusMissing(FileNotFoundError):
    """The corpus is not where the tests read it: an error, never a skip."""


def corpus_root() -> Path:
    """`$FTSPEC_CORPUS` if set, else `tests/data/corpus`; raises CorpusMissing when it lacks `nirs4all/`."""
    root = Path(os.environ.get("FTSPEC_CORPUS") or CORPUS)
    if not (root / "nirs4all" / "finetune_params.jsonl").is_file():
        raise CorpusMissing(f"corpus not found at {root}: expected {root / 'nirs4all' / 'finetune_params.jsonl'} (FTSPEC_CORPUS overrides tests/data/corpus)")
    return root


def corpus_records(root: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, record) of `nirs4all/finetune_params.jsonl`."""
    records = []
    path = root / "nirs4all" / "finetune_params.jsonl"
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            if line.strip():
                records.append((lineno, json.loads(line)))
    return records


META_MODEL_CLASS = "nirs4all.operators.models.MetaModel"


def corpus_document(record: dict[str, Any]) -> Any:
    """The JSON document a corpus block is compiled as: the block itself (a bare finetune_params
    object), or, for a MetaModel `finetune_space`, a MetaModel step holding it."""
    block = record["finetune_params"]
    if record.get("object") == "finetune_space":
        return {"model": {"class": META_MODEL_CLASS, "params": {"finetune_space": block}}}
    return block


def compile_record(lineno: int, record: dict[str, Any]) -> CompileResult:
    text = json.dumps(corpus_document(record), ensure_ascii=False)
    return compile_text(text, f"finetune_params.jsonl:{lineno}", "json")


def corpus_pipeline_files(root: Path) -> list[Path]:
    base = root / "nirs4all" / "pipelines"
    return sorted(p for p in base.rglob("*") if p.is_file() and p.name != "INDEX.tsv")


def corpus_rule_counts(root: Path) -> dict[str, Any]:
    """Findings per rule code over every jsonl block and every pipeline file of the corpus."""
    counts: Counter[str] = Counter()
    studies = 0
    records = corpus_records(root)
    for lineno, record in records:
        result = compile_record(lineno, record)
        studies += len(result.ir.studies)
        counts.update(d.code for d in result.diagnostics)
    files = corpus_pipeline_files(root)
    for path in files:
        result = compile_path(str(path))
        studies += len(result.ir.studies)
        counts.update(d.code for d in result.diagnostics)
    return {
        "jsonl_blocks": len(records),
        "pipeline_files": len(files),
        "studies": studies,
        "findings": sum(counts.values()),
        "by_code": dict(sorted(counts.items())),
    }


def render_counts(counts: dict[str, Any]) -> str:
    return json.dumps(counts, indent=2, sort_keys=False) + "\n"


# --------------------------------------------------------------------------- command line


def _write(path: Path, text: str, update: bool, stale: list[str]) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old == text:
        return
    stale.append(relative(path))
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--update", action="store_true", help="rewrite every golden that differs")
    mode.add_argument("--check", action="store_true", help="list goldens that differ; exit 1 if any")
    parser.add_argument("--no-corpus", action="store_true", help="leave tests/data/corpus_rule_counts.json alone")
    args = parser.parse_args(argv)

    stale: list[str] = []
    for fixture in fixture_paths():
        rel = relative(fixture)
        try:
            ir_text, findings_text = render(fixture)
        except Exception as exc:  # a new crash: report it, keep the old goldens
            print(f"ERROR {rel}: compiler raised {type(exc).__name__}: {exc}", file=sys.stderr)
            stale.append(rel)
            continue
        ir_path, findings_path = golden_paths(fixture)
        _write(ir_path, ir_text, args.update, stale)
        _write(findings_path, findings_text, args.update, stale)

    if not args.no_corpus:
        try:
            root = corpus_root()
        except CorpusMissing as exc:
            print(exc, file=sys.stderr)
            return 1
        _write(CORPUS_COUNTS, render_counts(corpus_rule_counts(root)), args.update, stale)

    verb = "updated" if args.update else "out of date"
    for name in stale:
        print(f"{verb}: {name}")
    if args.check and stale:
        print(f"{len(stale)} golden file(s) out of date: run `{REGENERATE}` and review the diff", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
