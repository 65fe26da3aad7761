import numpy as np
import pandas as pd
import pytest

import deepcross as dc


from tests.conftest import encode as rows


def test_fixed_vocabulary_lookup_with_oov_and_missing():
    color = dc.Categorical("color", vocabulary=["red", "blue"])
    out, counts = rows(color, {"color": np.array(["blue", "green", "", "red", None], object)})
    # Row 0 is the OOV slot; the vocabulary starts at row 1; missing values are -1.
    assert out.tolist() == [[2], [0], [-1], [1], [-1]]
    assert out.dtype == np.int32
    assert counts == {"values": 3, "missing": 2, "oov": 1, "truncated": 0, "nonfinite": 0}


def test_integers_integral_floats_and_strings_are_one_key():
    movie = dc.Categorical("movieId", vocabulary=[349, 590])
    data = {"movieId": np.array([349.0, np.nan, 590.0])}
    assert rows(movie, data)[0].tolist() == [[1], [-1], [2]]
    assert rows(movie, {"movieId": np.array(["590", "349"])})[0].tolist() == [[2], [1]]
    assert rows(movie, {"movieId": np.array([590, 7])})[0].tolist() == [[2], [0]]


def test_unseen_values_spread_over_oov_slots_never_onto_known_rows():
    feature = dc.Categorical("c", vocabulary=["a", "b"], num_oov_indices=4)
    unseen = np.array([f"u{i}" for i in range(200)], object)
    out = rows(feature, {"c": unseen})[0][:, 0]
    assert set(out) <= {0, 1, 2, 3}
    assert len(set(out)) > 1
    # The same unseen value always lands on the same slot.
    assert (rows(feature, {"c": unseen})[0][:, 0] == out).all()
    assert rows(feature, {"c": np.array(["a", "b"])})[0].tolist() == [[4], [5]]


def test_multi_column_feature_keeps_column_order():
    genre = dc.Categorical("genre", columns=["g1", "g2", "g3"], vocabulary=["x", "y"])
    data = pd.DataFrame({"g1": ["y", ""], "g2": ["x", "y"], "g3": [None, "zz"]})
    out, counts = rows(genre, data)
    assert out.tolist() == [[2, 1, -1], [-1, 2, 0]]
    assert counts["missing"] == 2 and counts["oov"] == 1


def test_list_valued_column_with_separator_truncates_and_counts():
    genre = dc.Categorical("genres", vocabulary=["a", "b", "c"], max_values=2, separator="|")
    data = {"genres": np.array(["a|b|c", "c", "", None, "b|zz"], object)}
    out, counts = rows(genre, data)
    assert out.tolist() == [[1, 2], [3, -1], [-1, -1], [-1, -1], [2, 0]]
    assert counts["truncated"] == 1


def test_list_valued_column_of_lists():
    tags = dc.Categorical("tags", vocabulary=[1, 2, 3], max_values=3)
    data = {"tags": np.array([[1, 2], [], [3, 3, 3, 1]], dtype=object)}
    out, counts = rows(tags, data)
    assert out.tolist() == [[1, 2, -1], [-1, -1, -1], [3, 3, 3]]
    assert counts["truncated"] == 1


def test_learned_vocabulary_orders_by_count_then_key():
    spec = dc.FeatureSpec([dc.Categorical("c", min_count=2, max_tokens=2)])
    spec.adapt({"c": np.array(["b", "a", "b", "c", "a", "c", "d", "b"])})
    assert spec.learned["c"] == ["b", "a"]


def test_learned_vocabulary_empty_after_min_count_is_an_error():
    spec = dc.FeatureSpec([dc.Categorical("rare", min_count=5)])
    with pytest.raises(ValueError, match="'rare'.*min_count=5"):
        spec.adapt({"rare": np.array(["a", "b"])})


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"vocabulary": []}, "vocabulary must not be empty"),
        ({"vocabulary": "abc"}, "received 'abc'"),
        ({"vocabulary": ["a", "a"]}, "'a' twice"),
        ({"vocabulary": [349, "349.0"]}, "'349.0' twice"),
        ({"vocabulary": ["a", None]}, "missing value"),
        ({"combiner": "max"}, "combiner=.max."),
        ({"dim": 0}, "dim=0"),
        ({"dim": "big"}, "dim='big'"),
        ({"num_oov_indices": 0}, "num_oov_indices=0"),
        ({"min_count": -1}, "min_count=-1"),
        ({"max_tokens": 0}, "max_tokens=0"),
        ({"columns": "g1"}, "columns='g1'"),
        ({"separator": "|"}, "needs max_values"),
        ({"columns": ["a", "b"], "max_values": 3}, "one list-valued column"),
    ],
)
def test_invalid_arguments_name_feature_and_value(kwargs, message):
    with pytest.raises(ValueError, match=message) as info:
        dc.Categorical("genre", **kwargs)
    assert "'genre'" in str(info.value)


def test_missing_column_names_feature_and_column():
    feature = dc.Categorical("genre", columns=["g1", "g9"], vocabulary=["a"])
    with pytest.raises(ValueError, match="Feature 'genre' needs column 'g9'"):
        rows(feature, pd.DataFrame({"g1": ["a"]}))


