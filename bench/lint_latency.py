"""ftlint on one small file, whole process, against check-jsonschema on the same file.

    python bench/lint_latency.py [--runs 21]

Baseline: `check-jsonschema --schemafile ftspec/schema/finetune_params.v2.schema.json FILE`, run
side by side in the same environment: the commands take turns run after run, so that the load of
a busy machine weighs on all of them alike. Target: ftlint <= 0.25x its median wall time. Also
printed: the ratio to a bare `python -c pass` (the floor of any Python tool), and the spread of the
per-round ratios (quartiles), which says how much the machine's load moved the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SCHEMA, machine, median_ms, tool, to_yaml, v2_block, wall_interleaved  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cmds = {"bare": [sys.executable, "-c", "pass"]}
        for fmt in ("yaml", "json"):
            path = Path(tmp) / f"small.{fmt}"
            path.write_text(to_yaml(v2_block(1)) + "\n" if fmt == "yaml" else json.dumps(v2_block(1), indent=2) + "\n")
            cmds[f"{fmt} ftlint"] = [tool("ftlint"), str(path)]
            cmds[f"{fmt} cjs"] = [tool("check-jsonschema"), "--schemafile", str(SCHEMA), str(path)]
        times = wall_interleaved(cmds, runs=args.runs)
    bare = median_ms(times["bare"])
    print(f"lint_latency ({machine()}, median of {args.runs} interleaved runs, whole process)")
    print(f"  python -c pass           {bare:7.1f} ms")
    for fmt in ("yaml", "json"):
        ftlint, cjs = median_ms(times[f"{fmt} ftlint"]), median_ms(times[f"{fmt} cjs"])
        rounds = [a / b for a, b in zip(times[f"{fmt} ftlint"], times[f"{fmt} cjs"])]
        q1, _, q3 = statistics.quantiles(rounds, n=4)
        print(f"  [{fmt}] ftlint           {ftlint:7.1f} ms   ({ftlint / bare:4.2f}x python -c pass)")
        print(f"  [{fmt}] check-jsonschema {cjs:7.1f} ms   ({cjs / bare:4.2f}x python -c pass)")
        print(f"  [{fmt}] ratio ftlint / check-jsonschema = {ftlint / cjs:.3f} (target <= 0.25; per-round quartiles {q1:.3f}-{q3:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
