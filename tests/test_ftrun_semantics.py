"""What `ftrun` promises around the trials (issue 16): optional packages refused before the first
trial, one line per failed trial, exit codes, interrupts that lose no budget slot, data that is
named and never guessed, and every fixture either run or refused up front for a stated reason.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from ftspec.runtime import build
from ftspec.runtime.cli import main
from ftspec.runtime.engine import INTERRUPTED_ATTR, counted_trials
from tests.golden import is_golden

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
DEMO = FIXTURES / "run" / "ridge_demo.yaml"
SUMMARY = "1 file(s), 1 study: 0 error(s), 0 warning(s), 0 info"
TORCH = __import__("importlib.util").util.find_spec("torch") is not None


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, block: str, *, model: str = "sklearn.linear_model.Ridge", steps: str = "", name: str = "p.yaml") -> Path:
    text = "pipeline:\n" + textwrap.indent(steps, "  ") + f"  - name: tiny\n    model: {{class: {model}}}\n    finetune_params:\n"
    path = tmp_path / name
    path.write_text(text + textwrap.indent(textwrap.dedent(block), "      "), encoding="utf-8")
    return path


KFOLD = "- class: sklearn.model_selection.KFold\n  params: {n_splits: 3, shuffle: true, random_state: 0}\n"


# ----------------------------------------------------------------------------- optional dependencies


def hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make `missing_dependencies` see `modules` as not installed (what it reads: find_spec)."""
    real = build.importlib.util.find_spec
    monkeypatch.setattr(build.importlib.util, "find_spec", lambda name, *a: None if name in modules else real(name, *a))


def test_a_missing_optional_package_is_refused_before_any_trial_of_any_study(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "cmaes")
    text = textwrap.dedent("""\
        pipeline:
          - class: sklearn.model_selection.KFold
          - branch:
              - - name: first
                  model: {class: sklearn.linear_model.Ridge}
                  finetune_params:
                    version: 2
                    n_trials: 2
                    metric: rmse
                    sampler: random
                    model_params: {alpha: {type: float, low: 0.1, high: 1.0}}
              - - name: second
                  model: {class: sklearn.linear_model.Ridge}
                  finetune_params:
                    version: 2
                    n_trials: 2
                    metric: rmse
                    sampler: cmaes
                    model_params: {alpha: {type: float, low: 0.1, high: 1.0}}
    """)
    path = tmp_path / "two.yaml"
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "s.db"
    code, out, err = run(capsys, path, "--data", "demo:diabetes", "--storage", f"sqlite:///{db}", "--report", tmp_path / "r.json")
    assert code == 1 and out == ""
    assert [line for line in err.splitlines() if line.startswith("ftrun:")] == [
        f"ftrun: {path}:15:13: study 'second': sampler 'cmaes' needs the 'cmaes' package, which is not installed: pip install 'ftspec[cmaes]'"
    ]
    # Refused up front: the first study never started (no study in the storage), no report.
    assert optuna.get_all_study_names(f"sqlite:///{db}") == [] and not (tmp_path / "r.json").exists()
    # --check says the same and exits 1; the runnable study gets its one line on stdout.
    code, out, err = run(capsys, path, "--data", "demo:diabetes", "--check")
    assert code == 1 and err.splitlines()[-1].endswith("pip install 'ftspec[cmaes]'")
    assert out.splitlines() == [
        "first: ok: sampler random, pruner none, model sklearn.linear_model.Ridge, 5 folds of sklearn.model_selection.KFold, "
        "data demo:diabetes (442 rows x 10 features, target 'target'), storage in memory; no trial run"
    ]


