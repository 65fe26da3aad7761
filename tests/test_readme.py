"""The README's quickstart runs as written."""

import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_quickstart_runs_as_written(tmp_path, monkeypatch, capsys):
    code = re.search(r"## Quickstart\n+```python\n(.*?)```", README.read_text(), re.S).group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 15
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(README), "exec"), {})
    printed = capsys.readouterr().out
    assert (tmp_path / "model.keras").exists()
    probabilities = [float(v) for v in re.findall(r"\d\.\d+(?:e-?\d+)?", printed)]
    assert len(probabilities) == 2 and all(0.0 <= p <= 1.0 for p in probabilities)
