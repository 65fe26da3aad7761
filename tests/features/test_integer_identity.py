import numpy as np
import pytest

import deepcross as dc
from tests.conftest import encode


def test_ids_shift_by_one_and_out_of_range_goes_to_oov():
    feature = dc.IntegerIdentity("slot", num_tokens=3)
    data = {"slot": np.array([0, 2, 3, -1, 1])}
    out, counts = encode(feature, data)
    assert out.tolist() == [[1], [3], [0], [0], [2]]
    assert counts["oov"] == 2
    assert dc.FeatureSpec([feature]).table_rows("slot") == 4


def test_strings_and_floats_from_a_csv():
    feature = dc.IntegerIdentity("slot", num_tokens=5)
    out, counts = encode(feature, {"slot": np.array(["4", "x", "", "2.5"], object)})
    assert out.tolist() == [[5], [0], [-1], [0]]
    assert counts == {"values": 3, "missing": 1, "oov": 2, "truncated": 0, "nonfinite": 0}


@pytest.mark.parametrize("num_tokens", [0, -3, 2.5, None])
def test_num_tokens_must_be_positive(num_tokens):
    with pytest.raises(ValueError, match=f"'slot'.*num_tokens={num_tokens}"):
        dc.IntegerIdentity("slot", num_tokens=num_tokens)


def test_0_2s_name_num_buckets_still_works_with_a_warning_naming_num_tokens():
    with pytest.warns(DeprecationWarning, match="'slot': num_buckets is now called num_tokens"):
        old = dc.IntegerIdentity("slot", num_buckets=5)
    assert old == dc.IntegerIdentity("slot", num_tokens=5)
    assert "num_buckets" not in old.get_config() and old.get_config()["num_tokens"] == 5
    with pytest.raises(ValueError, match="num_buckets is the old name of num_tokens"):
        dc.IntegerIdentity("slot", num_tokens=5, num_buckets=5)
