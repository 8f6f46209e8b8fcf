"""Long fuzzing pass: mutated fixtures and corpus configs through the loader, both front-ends, the
migrator and the command lines, in process, for N seconds or N cases.

    python bench/fuzz.py --seconds 300            # or --cases 20000; --seed S to replay a run

Seeds are the fixtures (`fixtures/**/*.json|yaml|yml`, not the `.ir.json` goldens), the corpus
blocks (`tests/data/corpus/nirs4all/finetune_params.jsonl`, or under `$FTSPEC_CORPUS`, each placed in a pipeline file) and the
corpus pipeline files. Each case applies 1-4 mutations to a seed: byte flips, insertions and
deletions, chunk duplication, splicing two seeds, YAML/JSON fragments (anchors, tags, tabs, BOMs,
surrogates...), re-encoding (UTF-16/32, BOM), and JSON-tree mutations (a node replaced by a value
of another type, a key dropped or duplicated, a list wrapped, a bound crossed). Every case is
compiled from text (JSON and YAML), compiled and migrated from a file; every 10th case also goes
through `ftcompile` and `ftlint` in process. A crash is an exception, a hang (10 s per case), an
IR that does not dump, an exit code outside {0, 1, 2} or a traceback in a CLI's output.

Prints cases/s per stage at the end and, for each crash, the reproducer's path (written under
`--out`, default `bench/fuzz-crashes/`), the command that replays it and the traceback. Exits 1 on
any crash, 0 otherwise. `run(cases, seed)` is what tests/test_properties_runtime.py runs briefly.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ftspec.compiler.cli import main as ftcompile_main  # noqa: E402
from ftspec.compiler.compile import compile_path, compile_text  # noqa: E402
from ftspec.ir import dump_ir  # noqa: E402
from ftspec.lint.cli import main as ftlint_main  # noqa: E402
from ftspec.migrate.engine import migrate_text  # noqa: E402
from tests.strategies import YAML_FRAGMENTS  # noqa: E402
from tests.timelimit import time_limit  # noqa: E402

CASE_SECONDS = 10
INTERESTING = [
    None, True, False, 0, -1, 1, 2**31, 2**64, 10**400, 0.5, -0.0, 1e308, 1e-320, "", "auto", "grid", "int", "float",
    "categorical", "sorted_tuple", "log", "\ud800", "é", [], {}, [1, 2, 3], ["int", 1, 5], {"type": "int", "low": 5, "high": 1},
    {"type": "float", "low": 0, "high": 1, "step": 1e-30}, {"fixed": 1}, {"when": {"a": 1}}, {"version": 2},
]


@dataclass
class Crash:
    stage: str
    data: bytes
    suffix: str
    error: str
    path: str = ""


@dataclass
class Stats:
    cases: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    with_studies: int = 0
    """Cases from which the file stage compiled at least one study."""
    crashes: list[Crash] = field(default_factory=list)


# --------------------------------------------------------------------------- seeds


def seeds() -> list[tuple[bytes, str]]:
    """(content, suffix) of every fixture, corpus block and corpus pipeline file."""
    out: list[tuple[bytes, str]] = []
    for path in sorted((ROOT / "fixtures").rglob("*")):
        if path.suffix in (".json", ".yaml", ".yml") and not path.name.endswith(".ir.json") and path.is_file():
            out.append((path.read_bytes(), path.suffix))
    corpus = Path(os.environ.get("FTSPEC_CORPUS") or ROOT / "tests" / "data" / "corpus") / "nirs4all"
    blocks = corpus / "finetune_params.jsonl"
    if not blocks.exists():
        raise SystemExit(f"fuzz: corpus not found at {blocks} (FTSPEC_CORPUS overrides tests/data/corpus)")
    for line in blocks.read_text(encoding="utf-8").splitlines():
        block = json.loads(line).get("finetune_params")
        doc = {"pipeline": [{"class": "sklearn.model_selection.KFold"}, {"model": {"class": "sklearn.linear_model.Ridge"}, "finetune_params": block}]}
        out.append((json.dumps(doc, indent=2).encode(), ".json"))
    for path in sorted((corpus / "pipelines").rglob("*")):
        if path.suffix in (".json", ".yaml", ".yml") and path.is_file():
            out.append((path.read_bytes(), path.suffix))
    return out


# --------------------------------------------------------------------------- mutations


def _json_mutate(rng: random.Random, data: bytes) -> bytes:
    """Parse as JSON and change one node; not JSON: unchanged."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return data
    nodes: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k in list(node):
                nodes.append((node, k))
                walk(node[k])
        elif isinstance(node, list):
            for i in range(len(node)):
                nodes.append((node, i))
                walk(node[i])

    walk(doc)
    if not nodes:
        return json.dumps(rng.choice(INTERESTING)).encode()
    parent, k = rng.choice(nodes)
    how = rng.randrange(5)
    if how == 0:
        parent[k] = rng.choice(INTERESTING)
    elif how == 1 and isinstance(parent, dict):
        del parent[k]
    elif how == 2:
        parent[k] = [parent[k]]
    elif how == 3 and isinstance(parent[k], (int, float)) and not isinstance(parent[k], bool):
        parent[k] = -parent[k] * rng.choice([1, 10, 1000]) + rng.choice([-1, 1])
    else:
        text = json.dumps(doc, indent=rng.choice([None, 1, 2]), ensure_ascii=False)
        if isinstance(parent, dict):  # a duplicate key, written by hand (json.dumps cannot)
            needle = json.dumps(k) + ":"
            at = text.find(needle)
            if at >= 0:
                text = text[:at] + f"{json.dumps(k)}: {json.dumps(rng.choice(INTERESTING))}, " + text[at:]
        return text.encode("utf-8", errors="surrogatepass")
    return json.dumps(doc, indent=rng.choice([None, 2]), ensure_ascii=rng.random() < 0.5).encode("utf-8", errors="surrogatepass")


