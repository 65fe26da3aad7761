"""Helpers for the tests of deepcross/data: raw rows with an id, their spec, files of them."""

import numpy as np
import pytest

import deepcross as dc
from tests.conftest import make_frame
from tests.conftest import make_spec


def id_frame(n=300, seed=0):
    """`make_frame` rows with a `rowId` column (0...n-1), so a test can tell rows apart."""
    frame = make_frame(n, seed)
    frame.insert(0, "rowId", np.arange(n))
    return frame


def id_spec(frame):
    """`make_spec`'s features plus `rowId` as a number, adapted on `frame`."""
    return dc.FeatureSpec([*make_spec().features, dc.Numeric("rowId")]).adapt(frame)


def write_csv(frame, path):
    frame.to_csv(path, index=False)
    return path


def write_parquet(frame, path):
    frame.to_parquet(path, index=False)
    return path


def epoch(dataset):
    """One pass's batches (one iteration), in the order Keras gets them, inputs unpacked by
    feature."""
    batches = []
    for batch in dataset:
        if isinstance(batch, tuple):
            batches.append((dataset.spec.layout.unpack(batch[0]), *batch[1:]))
        else:
            batches.append(dataset.spec.layout.unpack(batch))
    return batches


def ids(batches):
    """The `rowId`s of batches (of `(inputs, labels)` or inputs alone), in order."""
    inputs = [batch[0] if isinstance(batch, tuple) else batch for batch in batches]
    if not inputs:
        return np.zeros(0, int)
    # Unpacked by `epoch`, or packed: `rowId`, the spec's last number, is the last float32 column.
    rows = [x["rowId"][:, 0] if "rowId" in x else x["float32"][:, -1] for x in inputs]
    return np.concatenate(rows).astype(int)


def assert_same_batches(a, b):
    """Equal batches: the same inputs (names, dtypes, values) and labels, in the same order."""
    assert len(a) == len(b)
    for one, other in zip(a, b):
        one = one if isinstance(one, tuple) else (one, None)
        other = other if isinstance(other, tuple) else (other, None)
        assert list(one[0]) == list(other[0])
        for name in one[0]:
            assert one[0][name].dtype == other[0][name].dtype, name
            np.testing.assert_array_equal(one[0][name], other[0][name], err_msg=name)
        np.testing.assert_array_equal(one[1], other[1])


@pytest.fixture
def frame():
    return id_frame()


@pytest.fixture
def spec(frame):
    return id_spec(frame)
