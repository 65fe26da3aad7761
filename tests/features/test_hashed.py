import numpy as np
import pytest

import deepcross as dc


def test_hash_is_stable_in_range_and_type_blind():
    feature = dc.Hashed("city", num_bins=7)
    values = np.array([f"city{i}" for i in range(100)], object)
    out = feature.to_rows({"city": values}, None)[0][:, 0]
    assert out.min() >= 0 and out.max() < 7
    assert len(set(out)) == 7
    ints = feature.to_rows({"city": np.array([42, 43])}, None)[0]
    texts = feature.to_rows({"city": np.array(["42", "43"])}, None)[0]
    assert (ints == texts).all()
    # Fixed key: these values are the same in every process (pandas' SipHash).
    assert feature.to_rows({"city": np.array(["Paris"])}, None)[0].tolist() == [
        [int(__import__("pandas").util.hash_array(np.array(["Paris"], object),
                                                  categorize=False)[0] % 7)]
    ]


def test_missing_is_masked_not_hashed():
    feature = dc.Hashed("city", num_bins=7)
    assert feature.to_rows({"city": np.array(["", None], object)}, None)[0].tolist() == [[-1], [-1]]


def test_num_bins_must_be_positive():
    with pytest.raises(ValueError, match="'city'.*num_bins=0"):
        dc.Hashed("city", num_bins=0)
