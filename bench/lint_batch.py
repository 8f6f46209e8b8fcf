"""ftlint on 1,000 generated pipeline files in one call, against check-jsonschema on the same files.

    python bench/lint_batch.py [--files 1000] [--runs 3]

Baseline: `check-jsonschema --schemafile ftspec/schema/pipeline.v2.schema.json FILES...` (the
whole-pipeline editor schema, which references the finetune_params schema), side by side.
Targets: ftlint >= 2x check-jsonschema's files/s, JSON and YAML each (and >= 500 files/s).
Peak memory is the maximum resident set size of the child processes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PIPELINE_SCHEMA, bench_env, machine, tool, write_files  # noqa: E402


_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode\n"
    "print(rc, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def run(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one process, measured by a fresh parent so peaks do not mix."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, env=bench_env(), check=True).stdout.split()
    rc, seconds, peak_kib = int(out[0]), float(out[1]), int(out[2])
    if rc not in (0, 1):
        sys.exit(f"{cmd[0]} failed with exit code {rc}")
    return seconds, peak_kib / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"lint_batch ({machine()}, {args.files} files per call, best of {args.runs})")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("json", "yaml"):
            paths = write_files(Path(tmp) / fmt, args.files, fmt)
            run([tool("ftlint"), paths[0]])  # warm-up: bytecode written
            ft = min(run([tool("ftlint"), "--output-format", "json", str(Path(tmp) / fmt)]) for _ in range(args.runs))
            cjs = min(run([tool("check-jsonschema"), "--schemafile", str(PIPELINE_SCHEMA), *paths]) for _ in range(args.runs))
            ft_rate, cjs_rate = args.files / ft[0], args.files / cjs[0]
            print(f"  [{fmt}] ftlint           {ft[0]:6.2f} s  {ft_rate:7.0f} files/s  peak {ft[1]:6.1f} MiB")
            print(f"  [{fmt}] check-jsonschema {cjs[0]:6.2f} s  {cjs_rate:7.0f} files/s  peak {cjs[1]:6.1f} MiB")
            print(f"  [{fmt}] ratio of files/s ftlint / check-jsonschema = {ft_rate / cjs_rate:.2f} (target >= 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