def test_config_round_trip():
    feature = dc.Categorical(
        "genre",
        columns=["g1", "g2"],
        vocabulary=["a", 2],
        dim=5,
        combiner="sqrtn",
        table="genres",
        num_oov_indices=2,
    )
    again = dc.Categorical.from_config(feature.get_config())
    assert again == feature and again.table == dc.Table("genres", dim=5)


def test_auto_dim_rule():
    assert dc.FeatureSpec([dc.Categorical("c", vocabulary=list(range(19)))]).embedding_dim("c") == 9
    assert dc.features.table.auto_dim(9743) == 64
    assert dc.features.table.auto_dim(2) == 2


# --- Long columns (values.key_codes) and the cell-by-cell path agree -----------------------


def odd_ids(rng, n):
    """Id columns of several dtypes, with odd values, sharing keys across dtypes."""
    ints = rng.integers(-5, 40, n)
    ints[:3] = [2**63 - 1, -(2**63), 2**40]
    floats = rng.integers(-5, 40, n).astype(float)
    floats[rng.random(n) < 0.2] = np.nan
    floats[:4] = [np.inf, 3.5, 2.0**63, -0.0]
    cells = [7, "7", " 7 ", "007", 7.0, None, np.nan, "", "abc", True, 2**70, "1e3", 3.25]
    mixed = np.array([cells[i] for i in rng.integers(0, len(cells), n)] + [None], object)[:n]
    return {"a": ints, "b": floats, "c": mixed, "d": rng.random(n) < 0.5}


def spec_of_odd_ids(vocabulary=None):
    return dc.FeatureSpec(
        [
            dc.Categorical("one", columns=["a"], vocabulary=vocabulary),
            dc.Categorical("many", columns=["a", "b", "c", "d"], num_oov_indices=3, min_count=2),
            dc.IntegerIdentity("slot", columns=["b", "c"], num_tokens=30),
            dc.Hashed("hashed", columns=["a", "c"], num_bins=17),
        ]
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_long_columns_encode_and_learn_as_the_cell_by_cell_path(monkeypatch, seed):
    data = pd.DataFrame(odd_ids(np.random.default_rng(seed), 400))
    fast = spec_of_odd_ids(vocabulary=[7, "-5", 2**63 - 1, "x"]).adapt(data)
    fast_arrays, fast_counts = fast.transform(data, return_counts=True)
    chunks = [data.iloc[i : i + 60].astype({"a": object}) if i % 120 else data.iloc[i : i + 60]
              for i in range(0, 400, 60)]  # fmt: skip
    assert spec_of_odd_ids(vocabulary=[7, "-5", 2**63 - 1, "x"]).adapt(iter(chunks)).learned == (
        fast.learned
    )
    monkeypatch.setattr(dc.features.values, "FEW_CELLS", 10**9)  # every column cell by cell
    slow = spec_of_odd_ids(vocabulary=[7, "-5", 2**63 - 1, "x"]).adapt(data)
    assert slow.learned == fast.learned
    slow_arrays, slow_counts = slow.transform(data, return_counts=True)
    assert slow_counts == fast_counts
    for name, array in slow_arrays.items():
        np.testing.assert_array_equal(fast_arrays[name], array)


def text_frame(rng, n):
    """Text columns as pandas reads them from Arrow (dtype str), odd texts and gaps included."""
    texts = np.array(["Action", " 7 ", "007", "7", "", "  ", "é", "a\\x00", "-0", "1e3", None])
    picked = lambda: texts[rng.integers(0, len(texts), n)]  # noqa: E731
    return pd.DataFrame({"a": picked(), "b": picked(), "id": rng.integers(0, 50, n)}).astype(
        {"a": "str", "b": "str"}
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_arrow_text_columns_and_files_agree_with_object_columns(tmp_path, seed):
    rng = np.random.default_rng(seed)
    frame = pd.concat([text_frame(rng, 150), text_frame(rng, 150)], ignore_index=True)
    assert isinstance(frame["a"].array, pd.arrays.ArrowStringArray)  # of two Arrow chunks
    objects = frame.astype({"a": object, "b": object})

    def make():
        return dc.FeatureSpec(
            [
                dc.Categorical("ab", columns=["a", "b"], num_oov_indices=2),
                dc.Categorical("one", columns=["a"], vocabulary=["7", "Action", "x"]),
                dc.Categorical("id"),
            ]
        )

    expected = make().adapt(objects)
    frame.to_parquet(tmp_path / "f.parquet", row_group_size=70)  # several dictionaries
    frame.to_csv(tmp_path / "f.csv", index=False)
    for data in (frame, tmp_path / "f.parquet", tmp_path / "f.csv"):
        assert make().adapt(data).learned == expected.learned
    arrays, counts = expected.transform(frame, return_counts=True)
    want_arrays, want_counts = expected.transform(objects, return_counts=True)
    assert counts == want_counts
    for name, array in want_arrays.items():
        np.testing.assert_array_equal(arrays[name], array)


def test_0_2s_name_num_oov_still_works_with_a_warning_naming_num_oov_indices():
    with pytest.warns(DeprecationWarning, match="'c': num_oov is now called num_oov_indices"):
        old = dc.Categorical("c", vocabulary=["a"], num_oov=3)
    assert old == dc.Categorical("c", vocabulary=["a"], num_oov_indices=3)
    assert "num_oov" not in old.get_config()
    with pytest.raises(ValueError, match="num_oov is the old name of num_oov_indices"):
        dc.Categorical("c", num_oov=3, num_oov_indices=2)
