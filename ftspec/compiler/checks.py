"""Checks on a compiled study: Optuna behaviours that would silently change what the IR says.

A check is a small function `(study, ctx) -> None` registered with `@study_check`; it reads the
resolved IR and reports through `ctx`, which knows the node each IR field was read from so that
the finding points at the key the user wrote (for example at `sample:` in a legacy block, at
`sampler:` in a v2 one). Checks never walk the source tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ftspec.compiler.diagnostics import Collector, Fix, Rule
from ftspec.compiler.nodes import Node
from ftspec.ir import Study


@dataclass
class CheckContext:
    collector: Collector
    block: Node
    """The `finetune_params` node the study came from."""
    fields: dict[str, Node] = field(default_factory=dict)
    """IR field name (e.g. "sampler", "n_trials", "n_jobs", "seed", "storage", "pruner",
    "approach", "eval_mode", "metric", "direction") -> the node it was read from."""
    nodes_by_pointer: dict[str, Node] = field(default_factory=dict)
    """Every node of the block by pointer (to locate space entries from `entry.source.pointer`)."""

    def at(self, *names: str) -> Node:
        """The node of the first named field that was written, else the block."""
        for name in names:
            if name in self.fields:
                return self.fields[name]
        return self.block

    def at_pointer(self, pointer: str) -> Node:
        return self.nodes_by_pointer.get(pointer, self.block)

    def report(self, rule: Rule, at: Node, fix: Fix | None = None, **args: Any) -> None:
        self.collector.report(rule, at, fix, **args)


StudyCheck = Callable[[Study, CheckContext], None]
STUDY_CHECKS: list[StudyCheck] = []


def study_check(fn: StudyCheck) -> StudyCheck:
    """Register a check run on every compiled study (registration by import: the rule modules of
    ftspec/compiler/rules/ import this one, never the other way round)."""
    STUDY_CHECKS.append(fn)
    return fn


def run_study_checks(study: Study, ctx: CheckContext) -> None:
    """Run the checks registered so far: those of the rule modules imported
    (`ftspec.compiler.rules.all_rules()` imports them all; `compile_document` calls it)."""
    for check in STUDY_CHECKS:
        check(study, ctx)
