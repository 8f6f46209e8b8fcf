"""ftlint on one small file, whole process, against check-jsonschema on the same file.

    python bench/lint_latency.py [--runs 15]

Baseline: `check-jsonschema --schemafile ftspec/schema/finetune_params.v2.schema.json FILE`, run
side by side in the same environment. Target: ftlint <= 0.25x its median wall time. Also printed:
the ratio to a bare `python -c pass` (the floor of any Python tool).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SCHEMA, machine, median_ms, tool, to_yaml, v2_block, wall  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for fmt in ("yaml", "json"):
            path = Path(tmp) / f"small.{fmt}"
            import json

            path.write_text(to_yaml(v2_block(1)) + "\n" if fmt == "yaml" else json.dumps(v2_block(1), indent=2) + "\n")
            ftlint = median_ms(wall([tool("ftlint"), str(path)], runs=args.runs))
            cjs = median_ms(wall([tool("check-jsonschema"), "--schemafile", str(SCHEMA), str(path)], runs=args.runs))
            results[fmt] = (ftlint, cjs)
        bare = median_ms(wall([sys.executable, "-c", "pass"], runs=args.runs))
    print(f"lint_latency ({machine()}, median of {args.runs} runs, whole process)")
    print(f"  python -c pass          {bare:7.1f} ms")
    for fmt, (ftlint, cjs) in results.items():
        print(f"  [{fmt}] ftlint           {ftlint:7.1f} ms   ({ftlint / bare:4.1f}x python -c pass)")
        print(f"  [{fmt}] check-jsonschema {cjs:7.1f} ms")
        print(f"  [{fmt}] ratio ftlint / check-jsonschema = {ftlint / cjs:.2f} (target <= 0.25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
