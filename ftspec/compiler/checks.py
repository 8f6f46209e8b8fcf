"""Checks on a compiled study: Optuna behaviours that would silently change what the IR says.

A check is a small function `(study, ctx) -> None` registered with `@study_check`; it reads the
resolved IR and reports through `ctx`, the block's `Lowering`: the front-end recorded there the
node each IR field was read from, so that the finding points at the key the user wrote (for
example at `sample:` in a legacy block, at `sampler:` in a v2 one). Checks never walk the source
tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ftspec.compiler.diagnostics import Collector, Fix, Rule
from ftspec.compiler.nodes import Mapping, Node, index_nodes
from ftspec.ir import Study


@dataclass
class Lowering:
    """State of one block's compilation, from its front-end through the study checks: where to
    report, and which node each IR field came from (the front-ends import it from
    `ftspec.compiler.frontends.common`)."""

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
