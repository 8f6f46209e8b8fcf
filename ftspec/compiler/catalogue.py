"""The rule catalogue (docs/rules.md), generated from the registry.

    python -m ftspec.compiler.catalogue          # rewrite docs/rules.md
    python -m ftspec.compiler.catalogue --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from ftspec.compiler.diagnostics import FAMILIES
from ftspec.compiler.rules import all_rules

CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
REGENERATE = "python -m ftspec.compiler.catalogue"


def render_catalogue() -> str:
    rules = all_rules()
    lines = [
        "# Rule catalogue",
        "",
        f"Generated from the rule registry by `{REGENERATE}`; do not edit by hand.",
        "`ftlint --explain CODE` prints one rule. Fix: `safe` fixes keep the IR unchanged; `unsafe` ones",
        "change what the config means and need `--unsafe-fixes`.",
        "",
    ]
    for prefix, family in FAMILIES.items():
        members = [r for r in rules.values() if r.family == prefix]
        lines += [f"## {prefix}xx — {family}", "", "| code | name | severity | fix | title |", "|---|---|---|---|---|"]
        for r in members:
            lines.append(f"| [{r.code}](#{r.code.lower()}-{r.name}) | `{r.name}` | {r.severity} | {r.fixable or '-'} | {r.title} |")
        lines.append("")
    for r in rules.values():
        lines += [
            f"### {r.code} {r.name}", "",
            f"{r.title} Severity **{r.severity}**; fix: {r.fixable or 'none'}.", "",
            f"- **What used to happen:** {r.old}",
            f"- **What the config means now:** {r.now}",
            f"- **How to fix:** {r.fix}",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render_catalogue()
    if "--check" in args:
        if not CATALOGUE.exists() or CATALOGUE.read_text(encoding="utf-8") != text:
            print(f"docs/rules.md is out of date: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    CATALOGUE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
