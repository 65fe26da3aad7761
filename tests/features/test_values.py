"""The one value policy: raw cells to keys and numbers (deepcross/features/values.py)."""

import decimal
import fractions
import re

import numpy as np
import pandas as pd
import pytest

from deepcross.features.raw_data import (
    as_columns,
    column,
)
from deepcross.features.values import (
    INT_CELL,
    canonical_key,
    int64_keys,
    key_codes,
    split_cells,
    to_float,
    to_keys,
)


def obj(*cells):
    """An object array holding exactly these cells (lists stay cells)."""
    out = np.empty(len(cells), object)
    for i, cell in enumerate(cells):
        out[i] = cell
    return out


def keys_of(*cells):
    keys, missing = to_keys(obj(*cells), "f")
    return [None if m else k for k, m in zip(keys.tolist(), missing.tolist())]


# --- as_columns / column ------------------------------------------------------------------


def test_dataframe_columns_are_lazy_views_named_as_text():
    frame = pd.DataFrame({"a": np.arange(4), 7: list("wxyz")})
    columns, n = as_columns(frame)
    assert n == 4 and list(columns) == ["a", "7"] and len(columns) == 2
    assert "a" in columns and "7" in columns and 7 not in columns and "b" not in columns
    assert isinstance(columns["7"], np.ndarray) and columns["7"].tolist() == list("wxyz")
    assert np.shares_memory(columns["a"], frame["a"].to_numpy())  # not copied
    with pytest.raises(KeyError):
        columns["b"]


def test_dataframe_duplicate_names_are_an_error_naming_column_and_count():
    frame = pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"])
    with pytest.raises(ValueError, match="column 'a' 2 times"):
        as_columns(frame)
    with pytest.raises(ValueError, match="column '1' 2 times.*labels \\[1, '1'\\]"):
        as_columns(pd.DataFrame([[1, 2]], columns=[1, "1"]))


def test_nullable_integers_with_gaps_keep_every_digit():
    frame = pd.DataFrame({"id": pd.array([2**62 + 1, None], dtype="Int64")})
    columns, _ = as_columns(frame)
    assert to_keys(columns["id"], "id")[0].tolist() == [str(2**62 + 1), ""]
    categories = pd.DataFrame({"c": pd.Categorical([2**62 + 1, None])})
    assert to_keys(as_columns(categories)[0]["c"], "c")[0][0] == str(2**62 + 1)


def test_dict_of_arrays_lists_and_series():
    columns, n = as_columns(
        {
            "a": np.array([1, 2, 3]),
            "b": [[1, 2], [3, 4], [5, 6]],  # list-valued cells stay cells
            "c": pd.Series(["x", None, "z"], index=[10, 11, 12]),
            "d": np.array([[1.0], [2.0], [3.0]]),  # (n, 1) is flattened
            "e": (True, False, True),
        }
    )
    assert n == 3
    assert columns["b"].shape == (3,) and columns["b"][1] == [3, 4]
    assert columns["c"].tolist() == ["x", None, "z"] or pd.isna(columns["c"][1])
    assert columns["d"].tolist() == [1.0, 2.0, 3.0]
    assert all(column.ndim == 1 for column in columns.values())


def test_dict_of_scalars_is_one_row():
    columns, n = as_columns({"user": 3, "genre": "Drama", "score": np.float32(0.5), "x": None})
    assert n == 1 and columns["user"].tolist() == [3] and columns["genre"].tolist() == ["Drama"]
    assert to_keys(columns["x"], "x")[1].tolist() == [True]
    assert as_columns({"z": np.array(7)})[0]["z"].tolist() == [7]  # a 0-d array is a value


def test_records_with_missing_keys_and_series_row():
    columns, n = as_columns([{"a": 1, "b": "x"}, {"b": "y", "c": [1, 2]}])
    assert n == 2 and list(columns) == ["a", "b", "c"]
    assert columns["a"].tolist() == [1, None] and columns["c"].tolist() == [None, [1, 2]]
    columns, n = as_columns(pd.Series({"a": 5, "b": "q"}))
    assert n == 1 and columns["a"].tolist() == [5] and columns["b"].tolist() == ["q"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"a": [1, 2, 3], "b": [1, 2]}, "different lengths: 3 rows in 'a'; 2 rows in 'b'"),
        ({"a": [1], "b": [1, 2], "c": [3]}, "1 row in 'a', 'c'; 2 rows in 'b'"),
        (
            {"a": np.zeros((3, 2))},
            re.escape("Column 'a' must be one column, received an array of shape (3, 2)"),
        ),
        ({"a": np.zeros((2, 2, 1))}, re.escape("shape (2, 2, 1)")),
        ({1: [1], "1": [2]}, "unique as text.*'1' 2 times"),
        ({"a": [1, 2], "b": 3}, "mixes columns with single values \\('b'\\)"),
        ({"a": {1, 2}}, "Column 'a' is a set"),
        ([{"a": 1}, 5], "item 1 is an int"),
        (5, "Data must be a pandas DataFrame.*received an int"),
        ("abc", "received a str"),
        (np.zeros(3), "received an ndarray"),
    ],
)
def test_as_columns_errors_say_what_was_received(data, message):
    with pytest.raises(ValueError, match=message):
        as_columns(data)


