"""Reading CSV and Parquet files: missing values, bad rows, cut-off and empty files, adapt."""

import logging

import numpy as np
import pandas as pd
import pytest

import deepcross as dc
from tests.conftest import data_dir
from tests.conftest import make_spec
from tests.data.conftest import assert_same_batches
from tests.data.conftest import epoch
from tests.data.conftest import ids
from tests.data.conftest import write_csv
from tests.data.conftest import write_parquet


HEADER = "rowId,c,x,label\n"


def small_spec():
    """A categorical with "0" in its vocabulary and a number whose default is not 0."""
    return dc.FeatureSpec(
        [
            dc.Numeric("rowId"),
            dc.Categorical("c", dim=2, vocabulary=["0", "a"]),
            dc.Numeric("x", default=-5.0),
        ]
    )


def write(path, text):
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def rows_of(path, **kwargs):
    kwargs.setdefault("label", "label")
    kwargs.setdefault("batch_size", 4)
    dataset = dc.data.FeatureDataset(small_spec(), path, **kwargs)
    return dataset, epoch(dataset)


# --- Missing values stay missing --------------------------------------------------------------


def test_an_empty_field_is_missing_never_zero(tmp_path):
    path = write(tmp_path / "a.csv", HEADER + '0,0,0,1\n1,,,0\n2,"","",1\n3, a ,  ,0\n')
    _, batches = rows_of(path)
    x, y = batches[0]
    expected = small_spec().transform(
        {"rowId": [0, 1, 2, 3], "c": ["0", None, None, " a "], "x": [0.0, None, None, None]},
        packed=False,
    )
    np.testing.assert_array_equal(x["c"][:, 0], [1, -1, -1, 0])  # " a " is not "a": OOV
    np.testing.assert_array_equal(x["x"][:, 0], [0.0, -5.0, -5.0, -5.0])
    for name in expected:
        np.testing.assert_array_equal(x[name], expected[name])
    np.testing.assert_array_equal(y, [1, 0, 1, 0])


@pytest.mark.parametrize(
    "cells",
    [
        ["1", "+2", "-3.", ".5", "1e5", "1E-05", "-0", "007", "1e400", "1e39", "", "2.675"],
        ["1", " 2", "3 ", "nan", "inf", "-inf", "", "NaN", "+5", "6", "7e0", " "],
    ],
    ids=["plain", "spelled"],
)
def test_csv_numbers_read_as_the_value_policy_reads_their_text(tmp_path, cells):
    """Plain decimals are parsed by Arrow, others as text: the same numbers either way."""
    lines = [f"{i},a,{cell},{i % 2}" for i, cell in enumerate(cells)]
    path = write(tmp_path / "numbers.csv", HEADER + "\n".join(lines) + "\n")
    _, batches = rows_of(path, batch_size=len(cells))
    texts = {"rowId": [str(i) for i in range(len(cells))], "c": ["a"] * len(cells), "x": cells}
    expected = small_spec().transform(texts, packed=False)
    for name in expected:
        np.testing.assert_array_equal(batches[0][0][name], expected[name], err_msg=name)


def test_parquet_nulls_are_missing(tmp_path):
    frame = pd.DataFrame(
        {
            "rowId": [0, 1, 2],
            "c": ["0", None, "a"],
            "x": pd.array([0, None, 3], dtype="Int64"),
            "label": [1.0, 0.0, 1.0],
        }
    )
    _, batches = rows_of(write_parquet(frame, tmp_path / "a.parquet"))
    x, _ = batches[0]
    np.testing.assert_array_equal(x["c"][:, 0], [1, -1, 2])
    np.testing.assert_array_equal(x["x"][:, 0], [0.0, -5.0, 3.0])


def test_csv_and_parquet_and_frame_give_the_same_batches(tmp_path, frame, spec):
    csv = write_csv(frame, tmp_path / "a.csv")
    parquet = write_parquet(frame, tmp_path / "a.parquet")
    options = dict(label="label", batch_size=32, chunk_size=50, shuffle=True, seed=4)
    from_csv = epoch(dc.data.FeatureDataset(spec, csv, **options))
    from_parquet = epoch(dc.data.FeatureDataset(spec, parquet, **options))
    from_frame = epoch(dc.data.FeatureDataset(spec, frame, **options))
    assert_same_batches(from_csv, from_parquet)
    assert_same_batches(from_csv, from_frame)


