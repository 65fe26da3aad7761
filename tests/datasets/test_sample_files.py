"""Tests for deepcross/datasets/sample_files.py: read_samples, bad rows, cut-off files."""

import io
import re

import pandas as pd
import pytest

from deepcross import datasets
from tests.datasets.conftest import check_dtypes
from tests.datasets.conftest import messages
from tests.datasets.conftest import random_table

CUT_OFF = "no newline at its end, so the file was likely cut off inside this row"


def test_read_samples_lesson_file(shared_data, log):
    path = shared_data / "sparrowrecsys" / "testSamples.csv"
    samples = datasets.read_samples(path)
    assert samples.shape == (22440, 27)
    check_dtypes(samples)
    assert samples.attrs["bad_rows"] == []
    assert messages(log) == []
    first = samples.iloc[0]
    assert [first[f"userRatedMovie{i}"] for i in range(1, 6)] == ["349", "590", "150", "592", ""]
    assert (first["movieRatingCount"], first["movieAvgRating"], first["label"]) == (10759, 3.91, 0)
    fourth = samples.iloc[3]  # 135,27108,...,Comedy,"","",...
    assert (fourth["movieId"], fourth["movieGenre1"]) == (135, "Comedy")
    assert (fourth["movieGenre2"], fourth["movieGenre3"]) == ("", "")
    assert samples["label"].sum() == 12584
    assert (samples["userGenre5"] == "").sum() == 1522


def test_read_samples_round_trips_build_samples(tmp_path):
    ratings, movies = random_table(5)
    samples = datasets.build_samples(ratings, movies)
    path = tmp_path / "samples.csv"
    samples.to_csv(path, index=False)
    pd.testing.assert_frame_equal(datasets.read_samples(path), samples)


def sample_lines(count=5):
    ratings, movies = random_table(6)
    samples = datasets.build_samples(ratings, movies).head(count)
    return samples.to_csv(index=False).splitlines()


def write_bad_file(tmp_path):
    lines = sample_lines()
    header = lines[0].split(",")
    fields = lines[2].split(",")
    fields[header.index("movieRatingCount")] = "abc"
    lines[2] = ",".join(fields)  # line 3
    lines.insert(4, "")  # line 5: blank, ignored
    lines[5] = lines[5].rsplit(",", 1)[0]  # line 6: 26 fields
    fields = lines[6].split(",")
    fields[header.index("label")] = ""
    lines[6] = ",".join(fields)  # line 7: label missing
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_read_samples_bad_row_error_names_file_line_column(tmp_path):
    path = write_bad_file(tmp_path)
    with pytest.raises(ValueError) as info:
        datasets.read_samples(path)
    message = str(info.value)
    assert str(path) in message
    assert "line 3, column 'movieRatingCount': 'abc'" in message
    assert "3 bad row(s)" in message


def test_read_samples_skip_counts_and_warns(tmp_path, log):
    path = write_bad_file(tmp_path)
    samples = datasets.read_samples(path, on_bad_rows="skip")
    assert len(samples) == 2
    check_dtypes(samples)
    assert samples.attrs["bad_rows"] == [
        (3, "movieRatingCount", "abc"),
        (6, None, "26 fields, expected 27"),
        (7, "label", ""),
    ]
    assert messages(log) == [
        (
            "WARNING",
            f"read_samples: {path}: 2 rows read, 3 bad rows skipped (line 3: column "
            "movieRatingCount: 'abc'; line 6: 26 fields, expected 27; line 7: column label: "
            "missing value)",
        )
    ]


def test_read_samples_skip_logs_info_with_nothing_skipped(tmp_path, log):
    path = tmp_path / "good.csv"
    path.write_text("\n".join(sample_lines()) + "\n")
    samples = datasets.read_samples(path, on_bad_rows="skip")
    assert len(samples) == 5
    assert messages(log) == [("INFO", f"read_samples: {path}: 5 rows read, 0 bad rows skipped")]


@pytest.mark.parametrize(
    "column, value, shown",
    [
        ("label", "2", "'2'"),
        ("userId", "3.5", "'3.5'"),
        ("userRatedMovie1", "x12", "'x12'"),
        ("movieAvgRating", "nan", "'nan'"),
    ],
)
def test_read_samples_bad_values(tmp_path, column, value, shown):
    lines = sample_lines(2)
    fields = lines[1].split(",")
    fields[lines[0].split(",").index(column)] = value
    lines[1] = ",".join(fields)
    path = tmp_path / "one.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=re.escape(f"line 2, column '{column}': {shown}")):
        datasets.read_samples(path)


def test_read_samples_missing_column_and_bad_argument(tmp_path):
    lines = sample_lines(2)
    path = tmp_path / "short.csv"
    frame = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str, keep_default_na=False)
    frame.drop(columns="userAvgRating").to_csv(path, index=False)
    with pytest.raises(ValueError, match=f"{re.escape(str(path))} has no column 'userAvgRating'"):
        datasets.read_samples(path)
    with pytest.raises(ValueError, match="on_bad_rows='ignore'"):
        datasets.read_samples(path, on_bad_rows="ignore")