def test_the_gp_fixture_is_refused_with_its_install_line_when_torch_is_absent_and_checks_when_present(
        capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "v2" / "gp_threshold.yaml"
    code, out, err = run(capsys, path, "--data", "demo:diabetes", "--check")
    if TORCH:
        assert code == 0 and out.startswith("kernel-ridge-gp: ok: sampler gp, pruner threshold, ")
    else:
        assert (code, out) == (1, "")
        assert err.splitlines()[1:] == [
            f"ftrun: {path}:7:5: study 'kernel-ridge-gp': sampler 'gp' needs the 'torch' package, which is not installed: "
            "pip install 'ftspec[gp]'"
        ]


def test_compiling_the_gp_fixture_does_not_depend_on_the_optional_packages(tmp_path: Path) -> None:
    """ftcompile / ftlint output is the same whatever is installed: the compile path imports none of them."""
    fixture = "fixtures/v2/gp_threshold.yaml"
    code = textwrap.dedent("""\
        import sys
        if sys.argv[1] == "hide":
            for name in ("torch", "scipy", "cmaes"):
                sys.modules[name] = None  # import fails as if absent
        from ftspec.compiler.cli import main as ftcompile
        from ftspec.lint.cli import main as ftlint
        print("ftcompile", ftcompile([sys.argv[2]]))
        print("ftlint", ftlint([sys.argv[2], "--no-show-source"]))
    """)
    outputs = [subprocess.run([sys.executable, "-c", code, mode, fixture], capture_output=True, text=True, cwd=ROOT)
               for mode in ("hide", "plain")]
    assert outputs[0].returncode == 0 and outputs[0].stderr == outputs[1].stderr
    assert outputs[0].stdout == outputs[1].stdout
    assert json.loads(outputs[0].stdout.split("\nftcompile")[0]) == json.loads((FIXTURES / "v2" / "gp_threshold.ir.json").read_text())


# ----------------------------------------------------------------------------- --check


def test_check_builds_everything_runs_no_trial_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    code, out, err = run(capsys, DEMO, "--data", "demo:diabetes", "--storage", url, "--check", "--report", tmp_path / "r.json")
    assert (code, err.splitlines()) == (0, [SUMMARY])
    assert out.splitlines() == [
        "ridge-demo: ok: sampler tpe, pruner none, model sklearn.linear_model.Ridge, 5 folds of sklearn.model_selection.KFold, "
        f"data demo:diabetes (442 rows x 10 features, target 'target'), storage {url}; no trial run"
    ]
    assert optuna.get_all_study_names(url) == [] and not (tmp_path / "r.json").exists()


# ----------------------------------------------------------------------------- failed trials


FAILING = """\
    version: 2
    n_trials: 3
    seed: 0
    metric: rmse
    approach: grouped
    sampler: random
    model_params:
      solver: {type: categorical, choices: [no-such-solver]}
"""
FAILED_LINE = re.compile(r"^ftrun: trial (?P<n>\d+) failed(?: \(fold \d+\))?: InvalidParameterError: The 'solver' parameter of Ridge must be a str "
                         r"among \{.*\}\. Got 'no-such-solver' instead\.$")


def test_each_failed_trial_is_one_line_and_optuna_tracebacks_only_with_verbose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, FAILING, steps=KFOLD)
    code, out, err = run(capsys, path, "--data", "demo:diabetes", "-q")
    lines = err.splitlines()
    assert (code, out) == (1, "") and "Traceback" not in err and "failed with parameters" not in err
    assert [FAILED_LINE.match(line)["n"] for line in lines[1:4]] == ["0", "1", "2"]  # type: ignore[index]
    assert lines[4].startswith("tiny on demo:diabetes (442 rows x 10 features, target 'target'): 3/3 trials finished (0 complete, 0 pruned, 3 failed)")
    assert lines[5:] == ["ftrun: study 'tiny': every trial failed (3 failed, 0 pruned of 3 finished)"]

    code, _out, err = run(capsys, path, "--data", "demo:diabetes", "-q", "--verbose")
    lines = err.splitlines()
    assert code == 1 and FAILED_LINE.match(lines[1])
    assert lines[2] == "Traceback (most recent call last):" and err.count("Traceback (most recent call last):") == 3
    assert "failed with parameters" not in err


def test_the_failure_line_names_the_fold_when_the_trial_function_recorded_it(capsys: pytest.CaptureFixture[str]) -> None:
    from ftspec.runtime.cli import _FailedTrials, _FailureLines
    from ftspec.runtime.optimize import FAILURE_ATTR

    def _frozen(number: int, failure: Any) -> optuna.trial.FrozenTrial:
        t = optuna.trial.create_trial(state=TrialState.FAIL, user_attrs={FAILURE_ATTR: failure} if failure is not None else {})
        t.number = number
        return t

    lines = _FailureLines(_FailedTrials(), verbose=False, bar=None)
    capsys.readouterr()
    lines(None, _frozen(7, {"type": "ValueError", "message": "bad input\nsecond line", "fold": 2}))
    lines(None, _frozen(8, {"type": "ValueError", "message": "no fold", "fold": None}))
    lines(None, _frozen(9, {"type": "KeyError", "message": ""}))
    lines(None, _frozen(10, None))
    assert capsys.readouterr().err.splitlines() == [
        "ftrun: trial 7 failed (fold 2): ValueError: bad input",
        "ftrun: trial 8 failed: ValueError: no fold",
        "ftrun: trial 9 failed: KeyError",
        "ftrun: trial 10 failed",
    ]


