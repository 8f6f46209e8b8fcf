"""What a pass does to each mapping: the entries it removes and the entries it inserts where (new
keys, moved entries, mappings created to receive moved entries), planned jointly so that the edits
of one mapping never overlap."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from ftspec.compiler.nodes import Mapping
from ftspec.migrate.tree_index import EntryAt


@dataclass
class NewEntry:
    fix: int
    key: str
    value: Any
    first: bool
    seq: int


@dataclass
class MovedEntry:
    fix: int
    source: EntryAt
    key: str
    seq: int
    first: bool = False


@dataclass
class CreatedMapping:
    fix: int
    key: str
    children: list[MovedEntry]
    seq: int
    first: bool = False


PlannedItem = Union[NewEntry, MovedEntry, CreatedMapping]


@dataclass
class MappingPlan:
    node: Mapping
    removed: dict[int, tuple[int, bool]] = field(default_factory=dict)
    """entry index -> (fix, moved)"""
    slots: dict[int, list[PlannedItem]] = field(default_factory=dict)
    """position (insert before entry i; len(entries) = last) -> items"""

    def add(self, slot: int, item: PlannedItem) -> None:
        self.slots.setdefault(slot, []).append(item)

    def any_fix(self) -> int | None:
        """A fix that edits this mapping, to blame when its edits cannot be written."""
        for fix, _moved in self.removed.values():
            return fix
        for items in self.slots.values():
            for item in items:
                return item.fix
        return None

    def ordered_slots(self) -> list[tuple[int, list[PlannedItem]]]:
        return [(p, sorted(items, key=lambda it: (0 if getattr(it, "first", False) else 1, it.seq))) for p, items in sorted(self.slots.items())]


def runs_of(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs
