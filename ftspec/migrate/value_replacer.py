"""`replace_value` as text: JSON inline, YAML flow, or a YAML block mapping that keeps the text (and
the comments) of the parts of the old value it reuses."""

from __future__ import annotations

from typing import Any

from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, to_python
from ftspec.migrate import render
from ftspec.migrate.edit_context import EditContext
from ftspec.migrate.text_edit import TextEdit, Unsupported
from ftspec.migrate.text_layout import line_start, shift_lines


class ValueReplacer:
    """`replace_value`: the new value in the file's style, in place of the old one."""

    def __init__(self, ctx: EditContext) -> None:
        self.ctx = ctx
        self.ix = ctx.index
        self.text = ctx.text
        self.yaml = ctx.yaml

    def replace(self, pointer: str, value: Any) -> list[TextEdit]:
        node = self.ix.node(pointer)
        text = self.text
        start, end = node.span.start, node.span.end
        if not self.yaml:
            return [TextEdit(start, end, render.json_value(value), self.ctx.next_seq())]
        if isinstance(node, Scalar) or node.style == "flow" or self.ix.is_alias(node):
            if not isinstance(node, Scalar) and "\n" in text[start:end] and self.ix.comments(start, end):
                raise Unsupported(f"comments inside the flow value at {pointer}")
            style = node.style if isinstance(node, Scalar) and isinstance(value, str) else ""
            rendered = render.yaml_flow(value, style)
            if start == end and start > 0 and text[start - 1] in ":-":
                rendered = " " + rendered
            return [TextEdit(start, end, rendered, self.ctx.next_seq())]
        # A block collection: it starts on a line of its own, below its key.
        where = self.ix.entries.get(pointer)
        if where is None or where.mapping.style != "":
            raise Unsupported(f"the block collection at {pointer} is not the value of a block mapping key")
        parent_col = where.mapping.entries[where.index].key.span.column - 1
        first_line = line_start(text, start)
        if text[first_line:start].strip():
            raise Unsupported(f"the block collection at {pointer} does not start its line")
        node_col = node.span.column - 1
        col = node_col if node_col > parent_col else parent_col + self.ctx.block_step(where.mapping)
        if isinstance(value, dict) and value:
            return [TextEdit(first_line, end, self._block_mapping_text(node, value, col), self.ctx.next_seq())]
        # A scalar (or a list, or {}) goes on the key's line; comments of the old value move above the key.
        colon = self.ix.colon_end(where)
        comments = self.ix.comments(colon, end)
        edits = [TextEdit(colon, end, " " + render.yaml_flow(value), self.ctx.next_seq())]
        if comments:
            key = where.mapping.entries[where.index].key
            key_line = line_start(text, key.span.start)
            if text[key_line:key.span.start].strip():
                raise Unsupported(f"comments inside the value at {pointer}")
            lines = "".join(" " * parent_col + text[a:b] + "\n" for a, b in comments)
            edits.append(TextEdit(key_line, key_line, lines, self.ctx.next_seq()))
        return edits

    def _block_mapping_text(self, node: Node, value: dict[str, Any], col: int) -> str:
        """A block mapping at column `col` replacing the block collection `node`."""
        text = self.text
        pad = " " * col
        lines: list[str] = []
        reused: list[tuple[int, int]] = []
        candidates = [n for n in subtree(node) if not isinstance(n, Scalar)]
        for key, sub in value.items():
            head = pad + render.yaml_key(str(key)) + ":"
            match = next((n for n in candidates if render.strict_equal(to_python(n), sub)), None)
            if match is not None and match.style == "" and not text[line_start(text, match.span.start):match.span.start].strip():
                first = line_start(text, match.span.start)
                body = text[first:match.span.end]
                lines.append(head + "\n" + shift_lines(body, col - (match.span.column - 1)) + "\n")
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



def subtree(node: Node) -> list[Node]:
    out = [node]
    if isinstance(node, Mapping):
        for e in node.entries:
            out.extend(subtree(e.value))
    elif isinstance(node, Sequence):
        for item in node.items:
            out.extend(subtree(item))
    return out
