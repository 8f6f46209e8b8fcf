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

The pieces, in the order a pass uses them: `tree_index` (the located tree by pointer, its comments,
what may be edited), `fix_selection` (which fixes go in this pass), `mapping_plan` (each mapping's
removals and insertions), the writers `value_replacer`, `block_writer` and `flow_writer` (text in
the file's style, through `edit_context` and `text_layout`), and `expected` (the intended value).
"""

from __future__ import annotations

from typing import Sequence as Seq, cast

from ftspec.compiler.diagnostics import Fix, FixOp
from ftspec.compiler.nodes import Mapping
from ftspec.compiler.source import SourceDocument
from ftspec.migrate.block_writer import BlockMappingWriter
from ftspec.migrate.edit_context import EditContext
from ftspec.migrate.expected import expected_value
from ftspec.migrate.fix_selection import FixSelector
from ftspec.migrate.flow_writer import FlowMappingWriter
from ftspec.migrate.mapping_plan import CreatedMapping, MappingPlan, MovedEntry, NewEntry
from ftspec.migrate.text_edit import Plan, TextEdit, Unsupported, apply_edits, join_pointer, split_pointer
from ftspec.migrate.value_replacer import ValueReplacer

__all__ = ["TextEdit", "Plan", "Unsupported", "plan_edits", "apply_edits", "expected_value", "split_pointer", "join_pointer"]


def plan_edits(doc: SourceDocument, fixes: Seq[Fix]) -> Plan:
    """Plan the text edits of `fixes` (in order of priority) on `doc` (ValueError if it has no tree)."""
    return EditPlanner(doc).plan(fixes)


class EditPlanner:
    """One pass: selects the fixes that can be planned together, turns each op into text edits or
    into a mapping's planned removals and insertions, then writes each mapping's plan."""

    def __init__(self, doc: SourceDocument) -> None:
        self.ctx = EditContext(doc)
        self.ix = self.ctx.index
        self.selector = FixSelector(self.ix)
        self.block = BlockMappingWriter(self.ctx)
        self.flow = FlowMappingWriter(self.ctx, self.block)
        self.replacer = ValueReplacer(self.ctx)

    def plan(self, fixes: Seq[Fix]) -> Plan:
        plan = Plan()
        candidates = self.selector.select(fixes, plan)
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

    def _edits(self, fixes: list[tuple[int, Fix]]) -> list[TextEdit]:
        self.ctx.seq = 0
        self._mapplans: dict[str, MappingPlan] = {}
        self._created: dict[str, CreatedMapping] = {}
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
                if self.ctx.yaml and mp.node.style == "":
                    edits.extend(self.block.edits(mp))
                else:
                    edits.extend(self.flow.edits(mp))
            except Unsupported as exc:
                if exc.fix is None:
                    exc.fix = mp.any_fix()
                raise
        return edits

    def _mp(self, mapping: Mapping) -> MappingPlan:
        mp = self._mapplans.get(mapping.pointer)
        if mp is None:
            mp = self._mapplans[mapping.pointer] = MappingPlan(mapping)
        return mp

    def _collect(self, fix: int, op: FixOp, edits: list[TextEdit]) -> None:
        """One op of a selected fix: a text edit, or its part of a mapping's plan. FixSelector.claims
        has checked the op (its key is a str where the op needs one, its targets are mappings)."""
        ix = self.ix
        if op.op == "rename_key":
            where = ix.where(op.pointer)
            key = where.mapping.entries[where.index].key
            if key.value != op.key:
                edits.append(TextEdit(key.span.start, key.span.end, self.ctx.key_text(cast(str, op.key), key.style), self.ctx.next_seq()))
        elif op.op == "replace_value":
            edits.extend(self.replacer.replace(op.pointer, op.value))
        elif op.op == "remove_key":
            where = ix.where(op.pointer)
            self._mp(where.mapping).removed[where.index] = (fix, False)
        elif op.op == "insert_key":
            node = ix.mapping(op.pointer)
            slot = 0 if op.first else len(node.entries)
            self._mp(node).add(slot, NewEntry(fix, cast(str, op.key), op.value, op.first, self.ctx.next_seq()))
        elif op.op == "move_key":
            where = ix.where(op.pointer)
            source_map = where.mapping
            old_key = source_map.entries[where.index].key.value
            self._mp(source_map).removed[where.index] = (fix, True)
            moved = MovedEntry(fix, where, op.key or old_key, self.ctx.next_seq())
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
            parent = ix.mapping(join_pointer(tokens[:-1]))
            created = CreatedMapping(fix, tokens[-1], [moved], self.ctx.next_seq())
            self._created[dest] = created
            slot = where.index if parent is source_map else len(parent.entries)
            self._mp(parent).add(slot, created)
