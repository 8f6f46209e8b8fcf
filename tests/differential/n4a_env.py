"""The published nirs4all in a virtual environment of its own, created once and cached.

Location: `$FTSPEC_N4A_VENV`, default `~/.cache/ftspec-nirs4all-<version>`. Created with
`python3 -m venv DIR && DIR/bin/pip install nirs4all==<version>` when it does not hold that
version yet; a marker file records a finished installation so that an interrupted one is redone.
`python -m tests.differential.n4a_env` creates it (or reports it) without running the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

NIRS4ALL_VERSION = "1.4.10"
ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tools" / "n4a_probe.py"
OBJECTIVE_PROBE = ROOT / "tools" / "n4a_objective_probe.py"
MARKER = "ftspec-differential.json"


class EnvError(RuntimeError):
    pass


def venv_dir() -> Path:
    env = os.environ.get("FTSPEC_N4A_VENV")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / f"ftspec-nirs4all-{NIRS4ALL_VERSION}"


def venv_python(directory: Path) -> Path:
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return directory / sub


def installed_version(python: Path) -> str | None:
    if not python.exists():
        return None
    proc = subprocess.run(
        [str(python), "-c", "from importlib.metadata import version; print(version('nirs4all'))"],
        capture_output=True, text=True,
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def ensure_venv(log=None) -> Path:
    """The python of a venv holding nirs4all==NIRS4ALL_VERSION (created when missing)."""
    directory = venv_dir()
    python = venv_python(directory)
    if (directory / MARKER).exists() and installed_version(python) == NIRS4ALL_VERSION:
        return python
    if installed_version(python) == NIRS4ALL_VERSION:  # installed by hand (or marker lost)
        (directory / MARKER).write_text(json.dumps({"nirs4all": NIRS4ALL_VERSION}) + "\n")
        return python
    say = log or (lambda msg: print(msg, file=sys.stderr))
    started = time.monotonic()
    say(f"creating the nirs4all {NIRS4ALL_VERSION} venv at {directory} (once; cached afterwards)")
    if not python.exists():
        base = "python3" if os.name != "nt" else sys.executable
        _run([base, "-m", "venv", str(directory)])
    _run([str(python), "-m", "pip", "install", "--quiet", f"nirs4all=={NIRS4ALL_VERSION}"])
    if installed_version(python) != NIRS4ALL_VERSION:
        raise EnvError(f"nirs4all {NIRS4ALL_VERSION} is not importable in {directory} after installation")
    (directory / MARKER).write_text(
        json.dumps({"nirs4all": NIRS4ALL_VERSION, "seconds": round(time.monotonic() - started, 1)}) + "\n"
    )
    say(f"venv ready in {time.monotonic() - started:.0f} s")
    return python


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise EnvError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def _run_tool(python: Path, tool: Path, items: list[dict], what: str) -> dict:
    """Run a probe of tools/ once on every item (JSON on stdin); its parsed output, one result per item."""
    proc = subprocess.run([str(python), str(tool)], input=json.dumps(items), capture_output=True, text=True)
    if proc.returncode != 0:
        raise EnvError(f"{tool.name} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout)
    if len(out["results"]) != len(items):
        raise EnvError(f"{tool.name} returned {len(out['results'])} results for {len(items)} {what}")
    return out


def run_probe(python: Path, items: list[dict]) -> dict:
    """Run tools/n4a_probe.py once on every block item; its parsed output."""
    return _run_tool(python, PROBE, items, "blocks")


def run_objective_probe(python: Path, cases: list[dict]) -> dict:
    """Run tools/n4a_objective_probe.py once on every case; its parsed output."""
    return _run_tool(python, OBJECTIVE_PROBE, cases, "cases")


if __name__ == "__main__":
    print(ensure_venv())
