"""Self-check of the classifier (no nirs4all needed): a fabricated nirs4all result equal to ftspec's
own calls agrees; a changed distribution without a finding at its pointer is unexplained; the same
change on a parameter that carries a finding is explained; a rejection ftspec does not report is
unexplained."""

from __future__ import annotations

import copy
import json

import pytest

from ftspec.compiler.compile import compile_text

from .compare import Block, classify, ftspec_calls, n4a_name

pytestmark = pytest.mark.differential

BLOCK = {"n_trials": 5, "metric": "rmse", "seed": 1,
         "model_params": {"n_components": ["int", 1, 10], "scale": [True, False],
                          "alpha": {"type": "float_log", "min": 0.001, "max": 1.0}},
         "train_params": {"epochs": {"type": "int", "low": 5, "high": 20}}}


def _block(block: dict) -> Block:
    result = compile_text(json.dumps(block), "<selfcheck>", "json")
    return Block("selfcheck", "finetune_params", block, "", result, result.ir.studies[0])


def _fake_probe(blk: Block) -> dict:
    fts = ftspec_calls(blk.study)
    calls = [dict(c, name=n4a_name(c["name"])) for c in fts["calls"]]
    return {"validation": {"ok": True, "error": None}, "calls": calls, "sample_error": None,
            "sampled": copy.deepcopy(fts["sampled"])}


def test_identical_agrees() -> None:
    blk = _block(BLOCK)
    assert classify(blk, _fake_probe(blk)).klass == "agree"


def test_changed_distribution_without_finding_is_unexplained() -> None:
    blk = _block(BLOCK)
    probe = _fake_probe(blk)
    call = next(c for c in probe["calls"] if c["name"] == "scale")
    call["distribution"]["attributes"]["choices"] = [False, True]
    # every legacy parameter carries an informational finding (FT205 here): take it away
    blk.result.diagnostics = [d for d in blk.result.diagnostics if d.pointer != "/model_params/scale"]
    out = classify(blk, probe)
    assert out.klass == "unexplained"
    assert [d["kind"] for d in out.differences] == ["distribution"]


def test_difference_with_finding_at_pointer_is_explained() -> None:
    blk = _block(BLOCK)
    assert [d for d in blk.result.diagnostics if d.pointer == "/model_params/alpha"], "a legacy-spelling finding"
    probe = _fake_probe(blk)
    probe["calls"] = [c for c in probe["calls"] if c["name"] != "alpha"]
    probe["sampled"]["model_params"].pop("alpha")
    assert classify(blk, probe).klass == "explained"


def test_missing_parameter_and_silent_acceptance_are_unexplained() -> None:
    blk = _block(BLOCK)
    probe = _fake_probe(blk)
    probe["calls"].append({"method": "suggest_int", "name": "train_epochs_extra", "args": [], "kwargs": {},
                           "distribution": None})
    assert classify(blk, probe).klass == "unexplained"
    probe = _fake_probe(blk)
    probe["sample_error"] = {"type": "ValueError", "message": "boom"}
    assert classify(blk, probe).klass == "unexplained"


def _fake_study(sampler_class: str, seed: int | None) -> dict:
    """A probe `study` record: what nirs4all built (seed passed, no pruner, minimize, 5 trials)."""
    return {"metric": "rmse", "direction": "minimize", "sampler": {"class": sampler_class, "arguments": {"seed": seed}},
            "phase_samplers": [], "pruner": None, "study_pruner": "optuna.pruners.MedianPruner",
            "storage": None, "enqueued": [], "n_trials": 5, "phases_n_trials": []}


def test_sampler_class_is_compared_and_an_info_note_does_not_explain_it() -> None:
    blk = _block(dict(BLOCK, sampler="random"))
    assert [d.code for d in blk.result.diagnostics if d.pointer == "/sampler"] == ["FT303"]  # info note
    probe = _fake_probe(blk)
    probe["study"] = _fake_study("optuna.samplers.RandomSampler", 1)
    assert classify(blk, probe).klass == "agree"
    probe["study"] = _fake_study("optuna.samplers.TPESampler", 1)
    out = classify(blk, probe)
    assert out.klass == "unexplained"
    assert [(d["kind"], d["param"], d["pointers"], d["explained_by"]) for d in out.differences] == [
        ("setting", "sampler", ["/sampler", "/seed"], [])]
    probe["study"] = _fake_study("optuna.samplers.RandomSampler", 2)
    assert [(d["param"], d["nirs4all"], d["ftspec"]) for d in classify(blk, probe).differences] == [("sampler.seed", 2, 1)]
