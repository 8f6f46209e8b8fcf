"""A real pre-commit run against this repository (`pre-commit try-repo`), in a temporary git repo.

Slow (pre-commit builds a virtualenv and installs ftspec into it) but part of the suite CI runs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CLEAN = """\
pipeline:
  - class: sklearn.model_selection.KFold
  - model:
      class: sklearn.linear_model.Ridge
    finetune_params:
      version: 2
      n_trials: 20
      seed: 1
      metric: rmse
      sampler: random
      model_params:
        alpha: {type: float, low: 0.001, high: 10.0, log: true}
"""

LEGACY = """\
pipeline:
  - model:
      class: sklearn.linear_model.Ridge
    finetune_params:
      n_trials: 20
      sample: hyperband
      model_params:
        alpha: [0.1, 10]
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.slow
def test_pre_commit_try_repo_passes_clean_and_fails_legacy(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "user-repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    (repo / "pipeline.yaml").write_text(CLEAN)
    _git(repo, "add", "pipeline.yaml")
    env_home = tmp_path / "pre-commit-home"
    cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "ftlint", "--all-files"]
    env = {"PRE_COMMIT_HOME": str(env_home), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    import os

    env = {**os.environ, **env}
    ok = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (repo / "pipeline.yaml").write_text(LEGACY)
    _git(repo, "add", "pipeline.yaml")
    bad = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env, check=False)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "FT302" in bad.stdout and "pipeline.yaml:6:15" in bad.stdout