def test_ftrun_leaves_optuna_logging_and_signal_handlers_as_it_found_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    path = write(tmp_path, FAILING, steps=KFOLD)
    assert run(capsys, path, "--data", "demo:diabetes", "-q")[0] == 1
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    assert logging.getLogger("optuna.study._optimize").filters == []
    # A library user of optimize still gets Optuna's failed-trial warning with its traceback.
    from ftspec.runtime import optimize
    from ftspec.runtime.optimize import StudyFailed
    from tests.runtime_ir import make_study

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("optuna")
    logger.addHandler(handler)
    try:
        with pytest.raises(StudyFailed):
            optimize(make_study(n_trials=1), lambda m, t, s: 1 / 0)
    finally:
        logger.removeHandler(handler)
    assert any(r.levelno == logging.WARNING and r.exc_info and r.exc_info[0] is ZeroDivisionError for r in records)


# ----------------------------------------------------------------------------- data is named


def test_a_demo_dataset_needs_no_target_and_a_task_mismatch_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    block = """\
        version: 2
        n_trials: 2
        metric: accuracy
        approach: grouped
        sampler: random
        model_params: {C: {type: float, low: 0.1, high: 1.0}}
    """
    path = write(tmp_path, block, model="sklearn.linear_model.LogisticRegression", steps=KFOLD)
    code, _out, err = run(capsys, path, "--data", "demo:diabetes")
    assert code == 1 and err.splitlines()[1:] == [
        f"ftrun: {path}:7:7: study 'tiny': metric 'accuracy' is a classification metric, but demo:diabetes is regression data "
        "(embedded classification data: demo:breast_cancer, demo:iris, demo:wine)"
    ]
    code, _out, err = run(capsys, path, "--data", "demo:iris", "-q", "--report", tmp_path / "r.json")
    assert code == 0
    assert err.splitlines()[1].startswith("tiny on demo:iris (150 rows x 4 features, target 'target'): 2/2 trials finished")
    [study] = json.loads((tmp_path / "r.json").read_text())["studies"]
    assert study["dataset"] == {"name": "demo:iris", "task": "classification", "n_samples": 150, "n_features": 4,
                                "target": "target", "groups": False, "classes": [0, 1, 2]}


def test_the_help_lists_every_embedded_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    from ftspec.runtime.data import DEMO_CHOICES

    code, out, _err = run(capsys, "--help")
    assert code == 0
    flat = " ".join(out.split())
    assert f"an embedded dataset: {', '.join(DEMO_CHOICES)}. Required." in flat
    assert "130 interrupted (SIGINT/SIGTERM)" in flat


# ----------------------------------------------------------------------------- interrupts


SLOW = """\
    version: 2
    n_trials: 5
    seed: 1
    metric: rmse
    approach: single
    validation: {holdout_fraction: 0.25, seed: 0}
    sampler: random
    model_params:
      alpha: {type: float, low: 0.01, high: 10.0, log: true}
"""


