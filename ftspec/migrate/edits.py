"""Turn fixes (structural tree edits, `FixOp`) into minimal text edits on the original text.

`plan_edits(doc, fixes)` resolves every op on the located tree and returns `(start, end,
replacement)` edits on `doc.text`, never a re-dump of the document: JSON keeps its key order,
indentation and every byte outside the edited spans; YAML keeps every comment, blank line,
quoting style and indentation.

- `rename_key` rewrites the key's span in its own quote style.
- `replace_value` renders the new value in the file's style: JSON inline (`json.dumps`); YAML
  flow style (`{type: int, low: 1, high: 30}`), except that a block collection becomes a block
  mapping whose parts equal to a part of the old value keep their original text (re-indented), so
  that the comments written inside a list survive its rewrite as `{type: categorical, choices:}`.
- `remove_key` removes the entry with its comma (JSON, flow) or its lines (YAML block); comments
  on those lines are kept as comment lines.
- `insert_key` adds an entry first or last, in the mapping's indentation and style.
- `move_key` removes the entry and re-inserts its original text (re-indented in YAML block style,
  with the comment lines directly above it) so comments inside the value travel with it. A missing
  destination is created, at the position of the first moved entry when it is a sibling (so that
  the declaration order, which the IR records, does not change), else last in its parent.

All fixes of one pass are planned together: edits to one mapping (several removals, insertions at
both ends, a destination created for several moved keys) are computed jointly, so they never
overlap. Two fixes that touch the same subtree overlap: the first is kept, the other is deferred to
the next pass (the migration engine recompiles between passes). An op that cannot be written
without losing something (a comment with nowhere to go, an anchored node, a merge key) makes its
fix unsupported; nothing is ever edited approximately.

`expected_value(value, fixes)` applies the same ops to the plain value of the document, so that the
engine can check that the edited text parses back to exactly the intended tree.
"""

from __future__ import annotations

import bisect
import copy
from dataclasses import dataclass, field
from typing import Any, Sequence as Seq

from ftspec.compiler.diagnostics import Fix, FixOp
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, to_python
from ftspec.compiler.source import SourceDocument
from ftspec.migrate import render

__all__ = ["TextEdit", "Plan", "Unsupported", "plan_edits", "apply_edits", "expected_value", "split_pointer"]


@dataclass(frozen=True)
class TextEdit:
    start: int
    end: int
    text: str
    seq: int = 0
    """Order among edits at the same position (insertions)."""


class Unsupported(Exception):
    """An op that cannot be turned into a faithful text edit."""

    def __init__(self, reason: str, fix: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


@dataclass
class Plan:
    edits: list[TextEdit] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)
    """Indices (into the fixes given) of the fixes the edits implement."""
    deferred: list[int] = field(default_factory=list)
    """Fixes that overlap an accepted one: retry on the next pass."""
    unsupported: dict[int, str] = field(default_factory=dict)
    """Fixes that cannot be written as text edits, with the reason."""


def apply_edits(text: str, edits: Seq[TextEdit]) -> str:
    """Apply non-overlapping edits (raises ValueError on an overlap)."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end, e.seq))
    out: list[str] = []
    pos = 0
    for edit in ordered:
        if edit.start < pos:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        out.append(text[pos:edit.start])
        out.append(edit.text)
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


def split_pointer(pointer: str) -> list[str]:
    if pointer == "":
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def join_pointer(tokens: Seq[str]) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def plan_edits(doc: SourceDocument, fixes: Seq[Fix]) -> Plan:
    """Plan the text edits of `fixes` (in order of priority) on `doc`."""
    if doc.root is None:
        raise ValueError("document has no tree")
    return _Planner(doc).plan(fixes)


# =========================================================================== the tree, indexed


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_end(text: str, pos: int) -> int:
    """Offset just after the newline ending the line that holds `pos` (or the end of the text)."""
    i = text.find("\n", pos)
    return len(text) if i < 0 else i + 1


def _indent_of_line(text: str, pos: int) -> int:
    start = _line_start(text, pos)
    i = start
    while i < len(text) and text[i] == " ":
        i += 1
    return i - start


def _shift(block: str, delta: int) -> str:
    """Re-indent every non-blank line of `block` by `delta` columns."""
    if delta == 0:
        return block
    out = []
    for line in block.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if not body.strip():
            out.append(line)
        elif delta > 0:
            out.append(" " * delta + line)
        else:
            cut = min(-delta, len(body) - len(body.lstrip(" ")))
            out.append(line[cut:])
    return "".join(out)


def _shift_continuation(chunk: str, delta: int) -> str:
    """Re-indent the lines after the first (a value that starts mid-line)."""
    if delta == 0 or "\n" not in chunk:
        return chunk
    first, rest = chunk.split("\n", 1)
    return first + "\n" + _shift(rest, delta)


@dataclass
class _Where:
    """An entry of a mapping: the mapping and the entry's index."""

    mapping: Mapping
    index: int