# --- Bad rows --------------------------------------------------------------------------------


BAD = HEADER + '0,a,1,1\n\n1,a,2\n2,"q\nr",3,0\n3,\xff,4,1\n4,a,5,\n5,a,6,x\n6,a,7,0\n'


def test_a_bad_row_is_an_error_naming_file_and_line(tmp_path):
    path = write(tmp_path / "bad.csv", BAD.encode("latin-1"))
    with pytest.raises(ValueError, match=r"bad\.csv, line 4: 3 fields, expected 4.*skip"):
        rows_of(path)


@pytest.mark.parametrize(
    "line, reason",
    [
        ("3,\xff,4,1", r"line 2: column 'c' is not UTF-8 text"),
        ("4,a,5,", r"line 2: label 'label' is missing"),
        ("5,a,6,x", r"line 2: label 'label' is 'x', not a finite number"),
    ],
)
def test_each_kind_of_bad_row_is_an_error(tmp_path, line, reason):
    path = write(tmp_path / "bad.csv", (HEADER + line + "\n0,a,1,1\n").encode("latin-1"))
    with pytest.raises(ValueError, match=reason):
        rows_of(path)


def test_bad_rows_skipped_are_counted_and_reported(tmp_path, caplog):
    path = write(tmp_path / "bad.csv", BAD.encode("latin-1"))
    with caplog.at_level(logging.WARNING, logger="deepcross"):
        dataset, batches = rows_of(path, on_bad_rows="skip")
    assert [(bad.unit, bad.number) for bad in dataset.bad_rows] == [
        ("line", 4),
        ("line", 7),
        ("line", 8),
        ("line", 9),
    ]
    assert "not UTF-8" in dataset.bad_rows[1].reason
    assert all(bad.path == str(path.resolve()) for bad in dataset.bad_rows)
    assert ids(batches).tolist() == [0, 2, 6]
    assert dataset.num_rows == 3 and len(dataset) == 1
    x, _ = batches[0]
    np.testing.assert_array_equal(x["c"][:, 0], [2, 0, 2])  # "q\nr", one value, is OOV
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "Skipped 4 rows of" in warning and "line 4: 3 fields, expected 4" in warning


def test_adapt_skips_the_same_bad_rows(tmp_path):
    path = write(tmp_path / "bad.csv", BAD.encode("latin-1").replace(b"\xff", b"z"))
    spec = dc.FeatureSpec([dc.Categorical("c", dim=2)])
    with pytest.raises(ValueError, match="line 4: 3 fields"):
        spec.adapt(path)
    spec.adapt(path, on_bad_rows="skip")
    # Rows 0, 2 ("q\nr"), 3 ("z"), 4, 5, 6: the label is not read by adapt.
    assert sorted(spec.learned["c"]) == ["a", "q\nr", "z"]


def test_a_parquet_row_with_a_bad_label(tmp_path):
    frame = pd.DataFrame(
        {"rowId": [0, 1, 2], "c": ["a"] * 3, "x": [1.0] * 3, "label": [1.0, None, 0.0]}
    )
    path = write_parquet(frame, tmp_path / "a.parquet")
    with pytest.raises(ValueError, match=r"a\.parquet, row 2: label 'label' is missing"):
        rows_of(path)
    dataset, batches = rows_of(path, on_bad_rows="skip")
    assert ids(batches).tolist() == [0, 2] and dataset.num_rows == 2
    assert [(bad.unit, bad.number) for bad in dataset.bad_rows] == [("row", 2)]
    assert ids(epoch(dc.data.FeatureDataset(small_spec(), path))).tolist() == [
        0,
        1,
        2,
    ]  # no label read


def test_a_file_that_is_not_parquet(tmp_path):
    with pytest.raises(ValueError, match="is not a Parquet file pyarrow reads"):
        rows_of(write(tmp_path / "a.parquet", "rowId,c\n"))


# --- Cut-off, empty and header-only files ----------------------------------------------------