def ftrun(path: Path, tmp_path: Path, *extra: str, hang_after: int | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FTRUN_")}
    env["FTRUN_FIT_LOG"] = str(tmp_path / "fits.log")
    if hang_after is not None:
        env["FTRUN_HANG_AFTER"] = str(hang_after)
    argv = [sys.executable, "-m", "ftspec.runtime.cli", str(path), "--data", "demo:diabetes", "--allow-module", "tests.ftrun_slow",
            "--report", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"), "-q", *extra]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)


def fits(tmp_path: Path) -> list[str]:
    log = tmp_path / "fits.log"
    return log.read_text().splitlines() if log.exists() else []


def interrupt(proc: subprocess.Popen[str], tmp_path: Path, n_fits: int, sig: int) -> tuple[str, str]:
    """Signal `proc` once its fit number `n_fits` has started (it hangs there until signalled)."""
    while len(fits(tmp_path)) < n_fits:
        assert proc.poll() is None, proc.communicate()
        try:
            proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            pass
    proc.send_signal(sig)
    return proc.communicate(timeout=300)


@pytest.mark.parametrize(("sig", "storage"), [(signal.SIGINT, "sqlite"), (signal.SIGTERM, "journal")])
def test_an_interrupt_loses_no_budget_slot_and_the_rerun_resumes(tmp_path: Path, sig: int, storage: str) -> None:
    path = write(tmp_path, SLOW, model="tests.ftrun_slow.HangingRidge")
    url = f"sqlite:///{tmp_path / 's.db'}" if storage == "sqlite" else f"journal:///{tmp_path / 's.log'}"
    proc = ftrun(path, tmp_path, "--storage", url, hang_after=2)
    out, err = interrupt(proc, tmp_path, 3, sig)  # trials 0 and 1 done, trial 2 in its fit
    assert proc.returncode == 130 and out == ""
    assert err.splitlines() == [SUMMARY, "ftrun: interrupted after 2 of 5 trials; rerun the same command to resume"]
    [study] = json.loads((tmp_path / "r.json").read_text())["studies"]
    assert (study["status"], study["partial"], study["stop_reason"], study["n_finished"], study["n_failed"]) == (
        "interrupted", True, "interrupted", 2, 0)
    # The interrupted attempt is replaced by a waiting retry of the same params: the report lists the retry.
    interrupted_alpha = float(fits(tmp_path)[2].split("=")[1])
    assert [t["state"] for t in study["trials"]] == ["COMPLETE", "COMPLETE", "WAITING"]
    assert study["trials"][2]["model_params"] == {"alpha": interrupted_alpha}
    assert "Study tiny" in (tmp_path / "r.html").read_text(encoding="utf-8")

    proc = ftrun(path, tmp_path, "--storage", url)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and out == "", err
    lines = err.splitlines()
    assert lines[:2] == [SUMMARY, "ftrun: resuming study tiny: 2 of 5 trials done"]
    assert lines[2].startswith("tiny on demo:diabetes (442 rows x 10 features, target 'target'): 5/5 trials finished (5 complete, 0 pruned, 0 failed)")
    assert len(lines) == 3
    [study] = json.loads((tmp_path / "r.json").read_text())["studies"]
    assert (study["status"], study["partial"], study["n_finished"], study["n_complete"]) == ("complete", False, 5, 5)

    ostudy = optuna.load_study(study_name="tiny", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(tmp_path / "s.log"))) if storage == "journal" else url)
    counted = counted_trials(ostudy)
    assert len(counted) == 5 and all(t.state == TrialState.COMPLETE for t in counted)
    [attempt] = [t for t in ostudy.trials if INTERRUPTED_ATTR in t.user_attrs]
    assert attempt.state == TrialState.FAIL and attempt.params == {"alpha": interrupted_alpha}
    [retry] = [t for t in counted if t.system_attrs.get("failed_trial") == attempt.number]
    assert retry.params == attempt.params and retry.system_attrs["retry_history"] == [attempt.number]
    assert len(ostudy.trials) == 6  # five counted trials and the interrupted attempt, nothing else


def test_an_interrupted_in_memory_study_says_there_is_nothing_to_resume(tmp_path: Path) -> None:
    path = write(tmp_path, SLOW, model="tests.ftrun_slow.HangingRidge")
    proc = ftrun(path, tmp_path, hang_after=1)
    out, err = interrupt(proc, tmp_path, 2, signal.SIGINT)
    assert (proc.returncode, out) == (130, "")
    assert err.splitlines() == [SUMMARY, "ftrun: interrupted after 1 of 5 trials; the study was in memory, nothing to resume"]
    [study] = json.loads((tmp_path / "r.json").read_text())["studies"]
    assert (study["status"], study["partial"], study["n_finished"]) == ("interrupted", True, 1)