def test_zero_rows_are_valid():
    for data in ({}, [], {"a": []}, {"a": np.array([], int)}, pd.DataFrame({"a": []})):
        columns, n = as_columns(data)
        assert n == 0 and all(len(columns[name]) == 0 for name in columns)
    assert len(column(pd.DataFrame({"a": []}), "a", "f")) == 0


def test_column_names_feature_column_and_present_columns():
    data = {f"c{i}": [1] for i in range(30)} | {"movieid": [1]}
    assert column(data, "c3", "f").tolist() == [1]
    with pytest.raises(ValueError) as info:
        column(data, "movieId", "movie")
    text = str(info.value)
    assert text.startswith(
        "Feature 'movie' needs column 'movieId', which the data does not "
        "have. Columns present: ['c0', 'c1'"
    )
    assert "(11 more)" in text and "'c25'" not in text and "Did you mean 'movieid'?" in text


# --- to_keys ------------------------------------------------------------------------------


@pytest.mark.parametrize("cells", [["a", 7, None], ("a", 7, None)])
def test_to_keys_takes_a_list_or_tuple_of_cells(cells):
    # 0.2's `as_array` called `values.object_array` on its parameter `values` (shadowing the
    # module): AttributeError: 'list' object has no attribute 'object_array'.
    from deepcross.features import values

    keys, missing = values.to_keys(cells, "f")
    assert keys.tolist() == ["a", "7", ""] and missing.tolist() == [False, False, True]
    assert values.to_float(list(cells[1:]), "f")[0][0] == 7.0


@pytest.mark.parametrize(
    "dtype", ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
)
def test_integer_dtypes_give_exact_decimal_text(dtype):
    info = np.iinfo(dtype)
    values = np.array([info.min, 0, 7, info.max], dtype)
    keys, missing = to_keys(values, "f")
    assert keys.tolist() == [str(info.min), "0", "7", str(info.max)]
    assert keys.dtype == object and missing.dtype == bool and not missing.any()


def test_python_ints_of_any_size():
    huge = [2**70, -(2**70), 2**64 - 1, 10**5000]
    assert keys_of(*huge, 5) == [
        str(2**70),
        str(-(2**70)),
        "18446744073709551615",
        "1" + "0" * 5000,
        "5",
    ]
    assert keys_of(np.uint64(2**64 - 1), np.int8(-3)) == ["18446744073709551615", "-3"]


def test_bools_are_one_and_zero():
    assert to_keys(np.array([True, False]), "f")[0].tolist() == ["1", "0"]
    assert keys_of(True, False, np.True_, None) == ["1", "0", "1", None]
    assert keys_of(True, 1, "1", 1.0) == ["1"] * 4


def test_floats_integral_exact_else_repr():
    values = np.array(
        [349.0, 1e20, -0.0, 3.5, 0.1, 2.5e-5, 2.0**63, -1e300, np.nan, np.inf, -np.inf]
    )
    keys, missing = to_keys(values, "f")
    assert keys.tolist()[:6] == ["349", "100000000000000000000", "0", "3.5", "0.1", "2.5e-05"]
    assert keys[6] == str(2**63) and keys[7] == str(int(-1e300))
    assert missing.tolist() == [False] * 8 + [True] * 3 and keys[8:].tolist() == [""] * 3
    assert to_keys(np.array([3.5, 2.0], np.float32), "f")[0].tolist() == ["3.5", "2"]
    # A float32 holds the key of its exact value, not of its short text.
    assert to_keys(np.array([0.1], np.float32), "f")[0][0] == repr(float(np.float32(0.1)))
    assert to_keys(np.array([1.5], np.float16), "f")[0][0] == "1.5"


