"""Mutation check of the test suite: flip one lowering (or runtime) rule at a time in a copy of the
committed tree and show which suites notice.

    python tools/mutate.py                 # every mutant; prints the table and "killed N/N"
    python tools/mutate.py --only log-dropped,seed-dropped

The copy is `git archive HEAD` unpacked in a temporary directory (the working tree, where other
people's edits are in progress, is never touched, and neither is .git). For each mutant, one exact
piece of source text is replaced (it must occur exactly once in its file, so that the list fails
loudly when the code it names changes), and each suite runs against the copy (`PYTHONPATH` and
the working directory point at it) with `-x`:

- goldens: tests/test_golden.py (exact IR and findings of every fixture);
- front-ends: tests/test_frontends.py, tests/test_rules_optuna.py;
- properties: tests/test_properties.py, tests/test_properties_runtime.py;
- runtime: tests/test_runtime_space.py, tests/test_runtime_build.py, tests/test_runtime_semantics.py,
  tests/test_runtime_optimize.py;
- differential: tests/differential (against nirs4all 1.4.10) when its virtual environment is
  cached (`python -m tests.differential.n4a_env` creates it), else the column says "no venv".

Tests that already fail on the unmutated copy (open bugs pinned by tests) are run once first and
deselected. A mutant is killed when at least one suite fails; the table names the first failing
test of each suite. The exit code is 1 when a mutant survives.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SUITES: dict[str, list[str]] = {
    "goldens": ["tests/test_golden.py"],
    "front-ends": ["tests/test_frontends.py", "tests/test_rules_optuna.py"],
    "properties": ["tests/test_properties.py", "tests/test_properties_runtime.py"],
    "runtime": ["tests/test_runtime_space.py", "tests/test_runtime_build.py", "tests/test_runtime_semantics.py",
                "tests/test_runtime_optimize.py"],
    "differential": ["-m", "differential", "tests/differential"],
}


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    old: str
    new: str
    what: str


FE = "ftspec/compiler/frontends/"
RULES = "ftspec/compiler/rules/"
MUTANTS = [
    Mutant("log-dropped", "ftspec/compiler/values.py",
           "return IntParam(name=name, target=target, low=low, high=high, step=step, log=log,",
           "return IntParam(name=name, target=target, low=low, high=high, step=step, log=False,",
           "int ranges lose their log flag"),
    Mutant("float-log-dropped", RULES + "space.py",
           'log = bool(read_bool(lo, log_node, f"{name}.log"))',
           'log = bool(read_bool(lo, log_node, f"{name}.log")) and False',
           "v2 `log: true` is read as false (int and float)"),
    Mutant("bounds-swapped", RULES + "space.py",
           "return values[0], values[1], step, log", "return values[1], values[0], step, log",
           "v2 low and high exchanged"),
    Mutant("step-ignored", RULES + "space.py",
           "step = int(value) if integral else value  # type: ignore[arg-type]", "step = None",
           "v2 `step` dropped (ints step 1, floats continuous)"),
    Mutant("alias-random-as-tpe", RULES + "study.py",
           'if token != "tpe":\n            lo.report(SAMPLER_WAS_TPE, node, value=token)\n        return default_component(token, SAMPLERS)',
           'if token != "tpe":\n            lo.report(SAMPLER_WAS_TPE, node, value=token)\n        return default_component("tpe" if token == "random" else token, SAMPLERS)',
           "legacy `sampler: random` lowered to the tpe kind"),
    Mutant("int-high-off-by-one", "ftspec/compiler/values.py",
           "    high = adjusted_high(low, high, step, True)\n    return IntParam(",
           "    high = adjusted_high(low, high, step, True) + 1\n    return IntParam(",
           "int ranges one past their high"),
    Mutant("choices-reordered", "ftspec/compiler/values.py",
           "return CategoricalParam(name=name, target=target, choices=choices,",
           "return CategoricalParam(name=name, target=target, choices=choices[1:] + choices[:1],",
           "categorical choices rotated by one"),
    Mutant("choice-dropped", "ftspec/compiler/values.py",
           "return CategoricalParam(name=name, target=target, choices=choices,",
           "return CategoricalParam(name=name, target=target, choices=choices[:-1] or choices,",
           "the last categorical choice dropped"),
    Mutant("direction-ignored", RULES + "study.py",
           "    return metric, expected\n", '    return metric, "minimize"\n',
           "every study minimises, whatever its metric"),
    Mutant("seed-dropped", FE + "v2.py",
           'carried = {f.name: read_carried_key(lo, f) for f in V2_FIELDS if f.carried}',
           'carried = {f.name: None if f.name == "seed" else read_carried_key(lo, f) for f in V2_FIELDS if f.carried}',
           "v2 `seed` dropped"),
    Mutant("condition-negation-flipped", RULES + "space.py",
           'negate=key == "when_not")', 'negate=key != "when_not")',
           "`when` lowered as `when_not` and back"),
    Mutant("sorted-tuple-length-off-by-one", RULES + "space.py",
           "sorted_tuple_entry(name, target, length_low, length_high, spec,",
           "sorted_tuple_entry(name, target, length_low, length_high + 1, spec,",
           "v2 sorted tuple one element longer at most"),
    # The runtime: what a faithful IR becomes in Optuna.
    Mutant("runtime-float-step-ignored", "ftspec/runtime/space.py",
           "**_float_options(entry.low, entry.high, entry.step, entry.log, bruteforce))",
           "**_float_options(entry.low, entry.high, None, entry.log, bruteforce))",
           "suggest_float without the IR's step"),
    Mutant("runtime-condition-flipped", "ftspec/runtime/space.py",
           "return member != cond.negate", "return member == cond.negate",
           "conditions evaluated negated"),
    Mutant("runtime-seed-dropped", "ftspec/runtime/build.py",
           "return cls(*args, seed=seed, **options)", "return cls(*args, seed=None, **options)",
           "samplers unseeded"),
    # The runtime's objective (issue 16): what a trial's folds become, against nirs4all 1.4.10's.
    Mutant("runtime-aggregation-direction-flipped", "ftspec/runtime/metrics.py",
           'choose = min if direction == "minimize" else max', 'choose = max if direction == "minimize" else min',
           "best (and nirs4all_best) take the worst fold in the study's direction"),
    Mutant("runtime-intermediate-report-skipped", "ftspec/runtime/optimize.py",
           "            if report_folds:\n                ctx.report(index, scores)",
           "            if report_folds and False:\n                ctx.report(index, scores)",
           "no per-fold intermediate value under grouped: pruners never prune"),
    Mutant("runtime-nonfinite-fold-not-reported", "ftspec/runtime/optimize.py",
           "failed.append(_failure(problem, fold))\n                value = worst",
           "failed.append(_failure(problem, fold))\n                scores.append(worst)\n                continue",
           "a NaN/inf fold score is not reported (nirs4all reports it as +-inf)"),
    Mutant("runtime-raised-fold-reported", "ftspec/runtime/optimize.py",
           "continue  # not reported: nirs4all reports inside the try that the exception left",
           "if report_folds:\n                    ctx.report(index, scores)\n                continue",
           "a fold that raised is reported (nirs4all does not)"),
    Mutant("runtime-failed-fold-rule-changed", "ftspec/runtime/optimize.py",
           'worst_rule = mode.failed_folds == "worst"',
           'worst_rule = mode.failed_folds == "worst" and mode.aggregate != "best"',
           "nirs4all_best fails the trial on a failed fold instead of scoring it +-inf"),
    Mutant("runtime-robust-quantile-changed", "ftspec/runtime/metrics.py",
           "fn = lambda s: float(np.quantile(s, q))", "fn = lambda s: float(np.quantile(s, 1 - q))",
           "v2 robust_best takes the optimistic quantile"),
    Mutant("runtime-interrupt-counted", "ftspec/runtime/engine.py",
           "                trial.set_user_attr(INTERRUPTED_ATTR, True)\n",
           "                pass\n",
           "an interrupted trial counts as a finished FAIL and is not re-run on resume"),
]


def unpack_head(into: Path) -> None:
    """The committed tree (HEAD) in `into`, without touching the working tree or .git."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