# Where SIGTERM lands (tests/ftrun_signals.py: the N-th time ftrun reaches the point) and on which
# storage. Inside Optuna's heartbeat `with` it used to leave the heartbeat thread running (ftrun never
# exited); inside `tell` or a state change it failed with Optuna's UnboundLocalError (exit 1); in
# the final refit it lost the study's entry, while writing the report it wrote none.
SIGNAL_POINTS = [("create:1", "journal"), ("ask:3", "sqlite"), ("heartbeat:2", "sqlite"), ("heartbeat:2", "journal"),
                 ("state:3", "journal"), ("tell:2", "sqlite"), ("fit:6", "sqlite"), ("report:1", "journal"), ("exit:1", "sqlite")]


def test_sigterm_anywhere_exits_130_without_a_traceback_and_the_rerun_ends_at_exactly_n_trials(tmp_path: Path,
                                                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, SLOW, model="tests.ftrun_signals.SignallingRidge")
    runs = []
    for point, storage in SIGNAL_POINTS:
        where = tmp_path / f"{point.replace(':', '-')}-{storage}"
        where.mkdir()
        url = f"sqlite:///{where / 's.db'}" if storage == "sqlite" else f"journal:///{where / 's.log'}"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("FTRUN_")}, "FTRUN_SIGNAL_AT": point}
        argv = ["--data", "demo:diabetes", "--allow-module", "tests.ftrun_signals", "--storage", url, "--report", str(where / "r.json"), "-q"]
        proc = subprocess.Popen([sys.executable, "-m", "ftspec.runtime.cli", str(path), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=ROOT, env=env)
        runs.append((point, storage, where, url, argv, proc))
    for point, storage, where, url, argv, proc in runs:
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"SIGTERM at {point} ({storage}): ftrun did not exit: {proc.communicate()[1][-2000:]}")
        assert "Traceback" not in err, f"{point} ({storage}): {err}"
        lines = err.splitlines()
        if point == "exit:1":  # the work was done and reported: a signal while the interpreter exits changes nothing
            assert (proc.returncode, len(lines)) == (0, 2), f"{point} ({storage}): {err}"
            continue
        assert proc.returncode == 130, f"{point} ({storage}): exit {proc.returncode}: {err}"
        assert lines[-1].startswith("ftrun: interrupted after ") and lines[-1].endswith(" of 5 trials; rerun the same command to resume")
        assert sum("interrupted" in line for line in lines) == 1, f"{point} ({storage}): {err}"
        assert json.loads((where / "r.json").read_text())["studies"] or point == "create:1"

        code, _, err = run(capsys, path, *argv)  # the rerun, in this process (no signal)
        assert code == 0, f"{point} ({storage}): {err}"
        ostudy = optuna.load_study(study_name="tiny", storage=optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(str(where / "s.log"))) if storage == "journal" else url)
        counted = counted_trials(ostudy)
        assert [t.state for t in counted] == [TrialState.COMPLETE] * 5, f"{point} ({storage})"
        assert not [t.number for t in ostudy.trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]


# ----------------------------------------------------------------------------- every fixture


def small_csv(tmp_path: Path) -> Path:
    i = np.arange(40, dtype=float)
    X = np.column_stack([np.sin(i), np.cos(i / 3), (i % 7) / 7, np.sin(i / 5)])
    y = 3 * X[:, 0] - 2 * X[:, 1] + X[:, 2] + 10 + np.sin(5 * i) / 4
    path = tmp_path / "small.csv"
    path.write_text("a,b,c,d,y\n" + "".join(",".join(map(repr, (*map(float, row), float(t)))) + "\n" for row, t in zip(X, y)))
    return path


