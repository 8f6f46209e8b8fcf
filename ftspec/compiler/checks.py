"""The check registry: every rule sits beside its check in `ftspec/compiler/rules/`, registered here.

A rule module (one per family: `structure` FT1xx, `space` FT2xx, `study` FT3xx, `optuna` FT4xx,
`campaign` FT6xx; the linter's own FT5xx in `ftspec/lint/rules.py`) holds its rules (`define(...)`,
with their docs) and the functions that detect them; a finding is reported from the module that
defines its rule (`tests/test_rule_modules.py` checks it). The front-ends never format a finding:
they call checks and assemble the IR. There are two kinds of checks, both registered by decorator
when their module is imported (`ftspec.compiler.rules.all_rules()` imports every module of the
package):

- Key readers, `@legacy_key("approach")`: a function `(lo, node, *context) -> value` that gets the
  key's node (None when the block does not have the key), reports through `lo` and returns the
  lowered value. The front-end calls `LEGACY_KEYS.read("approach", lo, ctx.has_folds)`, where
  `*context` is what that reader documents it needs (the pipeline context, the approach read before,
  the space); the keys of a dialect are the registry's keys. A reader that also reads sibling keys
  registers them too (`@legacy_key("metric", "direction")`). A key that has no place in the IR
  has a check instead (`@legacy_key_check("verbose")`), which the front-end runs on every block
  without naming it. Spec forms work the same way
  (`@legacy_spec_type("sorted_tuple")`, dispatched by the value of a spec's `type`). The v2
  front-end has its own registries, used the same way: `@v2_key("sampler")` readers
  (`V2_KEY_READERS.read("sampler", lo)`) and `@v2_spec_type("categorical")` lowerings; its keys
  are the `V2Field`s of `ftspec/schema/v2_fields.py`, and a `carried` key has no reader of its
  own (`rules.study.read_carried_key` reads it from its field). Campaign files (`rules/campaign.py`)
  have two: `@campaign_key("budget")` reads a key of the `campaign` mapping, `@stage_key("seeds")`
  a key of one stage (`lo.block` is that mapping, whose keys are its registry's names);
  `ftspec/campaign/compile.py` calls them stage by stage, then the checks across stages (seeds
  reused, stages scored differently, the budget) that sit beside them as plain functions.
- Study checks, `@study_check`: a function `(study, lo) -> None` run on every compiled study; it
  reads the resolved IR and reports through `lo`, where the front-end recorded the node each IR
  field was read from, so that the finding points at the key the user wrote (for example at
  `sample:` in a legacy block, at `sampler:` in a v2 one).

Checks never walk the source tree; helpers that report a generic finding (`read_int` reporting
FT111 wrong-type) sit beside that rule in `rules/structure.py` and are called by the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from ftspec.compiler.diagnostics import Collector, Fix, Rule
from ftspec.compiler.nodes import Mapping, Node, index_nodes
from ftspec.ir import Study


@dataclass
class Lowering:
    """State of one block's compilation, from its front-end through the study checks: where to
    report, and which node each IR field came from."""

    collector: Collector
    block: Mapping
    """The `finetune_params` node the study comes from."""
    fields: dict[str, Node] = field(default_factory=dict)
    """IR field name (e.g. "sampler", "n_trials", "n_jobs", "seed", "storage", "pruner",
    "approach", "eval_mode", "metric", "direction") -> the node it was read from."""
    _index: dict[str, Node] | None = None

    @property
    def nodes_by_pointer(self) -> dict[str, Node]:
        """Every node of the block by pointer (built on first use)."""
        if self._index is None:
            self._index = index_nodes(self.block)
        return self._index

    def at(self, *names: str) -> Node:
        """The node of the first named field that was written, else the block."""
        for name in names:
            if name in self.fields:
                return self.fields[name]
        return self.block

    def node_at(self, pointer: str) -> Node:
        """The node at `pointer` (a space entry's `source.pointer`), else the block."""
        return self.nodes_by_pointer.get(pointer, self.block)

    def report(self, rule: Rule, at: Node | None, fix: Fix | None = None, **args: Any) -> None:
        self.collector.report(rule, at if at is not None else self.block, fix, **args)


Reader = TypeVar("Reader", bound=Callable[..., Any])


class Readers:
    """The readers of one dialect's keys (or of one family of forms), each under the names it reads."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._by_name: dict[str, Callable[..., Any]] = {}

    def register(self, name: str, *also: str) -> Callable[[Reader], Reader]:
        """Decorator: the reader of `name`, which also reads the sibling keys `also`."""

        def add(reader: Reader) -> Reader:
            for key in (name, *also):
                if key in self._by_name:
                    raise ValueError(f"{self.what} {key!r} has two readers")
                self._by_name[key] = reader
            return reader

        return add

    def names(self) -> tuple[str, ...]:
        """Every registered name, in registration order."""
        return tuple(self._by_name)

    def get(self, name: Any) -> Callable[..., Any] | None:
        """The reader of `name` (a value as written: None for anything that is not a registered string)."""
        return self._by_name.get(name) if isinstance(name, str) else None

    def read(self, key: str, lo: Lowering, *context: Any) -> Any:
        """Call the reader of block key `key` with the key's node (None when the block lacks it)."""
        return self._by_name[key](lo, lo.block.get(key), *context)


LEGACY_KEYS = Readers("legacy key")
legacy_key = LEGACY_KEYS.register
"""`@legacy_key("approach")`: the reader of a legacy finetune_params key."""
LEGACY_KEY_CHECKS = Readers("legacy key check")
legacy_key_check = LEGACY_KEY_CHECKS.register
"""`@legacy_key_check("verbose")`: a check `(lo, node) -> None` of a key nirs4all read that has no
place in the IR; the legacy front-end runs every one on every block."""
LEGACY_SPEC_TYPES = Readers("legacy spec type")
legacy_spec_type = LEGACY_SPEC_TYPES.register
"""`@legacy_spec_type("categorical")`: the lowering of a legacy mapping spec by its `type`."""
V2_KEY_READERS = Readers("v2 key")
v2_key = V2_KEY_READERS.register
"""`@v2_key("sampler")`: the reader of a v2 study key (the keys are `ftspec.schema.v2_fields.V2_KEYS`;
a `carried` key has no reader of its own: `rules.study.read_carried_key` reads it from its `V2Field`)."""
V2_SPEC_TYPES = Readers("v2 spec type")
v2_spec_type = V2_SPEC_TYPES.register
"""`@v2_spec_type("categorical")`: the lowering of a v2 parameter spec by its `type`."""
CAMPAIGN_KEYS = Readers("campaign key")
campaign_key = CAMPAIGN_KEYS.register
"""`@campaign_key("budget")`: the reader of a key of a campaign file's `campaign` mapping."""
STAGE_KEYS = Readers("stage key")
stage_key = STAGE_KEYS.register
"""`@stage_key("seeds")`: the reader of a key of one stage of a campaign's `stages`."""


StudyCheck = Callable[[Study, Lowering], None]
STUDY_CHECKS: list[StudyCheck] = []


def study_check(fn: StudyCheck) -> StudyCheck:
    """Register a check run on every compiled study (registration by import: the rule modules of
    ftspec/compiler/rules/ import this one, never the other way round)."""
    STUDY_CHECKS.append(fn)
    return fn


def run_study_checks(study: Study, ctx: Lowering) -> None:
    """Run the checks registered so far: those of the rule modules imported
    (`ftspec.compiler.rules.all_rules()` imports them all; `compile_document` calls it)."""
    for check in STUDY_CHECKS:
        check(study, ctx)
