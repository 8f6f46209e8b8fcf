"""Text edits on a document's original text, and the errors and results of planning them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence as Seq


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
