import numpy as np
import pytest

import deepcross as dc
from tests.conftest import encode


def test_missing_values_take_the_default():
    feature = dc.Numeric("count", default=-1.0)
    out = encode(feature, {"count": np.array(["3", "", None, "2.5", np.nan, "NaN"], object)})[0]
    assert out.dtype == np.float32 and out.shape == (6, 1)
    assert out[:, 0].tolist() == [3.0, -1.0, -1.0, 2.5, -1.0, -1.0]


def test_missing_value_without_default_names_feature_and_row():
    feature = dc.Numeric("count", default=None)
    with pytest.raises(ValueError, match="'count'.*row 2.*no default"):
        encode(feature, {"count": np.array([1.0, 2.0, np.nan])})[0]


def test_string_where_number_is_declared_names_feature_value_and_row():
    feature = dc.Numeric("avgRating")
    with pytest.raises(ValueError, match="'avgRating'.*row 1 holds 'abc'"):
        encode(feature, {"avgRating": np.array(["3.5", "abc", "4"], object)})[0]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scaling": "zscore"}, "scaling='zscore'"),
        ({"default": "0"}, "default='0'"),
        ({"default": float("nan")}, "default=nan"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dc.Numeric("x", **kwargs)


def test_bucketized_validation_and_table():
    year = dc.Bucketized("year", boundaries=[1980, 1990, 2000], dim=2)
    assert dc.FeatureSpec([year]).table_rows("year") == 4
    assert dc.Bucketized.from_config(year.get_config()) == year
    for bad in ([], [2000, 1990], [1, float("inf")], "abc"):
        with pytest.raises(ValueError, match="'year'.*boundaries"):
            dc.Bucketized("year", boundaries=bad)
