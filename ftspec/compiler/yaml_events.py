"""YAML parse events to the located tree: the builder that `yaml_loader` feeds with ruamel.yaml's
events (never its constructors, so no tag can build an object), from its C parser or its pure one.

Aliases: an alias means a copy of the anchored node, and every node of the copy gets the
alias's span (the text that stands for the value there) and its own pointers. Findings about the
anchored node's content (FT002, FT014, ...) are reported once, at the anchor. Merge keys (`<<`)
are applied as ruamel and PyYAML apply them.
"""

from __future__ import annotations

import math
import re
from typing import Any, cast

from ftspec.compiler.diagnostics import Collector
from ftspec.compiler.located import MAX_DEPTH, Stop, spanner
from ftspec.compiler.nodes import Entry, Mapping, Node, Scalar, Sequence, Span, child_pointer
from ftspec.compiler.rules import source as rules
from ftspec.compiler.yaml_scalars import (
    MAP_TAG,
    SAME_IN_BOTH,
    SCALAR_TAGS,
    SEQ_TAG,
    Y11_BOOL,
    Y11_FIRST,
    Y11_LETTERS,
    YAML_PREFIX,
    display_tag,
    key_string,
    resolve_core,
    tagged_scalar,
    type_name,
    version_difference,
)


class Fallback(Exception):
    """The C event source cannot stand in for the pure parser on this input."""


MAX_ALIAS_NODES = 100_000
"""Most nodes that YAML aliases (and merge keys) may add by copying anchored nodes."""

_PROPERTY = re.compile(r"!<[^>]*>|[!&][^ \t\r\n,\[\]{}]*")
_SPACE_COMMENTS = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)*")
# For the C parser's events: the tags and names it reads as the pure parser does
_SIMPLE_TAG = r"!(?:!([A-Za-z0-9_-]+)|([A-Za-z0-9_-]*))"
_AFTER_NAME = frozenset(" \r\n,[]{}")
_BLOCK_HEADER_COMMENT = r"[|>][-+0-9]*#"
_BLOCK_LEADING_BLANK = r"[|>][^\r\n]*(?:\r\n?|\n) *(?:[\r\n]|\Z)"


class _Frame:
    """An open mapping or sequence while its events arrive."""

    __slots__ = (
        "is_map", "pointer", "start", "raw", "flow", "anchor", "anchor_line", "items", "entries",
        "key", "key_merge", "merges", "seen", "size", "height", "first_raw", "last_end",
    )

    def __init__(self, is_map: bool, pointer: str, start: int, raw: int, flow: bool) -> None:
        self.is_map = is_map
        self.pointer = pointer
        self.start = start
        self.raw = raw
        self.flow = flow
        self.anchor: str | None = None
        self.anchor_line = 0
        self.items: list[Node] = []
        self.entries: list[Entry] = []
        self.key: Scalar | None = None
        self.key_merge = False
        self.merges: list[tuple[int, Node, Scalar]] = []
        self.seen: dict[str, Scalar] = {}
        self.size = 1
        self.height = 1
        self.first_raw = -1
        self.last_end = start