ERRORS = (1, "{path} has errors; nothing was run")
BARE = (1, "{path}:{at}: study 'finetune_params': a bare finetune_params file has no pipeline; ftrun needs the pipeline with its model step")
UNREADABLE = (2, None)
NOT_RUN = {
    # config errors, unreadable files and bare blocks
    **{f"legacy/{n}": ERRORS for n in ("bad_values.yaml", "bare_block.yaml", "dict_errors.yaml", "phases_force.yaml", "samplers.yaml",
                                        "cross_avg.json", "dead_keys.json", "metric_direction.json", "nested_groups.json",
                                        "train_params.json")},
    **{f"invalid/{n}": ERRORS for n in ("block_is_list.yaml", "multi_document.yaml", "non_string_keys.yaml", "python_tag.yaml",
                                         "v2_conditions.yaml", "yaml11_scalars.yaml", "duplicate_keys.json", "nan.json", "v2_errors.json")},
    **{f"invalid/{n}": UNREADABLE for n in ("alias_bomb.yaml", "malformed_yaml.yaml", "tabs.yaml", "latin1.json", "malformed_json.json")},
    "invalid/empty.yaml": (1, "{path} has no finetune_params block; nothing to run"),
    "invalid/bom.json": (1, BARE[1].replace("{at}", "1:1")),
    "v2/phases_force.yaml": (1, BARE[1].replace("{at}", "2:1")),
    "v2/tpe_single.yaml": (1, BARE[1].replace("{at}", "2:1")),
    "v2/tagged_lists.json": (1, BARE[1].replace("{at}", "1:21").replace("'finetune_params'", "'/finetune_params'")),
    # refused for what the pipeline asks
    "v2/gp_threshold.yaml": (1, "{path}:7:5: study 'kernel-ridge-gp': sampler 'gp' needs the 'torch' package, which is not installed: "
                                "pip install 'ftspec[gp]'"),
    "v2/pipeline_multi.yaml": (1, "  {path}:6:5: a `branch` step before the model (the model would run once per branch) is not supported by ftrun"),
    "v2/sorted_tuple_nested.yaml": (1, "{path}:8:7: study 'mlp-tuples': model sklearn.neural_network.MLPRegressor: "
                                       "MLPRegressor.__init__() got an unexpected keyword argument 'optimizer'"),
    "v2/conditions.json": (1, "{path}:4:22: study 'logistic-conditions': approach 'grouped' scores every trial on folds, but the pipeline "
                              "has no splitter step before the model (add e.g. sklearn.model_selection.KFold, or use approach: single)"),
    "v2/patient_percentile.json": (1, "{path}:4:22: study 'mlp-patient': approach 'grouped' scores every trial on folds, but the pipeline "
                                      "has no splitter step before the model (add e.g. sklearn.model_selection.KFold, or use approach: single)"),
    "v2/storage_failure.json": (1, "{path}:7:26: study 'pls-journal': GroupKFold cannot split the data: The 'groups' parameter should not be None."),
    "legacy/conditions.yaml": (1, "{path}:7:3: study 'elastic-conditions': approach 'grouped' scores every trial on folds, but the pipeline "
                                  "has no splitter step before the model (add e.g. sklearn.model_selection.KFold, or use approach: single)"),
    "legacy/control_keys.yaml": (1, "{path}:10:7: study 'gbr-control-keys': model sklearn.ensemble.GradientBoostingRegressor: "
                                    "GradientBoostingRegressor.__init__() got an unexpected keyword argument 'n_trials'"),
    "legacy/nested_branches.yaml": (1, "  {path}:30:5: feature_augmentation branches are not supported by ftrun"),
    "legacy/sorted_tuple.yaml": (1, "{path}:9:7: study 'mlp-layers': model param(s) 'dropout_pair', 'breakpoints', 'kernel_widths', "
                                    "'quantiles' are not arguments of sklearn.neural_network.MLPRegressor (every trial would fail)"),
    "legacy/dict_specs.json": (1, "{path}:4:22: study 'svr-dict-specs': model param(s) 'int_log_linear' are not arguments of sklearn.svm.SVR "
                                  "(every trial would fail)"),
    "legacy/tagged_lists.json": (1, "{path}:8:26: study 'pls-tagged': model param(s) 'scale_window', 'shrinkage', 'deflation', 'jitter', "
                                    "'order' are not arguments of sklearn.cross_decomposition.PLSRegression (every trial would fail)"),
    "legacy/flat_form.json": (1, "{path}:4:22: study 'knn-flat': approach 'grouped' scores every trial on folds, but the pipeline has no "
                                 "splitter step before the model (add e.g. sklearn.model_selection.KFold, or use approach: single)"),
    "legacy/meta_model.json": (1, "  {path}:8:16: a MetaModel trains its model on the predictions of the models before it; ftrun cannot build that input"),
    "legacy/storage_pruner.json": (1, "{path}:4:22: study 'lgbm-storage': model 'lightgbm.LGBMRegressor' refused: module 'lightgbm' is not in "
                                      "the allowed modules (sklearn); extend them (allow_modules / --allow-module) only for code you trust"),
}
if TORCH:  # the gp fixture then runs (40 trials of KernelRidge): its own branch, never a skip
    del NOT_RUN["v2/gp_threshold.yaml"]
