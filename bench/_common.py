"""Shared helpers for the benchmarks: timing whole processes and generating pipeline files."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "ftspec" / "schema" / "finetune_params.v2.schema.json"
PIPELINE_SCHEMA = ROOT / "ftspec" / "schema" / "pipeline.v2.schema.json"


def tool(name: str) -> str:
    """A console script of the running interpreter's environment."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} is not installed in this environment (pip install {name})")
    return found


def bench_env() -> dict[str, str]:
    """The environment of the measured processes: bytecode caching on, as on a user's machine
    (an installed package ships or writes its .pyc; PYTHONDONTWRITEBYTECODE would recompile every
    module on every run and measure the compiler instead of the tool)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(cmd: list[str], *, runs: int, ok: tuple[int, ...] = (0, 1)) -> list[float]:
    """Wall time of each run of a whole process, after one untimed warm-up run."""
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=bench_env(), check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=bench_env(), check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode not in ok:
            sys.exit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[:500]}")
    return times


def wall_interleaved(cmds: dict[str, list[str]], *, runs: int, ok: tuple[int, ...] = (0, 1)) -> dict[str, list[float]]:
    """Wall times of whole processes, the commands taking turns run after run (after one untimed
    warm-up each), so that a change in the machine's load weighs on all of them alike."""
    for cmd in cmds.values():
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=bench_env(), check=False)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            start = time.perf_counter()
            proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=bench_env(), check=False)
            times[name].append(time.perf_counter() - start)
            if proc.returncode not in ok:
                sys.exit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[:500]}")
    return times


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def v2_block(i: int) -> dict:
    return {
        "version": 2,
        "n_trials": 20 + i % 30,
        "seed": i,
        "metric": "rmse",
        "sampler": "random",
        "model_params": {
            "alpha": {"type": "float", "low": 0.001, "high": 10.0, "log": True},
            "max_iter": {"type": "int", "low": 100, "high": 1000, "step": 100},
            "selection": {"type": "categorical", "choices": ["cyclic", "random"]},
        },
    }


def pipeline(i: int) -> dict:
    return {
        "pipeline": [
            {"class": "sklearn.preprocessing.StandardScaler"},
            {"class": "sklearn.model_selection.KFold", "params": {"n_splits": 3}},
            {"model": {"class": "sklearn.linear_model.ElasticNet"}, "name": f"enet-{i}", "finetune_params": v2_block(i)},
        ]
    }


def to_yaml(value: object, indent: int = 0) -> str:
    """A small block-style YAML writer (enough for the generated files)."""
    pad = " " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:\n{to_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{key}: {json.dumps(item)}")
        return "\n".join(lines)
    if isinstance(value, list):
        lines = []
        for item in value:
            body = to_yaml(item, indent + 2).lstrip() if isinstance(item, (dict, list)) else json.dumps(item)
            lines.append(f"{pad}- {body}")
        return "\n".join(lines)
    return pad + json.dumps(value)


def write_files(directory: Path, count: int, fmt: str, make=pipeline) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = directory / f"p{i:04d}.{fmt}"
        data = make(i)
        path.write_text(json.dumps(data, indent=2) + "\n" if fmt == "json" else to_yaml(data) + "\n")
        paths.append(str(path))
    return paths


def machine() -> str:
    return f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
