"""`deepcross predict`: scores files in chunks, keeps ids, reports every row it leaves out."""

import csv
import importlib.util
import os
import pathlib
import subprocess
import sys
import tomllib

import keras
import numpy as np
import pytest

import deepcross as dc
from deepcross.serving import cli
from tests.conftest import make_frame

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def model_path(tmp_path, spec):
    path = tmp_path / "model.keras"
    dc.models.EmbeddingMLP(spec, hidden_units=8).save(path)
    return path


def write_rows(path, n=30, seed=4):
    """A CSV of raw rows with an id column; returns the frame written."""
    rows = make_frame(n, seed=seed)
    rows.insert(0, "rowId", [f"r{i}" for i in range(n)])
    rows.to_csv(path, index=False)
    return rows


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def expected_scores(model_path, rows):
    model = keras.saving.load_model(model_path)
    return model.predict_raw(rows.drop(columns="rowId"))[:, 0]


def run(*args):
    return cli.main(["predict", *map(str, args)])


def test_scores_every_row_with_its_id_whatever_the_chunk_size(tmp_path, model_path, capsys):
    rows = write_rows(tmp_path / "rows.csv")
    expected = expected_scores(model_path, rows)
    for chunk_size in (1, 7, 1000):
        out = tmp_path / f"scores_{chunk_size}.csv"
        status = run(
            "--model", model_path, "--input", tmp_path / "rows.csv", "--output", out,
            "--id-column", "rowId", "--chunk-size", chunk_size, "--batch-size", 4,
        )  # fmt: skip
        assert status == 0
        table = read_csv(out)
        assert table[0] == ["rowId", "score"]
        assert [r[0] for r in table[1:]] == list(rows["rowId"])
        np.testing.assert_allclose([float(r[1]) for r in table[1:]], expected, rtol=1e-6)
        progress = [line for line in capsys.readouterr().err.splitlines() if "rows/s" in line]
        assert len(progress) == -(-len(rows) // chunk_size)  # one line per chunk


def test_bad_rows_are_reported_with_their_line_and_the_rest_scored(tmp_path, model_path):
    rows = write_rows(tmp_path / "rows.csv", n=12)
    lines = (tmp_path / "rows.csv").read_text().split("\n")
    lines[3] += ",extra"  # line 4: one field too many
    fields = lines[6].split(",")
    fields[-2] = "abc"  # line 7: avgRating is not a number
    lines[6] = ",".join(fields)
    lines[9] = "r8,1"  # line 10: too few fields
    lines.insert(11, "")  # a blank line is no row; the lines after it move down one
    source = tmp_path / "bad.csv"
    source.write_bytes("\n".join(lines).rstrip("\n").encode() + b"\nr99,1,\xff\xfe,,,,,1,2,0")
    out, errors = tmp_path / "scores.csv", tmp_path / "errors.csv"
    status = run(
        "--model", model_path, "--input", source, "--output", out, "--id-column", "rowId",
        "--errors", errors, "--chunk-size", 4,
    )  # fmt: skip
    assert status == 1
    assert read_csv(errors) == [
        ["line", "error"],
        ["4", "11 fields where the header has 10"],
        ["7", "Feature 'avgRating' is numeric but holds 'abc', which is not a number (1 such "
              "row in all)"],
        ["10", "2 fields where the header has 10"],
        ["15", "text that is not valid UTF-8"],
    ]  # fmt: skip
    table = read_csv(out)
    good = rows.drop(index=[2, 5, 8]).reset_index(drop=True)
    assert [r[0] for r in table[1:]] == list(good["rowId"])
    np.testing.assert_allclose(
        [float(r[1]) for r in table[1:]], expected_scores(model_path, good), rtol=1e-6
    )


def test_a_last_line_without_newline_is_reported_not_trusted(tmp_path, model_path, capsys):
    write_rows(tmp_path / "rows.csv", n=5)
    source = tmp_path / "cut.csv"
    source.write_text((tmp_path / "rows.csv").read_text().rstrip("\n"))
    out = tmp_path / "scores.csv"
    assert run("--model", model_path, "--input", source, "--output", out) == 1
    err = capsys.readouterr().err
    assert "1 rows could not be scored" in err
    assert "line 6: the file's last line has no newline" in err
    assert len(read_csv(out)) == 1 + 4
    # Trailing blanks after the last newline are no row, and cut nothing off.
    source.write_text((tmp_path / "rows.csv").read_text() + "  ")
    assert run("--model", model_path, "--input", source, "--output", out) == 0
    assert len(read_csv(out)) == 1 + 5


def test_quoted_newlines_keep_line_numbers_right(tmp_path, model_path, capsys):
    rows = write_rows(tmp_path / "rows.csv", n=4).astype({"avgRating": object})
    rows.loc[1, "userGenre1"] = "Drama\nand more"  # one record over two lines
    rows.loc[2, "avgRating"] = "abc"
    rows.to_csv(tmp_path / "rows.csv", index=False)
    out = tmp_path / "scores.csv"
    assert run("--model", model_path, "--input", tmp_path / "rows.csv", "--output", out) == 1
    assert "line 5: Feature 'avgRating'" in capsys.readouterr().err
    # Without --id-column each score says which input line it is: no gap to misread.
    assert [row[0] for row in read_csv(out)] == ["line", "2", "3", "6"]


def test_many_bad_rows_are_summarized_on_stderr(tmp_path, model_path, capsys):
    rows = write_rows(tmp_path / "rows.csv", n=40)
    rows["avgRating"] = "n/a"
    rows.to_csv(tmp_path / "rows.csv", index=False)
    out = tmp_path / "scores.csv"
    assert run("--model", model_path, "--input", tmp_path / "rows.csv", "--output", out) == 1
    err = capsys.readouterr().err
    assert "40 rows could not be scored" in err
    assert err.count("holds 'n/a'") == cli.SHOWN_ERRORS
    assert "... and 20 more: pass --errors PATH" in err
    assert read_csv(out) == [["line", "score"]]


def test_usage_errors_say_what_is_wrong(tmp_path, model_path, capsys):
    write_rows(tmp_path / "rows.csv", n=3)
    source, out = tmp_path / "rows.csv", tmp_path / "scores.csv"
    (tmp_path / "less.csv").write_text("rowId,movieId\nr1,1\n")
    (tmp_path / "empty.csv").write_text("")
    cases = [
        (["--input", tmp_path / "less.csv"], "lacks the column(s) 'movieGenre1'"),
        (["--input", tmp_path / "empty.csv"], "is empty: it has no header line"),
        (["--input", tmp_path / "nothing.csv"], "is not a file"),
        (["--input", source, "--id-column", "nope"], "lacks the column(s) 'nope'"),
        (["--input", source, "--errors", source], "is the input file"),
    ]
    for args, message in cases:
        assert run("--model", model_path, "--output", out, *args) == 2
        assert message in capsys.readouterr().err
    (tmp_path / "header.csv").write_text(source.read_text().split("\n")[0] + "\n")
    assert run("--model", model_path, "--output", out, "--input", tmp_path / "header.csv") == 0
    assert read_csv(out) == [["line", "score"]]
    with pytest.raises(SystemExit):
        run("--model", model_path, "--input", source, "--output", out, "--chunk-size", 0)


def test_several_outputs_get_a_column_each(tmp_path, spec):
    path = tmp_path / "model.keras"
    dc.models.EmbeddingMLP(spec, hidden_units=4, task="multiclass", num_classes=3).save(path)
    write_rows(tmp_path / "rows.csv", n=5)
    out = tmp_path / "scores.csv"
    assert run("--model", path, "--input", tmp_path / "rows.csv", "--output", out) == 0
    table = read_csv(out)
    assert table[0] == ["line", "score_0", "score_1", "score_2"] and len(table) == 6
    table = [row[1:] for row in table]
    np.testing.assert_allclose([sum(map(float, r)) for r in table[1:]], 1.0, rtol=1e-5)


def test_parquet_is_scored_in_chunks(tmp_path, model_path):
    rows = make_frame(30, seed=4)
    rows.insert(0, "rowId", [f"r{i}" for i in range(30)])
    rows.to_parquet(tmp_path / "rows.parquet")
    out = tmp_path / "scores.csv"
    args = ["--input", tmp_path / "rows.parquet", "--id-column", "rowId", "--chunk-size", 8]
    assert run("--model", model_path, "--output", out, *args) == 0
    table = read_csv(out)
    assert [r[0] for r in table[1:]] == list(rows["rowId"])
    np.testing.assert_allclose(
        [float(r[1]) for r in table[1:]], expected_scores(model_path, rows), rtol=1e-6
    )


def test_the_console_script_runs_the_command(tmp_path, model_path):
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"deepcross": "deepcross.serving.cli:main"}
    write_rows(tmp_path / "rows.csv", n=6)
    (tmp_path / "rows.csv").write_text((tmp_path / "rows.csv").read_text() + "r9,1\n")
    result = subprocess.run(
        [sys.executable, "-m", "deepcross.serving.cli", "predict", "--model", str(model_path),
         "--input", "rows.csv", "--output", "scores.csv", "--id-column", "rowId"],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr[-2000:]
    assert "line 8: 2 fields where the header has 10" in result.stderr
    assert len(read_csv(tmp_path / "scores.csv")) == 1 + 6


def test_a_long_run_of_unreadable_rows_is_reported_in_chunks(tmp_path, model_path, capsys):
    write_rows(tmp_path / "rows.csv", n=3)
    text = (tmp_path / "rows.csv").read_text()
    # Lines 5-14 have 3 fields; line 15 repeats the header, a row whose numbers are words.
    (tmp_path / "rows.csv").write_text(text + "".join(f"r{i},1,2\n" for i in range(10)) + text)
    out, errors = tmp_path / "scores.csv", tmp_path / "errors.csv"
    args = ["--input", tmp_path / "rows.csv", "--errors", errors, "--chunk-size", 3]
    assert run("--model", model_path, "--output", out, *args) == 1
    assert [r[0] for r in read_csv(errors)[1:]] == [str(line) for line in range(5, 15)] + ["15"]
    assert len(read_csv(out)) == 1 + 6
    assert capsys.readouterr().err.count("rows/s") >= 10 // 3


def test_a_bad_header_leaves_no_output_file(tmp_path, model_path, capsys):
    (tmp_path / "rows.csv").write_text("movieId,movieId\n1,2\n")
    out = tmp_path / "scores.csv"
    assert run("--model", model_path, "--input", tmp_path / "rows.csv", "--output", out) == 2
    assert "deepcross predict: error:" in capsys.readouterr().err
    assert not out.exists()


def test_loading_the_model_prints_no_tensorflow_start_up_lines(tmp_path, model_path):
    # Under JAX (or PyTorch) loading a .keras file imports TensorFlow where installed, which
    # wrote its oneDNN and CUDA lines to stderr, TF_CPP_MIN_LOG_LEVEL or not.
    write_rows(tmp_path / "rows.csv", n=5)
    env = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}
    backend = "jax" if importlib.util.find_spec("jax") else keras.backend.backend()
    result = subprocess.run(
        [sys.executable, "-m", "deepcross.serving.cli", "predict", "--model", str(model_path),
         "--input", "rows.csv", "--output", "scores.csv"],
        cwd=tmp_path,
        env=dict(env, PYTHONPATH=str(ROOT), KERAS_BACKEND=backend),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("deepcross predict: ") for line in lines), lines
