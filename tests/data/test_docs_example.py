"""docs/data.md's example, training from CSV files and predicting from Parquet, runs as written."""

import pathlib
import re
import tempfile


PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "data.md"


def test_train_from_files_runs_as_written(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its files go to tmp_path
    code = re.search(r"## Train from files\n+```python\n(.*?)```", PAGE.read_text(), re.S).group(1)
    exec(compile(code, str(PAGE), "exec"), {})
    printed = capsys.readouterr().out
    assert re.search(r"\{'auc': 0\.\d+, 'loss': \d\.\d+\}", printed), printed
    assert re.search(r"^\(\d+, 1\)$", printed, re.M), printed
