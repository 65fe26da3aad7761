"""Hostile input is normal input: each odd value gets the right answer or a clear error."""

import re

import numpy as np
import pandas as pd
import pytest

import deepcross as dc
from tests.conftest import encode

ODD = [
    np.inf,
    -np.inf,
    np.nan,
    None,
    True,
    False,
    349.0,
    349,
    "349",
    " 349 ",
    "349.0",
    2**70,
    -(2**63),
    np.uint64(2**64 - 1),
    1e300,
    -1e-300,
    0,
    -0.0,
    3.5,
    np.int8(-5),
    np.float32(2.5),
    "",
    "  ",
    "naïve",
    "日本",
    "a|b",
    b"bytes",
    "nan",
    "inf",
    "Action",
    pd.NA,
]


def odd_column(rng, n):
    column = np.empty(n, dtype=object)
    column[:] = [ODD[i] for i in rng.integers(0, len(ODD), n)]
    return column


def full_spec():
    genre = dc.Table("genre", dim=3)
    return dc.FeatureSpec(
        [
            dc.Categorical("movieId", dim=4),
            dc.Categorical("genre", columns=["genre1", "genre2"], table=genre),
            dc.Categorical(
                "tags",
                vocabulary=["a", "b", 349],
                max_values=3,
                separator="|",
                table=dc.Table("tags", dim=2),
            ),
            dc.IntegerIdentity("slot", num_tokens=400, dim=2),
            dc.Hashed("city", num_bins=50, dim=2),
            dc.Crossed("cityXslot", columns=["city", "slot"], num_bins=64, dim=2),
            dc.Numeric("rating", scaling="standardize"),
            dc.Numeric("count", scaling="minmax", default=1.0),
            dc.Bucketized("year", boundaries=[1990, 2000], default=1995, dim=2),
        ]
    )


COLUMNS = ["movieId", "genre1", "genre2", "tags", "slot", "city", "rating", "count", "year"]


def clean_frame(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "movieId": rng.integers(1, 20, n),
            "genre1": rng.choice(["Action", "Drama"], n),
            "genre2": rng.choice(["Action", "", "Comedy"], n),
            "tags": rng.choice(["a|b", "b", ""], n),
            "slot": rng.integers(0, 400, n),
            "city": rng.choice(["Paris", "Lagos"], n),
            "rating": rng.uniform(0, 5, n),
            "count": rng.integers(0, 100, n).astype(float),
            "year": rng.integers(1980, 2010, n),
        }
    )


def assert_valid_inputs(spec, arrays):
    for feature in spec.features:
        x = arrays[feature.name]
        if x.dtype == np.int32:
            assert x.min(initial=0) >= -1
            assert x.max(initial=0) < spec.table_rows(feature.table.name)
        else:
            assert x.dtype == np.float32 and np.isfinite(x).all()


def named_feature_error(spec, error):
    return any(f"Feature '{f.name}'" in str(error) for f in spec.features)


@pytest.fixture(scope="module")
def trained():
    spec = full_spec().adapt(clean_frame())
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
    return spec, model


@pytest.mark.parametrize("seed", range(6))
def test_random_odd_values_give_finite_scores_or_an_error_naming_the_feature(trained, seed):
    spec, model = trained
    rng = np.random.default_rng(seed)
    frame = clean_frame(40, seed)
    for column in rng.choice(COLUMNS, 3, replace=False):
        frame[column] = odd_column(rng, len(frame))
    try:
        arrays = spec.transform(frame, packed=False)
    except ValueError as error:
        assert named_feature_error(spec, error), error
        # The error names a row that holds the value it quotes.
        row = re.search(r"row (\d+)", str(error))
        assert row and int(row.group(1)) < len(frame), error
        return
    assert_valid_inputs(spec, arrays)
    scores = model.predict_raw(frame, verbose=0)
    assert scores.shape == (len(frame), 1) and np.isfinite(scores).all()


@pytest.mark.parametrize("seed", range(6))
def test_adapting_on_random_odd_values_learns_finite_state_or_names_the_feature(seed):
    rng = np.random.default_rng(100 + seed)
    frame = clean_frame(40, seed)
    for column in rng.choice(COLUMNS, 3, replace=False):
        frame[column] = odd_column(rng, len(frame))
    spec = full_spec()
    try:
        spec.adapt(frame)
    except ValueError as error:
        assert named_feature_error(spec, error), error
        return
    for name in ("rating", "count"):
        assert all(np.isfinite(v) for v in spec.learned[name].values())
    assert all(isinstance(key, str) and key for key in spec.learned["movieId"])


def test_non_finite_numbers_are_missing_never_learned():
    feature = dc.Numeric("x", scaling="standardize", default=0.0)
    spec = dc.FeatureSpec([feature]).adapt({"x": [1.0, np.inf, 3.0, -np.inf, 1e300, np.nan]})
    assert spec.learned["x"]["mean"] == 2.0 and spec.learned["x"]["count"] == 2
    x, counts = encode(feature, {"x": [np.inf, 1e300, -1e39, 2.0]})
    assert x.ravel().tolist() == [0.0, 0.0, 0.0, 2.0]
    assert counts["nonfinite"] == 3
    with pytest.raises(ValueError, match="'y': row 1 holds inf, a non-finite value"):
        encode(dc.Numeric("y", default="error"), {"y": [1.0, np.inf]})


def test_scores_for_inf_equal_the_scores_for_a_missing_value(trained):
    spec, model = trained
    frame = clean_frame(3, seed=7)
    odd, default = frame.copy(), frame.copy()
    odd["rating"] = [np.inf, -np.inf, 1e300]
    default["rating"] = None
    np.testing.assert_allclose(
        model.predict_raw(odd, verbose=0), model.predict_raw(default, verbose=0)
    )


