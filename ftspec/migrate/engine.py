"""The migration engine: apply fixes pass after pass until nothing changes, proving each safe batch.

`migrate_text(text, path)` compiles the text, collects the fixes of the selected rule families,
turns them into minimal text edits (`ftspec.migrate.edits`), applies them, recompiles, and repeats
until a pass changes nothing (at most `MAX_PASSES` passes). Every batch is checked twice:

- the edited text must parse back to exactly the tree the fixes describe (key order and types
  included), so a rendering mistake can never slip into a file;
- a batch of *safe* fixes must leave the IR unchanged (`ir_to_dict`, `source` locations aside).
  A safe fix that changes the IR is a bug in that fix: it is not applied, it is listed as failed.

When a batch fails, its fixes are retried by rule and block, then one by one, so that one bad fix
does not hold back the others. Unsafe fixes are applied only with `unsafe=True`, after the safe
ones, and are reported with their rule's `old` and `now` texts. Last, each legacy block whose v2
reading would mean exactly the same gets `version: 2` (rule FT106), together with the v2 spelling
of the legacy defaults that differ from v2's (`eval_mode: nirs4all_best`, the `validation` split of
the `single` approach) and the v2 word for a legacy `eval_mode` that v2 reads differently
(`mean` -> `nirs4all_mean`: the number stays nirs4all's); a block that cannot (a key v2 does not define, a form with no v2 equivalent,
a v2 error) stays legacy and FT106 is listed as left, with the reason.

`fix_paths` runs the engine over files for `ftmigrate` and `ftlint --fix`, and writes changed files
atomically (`write_atomic`); files that do not change are never written.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any, Iterable, Literal, Protocol, Sequence, cast

from ftspec.compiler.compile import UNREADABLE_CODES, compile_document
from ftspec.compiler.diagnostics import RULES, Collector, Diagnostic, Fix, FixOp
from ftspec.compiler.values import ANNOTATION_KEY
from ftspec.compiler.nodes import Mapping, Node, Scalar, index_nodes, to_python
from ftspec.compiler.source import SourceDocument, detect_format, load_text
from ftspec.compiler.walk import find_blocks
from ftspec.ir import IRDocument, Study, ir_to_dict
from ftspec.migrate.edits import Plan, apply_edits, expected_value, plan_edits
from ftspec.migrate.render import strict_equal
from ftspec.schema.v2_fields import V2_FIELDS, V2_KEYS

__all__ = [
    "MIGRATE_SELECT", "LINT_SELECT", "AppliedFix", "LeftFix", "MigrationResult", "FileReport", "RunReport",
    "migrate_text", "migrate_path", "fix_paths", "write_atomic", "render_summary", "strip_source",
]

MIGRATE_SELECT: tuple[str, ...] = ("FT0", "FT1", "FT2", "FT3", "FT4")
"""Rule families `ftmigrate` fixes (legacy -> v2)."""
LINT_SELECT: tuple[str, ...] = MIGRATE_SELECT + ("FT5",)
"""Rule families `ftlint --fix` fixes: the migration plus the linter's v2 style rules."""
MAX_PASSES = 40

LEGACY_DIALECT = "FT106"
DECISIONS = ("FT201",)
"""Rules whose fix is a choice for the config's author (a 2-element list: the categorical nirs4all
ran, or the range it was often meant as). Their fix keeps the IR but is unsafe, so that the
finding stays visible until a person decides; each one left is listed with both rewrites."""
YAML_VERSION_SCALAR = "FT014"
# Study fields whose legacy default differs from v2's, and the v2 key that states them.
_GAP_FIELDS = tuple(f.name for f in V2_FIELDS if f.legacy_gap)
# Gap fields whose written legacy word is replaced by the v2 word of the same meaning.
_RESPELLED_FIELDS = ("eval_mode",)
# IR fields that follow from gap fields (each objective's quantile from eval_mode): checked with the whole candidate.
_DERIVED_FIELDS = ("objectives",)


