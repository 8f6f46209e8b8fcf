"""Choosing the fixes of one pass: the parts of the tree each op claims, overlaps between fixes, and
keys that two fixes would both add."""

from __future__ import annotations

from typing import Any, Sequence as Seq

from ftspec.compiler.diagnostics import Fix, FixOp
from ftspec.compiler.nodes import Mapping
from ftspec.migrate.text_edit import Plan, Unsupported, join_pointer, split_pointer
from ftspec.migrate.tree_index import TreeIndex


def _strict_prefix(a: list[str], b: list[str]) -> bool:
    """a is a strict prefix of b."""
    return len(a) < len(b) and b[: len(a)] == a


def claims_conflict(a: tuple[str, list[str]], b: tuple[str, list[str]]) -> bool:
    ka, pa = a
    kb, pb = b
    if pa == pb:
        kinds = {ka, kb}
        return not (kinds == {"key", "val"} or kinds == {"ins"} or kinds == {"key", "ins"})
    if _strict_prefix(pa, pb):
        return ka in ("sub", "val")
    if _strict_prefix(pb, pa):
        return kb in ("sub", "val")
    return False


class FixSelector:
    """Which fixes of one pass are planned together. Each op claims parts of the tree (a key, a
    value, a subtree, a place to insert); a fix whose claims overlap an earlier fix's, or whose new
    key another fix of the pass adds, waits for the next pass, and a fix that cannot be written
    faithfully is unsupported."""

    def __init__(self, index: TreeIndex) -> None:
        self.ix = index

    def select(self, fixes: Seq[Fix], plan: Plan) -> list[int]:
        """The indices of the fixes to plan now; records the deferred and unsupported ones in `plan`."""
        taken: list[tuple[str, list[str]]] = []
        keysets: dict[str, list[Any]] = {}
        candidates: list[int] = []
        for i, fix in enumerate(fixes):
            try:
                claims = [c for op in fix.ops for c in self.claims(op)]
                clash = self.key_clash(fix, keysets, dry_run=True)
            except Unsupported as exc:
                plan.unsupported[i] = exc.reason
                continue
            if clash == "permanent":
                plan.unsupported[i] = "the new key already exists in the mapping"
                continue
            if clash or any(claims_conflict(c, t) for c in claims for t in taken):
                plan.deferred.append(i)
                continue
            self.key_clash(fix, keysets, dry_run=False)
            taken.extend(claims)
            candidates.append(i)
        return candidates

    def claims(self, op: FixOp) -> list[tuple[str, list[str]]]:
        ix = self.ix
        tokens = split_pointer(op.pointer)
        if op.op == "rename_key":
            where = ix.where(op.pointer)
            ix.check_mapping(where.mapping)
            ix.check_editable(op.pointer)
            if not isinstance(op.key, str):
                raise Unsupported("rename_key without a key")
            return [("key", tokens)]
        if op.op == "replace_value":
            if op.pointer == "":
                raise Unsupported("cannot replace the whole document")
            ix.node(op.pointer)  # it must exist
            ix.check_editable(op.pointer)
            parent = ix.parents.get(op.pointer)
            if parent is not None and ix.is_alias(parent):
                raise Unsupported(f"{op.pointer} is inside a YAML alias")
            return [("val", tokens)]
        if op.op == "remove_key":
            where = ix.where(op.pointer)
            ix.check_mapping(where.mapping)
            ix.check_editable(op.pointer)
            return [("sub", tokens)]
        if op.op == "insert_key":
            node = ix.mapping(op.pointer)
            if not isinstance(op.key, str):
                raise Unsupported("insert_key without a key")
            ix.check_mapping(node)
            ix.check_editable(op.pointer)
            return [("ins", tokens)]
        if op.op == "move_key":
            where = ix.where(op.pointer)
            ix.check_mapping(where.mapping)
            ix.check_editable(op.pointer)
            if op.destination is None:
                raise Unsupported("move_key without a destination")
            dest = split_pointer(op.destination)
            if dest[: len(tokens)] == tokens:
                raise Unsupported("cannot move an entry into itself")
            found = ix.nodes.get(op.destination)
            claims = [("sub", tokens)]
            if found is not None:
                if not isinstance(found, Mapping):
                    raise Unsupported(f"destination {op.destination} is not a mapping")
                ix.check_mapping(found)
                ix.check_editable(op.destination)
                claims.append(("ins", dest))
            else:
                parent = ix.nodes.get(join_pointer(dest[:-1])) if dest else None
                if not isinstance(parent, Mapping):
                    raise Unsupported(f"the parent of destination {op.destination} is not a mapping")
                ix.check_mapping(parent)
                ix.check_editable(parent.pointer)
                claims.append(("ins", dest[:-1]))
            return claims
        raise Unsupported(f"unknown op {op.op!r}")

    def _keys(self, keysets: dict[str, list[Any]], pointer: str) -> list[Any]:
        if pointer not in keysets:
            node = self.ix.nodes.get(pointer)
            keysets[pointer] = list(node.keys()) if isinstance(node, Mapping) else []
        return keysets[pointer]

    def key_clash(self, fix: Fix, keysets: dict[str, list[Any]], *, dry_run: bool) -> str | None:
        """None, "pending" (clash with a key another planned fix adds) or "permanent"."""
        work = keysets if not dry_run else {k: list(v) for k, v in keysets.items()}
        for op in fix.ops:
            if op.op == "rename_key":
                where = self.ix.entries[op.pointer]
                keys = self._keys(work, where.mapping.pointer)
                old = where.mapping.entries[where.index].key.value
                if op.key != old:
                    if old not in keys:  # renamed or removed by another fix of this batch
                        return "pending"
                    if op.key in keys:
                        return "permanent" if op.key in where.mapping.keys() else "pending"
                    keys[keys.index(old)] = op.key
            elif op.op in ("remove_key", "move_key"):
                where = self.ix.entries[op.pointer]
                keys = self._keys(work, where.mapping.pointer)
                old = where.mapping.entries[where.index].key.value
                if old in keys:
                    keys.remove(old)
                if op.op == "move_key":
                    name = op.key or old
                    dest = op.destination or ""
                    if dest not in self.ix.nodes:
                        parent_keys = self._keys(work, join_pointer(split_pointer(dest)[:-1]))
                        tail = split_pointer(dest)[-1]
                        if tail not in parent_keys:
                            parent_keys.append(tail)
                    keys = self._keys(work, dest)
                    if name in keys:
                        node = self.ix.nodes.get(dest)
                        return "permanent" if isinstance(node, Mapping) and name in node.keys() else "pending"
                    keys.append(name)
            elif op.op == "insert_key":
                keys = self._keys(work, op.pointer)
                if op.key in keys:
                    node = self.ix.nodes.get(op.pointer)
                    return "permanent" if isinstance(node, Mapping) and op.key in node.keys() else "pending"
                keys.append(op.key)
        return None
