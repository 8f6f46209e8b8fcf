"""Lint one file: compile it, add the linter's own checks, select rules, apply suppressions.

Never imports optuna, scikit-learn or the runtime (a test checks `sys.modules`), and imports
jsonschema only for `--schema-only`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ftspec.compiler.compile import UNREADABLE_CODES, compile_document
from ftspec.compiler.diagnostics import Collector, Diagnostic
from ftspec.compiler.nodes import Mapping, index_nodes, to_python
from ftspec.lint.rules import SCHEMA_VIOLATION, check_v2_style
from ftspec.compiler.source import SourceDocument, load_path
from ftspec.compiler.walk import find_blocks
from ftspec.lint.config import Selection
from ftspec.lint.reporters import FileOutcome


def lint_file(path: str, selection: Selection, known: set[str], *, schema_only: bool = False) -> tuple[FileOutcome, SourceDocument | None, bool]:
    """(outcome, document, unreadable)."""
    collector = Collector(path)
    doc = load_path(path, collector)
    if doc is not None:
        if schema_only:
            check_schema(doc, collector)
        else:
            compile_document(doc, collector)
            for block in find_blocks(doc.root):
                if isinstance(block.node, Mapping) and "version" in block.node:
                    check_v2_style(block.node, collector)
    unreadable = any(d.code in UNREADABLE_CODES for d in collector.diagnostics)
    enabled = selection.enabled_for(path)
    selected = [d for d in collector.diagnostics if d.code in enabled]
    suppressed = 0
    # A suppression is the text "ftlint:" in a comment or a string, where it may also be written
    # with escapes; a text with neither has none, and skips importing and walking for them.
    if doc is not None and ("ftlint" in doc.text or "\\" in doc.text):
        from ftspec.lint.suppressions import apply_suppressions, find_suppressions

        meta = Collector(path)
        suppressions = find_suppressions(doc, meta, known)
        selected, suppressed = apply_suppressions(selected, suppressions, meta)
        selected += [d for d in meta.diagnostics if d.code in enabled]
    selected.sort(key=Diagnostic.sort_key)
    return FileOutcome(path, selected, doc.text if doc is not None else None, suppressed), doc, unreadable


@lru_cache(maxsize=1)
def _validator() -> Any:
    from importlib import resources

    import jsonschema

    text = resources.files("ftspec.schema").joinpath("finetune_params.v2.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    return jsonschema.Draft7Validator(schema)


def check_schema(doc: SourceDocument, collector: Collector) -> None:
    """What `check-jsonschema --schemafile finetune_params.v2.schema.json` says of each block, located."""
    validator = _validator()
    for block in find_blocks(doc.root):
        index = index_nodes(block.node)
        for error in sorted(validator.iter_errors(to_python(block.node)), key=lambda e: [str(p) for p in e.absolute_path]):
            pointer = block.node.pointer
            node = block.node
            for part in error.absolute_path:
                pointer = f"{pointer}/{str(part).replace('~', '~0').replace('/', '~1')}"
                node = index.get(pointer, node)
            path = "$" + "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in error.absolute_path)
            collector.report(SCHEMA_VIOLATION, node, pointer=pointer, message=f"{path}: {error.message}")

