"""Differential comparison of ftspec against the published nirs4all, block by block.

For each block, nirs4all's side comes from `tools/n4a_probe.py` (validation result, the
`trial.suggest_*` calls of `OptunaManager.sample_hyperparameters`, the sampled dicts, the study it
builds). ftspec's side
is the compiled study and the calls `ftspec.runtime.space.suggest` makes on a recording trial driven
by the same deterministic sampler as the probe (lowest value, first choice; both import it from
`tools/n4a_trial.py`), so the sampled values are comparable too.

Differences (each with the JSON pointer, in the compiled document, of the parameter it concerns):

- `missing`: nirs4all suggests a parameter that ftspec does not;
- `extra`: ftspec suggests a parameter that nirs4all does not;
- `distribution`: both suggest it, with different Optuna distributions (the distribution Optuna
  really used, so `high` rounded down to the step is not a difference);
- `condition`: ftspec samples the parameter only under a condition, nirs4all always samples it;
- `value`: the sampled (model_params, train_params) differ at a leaf (where values are placed,
  fixed values, nesting), with the same sampled values on both sides;
- `runtime`: ftspec's runtime raised on a block it accepts;
- `setting`: the study nirs4all builds before its first trial (`tools/n4a_probe.py`: sampler class,
  the options its constructor got and its seed, per phase when there are phases; the pruner nirs4all
  asks for; direction; n_trials) differs from the IR's (`sampler.kind` + options, `seed`, `phases`,
  `pruner.kind` + options, `direction`, `n_trials`). Its pointers are those of the keys deciding the
  setting (`sampler`/`sample`, `seed`, `pruner`, `direction`/`metric`, `n_trials`/`phases`); it is
  explained only by a warning or error finding there: an informational note (e.g. FT303 "random ran
  TPE before 2026-02; it now runs random") states agreement with nirs4all 1.4, not a difference;
- `accept`: nirs4all rejects (validation or sampling raises) and ftspec has no error finding, or
  ftspec has an error finding and nirs4all accepts.

A block is `agree` with no difference, `explained` when every difference is explained, else
`unexplained`. A parameter difference is explained by a finding whose pointer is the parameter's
pointer or one of its ancestors strictly inside the block (the block's own pointer does not count:
a block-level finding says nothing about one parameter). An `accept` difference where ftspec
rejects is explained by its error findings; one where nirs4all rejects and ftspec does not is never
explained. When both reject, accept/reject agrees and the parameters are still compared (nirs4all's
validation and sampling are independent; its raw block is sampled when validation raised), each
difference needing its own finding; when nirs4all's sampling raised, parameters it never reached
are not compared.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftspec.compiler.compile import CompileResult
from ftspec.ir import SortedTupleParam, Study, optuna_name
from ftspec.runtime.space import suggest
from ftspec.schema.metrics import METRICS
from ftspec.schema.vocab import PRUNERS, SAMPLERS


def _load_trial_module() -> Any:
    """tools/n4a_trial.py, the lowest-value sampler and recording trial the probe uses too."""
    path = Path(__file__).resolve().parents[2] / "tools" / "n4a_trial.py"
    module = sys.modules.get("n4a_trial")
    if module is None:
        spec = importlib.util.spec_from_file_location("n4a_trial", path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules["n4a_trial"] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


_trial = _load_trial_module()


# --------------------------------------------------------------------------- pointers


def escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def join(pointer: str, *segments: str) -> str:
    return pointer + "".join("/" + escape(str(s)) for s in segments)


def within(pointer: str, ancestor: str) -> bool:
    """`pointer` is `ancestor` or below it."""
    return pointer == ancestor or pointer.startswith(ancestor + "/")


def _resolve_flat(node: Any, pointer: str, name: str) -> str | None:
    """Pointer of the spec that a flattened name (`a__b`) came from inside mapping `node`."""
    if not isinstance(node, dict):
        return None
    if name in node:
        return join(pointer, name)
    for key, child in node.items():
        if isinstance(key, str) and name.startswith(key + "__") and isinstance(child, dict):
            found = _resolve_flat(child, join(pointer, key), name[len(key) + 2:])
            if found:
                return found
    return None


_SUFFIX = re.compile(r"_(length|\d+)$")


def resolve_n4a_name(block: Any, block_ptr: str, obj: str, name: str) -> str:
    """Pointer (in the compiled document) of the spec behind a nirs4all Optuna parameter name."""
    if not isinstance(block, dict):
        return block_ptr
    model_node, model_ptr = (block, block_ptr) if obj == "finetune_space" else (
        block.get("model_params"), join(block_ptr, "model_params"))
    train_node, train_ptr = block.get("train_params"), join(block_ptr, "train_params")
    candidates = [name]
    stripped = _SUFFIX.sub("", name)
    if stripped != name:
        candidates.append(stripped)
    for cand in candidates:
        if cand.startswith("train_"):
            found = _resolve_flat(train_node, train_ptr, cand[len("train_"):])
            if found:
                return found
        found = _resolve_flat(model_node, model_ptr, cand)
        if found:
            return found
    return model_ptr if isinstance(model_node, dict) else block_ptr


def resolve_path(block: Any, base: str, node: Any, path: list[str]) -> str:
    """Deepest pointer of the block matching an output path (segments may be `__`-joined keys)."""
    pointer = base
    i = 0
    while i < len(path):
        if not isinstance(node, dict):
            break
        for j in range(len(path), i, -1):
            key = "__".join(path[i:j])
            if key in node:
                node, pointer, i = node[key], join(pointer, key), j
                break
        else:
            break
    return pointer


# --------------------------------------------------------------------------- ftspec side


def ftspec_calls(study: Study) -> dict[str, Any]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    rec = _trial.Recorder(_trial.lowest_trial())
    out: dict[str, Any] = {"calls": rec.calls, "error": None, "sampled": None}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Optuna's storage advice on list choices
            model, train = suggest(rec, study)
        out["sampled"] = {"model_params": _trial.jsonable(model), "train_params": _trial.jsonable(train)}
    except Exception as exc:
        out["error"] = {"type": type(exc).__name__, "message": str(exc)}
    return out


def n4a_name(ftspec_name: str) -> str:
    """ftspec's Optuna name in nirs4all's spelling (`train:x` -> `train_x`)."""
    return "train_" + ftspec_name[len("train:"):] if ftspec_name.startswith("train:") else ftspec_name


def entry_names(study: Study) -> dict[str, Any]:
    """nirs4all-spelled Optuna name -> IR entry, for every name an entry can suggest."""
    names: dict[str, Any] = {}
    for entry in study.space:
        base = n4a_name(optuna_name(entry))
        names[base] = entry
        if isinstance(entry, SortedTupleParam):
            names[f"{base}_length"] = entry
            for i in range(entry.length_high):
                names[f"{base}_{i}"] = entry
    return names


# --------------------------------------------------------------------------- comparison


def same_json(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def leaf_diffs(a: Any, b: Any, path: list[str]) -> list[tuple[list[str], Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict) or (
        a is _ABSENT and isinstance(b, dict) and b) or (b is _ABSENT and isinstance(a, dict) and a):
        # a non-empty dict facing nothing is compared leaf by leaf, so that each leaf is located
        a_map = a if isinstance(a, dict) else {}
        b_map = b if isinstance(b, dict) else {}
        out = []
        for key in list(a_map) + [k for k in b_map if k not in a_map]:
            out += leaf_diffs(a_map.get(key, _ABSENT), b_map.get(key, _ABSENT), path + [key])
        return out
    if a is _ABSENT or b is _ABSENT or not same_json(a, b):
        return [(path, a, b)]
    return []


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT = _Absent()


@dataclass
class Block:
    """One block to compare: where it comes from and how it was compiled."""

    source: str
    obj: str  # finetune_params | finetune_space
    block: Any  # the block as plain JSON (what nirs4all is given)
    pointer: str  # the block's pointer in the compiled document
    result: CompileResult
    study: Study | None


@dataclass
class Outcome:
    source: str
    klass: str
    differences: list[dict] = field(default_factory=list)
    findings_used: list[dict] = field(default_factory=list)
    nirs4all: dict = field(default_factory=dict)
    ftspec: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "class": self.klass, "differences": self.differences,
                "findings_used": self.findings_used, "nirs4all": self.nirs4all, "ftspec": self.ftspec}


def _finding(d: Any) -> dict[str, Any]:
    return {"code": d.code, "severity": d.severity, "pointer": d.pointer, "message": d.message}


def classify(blk: Block, probe: dict) -> Outcome:
    diags = [d for d in blk.result.diagnostics if within(d.pointer, blk.pointer)]
    errors = [d for d in diags if d.severity == "error"]
    inner = [d for d in diags if d.pointer != blk.pointer]

    n4a_validation_error = (probe.get("validation") or {}).get("error")
    n4a_reject = probe.get("probe_error") or n4a_validation_error or probe.get("sample_error")
    n4a_calls = [c for c in probe.get("calls", [])]
    fts = ftspec_calls(blk.study) if blk.study is not None else {"calls": [], "error": None, "sampled": None}
    ft_reject = bool(errors)

    out = Outcome(source=blk.source, klass="agree")
    out.nirs4all = {"validation_error": n4a_validation_error, "sample_error": probe.get("sample_error"),
                    "probe_error": probe.get("probe_error"), "calls": n4a_calls, "sampled": probe.get("sampled")}
    out.ftspec = {"errors": len(errors), "calls": fts["calls"], "runtime_error": fts["error"],
                  "sampled": fts["sampled"], "study": blk.study is not None}

    diffs: list[dict] = []
    names = entry_names(blk.study) if blk.study is not None else {}

    def param_ptr(name: str) -> list[str]:
        ptrs = []
        entry = names.get(name)
        if entry is not None:
            ptrs.append(entry.source.pointer)
        resolved = resolve_n4a_name(blk.block, blk.pointer, blk.obj, name)
        if resolved not in ptrs:
            ptrs.append(resolved)
        return ptrs

    # -- parameters and distributions
    n4a_by_name = {}
    for call in n4a_calls:
        n4a_by_name.setdefault(call["name"], call)
    ft_by_name = {}
    for call in fts["calls"]:
        ft_by_name.setdefault(n4a_name(call["name"]), call)
    n4a_sampling_stopped = bool(probe.get("sample_error"))
    for name in list(n4a_by_name) + [n for n in ft_by_name if n not in n4a_by_name]:
        a, b = n4a_by_name.get(name), ft_by_name.get(name)
        if a is None:
            if n4a_sampling_stopped:
                continue  # nirs4all never got there
            diffs.append({"kind": "extra", "param": name, "pointers": param_ptr(name), "ftspec": _call_view(b)})
        elif b is None:
            diffs.append({"kind": "missing", "param": name, "pointers": param_ptr(name), "nirs4all": _call_view(a)})
        elif not same_json(a.get("distribution"), b.get("distribution")) or ("error" in a) != ("error" in b):
            diffs.append({"kind": "distribution", "param": name, "pointers": param_ptr(name),
                          "nirs4all": _call_view(a), "ftspec": _call_view(b)})
    if blk.study is not None:
        for entry in blk.study.space:
            if entry.condition is not None:
                name = n4a_name(optuna_name(entry))
                diffs.append({"kind": "condition", "param": name, "pointers": [entry.source.pointer],
                              "ftspec": {"condition": {"param": entry.condition.param,
                                                       "values": _trial.jsonable(entry.condition.values),
                                                       "negate": entry.condition.negate}}})

    # -- sampled values (same deterministic sampler on both sides)
    if not n4a_reject and probe.get("sampled") is not None and fts["sampled"] is not None:
        for target in ("model_params", "train_params"):
            if blk.obj == "finetune_space" and target == "model_params":
                base_node, base_ptr = blk.block, blk.pointer
            else:
                base_node = blk.block.get(target) if isinstance(blk.block, dict) else None
                base_ptr = join(blk.pointer, target)
            for path, a, b in leaf_diffs(probe["sampled"][target], fts["sampled"][target], []):
                if isinstance(base_node, dict):
                    # nirs4all splits flat names on "__" to nest them: resolve the joined name first
                    pointer = (_resolve_flat(base_node, base_ptr, "__".join(path))
                               or resolve_path(blk.block, base_ptr, base_node, path))
                elif target == "model_params" and not _key_in(blk.block, target) and isinstance(blk.block, dict):
                    # no model_params: the values come from top-level keys (legacy flat form)
                    pointer = resolve_path(blk.block, blk.pointer, blk.block, path)
                else:
                    pointer = base_ptr
                diffs.append({"kind": "value", "param": target + "/" + "/".join(path), "pointers": [pointer],
                              "nirs4all": _trial.jsonable(a), "ftspec": _trial.jsonable(b)})

    if fts["error"] is not None and not ft_reject and not n4a_reject:
        diffs.append({"kind": "runtime", "param": None, "pointers": [blk.pointer], "ftspec": fts["error"]})

    # -- study settings (what nirs4all built before its first trial)
    if probe.get("study") is not None and blk.study is not None:
        diffs += setting_diffs(blk, probe["study"])
    elif probe.get("study_error") and not ft_reject and not n4a_reject:
        diffs.append({"kind": "setting", "param": "study", "pointers": [blk.pointer],
                      "nirs4all": probe["study_error"], "ftspec": "compiled"})

    # -- explain each difference
    used: dict[int, Any] = {}
    unexplained = 0
    for diff in diffs:
        hits = [d for d in inner if any(within(p, d.pointer) for p in diff["pointers"])
                and (diff["kind"] != "setting" or d.severity != "info")]
        diff["explained_by"] = [f"{d.code}@{d.pointer}" for d in hits]
        diff["only_info"] = bool(hits) and all(d.severity == "info" for d in hits)
        for d in hits:
            used[id(d)] = d
        if not hits:
            unexplained += 1

    # -- accept / reject
    if n4a_reject and not ft_reject:
        diffs.append({"kind": "accept", "param": None, "pointers": [blk.pointer],
                      "nirs4all": n4a_reject, "ftspec": "accepted (no error finding)", "explained_by": []})
        unexplained += 1
    elif ft_reject and not n4a_reject:
        diffs.append({"kind": "accept", "param": None, "pointers": [blk.pointer], "nirs4all": "accepted",
                      "ftspec": "rejected", "explained_by": [f"{d.code}@{d.pointer}" for d in errors]})
        for d in errors:
            used[id(d)] = d

    out.differences = diffs
    out.findings_used = [_finding(d) for d in used.values()]
    out.klass = "agree" if not diffs else ("unexplained" if unexplained else "explained")
    return out


def _key_ptrs(blk: Block, node: Any, base: str, *keys: str) -> list[str]:
    """Pointers of the keys (present in `node`) responsible for a setting; `base` when none is."""
    ptrs = [join(base, k) for k in keys if isinstance(node, dict) and k in node]
    return ptrs or [base]


def _component_diffs(what: str, table: dict, ir: Any, n4a: dict | None, seed: Any, check_seed: bool,
                     pointers: list[str]) -> list[dict]:
    """Class, then every IR option nirs4all's constructor call fixed (None: Optuna resolves it
    itself, e.g. TPE's multivariate), then the seed it was given."""
    n4a_class = n4a["class"] if n4a else table["none"].optuna_class if "none" in table else None
    ir_class = table[ir.kind].optuna_class if ir.kind in table else ir.kind
    view = {"kind": ir.kind, "class": ir_class, "options": _trial.jsonable(ir.options)}
    if n4a_class != ir_class:
        return [{"kind": "setting", "param": what, "pointers": pointers, "nirs4all": n4a, "ftspec": view}]
    out = []
    arguments = (n4a or {}).get("arguments") or {}
    for key, value in ir.options.items():
        if key in arguments and arguments[key] is not None and not same_json(arguments[key], _trial.jsonable(value)):
            out.append({"kind": "setting", "param": f"{what}.{key}", "pointers": pointers,
                        "nirs4all": arguments[key], "ftspec": _trial.jsonable(value)})
    if check_seed and "seed" in arguments and not same_json(arguments["seed"], seed):
        out.append({"kind": "setting", "param": f"{what}.seed", "pointers": pointers,
                    "nirs4all": arguments["seed"], "ftspec": seed})
    return out


