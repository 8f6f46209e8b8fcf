"""Pipeline walking: find every `finetune_params` (and MetaModel `finetune_space`) block in a file.

A file may be a pipeline (`{"pipeline": [...]}` or a bare list of steps, with nested branches), a
single step, or a bare `finetune_params` object. The walk visits the whole tree (branches such as
`dispatch`, `feature_augmentation`, stacking `base_learners` included) and remembers, for each
list of steps, whether a splitter step came before, so that the legacy front-end can tell whether
the model had folds. Each block also keeps its trail (the nodes from the root down to the mapping
that holds the block key), from which `frontends.pipeline` reads the steps that lead to the model;
recording it costs one list append per visited container, nothing is interpreted here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ftspec._record import Fields
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence
from ftspec.schema.v2_fields import V2_FIELDS

BLOCK_KEYS = ("finetune_params", "finetune_space")
# Keys of the legacy dialect that only a finetune_params object has (the v2 ones are flagged in V2_FIELDS).
_LEGACY_MARKERS = (
    "sample", "timeout", "engine", "cv_mode", "param_strategy", "inner_cv", "outer_cv", "use_full_train_for_final",
    "tuner", "training_params", "nb_trials",
)
BARE_MARKERS = tuple(f.name for f in V2_FIELDS if f.bare_marker) + _LEGACY_MARKERS
"""Keys that only a finetune_params object has; a file with none of them (say package.json) is
not a config. A bare file of hyperparameters only (`{"C": [...]}`) is therefore not recognised:
put it under `finetune_params`."""
_SPLITTER = re.compile(r"(model_selection\.|KFold$|ShuffleSplit$|Split$|LeaveOneOut$|LeavePOut$|SPXY|KennardStone)")


@dataclass(eq=False, repr=False)
class Block(Fields):
    """One `finetune_params` / `finetune_space` block found in a file, with what the walk saw around it."""

    node: Node
    """The block's value (a mapping when well-formed)."""
    key: Scalar | None
    """The `finetune_params`/`finetune_space` key (None for a bare file)."""
    kind: str
    """"finetune_params", "finetune_space" or "bare"."""
    study_id: str
    model_class: str | None
    has_folds: bool | None
    trail: tuple[Node, ...] = ()
    """The nodes from the file's root down to the mapping that holds the block key (both included)."""


def _class_of(node: Node | None) -> str | None:
    if isinstance(node, Scalar) and isinstance(node.value, str):
        return node.value
    if isinstance(node, Mapping):
        for key in ("class", "function"):
            value = node.get(key)
            if isinstance(value, Scalar) and isinstance(value.value, str):
                return value.value
    return None


def is_splitter_class(name: str) -> bool:
    """A class path that names a splitter (sklearn model_selection, *KFold, *Split, SPXY, ...)."""
    return bool(_SPLITTER.search(name))


def _is_splitter(step: Node) -> bool:
    if isinstance(step, Scalar):  # a bare class path step, as nirs4all reads a dotted string
        return isinstance(step.value, str) and is_splitter_class(step.value)
    if not isinstance(step, Mapping):
        return False
    if "split" in step:
        return True
    cls = _class_of(step)
    return cls is not None and is_splitter_class(cls)


def find_blocks(root: Node | None) -> list[Block]:
    if root is None:
        return []
    blocks: list[Block] = []
    _visit(root, blocks, step=None, folds=None, trail=[])
    if not blocks and isinstance(root, Mapping) and any(k in root for k in BARE_MARKERS):
        blocks.append(Block(root, None, "bare", "finetune_params", None, None, (root,)))
    _unique_ids(blocks)
    return blocks


def _visit(node: Node, blocks: list[Block], step: Mapping | None, folds: bool | None, trail: list[Node]) -> None:
    # Iterative over siblings, recursive over depth (the loader bounds depth). `trail` is one list
    # pushed and popped along the way, copied only when a block is found.
    if isinstance(node, Sequence):
        seen_splitter = False if folds is None else folds
        trail.append(node)
        for item in node.items:
            if _is_splitter(item):
                seen_splitter = True
            _visit(item, blocks, step=item if isinstance(item, Mapping) else step, folds=seen_splitter, trail=trail)
        trail.pop()
        return
    if not isinstance(node, Mapping):
        return
    trail.append(node)
    for entry in node.entries:
        key = entry.key.value
        if key in BLOCK_KEYS and node.entry(key) is entry:
            owner = step if step is not None else node
            # finetune_params sits on a step beside `model`; finetune_space inside the meta-model's
            # params, beside the inner `model` it tunes.
            model = _class_of(node.get("model")) or (_class_of(node) if key == "finetune_space" else None)
            name = owner.get("name") if isinstance(owner, Mapping) else None
            study_id = name.value if isinstance(name, Scalar) and isinstance(name.value, str) and name.value else entry.value.pointer
            blocks.append(Block(entry.value, entry.key, key, study_id, model, folds, tuple(trail)))
            continue
        _visit(entry.value, blocks, step if not (isinstance(entry.value, Mapping) and step is None) else step, folds, trail)
    trail.pop()


def _unique_ids(blocks: list[Block]) -> None:
    seen: set[str] = set()
    for block in blocks:
        if block.study_id in seen:
            block.study_id = block.node.pointer
        seen.add(block.study_id)
