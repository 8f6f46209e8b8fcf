"""CSV loading errors (`ftspec.runtime.data.load_csv`) and the note for a splitter that ignores the
groups: every message exactly, each naming the file (and the line and column where there is one),
one line each, through the API and through `ftrun` (exit 2, no traceback, no Python warning).
"""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold, KFold, RepeatedKFold, TimeSeriesSplit

from ftspec.runtime import data as data_module
from ftspec.runtime.cli import main
from ftspec.runtime.data import Dataset, DataError, folds_from, load_csv


@pytest.fixture(autouse=True)
def _fresh_notes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data_module, "_NOTED", set())


def _error(tmp_path: Path, content: str | bytes, **kwargs: object) -> str:
    path = tmp_path / "d.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_csv(path, **{"target": "y", **kwargs})  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message.replace(str(path), "FILE")


@pytest.mark.parametrize(
    ("content", "kwargs", "message"),
    [
        ("", {}, "FILE: empty file (a header row is needed)"),
        ("\n\n", {}, "FILE: empty file (a header row is needed)"),
        ("a,y\n", {}, "FILE: no data rows"),
        ("a,b,target\n1,2,3\n", {}, "FILE: no target column 'y' (columns: a, b, target)"),
        ("a,b,Target\n1,2,3\n", {"target": "target"}, "FILE: no target column 'target' (columns: a, b, Target); did you mean 'Target'?"),
        ("a,b,target\n1,2,3\n", {"target": "traget"}, "FILE: no target column 'traget' (columns: a, b, target); did you mean 'target'?"),
        ("a,y,batch\n1,2,3\n", {"groups": "bacth"}, "FILE: no groups column 'bacth' (columns: a, y, batch); did you mean 'batch'?"),
        (",".join(f"nm{i}" for i in range(900, 920)) + "\n" + ",".join("1" * 20) + "\n", {},
         "FILE: no target column 'y' (columns: nm900, nm901, nm902, nm903, nm904, nm905, nm906, nm907, nm908, nm909, nm910, "
         "nm911, ... (20 in all))"),
        ("a,,y\n1,2,3\n", {}, "FILE: line 1: column 2 of the header has no name"),
        ("a,y\n1,2\n,3\n", {}, "FILE: column 'a', line 3: missing value (empty cell); fill it in or drop the row"),
        ("a,y\n1,2\nNaN,3\n", {}, "FILE: column 'a', line 3: missing value ('NaN'); fill it in or drop the row"),
        ("a,y\n1,2\nNA,3\n", {}, "FILE: column 'a', line 3: missing value ('NA'); fill it in or drop the row"),
        ("a,y\n1,2\ninf,3\n", {}, "FILE: column 'a', line 3: 'inf' is not a finite number"),
        ("a,y\n1,2\n3,\n", {}, "FILE: column 'y', line 3: missing target value; fill it in or drop the row"),
        ("a,y\n1,2\n3,nan\n", {}, "FILE: column 'y', line 3: missing target value; fill it in or drop the row"),
        ("a,y\n1,2\nfoo,3\n", {}, "FILE: column 'a', line 3: 'foo' is not a number"),
        ("a,site,y\n1,north,2\n2,south,3\n", {},
         "FILE: column 'site', line 2: 'north' is not a number (column 'site' holds no number: pass --groups site if it "
         "holds group labels, or drop it)"),
        ("a,site,g,y\n1,north,g1,2\n2,south,g2,3\n", {"groups": "g"},
         "FILE: column 'site', line 2: 'north' is not a number (column 'site' holds no number: drop it, or encode it as numbers)"),
        ("a,y\n1,2\n2,cat\n", {}, "FILE: column 'y', line 3: 'cat' is not a number (a regression target must be numeric)"),
        ("a,y\n1,2,3\n", {}, "FILE: line 2: 3 cells, the header has 2"),
        ('a,y\n1,2\n"3\n4",5\n6,7,8\n', {}, "FILE: line 5: 3 cells, the header has 2"),  # a quoted newline: physical lines
        ("a,y,g\n1,2,\n", {"groups": "g"}, "FILE: column 'g', line 2: missing group label"),
        ("a,y\n1,4\n2,4.0\n3,4\n", {}, "FILE: the target column 'y' has one value (4.0) on all 3 rows: nothing to learn"),
        ("a,y\n1,x\n2,x\n", {"task": "classification"}, "FILE: the target column 'y' has one value ('x') on all 2 rows: nothing to learn"),
        ("a,y\n1,2\n", {"task": "ranking"}, "FILE: task must be one of regression, classification, not 'ranking'"),
        ("a,y\n1,2\n3\x00,4\n", {}, "FILE: column 'a', line 3: '3\\x00' is not a number"),  # control characters escaped
        ('a,y\n1,2\n"' + "9" * 200_000 + '",4\n', {}, "FILE: line 3: not a readable CSV file (field larger than field limit (131072))"),
        (b"a,y\n1,2\n3,4\n", {"target": "z"}, "FILE: no target column 'z' (columns: a, y)"),
        ("caf\u00e9,y\n1,2\n".encode("latin-1"), {}, "FILE: line 1: not UTF-8 text (byte 0xe9); save the file as UTF-8"),
        (b"a,y\n1,2\n\x89PNG,3\n", {}, "FILE: line 3: not UTF-8 text (byte 0x89); save the file as UTF-8"),
    ],
)
def test_every_csv_error_names_the_file_in_one_line(tmp_path: Path, content: str | bytes, kwargs: dict[str, object], message: str) -> None:
    assert _error(tmp_path, content, **kwargs) == message


