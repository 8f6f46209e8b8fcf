"""The plain value a batch of fixes should produce, to check the edited text against."""

from __future__ import annotations

import copy
from typing import Any, Sequence as Seq, cast

from ftspec.compiler.diagnostics import Fix
from ftspec.migrate.text_edit import join_pointer, split_pointer


def expected_value(value: Any, fixes: Seq[Fix]) -> Any:
    """The plain value after `fixes` (in order), with the planner's placement rules.

    Every op's pointers refer to the tree before the batch; renames and moves made by earlier ops
    are followed (the planner guarantees that no op reaches inside a replaced or moved subtree).
    """
    root = copy.deepcopy(value)
    firsts: dict[int, int] = {}
    moves: list[tuple[str, str]] = []

    def follow(pointer: str) -> str:
        for old, new in moves:
            if pointer == old or pointer.startswith(old + "/"):
                pointer = new + pointer[len(old):]
        return pointer

    for fix in fixes:
        for op in fix.ops:
            pointer = follow(op.pointer)
            tokens = split_pointer(pointer)
            if op.op == "replace_value":
                parent = _at(root, tokens[:-1])
                parent[_token(parent, tokens[-1])] = copy.deepcopy(op.value)
            elif op.op == "rename_key":
                parent = _at(root, tokens[:-1])
                new_key = cast(str, op.key)  # the planner refuses a rename_key without a key
                _replace_items(parent, [(new_key if k == tokens[-1] else k, v) for k, v in parent.items()])
                moves.append((op.pointer, join_pointer(tokens[:-1] + [new_key])))
            elif op.op == "remove_key":
                parent = _at(root, tokens[:-1])
                del parent[tokens[-1]]
            elif op.op == "insert_key":
                target = _at(root, tokens)
                items = list(target.items())
                if op.first:
                    at = firsts.get(id(target), 0)
                    items.insert(at, (op.key, copy.deepcopy(op.value)))
                    firsts[id(target)] = at + 1
                else:
                    items.append((op.key, copy.deepcopy(op.value)))
                _replace_items(target, items)
            elif op.op == "move_key":
                parent = _at(root, tokens[:-1])
                items = list(parent.items())
                position = [k for k, _ in items].index(tokens[-1])
                moved = items.pop(position)[1]
                _replace_items(parent, items)
                dest = split_pointer(follow(op.destination or ""))
                name = op.key or tokens[-1]
                holder = _at(root, dest[:-1])
                if dest[-1] in holder:
                    holder[dest[-1]][name] = moved
                else:
                    new_items = list(holder.items())
                    if holder is parent:
                        new_items.insert(position, (dest[-1], {name: moved}))
                    else:
                        new_items.append((dest[-1], {name: moved}))
                    _replace_items(holder, new_items)
                moves.append((op.pointer, join_pointer(dest + [name])))
    return root


def _token(container: Any, token: str) -> Any:
    return int(token) if isinstance(container, list) else token


def _at(root: Any, tokens: list[str]) -> Any:
    node = root
    for token in tokens:
        node = node[_token(node, token)]
    return node


def _replace_items(mapping: dict[str, Any], items: list[tuple[str, Any]]) -> None:
    mapping.clear()
    mapping.update(items)
