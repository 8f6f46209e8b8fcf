"""The state every edit writer shares: the indexed document, the edit numbering, and the file's own
style (key quoting, indentation step, separator after commas)."""

from __future__ import annotations

from typing import Any

from ftspec.compiler.nodes import Mapping
from ftspec.compiler.source import SourceDocument
from ftspec.migrate import render
from ftspec.migrate.text_layout import indent_of_line
from ftspec.migrate.tree_index import TreeIndex


class EditContext:
    """The document being edited, its index, the numbering of edits (the order of insertions at
    one offset) and how this document writes keys, values and indentation."""

    def __init__(self, doc: SourceDocument) -> None:
        self.index = TreeIndex(doc)
        self.text = doc.text
        self.yaml = self.index.yaml
        self.seq = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def key_text(self, key: str, style: str = "") -> str:
        return render.yaml_key(key, style) if self.yaml else render.json_key(key)

    def flow_value(self, value: Any, style: str = "") -> str:
        return render.yaml_flow(value, style) if self.yaml else render.json_value(value)

    def block_step(self, mapping: Mapping) -> int:
        """Indentation step of a YAML block mapping (key column minus its parent key's column)."""
        keycol = mapping.entries[0].key.span.column - 1 if mapping.entries else 0
        parent = self.index.parents.get(mapping.pointer)
        if isinstance(parent, Mapping) and parent.style == "" and parent.entries:
            step = keycol - (parent.entries[0].key.span.column - 1)
            if 1 <= step <= 8:
                return step
        return 2

    def json_step(self, mapping: Mapping) -> int:
        if mapping.entries:
            step = (mapping.entries[0].key.span.column - 1) - indent_of_line(self.text, mapping.span.start)
            if 1 <= step <= 8:
                return step
        parent = self.index.parents.get(mapping.pointer)
        if isinstance(parent, Mapping) and parent.entries:
            return self.json_step(parent)
        return 2

    def separator_whitespace(self, mapping: Mapping) -> str:
        """The whitespace that follows a comma between two entries of a JSON/flow mapping."""
        text = self.text
        entries = mapping.entries
        if len(entries) >= 2:
            sep = text[entries[0].value.span.end:entries[1].key.span.start]
            comma = sep.find(",")
            if comma >= 0 and not sep[comma + 1:].strip():
                return sep[comma + 1:]
            return " "
        if entries:
            ws = text[mapping.span.start + 1:entries[0].key.span.start]
            if "\n" in ws and not ws.strip():
                return ws
        return " "
