"""Differential suite: ftspec against the published nirs4all (1.4.10), block by block.

Run (creates the nirs4all venv on first use, see `n4a_env.py`)::

    python -m pytest -m differential tests/differential -q -s

Blocks: every line of `<corpus>/nirs4all/finetune_params.jsonl` (compiled as a bare
`finetune_params` document, or wrapped in a MetaModel step for `finetune_space` records, as
tests/test_corpus.py does) and every legacy block of the project's `fixtures/legacy/` files.
Blocks holding a Python expression (`{"__expr__": ...}`, i.e. not a literal config: the value
nirs4all would see is unknown) are not compared and are counted as `skipped`. v2 blocks (a
`version` key) are not nirs4all's language and are not compared either.

Each block is classified (see `compare.py`) and the table is written to `differential-report.json`
in the pytest rootdir (or `$FTSPEC_DIFF_REPORT`); the summary line
`agree N, explained N, unexplained N` is printed. The test fails on any unexplained block.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from ftspec.compiler.compile import compile_path, compile_text

from . import n4a_env
from .compare import Block, classify

ROOT = Path(__file__).resolve().parents[2]
META_MODEL_CLASS = "nirs4all.operators.models.MetaModel"
META_POINTER = "/model/params/finetune_space"

pytestmark = pytest.mark.differential


def corpus_root() -> Path:
    return Path(os.environ.get("FTSPEC_CORPUS") or ROOT / "tests" / "data" / "corpus")


def has_expr(value: Any) -> bool:
    if isinstance(value, dict):
        return "__expr__" in value or any(has_expr(v) for v in value.values())
    if isinstance(value, list):
        return any(has_expr(v) for v in value)
    return False


def resolve(doc: Any, pointer: str) -> Any:
    node = doc
    for raw in pointer.split("/")[1:]:
        seg = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(seg)] if isinstance(node, list) else node[seg]
    return node


def corpus_blocks(skipped: list[dict]) -> list[Block]:
    path = corpus_root() / "nirs4all" / "finetune_params.jsonl"
    blocks = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            source = f"finetune_params.jsonl:{lineno} ({record.get('source')})"
            block = record["finetune_params"]
            if has_expr(block):
                skipped.append({"source": source, "reason": "not a literal config ({'__expr__': ...} value)"})
                continue
            obj = record.get("object", "finetune_params")
            if obj == "finetune_space":
                doc, pointer = {"model": {"class": META_MODEL_CLASS, "params": {"finetune_space": block}}}, META_POINTER
            else:
                doc, pointer = block, ""
            result = compile_text(json.dumps(doc, ensure_ascii=False), f"finetune_params.jsonl:{lineno}", "json")
            study = next((s for s in result.ir.studies if s.source.pointer == pointer), None)
            blocks.append(Block(source, obj, block, pointer, result, study))
    return blocks


def load_plain(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def fixture_blocks(skipped: list[dict]) -> list[Block]:
    blocks = []
    directory = ROOT / "fixtures" / "legacy"
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".json", ".yaml", ".yml") or path.name.endswith(".ir.json"):
            continue
        rel = path.relative_to(ROOT).as_posix()
        cwd = os.getcwd()
        os.chdir(ROOT)
        try:
            result = compile_path(rel)
        finally:
            os.chdir(cwd)
        data = load_plain(path)
        for study in result.ir.studies:
            pointer = study.source.pointer
            source = f"{rel}#{pointer}"
            block = resolve(data, pointer)
            if isinstance(block, dict) and "version" in block:
                skipped.append({"source": source, "reason": "v2 block (not nirs4all's language)"})
                continue
            if has_expr(block):
                skipped.append({"source": source, "reason": "not a literal config"})
                continue
            obj = "finetune_space" if pointer.endswith("/finetune_space") else "finetune_params"
            blocks.append(Block(source, obj, block, pointer, result, study))
    return blocks


def report_path(config: pytest.Config) -> Path:
    env = os.environ.get("FTSPEC_DIFF_REPORT")
    return Path(env) if env else Path(str(config.rootpath)) / "differential-report.json"


def test_differential_against_nirs4all(request: pytest.FixtureRequest) -> None:
    if not (corpus_root() / "nirs4all" / "finetune_params.jsonl").is_file():
        pytest.skip(f"corpus not found at {corpus_root()} (set FTSPEC_CORPUS to the directory holding nirs4all/)")
    started = time.monotonic()
    python = n4a_env.ensure_venv()
    venv_seconds = time.monotonic() - started

    skipped: list[dict] = []
    blocks = corpus_blocks(skipped) + fixture_blocks(skipped)
    items = [{"id": i, "object": b.obj, "block": b.block} for i, b in enumerate(blocks)]
    probe = n4a_env.run_probe(python, items)

    outcomes = [classify(b, r) for b, r in zip(blocks, probe["results"])]
    counts = {k: sum(o.klass == k for o in outcomes) for k in ("agree", "explained", "unexplained")}
    summary = f"agree {counts['agree']}, explained {counts['explained']}, unexplained {counts['unexplained']}"
    report = {
        "summary": summary,
        "counts": dict(counts, skipped=len(skipped), blocks=len(blocks),
                       differences_explained_only_by_info_findings=sum(
                           bool(d.get("only_info")) for o in outcomes for d in o.differences)),
        "versions": probe["versions"],
        "seconds": {"venv": round(venv_seconds, 1), "total": round(time.monotonic() - started, 1)},
        "skipped": skipped,
        "blocks": [o.to_dict() for o in outcomes],
    }
    path = report_path(request.config)
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{summary} (skipped {len(skipped)}); report: {path}")
    unexplained = [o for o in outcomes if o.klass == "unexplained"]
    if unexplained:
        lines = []
        for o in unexplained:
            what = "; ".join(_describe(d) for d in o.differences if not d["explained_by"])
            lines.append(f"  {o.source}: {what}")
        pytest.fail(f"{summary}\n" + "\n".join(lines), pytrace=False)


def _describe(diff: dict) -> str:
    if diff["kind"] == "accept":
        return f"accept: nirs4all {diff['nirs4all']}, ftspec {diff['ftspec']}"
    return f"{diff['kind']} {diff['param']} at {diff['pointers'][0]!r}: nirs4all {diff.get('nirs4all')}, ftspec {diff.get('ftspec')}"
