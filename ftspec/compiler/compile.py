"""The compiler's one entry point: source -> located tree -> front-end -> IR + diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ftspec._record import Fields
from ftspec.compiler.checks import Lowering, run_study_checks
from ftspec.compiler.diagnostics import Collector, Diagnostic
from ftspec.compiler.frontends.legacy import BlockContext, lower_legacy
from ftspec.compiler.frontends.pipeline import lower_pipeline
from ftspec.compiler.frontends.v2 import lower_v2
from ftspec.compiler.nodes import Mapping
from ftspec.compiler.rules import all_rules
from ftspec.compiler.rules.structure import check_block
from ftspec.compiler.source import SourceDocument, load_path, load_text
from ftspec.compiler.walk import find_blocks
from ftspec.ir import IR_VERSION, IRDocument, Study, StudySource


UNREADABLE_CODES = frozenset({"FT001", "FT007", "FT009", "FT010", "FT012"})


@dataclass(eq=False, repr=False)
class CompileResult(Fields):
    """What compiling one file gives: its IR and every finding."""

    path: str
    document: SourceDocument | None
    """None when the file could not be read."""
    ir: IRDocument
    diagnostics: list[Diagnostic]
    """Every finding of the file, sorted by position."""
    campaign: Any = None
    """A campaign file's `ftspec.campaign.model.CampaignDocument` (`ir` then holds its concrete studies); else None."""

    @property
    def unreadable(self) -> bool:
        """The file could not be read or parsed (exit code 2)."""
        return any(d.code in UNREADABLE_CODES for d in self.diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


def compile_document(doc: SourceDocument, collector: Collector, campaigns: list[Any] | None = None) -> IRDocument:
    all_rules()  # imports every rule module: their study checks are registered
    if isinstance(doc.root, Mapping) and "campaign" in doc.root:  # a campaign file: ftspec.campaign lowers it
        from ftspec.campaign.compile import lower_campaign  # only for campaign files: the linter's start-up stays as it was

        campaign = lower_campaign(doc, collector, compile_path)
        if campaigns is not None and campaign is not None:
            campaigns.append(campaign)
        return IRDocument(ir_version=IR_VERSION, studies=campaign.studies if campaign is not None else [])
    studies: list[Study] = []
    for block in find_blocks(doc.root):
        node = block.node
        key_name = block.key.value if block.key is not None else "finetune_params"
        if not check_block(collector, node, key_name):
            continue
        assert isinstance(node, Mapping)  # check_block passed it
        lo = Lowering(collector, node)
        if block.key is not None:
            lo.fields["_key"] = block.key
        source = StudySource(file=doc.path, pointer=node.pointer, line=node.span.line, column=node.span.column)
        pipeline = lower_pipeline(block)
        if "version" in node:
            study = lower_v2(lo, block.study_id, source, pipeline)
        else:
            ctx = BlockContext(kind=block.kind, model_class=block.model_class, has_folds=block.has_folds)
            study = lower_legacy(lo, block.study_id, source, ctx, pipeline)
        run_study_checks(study, lo)
        studies.append(study)
    return IRDocument(ir_version=IR_VERSION, studies=studies)


def compile_path(path: str) -> CompileResult:
    collector = Collector(path)
    doc = load_path(path, collector)
    campaigns: list[Any] = []
    ir = compile_document(doc, collector, campaigns) if doc is not None else IRDocument(ir_version=IR_VERSION, studies=[])
    return CompileResult(path, doc, ir, collector.sorted(), campaigns[0] if campaigns else None)


def compile_text(text: str, path: str = "<string>", format: str | None = None) -> CompileResult:
    collector = Collector(path)
    doc = load_text(text, path, collector, format)
    campaigns: list[Any] = []
    ir = compile_document(doc, collector, campaigns)
    return CompileResult(path, doc, ir, collector.sorted(), campaigns[0] if campaigns else None)