class _Index:
    def __init__(self, doc: SourceDocument) -> None:
        self.doc = doc
        self.text = doc.text
        self.yaml = doc.format == "yaml"
        self.nodes: dict[str, Node] = {}
        self.entries: dict[str, _Where] = {}
        self.parents: dict[str, Node] = {}
        self.duplicates: set[str] = set()
        spans: list[tuple[int, int]] = []
        stack: list[Node] = [doc.root]  # type: ignore[list-item]
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
                    self.entries[entry.value.pointer] = _Where(node, i)
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

    def where(self, pointer: str) -> _Where:
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
                start = _line_start(text, i)
                line = text[start:i].rstrip("\r")
                cut = _comment_cut(line)
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

    def colon_end(self, where: _Where) -> int:
        entry = where.mapping.entries[where.index]
        text = self.text
        i = entry.key.span.end
        while i < len(text) and text[i] in " \t":
            i += 1
        if i >= len(text) or text[i] != ":":
            raise Unsupported(f"cannot find the ':' after key {entry.key.value!r}")
        return i + 1


def _comment_cut(line: str) -> int:
    """Where a trailing comment starts in a line (naive about quotes; only used to find tokens)."""
    for i, c in enumerate(line):
        if c == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return len(line)


# =========================================================================== claims


def _prefix(a: list[str], b: list[str]) -> bool:
    """a is a strict prefix of b."""
    return len(a) < len(b) and b[: len(a)] == a


def _conflict(a: tuple[str, list[str]], b: tuple[str, list[str]]) -> bool:
    ka, pa = a
    kb, pb = b
    if pa == pb:
        kinds = {ka, kb}
        return not (kinds == {"key", "val"} or kinds == {"ins"} or kinds == {"key", "ins"})
    if _prefix(pa, pb):
        return ka in ("sub", "val")
    if _prefix(pb, pa):
        return kb in ("sub", "val")
    return False


# =========================================================================== planned items


@dataclass
class _NewEntry:
    fix: int
    key: str
    value: Any
    first: bool
    seq: int


@dataclass
class _Moved:
    fix: int
    source: _Where
    key: str
    seq: int
    first: bool = False


@dataclass
class _Created:
    fix: int
    key: str
    children: list[_Moved]
    seq: int
    first: bool = False


_Item = Any  # _NewEntry | _Moved | _Created


@dataclass
class _MapPlan:
    node: Mapping
    removed: dict[int, tuple[int, bool]] = field(default_factory=dict)
    """entry index -> (fix, moved)"""
    slots: dict[int, list[_Item]] = field(default_factory=dict)
    """position (insert before entry i; len(entries) = last) -> items"""

    def add(self, slot: int, item: _Item) -> None:
        self.slots.setdefault(slot, []).append(item)

    def ordered_slots(self) -> list[tuple[int, list[_Item]]]:
        return [(p, sorted(items, key=lambda it: (0 if getattr(it, "first", False) else 1, it.seq))) for p, items in sorted(self.slots.items())]


# =========================================================================== the planner


