"""Each kind's `encode_tf` gives its numpy `encode`'s rows and values, bit for bit."""

import numpy as np
import pytest

import deepcross as dc
from tests.serving import odd_values

tf = pytest.importorskip("tensorflow")


def encode_both(feature, request, train=None):
    """`feature`'s input from `spec.transform` and from `encode_tf` in a `tf.function`."""
    spec = dc.FeatureSpec([feature])
    if not spec.is_adapted:
        spec.adapt(train if train is not None else request)
    expected = spec.transform(request, packed=False)[feature.name]
    learned = spec.learned.get(feature.state_key) if feature.state_key else None
    prepared = feature.prepare_tf(learned)
    encode = tf.function(lambda columns: feature.encode_tf(columns, prepared), autograph=False)
    got = encode({name: tf.constant(column) for name, column in request.items()}).numpy()
    return got, expected


def assert_same(feature, request, train=None):
    got, expected = encode_both(feature, request, train)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    wrong = np.flatnonzero((got != expected).any(axis=1))
    column = next(iter(request.values()))
    assert not len(wrong), [(column[i], expected[i], got[i]) for i in wrong[:5]]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("num_oov_indices", [1, 4])
def test_categorical_learned_vocabulary(rng, num_oov_indices):
    train = {"movieId": odd_values.texts(rng, 600)}
    feature = dc.Categorical("movieId", num_oov_indices=num_oov_indices, dim=4)
    assert_same(feature, {"movieId": odd_values.texts(rng, 2000)}, train)


def test_categorical_given_vocabulary_of_numbers_and_words(rng):
    feature = dc.Categorical("movieId", vocabulary=[349, "590", 3.5, "Drama", "1e20"], dim=4)
    spellings = np.array(["349", " 349.0 ", "0590", "3.50", "drama", "Drama", "1e20"], object)
    assert_same(feature, {"movieId": np.concatenate([spellings, odd_values.texts(rng, 500)])})


def test_categorical_of_numbers_declared_int64_or_float(rng):
    feature = dc.Categorical("movieId", vocabulary=[1, 2, 349], num_oov_indices=3, dim=4)
    assert_same(feature, {"movieId": rng.integers(-5, 400, 500)})
    assert_same(feature, {"movieId": odd_values.random_floats(rng, 300)})


def test_multi_valued_by_columns(rng):
    feature = dc.Categorical("genre", columns=["g1", "g2", "g3"], vocabulary=odd_values.WORDS)
    request = {name: rng.choice(odd_values.WORDS + odd_values.ODD, 300) for name in ("g1", "g2")}
    request["g3"] = rng.choice(odd_values.WORDS + odd_values.ODD, 300)
    assert_same(feature, {k: v.astype(object) for k, v in request.items()})


@pytest.mark.parametrize("separator", ["|", "::"])
def test_multi_valued_by_separator(rng, separator):
    pieces = odd_values.WORDS + ["", " ", "349", " 349.0", "x"]
    cells = [separator.join(rng.choice(pieces, rng.integers(0, 7))) for _ in range(1000)] + [
        "",
        separator,
        separator * 3,
    ]
    feature = dc.Categorical("genres", separator=separator, max_values=3, num_oov_indices=2, dim=4)
    assert_same(feature, {"genres": np.array(cells, object)})


def test_list_column_without_separator_or_of_numbers(rng):
    feature = dc.Categorical("tags", max_values=2, vocabulary=["a", "1"], dim=4)
    assert_same(feature, {"tags": np.array(["a", "1", "1.0", "", "a|1"], object)})
    spilt = dc.Categorical("tags", separator="|", max_values=2, vocabulary=[1, 2], dim=4)
    assert_same(spilt, {"tags": rng.integers(0, 4, 100)})


def test_integer_identity_from_ids_and_from_text(rng):
    feature = dc.IntegerIdentity("slot", num_tokens=5, dim=4)
    assert_same(feature, {"slot": rng.integers(-3, 9, 500)})
    assert_same(feature, {"slot": np.array([2**63 - 1, -(2**63), 0, 4, 5], np.int64)})
    ids = np.array(["0", " 4 ", "4.0", "+3", "007", "5", "-1", "2.5", "", "abc", "9" * 25], object)
    assert_same(feature, {"slot": np.concatenate([ids, odd_values.texts(rng, 500)])})
    assert_same(feature, {"slot": odd_values.random_floats(rng, 300)})


