"""ftlint's reporters fed hand-built results: each format's exact output for findings written here,
independent of any lint run (tests/test_lint.py checks the formats on real runs, byte for byte
against goldens; a change to a rule's message cannot move these).
"""

from __future__ import annotations

import io
import json

import ftspec.lint.rules  # noqa: F401  # registers FT5xx: the SARIF driver lists every rule
from ftspec import __version__
from ftspec.compiler.diagnostics import Diagnostic, Fix, FixOp
from ftspec.compiler.rules import all_rules
from ftspec.lint.reporters import (
    REPORTERS,
    FileOutcome,
    GithubReporter,
    JsonReporter,
    LintReport,
    SarifReporter,
    TextReporter,
    fingerprint,
    render_text,
    statistics,
    summarize,
)

all_rules()  # registers every rule: the reporters look up each code's name and severity

SAFE = Fix("safe", "write the range as a mapping", (FixOp("replace_value", "/finetune_params/model_params/alpha", value={"low": 0.1, "high": 10}),))
UNSAFE = Fix("unsafe", "use tpe", (FixOp("rename_key", "/finetune_params/sample", key="sampler"), FixOp("insert_key", "/finetune_params", key="version", value=2, first=True)))

SOURCE = "finetune_params:\n  sample: random\n  model_params:\n\talpha: [0.1, 10]\n"


def diag(code: str, severity: str, message: str, line: int, column: int, end_line: int, end_column: int, *, file: str = "p.yaml", pointer: str = "/finetune_params", fix: Fix | None = None) -> Diagnostic:
    return Diagnostic(code, severity, message, file, pointer, line, column, end_line, end_column, fix)  # type: ignore[arg-type]


WARNING = diag("FT201", "warning", "a 2-element list", 4, 9, 4, 18, pointer="/finetune_params/model_params/alpha", fix=SAFE)
INFO = diag("FT303", "info", "sampler was tpe", 2, 3, 2, 9, pointer="/finetune_params/sample", fix=UNSAFE)
ERROR = diag("FT001", "error", "bad: 100%\nnext", 1, 1, 1, 1, file="./dir/we,ird:name.json", pointer="")
MULTILINE = diag("FT201", "warning", "spans lines", 2, 3, 3, 5)


def report(*files: FileOutcome) -> LintReport:
    return LintReport(files=list(files))


def render(reporter: type, result: LintReport, **options: bool) -> str:
    out = io.StringIO()
    reporter(out, **options).render(result)
    return out.getvalue()


def test_render_text_plain_and_colored() -> None:
    assert render_text(WARNING) == "p.yaml:4:9: FT201 warning a 2-element list"
    assert render_text(ERROR, color=True) == "./dir/we,ird:name.json:1:1: \033[1mFT001\033[0m \033[31merror\033[0m bad: 100%\nnext"
    assert render_text(INFO, color=True) == "p.yaml:2:3: \033[1mFT303\033[0m \033[36minfo\033[0m sampler was tpe"


def test_summarize_counts_per_severity_and_studies() -> None:
    assert summarize([WARNING, INFO, ERROR, MULTILINE], 2, 1) == "2 file(s), 1 study: 1 error(s), 2 warning(s), 1 info"
    assert summarize([], 0, 3) == "0 file(s), 3 studies: 0 error(s), 0 warning(s), 0 info"


def test_reporters_are_registered_by_name() -> None:
    assert REPORTERS == {"text": TextReporter, "json": JsonReporter, "sarif": SarifReporter, "github": GithubReporter}


def test_text_without_source() -> None:
    result = report(FileOutcome("p.yaml", [INFO, WARNING], SOURCE), FileOutcome("q.json", []))
    assert render(TextReporter, result) == (
        "p.yaml:2:3: FT303 info sampler was tpe\n"
        "p.yaml:4:9: FT201 warning a 2-element list\n"
        "Found 2 finding(s) in 2 file(s): 0 error(s), 1 warning(s), 1 info; 1 fixable with --fix.\n"
    )