class _Planner:
    def __init__(self, doc: SourceDocument) -> None:
        self.ix = _Index(doc)
        self.text = doc.text
        self.yaml = self.ix.yaml

    # -- resolution and selection ----------------------------------------------------------

    def _claims(self, op: FixOp) -> list[tuple[str, list[str]]]:
        ix = self.ix
        tokens = split_pointer(op.pointer)
        if op.op == "rename_key":
            where = ix.where(op.pointer)
            ix.check_mapping(where.mapping)
            ix.check_editable(op.pointer)
            if not isinstance(op.key, str):
                raise Unsupported("rename_key without a key")
            return [("key", tokens)]
        if op.op == "replace_value":
            if op.pointer == "":
                raise Unsupported("cannot replace the whole document")
            ix.node(op.pointer)  # it must exist
            ix.check_editable(op.pointer)
            parent = ix.parents.get(op.pointer)
            if parent is not None and ix.is_alias(parent):
                raise Unsupported(f"{op.pointer} is inside a YAML alias")
            return [("val", tokens)]
        if op.op == "remove_key":
            where = ix.where(op.pointer)
            ix.check_mapping(where.mapping)
            ix.check_editable(op.pointer)
            return [("sub", tokens)]
        if op.op == "insert_key":
            node = ix.node(op.pointer)
            if not isinstance(node, Mapping):
                raise Unsupported(f"{op.pointer or '/'} is not a mapping")
            if not isinstance(op.key, str):
                raise Unsupported("insert_key without a key")
            ix.check_mapping(node)
            ix.check_editable(op.pointer)
            return [("ins", tokens)]
        if op.op == "move_key":
            where = ix.where(op.pointer)
            ix.check_mapping(where.mapping)
            ix.check_editable(op.pointer)
            if op.destination is None:
                raise Unsupported("move_key without a destination")
            dest = split_pointer(op.destination)
            if dest[: len(tokens)] == tokens:
                raise Unsupported("cannot move an entry into itself")
            found = ix.nodes.get(op.destination)
            claims = [("sub", tokens)]
            if found is not None:
                if not isinstance(found, Mapping):
                    raise Unsupported(f"destination {op.destination} is not a mapping")
                ix.check_mapping(found)
                ix.check_editable(op.destination)
                claims.append(("ins", dest))
            else:
                parent = ix.nodes.get(join_pointer(dest[:-1])) if dest else None
                if not isinstance(parent, Mapping):
                    raise Unsupported(f"the parent of destination {op.destination} is not a mapping")
                ix.check_mapping(parent)
                ix.check_editable(parent.pointer)
                claims.append(("ins", dest[:-1]))
            return claims
        raise Unsupported(f"unknown op {op.op!r}")

    def plan(self, fixes: Seq[Fix]) -> Plan:
        plan = Plan()
        taken: list[tuple[str, list[str]]] = []
        keysets: dict[str, list[Any]] = {}
        candidates: list[int] = []
        for i, fix in enumerate(fixes):
            try:
                claims = [c for op in fix.ops for c in self._claims(op)]
                clash = self._key_clash(fix, keysets, dry_run=True)
            except Unsupported as exc:
                plan.unsupported[i] = exc.reason
                continue
            if clash == "permanent":
                plan.unsupported[i] = "the new key already exists in the mapping"
                continue
            if clash or any(_conflict(c, t) for c in claims for t in taken):
                plan.deferred.append(i)
                continue
            self._key_clash(fix, keysets, dry_run=False)
            taken.extend(claims)
            candidates.append(i)
        while True:
            try:
                plan.edits = self._edits([(i, fixes[i]) for i in candidates])
                break
            except Unsupported as exc:
                if exc.fix is None or exc.fix not in candidates:
                    raise
                plan.unsupported[exc.fix] = exc.reason
                candidates.remove(exc.fix)
        plan.accepted = candidates
        return plan

    def _keys(self, keysets: dict[str, list[Any]], pointer: str) -> list[Any]:
        if pointer not in keysets:
            node = self.ix.nodes.get(pointer)
            keysets[pointer] = list(node.keys()) if isinstance(node, Mapping) else []
        return keysets[pointer]

    def _key_clash(self, fix: Fix, keysets: dict[str, list[Any]], *, dry_run: bool) -> str | None:
        """None, "pending" (clash with a key another planned fix adds) or "permanent"."""
        work = keysets if not dry_run else {k: list(v) for k, v in keysets.items()}
        for op in fix.ops:
            if op.op == "rename_key":
                where = self.ix.entries[op.pointer]
                keys = self._keys(work, where.mapping.pointer)
                old = where.mapping.entries[where.index].key.value
                if op.key != old:
                    if old not in keys:  # renamed or removed by another fix of this batch
                        return "pending"
                    if op.key in keys:
                        return "permanent" if op.key in where.mapping.keys() else "pending"
                    keys[keys.index(old)] = op.key
            elif op.op in ("remove_key", "move_key"):
                where = self.ix.entries[op.pointer]
                keys = self._keys(work, where.mapping.pointer)
                old = where.mapping.entries[where.index].key.value
                if old in keys:
                    keys.remove(old)
                if op.op == "move_key":
                    name = op.key or old
                    dest = op.destination or ""
                    if dest not in self.ix.nodes:
                        parent_keys = self._keys(work, join_pointer(split_pointer(dest)[:-1]))
                        tail = split_pointer(dest)[-1]
                        if tail not in parent_keys:
                            parent_keys.append(tail)
                    keys = self._keys(work, dest)
                    if name in keys:
                        node = self.ix.nodes.get(dest)
                        return "permanent" if isinstance(node, Mapping) and name in node.keys() else "pending"
                    keys.append(name)
            elif op.op == "insert_key":
                keys = self._keys(work, op.pointer)
                if op.key in keys:
                    node = self.ix.nodes.get(op.pointer)
                    return "permanent" if isinstance(node, Mapping) and op.key in node.keys() else "pending"
                keys.append(op.key)
        return None

    # -- edits -------------------------------------------------------------------------------

    def _edits(self, fixes: list[tuple[int, Fix]]) -> list[TextEdit]:
        self._seq = 0
        self._mapplans: dict[str, _MapPlan] = {}
        self._created: dict[str, _Created] = {}
        edits: list[TextEdit] = []
        for fix_index, fix in fixes:
            for op in fix.ops:
                try:
                    self._collect(fix_index, op, edits)
                except Unsupported as exc:
                    exc.fix = fix_index
                    raise
        for mp in self._mapplans.values():
            try:
                if self.yaml and mp.node.style == "":
                    edits.extend(self._block_map_edits(mp))
                else:
                    edits.extend(self._flow_map_edits(mp))
            except Unsupported as exc:
                if exc.fix is None:
                    exc.fix = _any_fix(mp)
                raise
        return edits

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _mp(self, mapping: Mapping) -> _MapPlan:
        mp = self._mapplans.get(mapping.pointer)
        if mp is None:
            mp = self._mapplans[mapping.pointer] = _MapPlan(mapping)
        return mp

    def _collect(self, fix: int, op: FixOp, edits: list[TextEdit]) -> None:
        ix = self.ix
        if op.op == "rename_key":
            where = ix.where(op.pointer)
            key = where.mapping.entries[where.index].key
            if key.value != op.key:
                edits.append(TextEdit(key.span.start, key.span.end, self._key_text(op.key, key.style), self._next()))  # type: ignore[arg-type]
        elif op.op == "replace_value":
            edits.extend(self._replace(op.pointer, op.value))
        elif op.op == "remove_key":
            where = ix.where(op.pointer)
            self._mp(where.mapping).removed[where.index] = (fix, False)
        elif op.op == "insert_key":
            node = ix.node(op.pointer)
            mp = self._mp(node)  # type: ignore[arg-type]
            slot = 0 if op.first else len(node.entries)  # type: ignore[union-attr]
            mp.add(slot, _NewEntry(fix, op.key, op.value, op.first, self._next()))  # type: ignore[arg-type]
        elif op.op == "move_key":
            where = ix.where(op.pointer)
            source_map = where.mapping
            old_key = source_map.entries[where.index].key.value
            self._mp(source_map).removed[where.index] = (fix, True)
            moved = _Moved(fix, where, op.key or old_key, self._next())
            dest = op.destination or ""
            found = ix.nodes.get(dest)
            if isinstance(found, Mapping):
                self._mp(found).add(len(found.entries), moved)
                return
            created = self._created.get(dest)
            if created is not None:
                created.children.append(moved)
                return
            tokens = split_pointer(dest)
            parent = ix.nodes[join_pointer(tokens[:-1])]
            created = _Created(fix, tokens[-1], [moved], self._next())
            self._created[dest] = created
            slot = where.index if parent is source_map else len(parent.entries)  # type: ignore[union-attr]
            self._mp(parent).add(slot, created)  # type: ignore[arg-type]

    # -- rendering helpers -----------------------------------------------------------------

    def _key_text(self, key: str, style: str = "") -> str:
        return render.yaml_key(key, style) if self.yaml else render.json_key(key)

    def _flow_value(self, value: Any, style: str = "") -> str:
        return render.yaml_flow(value, style) if self.yaml else render.json_value(value)

    def _block_step(self, mapping: Mapping) -> int:
        """Indentation step of a YAML block mapping (key column minus its parent key's column)."""
        keycol = mapping.entries[0].key.span.column - 1 if mapping.entries else 0
        parent = self.ix.parents.get(mapping.pointer)
        if isinstance(parent, Mapping) and parent.style == "" and parent.entries:
            step = keycol - (parent.entries[0].key.span.column - 1)
            if 1 <= step <= 8:
                return step
        return 2

    def _json_step(self, mapping: Mapping) -> int:
        if mapping.entries:
            step = (mapping.entries[0].key.span.column - 1) - _indent_of_line(self.text, mapping.span.start)
            if 1 <= step <= 8:
                return step
        parent = self.ix.parents.get(mapping.pointer)
        if isinstance(parent, Mapping) and parent.entries:
            return self._json_step(parent)
        return 2

    def _sepws(self, mapping: Mapping) -> str:
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

    # -- replace_value -----------------------------------------------------------------------

    def _replace(self, pointer: str, value: Any) -> list[TextEdit]:
        node = self.ix.node(pointer)
        text = self.text
        start, end = node.span.start, node.span.end
        if not self.yaml:
            return [TextEdit(start, end, render.json_value(value), self._next())]
        if isinstance(node, Scalar) or node.style == "flow" or self.ix.is_alias(node):
            if not isinstance(node, Scalar) and "\n" in text[start:end] and self.ix.comments(start, end):
                raise Unsupported(f"comments inside the flow value at {pointer}")
            style = node.style if isinstance(node, Scalar) and isinstance(value, str) else ""
            rendered = render.yaml_flow(value, style)
            if start == end and start > 0 and text[start - 1] in ":-":
                rendered = " " + rendered
            return [TextEdit(start, end, rendered, self._next())]
        # A block collection: it starts on a line of its own, below its key.
        where = self.ix.entries.get(pointer)
        if where is None or where.mapping.style != "":
            raise Unsupported(f"the block collection at {pointer} is not the value of a block mapping key")
        parent_col = where.mapping.entries[where.index].key.span.column - 1
        line_start = _line_start(text, start)
        if text[line_start:start].strip():
            raise Unsupported(f"the block collection at {pointer} does not start its line")
        node_col = node.span.column - 1
        col = node_col if node_col > parent_col else parent_col + self._block_step(where.mapping)
        if isinstance(value, dict) and value:
            return [TextEdit(line_start, end, self._block_mapping_text(node, value, col), self._next())]
        # A scalar (or a list, or {}) goes on the key's line; comments of the old value move above the key.
        colon = self.ix.colon_end(where)
        comments = self.ix.comments(colon, end)
        edits = [TextEdit(colon, end, " " + render.yaml_flow(value), self._next())]
        if comments:
            key = where.mapping.entries[where.index].key
            key_line = _line_start(text, key.span.start)
            if text[key_line:key.span.start].strip():
                raise Unsupported(f"comments inside the value at {pointer}")
            lines = "".join(" " * parent_col + text[a:b] + "\n" for a, b in comments)
            edits.append(TextEdit(key_line, key_line, lines, self._next()))
        return edits

    def _block_mapping_text(self, node: Node, value: dict[str, Any], col: int) -> str:
        """A block mapping at column `col` replacing the block collection `node`."""
        text = self.text
        pad = " " * col
        lines: list[str] = []
        reused: list[tuple[int, int]] = []
        candidates = [n for n in _subtree(node) if not isinstance(n, Scalar)]
        for key, sub in value.items():
            head = pad + render.yaml_key(str(key)) + ":"
            match = next((n for n in candidates if render.strict_equal(to_python(n), sub)), None)
            if match is not None and match.style == "" and not text[_line_start(text, match.span.start):match.span.start].strip():
                first = _line_start(text, match.span.start)
                body = text[first:match.span.end]
                lines.append(head + "\n" + _shift(body, col - (match.span.column - 1)) + "\n")
                reused.append((first, match.span.end))
            elif match is not None and match.style == "flow" and "\n" not in text[match.span.start:match.span.end]:
                lines.append(head + " " + text[match.span.start:match.span.end] + "\n")
                reused.append((match.span.start, match.span.end))
            else:
                lines.append(head + " " + render.yaml_flow(sub) + "\n")
        comments = [
            (a, b) for a, b in self.ix.comments(node.span.start, node.span.end)
            if not any(s <= a < e for s, e in reused)
        ]
        head_comments = "".join(pad + text[a:b] + "\n" for a, b in comments)
        return (head_comments + "".join(lines))[:-1]

    # -- JSON and flow mappings ------------------------------------------------------------------

    def _flow_item(self, item: _Item, col: int | None, multi: bool, step: int) -> str:
        text = self.text
        if isinstance(item, _NewEntry):
            return f"{self._key_text(item.key)}: {self._flow_value(item.value)}"
        if isinstance(item, _Moved):
            mapping = item.source.mapping
            entry = mapping.entries[item.source.index]
            if self.yaml and mapping.style == "":
                lcs, _ls, le = self._block_range(mapping, item.source.index)
                if self.ix.comments(lcs, le):
                    raise Unsupported(f"comments in {entry.value.pointer} cannot move into a flow mapping", item.fix)
                return f"{self._key_text(item.key)}: {self._flow_value(to_python(entry.value))}"
            key_text = text[entry.key.span.start:entry.key.span.end]
            if item.key != entry.key.value:
                key_text = self._key_text(item.key, entry.key.style)
            body = text[entry.key.span.end:entry.value.span.end]
            if self.yaml and "\n" in body:
                if self.ix.comments(entry.key.span.end, entry.value.span.end):
                    raise Unsupported(f"comments in {entry.value.pointer} cannot be re-indented", item.fix)
                return f"{key_text}: {self._flow_value(to_python(entry.value))}"
            if col is not None:
                body = _shift_continuation(body, col - (entry.key.span.column - 1))
            return key_text + body
        # _Created
        inner_col = None if col is None else col + step
        children = [self._flow_item(child, inner_col, multi, step) for child in item.children]
        if multi and not self.yaml and col is not None:
            inner = " " * (col + step)
            body = "{\n" + inner + (",\n" + inner).join(children) + "\n" + " " * col + "}"
        else:
            body = "{" + ", ".join(children) + "}"
        return f"{self._key_text(item.key)}: {body}"

    def _flow_map_edits(self, mp: _MapPlan) -> list[TextEdit]:
        node = mp.node
        text = self.text
        entries = node.entries
        n = len(entries)
        open_, close = node.span.start, node.span.end - 1
        if text[open_:open_ + 1] != "{" or text[close:close + 1] != "}":
            raise Unsupported(f"the mapping at {node.pointer or '/'} is not delimited by braces", _any_fix(mp))
        edits: list[TextEdit] = []
        slots = mp.ordered_slots()
        if n == 0:
            items = [it for _, its in slots for it in its]
            if not items:
                return []
            multi, col, step = self._empty_context(node)
            try:
                rendered = [self._flow_item(it, col, multi, step) for it in items]
            except Unsupported:
                # `key: {}` under a block mapping becomes a block mapping when what goes in needs
                # block style (moved text with comments).
                where = self.ix.entries.get(node.pointer)
                if not self.yaml or where is None or where.mapping.style != "":
                    raise
                inner = where.mapping.entries[where.index].key.span.column - 1 + self._block_step(where.mapping)
                body = "".join(self._block_lines(it, inner, self._block_step(where.mapping)) for it in items)
                pos = _line_end(text, node.span.end)
                if text[pos - 1:pos] != "\n":
                    body = "\n" + body[:-1]
                return [TextEdit(self.ix.colon_end(where), node.span.end, "", self._next()), TextEdit(pos, pos, body, self._next())]
            if multi and col is not None:
                inner = " " * col
                outer = " " * max(col - step, 0)
                body = "\n" + inner + (",\n" + inner).join(rendered) + "\n" + outer
            else:
                body = ", ".join(rendered)
            return [TextEdit(open_ + 1, close, body, self._next())]
        sepws = self._sepws(node)
        multi = "\n" in sepws
        col = len(sepws) - sepws.rfind("\n") - 1 if multi else None
        step = self._json_step(node) if not self.yaml else 2
        removed = set(mp.removed)
        survivors = [i for i in range(n) if i not in removed]
        if not survivors:
            items = [it for _, its in slots for it in its]
            if not items:
                return [TextEdit(open_ + 1, close, "", self._next())]
            rendered = [self._flow_item(it, col, multi, step) for it in items]
            return [TextEdit(entries[0].key.span.start, entries[-1].value.span.end, ("," + sepws).join(rendered), self._next())]
        for a, b in _runs(sorted(removed)):
            if a > 0:
                edits.append(TextEdit(entries[a - 1].value.span.end, entries[b].value.span.end, "", self._next()))
            else:
                edits.append(TextEdit(entries[0].key.span.start, entries[b + 1].key.span.start, "", self._next()))
        for p, items in slots:
            rendered = [self._flow_item(it, col, multi, step) for it in items]
            before = [s for s in survivors if s < p]
            if before:
                pos = entries[before[-1]].value.span.end
                body = "".join("," + sepws + r for r in rendered)
            else:
                pos = entries[0].key.span.start
                body = "".join(r + "," + sepws for r in rendered)
            edits.append(TextEdit(pos, pos, body, self._next()))
        return edits

    def _empty_context(self, node: Mapping) -> tuple[bool, int | None, int]:
        """(multi-line, item column, step) for filling an empty JSON/flow mapping."""
        parent = self.ix.parents.get(node.pointer)
        if not self.yaml and isinstance(parent, Mapping) and parent.entries:
            sepws = self._sepws(parent)
            if "\n" in sepws:
                step = self._json_step(parent)
                return True, _indent_of_line(self.text, node.span.start) + step, step
        return False, None, 2

    # -- YAML block mappings ---------------------------------------------------------------------

    def _block_range(self, mapping: Mapping, i: int) -> tuple[int, int, int]:
        """(start of the comment lines directly above, start of the entry, end after its last line)."""
        text = self.text
        entry = mapping.entries[i]
        key = entry.key
        le = _line_end(text, max(entry.value.span.end, key.span.end))
        ls = _line_start(text, key.span.start)
        if text[ls:key.span.start].strip():
            return key.span.start, key.span.start, le
        col = key.span.column - 1
        floor = _line_end(text, max(mapping.entries[i - 1].value.span.end, mapping.entries[i - 1].key.span.end)) if i > 0 else 0
        pos = ls
        while pos > floor:
            prev = _line_start(text, pos - 1)
            line = text[prev:pos].rstrip("\r\n")
            body = line.lstrip(" ")
            if prev >= floor and body.startswith("#") and len(line) - len(body) == col:
                pos = prev
            else:
                break
        return pos, ls, le

    def _block_lines(self, item: _Item, col: int, step: int) -> str:
        """Whole lines (each ending with a newline) for an item of a block mapping at column `col`."""
        text = self.text
        pad = " " * col
        if isinstance(item, _NewEntry):
            return f"{pad}{render.yaml_key(item.key)}: {render.yaml_flow(item.value)}\n"
        if isinstance(item, _Moved):
            mapping = item.source.mapping
            i = item.source.index
            entry = mapping.entries[i]
            if mapping.style != "":
                body = text[entry.key.span.end:entry.value.span.end]
                key_text = render.yaml_key(item.key, entry.key.style) if item.key != entry.key.value else text[entry.key.span.start:entry.key.span.end]
                if "\n" in body:
                    if self.ix.comments(entry.key.span.end, entry.value.span.end):
                        raise Unsupported(f"comments in {entry.value.pointer} cannot be re-indented", item.fix)
                    return f"{pad}{key_text}: {render.yaml_flow(to_python(entry.value))}\n"
                return f"{pad}{key_text}{body}\n"
            lcs, _ls, le = self._block_range(mapping, i)
            chunk = text[lcs:le]
            if not chunk.endswith("\n"):
                chunk += "\n"
            k0, k1 = entry.key.span.start - lcs, entry.key.span.end - lcs
            if item.key != entry.key.value:
                chunk = chunk[:k0] + render.yaml_key(item.key, entry.key.style) + chunk[k1:]
            src_col = entry.key.span.column - 1
            if lcs == entry.key.span.start and text[_line_start(text, lcs):lcs].strip():
                chunk = " " * src_col + chunk
            return _shift(chunk, col - src_col)
        children = "".join(self._block_lines(child, col + step, step) for child in item.children)
        return f"{pad}{render.yaml_key(item.key)}:\n{children}"

    def _block_map_edits(self, mp: _MapPlan) -> list[TextEdit]:
        node = mp.node
        text = self.text
        entries = node.entries
        n = len(entries)
        col = entries[0].key.span.column - 1
        step = self._block_step(node)
        ranges = [self._block_range(node, i) for i in range(n)]
        inline_first = ranges[0][1] == entries[0].key.span.start and text[_line_start(text, entries[0].key.span.start):entries[0].key.span.start].strip() != ""
        removed = set(mp.removed)
        survivors = [i for i in range(n) if i not in removed]
        slots = mp.ordered_slots()
        edits: list[TextEdit] = []
        fix_of = {i: f for i, (f, _m) in mp.removed.items()}
        if not survivors and not slots:
            raise Unsupported(f"removing every entry of the block mapping at {node.pointer or '/'}", _any_fix(mp))
        inline_run_end = -1  # entries 0..inline_run_end are removed by one inline deletion
        for a, b in _runs(sorted(removed)):
            if a == 0 and inline_first:
                inline_run_end = b
                lo = entries[0].key.span.start
                if b == n - 1:
                    hi = ranges[-1][2]
                    if text[hi - 1:hi] == "\n":
                        hi -= 1
                else:
                    hi = entries[b + 1].key.span.start
                    if ranges[b + 1][0] != ranges[b + 1][1]:
                        raise Unsupported("comment lines above an entry that would move up after `- `", fix_of[a])
                kept = [(s, e) for i in range(a, b + 1) if mp.removed[i][1] for s, e in [(ranges[i][0], ranges[i][2])]]
                for c0, _c1 in self.ix.comments(lo, hi):
                    if not any(s <= c0 < e for s, e in kept):
                        raise Unsupported("a comment that would be lost with the entry after `- `", fix_of[a])
                edits.append(TextEdit(lo, hi, "", self._next()))
                continue
            for i in range(a, b + 1):
                lcs, ls, le = ranges[i]
                fix, moved = mp.removed[i]
                keep = ""
                if not moved:
                    keep = text[lcs:ls] + "".join(" " * col + text[c0:c1] + "\n" for c0, c1 in self.ix.comments(ls, le))
                edits.append(TextEdit(lcs, le, keep, self._next()))
        for p, items in slots:
            body = "".join(self._block_lines(it, col, step) for it in items)
            if p <= inline_run_end or (p == 0 and inline_first):
                pos = entries[0].key.span.start
                body = body[col:]
                if inline_run_end == n - 1:
                    body = body[:-1] if body.endswith("\n") else body
                else:
                    body += " " * col
            elif p < n:
                pos = ranges[p][0]
            else:
                pos = ranges[-1][2]
                if text[pos - 1:pos] != "\n":
                    body = "\n" + body[:-1]
            edits.append(TextEdit(pos, pos, body, self._next()))
        return edits


