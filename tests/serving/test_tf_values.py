"""The value policy in TensorFlow (`tf_values`) gives numpy's keys and numbers, bit for bit."""

import numpy as np
import pytest

from deepcross.features import tf_values
from deepcross.features import values
from deepcross.features.hashing import hash_rows
from tests.serving import odd_values

tf = pytest.importorskip("tensorflow")


def tf_keys(column):
    keys, missing = tf.function(tf_values.to_keys, autograph=False)(tf.constant(column))
    return np.array([k.decode() for k in keys.numpy()], object), missing.numpy()


def assert_same_keys(column, numpy_column=None):
    expected, expected_missing = values.to_keys(
        column if numpy_column is None else numpy_column, "f"
    )
    keys, missing = tf_keys(column)
    wrong = np.flatnonzero(keys != expected)
    assert not len(wrong), [(column[i], expected[i], keys[i]) for i in wrong[:10]]
    np.testing.assert_array_equal(missing, expected_missing)


def test_text_keys_equal_numpys():
    rng = np.random.default_rng(0)
    column = odd_values.texts(rng, 4000)
    encoded = np.array([text.encode() for text in column], object)
    assert_same_keys(encoded, column)


def test_the_policys_examples():
    keys, missing = tf_keys(np.array([b"349", b" 349 ", b"349.0", b"3.50", b"", b"  ", b"x "]))
    assert keys.tolist() == ["349", "349", "349", "3.5", "", "", "x "]
    assert missing.tolist() == [False, False, False, False, True, True, False]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_float_keys_equal_numpys(dtype):
    rng = np.random.default_rng(1)
    with np.errstate(over="ignore", invalid="ignore"):
        column = odd_values.random_floats(rng, 4000).astype(dtype)
    column = np.where(np.abs(column) < 1.2e-38, 0.5, column)  # no float32 subnormals either
    assert_same_keys(column)


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_integer_keys_equal_numpys(dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(2)
    column = np.concatenate(
        [rng.integers(info.min, info.max, 1000, dtype=dtype), [0, -1, info.min, info.max]]
    ).astype(dtype)
    assert_same_keys(column)


def test_bool_keys():
    assert_same_keys(np.array([True, False, True]))


def test_numbers_equal_numpys():
    rng = np.random.default_rng(3)
    texts = [odd_values.number_text(rng) for _ in range(3000)]
    texts += ["", " ", "nan", "-NaN", "None", "<NA>", "inf", "-Infinity", " +INF ", "1e39"]
    column = np.array(texts, object)
    expected = values.to_float(column, "f")
    got = tf.function(lambda x: tf_values.to_float(x, "f"), autograph=False)(
        tf.constant([t.encode() for t in texts])
    )
    for want, have in zip(expected, got):
        np.testing.assert_array_equal(have.numpy(), want)
    floats = odd_values.random_floats(rng, 1000)
    for want, have in zip(
        values.to_float(floats, "f"), tf_values.to_float(tf.constant(floats), "f")
    ):
        np.testing.assert_array_equal(have.numpy(), want)


def test_text_that_is_not_a_number_fails_the_request_naming_the_feature():
    with pytest.raises(tf.errors.InvalidArgumentError, match="(?s)'price' is numeric.*abc"):
        tf_values.to_float(tf.constant(["1.5", "abc"]), "price")


def test_hash_equals_numpys_on_random_unicode_keys():
    rng = np.random.default_rng(4)
    keys = [
        "".join(map(chr, rng.integers(1, 0x2FFFF, rng.integers(0, 16))))
        .encode("utf-8", "replace")
        .decode()
        for _ in range(3000)
    ]
    keys += [str(i) for i in range(2000)] + ["", "a\x1fb", "日本語", "🙂" * 40]
    for num_bins in (1, 2, 7, 1000, 2**31 - 1, 2**40 + 3):
        got = tf_values.hash_rows(tf.constant([k.encode() for k in keys]), num_bins).numpy()
        np.testing.assert_array_equal(got, hash_rows(keys, num_bins))
