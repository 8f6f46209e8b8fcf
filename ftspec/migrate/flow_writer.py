"""Edits of JSON objects and YAML flow mappings."""

from __future__ import annotations

from ftspec.compiler.nodes import Mapping, to_python
from ftspec.migrate.block_writer import BlockMappingWriter
from ftspec.migrate.edit_context import EditContext
from ftspec.migrate.mapping_plan import MappingPlan, MovedEntry, NewEntry, PlannedItem, runs_of
from ftspec.migrate.text_edit import TextEdit, Unsupported
from ftspec.migrate.text_layout import indent_of_line, line_end, shift_continuation


class FlowMappingWriter:
    """Removals and insertions in a JSON object or a YAML flow mapping, with its commas and its
    one-line or one-entry-per-line layout."""

    def __init__(self, ctx: EditContext, block: BlockMappingWriter) -> None:
        self.ctx = ctx
        self.ix = ctx.index
        self.text = ctx.text
        self.yaml = ctx.yaml
        self.block = block

    def item_text(self, item: PlannedItem, col: int | None, multi: bool, step: int) -> str:
        text = self.text
        if isinstance(item, NewEntry):
            return f"{self.ctx.key_text(item.key)}: {self.ctx.flow_value(item.value)}"
        if isinstance(item, MovedEntry):
            mapping = item.source.mapping
            entry = mapping.entries[item.source.index]
            if self.yaml and mapping.style == "":
                lcs, _ls, le = self.block.entry_range(mapping, item.source.index)
                if self.ix.comments(lcs, le):
                    raise Unsupported(f"comments in {entry.value.pointer} cannot move into a flow mapping", item.fix)
                return f"{self.ctx.key_text(item.key)}: {self.ctx.flow_value(to_python(entry.value))}"
            key_text = text[entry.key.span.start:entry.key.span.end]
            if item.key != entry.key.value:
                key_text = self.ctx.key_text(item.key, entry.key.style)
            body = text[entry.key.span.end:entry.value.span.end]
            if self.yaml and "\n" in body:
                if self.ix.comments(entry.key.span.end, entry.value.span.end):
                    raise Unsupported(f"comments in {entry.value.pointer} cannot be re-indented", item.fix)
                return f"{key_text}: {self.ctx.flow_value(to_python(entry.value))}"
            if col is not None:
                body = shift_continuation(body, col - (entry.key.span.column - 1))
            return key_text + body
        # CreatedMapping
        inner_col = None if col is None else col + step
        children = [self.item_text(child, inner_col, multi, step) for child in item.children]
        if multi and not self.yaml and col is not None:
            inner = " " * (col + step)
            body = "{\n" + inner + (",\n" + inner).join(children) + "\n" + " " * col + "}"
        else:
            body = "{" + ", ".join(children) + "}"
        return f"{self.ctx.key_text(item.key)}: {body}"

    def edits(self, mp: MappingPlan) -> list[TextEdit]:
        node = mp.node
        text = self.text
        entries = node.entries
        n = len(entries)
        open_, close = node.span.start, node.span.end - 1
        if text[open_:open_ + 1] != "{" or text[close:close + 1] != "}":
            raise Unsupported(f"the mapping at {node.pointer or '/'} is not delimited by braces", mp.any_fix())
        edits: list[TextEdit] = []
        slots = mp.ordered_slots()
        if n == 0:
            items = [it for _, its in slots for it in its]
            if not items:
                return []
            multi, col, step = self._empty_context(node)
            try:
                rendered = [self.item_text(it, col, multi, step) for it in items]
            except Unsupported:
                # `key: {}` under a block mapping becomes a block mapping when what goes in needs
                # block style (moved text with comments).
                where = self.ix.entries.get(node.pointer)
                if not self.yaml or where is None or where.mapping.style != "":
                    raise
                inner_col = where.mapping.entries[where.index].key.span.column - 1 + self.ctx.block_step(where.mapping)
                body = "".join(self.block.entry_lines(it, inner_col, self.ctx.block_step(where.mapping)) for it in items)
                pos = line_end(text, node.span.end)
                if text[pos - 1:pos] != "\n":
                    body = "\n" + body[:-1]
                return [TextEdit(self.ix.colon_end(where), node.span.end, "", self.ctx.next_seq()), TextEdit(pos, pos, body, self.ctx.next_seq())]
            if multi and col is not None:
                inner = " " * col
                outer = " " * max(col - step, 0)
                body = "\n" + inner + (",\n" + inner).join(rendered) + "\n" + outer
            else:
                body = ", ".join(rendered)
            return [TextEdit(open_ + 1, close, body, self.ctx.next_seq())]
        sepws = self.ctx.separator_whitespace(node)
        multi = "\n" in sepws
        col = len(sepws) - sepws.rfind("\n") - 1 if multi else None
        step = self.ctx.json_step(node) if not self.yaml else 2
        removed = set(mp.removed)
        survivors = [i for i in range(n) if i not in removed]
        if not survivors:
            items = [it for _, its in slots for it in its]
            if not items:
                return [TextEdit(open_ + 1, close, "", self.ctx.next_seq())]
            rendered = [self.item_text(it, col, multi, step) for it in items]
            return [TextEdit(entries[0].key.span.start, entries[-1].value.span.end, ("," + sepws).join(rendered), self.ctx.next_seq())]
        for a, b in runs_of(sorted(removed)):
            if a > 0:
                edits.append(TextEdit(entries[a - 1].value.span.end, entries[b].value.span.end, "", self.ctx.next_seq()))
            else:
                edits.append(TextEdit(entries[0].key.span.start, entries[b + 1].key.span.start, "", self.ctx.next_seq()))
        for p, items in slots:
            rendered = [self.item_text(it, col, multi, step) for it in items]
            before = [s for s in survivors if s < p]
            if before:
                pos = entries[before[-1]].value.span.end
                body = "".join("," + sepws + r for r in rendered)
            else:
                pos = entries[0].key.span.start
                body = "".join(r + "," + sepws for r in rendered)
            edits.append(TextEdit(pos, pos, body, self.ctx.next_seq()))
        return edits

    def _empty_context(self, node: Mapping) -> tuple[bool, int | None, int]:
        """(multi-line, item column, step) for filling an empty JSON/flow mapping."""
        parent = self.ix.parents.get(node.pointer)
        if not self.yaml and isinstance(parent, Mapping) and parent.entries:
            sepws = self.ctx.separator_whitespace(parent)
            if "\n" in sepws:
                step = self.ctx.json_step(parent)
                return True, indent_of_line(self.text, node.span.start) + step, step
        return False, None, 2