def test_hashed(rng):
    feature = dc.Hashed("city", num_bins=97, dim=4)
    assert_same(feature, {"city": odd_values.texts(rng, 2000)})
    assert_same(feature, {"city": rng.integers(-(2**62), 2**62, 500)})


def test_crossed(rng):
    feature = dc.Crossed("cross", columns=["a", "b", "c"], num_bins=1000, dim=4)
    request = {
        "a": odd_values.texts(rng, 300)[:300],
        "b": rng.choice(odd_values.WORDS + ["", " "], 300).astype(object),
        "c": rng.integers(0, 5, 300),
    }
    assert_same(feature, request)


@pytest.mark.parametrize("default", [-1.5, None])
@pytest.mark.parametrize("scaling", [None, "standardize", "minmax", "log1p"])
def test_numeric_from_floats_ints_and_text(rng, scaling, default):
    feature = dc.Numeric("price", scaling=scaling, default=default)
    floats = odd_values.random_floats(rng, 500)
    floats[np.abs(floats) < 1.2e-38] = 0.25  # float32 subnormals: see tf_values
    assert_same(feature, {"price": floats}, train={"price": floats[np.isfinite(floats)]})
    with np.errstate(over="ignore"):
        assert_same(feature, {"price": floats.astype(np.float32)}, train={"price": [1.0, 2.0]})
    assert_same(feature, {"price": rng.integers(-(2**62), 2**62, 100)}, train={"price": [0, 1]})
    texts = [odd_values.number_text(rng) for _ in range(500)] + ["", "nan", "None", "-inf"]
    assert_same(feature, {"price": np.array(texts, object)}, train={"price": [0, 1]})


def test_numeric_with_default_error_refuses_a_missing_value():
    feature = dc.Numeric("price", default="error")
    assert_same(feature, {"price": np.array([1.5, 2.0], np.float32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="'price' declares default='error'"):
        feature.encode_tf({"price": tf.constant([1.5, np.nan])}, None)


def test_bucketized_infinities_go_where_tensorflows_bucketize_puts_them():
    # The op under tf.feature_column.bucketized_column: -inf in the first bucket, +inf last.
    boundaries = [1.0, 2.0, 3.0]
    cells = np.array([-np.inf, 0.5, 2.0, 2.5, np.inf], np.float32)
    expected = tf.raw_ops.Bucketize(input=cells, boundaries=boundaries).numpy()
    feature = dc.Bucketized("x", boundaries=boundaries, dim=2)
    got, numpy = encode_both(feature, {"x": cells})
    assert numpy[:, 0].tolist() == got[:, 0].tolist() == expected.tolist() == [0, 0, 2, 2, 3]


@pytest.mark.parametrize("default", [None, 1995.0])
def test_bucketized_in_float64(rng, default):
    boundaries = [1.7e9, 1.7e9 + 1, 1.7e9 + 60]
    feature = dc.Bucketized("time", boundaries=boundaries, default=default, dim=4)
    near = np.array(boundaries)[rng.integers(0, 3, 500)] + rng.integers(-2, 3, 500)
    cells = np.concatenate([near, near + 0.5, [np.nan, np.inf, -np.inf, 1e300]])
    assert_same(feature, {"time": cells})
    with np.errstate(over="ignore"):  # 1e300 is inf in float32
        assert_same(feature, {"time": cells.astype(np.float32)})
    texts = np.array([" 1700000000 ", "1.7e9", "1700000000.5", "", "nan"], object)
    assert_same(feature, {"time": texts})


def test_a_kind_without_encode_tf_says_so():
    class TextLength(dc.features.Feature):  # a kind of a user's own, numpy only
        pass

    with pytest.raises(NotImplementedError, match="TextLength has no TensorFlow encoding"):
        TextLength("length").encode_tf({}, None)