def test_a_last_line_without_newline_is_a_row(tmp_path, frame, spec):
    """Many writers leave out the final newline: a last line with every field is a row."""
    path = write(tmp_path / "no-newline.csv", HEADER + "0,a,1,1\n1,a,2,0\n2,a,3,1")
    dataset, batches = rows_of(path)
    assert ids(batches).tolist() == [0, 1, 2] and dataset.bad_rows == []
    assert (
        small_spec().adapt(path).learned
        == small_spec().adapt({"rowId": [0, 1, 2], "c": ["a"] * 3, "x": [1.0, 2.0, 3.0]}).learned
    )
    # A file pandas wrote, its final newline taken off: the same batches as with it.
    complete = write_csv(frame, tmp_path / "complete.csv")
    cut = write(tmp_path / "cut.csv", complete.read_bytes().rstrip(b"\n"))
    options = dict(label="label", batch_size=64)
    assert_same_batches(epoch(dc.data.FeatureDataset(spec, cut, **options)),
                        epoch(dc.data.FeatureDataset(spec, complete, **options)))  # fmt: skip


def test_a_last_line_that_is_also_bad_is_reported_once(tmp_path):
    path = write(tmp_path / "cut.csv", HEADER + "0,a,1,1\n1,a")
    dataset, batches = rows_of(path, on_bad_rows="skip")
    assert ids(batches).tolist() == [0]
    assert [(bad.number, bad.reason) for bad in dataset.bad_rows] == [(3, "2 fields, expected 4")]


def test_a_complete_file_and_trailing_blank_lines_keep_every_row(tmp_path):
    path = write(tmp_path / "ok.csv", HEADER + "0,a,1,1\r\n1,a,2,0\n\n  ")
    dataset, batches = rows_of(path)
    assert ids(batches).tolist() == [0, 1] and dataset.bad_rows == []


def test_a_header_cut_off_is_an_error(tmp_path):
    path = write(tmp_path / "cut.csv", HEADER.strip())
    with pytest.raises(ValueError, match="header line has no newline"):
        rows_of(path, on_bad_rows="skip")


def test_an_empty_file_is_an_error(tmp_path):
    for text in ("", "\n\n"):
        path = write(tmp_path / "empty.csv", text)
        with pytest.raises(ValueError, match=r"empty\.csv is empty: it has no header line"):
            rows_of(path)
        with pytest.raises(ValueError, match="is empty"):
            small_spec().adapt(path)


def test_a_header_only_file_has_no_rows(tmp_path):
    only = write(tmp_path / "a.csv", HEADER)
    dataset, batches = rows_of(only)
    assert dataset.num_rows == 0 and len(dataset) == 0 and batches == []
    full = write(tmp_path / "b.csv", HEADER + "0,a,1,1\n")
    dataset, batches = rows_of([only, full])
    assert ids(batches).tolist() == [0]


def test_a_missing_column_names_the_file(tmp_path):
    path = write(tmp_path / "a.csv", "rowId,cc,x,label\n0,a,1,1\n")
    with pytest.raises(ValueError, match=r"a\.csv has no column 'c'.*Did you mean 'cc'"):
        rows_of(path)
    frame = pd.DataFrame({"rowId": [0], "cc": ["a"], "x": [1.0], "label": [1.0]})
    with pytest.raises(ValueError, match=r"a\.parquet has no column 'c'"):
        rows_of(write_parquet(frame, tmp_path / "a.parquet"))


def test_sources_that_are_not_files(tmp_path):
    with pytest.raises(ValueError, match="No file or folder at"):
        rows_of(tmp_path / "nowhere.csv")
    with pytest.raises(ValueError, match="reads .csv, .parquet and .pq"):
        rows_of(write(tmp_path / "a.json", "{}"))
    with pytest.raises(ValueError, match="holds no .csv"):
        rows_of(tmp_path)
    path = write(tmp_path / "a.csv", HEADER + "0,a,1,1\n")
    with pytest.raises(ValueError, match="listed twice"):
        rows_of([path, str(path)])


def test_a_folder_reads_its_files_in_name_order(tmp_path):
    write(tmp_path / "b.csv", HEADER + "1,a,1,1\n")
    write(tmp_path / "a.csv", HEADER + "0,a,1,1\n")
    frame = pd.DataFrame({"rowId": [2], "c": ["a"], "x": [1.0], "label": [0.0]})
    write_parquet(frame, tmp_path / "c.parquet")
    _, batches = rows_of(tmp_path)
    assert ids(batches).tolist() == [0, 1, 2]


