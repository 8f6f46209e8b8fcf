"""Golden tests: every fixture under fixtures/{legacy,v2,invalid} compiles to exactly its goldens.

For each fixture `fixtures/<dir>/X.json` (or `.yaml`/`.yml`), compiled with the project root as the
working directory:

- `X.ir.json` must equal `dump_ir(result.ir)` byte for byte;
- `X.findings.txt` must equal the findings, one per line, as
  `line:column-end_line:end_column CODE severity "pointer"` in the order compile returns them
  (messages are left out on purpose: tests compare codes, severities, spans and pointers).

After a deliberate change of the compiler, regenerate the goldens (and the pinned corpus rule
counts of tests/test_corpus.py) from the project root, then review the diff:

    python -m tests.golden --update
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

try:
    from tests import golden
except ImportError:  # pytest's rootdir-relative import mode without the project root on sys.path
    import golden  # type: ignore[no-redef]

from ftspec.ir import dump_ir

FIXTURES = golden.fixture_paths()


def _params() -> list:
    return [pytest.param(fixture, id=golden.relative(fixture).removeprefix("fixtures/")) for fixture in FIXTURES]


def _read(path: Path) -> str:
    assert path.exists(), f"missing golden {golden.relative(path)}: run `{golden.REGENERATE}`"
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fixture", _params())
def test_ir_golden(fixture: Path) -> None:
    ir_path, _ = golden.golden_paths(fixture)
    actual = dump_ir(golden.compile_fixture(fixture).ir)
    assert actual == _read(ir_path), f"IR of {golden.relative(fixture)} changed: run `{golden.REGENERATE}` and review"


@pytest.mark.parametrize("fixture", _params())
def test_findings_golden(fixture: Path) -> None:
    _, findings_path = golden.golden_paths(fixture)
    result = golden.compile_fixture(fixture)
    dump_ir(result.ir)  # the findings alone are not enough: the IR must be writable too
    actual = golden.render_findings(result.diagnostics)
    assert actual == _read(findings_path), (
        f"findings of {golden.relative(fixture)} changed: run `{golden.REGENERATE}` and review"
    )


# --------------------------------------------------------------------------- the fixture set itself


def _in(sub: str) -> list[Path]:
    return [f for f in FIXTURES if f.parent.name == sub]


def test_fixture_counts() -> None:
    assert len(FIXTURES) >= 36
    assert len(_in("legacy")) >= 16
    assert len(_in("v2")) >= 12
    assert len(_in("invalid")) >= 8
    for sub in ("legacy", "v2"):
        suffixes = {f.suffix for f in _in(sub)}
        assert {".json", ".yaml"} <= suffixes, f"fixtures/{sub} needs both JSON and YAML files"


def test_golden_names_are_unique_and_complete() -> None:
    stems = [(f.parent, golden.stem(f)) for f in FIXTURES]
    assert len(stems) == len(set(stems)), "two fixtures share a stem, so they would share goldens"
    expected = {p for f in FIXTURES for p in golden.golden_paths(f)}
    for sub in golden.FIXTURE_DIRS:
        for path in (golden.FIXTURES / sub).iterdir():
            if golden.is_golden(path):
                assert path in expected, f"orphan golden {golden.relative(path)} (its fixture is gone)"
    for path in expected:
        assert path.exists(), f"missing golden {golden.relative(path)}: run `{golden.REGENERATE}`"


def _findings(fixture: Path) -> list[tuple[str, str]]:
    """(code, severity) of each line of the findings golden."""
    _, path = golden.golden_paths(fixture)
    return [tuple(line.split(" ")[1:3]) for line in _read(path).splitlines()]  # type: ignore[misc]


@pytest.mark.parametrize("fixture", _in("v2"), ids=lambda f: f.name)
def test_v2_fixtures_have_no_warning_or_error(fixture: Path) -> None:
    bad = [f for f in _findings(fixture) if f[1] in ("error", "warning")]
    assert bad == []
    studies = json.loads(_read(golden.golden_paths(fixture)[0]))["studies"]
    assert studies, "a v2 fixture must compile to at least one study"


@pytest.mark.parametrize("fixture", _in("legacy"), ids=lambda f: f.name)
def test_legacy_fixtures_are_compiled_as_legacy(fixture: Path) -> None:
    codes = [code for code, _ in _findings(fixture)]
    studies = json.loads(_read(golden.golden_paths(fixture)[0]))["studies"]
    assert studies
    assert codes.count("FT106") == len(studies), "one legacy-dialect finding per legacy study"


@pytest.mark.parametrize("fixture", _in("invalid"), ids=lambda f: f.name)
def test_invalid_fixtures_have_an_error_or_source_finding(fixture: Path) -> None:
    findings = _findings(fixture)
    assert any(sev == "error" or code.startswith("FT0") for code, sev in findings)


# --------------------------------------------------------------------------- IR -> JSON -> IR

def _ir_model():
    import ftspec.schema.ir_model

    return ftspec.schema.ir_model


@pytest.mark.parametrize("fixture", _params())
def test_golden_loads_back_to_the_compiled_ir(fixture: Path) -> None:
    """load_ir(dump_ir(ir)) == ir, on every fixture's IR."""
    ir_model = _ir_model()
    text = _read(golden.golden_paths(fixture)[0])
    assert ir_model.load_ir(text) == golden.compile_fixture(fixture).ir


@pytest.mark.parametrize("fixture", _params())
def test_golden_reserializes_byte_identical(fixture: Path) -> None:
    """dump_ir(load_ir(text)) == text: loading an IR and writing it again changes nothing."""
    ir_model = _ir_model()
    text = _read(golden.golden_paths(fixture)[0])
    assert dump_ir(ir_model.load_ir(text)) == text