def mutate(rng: random.Random, data: bytes, pool: list[tuple[bytes, str]]) -> bytes:
    for _ in range(rng.randint(1, 4)):
        how = rng.randrange(9)
        at = rng.randint(0, len(data))
        if how == 0 and data:
            i = rng.randrange(len(data))
            data = data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]
        elif how == 1:
            data = data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) + data[at:]
        elif how == 2 and data:
            data = data[:at] + data[at + rng.randint(1, 16) :]
        elif how == 3 and data:
            j = rng.randint(at, min(len(data), at + 64))
            data = data[:j] + data[at:j] + data[j:]
        elif how == 4:
            other = rng.choice(pool)[0]
            data = data[:at] + other[rng.randint(0, len(other)) :]
        elif how == 5:
            data = data[:at] + rng.choice(YAML_FRAGMENTS).encode("utf-8", errors="surrogatepass") + data[at:]
        elif how == 6:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            data = text.encode(rng.choice(["utf-16", "utf-32", "utf-8-sig", "utf-16-be"]), errors="surrogatepass")
        else:
            data = _json_mutate(rng, data)
    return data


# --------------------------------------------------------------------------- stages


def _texts(data: bytes) -> Iterator[str]:
    try:
        yield data.decode("utf-8")
    except UnicodeDecodeError:
        yield data.decode("latin-1")


def stage_text(data: bytes, path: str) -> int:
    """Studies compiled (a measure of how deep the mutated cases get)."""
    studies = 0
    for text in _texts(data):
        for fmt in ("json", "yaml"):
            ir = compile_text(text, f"case.{fmt}", fmt).ir
            dump_ir(ir).encode("utf-8")
            studies += len(ir.studies)
    return studies


def stage_file(data: bytes, path: str) -> int:
    result = compile_path(path)
    dump_ir(result.ir).encode("utf-8")
    for text in _texts(data):
        migrated = migrate_text(text, path)
        if migrated.error is None:
            compile_text(migrated.text, path)
    return len(result.ir.studies)