# --- adapt from files --------------------------------------------------------------------------


def test_adapt_from_files_equals_adapt_from_the_frame(tmp_path, frame):
    csv = write_csv(frame, tmp_path / "all.csv")
    parquet = write_parquet(frame, tmp_path / "all.parquet")
    halves = [
        write_csv(frame.iloc[:100], tmp_path / "part1.csv"),
        write_parquet(frame.iloc[100:], tmp_path / "part2.parquet"),
    ]
    expected = make_spec().adapt(frame)
    assert make_spec().adapt(csv) == expected
    assert make_spec().adapt(parquet) == expected
    assert make_spec().adapt(halves) == expected
    assert make_spec().adapt(pd.read_csv(csv, chunksize=37)) == expected


def test_adapt_shows_progress_when_verbose(tmp_path, frame, capsys):
    csv = write_csv(frame, tmp_path / "all.csv")
    make_spec().adapt(csv)
    assert capsys.readouterr().out == ""
    make_spec().adapt(csv, verbose=1)
    size = csv.stat().st_size
    assert f"{size}/{size}" in capsys.readouterr().out
    make_spec().adapt(pd.read_csv(csv, chunksize=100), verbose=1)
    assert "300" in capsys.readouterr().out


# --- The lesson's own sample file --------------------------------------------------------------


def test_the_lessons_sample_file_reads_as_read_samples_does():
    path = data_dir() / "sparrowrecsys" / "testSamples.csv"
    if not path.is_file():
        pytest.skip("the shared MovieLens data folder is not available")
    genre = dc.Table("genre", dim=4)
    rated = [f"userRatedMovie{i}" for i in range(1, 6)]
    spec = dc.FeatureSpec(
        [
            dc.Categorical("movieId", dim=4),
            dc.Categorical(
                "userGenre", columns=[f"userGenre{i}" for i in range(1, 6)], table=genre
            ),
            dc.Categorical("movieGenre", columns=["movieGenre1", "movieGenre2"], table=genre),
            dc.Categorical("rated", columns=rated, dim=4),
            dc.Numeric("movieRatingCount", scaling="log1p", default=-1.0),
        ]
    )
    samples = dc.datasets.read_samples(path)
    spec.adapt(path)
    assert spec == dc.FeatureSpec(spec.features).adapt(samples)
    dataset = dc.data.FeatureDataset(spec, path, label="label", batch_size=4096, chunk_size=5000)
    batches = epoch(dataset)
    expected = spec.transform(samples, packed=False)
    for name, array in expected.items():
        np.testing.assert_array_equal(np.concatenate([x[name] for x, _ in batches]), array)
    labels = np.concatenate([y for _, y in batches])
    np.testing.assert_array_equal(labels, samples["label"].to_numpy("float32"))
    assert (expected["rated"] == -1).any()  # the file's empty fields are empty slots


def test_memory_for_a_parquet_file_does_not_grow_with_it(tmp_path):
    """Arrow holds about one row group at a time while a file streams, not the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    path = tmp_path / "big.parquet"
    groups, rows = 16, 20_000
    with pq.ParquetWriter(path, pa.schema([("rowId", pa.float64()), ("c", pa.string()),
                                           ("x", pa.float64()), ("label", pa.int64())])) as writer:  # fmt: skip
        for g in range(groups):
            writer.write_table(
                pa.table({
                    "rowId": np.arange(g * rows, (g + 1) * rows, dtype=float),
                    "c": rng.choice(["0", "a", "b"], rows),
                    "x": rng.normal(size=rows),
                    "label": rng.integers(0, 2, rows),
                })
            )  # fmt: skip
    dataset = dc.data.FeatureDataset(
        small_spec(), path, label="label", batch_size=4096, chunk_size=4096
    )
    most = 0
    for _ in dataset:
        most = max(most, pa.total_allocated_bytes())
    one_group = pq.read_table(path).nbytes / groups
    assert most < 4 * one_group, (most, one_group)
