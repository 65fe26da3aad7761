"""Tests for deepcross/datasets/splits.py: split_samples."""

import re

import numpy as np
import pandas as pd
import pytest

from deepcross import datasets


def frame_for_split(n=100):
    return pd.DataFrame({"timestamp": np.random.default_rng(0).permutation(n), "x": range(n)})


def test_split_random_sizes_and_determinism():
    samples = frame_for_split()
    train, test = datasets.split_samples(samples, seed=1)
    again_train, again_test = datasets.split_samples(samples, seed=1)
    _, other_test = datasets.split_samples(samples, seed=2)
    assert (len(train), len(test)) == (80, 20)
    pd.testing.assert_frame_equal(test, again_test)
    pd.testing.assert_frame_equal(train, again_train)
    assert not test.index.equals(other_test.index)
    assert sorted(train.index.tolist() + test.index.tolist()) == list(range(100))


def test_split_by_time_puts_later_rows_in_test():
    samples = frame_for_split()
    train, test = datasets.split_samples(samples, how="time", test_fraction=0.25)
    assert len(test) == 25
    assert test["timestamp"].min() > train["timestamp"].max()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"how": "user"}, "how='user'"),
        ({"test_fraction": 1.0}, "test_fraction=1.0"),
        ({"test_fraction": 0}, "test_fraction=0"),
    ],
)
def test_split_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        datasets.split_samples(frame_for_split(), **kwargs)