@pytest.mark.parametrize(
    "text, key",
    [
        ("349", "349"),
        ("349.0", "349"),
        (" 349 ", "349"),
        ("3.50", "3.5"),
        ("007", "7"),
        ("+5", "5"),
        ("-0", "0"),
        ("-007", "-7"),
        ("1e3", "1000"),
        ("1E+2", "100"),
        (".5", "0.5"),
        ("5.", "5"),
        ("-2.50e-1", "-0.25"),
        ("\t42\n", "42"),
        ("\u300042", "42"),
        ("1e20", "100000000000000000000"),
        ("12345678901234567890123", "12345678901234567890123"),
        ("12345678901234567891.0", "12345678901234567891"),
        ("1e400", "1" + "0" * 400),
        ("0.99999999999999999999", "1"),
        ("1e-400", "0"),
        # Not numbers: kept as they are, case and spaces included.
        ("inf", "inf"),
        ("-inf", "-inf"),
        ("nan", "nan"),
        ("None", "None"),
        ("0x10", "0x10"),
        ("1_000", "1_000"),
        ("\u0661\u0662", "\u0661\u0662"),
        ("1 2", "1 2"),
        ("-", "-"),
        ("e", "e"),
        ("1e", "1e"),
        ("1.2.3", "1.2.3"),
        (" Abc ", " Abc "),
        ("Drama", "Drama"),
        ("日本", "日本"),
    ],
)
def test_string_keys(text, key):
    assert keys_of(text) == [key]
    assert to_keys(np.array([text]), "f")[0].tolist() == [key]  # a numpy str array
    assert canonical_key(text) == key


def test_blank_strings_none_nan_na_nat_are_missing():
    cells = [
        "",
        " ",
        "\t\n",
        "\u3000",
        None,
        np.nan,
        float("nan"),
        pd.NA,
        pd.NaT,
        np.datetime64("NaT"),
        np.timedelta64("NaT"),
        np.float32("nan"),
        np.inf,
        -np.inf,
    ]
    assert keys_of(*cells) == [None] * len(cells)
    keys, missing = to_keys(obj(*cells, "a"), "f")
    assert keys.tolist() == [""] * len(cells) + ["a"] and missing.tolist()[-1] is False


def test_bytes_are_utf8_text():
    assert keys_of(b"abc", b" 349.0 ", b"", "é".encode(), None) == ["abc", "349", None, "é", None]
    assert to_keys(np.array([b"x", b"007"]), "f")[0].tolist() == ["x", "7"]
    with pytest.raises(
        ValueError,
        match=r"Feature 'f': row 1 holds b'\\xff' \(a bytes\), which "
        "is not valid UTF-8 text",
    ):
        to_keys(obj(b"ok", b"\xff"), "f")


def test_pandas_string_categorical_and_nullable_columns():
    assert to_keys(pd.Series(["a", None, "7.0"], dtype="string"), "f")[0].tolist() == ["a", "", "7"]
    assert to_keys(pd.Series(pd.Categorical(["b", "a", None])), "f")[0].tolist() == ["b", "a", ""]
    assert to_keys(pd.array([1, None], dtype="Int64"), "f")[0].tolist() == ["1", ""]
    assert to_keys(pd.array([True, None], dtype="boolean"), "f")[0].tolist() == ["1", ""]


def test_decimal_and_fraction_are_numbers():
    d = decimal.Decimal
    assert keys_of(d("349.0"), d("1E+2"), d("3.50"), d("NaN"), fractions.Fraction(3, 2)) == [
        "349",
        "100",
        "3.5",
        None,
        "1.5",
    ]


@pytest.mark.parametrize(
    "cell, shown",
    [
        ([1, 2], "[1, 2] (a list)"),
        ({"a": 1}, "{'a': 1} (a dict)"),
        ((1,), "(1,) (a tuple)"),
        ({1}, "{1} (a set)"),
        (np.datetime64("2020-01-01"), "(a datetime64)"),
        (pd.Timestamp("2020-01-01"), "(a Timestamp)"),
        (1j, "1j (a complex)"),
        (object(), "(an object)"),
    ],
)
def test_other_values_are_an_error_naming_feature_row_and_value(cell, shown):
    with pytest.raises(ValueError) as info:
        to_keys(obj("a", 1, None, cell), "genre")
    assert str(info.value).startswith("Feature 'genre': row 3 holds ")
    assert shown in str(info.value) and str(info.value).endswith("which is not a categorical value")


