"""Which parser reads a YAML text, and the loop that feeds its events to the builder.

The events come from ruamel.yaml's C parser (libyaml, installed with `ruamel.yaml[oldlibyaml]`,
a dependency; or `ruamel.yaml.clibz`), some 25x faster than the pure-Python one, wherever the two
read the text alike: the C reading is dropped, and the text loaded again with the pure parser,
for text with tabs or YAML 1.1 line breaks, for a directive or a second document, for a tag or
name that libyaml delimits differently, and for any syntax error or refusal (so FT001 quotes
ruamel's own message and position). Without the C parser everything goes through the pure one.
Both ways give the same tree and findings (tests/test_source.py compares them), and which one
reads a file depends on that file's text only.

ruamel.yaml is imported on the first YAML text, never for JSON.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Callable, Iterator

from ftspec.compiler.diagnostics import Collector
from ftspec.compiler.located import START, Stop, report_stop
from ftspec.compiler.nodes import Node, Span
from ftspec.compiler.rules import source as rules
from ftspec.compiler.yaml_events import Fallback, YamlBuilder

_TAB_PROBLEM = r"'\\t'|\btabs?\b"
# Characters that libyaml (YAML 1.1) and ruamel's pure parser (YAML 1.2) treat differently:
# tabs (libyaml accepts some as separation where ruamel refuses them), the YAML 1.1 line breaks
# NEL, LS and PS, and a byte-order mark inside the text.
_NOT_FOR_C = "\t\x85\u2028\u2029\ufeff"

_c_parser_class: Any = None
"""The C parser class once looked up; False when there is none."""


def load_yaml(text: str, collector: Collector) -> Node | None:
    """The root node of the first document of `text`, or None after reporting why there is none.

    Read with the C parser when it is installed and reads `text` as the pure one does, else with
    the pure parser (see the module's docstring); the findings of a dropped C reading are removed.
    """
    if _c_parser() is not None and _c_may_read(text):
        mark = len(collector.diagnostics)
        try:
            return _load_yaml_c(text, collector)
        except Fallback:
            del collector.diagnostics[mark:]
    return _load_yaml_pure(text, collector)


def _c_may_read(text: str) -> bool:
    """Whether `text` is free of the characters that the C and the pure parser read differently."""
    return not any(c in text for c in _NOT_FOR_C)  # five scans beat compiling a character class


def _c_parser() -> Any:
    """ruamel's C parser (libyaml, from ruamel.yaml.clib or ruamel.yaml.clibz), or None."""
    global _c_parser_class
    if _c_parser_class is None:
        _c_parser_class = False
        for name in ("_ruamel_yaml", "_ruamel_yaml_clibz"):
            try:
                _c_parser_class = __import__(name).CParser
                break
            except (ImportError, AttributeError):
                continue
    return _c_parser_class or None


def _load_yaml_c(text: str, collector: Collector) -> Node | None:
    """The C parser's reading; raises Fallback where it may differ from the pure parser's."""
    try:
        parser = _c_parser()(text)
    except Exception:  # e.g. a lone surrogate, which has no UTF-8 form
        raise Fallback from None
    return build(YamlBuilder(text, collector), parser.get_event, True)


def _load_yaml_pure(text: str, collector: Collector) -> Node | None:
    events = _pure_events(text)
    try:
        return build(YamlBuilder(text, collector), partial(next, events, None), False)
    finally:
        events.close()


def _pure_events(text: str) -> Iterator[Any]:
    """The events of ruamel's pure parser, as `YAML(typ="safe", pure=True).parse(text)` gives them:
    a generator, so that an error in reading the text (even its first character) comes with the
    first event asked for. A directive (`%YAML`, `%TAG`) is followed: the YAML object keeps track
    of the version and tag handles it sets."""
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).parse(text)


def build(builder: YamlBuilder, next_event: Callable[[], Any], fast: bool) -> Node | None:
    """Build the tree of `builder` from `next_event()` (an event, or None after the last one).

    `fast`: the events come from the C parser, which stands in for the pure one only where
    the two agree, so anything the pure parser may report differently (a syntax error, a
    refusal, a directive) raises Fallback instead of being reported.
    """
    from ruamel.yaml.events import (
        AliasEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    collector = builder.collector
    builder.fast = fast
    scalar, start, end, alias = builder.scalar, builder.start, builder.end, builder.alias
    documents = 0
    second: Span | None = None
    try:
        while True:
            try:
                ev = next_event()
            except Exception as exc:  # ruamel raises many error types; none may escape
                if fast:
                    raise Fallback from None
                if documents > 1:
                    collector.report(rules.MULTIPLE_DOCUMENTS, second, count=documents)
                _report_yaml_error(builder, exc)
                return None
            if ev is None:
                break
            cls = type(ev)
            if cls is ScalarEvent:
                if documents < 2:
                    scalar(ev)
            elif cls is MappingStartEvent:
                if documents < 2:
                    start(ev, True)
            elif cls is SequenceStartEvent:
                if documents < 2:
                    start(ev, False)
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                if documents < 2:
                    end(ev)
            elif cls is AliasEvent:
                if documents < 2:
                    alias(ev)
            elif cls is DocumentStartEvent:
                # Later documents are parsed only to count them (and to find syntax errors);
                # the C parser's events are checked only while they are built, so a second
                # document, like a directive, goes to the pure parser.
                if fast and (documents or ev.version is not None or ev.tags is not None):
                    raise Fallback
                documents += 1
                if documents == 2:
                    second = builder.span(ev.start_mark.index, ev.end_mark.index)
    except Stop as stop:
        if fast:
            raise Fallback from None
        report_stop(stop, builder.text, builder.span, collector, "YAML")
        return None
    if documents > 1:
        collector.report(rules.MULTIPLE_DOCUMENTS, second, count=documents)
    if documents == 0 or builder.root_empty:
        collector.report(rules.EMPTY_DOCUMENT, START)
        return None
    if builder.failed:
        return None
    return builder.root

def _report_yaml_error(builder: YamlBuilder, exc: Exception) -> None:
    text = builder.text
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    position = getattr(exc, "position", None)  # ReaderError
    if mark is not None and isinstance(getattr(mark, "index", None), int):
        pos = mark.index
    elif isinstance(position, int):
        pos = position
    else:
        pos = len(text)
    pos = max(0, min(pos, len(text)))
    if problem:
        reason = str(problem)
        context = getattr(exc, "context", None)
        context_mark = getattr(exc, "context_mark", None)
        context_at = getattr(context_mark, "index", None)
        if context and isinstance(context_at, int) and context_at != pos:
            context_at = max(0, min(context_at, len(text)))
            where = builder.span(context_at, context_at)
            reason += f" ({context} at line {where.line}, column {where.column})"
    else:
        lines = str(exc).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
    at = builder.span(pos, min(pos + 1, len(text)))
    pointer = builder.child_pointer()  # where the parser was when it stopped
    if (pos < len(text) and text[pos] == "\t") or re.search(_TAB_PROBLEM, reason, re.I):
        builder.collector.report(rules.TAB_INDENTATION, at, pointer=pointer)
    else:
        builder.collector.report(rules.PARSE_ERROR, at, pointer=pointer, format="YAML", reason=reason)


