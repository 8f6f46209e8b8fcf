"""The located tree: JSON and YAML documents as nodes that know where they were written.

Every node carries a `Span` (0-based character offsets into the decoded text, and 1-based
line/column of its first character and of the position just after its last one, columns
counted in characters) and its RFC 6901 pointer. Front-ends read values from these nodes and
report findings at them; fixes edit the original text at their offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Union

from ftspec._record import Shown


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node (or a finding) was written in the decoded text."""

    start: int
    """0-based offset of the first character in the decoded text."""
    end: int
    """0-based offset just after the last character."""
    line: int
    column: int
    end_line: int
    end_column: int
    """1-based column just after the last character (exclusive, as SARIF and LSP)."""


ScalarValue = Union[str, int, float, bool, None]


@dataclass(eq=False, repr=False, slots=True)
class Scalar(Shown):
    """A string, number, boolean or null."""

    value: ScalarValue
    span: Span
    pointer: str
    style: str = ""
    """How it was written: JSON `"` for strings, else ""; YAML "", "'", '"', "|" or ">"."""
    tag: str | None = None
    """Explicit YAML tag if one was written (e.g. "!!str"), else None."""


@dataclass(eq=False, repr=False, slots=True)
class Entry(Shown):
    """One key/value pair of a mapping."""

    key: Scalar
    value: Node


@dataclass(eq=False, repr=False, slots=True)
class Mapping(Shown):
    """An object / mapping. `entries` keeps every pair in file order, duplicates included."""

    entries: list[Entry]
    span: Span
    pointer: str
    style: str = ""
    """YAML: "flow" for `{...}`, "" for block; JSON: "flow"."""
    _index: dict[Any, Entry] | None = field(default=None, repr=False)

    def entry(self, key: str) -> Entry | None:
        """The entry for `key`; with duplicate keys, the last one (what json.load and PyYAML keep)."""
        if self._index is None:
            self._index = {e.key.value: e for e in self.entries}
        return self._index.get(key)

    def get(self, key: str) -> Node | None:
        found = self.entry(key)
        return found.value if found is not None else None

    def require(self, key: str) -> Entry:
        """The entry for `key`, which the caller has checked is present: a missing key is a bug in
        the caller, raised as KeyError (use `entry`/`get` where absence is a case to handle)."""
        found = self.entry(key)
        if found is None:
            raise KeyError(f"{self.pointer or '/'} has no key {key!r}")
        return found

    def __contains__(self, key: object) -> bool:
        if self._index is None:
            self._index = {e.key.value: e for e in self.entries}
        return key in self._index

    def keys(self) -> list[Any]:
        """Distinct keys in order of first appearance."""
        seen: dict[Any, None] = {}
        for e in self.entries:
            seen.setdefault(e.key.value, None)
        return list(seen)

    def items(self) -> Iterator[tuple[Any, Node]]:
        """Distinct (key, value) pairs, first-appearance order, last value wins."""
        for key in self.keys():
            yield key, self.require(key).value


@dataclass(eq=False, repr=False, slots=True)
class Sequence(Shown):
    """An array / sequence."""

    items: list[Node]
    span: Span
    pointer: str
    style: str = ""
    """YAML: "flow" for `[...]`, "" for block; JSON: "flow"."""


Node = Union[Scalar, Mapping, Sequence]


def escape_pointer_token(token: str) -> str:
    """RFC 6901 escaping of one reference token."""
    return token.replace("~", "~0").replace("/", "~1")


def child_pointer(parent: str, token: ScalarValue) -> str:
    """The pointer of a child: an index, or a mapping key of any scalar type (YAML keys may be
    numbers, booleans or null), written as its `str`."""
    return f"{parent}/{escape_pointer_token(str(token))}"


def to_python(node: Node) -> Any:
    """The plain value of a node (dicts, lists, scalars); with duplicate keys the last value wins."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Sequence):
        return [to_python(item) for item in node.items]
    return {key: to_python(value) for key, value in node.items()}


def index_nodes(root: Node) -> dict[str, Node]:
    """Every node of a subtree by pointer."""
    found: dict[str, Node] = {}
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        found[node.pointer] = node
        if isinstance(node, Mapping):
            stack.extend(e.value for e in node.entries)
        elif isinstance(node, Sequence):
            stack.extend(node.items)
    return found