def cut_file(tmp_path, keep):
    """Three good rows, the last with userGenre5 "Thriller", cut to `keep` characters less."""
    lines = sample_lines(3)
    fields = lines[3].split(",")
    fields[lines[0].split(",").index("userGenre5")] = "Thriller"
    lines[3] = ",".join(fields)
    text = "\n".join(lines) + "\n"
    path = tmp_path / "cut.csv"
    path.write_text(text[: len(text) - keep])
    return path


@pytest.mark.parametrize("keep", [1, 4])  # the newline only; the newline and "ler"
def test_read_samples_cut_off_last_row_is_an_error(tmp_path, keep):
    path = cut_file(tmp_path, keep)
    with pytest.raises(ValueError) as info:
        datasets.read_samples(path)
    assert str(info.value) == (
        f"{path}, line 4: {CUT_OFF} (1 bad row(s) in all; read_samples(..., "
        "on_bad_rows='skip') leaves them out)"
    )


def test_read_samples_cut_off_last_row_is_skipped_and_counted(tmp_path, log):
    path = cut_file(tmp_path, 4)
    samples = datasets.read_samples(path, on_bad_rows="skip")
    assert len(samples) == 2
    assert "Thril" not in samples["userGenre5"].tolist()
    assert samples.attrs["bad_rows"] == [(4, None, CUT_OFF)]
    assert messages(log) == [
        ("WARNING", f"read_samples: {path}: 2 rows read, 1 bad rows skipped (line 4: {CUT_OFF})")
    ]


def test_read_samples_cut_off_row_counts_once(tmp_path, log):
    path = cut_file(tmp_path, 30)  # also fewer fields than the header
    samples = datasets.read_samples(path, on_bad_rows="skip")
    assert samples.attrs["bad_rows"] == [(4, None, CUT_OFF)]


def test_read_samples_trailing_blank_lines_are_not_a_cut(tmp_path):
    path = tmp_path / "blank_end.csv"
    path.write_text("\n".join(sample_lines(2)) + "\n\n  ")
    assert len(datasets.read_samples(path)) == 2


@pytest.mark.parametrize("text", ["", "\n", " \n\n"])
def test_read_samples_empty_file(tmp_path, text):
    path = tmp_path / "empty.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=re.escape(f"{path} is empty: it has no header line")):
        datasets.read_samples(path)


def test_read_samples_header_only_gives_an_empty_table(tmp_path, log):
    path = tmp_path / "header.csv"
    path.write_text(sample_lines(0)[0] + "\n")
    samples = datasets.read_samples(path, on_bad_rows="skip")
    assert samples.shape == (0, 27)
    check_dtypes(samples)
    assert samples.attrs["bad_rows"] == []
    assert messages(log) == [("INFO", f"read_samples: {path}: 0 rows read, 0 bad rows skipped")]


@pytest.mark.parametrize("on_bad_rows", ["error", "skip"])
def test_read_samples_cut_off_header_is_an_error(tmp_path, on_bad_rows):
    path = tmp_path / "header.csv"
    path.write_text(sample_lines(0)[0][:-3])
    with pytest.raises(ValueError, match=re.escape(f"{path}, line 1: the header line has no ")):
        datasets.read_samples(path, on_bad_rows=on_bad_rows)


def test_read_samples_repeated_column_in_header(tmp_path):
    lines = sample_lines(2)
    path = tmp_path / "twice.csv"
    path.write_text("\n".join(line + ",x" for line in lines).replace(",x", ",label", 1) + "\n")
    with pytest.raises(ValueError, match=re.escape(f"{path} has column 'label' twice")):
        datasets.read_samples(path)


@pytest.mark.parametrize(
    ("column", "text"),
    [("movieId", "99999999999999999999"), ("userRatedMovie2", "-9223372036854775809")],
)
def test_an_id_past_int64_is_a_bad_row_naming_line_column_and_value(tmp_path, column, text):
    # 0.2 read 99999999999999999999 as -9223372036854775808, silently.
    lines = sample_lines(3)
    header = lines[0].split(",")
    fields = lines[2].split(",")
    fields[header.index(column)] = text
    lines[2] = ",".join(fields)
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n")
    expected = f"line 3, column '{column}': '{text}', an integer past int64's range"
    with pytest.raises(ValueError, match=re.escape(expected)):
        datasets.read_samples(path)
    skipped = datasets.read_samples(path, on_bad_rows="skip")
    assert len(skipped) == 2 and skipped.attrs["bad_rows"] == [(3, column, text)]


def test_ids_up_to_int64s_limits_keep_every_digit(tmp_path):
    # Past 2**53 a float64 rounds: 9007199254740993 must not read as 9007199254740992.
    lines = sample_lines(3)
    header = lines[0].split(",")
    fields = lines[1].split(",")
    fields[header.index("userId")] = "9007199254740993"
    fields[header.index("movieId")] = "9223372036854775807"
    fields[header.index("userRatedMovie1")] = "-9223372036854775808"
    lines[1] = ",".join(fields)
    path = tmp_path / "ids.csv"
    path.write_text("\n".join(lines) + "\n")
    first = datasets.read_samples(path).iloc[0]
    assert first["userId"] == 9007199254740993
    assert first["movieId"] == 9223372036854775807
    assert first["userRatedMovie1"] == "-9223372036854775808"