def _subtree(node: Node) -> list[Node]:
    out = [node]
    if isinstance(node, Mapping):
        for e in node.entries:
            out.extend(_subtree(e.value))
    elif isinstance(node, Sequence):
        for item in node.items:
            out.extend(_subtree(item))
    return out


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _any_fix(mp: _MapPlan) -> int | None:
    for fix, _moved in mp.removed.values():
        return fix
    for items in mp.slots.values():
        for item in items:
            return item.fix
    return None


# =========================================================================== the intended tree


def expected_value(value: Any, fixes: Seq[Fix]) -> Any:
    """The plain value after `fixes` (in order), with the planner's placement rules.

    Every op's pointers refer to the tree before the batch; renames and moves made by earlier ops
    are followed (the planner guarantees that no op reaches inside a replaced or moved subtree).
    """
    root = copy.deepcopy(value)
    firsts: dict[int, int] = {}
    moves: list[tuple[str, str]] = []

    def follow(pointer: str) -> str:
        for old, new in moves:
            if pointer == old or pointer.startswith(old + "/"):
                pointer = new + pointer[len(old):]
        return pointer

    for fix in fixes:
        for op in fix.ops:
            pointer = follow(op.pointer)
            tokens = split_pointer(pointer)
            if op.op == "replace_value":
                parent = _at(root, tokens[:-1])
                parent[_token(parent, tokens[-1])] = copy.deepcopy(op.value)
            elif op.op == "rename_key":
                parent = _at(root, tokens[:-1])
                _replace_items(parent, [(op.key if k == tokens[-1] else k, v) for k, v in parent.items()])
                moves.append((op.pointer, join_pointer(tokens[:-1] + [op.key])))  # type: ignore[list-item]
            elif op.op == "remove_key":
                parent = _at(root, tokens[:-1])
                del parent[tokens[-1]]
            elif op.op == "insert_key":
                target = _at(root, tokens)
                items = list(target.items())
                if op.first:
                    at = firsts.get(id(target), 0)
                    items.insert(at, (op.key, copy.deepcopy(op.value)))
                    firsts[id(target)] = at + 1
                else:
                    items.append((op.key, copy.deepcopy(op.value)))
                _replace_items(target, items)
            elif op.op == "move_key":
                parent = _at(root, tokens[:-1])
                items = list(parent.items())
                position = [k for k, _ in items].index(tokens[-1])
                moved = items.pop(position)[1]
                _replace_items(parent, items)
                dest = split_pointer(follow(op.destination or ""))
                name = op.key or tokens[-1]
                holder = _at(root, dest[:-1])
                if dest[-1] in holder:
                    holder[dest[-1]][name] = moved
                else:
                    new_items = list(holder.items())
                    if holder is parent:
                        new_items.insert(position, (dest[-1], {name: moved}))
                    else:
                        new_items.append((dest[-1], {name: moved}))
                    _replace_items(holder, new_items)
                moves.append((op.pointer, join_pointer(dest + [name])))
    return root


def _token(container: Any, token: str) -> Any:
    return int(token) if isinstance(container, list) else token


def _at(root: Any, tokens: list[str]) -> Any:
    node = root
    for token in tokens:
        node = node[_token(node, token)]
    return node


def _replace_items(mapping: dict[str, Any], items: list[tuple[str, Any]]) -> None:
    mapping.clear()
    mapping.update(items)