class StaleMutant(Exception):
    """The code a mutant names has changed: the mutant is reported as not applied (not killed)."""


def apply(copy: Path, mutant: Mutant) -> tuple[str, int, str]:
    """Apply the mutant in the copy; its file, line and the file's original text (to restore it).
    The text to replace must occur exactly once."""
    path = copy / mutant.file
    text = path.read_text(encoding="utf-8")
    count = text.count(mutant.old)
    if count != 1:
        raise StaleMutant(f"the text to replace occurs {count} times in {mutant.file} (update tools/mutate.py)")
    path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
    return mutant.file, text[: text.index(mutant.old)].count("\n") + 1, text


def pytest(copy: Path, args: list[str], deselect: list[str], *, first: bool) -> tuple[int, list[str]]:
    """Run pytest in the copy; (exit code, failing test ids)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HYPOTHESIS_PROFILE")}
    env["PYTHONPATH"] = str(copy)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", "-W", "ignore", *args]
    cmd += [f"--deselect={d}" for d in deselect]
    if first:
        cmd.append("-x")
    proc = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True)
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", proc.stdout, flags=re.M)
    return proc.returncode, failed


def differential_ready() -> bool:
    proc = subprocess.run([sys.executable, "-c", "from tests.differential import n4a_env as e; d = e.venv_dir(); "
                           "import sys; sys.exit(0 if (d / e.MARKER).exists() else 1)"], cwd=ROOT, capture_output=True)
    return proc.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="Comma-separated mutant ids (default: all).")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.only or m.id in args.only.split(",")]
    suites = dict(SUITES)
    if not differential_ready():
        suites.pop("differential")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ftspec-mutants-") as tmp:
        copy = Path(tmp)
        unpack_head(copy)
        baseline: list[str] = []
        for name, suite in suites.items():
            code, failed = pytest(copy, suite, [], first=False)
            if code not in (0, 1):
                raise SystemExit(f"baseline suite {name} did not run (pytest exit {code})")
            baseline += failed
        print(f"baseline: {len(baseline)} test(s) already failing on the unmutated copy, deselected: {', '.join(baseline) or 'none'}")
        rows = []
        for mutant in chosen:
            try:
                file, line, original = apply(copy, mutant)
            except StaleMutant as exc:
                rows.append((mutant, f"STALE: {exc}", {name: "" for name in suites}))
                print(f"  {mutant.id}: STALE ({exc})", file=sys.stderr, flush=True)
                continue
            where = f"{file}:{line}"
            try:
                kills = {}
                for name, suite in suites.items():
                    code, failed = pytest(copy, suite, baseline, first=True)
                    kills[name] = failed[0] if failed else ("(error)" if code not in (0, 5) else "")
            finally:
                (copy / mutant.file).write_text(original, encoding="utf-8")
            rows.append((mutant, where, kills))
            print(f"  {mutant.id}: {'killed' if any(kills.values()) else 'SURVIVED'}", file=sys.stderr, flush=True)
    killed = sum(1 for _, _, kills in rows if any(kills.values()))
    print()
    print("| mutant | where | " + " | ".join(suites) + " |")
    print("|---|---|" + "---|" * len(suites))
    for mutant, where, kills in rows:
        cells = [(_short(kills[name]) if kills[name] else "survives") for name in suites]
        print(f"| {mutant.id} ({mutant.what}) | {where} | " + " | ".join(cells) + " |")
    if "differential" not in suites:
        print("(differential suite not run: its venv is not cached; python -m tests.differential.n4a_env)")
    print(f"\nkilled {killed}/{len(rows)} in {time.monotonic() - started:.0f} s")
    return 0 if killed == len(rows) else 1


def _short(test_id: str) -> str:
    """`tests/test_x.py::test_name[param]` as `test_x::test_name[param]` (params cut at 40 chars)."""
    path, _, name = test_id.partition("::")
    name = name if len(name) <= 60 else name[:57] + "..."
    return f"{Path(path).stem}::{name}"


if __name__ == "__main__":
    sys.exit(main())
