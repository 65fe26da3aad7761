import numpy as np
import pytest

import deepcross as dc
from tests.conftest import encode


def test_hash_is_stable_in_range_and_type_blind():
    feature = dc.Hashed("city", num_bins=7)
    values = np.array([f"city{i}" for i in range(100)], object)
    out = encode(feature, {"city": values})[0][:, 0]
    assert out.min() >= 0 and out.max() < 7
    assert len(set(out)) == 7
    ints = encode(feature, {"city": np.array([42, 43])})[0]
    texts = encode(feature, {"city": np.array(["42", "43"])})[0]
    assert (ints == texts).all()
    # Fixed key: these values are the same in every process (pandas' SipHash).
    assert encode(feature, {"city": np.array(["Paris"])})[0].tolist() == [
        [
            int(
                __import__("pandas").util.hash_array(np.array(["Paris"], object), categorize=False)[
                    0
                ]
                % 7
            )
        ]
    ]


def test_missing_is_masked_not_hashed():
    feature = dc.Hashed("city", num_bins=7)
    assert encode(feature, {"city": np.array(["", None], object)})[0].tolist() == [[-1], [-1]]


def test_num_bins_must_be_positive():
    with pytest.raises(ValueError, match="'city'.*num_bins=0"):
        dc.Hashed("city", num_bins=0)