def test_ids_in_any_spelling_are_one_key():
    movie = dc.Categorical("movieId", vocabulary=[349, 590, True])
    rows, counts = encode(
        movie,
        {"movieId": np.array([349.0, None, "590", np.int16(349), " 349 ", 1, 2**64 + 349], object)},
    )
    assert rows.ravel().tolist() == [1, -1, 2, 1, 1, 3, 0]
    assert counts == {"values": 6, "missing": 1, "oov": 1, "truncated": 0, "nonfinite": 0}
    flags = dc.Categorical("flag", vocabulary=[True, False])
    assert encode(flags, {"flag": np.array([True, False, True])})[0].ravel().tolist() == [1, 2, 1]


def test_huge_ids_never_collide_with_small_ones():
    spec = dc.FeatureSpec([dc.Categorical("id")]).adapt({"id": [1, 2**64 + 1, 2**63]})
    assert sorted(spec.learned["id"]) == sorted(["1", str(2**64 + 1), str(2**63)])
    slot = dc.IntegerIdentity("slot", num_tokens=10)
    assert encode(slot, {"slot": np.array([2**64 + 1, 3.0, -(2**70)], object)})[
        0
    ].ravel().tolist() == [0, 4, 0]


def test_bucketized_cuts_timestamps_exactly():
    ts = dc.Bucketized("ts", boundaries=[1_700_000_000, 1_700_000_001], dim=2)
    rows, _ = encode(ts, {"ts": [1_699_999_999.5, 1_700_000_000, 1_700_000_000.5, 1_700_000_001]})
    assert rows.ravel().tolist() == [0, 1, 1, 2]


def test_separator_column_cells_of_every_kind():
    tags = dc.Categorical("tags", vocabulary=["a", "b", 7], max_values=3, separator="|")
    cells = np.array(["a|b", ["b", 7], 7, 7.0, None, "", ("a",), "x|a"], dtype=object)
    rows, counts = encode(tags, {"tags": cells})
    assert rows.tolist() == [
        [1, 2, -1],
        [2, 3, -1],
        [3, -1, -1],
        [3, -1, -1],
        [-1, -1, -1],
        [-1, -1, -1],
        [1, -1, -1],
        [0, 1, -1],
    ]
    assert counts["oov"] == 1
    ints, _ = encode(tags, {"tags": np.array([7, 8])})
    assert ints.tolist() == [[3, -1, -1], [0, -1, -1]]
    with pytest.raises(ValueError, match=r"Feature 'tags'.*row 1.*\{'a': 1\}"):
        encode(tags, {"tags": np.array(["a", {"a": 1}], dtype=object)})


def test_duplicate_column_names_are_an_error_naming_the_column():
    frame = pd.DataFrame([[1.0, 2.0]], columns=["x", "x"])
    spec = dc.FeatureSpec([dc.Numeric("x", scaling="standardize")])
    with pytest.raises(ValueError, match="'x'.*2 times"):
        spec.adapt(frame)


@pytest.mark.parametrize("name", ["user id", "naïve", "a:b", "a.b", "1st", "", None, 3])
def test_names_every_backend_cannot_take_are_refused_at_construction(name):
    with pytest.raises(ValueError, match="name"):
        dc.Categorical(name)
    with pytest.raises(ValueError, match="name"):
        dc.Numeric(name)


def test_a_column_with_any_name_is_read_through_columns():
    spec = dc.FeatureSpec(
        [
            dc.Categorical("user_id", columns=["user id"]),
            dc.Numeric("price_eur", column="price (€)"),
        ]
    )
    spec.adapt(pd.DataFrame({"user id": ["a", "b"], "price (€)": [1.0, 3.0]}))
    assert spec.transform({"user id": ["b"], "price (€)": [2.0]}, packed=False)[
        "user_id"
    ].tolist() == [[2]]


def test_zero_rows_give_zero_row_arrays(trained):
    spec, model = trained
    arrays = spec.transform(clean_frame(0), packed=False)
    assert arrays["genre"].shape == (0, 2) and arrays["tags"].shape == (0, 3)
    assert arrays["rating"].shape == (0, 1) and arrays["rating"].dtype == np.float32
    with pytest.raises(ValueError, match="'movieId'.*empty vocabulary"):
        full_spec().adapt(clean_frame(0))


@pytest.mark.parametrize(
    "data",
    [
        {"movieId": 3, "rating": 4.5},  # a dict of scalars: one row
        [{"movieId": 3, "rating": 4.5}],  # records
        pd.Series({"movieId": 3, "rating": 4.5}),  # one row as a Series
    ],
)
def test_one_row_in_every_shape(data):
    spec = dc.FeatureSpec([dc.Categorical("movieId", vocabulary=[3]), dc.Numeric("rating")])
    arrays = spec.transform(data, packed=False)
    assert arrays["movieId"].tolist() == [[1]] and arrays["rating"].tolist() == [[4.5]]


def test_adapt_on_chunks_equals_adapt_on_the_whole():
    frame = clean_frame(500, seed=3)
    whole = full_spec().adapt(frame)
    for size in (1, 7, 64, 499):
        chunks = full_spec().adapt(frame[i : i + size] for i in range(0, len(frame), size))
        assert chunks.learned["movieId"] == whole.learned["movieId"]
        assert chunks.learned["genre"] == whole.learned["genre"]
        for name in ("rating", "count"):
            for key, value in whole.learned[name].items():
                assert chunks.learned[name][key] == pytest.approx(value, rel=1e-12)
