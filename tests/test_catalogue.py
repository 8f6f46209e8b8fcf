"""The rule registry is consistent and the generated catalogue (docs/rules.md) is up to date."""

from __future__ import annotations

import re

from ftspec.compiler.diagnostics import FAMILIES
from ftspec.compiler.rules import all_rules
from ftspec.compiler.catalogue import CATALOGUE, REGENERATE, render_catalogue


def test_every_rule_is_documented_and_well_named() -> None:
    rules = all_rules()
    assert len(rules) >= 80
    names = [r.name for r in rules.values()]
    assert len(set(names)) == len(names)
    for code, rule in rules.items():
        assert re.fullmatch(r"FT[0-6]\d\d", code) and rule.code == code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
        assert rule.family in FAMILIES
        assert rule.severity in ("error", "warning", "info")
        assert rule.title and rule.old and rule.now and rule.fix, code
        assert rule.doc().startswith(f"# {code} {rule.name}\n")


def test_catalogue_is_up_to_date() -> None:
    assert CATALOGUE.read_text(encoding="utf-8") == render_catalogue(), f"docs/rules.md is out of date: run `{REGENERATE}`"


def test_runtime_registry_tables_are_up_to_date() -> None:
    from ftspec.compiler.catalogue import RUNTIME_DOC, _runtime_doc

    text = RUNTIME_DOC.read_text(encoding="utf-8")
    assert text == _runtime_doc(text), f"docs/runtime.md's registry tables are out of date: run `{REGENERATE}`"