def test_non_numeric_dtypes_are_errors_unless_missing():
    dates = np.array(["NaT", "2020-01-01"], "datetime64[ns]")
    with pytest.raises(ValueError, match="row 1 holds .*2020-01-01.*datetime64"):
        to_keys(dates, "f")
    assert to_keys(dates[:1], "f")[1].tolist() == [True]
    with pytest.raises(ValueError, match="row 0 holds .*complex"):
        to_keys(np.array([1 + 2j]), "f")


def test_inputs_are_not_modified():
    cells = obj("007", None, " a ", 3.0, "")
    before = cells.copy()
    to_keys(cells, "f"), to_float(obj("1", None, " 2 "), "f"), split_cells(cells[:3], "|", "f")
    assert [repr(c) for c in cells] == [repr(c) for c in before]


def test_canonical_key():
    assert [canonical_key(v) for v in [349, 349.0, "349", np.int32(349), b"349", " 349.0 "]] == [
        "349"
    ] * 6
    assert [canonical_key(v) for v in (None, "", " ", np.nan, pd.NA)] == [None] * 5
    assert canonical_key(np.array(5)) == "5" and canonical_key(True) == "1"
    with pytest.raises(ValueError, match=r"Feature 'genre': \[1\] \(a list\) is not a categorical"):
        canonical_key([1], "genre")
    with pytest.raises(ValueError, match=r"^\{1: 2\} \(a dict\) is not a categorical value$"):
        canonical_key({1: 2})


@pytest.mark.parametrize("dtype", [np.int64, np.float64, object, str, bytes, bool])
def test_to_keys_zero_length(dtype):
    keys, missing = to_keys(np.array([], dtype), "f")
    assert keys.shape == missing.shape == (0,) and keys.dtype == object and missing.dtype == bool


# --- to_float -----------------------------------------------------------------------------


def test_numbers_of_numeric_dtypes():
    for values in (
        np.array([1, -2, 3], np.int8),
        np.array([1, 2**64 - 1], np.uint64),
        np.array([True, False]),
        np.array([0.5, 1.5], np.float32),
    ):
        numbers, missing, nonfinite = to_float(values, "f")
        assert numbers.dtype == np.float64 and numbers.tolist() == values.astype(float).tolist()
        assert not missing.any() and not nonfinite.any()


def test_numeric_strings_and_python_values():
    cells = obj(
        "1e3",
        " -2.5 ",
        "+.5",
        "7",
        2**70,
        True,
        decimal.Decimal("0.25"),
        np.int64(4),
        b"8",
        "\u30009",
    )
    numbers, missing, nonfinite = to_float(cells, "f")
    assert numbers.tolist() == [1000.0, -2.5, 0.5, 7.0, 2.0**70, 1.0, 0.25, 4.0, 8.0, 9.0]
    assert not missing.any() and not nonfinite.any()


def test_missing_numbers():
    cells = obj(
        None, np.nan, pd.NA, pd.NaT, "", "  ", "nan", "NaN", "-nan", "None", "NONE", "<NA>", 1.0
    )
    numbers, missing, nonfinite = to_float(cells, "f")
    assert missing.tolist() == [True] * 12 + [False] and not nonfinite.any()
    assert np.isnan(numbers[:12]).all() and numbers[12] == 1.0


def test_non_finite_and_beyond_float32_are_flagged_not_missing():
    f32 = float(np.finfo(np.float32).max)
    cells = obj(
        np.inf,
        -np.inf,
        "inf",
        "-inf",
        "Infinity",
        "-INFINITY",
        1e39,
        -3.5e38,
        "1e39",
        10**400,
        -(10**400),
        decimal.Decimal("1e500"),
        f32,
        -f32,
    )
    numbers, missing, nonfinite = to_float(cells, "f")
    assert nonfinite.tolist() == [True] * 12 + [False, False] and not missing.any()
    assert np.isnan(numbers[:12]).all() and numbers[12:].tolist() == [f32, -f32]
    numbers, missing, nonfinite = to_float(np.array([1.0, np.inf, np.nan, 1e300]), "f")
    assert nonfinite.tolist() == [False, True, False, True]
    assert missing.tolist() == [False, False, True, False] and not np.isinf(numbers).any()