def test_text_with_source_carets_tabs_and_fix_hints() -> None:
    result = report(FileOutcome("p.yaml", [INFO, MULTILINE, WARNING], SOURCE))
    assert render(TextReporter, result, show_source=True) == (
        "p.yaml:2:3: FT303 info sampler was tpe\n"
        "     2 |   sample: random\n"
        "       |   ^^^^^^\n"
        "       = fix: use tpe (unsafe: ftlint --fix --unsafe-fixes)\n"
        "p.yaml:2:3: FT201 warning spans lines\n"
        "     2 |   sample: random\n"
        "       |   ^^^^^^^^^^^^^^\n"  # to the end of the line, one past it
        "p.yaml:4:9: FT201 warning a 2-element list\n"
        "     4 |  alpha: [0.1, 10]\n"  # the tab shown as one space
        "       |         ^^^^^^^^^\n"
        "       = fix: write the range as a mapping (ftlint --fix)\n"
        "Found 3 finding(s) in 1 file(s): 0 error(s), 2 warning(s), 1 info; 1 fixable with --fix.\n"
    )


def test_text_with_source_skips_lines_outside_the_text_and_unreadable_files() -> None:
    outside = diag("FT201", "warning", "after the end", 9, 1, 9, 2)
    zero = diag("FT001", "error", "no location", 0, 0, 0, 0, file="bin.yaml")
    result = report(FileOutcome("p.yaml", [outside], SOURCE), FileOutcome("bin.yaml", [zero], None))
    assert render(TextReporter, result, show_source=True) == (
        "p.yaml:9:1: FT201 warning after the end\n"
        "bin.yaml:0:0: FT001 error no location\n"
        "Found 2 finding(s) in 2 file(s): 1 error(s), 1 warning(s), 0 info.\n"
    )


def test_text_clean_and_colored() -> None:
    assert render(TextReporter, report(FileOutcome("a.json", []), FileOutcome("b.json", []))) == "All checks passed (2 file(s)).\n"
    assert render(TextReporter, report()) == "All checks passed (0 file(s)).\n"
    assert render(TextReporter, report(FileOutcome("p.yaml", [WARNING])), color=True) == (
        "p.yaml:4:9: \033[1mFT201\033[0m \033[33mwarning\033[0m a 2-element list\n"
        "Found 1 finding(s) in 1 file(s): 0 error(s), 1 warning(s), 0 info; 1 fixable with --fix.\n"
    )


def test_text_statistics_by_count_then_code() -> None:
    result = report(FileOutcome("p.yaml", [INFO, WARNING, MULTILINE]), FileOutcome("q.json", [ERROR]))
    assert statistics(result) == [("FT201", 2), ("FT001", 1), ("FT303", 1)]
    assert render(TextReporter, result, statistics=True).splitlines()[-4:] == [
        "    2  FT201  warning  two-element-list",
        "    1  FT001  error    parse-error",
        "    1  FT303  info     sampler-was-tpe",
        "Found 4 finding(s) in 2 file(s): 1 error(s), 2 warning(s), 1 info; 1 fixable with --fix.",
    ]


def test_json_document() -> None:
    result = report(FileOutcome("p.yaml", [INFO, WARNING], SOURCE, suppressed=2), FileOutcome("q.json", [], None, suppressed=1))
    text = render(JsonReporter, result)
    assert text.endswith("}\n") and text.startswith('{\n  "version": 1,\n')
    assert json.loads(text) == {
        "version": 1,
        "tool": {"name": "ftlint", "version": __version__},
        "summary": {"error": 0, "warning": 1, "info": 1, "files": 2, "suppressed": 3},
        "diagnostics": [
            {
                "code": "FT303", "name": "sampler-was-tpe", "severity": "info", "message": "sampler was tpe",
                "file": "p.yaml", "pointer": "/finetune_params/sample", "line": 2, "column": 3, "end_line": 2, "end_column": 9,
                "fix": {
                    "applicability": "unsafe", "description": "use tpe",
                    "ops": [
                        {"op": "rename_key", "pointer": "/finetune_params/sample", "key": "sampler"},
                        {"op": "insert_key", "pointer": "/finetune_params", "key": "version", "value": 2, "first": True},
                    ],
                },
            },
            {
                "code": "FT201", "name": "two-element-list", "severity": "warning", "message": "a 2-element list",
                "file": "p.yaml", "pointer": "/finetune_params/model_params/alpha", "line": 4, "column": 9, "end_line": 4, "end_column": 18,
                "fix": {
                    "applicability": "safe", "description": "write the range as a mapping",
                    "ops": [{"op": "replace_value", "pointer": "/finetune_params/model_params/alpha", "value": {"low": 0.1, "high": 10}}],
                },
            },
        ],
    }
    assert "statistics" not in json.loads(text)