RUNS = {
    # fixture: (data, exit code, study id, n_trials, failed trials)
    "run/ridge_demo.yaml": ("demo:diabetes", 0, "ridge-demo", 40, 0),
    "run/ridge_csv.yaml": ("ridge_csv.csv", 0, "ridge-csv", 20, 0),  # README's CSV example, with its groups
    "v2/grid_exact.yaml": ("demo:diabetes", 0, "tree-grid", 36, 0),
    "v2/random_median.json": ("demo:diabetes", 0, "ridge-random", 25, 0),
    "v2/bruteforce_hyperband.yaml": ("demo:diabetes", 0, "knn-bruteforce", 15, 5),  # weights 'uniform_scaled' is not a KNN option
    "v2/qmc_wilcoxon.json": ("demo:breast_cancer", 0, "svc-qmc", 32, 0),
    "v2/cmaes_numeric.json": ("small.csv", 0, "gbr-cmaes", 80, 0),  # 480 huber GBR fits: the small CSV keeps them short
    # criterion 'float' (a legacy list is categorical) fails every fold; nirs4all_best scores them +inf and the
    # trials complete, as nirs4all ran them: no trial has a finite value, so the study failed (exit 1)
    "legacy/list_lookalikes.yaml": ("demo:diabetes", 1, "trees-lookalikes", 30, 0),
}
if TORCH:
    RUNS["v2/gp_threshold.yaml"] = ("demo:diabetes", 0, "kernel-ridge-gp", 40, None)
ALL = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*")
             if p.is_file() and p.suffix in (".json", ".yaml", ".yml") and not is_golden(p)
             and p.parent.name != "campaign")  # campaign files (and their pipelines) run in tests/test_campaign_run.py


def test_the_tables_cover_every_fixture() -> None:
    assert sorted([*NOT_RUN, *RUNS]) == ALL


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "v2/cmaes_numeric.json" else n for n in ALL])
def test_every_fixture_runs_or_is_refused_up_front(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = FIXTURES / name
    (tmp_path / "studies").mkdir()  # bruteforce_hyperband's relative sqlite:///studies/knn.db
    monkeypatch.chdir(tmp_path)
    if name in NOT_RUN:
        expected_code, last = NOT_RUN[name]
        code, out, err = run(capsys, path, "--data", "demo:diabetes", "--report", tmp_path / "r.json")
        assert (code, out) == (expected_code, "") and "Traceback" not in err
        if last is not None:
            assert err.splitlines()[-1] == f"ftrun: {last.format(path=path)}".replace("ftrun:   ", "  ")
        assert not (tmp_path / "r.json").exists()  # nothing ran
        return
    data, expected_code, study_id, n_trials, n_failed = RUNS[name]
    argv = ["--data", data]
    if data == "small.csv":
        argv = ["--data", small_csv(tmp_path), "--target", "y"]
    elif data == "ridge_csv.csv":
        argv = ["--data", FIXTURES / "run" / data, "--target", "target", "--groups", "batch"]
    code, out, err = run(capsys, path, *argv, "--report", tmp_path / "r.json", "-q")
    assert (code, out) == (expected_code, "") and "Traceback" not in err
    [study] = json.loads((tmp_path / "r.json").read_text())["studies"]
    assert (study["study_id"], study["n_trials"], study["n_finished"], study["partial"]) == (study_id, n_trials, n_trials, False)
    if n_failed is not None:
        assert study["n_failed"] == n_failed
        assert sum(re.match(r"ftrun: trial \d+ failed", line) is not None for line in err.splitlines()) == n_failed
    if name == "legacy/list_lookalikes.yaml":
        folds = [line for line in err.splitlines() if re.match(r"ftrun: trial \d+: fold \d failed", line)]
        assert len(folds) == 30 * 3 and folds[0].startswith("ftrun: trial 0: fold 0 failed, scored as the worst value as nirs4all did: ")
        assert study["error"] == "study 'trees-lookalikes': no trial has a finite value (30 complete trial(s) scored inf: their folds failed, see failed_folds)"
    assert study["status"] == ("complete" if expected_code == 0 else "failed")
