import keras
import numpy as np
import pytest

import deepcross as dc
from tests.conftest import encode


def test_missing_values_take_a_number_default():
    feature = dc.Numeric("count", default=-1.0)
    out = encode(feature, {"count": np.array(["3", "", None, "2.5", np.nan, "NaN"], object)})[0]
    assert out.dtype == np.float32 and out.shape == (6, 1)
    assert out[:, 0].tolist() == [3.0, -1.0, -1.0, 2.5, -1.0, -1.0]


def test_missing_value_with_default_error_names_feature_and_row():
    feature = dc.Numeric("count", default="error")
    with pytest.raises(ValueError, match="'count'.*row 2.*default='error'"):
        encode(feature, {"count": np.array([1.0, 2.0, np.nan])})[0]


@pytest.mark.parametrize(
    ("scaling", "fill"), [(None, 0.0), ("log1p", 0.0), ("standardize", 3.0), ("minmax", 1.0)]
)
def test_default_none_leaves_the_slot_empty_the_learned_mean_under_standardize(scaling, fill):
    # One meaning of default=None for every kind: the feature's part of the stacked vector is
    # 0. For a number that is the value its scaling maps to 0: the mean under standardize.
    feature = dc.Numeric("x", scaling=scaling)
    assert feature.default is None
    spec = dc.FeatureSpec([feature]).adapt({"x": [1.0, 5.0, 3.0]})
    x = spec.transform({"x": [None, np.inf, "", 5.0]}, packed=False)["x"]
    assert x[:, 0].tolist() == [fill, fill, fill, 5.0]
    stacked = keras.ops.convert_to_numpy(
        dc.layers.EmbeddingStack(spec)(spec.transform({"x": [None]}))
    )
    assert stacked.tolist() == [[0.0]]


def test_string_where_number_is_declared_names_feature_value_and_row():
    feature = dc.Numeric("avgRating")
    with pytest.raises(ValueError, match="'avgRating'.*row 1 holds 'abc'"):
        encode(feature, {"avgRating": np.array(["3.5", "abc", "4"], object)})[0]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scaling": "zscore"}, "scaling='zscore'"),
        ({"default": "0"}, "default='0'"),
        ({"default": "mean"}, "default='mean'"),
        ({"default": float("nan")}, "default=nan"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dc.Numeric("x", **kwargs)


def test_bucketized_puts_minus_inf_first_and_inf_last_as_bucketized_column():
    year = dc.Bucketized("year", boundaries=[1980, 1990], dim=2)
    rows, counts = encode(year, {"year": [-np.inf, 1985, np.inf, 1e300, -1e300, "inf", None]})
    assert rows[:, 0].tolist() == [0, 1, 2, 2, 0, 2, -1]
    assert counts["values"] == 6 and counts["missing"] == 1 and counts["nonfinite"] == 5
    labels = dc.FeatureSpec([year]).row_keys("year")
    assert labels == ["[-inf, 1980.0)", "[1980.0, 1990.0)", "[1990.0, inf]"]


@pytest.mark.parametrize(("default", "row"), [(None, -1), (1985.0, 1), (1990, 2)])
def test_bucketized_default_has_the_meaning_numeric_gives_it(default, row):
    year = dc.Bucketized("year", boundaries=[1980, 1990], default=default, dim=2)
    assert encode(year, {"year": [np.nan, None, ""]})[0][:, 0].tolist() == [row] * 3
    strict = dc.Bucketized("year", boundaries=[1980, 1990], default="error", dim=2)
    with pytest.raises(ValueError, match="'year'.*row 1.*default='error'"):
        encode(strict, {"year": [1985, None]})


def test_bucketized_validation_and_table():
    year = dc.Bucketized("year", boundaries=[1980, 1990, 2000], dim=2)
    assert dc.FeatureSpec([year]).table_rows("year") == 4
    assert dc.Bucketized.from_config(year.get_config()) == year
    for bad in ([], [2000, 1990], [1, float("inf")], "abc"):
        with pytest.raises(ValueError, match="'year'.*boundaries"):
            dc.Bucketized("year", boundaries=bad)


@pytest.mark.parametrize(
    ("scaling", "expected"),
    [
        # Learned from [1, 3, 5, 7]: mean 4, variance 5 (not 1, so a formula dividing by the
        # variance, or by nothing, cannot pass), min 1, max 7.
        ("standardize", lambda x: (x - 4.0) / np.sqrt(5.0 + 1e-6)),
        ("minmax", lambda x: (x - 1.0) / 6.0),
        ("log1p", lambda x: np.log1p(np.maximum(x, 0.0))),
        (None, lambda x: x),
    ],
)
def test_scaled_values_are_exact(scaling, expected):
    spec = dc.FeatureSpec([dc.Numeric("x", scaling=scaling)]).adapt({"x": [1.0, 3.0, 5.0, 7.0]})
    if scaling == "standardize":
        assert spec.learned["x"]["variance"] == 5.0
    x = np.array([-2.0, 0.0, 1.0, 4.0, 9.0, 100.0])
    stacked = dc.layers.EmbeddingStack(spec)(spec.transform({"x": x}))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(stacked)[:, 0], expected(x), rtol=1e-6, atol=1e-6
    )