def test_json_statistics_and_non_ascii() -> None:
    accented = diag("FT201", "warning", "déjà vu", 1, 1, 1, 2, file="é.yaml")
    text = render(JsonReporter, report(FileOutcome("é.yaml", [accented, accented])), statistics=True)
    assert '"message": "déjà vu"' in text  # not \u-escaped
    assert json.loads(text)["statistics"] == {"FT201": 2}
    assert json.loads(render(JsonReporter, report()))["summary"] == {"error": 0, "warning": 0, "info": 0, "files": 0, "suppressed": 0}


def test_sarif_document() -> None:
    backwards = diag("FT303", "info", "end before start", 2, 7, 2, 3, file="sub\\p.yaml", pointer="")
    doc = json.loads(render(SarifReporter, report(FileOutcome("x", [WARNING, ERROR, backwards]))))
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json" and doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert {k: v for k, v in driver.items() if k != "rules"} == {"name": "ftlint", "version": __version__, "informationUri": "https://pypi.org/project/ftspec/"}
    codes = sorted(all_rules())
    assert [r["id"] for r in driver["rules"]] == codes
    ft201 = all_rules()["FT201"]
    assert driver["rules"][codes.index("FT201")] == {
        "id": "FT201",
        "name": "two-element-list",
        "shortDescription": {"text": ft201.title},
        "fullDescription": {"text": f"{ft201.old} {ft201.now}"},
        "help": {"text": ft201.fix, "markdown": ft201.doc()},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["FT2"]},
    }
    assert driver["rules"][codes.index("FT303")]["defaultConfiguration"] == {"level": "note"}

    def result(d: Diagnostic, uri: str, level: str, end_column: int, name: str) -> dict[str, object]:
        return {
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code),
            "level": level,
            "message": {"text": d.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": d.line, "startColumn": d.column, "endLine": d.end_line, "endColumn": end_column},
                },
                "logicalLocations": [{"fullyQualifiedName": name, "kind": "object"}],
            }],
            "partialFingerprints": {"ftlintPointer/v1": fingerprint(d)},
        }

    assert run["results"] == [
        result(WARNING, "p.yaml", "warning", 18, "/finetune_params/model_params/alpha"),
        result(ERROR, "dir/we,ird:name.json", "error", 1, "/"),  # "./" dropped, the empty pointer is the root
        result(backwards, "sub/p.yaml", "note", 7, "/"),  # backslashes as slashes, the end column never before the start
    ]


def test_sarif_fingerprint_is_rule_file_and_pointer_only() -> None:
    import hashlib

    assert fingerprint(WARNING) == hashlib.sha256(b"FT201\0p.yaml\0/finetune_params/model_params/alpha").hexdigest()[:32]
    moved = diag("FT201", "warning", "other message", 40, 2, 41, 1, pointer=WARNING.pointer)
    assert fingerprint(moved) == fingerprint(WARNING)
    assert fingerprint(diag("FT201", "warning", "x", 4, 9, 4, 18, pointer="/other")) != fingerprint(WARNING)


def test_github_commands_errors_first_and_escaped() -> None:
    result = report(FileOutcome("p.yaml", [INFO, WARNING]), FileOutcome("./dir/we,ird:name.json", [ERROR]))
    assert render(GithubReporter, result) == (
        "::error file=./dir/we%2Cird%3Aname.json,line=1,endLine=1,col=1,endColumn=1,title=FT001 parse-error::FT001 bad: 100%25%0Anext\n"
        "::warning file=p.yaml,line=4,endLine=4,col=9,endColumn=18,title=FT201 two-element-list::FT201 a 2-element list\n"
        "::notice file=p.yaml,line=2,endLine=2,col=3,endColumn=9,title=FT303 sampler-was-tpe::FT303 sampler was tpe\n"
        "ftlint: 1 error(s), 1 warning(s), 1 info in 2 file(s)\n"
    )


def test_github_same_severity_in_file_line_column_order_and_clean_run() -> None:
    later = diag("FT201", "warning", "later", 9, 1, 9, 4, file="a.yaml")
    earlier = diag("FT201", "warning", "earlier", 2, 5, 2, 3, file="a.yaml")
    other = diag("FT201", "warning", "other file", 1, 1, 1, 2, file="0.yaml")
    lines = render(GithubReporter, report(FileOutcome("a.yaml", [later, earlier]), FileOutcome("0.yaml", [other]))).splitlines()
    assert [line.rsplit("::", 1)[1] for line in lines[:-1]] == ["FT201 other file", "FT201 earlier", "FT201 later"]
    assert "col=5,endColumn=5," in lines[1]  # end column never before the start
    assert render(GithubReporter, report(FileOutcome("a.yaml", []))) == "ftlint: 0 error(s), 0 warning(s), 0 info in 1 file(s)\n"