def test_an_unreadable_path_names_it(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_csv(tmp_path, target="y")
    assert str(info.value) == f"cannot read {tmp_path}: Is a directory"


def test_a_byte_order_mark_and_crlf_lines_are_read(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfa,y\r\n1,2\r\n3,5\r\n")
    data = load_csv(path, target="y")
    assert data.feature_names == ["a"] and data.X.tolist() == [[1.0], [3.0]] and data.y.tolist() == [2.0, 5.0]


# ----------------------------------------------------------------------------- splitters that ignore the groups


def _grouped(n: int = 12) -> Dataset:
    i = np.arange(n, dtype=float)
    return Dataset(X=np.column_stack([i, i % 3]), y=i * 2, task="regression", groups=np.array([f"g{k // 3}" for k in range(n)]))


@pytest.mark.parametrize(
    ("splitter", "note"),
    [
        (KFold(3), "ftrun: note: KFold ignores --groups; use GroupKFold to keep groups whole\n"),
        (RepeatedKFold(n_splits=3, n_repeats=2, random_state=0), "ftrun: note: RepeatedKFold ignores --groups; use GroupKFold to keep groups whole\n"),
        (TimeSeriesSplit(3),
         "ftrun: note: TimeSeriesSplit ignores --groups; use a group splitter (GroupKFold, GroupShuffleSplit, ...) to keep groups whole\n"),
        (GroupKFold(3), ""),
    ],
)
def test_a_splitter_that_ignores_the_groups_prints_one_note_not_a_warning(capsys: pytest.CaptureFixture[str], splitter: object,
                                                                         note: str) -> None:
    data = _grouped()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning escaping would fail the test
        first = folds_from(splitter, data)
        again = folds_from(splitter, data)
    assert capsys.readouterr().err == note  # once, though the folds were made twice
    assert [(s.train.tolist(), s.valid.tolist()) for s in first] == [(s.train.tolist(), s.valid.tolist()) for s in again]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [(t.tolist(), v.tolist()) for t, v in splitter.split(data.X, data.y, data.groups)]  # type: ignore[attr-defined]
    assert [(s.train.tolist(), s.valid.tolist()) for s in first] == expected


def test_without_groups_there_is_no_note(capsys: pytest.CaptureFixture[str]) -> None:
    data = _grouped()
    folds_from(KFold(3), Dataset(X=data.X, y=data.y, task="regression"))
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- through ftrun


PIPELINE = textwrap.dedent("""\
    pipeline:
      - class: sklearn.preprocessing.StandardScaler
      - class: sklearn.model_selection.KFold
        params: {n_splits: 3}
      - name: tiny
        model: {class: sklearn.linear_model.Ridge}
        finetune_params:
          version: 2
          n_trials: 2
          seed: 0
          metric: rmse
          approach: grouped
          sampler: random
          model_params:
            alpha: {type: float, low: 0.1, high: 10.0, log: true}
""")


def _ftrun(capsys: pytest.CaptureFixture[str], tmp_path: Path, csv_text: str, *extra: str) -> tuple[int, list[str]]:
    (tmp_path / "p.yaml").write_text(PIPELINE, encoding="utf-8")
    (tmp_path / "d.csv").write_text(csv_text, encoding="utf-8")
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code = main([str(tmp_path / "p.yaml"), "--data", str(tmp_path / "d.csv"), "--target", "y", "-q", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "Warning" not in err
    return code, err.splitlines()


ROWS = "".join(f"{i},{i % 4},b{i % 3},{2 * i + i % 4}\n" for i in range(12))


def test_ftrun_exits_2_with_the_files_one_line_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = _ftrun(capsys, tmp_path, "a,b,batch,y\n" + ROWS)
    csv = tmp_path / "d.csv"
    assert code == 2 and lines[1:] == [
        f"ftrun: {csv}: column 'batch', line 2: 'b0' is not a number (column 'batch' holds no number: pass --groups batch "
        "if it holds group labels, or drop it)"
    ]


def test_ftrun_with_groups_and_a_kfold_says_so_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = _ftrun(capsys, tmp_path, "a,b,batch,y\n" + ROWS, "--groups", "batch")
    assert code == 0
    assert lines[0] == "1 file(s), 1 study: 0 error(s), 0 warning(s), 0 info"
    assert lines[1] == "ftrun: note: KFold ignores --groups; use GroupKFold to keep groups whole"
    assert lines[2].startswith(f"tiny on {tmp_path / 'd.csv'} (12 rows x 2 features, target 'y', grouped): "
                               "2/2 trials finished (2 complete, 0 pruned, 0 failed), best rmse=") and len(lines) == 3


def test_the_fast_column_parse_gives_floats_own_doubles_and_defers_every_doubt() -> None:
    from ftspec.runtime.data import _fast_column

    cells = ["1_000", ".5", "+3", "1e-310", "0.1", "2.5e+300", "-0.0", "१२", "0.30000000000000004"]
    column = _fast_column(cells)
    assert column is not None and [v.hex() for v in column.tolist()] == [float(c).hex() for c in cells]
    for bad in ("", "nan", "inf", "-Infinity", "none", "?", "1,5", "x"):  # the careful path words these errors
        assert _fast_column(["1", bad]) is None