def setting_diffs(blk: Block, n4a: dict) -> list[dict]:
    """Sampler (class, options, seed; per phase too), pruner, direction and n_trials: nirs4all's
    built study against the IR's, each with the pointers of the keys that decide it."""
    study, node, base = blk.study, blk.block, blk.pointer
    assert study is not None
    out: list[dict] = []
    phases = node.get("phases") if isinstance(node, dict) else None
    seed_ptrs = _key_ptrs(blk, node, base, "seed")
    if study.phases and n4a.get("phase_samplers"):
        # the study's own sampler never samples: each phase swaps its own in first
        for i, (ir_phase, n4a_sampler) in enumerate(zip(study.phases, n4a["phase_samplers"])):
            item = phases[i] if isinstance(phases, list) and i < len(phases) else None
            ptrs = _key_ptrs(blk, item, join(base, "phases", i), "sampler", "sample") + seed_ptrs
            out += _component_diffs(f"phases/{i}/sampler", SAMPLERS, ir_phase.sampler, n4a_sampler, study.seed, True, ptrs)
        if len(study.phases) != len(n4a["phase_samplers"]):
            out.append({"kind": "setting", "param": "phases", "pointers": _key_ptrs(blk, node, base, "phases"),
                        "nirs4all": len(n4a["phase_samplers"]), "ftspec": len(study.phases)})
    else:
        ptrs = _key_ptrs(blk, node, base, "sampler", "sample") + seed_ptrs
        written = node.get("sampler", node.get("sample")) if isinstance(node, dict) else None
        if written is None or str(written).strip().lower() in ("auto", "grid"):
            # grid or TPE is decided by the parameters (nirs4all's _is_grid_search_suitable)
            ptrs += [e.source.pointer for e in study.space]
        out += _component_diffs("sampler", SAMPLERS, study.sampler, n4a["sampler"], study.seed, True, ptrs)
    out += _component_diffs("pruner", PRUNERS, study.pruner, n4a["pruner"], None, False,
                            _key_ptrs(blk, node, base, "pruner"))
    # no metric: nirs4all minimizes the controller's default loss (mse, or -balanced_accuracy), the
    # same order as the IR's default metric taken in its own direction
    # (a legacy block has one objective: the IR's objectives[0])
    objective = study.objectives[0]
    same_order = n4a.get("metric") is None and n4a["direction"] == "minimize" and objective.metric in METRICS \
        and objective.direction == METRICS[objective.metric].direction
    if n4a["direction"] != objective.direction and not same_order:
        out.append({"kind": "setting", "param": "direction", "pointers": _key_ptrs(blk, node, base, "direction", "metric"),
                    "nirs4all": n4a["direction"], "ftspec": objective.direction})
    if not same_json(n4a["n_trials"], study.n_trials):
        out.append({"kind": "setting", "param": "n_trials", "pointers": _key_ptrs(blk, node, base, "n_trials", "phases"),
                    "nirs4all": n4a["n_trials"], "ftspec": study.n_trials})
    return out


def _key_in(block: Any, key: str) -> bool:
    return isinstance(block, dict) and key in block


def _call_view(call: dict | None) -> dict | None:
    if call is None:
        return None
    view = {"method": call["method"], "args": call["args"], "kwargs": call["kwargs"],
            "distribution": call.get("distribution")}
    if "error" in call:
        view["error"] = call["error"]
    return view
