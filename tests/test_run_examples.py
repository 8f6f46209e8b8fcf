"""The CSV example of `fixtures/run/`: the command README gives, run end to end (exit code, the
compile summary, the study line with its trial counts, the report's folds), and the committed CSV
equal to what its generator writes.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
from pathlib import Path

import pytest

from ftspec.runtime.cli import main

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "fixtures" / "run"


def test_the_committed_csv_is_what_its_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_ridge_csv", RUN / "make_ridge_csv.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (RUN / "ridge_csv.csv").read_bytes() == module.text().encode("utf-8")
    assert len(module.rows()) == 151  # header + 150 rows


def test_the_readme_csv_command_runs_20_trials_on_5_batch_folds(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    commands = re.findall(r"^ftrun fixtures/run/ridge_csv\.yaml .*$", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)
    assert commands == ["ftrun fixtures/run/ridge_csv.yaml --data fixtures/run/ridge_csv.csv --target target --groups batch"]
    monkeypatch.chdir(ROOT)  # the command's paths are relative to the repository
    capsys.readouterr()
    code = main([*shlex.split(commands[0])[1:], "-q", "--report", str(tmp_path / "r.json")])
    out, err = capsys.readouterr()
    assert code == 0 and out == "" and "Traceback" not in err
    lines = err.splitlines()
    assert lines[0] == "1 file(s), 1 study: 0 error(s), 0 warning(s), 0 info" and len(lines) == 2
    line = re.fullmatch(r"ridge-csv on fixtures/run/ridge_csv\.csv \(150 rows x 5 features, target 'target', grouped\): "
                        r"20/20 trials finished \(20 complete, 0 pruned, 0 failed\), "
                        r"best rmse=(?P<best>\S+) \(trial (?P<number>\d+)\), \d+\.\d s", lines[1])
    assert line is not None
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["studies"][0]
    assert (report["status"], report["n_trials"], report["n_finished"], report["n_complete"]) == ("complete", 20, 20, 20)
    assert len(report["trials"]) == 20
    assert (line["best"], int(line["number"])) == (f"{report['best_value']:.6g}", report["best_number"])
    assert report["dataset"] == {"name": "fixtures/run/ridge_csv.csv", "task": "regression", "n_samples": 150, "n_features": 5,
                                 "target": "target", "groups": True}
    assert report["splits"] == [{"fold": k, "n_train": 120, "n_valid": 30} for k in range(5)]
    # The batches shift the target by up to 2.75; a model that learnt the features does far better than that.
    assert report["best_value"] < 1.5