@pytest.mark.parametrize(
    "cells, message",
    [
        (obj("1", "abc", "2", "x y"), r"row 1 holds 'abc', which is not a number \(2 such rows"),
        (obj(None, "", "abc"), r"row 2 holds 'abc', which is not a number \(1 such row in all\)"),
        (obj(1.0, [1, 2]), r"row 1 holds \[1, 2\] \(a list\), which is not a number"),
        (obj(1, {"a": 1}), r"row 1 holds \{'a': 1\} \(a dict\)"),
        (obj("1_000", "2"), "row 0 holds '1_000'"),
        (obj("1", "\u0661"), "row 1 holds '\u0661'"),
        (obj(b"\xff"), r"row 0 holds b'\\xff'"),
        (np.array(["2020-01-01"], "datetime64[D]"), "row 0 holds .*datetime64"),
    ],
)
def test_not_a_number_names_feature_row_value_and_count(cells, message):
    with pytest.raises(ValueError, match="Feature 'rating' is numeric but " + message):
        to_float(cells, "rating")


@pytest.mark.parametrize("dtype", [np.int64, np.float64, object, str, bool])
def test_to_float_zero_length(dtype):
    numbers, missing, nonfinite = to_float(np.array([], dtype), "f")
    assert numbers.dtype == np.float64 and numbers.shape == missing.shape == nonfinite.shape == (0,)


# --- split_cells --------------------------------------------------------------------------


def test_split_strings_missing_pieces_take_a_slot():
    keys, missing, row, slot = split_cells(obj("a|b", "", None, "c||d", " 7.0|x"), "|", "g")
    assert keys.tolist() == ["a", "b", "", "", "c", "", "d", "7", "x"]
    assert missing.tolist() == [False, False, True, True, False, True, False, False, False]
    assert row.tolist() == [0, 0, 1, 2, 3, 3, 3, 4, 4]
    assert slot.tolist() == [0, 1, 0, 0, 0, 1, 2, 0, 1]
    assert row.dtype == slot.dtype == np.int64


def test_split_multi_character_separator_and_no_separator():
    keys, _, row, slot = split_cells(np.array(["a:", "::b", "c::d"]), "::", "g")
    assert keys.tolist() == ["a:", "", "b", "c", "d"] and row.tolist() == [0, 1, 1, 2, 2]
    assert slot.tolist() == [0, 0, 1, 0, 1]
    keys, missing, row, slot = split_cells(obj("a|b", None, "3"), None, "g")
    assert keys.tolist() == ["a|b", "", "3"] and missing.tolist() == [False, True, False]
    assert row.tolist() == [0, 1, 2] and slot.tolist() == [0, 0, 0]


def test_split_lists_scalars_and_empty_rows():
    cells = obj(
        [1, 2.0], [], ("x|y", None), np.array([True, False]), 5, np.nan, "p|q", np.array(3), b"r|s"
    )
    keys, missing, row, slot = split_cells(cells, "|", "g")
    assert keys.tolist() == ["1", "2", "x|y", "", "1", "0", "5", "", "p", "q", "3", "r", "s"]
    assert missing.tolist() == [False, False, False, True] + [False] * 3 + [True] + [False] * 5
    assert row.tolist() == [0, 0, 2, 2, 3, 3, 4, 5, 6, 6, 7, 8, 8]  # row 1 has no entries
    assert slot.tolist() == [0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 1]


def test_split_numeric_columns_one_value_per_row():
    keys, missing, row, slot = split_cells(np.array([3, 1, 2]), "|", "g")
    assert keys.tolist() == ["3", "1", "2"] and row.tolist() == [0, 1, 2] and not slot.any()
    keys, missing, _, _ = split_cells(np.array([3.0, np.nan]), "|", "g")
    assert keys.tolist() == ["3", ""] and missing.tolist() == [False, True]
    assert split_cells(obj(1, 2**70, None), "|", "g")[0].tolist() == ["1", str(2**70), ""]


def test_split_all_lists_fast_path_agrees_with_mixed_cells():
    lists = obj([1, "2"], (3,), [], [" 4.0 ", None])
    fast = split_cells(lists, None, "g")
    slow = split_cells(obj(*lists, "z"), None, "g")
    for a, b in zip(fast, slow):
        assert a.tolist() == b.tolist()[: len(a)]


@pytest.mark.parametrize(
    "cell, message",
    [
        (
            {"a": 1},
            r"row 2 holds \{'a': 1\} \(a dict\), which is neither a list of values nor a "
            "categorical value",
        ),
        ({1, 2}, r"row 2 holds \{1, 2\} \(a set\)"),
        ([1, [2]], r"row 2 holds \[2\] \(a list\), which is not a categorical value"),
        (np.zeros((2, 2)), r"row 2 holds .* \(an ndarray\)"),
        (b"\xff", r"row 2 holds b'\\xff' \(a bytes\), which is not valid UTF-8 text"),
    ],
)
def test_split_bad_cells_name_feature_row_and_value(cell, message):
    with pytest.raises(ValueError, match="Feature 'tags': " + message):
        split_cells(obj("a|b", ["c"], cell), "|", "tags")


