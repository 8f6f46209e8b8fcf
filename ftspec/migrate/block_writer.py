"""Edits of YAML block mappings."""

from __future__ import annotations

from ftspec.compiler.nodes import Mapping, to_python
from ftspec.migrate import render
from ftspec.migrate.edit_context import EditContext
from ftspec.migrate.mapping_plan import MappingPlan, MovedEntry, NewEntry, PlannedItem, runs_of
from ftspec.migrate.text_edit import TextEdit, Unsupported
from ftspec.migrate.text_layout import line_end, line_start, shift_lines


class BlockMappingWriter:
    """Removals and insertions in a YAML block mapping, whole lines at a time: a removed entry takes
    its lines (its comments stay as comment lines), a moved one brings the comment lines above it."""

    def __init__(self, ctx: EditContext) -> None:
        self.ctx = ctx
        self.ix = ctx.index
        self.text = ctx.text
        self.yaml = ctx.yaml

    def entry_range(self, mapping: Mapping, i: int) -> tuple[int, int, int]:
        """(start of the comment lines directly above, start of the entry, end after its last line)."""
        text = self.text
        entry = mapping.entries[i]
        key = entry.key
        le = line_end(text, max(entry.value.span.end, key.span.end))
        ls = line_start(text, key.span.start)
        if text[ls:key.span.start].strip():
            return key.span.start, key.span.start, le
        col = key.span.column - 1
        floor = line_end(text, max(mapping.entries[i - 1].value.span.end, mapping.entries[i - 1].key.span.end)) if i > 0 else 0
        pos = ls
        while pos > floor:
            prev = line_start(text, pos - 1)
            line = text[prev:pos].rstrip("\r\n")
            body = line.lstrip(" ")
            if prev >= floor and body.startswith("#") and len(line) - len(body) == col:
                pos = prev
            else:
                break
        return pos, ls, le

    def entry_lines(self, item: PlannedItem, col: int, step: int) -> str:
        """Whole lines (each ending with a newline) for an item of a block mapping at column `col`."""
        text = self.text
        pad = " " * col
        if isinstance(item, NewEntry):
            return f"{pad}{render.yaml_key(item.key)}: {render.yaml_flow(item.value)}\n"
        if isinstance(item, MovedEntry):
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
            lcs, _ls, le = self.entry_range(mapping, i)
            chunk = text[lcs:le]
            if not chunk.endswith("\n"):
                chunk += "\n"
            k0, k1 = entry.key.span.start - lcs, entry.key.span.end - lcs
            if item.key != entry.key.value:
                chunk = chunk[:k0] + render.yaml_key(item.key, entry.key.style) + chunk[k1:]
            src_col = entry.key.span.column - 1
            if lcs == entry.key.span.start and text[line_start(text, lcs):lcs].strip():
                chunk = " " * src_col + chunk
            return shift_lines(chunk, col - src_col)
        children = "".join(self.entry_lines(child, col + step, step) for child in item.children)
        return f"{pad}{render.yaml_key(item.key)}:\n{children}"

    def edits(self, mp: MappingPlan) -> list[TextEdit]:
        node = mp.node
        text = self.text
        entries = node.entries
        n = len(entries)
        col = entries[0].key.span.column - 1
        step = self.ctx.block_step(node)
        ranges = [self.entry_range(node, i) for i in range(n)]
        inline_first = ranges[0][1] == entries[0].key.span.start and text[line_start(text, entries[0].key.span.start):entries[0].key.span.start].strip() != ""
        removed = set(mp.removed)
        survivors = [i for i in range(n) if i not in removed]
        slots = mp.ordered_slots()
        edits: list[TextEdit] = []
        fix_of = {i: f for i, (f, _m) in mp.removed.items()}
        if not survivors and not slots:
            raise Unsupported(f"removing every entry of the block mapping at {node.pointer or '/'}", mp.any_fix())
        inline_run_end = -1  # entries 0..inline_run_end are removed by one inline deletion
        for a, b in runs_of(sorted(removed)):
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
                edits.append(TextEdit(lo, hi, "", self.ctx.next_seq()))
                continue
            for i in range(a, b + 1):
                lcs, ls, le = ranges[i]
                fix, moved = mp.removed[i]
                keep = ""
                if not moved:
                    keep = text[lcs:ls] + "".join(" " * col + text[c0:c1] + "\n" for c0, c1 in self.ix.comments(ls, le))
                edits.append(TextEdit(lcs, le, keep, self.ctx.next_seq()))
        for p, items in slots:
            body = "".join(self.entry_lines(it, col, step) for it in items)
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
            edits.append(TextEdit(pos, pos, body, self.ctx.next_seq()))
        return edits
