"""Checks shared by the migration tests: nothing of the original is lost.

- every comment of a YAML file is still in the migrated text (found with a scanner independent
  of the migrator's own);
- every key of the original is still present: renamed keys under their new name, moved keys under
  their new parent, keys inside a list rewritten as `{type: categorical, choices: [...]}` under
  `choices`.
"""

from __future__ import annotations

from typing import Iterable

from ftspec.compiler.diagnostics import Collector
from ftspec.compiler.nodes import Mapping, Node, Sequence
from ftspec.compiler.source import load_text
from ftspec.migrate.edits import join_pointer, split_pointer
from ftspec.migrate.engine import AppliedFix


def comment_texts(text: str) -> list[str]:
    """`# ...` comments of a YAML text: a `#` at a line start or after a blank, outside quotes."""
    found = []
    for line in text.splitlines():
        quote = None
        for i, c in enumerate(line):
            if quote:
                if c == quote:
                    quote = None
                continue
            if c in "'\"" and (i == 0 or line[i - 1] in " \t[{,:-"):
                quote = c
            elif c == "#" and (i == 0 or line[i - 1] in " \t"):
                found.append(line[i:].rstrip())
                break
    return found


def key_pointers(text: str, fmt: str) -> set[str]:
    doc = load_text(text, "x." + fmt, Collector("x"), fmt)
    found: set[str] = set()
    stack: list[Node] = [doc.root] if doc.root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            for entry in node.entries:
                found.add(entry.value.pointer)
                stack.append(entry.value)
        elif isinstance(node, Sequence):
            stack.extend(node.items)
    return found


def _under(pointer: str, prefix: str) -> str | None:
    if pointer == prefix:
        return ""
    if pointer.startswith(prefix + "/"):
        return pointer[len(prefix):]
    return None


def translate(pointer: str, applied: Iterable[AppliedFix]) -> str | None:
    """Where the key at `pointer` is after the applied fixes (None: inside a value replaced whole)."""
    for fix in applied:
        for op in fix.ops:
            rest = _under(pointer, op.pointer)
            if rest is None:
                continue
            if op.op == "rename_key":
                pointer = join_pointer(split_pointer(op.pointer)[:-1] + [op.key]) + rest  # type: ignore[list-item]
            elif op.op == "move_key":
                name = op.key or split_pointer(op.pointer)[-1]
                pointer = join_pointer(split_pointer(op.destination or "") + [name]) + rest
            elif op.op == "replace_value" and rest:
                if isinstance(op.value, dict) and "choices" in op.value:
                    pointer = op.pointer + "/choices" + rest
                else:
                    return None
            elif op.op == "remove_key":
                return None
    return pointer


def assert_nothing_lost(before: str, after: str, fmt: str, applied: list[AppliedFix]) -> None:
    if fmt == "yaml":
        remaining = after
        for comment in comment_texts(before):
            assert comment in remaining, f"comment lost: {comment!r}"
    new_keys = key_pointers(after, fmt)
    for pointer in sorted(key_pointers(before, fmt)):
        moved = translate(pointer, applied)
        assert moved is not None and moved in new_keys, f"key lost: {pointer} (expected at {moved})"


def test_comment_scanner() -> None:
    text = "a: 1  # one\nb: 'x # not'  # two\n# three\nc: \"#no\"\nd: [1, 2] # four\n"
    assert comment_texts(text) == ["# one", "# two", "# three", "# four"]


def test_translation_follows_renames_and_moves() -> None:
    from ftspec.compiler.diagnostics import FixOp

    applied = [
        AppliedFix("FT109", "/fp/sample", 1, "", "safe", (FixOp("rename_key", "/fp/sample", key="sampler"),)),
        AppliedFix("FT107", "/fp/C", 1, "", "safe", (FixOp("move_key", "/fp/C", destination="/fp/model_params"),)),
        AppliedFix("FT205", "/fp/model_params/C", 1, "", "safe",
                   (FixOp("replace_value", "/fp/model_params/C", value={"type": "categorical", "choices": [{"a": 1}]}),)),
    ]
    assert translate("/fp/sample", applied) == "/fp/sampler"
    assert translate("/fp/C/0/a", applied) == "/fp/model_params/C/choices/0/a"
    assert translate("/fp/n_trials", applied) == "/fp/n_trials"

