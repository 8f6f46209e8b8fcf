"""The migrator on the real nirs4all configs of the shared corpus and on the project's own fixtures.

The corpus is `tests/data/corpus/` (`$FTSPEC_CORPUS` overrides it; migrations that write go to a
temporary copy). A missing corpus fails at collection (`golden.corpus_root`), it is never skipped.

- every block of `finetune_params.jsonl` and every pipeline file: the safe migration keeps the IR
  (provenance aside), is idempotent, loses no comment and no key, and no safe fix fails;
- after `ftmigrate --unsafe-fixes` on a copy of the pipeline files, the findings that still fail
  `ftcompile --strict` are exactly the manual ones listed in docs/migration.md; a second run
  changes no file (mtimes kept);
- the project's YAML fixtures lose no comment and no key.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

try:
    from tests import golden
    from tests.test_migrate_support import assert_nothing_lost
except ImportError:  # rootdir-relative import mode
    import golden  # type: ignore[no-redef]
    from test_migrate_support import assert_nothing_lost  # type: ignore[no-redef]

from ftspec.compiler.compile import compile_path, compile_text
from ftspec.migrate.cli import main
from ftspec.migrate.engine import migrate_text, strip_source

ROOT = Path(__file__).resolve().parents[1]
CORPUS = golden.corpus_root()
DOCS = ROOT / "docs" / "migration.md"


def _records() -> list:
    return [pytest.param(n, r, id=f"line{n}") for n, r in golden.corpus_records(CORPUS)]


def _pipelines() -> list:
    base = CORPUS / "nirs4all" / "pipelines"
    return [pytest.param(p, id=p.relative_to(base).as_posix()) for p in golden.corpus_pipeline_files(CORPUS)]


def check_safe_migration(text: str, path: str, fmt: str) -> None:
    before = compile_text(text, path, fmt)
    result = migrate_text(text, path, format=fmt)
    assert result.error is None, result.error
    failed = [x for x in result.left if x.kind == "failed"]
    assert not failed, failed
    assert all(a.applicability == "safe" for a in result.applied)
    after = compile_text(result.text, path, fmt)
    assert strip_source(after.ir) == strip_source(before.ir)
    again = migrate_text(result.text, path, format=fmt)
    assert again.text == result.text and not again.applied
    assert_nothing_lost(text, result.text, fmt, result.applied)


@pytest.mark.parametrize(("lineno", "record"), _records())
def test_jsonl_block_safe_migration(lineno: int, record: dict) -> None:
    text = json.dumps(golden.corpus_document(record), indent=2, ensure_ascii=False) + "\n"
    check_safe_migration(text, f"finetune_params.jsonl:{lineno}", "json")


@pytest.mark.parametrize("path", _pipelines())
def test_pipeline_file_safe_migration(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    check_safe_migration(text, str(path), "yaml" if path.suffix in (".yaml", ".yml") else "json")


def test_corpus_is_migrated_at_all() -> None:
    """Most blocks change, and many become v2 (a guard against a migrator that does nothing)."""
    converted = total = 0
    for lineno, record in golden.corpus_records(CORPUS):
        text = json.dumps(golden.corpus_document(record), indent=2)
        result = migrate_text(text, f"finetune_params.jsonl:{lineno}", format="json")
        total += 1
        converted += any(a.code == "FT106" for a in result.applied)
    # 121 today: blocks with a 2-element list (FT201) stay legacy until their author decides.
    assert total == 445 and converted >= 120


# --------------------------------------------------------------------------- after --unsafe-fixes


def documented_manual_findings() -> dict[str, int]:
    """The table between the `corpus-manual-findings` markers of docs/migration.md: code -> count."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("<!-- corpus-manual-findings -->")[1].split("<!-- /corpus-manual-findings -->")[0]
    rows = re.findall(r"^\| \[?(FT\d{3})\]?[^|]*\| `([a-z0-9-]+)` \| (\d+) \|", section, re.M)
    return {code: int(count) for code, _name, count in rows}


def test_unsafe_migration_leaves_only_the_documented_manual_findings(tmp_path: Path) -> None:
    copy = tmp_path / "pipelines"
    shutil.copytree(CORPUS / "nirs4all" / "pipelines", copy)
    (copy / "INDEX.tsv").unlink()
    assert main(["--unsafe-fixes", "-q", str(copy)]) == 0
    remaining: Counter[str] = Counter()
    legacy_reasons: Counter[str] = Counter()
    files = sorted(p for p in copy.rglob("*") if p.is_file())
    for path in files:
        result = compile_path(str(path))
        assert not result.unreadable
        remaining.update(d.code for d in result.diagnostics if d.severity in ("error", "warning"))
        for x in migrate_text(path.read_text(encoding="utf-8"), str(path), unsafe=True).left:
            if x.code == "FT106":
                legacy_reasons[x.reason] += 1
    assert dict(remaining) == documented_manual_findings()
    # every block that stays legacy does so only because of nirs4all's `verbose` key
    assert set(legacy_reasons) == {"keys v2 does not define: verbose"}
    # a second run rewrites nothing
    mtimes = {p: p.stat().st_mtime_ns for p in files}
    assert main(["--unsafe-fixes", "--check", "-q", str(copy)]) == 0
    assert main(["--unsafe-fixes", "-q", str(copy)]) == 0
    assert {p: p.stat().st_mtime_ns for p in files} == mtimes


# --------------------------------------------------------------------------- the project's fixtures


def _yaml_fixtures() -> list:
    return [pytest.param(p, id=golden.relative(p)) for p in golden.fixture_paths() if p.suffix in (".yaml", ".yml")]


@pytest.mark.parametrize("path", _yaml_fixtures())
def test_yaml_fixture_loses_nothing(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    for unsafe in (False, True):
        result = migrate_text(text, str(path), unsafe=unsafe)
        if result.error is not None:  # fixtures of unreadable files stay untouched
            assert result.text == text
            continue
        assert not [x for x in result.left if x.kind == "failed"]
        assert_nothing_lost(text, result.text, "yaml", result.applied)
        assert migrate_text(result.text, str(path), unsafe=unsafe).text == result.text