def _cli(main: Callable[[list[str]], int], args: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    output = out.getvalue() + err.getvalue()
    if code not in (0, 1, 2):
        raise AssertionError(f"exit code {code}")
    if "Traceback" in output:
        raise AssertionError("traceback in the output:\n" + output[-2000:])


def stage_cli(data: bytes, path: str) -> int:
    _cli(ftcompile_main, [path, "--no-ir"])
    _cli(ftcompile_main, [path, "--output-format", "json"])
    _cli(ftlint_main, [path, "--output-format", "sarif"])
    _cli(ftlint_main, [path])
    return 0


STAGES: list[tuple[str, Callable[[bytes, str], int], int]] = [("text", stage_text, 1), ("file+migrate", stage_file, 1), ("cli", stage_cli, 10)]


# --------------------------------------------------------------------------- the loop


def run(*, cases: int | None = None, seconds: float | None = None, seed: int = 0, out: Path | None = None, log: Callable[[str], None] | None = None) -> Stats:
    """Fuzz until `cases` cases or `seconds` seconds; crashes are collected (and written to `out`)."""
    rng = random.Random(seed)
    pool = seeds()
    stats = Stats()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        while (cases is None or stats.cases < cases) and (seconds is None or time.perf_counter() - start < seconds):
            data, suffix = rng.choice(pool)
            data = mutate(rng, data, pool)
            if rng.random() < 0.2:
                suffix = rng.choice([".json", ".yaml", ".yml"])
            path = os.path.join(tmp, "case" + suffix)
            with open(path, "wb") as handle:
                handle.write(data)
            for name, stage, every in STAGES:
                if stats.cases % every:
                    continue
                began = time.perf_counter()
                try:
                    with time_limit(CASE_SECONDS):
                        studies = stage(data, path)
                    if name == "file+migrate" and studies:
                        stats.with_studies += 1
                except Exception:  # noqa: BLE001 - every exception is a finding of the fuzzer
                    crash = Crash(name, data, suffix, traceback.format_exc())
                    stats.crashes.append(crash)
                    if out is not None:
                        out.mkdir(parents=True, exist_ok=True)
                        crash.path = str(out / (hashlib.sha1(data).hexdigest()[:12] + suffix))
                        Path(crash.path).write_bytes(data)
                    if log is not None:
                        log(f"CRASH in {name}: {crash.path or '(not written)'}\n{crash.error}")
                stats.seconds[name] = stats.seconds.get(name, 0.0) + time.perf_counter() - began
                stats.runs[name] = stats.runs.get(name, 0) + 1
            stats.cases += 1
    stats.seconds["total"] = time.perf_counter() - start
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=None, help="Stop after this many seconds (default 60 unless --cases).")
    parser.add_argument("--cases", type=int, default=None, help="Stop after this many cases.")
    parser.add_argument("--seed", type=int, default=None, help="Random seed (default: from the clock, printed).")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "fuzz-crashes", help="Where reproducers are written.")
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None or args.cases is not None else 60.0
    seed = args.seed if args.seed is not None else int(time.time())
    print(f"fuzz: seed {seed}, {len(seeds())} seed files, {'%g s' % seconds if seconds else ''}{' ' if seconds and args.cases else ''}{'%d cases' % args.cases if args.cases else ''}")
    stats = run(cases=args.cases, seconds=seconds, seed=seed, out=args.out, log=print)
    total = stats.seconds["total"]
    print(f"{stats.cases} cases in {total:.1f} s: {stats.cases / total:.1f} cases/s; {stats.with_studies} compiled to at least one study")
    for name, _, _ in STAGES:
        runs, spent = stats.runs.get(name, 0), stats.seconds.get(name, 0.0)
        print(f"  {name:<13} {runs:>7} runs  {runs / spent if spent else 0:8.1f} runs/s")
    if stats.crashes:
        print(f"{len(stats.crashes)} crash(es); replay one with: ftcompile <file> / ftlint <file> / python bench/fuzz.py --seed {seed}")
        return 1
    print("no crash")
    return 0


if __name__ == "__main__":
    sys.exit(main())
