"""Lines and indentation of the original text: where lines start and end, re-indenting a block."""

from __future__ import annotations


def line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def line_end(text: str, pos: int) -> int:
    """Offset just after the newline ending the line that holds `pos` (or the end of the text)."""
    i = text.find("\n", pos)
    return len(text) if i < 0 else i + 1


def indent_of_line(text: str, pos: int) -> int:
    start = line_start(text, pos)
    i = start
    while i < len(text) and text[i] == " ":
        i += 1
    return i - start


def shift_lines(block: str, delta: int) -> str:
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


def shift_continuation(chunk: str, delta: int) -> str:
    """Re-indent the lines after the first (a value that starts mid-line)."""
    if delta == 0 or "\n" not in chunk:
        return chunk
    first, rest = chunk.split("\n", 1)
    return first + "\n" + shift_lines(rest, delta)



def comment_cut(line: str) -> int:
    """Where a trailing comment starts in a line (naive about quotes; only used to find tokens)."""
    for i, c in enumerate(line):
        if c == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return len(line)