class TextSink(Protocol):
    """Where diffs go: a text stream, or anything with its `write` (ftmigrate's StdoutWhileRead)."""

    def write(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class AppliedFix:
    code: str
    pointer: str
    line: int
    description: str
    applicability: str
    ops: tuple[FixOp, ...]

    @property
    def name(self) -> str:
        return RULES[self.code].name


LeftKind = Literal["unsafe", "manual", "failed"]


@dataclass(frozen=True)
class LeftFix:
    code: str
    pointer: str
    line: int
    kind: LeftKind
    """`unsafe`: needs --unsafe-fixes; `manual`: no automatic fix; `failed`: a fix that could not
    be applied (a safe fix that changed the IR, or an edit that could not be written faithfully)."""
    reason: str

    @property
    def name(self) -> str:
        return RULES[self.code].name


@dataclass
class MigrationResult:
    path: str
    original: str
    text: str
    applied: list[AppliedFix] = field(default_factory=list)
    left: list[LeftFix] = field(default_factory=list)
    error: str | None = None
    """Set when the file cannot be parsed (or compiled): it is left untouched."""
    passes: int = 0

    @property
    def changed(self) -> bool:
        return self.error is None and self.text != self.original


# =========================================================================== analysis


class _Unreadable(Exception):
    pass


@dataclass
class _State:
    text: str
    doc: SourceDocument
    ir: IRDocument
    diagnostics: list[Diagnostic]
    blocks: list[Any]

    def block_of(self, pointer: str) -> str | None:
        best = None
        for block in self.blocks:
            p = block.node.pointer
            if (pointer == p or pointer.startswith(p + "/")) and (best is None or len(p) > len(best)):
                best = p
        return best


def _selected(code: str, select: Sequence[str]) -> bool:
    return any(code.startswith(prefix) for prefix in select)


def _analyze(text: str, path: str, fmt: str, select: Sequence[str]) -> _State:
    collector = Collector(path)
    doc = load_text(text, path, collector, fmt)
    bad = [d for d in collector.diagnostics if d.code in UNREADABLE_CODES]
    if bad:
        d = bad[0]
        raise _Unreadable(f"{d.line}:{d.column}: {d.code} {d.message}")
    try:
        ir = compile_document(doc, collector)
    except Exception as exc:  # a compiler bug must not turn into a half-migrated file
        raise _Unreadable(f"the compiler raised {type(exc).__name__}: {exc}") from exc
    blocks = find_blocks(doc.root)
    if any(p.startswith("FT5") or "FT5".startswith(p) for p in select):
        from ftspec.lint.rules import check_v2_style

        for block in blocks:
            if isinstance(block.node, Mapping) and "version" in block.node:
                check_v2_style(block.node, collector)
    return _State(text, doc, ir, collector.sorted(), blocks)


def strip_source(value: Any) -> Any:
    """An IR value as plain data without its `source` locations (provenance)."""
    if isinstance(value, (IRDocument, Study)):
        value = ir_to_dict(value)
    if isinstance(value, dict):
        return {k: strip_source(v) for k, v in value.items() if k != "source"}
    if isinstance(value, list):
        return [strip_source(v) for v in value]
    return value


def _same_ir(a: IRDocument, b: IRDocument) -> bool:
    return strict_equal(strip_source(a)["studies"], strip_source(b)["studies"])


# =========================================================================== candidates


@dataclass
class _Candidate:
    diag: Diagnostic
    fix: Fix
    block: str | None

    @property
    def signature(self) -> tuple[str, str, str]:
        return (self.diag.code, self.diag.pointer, self.fix.description)


def _synthesized_fix(state: _State, diag: Diagnostic, index: dict[str, Node]) -> Fix | None:
    """FT014 findings carry no fix (the loader reports them): inside a block, the safe fix writes the
    value ftspec reads (YAML 1.2) so that YAML 1.1 reads the same. Keys and values outside blocks
    (which nirs4all, not ftspec, gives a meaning) are left alone."""
    if diag.code != YAML_VERSION_SCALAR or state.block_of(diag.pointer) is None:
        return None
    node = index.get(diag.pointer)
    if not isinstance(node, Scalar) or (node.span.line, node.span.column) != (diag.line, diag.column):
        return None
    return Fix("safe", "write the value unambiguously", (FixOp("replace_value", diag.pointer, value=node.value),))


def _candidates(state: _State, select: Sequence[str], applicability: str, bad: dict[tuple[str, str, str], str]) -> list[_Candidate]:
    found = []
    index: dict[str, Node] | None = None
    for diag in state.diagnostics:
        if not _selected(diag.code, select):
            continue
        fix = diag.fix
        if fix is None and diag.code == YAML_VERSION_SCALAR:
            if index is None:
                index = index_nodes(state.doc.root) if state.doc.root is not None else {}
            fix = _synthesized_fix(state, diag, index)
        if fix is None or fix.applicability != applicability:
            continue
        cand = _Candidate(diag, fix, state.block_of(diag.pointer))
        if cand.signature not in bad:
            found.append(cand)
    return found


# =========================================================================== the engine


class _Migration:
    def __init__(self, path: str, fmt: str, unsafe: bool, select: Sequence[str]) -> None:
        self.path = path
        self.fmt = fmt
        self.unsafe = unsafe
        self.select = tuple(select)
        self.applied: list[AppliedFix] = []
        self.bad: dict[tuple[str, str, str], str] = {}
        self.legacy_reasons: dict[str, str] = {}

    def analyze(self, text: str) -> _State:
        return _analyze(text, self.path, self.fmt, self.select)

    # -- batches -------------------------------------------------------------------------

    def _try(self, state: _State, cands: list[_Candidate], verify_ir: bool) -> tuple[_State | None, list[_Candidate], str]:
        """Plan, apply and verify a batch: (new state or None, the fixes it applied, why it failed)."""
        try:
            plan: Plan = plan_edits(state.doc, [c.fix for c in cands])
            accepted = [cands[i] for i in plan.accepted]
            new_text = apply_edits(state.text, plan.edits)
        except Exception as exc:  # a planner bug: refuse the batch, never write a guess
            return None, cands, f"internal error while planning the edits ({type(exc).__name__}: {exc})"
        for i, reason in plan.unsupported.items():
            self.bad[cands[i].signature] = f"cannot be written as a text edit: {reason}"
        if not accepted:
            return None, [], ""
        try:
            new_state = self.analyze(new_text)
        except _Unreadable as exc:
            return None, accepted, f"the edited text no longer compiles ({exc})"
        # plan_edits refused a document without a tree, so this one has a root
        expected = expected_value(to_python(cast(Node, state.doc.root)), [c.fix for c in accepted])
        if new_state.doc.root is None or not strict_equal(to_python(new_state.doc.root), expected):
            return None, accepted, "the edited text does not read back as the intended tree"
        if verify_ir and not _same_ir(state.ir, new_state.ir):
            return None, accepted, "the fix changes the IR (a safe fix must not)"
        return new_state, accepted, ""

    def fix_round(self, state: _State, applicability: str) -> _State | None:
        """Apply one batch of fixes; when fixes fail, retry without them (a fix deferred behind a
        failed one gets its turn)."""
        while True:
            cands = _candidates(state, self.select, applicability, self.bad)
            if not cands:
                return None
            known_bad = len(self.bad)
            new_state = self.apply_batch(state, cands, verify_ir=applicability == "safe")
            if new_state is not None or len(self.bad) == known_bad:
                return new_state

    def apply_batch(self, state: _State, cands: list[_Candidate], verify_ir: bool) -> _State | None:
        new_state, accepted, why = self._try(state, cands, verify_ir)
        if new_state is not None:
            self._record(accepted)
            return new_state
        if not accepted:
            return None
        # Find the fixes that pass on their own: by rule and block first (FT107 moves only make
        # sense together), then one by one.
        groups: dict[tuple[str, str | None], list[_Candidate]] = {}
        for cand in accepted:
            groups.setdefault((cand.diag.code, cand.block), []).append(cand)
        parts = list(groups.values())
        if len(parts) == 1:
            parts = [[c] for c in accepted] if len(accepted) > 1 else []
        if not parts:
            self.bad[accepted[0].signature] = why
            return None
        passing: list[list[_Candidate]] = []
        for part in parts:
            ok, _, part_why = self._try(state, part, verify_ir)
            if ok is not None:
                passing.append(part)
                continue
            if len(part) > 1:
                for cand in part:
                    single, _, single_why = self._try(state, [cand], verify_ir)
                    if single is not None:
                        passing.append([cand])
                    else:
                        self.bad[cand.signature] = single_why or part_why or why
            else:
                self.bad[part[0].signature] = part_why or why
        if not passing:
            return None
        combined = [c for part in passing for c in part]
        new_state, accepted, _ = self._try(state, combined, verify_ir)
        if new_state is None:
            new_state, accepted, _ = self._try(state, passing[0], verify_ir)
        if new_state is None:
            return None
        self._record(accepted)
        return new_state

    def _record(self, accepted: list[_Candidate]) -> None:
        for cand in accepted:
            d = cand.diag
            self.applied.append(AppliedFix(d.code, d.pointer, d.line, cand.fix.description, cand.fix.applicability, cand.fix.ops))

    # -- FT106: version 2 ---------------------------------------------------------------------

    def convert_blocks(self, state: _State) -> _State | None:
        """Insert `version: 2` in every legacy block whose v2 reading means the same."""
        if not _selected(LEGACY_DIALECT, self.select) or state.doc.root is None:
            return None
        legacy_studies = {s.source.pointer: strip_source(s) for s in state.ir.studies}
        anchors = {d.pointer: d for d in state.diagnostics if d.code == LEGACY_DIALECT}
        blocks = [b for b in state.blocks if isinstance(b.node, Mapping) and b.node.entries and "version" not in b.node]
        text = state.text
        converted: list[AppliedFix] = []
        for block in sorted(blocks, key=lambda b: b.node.span.start, reverse=True):
            # Later blocks first: their edits leave the offsets of earlier blocks valid.
            pointer = block.node.pointer
            anchor = anchors.get(pointer)
            if anchor is None or pointer not in legacy_studies:
                continue
            outcome = self._convert_block(state, text, block.node, legacy_studies[pointer])
            if isinstance(outcome, str):
                self.legacy_reasons[pointer] = outcome
                continue
            text, ops, description = outcome
            self.legacy_reasons.pop(pointer, None)
            converted.append(AppliedFix(LEGACY_DIALECT, pointer, anchor.line, description, "safe", ops))
        if not converted:
            return None
        try:
            new_state = self.analyze(text)
        except _Unreadable:
            return None
        if not _same_ir(state.ir, new_state.ir):  # each block was checked; this guards the whole file
            for fix in converted:
                self.legacy_reasons[fix.pointer] = "adding version: 2 changed the IR"
            return None
        self.applied.extend(reversed(converted))
        return new_state

    def _convert_block(self, state: _State, text: str, node: Mapping, legacy: Any) -> tuple[str, tuple[FixOp, ...], str] | str:
        pointer = node.pointer
        unknown = [str(k) for k in node.keys() if k not in V2_KEYS and k != ANNOTATION_KEY]
        if unknown:
            return "keys v2 does not define: " + ", ".join(unknown)
        ops = [FixOp("insert_key", pointer, key="version", value=2, first=True)]
        candidate = self._candidate(state, text, pointer, ops)
        if isinstance(candidate, str):
            return candidate
        cand_text, cand_state, study = candidate
        gaps: list[str] = []
        if not strict_equal(study, legacy):
            for name in _GAP_FIELDS:
                if strict_equal(study.get(name), legacy.get(name)):
                    continue
                key = name
                written = node.get(key)
                if written is None:
                    ops.append(FixOp("insert_key", pointer, key=key, value=legacy[name], first=True))
                elif isinstance(written, Scalar) and name in _RESPELLED_FIELDS:
                    # The same word means something else in v2 (eval_mode mean is nirs4all_mean): write the v2 word
                    # that computes what the legacy one did; the candidate check below proves the IR unchanged.
                    ops.append(FixOp("replace_value", written.pointer, value=legacy[name]))
                else:
                    return f"`{key}` means something else in v2"
                gaps.append(key)
            differing = [k for k in legacy if k not in _GAP_FIELDS + _DERIVED_FIELDS and not strict_equal(study.get(k), legacy.get(k))]
            if differing:
                return "the v2 reading differs in " + ", ".join(differing)
            candidate = self._candidate(state, text, pointer, ops)
            if isinstance(candidate, str):
                return candidate
            cand_text, cand_state, study = candidate
            if not strict_equal(study, legacy):
                differing = [k for k in legacy if not strict_equal(study.get(k), legacy.get(k))]
                return "the v2 reading differs in " + ", ".join(differing)
        blocking = [
            d for d in cand_state.diagnostics
            if (d.pointer == pointer or d.pointer.startswith(pointer + "/"))
            and d.severity in ("error", "warning") and not d.code.startswith("FT4")
        ]
        if blocking:
            return "as v2 it would report " + ", ".join(f"{d.code} {RULES[d.code].name} at {d.pointer}" for d in blocking)
        description = "write version: 2" + (" (and the legacy meaning of " + ", ".join(gaps) + ")" if gaps else "")
        return cand_text, tuple(ops), description

    def _candidate(self, state: _State, text: str, pointer: str, ops: list[FixOp]) -> tuple[str, _State, Any] | str:
        plan = plan_edits(state.doc, [Fix("safe", "version 2", tuple(ops))])
        if not plan.accepted:
            return "cannot insert version: 2 (" + "; ".join(plan.unsupported.values()) + ")"
        cand_text = apply_edits(text, plan.edits)
        try:
            cand_state = self.analyze(cand_text)
        except _Unreadable as exc:
            return f"the v2 text does not compile ({exc})"
        study = next((strip_source(s) for s in cand_state.ir.studies if s.source.pointer == pointer), None)
        if study is None:
            return "the block disappears as v2"
        return cand_text, cand_state, study

    # -- what is left ------------------------------------------------------------------------

    def left(self, state: _State) -> list[LeftFix]:
        left: list[LeftFix] = []
        index = index_nodes(state.doc.root) if state.doc.root is not None else {}
        for d in state.diagnostics:
            if not _selected(d.code, self.select):
                continue
            fix = d.fix
            if fix is None and d.code == YAML_VERSION_SCALAR:
                fix = _synthesized_fix(state, d, index)
            if d.code == LEGACY_DIALECT:
                reason = self.legacy_reasons.get(d.pointer, "the block keeps findings that v2 cannot express")
                left.append(LeftFix(d.code, d.pointer, d.line, "manual", reason))
            elif fix is not None:
                sig = (d.code, d.pointer, fix.description)
                if sig in self.bad:
                    left.append(LeftFix(d.code, d.pointer, d.line, "failed", f"{fix.description}: {self.bad[sig]}"))
                elif fix.applicability == "unsafe" and not self.unsafe:
                    left.append(LeftFix(d.code, d.pointer, d.line, "unsafe", fix.description))
                else:
                    left.append(LeftFix(d.code, d.pointer, d.line, "failed", f"{fix.description}: not applied"))
            elif d.severity in ("error", "warning"):
                left.append(LeftFix(d.code, d.pointer, d.line, "manual", d.message))
        return left


_LONE_CR = re.compile(r"\r(?!\n)")


def migrate_text(
    text: str, path: str = "<string>", unsafe: bool = False, select: Iterable[str] = MIGRATE_SELECT,
    format: str | None = None,
) -> MigrationResult:
    """Migrate one document's text (see the module docstring). Never raises for bad input."""
    original = text
    bom = text.startswith("\ufeff")
    work = text[1:] if bom else text
    crlf = "\r\n" in work and work.count("\r\n") == work.count("\n")
    if crlf:
        work = work.replace("\r\n", "\n")
    result = MigrationResult(path, original, original)
    if _LONE_CR.search(work):
        result.error = "lone carriage-return line breaks are not supported by the migrator"
        return result
    fmt = format or detect_format(path, work)
    try:
        _run(result, work, _Migration(path, fmt, unsafe, tuple(select)), bom, crlf)
    except _Unreadable as exc:
        result.error = f"cannot parse: {exc}"
    except Exception as exc:  # never a traceback, never a half-migrated text
        result.error = f"internal error ({type(exc).__name__}: {exc})"
    if result.error is not None:
        result.text, result.applied, result.left = original, [], []
    return result


def _run(result: MigrationResult, work: str, migration: _Migration, bom: bool, crlf: bool) -> None:
    unsafe = migration.unsafe
    state = migration.analyze(work)
    if state.doc.root is None:
        return
    passes = 0
    while passes < MAX_PASSES:
        passes += 1
        new_state = migration.fix_round(state, "safe")
        if new_state is None and unsafe:
            new_state = migration.fix_round(state, "unsafe")
        if new_state is None:
            new_state = migration.convert_blocks(state)
        if new_state is None:
            break
        state = new_state
    result.passes = passes
    out = state.text
    if crlf:
        out = out.replace("\n", "\r\n")
    text = ("\ufeff" if bom else "") + out
    result.text = result.original if text == result.original else text
    result.applied = migration.applied
    result.left = migration.left(state)


# =========================================================================== files


def write_atomic(path: str, data: bytes) -> None:
    """Replace `path` with `data`: a temporary file in the same directory, fsync, rename.

    The file keeps its permission bits; a symlink is followed (its target is rewritten). On any
    failure the temporary file is removed and the original is left as it was.
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".ftmigrate", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable (best effort: not every platform opens directories)
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


@dataclass
class FileReport:
    path: str
    result: MigrationResult | None = None
    error: str | None = None
    """The file was not migrated: unreadable, unparseable, or could not be written."""
    written: bool = False

    @property
    def changed(self) -> bool:
        return self.error is None and self.result is not None and self.result.changed


@dataclass
class RunReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def changed(self) -> list[FileReport]:
        return [f for f in self.files if f.changed]

    @property
    def errors(self) -> list[FileReport]:
        return [f for f in self.files if f.error is not None]

    def applied(self) -> Counter[str]:
        return Counter(a.code for f in self.files if f.result for a in f.result.applied)

    def left(self, kind: str) -> Counter[str]:
        return Counter(x.code for f in self.files if f.result and f.error is None for x in f.result.left if x.kind == kind)


def migrate_path(path: str, *, unsafe: bool = False, select: Iterable[str] = MIGRATE_SELECT, write: bool = True) -> FileReport:
    """Migrate one file in place (when `write` and it changes); never raises for bad input."""
    report = FileReport(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        report.error = f"cannot read: {exc.strerror or exc}"
        return report
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.error = f"not valid UTF-8 (byte {exc.start}); left untouched"
        return report
    result = migrate_text(text, path, unsafe=unsafe, select=select)
    report.result = result
    if result.error is not None:
        report.error = f"{result.error}; left untouched"
        return report
    if write and result.changed:
        try:
            write_atomic(path, result.text.encode("utf-8"))
        except OSError as exc:
            report.error = f"cannot write: {exc.strerror or exc}; left untouched"
            return report
        report.written = True
    return report


def unified_diff(report: FileReport) -> str:
    import difflib

    assert report.result is not None
    old = report.result.original.splitlines(keepends=True)
    new = report.result.text.splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(old, new, fromfile=report.path, tofile=report.path):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def fix_paths(
    paths: Iterable[str], unsafe: bool = False, out: IO[str] | None = None, *, select: Iterable[str] = LINT_SELECT,
    write: bool = True, diff: TextSink | None = None, quiet: bool = False, tool: str = "ftlint --fix",
) -> RunReport:
    """Migrate files (in place unless `write` is false); unified diffs to `diff`; summary to `out`."""
    select = tuple(select)
    report = RunReport()
    for path in paths:
        file_report = migrate_path(path, unsafe=unsafe, select=select, write=write)
        report.files.append(file_report)
        if diff is not None and file_report.changed:
            diff.write(unified_diff(file_report))
    stream = out if out is not None else sys.stderr
    stream.write(render_summary(report, tool=tool, dry_run=not write, quiet=quiet, unsafe=unsafe))
    return report


def _left_kind(x: LeftFix) -> str:
    return "decision" if x.kind == "unsafe" and x.code in DECISIONS else x.kind


def render_summary(report: RunReport, *, tool: str = "ftmigrate", dry_run: bool = False, quiet: bool = False, unsafe: bool = False) -> str:
    """The per-run summary: files changed, fixes applied per rule, fixes left."""
    lines: list[str] = []
    for f in report.errors:
        lines.append(f"{tool}: {f.path}: {f.error}")
    if quiet:
        return "".join(line + "\n" for line in lines)
    changed = len(report.changed)
    verb = "would change" if dry_run else "changed"
    unchanged = len(report.files) - changed - len(report.errors)
    lines.append(f"{tool}: {changed} file(s) {verb}, {unchanged} unchanged" + (f", {len(report.errors)} not migrated" if report.errors else ""))
    applied = report.applied()
    if applied:
        lines.append("fixes applied:" if not dry_run else "fixes to apply:")
        for code, count in sorted(applied.items()):
            lines.append(f"  {code} {RULES[code].name}: {count}")
    applied_unsafe = [(f, a) for f in report.files if f.result for a in f.result.applied if a.applicability == "unsafe"]
    risky = [(f, a) for f, a in applied_unsafe if a.code not in DECISIONS]
    if risky:
        lines.append("unsafe fixes (the meaning changed):")
        for f, a in risky:
            rule = RULES[a.code]
            lines.append(f"  {f.path}:{a.line}: {a.code} {rule.name}: {a.description}")
            lines.append(f"    old runtime: {rule.old}")
            lines.append(f"    now: {rule.now}")
    decided = [(f, a) for f, a in applied_unsafe if a.code in DECISIONS]
    if decided:
        lines.append("decisions made by --unsafe-fixes (the categorical nirs4all ran; the meaning is unchanged):")
        lines.extend(f"  {f.path}:{a.line}: {a.code} {RULES[a.code].name}: {a.description}" for f, a in decided)
    for kind, title in (
        ("decision", "decisions to make (--unsafe-fixes writes the first, what nirs4all ran; write the range by hand if it was meant):"),
        ("unsafe", "fixes left (unsafe, apply with --unsafe-fixes):"),
        ("manual", "fixes left (manual):"),
        ("failed", "fixes that could not be applied:"),
    ):
        found = [(f, x) for f in report.files if f.result and f.error is None for x in f.result.left if _left_kind(x) == kind]
        if not found:
            continue
        lines.append(title)
        for code, count in sorted(Counter(x.code for _, x in found).items()):
            lines.append(f"  {code} {RULES[code].name}: {count}")
        # Details: every decision to make, every fix that failed, and why each legacy block stays legacy.
        for f, x in found:
            if kind in ("decision", "failed") or x.code == LEGACY_DIALECT:
                lines.append(f"    {f.path}:{x.line}: {x.code} {x.reason}")
    if not unsafe and any(_left_kind(x) == "unsafe" for f in report.files if f.result and f.error is None for x in f.result.left):
        lines.append("(unsafe fixes change what the config means: review them in docs/migration.md)")
    return "".join(line + "\n" for line in lines)
