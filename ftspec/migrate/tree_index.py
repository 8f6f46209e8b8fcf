"""The located tree indexed for editing: nodes, entries and parents by pointer, the YAML comments
outside every scalar, and the checks that refuse nodes an edit cannot faithfully change."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from ftspec.compiler.nodes import Mapping, Node, Scalar
from ftspec.compiler.source import SourceDocument
from ftspec.migrate.text_edit import Unsupported, join_pointer, split_pointer
from ftspec.migrate.text_layout import comment_cut, line_start


@dataclass
class EntryAt:
    """An entry of a mapping: the mapping and the entry's index."""

    mapping: Mapping
    index: int


class TreeIndex:
    def __init__(self, doc: SourceDocument) -> None:
        self.doc = doc
        self.text = doc.text
        self.yaml = doc.format == "yaml"
        self.nodes: dict[str, Node] = {}
        self.entries: dict[str, EntryAt] = {}
        self.parents: dict[str, Node] = {}
        self.duplicates: set[str] = set()
        spans: list[tuple[int, int]] = []
        if doc.root is None:
            raise ValueError("document has no tree")
        stack: list[Node] = [doc.root]
        while stack:
            node = stack.pop()
            self.nodes.setdefault(node.pointer, node)
            if isinstance(node, Scalar):
                if node.span.end > node.span.start:
                    spans.append((node.span.start, node.span.end))
            elif isinstance(node, Mapping):
                seen: set[Any] = set()
                for i, entry in enumerate(node.entries):
                    if entry.key.value in seen:
                        self.duplicates.add(node.pointer)
                    seen.add(entry.key.value)
                    self.entries[entry.value.pointer] = EntryAt(node, i)
                    self.parents[entry.value.pointer] = node
                    if entry.key.span.end > entry.key.span.start:
                        spans.append((entry.key.span.start, entry.key.span.end))
                    stack.append(entry.value)
            else:
                for item in node.items:
                    self.parents[item.pointer] = node
                    stack.append(item)
        spans.sort()
        self._span_starts = [s for s, _ in spans]
        self._spans = spans

    # -- comments ------------------------------------------------------------------------

    def comments(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """YAML comments that start in [lo, hi): (start, end) without the line break."""
        if not self.yaml:
            return []
        text = self.text
        found = []
        i = text.find("#", lo, hi)
        while i >= 0:
            k = bisect.bisect_right(self._span_starts, i) - 1
            if k >= 0 and self._spans[k][0] <= i < self._spans[k][1]:
                i = text.find("#", self._spans[k][1], hi)
                continue
            if i == 0 or text[i - 1] in " \t\r\n":
                end = i
                while end < len(text) and text[end] not in "\r\n":
                    end += 1
                found.append((i, end))
                i = text.find("#", end, hi)
            else:
                i = text.find("#", i + 1, hi)
        return found

    # -- lookups -------------------------------------------------------------------------

    def node(self, pointer: str) -> Node:
        node = self.nodes.get(pointer)
        if node is None:
            raise Unsupported(f"nothing at {pointer or '/'}")
        return node

    def mapping(self, pointer: str) -> Mapping:
        node = self.node(pointer)
        if not isinstance(node, Mapping):
            raise Unsupported(f"{pointer or '/'} is not a mapping")
        return node

    def where(self, pointer: str) -> EntryAt:
        found = self.entries.get(pointer)
        if found is None:
            raise Unsupported(f"no mapping entry at {pointer or '/'}")
        if found.mapping.pointer in self.duplicates:
            raise Unsupported(f"the mapping at {found.mapping.pointer or '/'} has duplicate keys")
        return found

    def is_alias(self, node: Node) -> bool:
        start = node.span.start
        return self.yaml and start < node.span.end and self.text[start] == "*"

    def check_editable(self, pointer: str) -> None:
        """Refuse nodes copied from an anchor (an alias, a merge key) and nodes with properties."""
        tokens = split_pointer(pointer)
        for n in range(len(tokens)):
            ancestor = self.nodes.get(join_pointer(tokens[:n]))
            if ancestor is not None and self.is_alias(ancestor):
                raise Unsupported(f"{pointer} is inside a YAML alias")
        node = self.nodes.get(pointer)
        if node is not None and not self.is_alias(node):
            if isinstance(node, Scalar) and node.tag is not None:
                raise Unsupported(f"{pointer} has an explicit YAML tag")
            if self.has_properties(node):
                raise Unsupported(f"{pointer} has a YAML anchor or tag")

    def has_properties(self, node: Node) -> bool:
        if not self.yaml:
            return False
        text = self.text
        i = node.span.start - 1
        while i >= 0:
            c = text[i]
            if c in " \t":
                i -= 1
                continue
            if c in "\r\n":
                start = line_start(text, i)
                line = text[start:i].rstrip("\r")
                cut = comment_cut(line)
                line = line[:cut].rstrip()
                if not line:
                    i = start - 1
                    continue
                return line.split()[-1].startswith(("&", "!"))
            j = i
            while j >= 0 and text[j] not in " \t\r\n":
                j -= 1
            return text[j + 1:i + 1].startswith(("&", "!"))
        return False

    def check_mapping(self, mapping: Mapping) -> None:
        """Structural edits need entries in text order inside the mapping's span (no merge keys)."""
        if mapping.pointer in self.duplicates:
            raise Unsupported(f"the mapping at {mapping.pointer or '/'} has duplicate keys")
        if self.is_alias(mapping):
            raise Unsupported(f"the mapping at {mapping.pointer or '/'} is a YAML alias")
        last = mapping.span.start - 1
        for entry in mapping.entries:
            if entry.key.span.start <= last or entry.value.span.end > mapping.span.end or entry.key.span.start < mapping.span.start:
                raise Unsupported(f"the mapping at {mapping.pointer or '/'} has merged (<<) entries")
            if entry.key.span.start == entry.value.span.start and entry.key.span.end == entry.value.span.end:
                raise Unsupported(f"the mapping at {mapping.pointer or '/'} is a YAML alias copy")
            last = max(entry.key.span.end, entry.value.span.end) - 1
        if self.yaml and any(self.text[e.key.span.start - 2:e.key.span.start].strip() == "?" for e in mapping.entries if e.key.span.start >= 2):
            raise Unsupported(f"the mapping at {mapping.pointer or '/'} uses explicit `?` keys")

    def colon_end(self, where: EntryAt) -> int:
        entry = where.mapping.entries[where.index]
        text = self.text
        i = entry.key.span.end
        while i < len(text) and text[i] in " \t":
            i += 1
        if i >= len(text) or text[i] != ":":
            raise Unsupported(f"cannot find the ':' after key {entry.key.value!r}")
        return i + 1
