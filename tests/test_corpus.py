"""The real nirs4all configs of the shared corpus compile without an exception, and the number of
findings per rule code over the whole corpus is pinned.

The corpus travels with the project in `tests/data/corpus/` (`$FTSPEC_CORPUS` overrides the path); a
missing corpus fails the suite (`golden.corpus_root` raises at collection), it is never skipped.

- every block of `nirs4all/finetune_params.jsonl` is compiled as a bare JSON document
  (`compile_text(json.dumps(block), ...)`); a MetaModel `finetune_space` record is wrapped in a
  `{"model": {"class": "nirs4all.operators.models.MetaModel", "params": {"finetune_space": ...}}}`
  step so that it is read as a finetune_space;
- every file under `nirs4all/pipelines/` (INDEX.tsv excepted) is compiled with `compile_path`;
- `tests/data/corpus_rule_counts.json` holds the findings per rule code over both: a change of
  behaviour shows in review. Regenerate it (with the fixture goldens) from the project root:

      python -m tests.golden --update
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

try:
    from tests import golden
except ImportError:  # pytest's rootdir-relative import mode without the project root on sys.path
    import golden  # type: ignore[no-redef]

from ftspec.compiler.compile import compile_path
from ftspec.ir import dump_ir

CORPUS = golden.corpus_root()


def _records() -> list:
    return [pytest.param(lineno, record, id=f"line{lineno}") for lineno, record in golden.corpus_records(CORPUS)]


def _pipelines() -> list:
    base = CORPUS / "nirs4all" / "pipelines"
    return [pytest.param(p, id=p.relative_to(base).as_posix()) for p in golden.corpus_pipeline_files(CORPUS)]


def test_corpus_is_complete() -> None:
    assert len(_records()) == 445
    assert len(_pipelines()) == 27
    assert (CORPUS / "README.md").is_file() or (CORPUS / "nirs4all" / "README.md").is_file()


def test_a_missing_corpus_fails_and_is_never_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTSPEC_CORPUS", str(tmp_path))
    with pytest.raises(golden.CorpusMissing, match="corpus not found at"):
        golden.corpus_root()
    monkeypatch.delenv("FTSPEC_CORPUS")
    assert golden.corpus_root() == golden.ROOT / "tests" / "data" / "corpus"


@pytest.mark.parametrize(("lineno", "record"), _records())
def test_jsonl_block_compiles(lineno: int, record: dict) -> None:
    result = golden.compile_record(lineno, record)
    dump_ir(result.ir)  # the IR is writable
    assert not result.unreadable, [d.message for d in result.diagnostics if d.code in ("FT001", "FT007")]
    for diag in result.diagnostics:
        assert diag.line >= 1 and diag.column >= 1


def test_finetune_space_records_are_read_as_finetune_space() -> None:
    records = [(n, r) for n, r in golden.corpus_records(CORPUS) if r.get("object") == "finetune_space"]
    assert records, "the corpus holds MetaModel finetune_space blocks"
    for lineno, record in records:
        result = golden.compile_record(lineno, record)
        assert all(s.source.pointer == "/model/params/finetune_space" for s in result.ir.studies)


@pytest.mark.parametrize("path", _pipelines())
def test_pipeline_file_compiles(path: Path) -> None:
    result = compile_path(str(path))
    dump_ir(result.ir)
    assert result.document is not None


def test_rule_counts_are_pinned() -> None:
    expected_path = golden.CORPUS_COUNTS
    assert expected_path.exists(), f"missing {expected_path}: run `{golden.REGENERATE}`"
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    actual = golden.corpus_rule_counts(CORPUS)
    if actual != expected:
        codes = sorted(set(expected.get("by_code", {})) | set(actual["by_code"]))
        changes = [
            f"{code}: {expected.get('by_code', {}).get(code, 0)} -> {actual['by_code'].get(code, 0)}"
            for code in codes
            if expected.get("by_code", {}).get(code, 0) != actual["by_code"].get(code, 0)
        ]
        totals = [f"{k}: {expected.get(k)} -> {actual[k]}" for k in actual if k != "by_code" and expected.get(k) != actual[k]]
        pytest.fail(
            "corpus findings changed (" + "; ".join(totals + changes) + f"); if deliberate, run `{golden.REGENERATE}`"
        )