@pytest.mark.parametrize("separator", ["", 3])
def test_split_separator_must_be_text(separator):
    with pytest.raises(ValueError, match="separator must be a non-empty string or None"):
        split_cells(obj("a"), separator, "tags")


@pytest.mark.parametrize("values", [np.array([], object), np.array([], str), np.array([], int)])
def test_split_zero_length(values):
    for separator in ("|", None):
        keys, missing, row, slot = split_cells(values, separator, "g")
        assert keys.shape == missing.shape == row.shape == slot.shape == (0,)
        assert keys.dtype == object and row.dtype == slot.dtype == np.int64


# --- Properties on random odd values ------------------------------------------------------


def random_number_groups(rng, count):
    """Groups of spellings of one number, each with the key all its spellings must get."""
    groups = []
    for _ in range(count):
        size = rng.choice([10, 10**6, 2**62, 2**120])
        k = int(rng.integers(0, min(size, 2**62))) * (size // min(size, 2**62))
        k = k + int(rng.integers(0, 1000)) if size > 2**62 else k
        k = -k if rng.random() < 0.3 else k
        spellings = [
            k,
            str(k),
            f"{k}.0",
            f" {k} ",
            f"{k}e0",
            f"{k}00e-2",
            f"\t{k}.000\n",
            decimal.Decimal(k),
            str(k).encode(),
        ]
        if k >= 0:
            spellings += ["+" + str(k), "00" + str(k)]
        if float(k) == k:
            spellings += [float(k), np.float64(k)]
        if float(np.float32(k)) == k:  # exactly, as Python compares int and float
            spellings.append(np.float32(k))
        if -(2**31) <= k < 2**31:
            spellings.append(np.int32(k))
        if 0 <= k < 2**64:
            spellings.append(np.uint64(k))
        if -(2**63) <= k < 2**63:
            spellings.append(np.int64(k))
        if k in (0, 1):
            spellings += [bool(k), np.bool_(k)]
        groups.append((str(k), spellings))
    for _ in range(count):
        x = float(rng.standard_normal() * 10.0 ** rng.integers(-8, 12))
        if not x.is_integer():
            groups.append((repr(x), [x, repr(x), f" {x!r} ", np.float64(x), repr(x).encode()]))
    return groups


MISSING = [
    "",
    " ",
    "\t",
    "\u3000",
    None,
    np.nan,
    pd.NA,
    pd.NaT,
    np.inf,
    -np.inf,
    np.float32("nan"),
    b"",
    b"  ",
]
TEXTS = [
    "abc",
    " Abc ",
    "nan",
    "None",
    "inf",
    "-Infinity",
    "0x10",
    "1_000",
    "\u0661\u0662",
    "日本語",
    "é",
    "1 2",
    "-",
    "e",
    "1e",
    "..",
    "+-1",
    "NaN",
    "A-1",
]


def random_texts(rng, count):
    letters = list("abcXYZ éü日本語-_.0123456789")
    return ["t" + "".join(rng.choice(letters, rng.integers(0, 8))) for _ in range(count)]


def flat(groups):
    return [(key, cell) for key, cells in groups for cell in cells]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_property_equal_numbers_equal_keys_in_any_spelling(seed):
    rng = np.random.default_rng(seed)
    pairs = flat(random_number_groups(rng, 60))
    pairs += [(None, cell) for cell in MISSING] + [(text, text) for text in TEXTS]
    pairs += [(text, text) for text in random_texts(rng, 40)]
    pairs += [(text, text.encode()) for text in random_texts(rng, 10)]
    order = rng.permutation(len(pairs))
    expected = [pairs[i][0] for i in order]
    keys, missing = to_keys(obj(*[pairs[i][1] for i in order]), "f")  # (a) never raises
    assert all(isinstance(key, str) for key in keys)
    assert [None if m else k for k, m in zip(keys, missing)] == expected  # (b) and (c)
    assert keys[missing].tolist() == [""] * int(missing.sum())
    assert [canonical_key(pairs[i][1]) for i in order] == expected


@pytest.mark.parametrize("seed", [0, 1])
def test_property_numbers_are_finite_or_flagged(seed):
    rng = np.random.default_rng(seed)
    for key, cells in random_number_groups(rng, 40):
        numbers, missing, nonfinite = to_float(obj(*cells), "f")  # (d)
        assert not np.isinf(numbers).any() and not (missing & nonfinite).any()
        assert (np.isnan(numbers) == (missing | nonfinite)).all() and not missing.any()
        exact = float(decimal.Decimal(key))
        if abs(exact) <= np.finfo(np.float32).max:
            assert not nonfinite.any() and (numbers == exact).all()
        else:
            assert nonfinite.all()
    numbers, missing, nonfinite = to_float(obj(*MISSING), "f")
    assert (missing | nonfinite).all() and np.isnan(numbers).all()


def odd_one():
    """A cell that sends a column down the cell-by-cell path without being an error."""
    return fractions.Fraction(1, 3)


@pytest.mark.parametrize("seed", [0, 1])
def test_property_fast_paths_agree_with_cell_by_cell(seed):
    rng = np.random.default_rng(seed)
    n = 300
    ints = rng.integers(-(2**62), 2**62, n) // rng.choice([1, 10**6, 10**15], n)
    floats = np.where(
        rng.random(n) < 0.5,
        np.round(rng.standard_normal(n) * 1e4),
        rng.standard_normal(n) * 10.0 ** rng.integers(-8, 20, n),
    )
    floats[rng.random(n) < 0.1] = np.nan
    floats[rng.random(n) < 0.05] = np.inf
    texts = np.array(
        random_texts(rng, n)
        + [f" {v} " for v in ints[:50]]
        + [repr(v) for v in floats[:50].tolist()]
        + ["", " ", "007", "+5", "1e400", "-"]
        + [f"{2**70 + int(i)}.0" for i in range(5)],
        object,
    )
    ascii_texts = np.array([t for t in texts if t.isascii()], object)
    columns = [
        ints,
        np.abs(ints).astype(np.uint64),
        ints.astype(np.int32),
        floats,
        np.clip(floats, -3e38, 3e38).astype(np.float32),
        rng.random(n) < 0.5,
        texts,
        texts.astype(str),
        ascii_texts.astype(bytes),
        obj(*[t.encode() for t in texts]),
        pd.Series(texts, dtype="string").to_numpy(),
        obj(*ints.tolist(), None, 2**70),
        obj(*floats.tolist(), None),
        obj(*(rng.random(n) < 0.5).tolist(), None),
        obj(*floats.tolist(), *ints[:20].tolist()),
        obj(*floats[:20].tolist(), 2**53 + 1, 2**70),
        np.where(rng.random(len(texts)) < 0.2, None, texts),
    ]
    for values in columns:  # (e)
        fast = to_keys(values, "f")
        slow = to_keys(obj(*list(values), odd_one()), "f")
        assert fast[0].tolist() == slow[0][:-1].tolist(), values.dtype
        assert fast[1].tolist() == slow[1][:-1].tolist()
        assert fast[0].tolist() == [canonical_key(v) or "" for v in values]
    numeric_texts = [f" {v} " for v in ints] + [repr(v) for v in floats.tolist()]
    numeric_texts = np.array(numeric_texts + ["", "None"], object)
    for values in (ints, floats, numeric_texts, obj(*ints.tolist(), None, 2**70, True)):
        fast = to_float(values, "f")
        slow = to_float(obj(*list(values), odd_one()), "f")
        for a, b in zip(fast, slow):
            np.testing.assert_array_equal(a, b[:-1])
    pairs = list(zip(texts[:60:2], texts[1:60:2]))
    keys = split_cells(obj(*["|".join(pair) for pair in pairs]), "|", "f")[0]
    assert keys.tolist() == [canonical_key(t) or "" for pair in pairs for t in pair]
    lists = obj(*[[v, str(v)] for v in ints[:50].tolist()], odd_one())
    assert split_cells(lists, "|", "f")[0].tolist()[:100] == [
        canonical_key(v) for v in ints[:50].tolist() for _ in range(2)
    ]


if __name__ == "__main__":
    # Timings for 1M-row columns (a report, not a test): python tests/features/test_values.py
    import time

    rng = np.random.default_rng(0)
    n = 1_000_000
    ids = rng.integers(0, 10**6, n)
    with_gaps = ids.astype(float)
    with_gaps[::20] = np.nan
    fractional = rng.random(n)
    genres = np.array([f"genre{i}" for i in ids % 1000], object)
    string_dtype = pd.Series(genres, dtype="string")
    id_texts = ids.astype(str).astype(object)
    float_texts = fractional.astype(str).astype(object)
    lists = np.array(["a|b", "c", "a|b|c"] * (n // 3), object)
    runs = {
        "to_keys int64": lambda: to_keys(ids, "f"),
        "to_keys float64 ids with NaN": lambda: to_keys(with_gaps, "f"),
        "to_keys float64 fractional": lambda: to_keys(fractional, "f"),
        "to_keys object str": lambda: to_keys(genres, "f"),
        "to_keys pandas string dtype": lambda: to_keys(string_dtype, "f"),
        "to_keys object str of ints": lambda: to_keys(id_texts, "f"),
        "to_keys object str of floats": lambda: to_keys(float_texts, "f"),
        "to_float int64": lambda: to_float(ids, "f"),
        "to_float float64": lambda: to_float(with_gaps, "f"),
        "to_float object str of ints": lambda: to_float(id_texts, "f"),
        "to_float object str of floats": lambda: to_float(float_texts, "f"),
        "split_cells 'a|b' strings": lambda: split_cells(lists, "|", "f"),
        "split_cells int64": lambda: split_cells(ids, "|", "f"),
    }
    for name, run in runs.items():
        start = time.perf_counter()
        run()
        print(f"{name:32s} {time.perf_counter() - start:6.3f} s")


# --- The fast path of long columns: key_codes, int64_keys ---------------------------------


def keys_from_codes(found):
    ints, codes, keys = found
    return [
        None if code == -1 else str(ints[i]) if code == INT_CELL else keys[code]
        for i, code in enumerate(codes.tolist())
    ]


def odd_columns(rng, n=300):
    """Columns of every dtype key_codes reads, with their odd values."""
    big = [0, 1, -1, 2**53 + 1, 2**62, -(2**63), 2**63 - 1]
    ints = rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64, endpoint=True)
    ints[: len(big)] = big
    floats = rng.standard_normal(n) * 10.0 ** rng.integers(-5, 25, n)
    integral = rng.random(n) < 0.4
    floats[integral] = np.round(floats[integral])
    special = [np.nan, np.inf, -np.inf, -0.0, 2.0**63, -(2.0**63), 1e300, 349.0, 2.0**53 + 2]
    floats[: len(special)] = special
    cells = flat(random_number_groups(rng, 8)) + [(None, c) for c in MISSING]
    cells += [(t, t) for t in TEXTS]
    odd = obj(*[cells[i][1] for i in rng.integers(0, len(cells), n)])
    return [
        ints,
        ints.astype(np.int8),
        rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True),
        np.array([2**64 - 1, 5] * (n // 2), dtype=np.uint64),
        floats,
        np.clip(floats, -3e38, 3e38).astype(np.float32),
        np.floor(floats),
        rng.random(n) < 0.5,
        odd,
        obj(*rng.choice(["Action", "", " 7 ", "007", "7", None, np.nan], n)),
        obj(*[int(i) for i in ints]),  # Python ints, as a nullable column gives
        np.array([str(i) for i in ints]),  # fixed-width numpy text
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_key_codes_give_the_keys_of_to_keys(seed):
    for values in odd_columns(np.random.default_rng(seed)):
        keys, missing = to_keys(values, "f")
        expected = [None if m else k for k, m in zip(keys.tolist(), missing.tolist())]
        assert keys_from_codes(key_codes(values)) == expected, values.dtype


def test_key_codes_of_cells_that_are_not_keys_is_none():
    assert key_codes(obj(*([1, "a"] * 10), [1, 2])) is None  # a list: unhashable
    assert key_codes(obj(*([1, "a"] * 10), frozenset())) is None
    assert key_codes(np.array(["2020-01-01"] * 20, "datetime64[ns]")) is None


def test_int64_keys_are_exactly_the_canonical_int64_texts():
    texts = obj(
        "0", "-0", "007", "7", "-7", " 7", "+7", "7.0", "1e3", str(2**63 - 1), str(-(2**63)),
        str(2**63), str(-(2**63) - 1), "1-2", "-", "", "\u0663", "1_0", 7, 7.0, True, None,
        "abc", "99999999999999999999999",
    )  # fmt: skip
    positions, ints = int64_keys(texts)
    assert texts[positions].tolist() == ["0", "7", "-7", str(2**63 - 1), str(-(2**63))]
    assert ints.tolist() == [0, 7, -7, 2**63 - 1, -(2**63)]
    all_ints = obj(*[str(i) for i in range(-50, 50)], "007")  # the fast whole-array parse
    positions, ints = int64_keys(all_ints)
    assert positions.tolist() == list(range(100)) and ints.tolist() == list(range(-50, 50))