class YamlBuilder:
    """Builds the located tree of one document, one parse event at a time (`yaml_loader.build`
    dispatches the events: `scalar`, `start`, `end`, `alias`)."""

    def __init__(self, text: str, collector: Collector) -> None:
        self.text = text
        self.collector = collector
        self.span = spanner(text)
        self.stack: list[_Frame] = []
        # anchor -> (node, size, height, line); node None while the anchored node is still open
        self.anchors: dict[str, tuple[Node | None, int, int, int]] = {}
        self.copied = 0
        self.failed = False
        self.root: Node | None = None
        self.root_empty = False
        self.fast = False
        """The events come from the C parser (see `yaml_loader.build`)."""

    # -- helpers -----------------------------------------------------------------------------

    def _line(self, pos: int) -> int:
        return self.span(pos, pos).line

    def _props(self, i: int, anchor: str | None, tag: str | None) -> tuple[int, tuple[int, int] | None, int]:
        """Skip the node properties (anchor, tag) at `i`: (content start, tag span, anchor pos).

        From the C parser, the properties are also checked to read as the pure parser reads them.
        """
        text = self.text
        tag_at = None
        anchor_at = i
        while True:
            m = _PROPERTY.match(text, i)
            if m is None:
                break
            if text[i] == "&":
                anchor_at = i
            else:
                tag_at = (i, m.end())
            i = _SPACE_COMMENTS.match(text, m.end()).end()
        if self.fast:
            self._check_props(anchor, tag, tag_at, anchor_at)
        return i, tag_at, anchor_at

    def _check_name(self, indicator: str, name: str, at: int) -> None:
        """C parser only: `&name` or `*name` at `at` ends where the pure parser ends it, else Fallback."""
        text = self.text
        end = at + 1 + len(name)
        if not (text.startswith(indicator + name, at) and (end >= len(text) or text[end] in _AFTER_NAME)):
            raise Fallback

    def _check_props(self, anchor: str | None, tag: str | None, tag_at: tuple[int, int] | None, anchor_at: int) -> None:
        """C parser only: raise Fallback unless the anchor and tag are read as the pure parser reads them.

        libyaml (YAML 1.1) ends names and tags at other characters than ruamel's YAML 1.2
        scanner; a name followed by a space, a line break or a flow indicator, and a tag `!`,
        `!name` or `!!name` (letters, digits, '-' and '_'), mean the same to both.
        """
        text = self.text
        if anchor is not None:
            if tag is not None:
                raise Fallback  # ruamel starts `!tag &anchor x` at the anchor, libyaml at the tag
            self._check_name("&", anchor, anchor_at)
        elif tag is not None:
            m = re.compile(_SIMPLE_TAG).fullmatch(text, *tag_at) if tag_at is not None else None
            if m is None or tag != (YAML_PREFIX + m[1] if m[1] else m[0]):
                raise Fallback

    def child_pointer(self) -> str:
        stack = self.stack
        if not stack:
            return ""
        top = stack[-1]
        if top.is_map:
            key = top.key
            return key.pointer if key is not None else top.pointer
        return f"{top.pointer}/{len(top.items)}"

    def _empty_position(self, pos: int) -> int:
        """Where an empty (implicit null) scalar is: just after its ':' or '-' indicator."""
        stack = self.stack
        if not stack:
            return pos
        top = stack[-1]
        text = self.text
        if top.is_map:
            if top.key is None:
                return pos
            base = top.key.span.end
            indicator = ":"
        else:
            base = top.last_end if top.items else top.start
            indicator = "-"
        p = _SPACE_COMMENTS.match(text, base).end()
        if p < pos and text[p] == indicator:
            return p + 1
        return min(base, pos)

    def _report_tag(self, rule_tag: str, at: tuple[int, int] | None, fallback: int, pointer: str, target: str) -> None:
        """A tag that is not applied: FT005 for a non-standard tag, FT001 for a misplaced standard one."""
        where = self.span(*at) if at is not None else self.span(fallback, fallback)
        name = display_tag(rule_tag)
        if rule_tag.startswith(YAML_PREFIX) and (rule_tag in SCALAR_TAGS or rule_tag in (MAP_TAG, SEQ_TAG)):
            self.failed = True
            self.collector.report(
                rules.PARSE_ERROR, where, pointer=pointer, format="YAML", reason=f"tag {name} cannot apply to {target}"
            )
        else:
            self.collector.report(rules.YAML_TAG, where, pointer=pointer, tag=name)

    # -- tree building -----------------------------------------------------------------------

    def _attach(self, node: Node, size: int, height: int, raw: int) -> None:
        stack = self.stack
        if not stack:
            self.root = node
            return
        top = stack[-1]
        top.size += size
        if height >= top.height:
            top.height = height + 1
        if top.first_raw < 0:
            top.first_raw = raw
        end = node.span.end
        if end > top.last_end:
            top.last_end = end
        if not top.is_map:
            top.items.append(node)
            return
        key = top.key
        if key is None:
            self._take_key(top, node)
            return
        if top.key_merge:
            top.merges.append((len(top.entries), node, key))
            top.key_merge = False
        else:
            top.entries.append(Entry(key, node))
        top.key = None

    def _take_key(self, top: _Frame, node: Node) -> None:
        bad_type = None
        if type(node) is Scalar:
            key = node
            value = node.value
            if type(value) is str:
                text = value
                if value == "<<" and node.style == "" and node.tag is None:
                    # YAML merge key, as ruamel and PyYAML apply it: handled when the mapping closes
                    top.key_merge = True
            else:
                text = key_string(value)
                bad_type = {"a boolean": "boolean", "an int": "number", "a float": "number"}.get(
                    type_name(value), "null"
                )
                key.value = text
        else:
            start, end = node.span.start, node.span.end
            text = " ".join(self.text[start:end].split())
            bad_type = "mapping" if type(node) is Mapping else "sequence"
            key = Scalar(text, node.span, "", "", None)
        key.pointer = child_pointer(top.pointer, text) if "~" in text or "/" in text else top.pointer + "/" + text
        top.key = key
        if bad_type is not None:
            self.collector.report(rules.NON_STRING_KEY, key, key=text, type=bad_type)
        if top.key_merge:
            return
        first = top.seen.setdefault(text, key)
        if first is not key:
            self.collector.report(rules.DUPLICATE_KEY, key, key=text, first_line=first.span.line)

    def scalar(self, ev: Any) -> None:
        text = self.text
        raw = ev.start_mark.index
        start = raw
        end = ev.end_mark.index
        anchor = ev.anchor
        tag = ev.tag
        tag_at = None
        anchor_at = raw
        if anchor is not None or tag is not None:
            start, tag_at, anchor_at = self._props(raw, anchor, tag)
            if start > end:
                start = end
        style = ev.style or ""
        raw_value = ev.value
        if style == "|" or style == ">":
            if self.fast and (
                not self.stack
                or re.compile(_BLOCK_HEADER_COMMENT).match(text, start)
                or re.compile(_BLOCK_LEADING_BLANK).match(text, start)
            ):
                # '|#' is a comment to libyaml and an error to ruamel; ruamel refuses some blank
                # first lines that libyaml accepts; a block scalar at the root may have unindented
                # lines, which the two read differently.
                raise Fallback
            while end > start and text[end - 1] in " \t\r\n":
                end -= 1
        elif start == end and style == "":
            start = end = self._empty_position(start)
        stack = self.stack
        if not stack:
            pointer = ""
        else:  # self.child_pointer(), inline
            top = stack[-1]
            if top.is_map:
                key = top.key
                pointer = key.pointer if key is not None else top.pointer
            else:
                pointer = f"{top.pointer}/{len(top.items)}"

        tag_name = None
        check11 = False
        if tag is None or tag == "!":
            if style == "" and tag is None:
                try:
                    value = resolve_core(raw_value)
                except ValueError:
                    self.failed = True
                    self.collector.report(
                        rules.PARSE_ERROR, self.span(start, end), pointer=pointer, format="YAML",
                        reason="integer has too many digits",
                    )
                    value = raw_value
                c = raw_value[:1]
                check11 = c in Y11_FIRST and (
                    raw_value in Y11_BOOL if c in Y11_LETTERS else SAME_IN_BOTH.match(raw_value) is None
                )
            else:
                value = raw_value
        else:
            tag_name = display_tag(tag)
            value = raw_value
            if tag in SCALAR_TAGS:
                try:
                    value = tagged_scalar(tag, raw_value)
                except ValueError:
                    self.failed = True
                    self.collector.report(
                        rules.PARSE_ERROR, self.span(start, end), pointer=pointer, format="YAML",
                        reason=f"{raw_value!r} is not a valid {tag_name}",
                    )
            else:
                self._report_tag(tag, tag_at, raw, pointer, "a scalar")

        node = Scalar(value, self.span(start, end), pointer, style, tag_name)
        if not stack and raw_value == "" and style == "" and tag is None and anchor is None:
            self.root_empty = True
        self._attach(node, 1, 0, raw)
        if anchor is not None:
            self.anchors[anchor] = (node, 1, 0, self._line(anchor_at))
        if check11:
            diff = version_difference(raw_value, value)
            if diff is not None:
                self.collector.report(rules.YAML_VERSION_SCALAR, node, text=raw_value, yaml12=diff[0], yaml11=diff[1])
        if type(value) is float and not math.isfinite(value):
            self.collector.report(rules.NON_FINITE_NUMBER, node, text=raw_value)

    def start(self, ev: Any, is_map: bool) -> None:
        raw = ev.start_mark.index
        if len(self.stack) >= MAX_DEPTH:
            raise Stop(raw, f"nesting deeper than {MAX_DEPTH} levels", self.child_pointer(), refused=True)
        start = raw
        anchor = ev.anchor
        tag = ev.tag
        tag_at = None
        anchor_at = raw
        if anchor is not None or tag is not None:
            start, tag_at, anchor_at = self._props(raw, anchor, tag)
        frame = _Frame(is_map, self.child_pointer(), start, raw, bool(ev.flow_style))
        if tag is not None and tag != "!" and tag != (MAP_TAG if is_map else SEQ_TAG):
            self._report_tag(tag, tag_at, raw, frame.pointer, "a mapping" if is_map else "a sequence")
        if anchor is not None:
            frame.anchor = anchor
            frame.anchor_line = self._line(anchor_at)
            self.anchors[anchor] = (None, 0, 0, frame.anchor_line)
        self.stack.append(frame)

    def end(self, ev: Any) -> None:
        frame = self.stack.pop()
        if frame.flow:
            start, end = frame.start, ev.end_mark.index
        else:
            # Block collections span from their first key or '-' to the end of their last value.
            start = frame.first_raw if frame.is_map and frame.first_raw >= 0 else frame.start
            end = max(frame.last_end, start)
        style = "flow" if frame.flow else ""
        node: Node
        if frame.is_map:
            entries = self._merge(frame) if frame.merges else frame.entries
            node = Mapping(entries, self.span(start, end), frame.pointer, style)
        else:
            node = Sequence(frame.items, self.span(start, end), frame.pointer, style)
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (node, frame.size, frame.height, frame.anchor_line)
        self._attach(node, frame.size, frame.height, frame.raw)

    def alias(self, ev: Any) -> None:
        name = ev.anchor
        raw = ev.start_mark.index
        if self.fast:
            self._check_name("*", name, raw)
        span = self.span(raw, ev.end_mark.index)
        pointer = self.child_pointer()
        found = self.anchors.get(name)
        if found is None:
            self.failed = True
            reason = f"alias *{name} has no anchor &{name} before it"
            self.collector.report(rules.PARSE_ERROR, span, pointer=pointer, format="YAML", reason=reason)
            self._attach(Scalar(None, span, pointer), 1, 0, raw)
            return
        target, size, height, line = found
        if target is None:
            raise Stop(raw, f"alias *{name} refers to a node that contains it", pointer, refused=True)
        if len(self.stack) + height > MAX_DEPTH:
            raise Stop(raw, f"alias *{name} nests deeper than {MAX_DEPTH} levels", pointer, refused=True)
        if self.copied + size > MAX_ALIAS_NODES:
            raise Stop(raw, f"aliases expand to more than {MAX_ALIAS_NODES} nodes", pointer, refused=True)
        node = self._copy(target, pointer, span)
        self._attach(node, size, height, raw)
        self.collector.report(rules.YAML_ALIAS, span, pointer=node.pointer, anchor=name, anchor_line=line)

    def _copy(self, node: Node, pointer: str, span: Span) -> Node:
        self.copied += 1
        if isinstance(node, Scalar):
            return Scalar(node.value, span, pointer, node.style, node.tag)
        if isinstance(node, Sequence):
            items = [self._copy(item, f"{pointer}/{i}", span) for i, item in enumerate(node.items)]
            return Sequence(items, span, pointer, node.style)
        entries = []
        for entry in node.entries:
            key = entry.key
            sub = child_pointer(pointer, key.value)
            self.copied += 1
            entries.append(Entry(Scalar(key.value, span, sub, key.style, key.tag), self._copy(entry.value, sub, span)))
        return Mapping(entries, span, pointer, node.style)

    def _merge(self, frame: _Frame) -> list[Entry]:
        """Apply `<<` merge keys: entries of the merged mappings whose keys the mapping lacks."""
        taken = set(frame.seen)
        inserts: list[tuple[int, list[Entry]]] = []
        for position, value, key in frame.merges:
            if type(value) is Mapping:
                sources = [value]
            elif type(value) is Sequence and all(type(item) is Mapping for item in value.items):
                sources = cast("list[Mapping]", value.items)  # every item checked just above
            else:
                self.failed = True
                self.collector.report(
                    rules.PARSE_ERROR, key, format="YAML", reason="merge key '<<' needs a mapping or a list of mappings"
                )
                continue
            added: list[Entry] = []
            for source in sources:
                for name in source.keys():
                    if name in taken:
                        continue
                    taken.add(name)
                    entry = source.require(name)
                    sub = child_pointer(frame.pointer, name)
                    _repoint(entry.key, sub)
                    _repoint(entry.value, sub)
                    added.append(entry)
            inserts.append((position, added))
        result: list[Entry] = []
        it = iter(inserts)
        pending = next(it, None)
        for index, entry in enumerate(frame.entries):
            while pending is not None and pending[0] == index:
                result.extend(pending[1])
                pending = next(it, None)
            result.append(entry)
        while pending is not None:
            result.extend(pending[1])
            pending = next(it, None)
        return result


def _repoint(node: Node, pointer: str) -> None:
    """Give a subtree new pointers (merged entries move under the merging mapping)."""
    node.pointer = pointer
    if type(node) is Sequence:
        for i, item in enumerate(node.items):
            _repoint(item, f"{pointer}/{i}")
    elif type(node) is Mapping:
        for entry in node.entries:
            sub = child_pointer(pointer, entry.key.value)
            entry.key.pointer = sub
            _repoint(entry.value, sub)
