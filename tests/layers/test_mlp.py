import keras
import numpy as np
import pytest
from keras import ops
from keras.src import testing

import deepcross as dc
from tests import helpers

X = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")


def test_output_shape_and_dtype():
    mlp = dc.layers.MLP([8, 3])
    out = mlp(X)
    assert tuple(out.shape) == (5, 3) == mlp.compute_output_shape((5, 6))
    assert keras.backend.standardize_dtype(out.dtype) == "float32"


def test_exact_values_against_numpy():
    mlp = dc.layers.MLP([4, 2], activation="tanh")
    mlp.build((None, 6))
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=w.shape).astype("float32") for w in mlp.get_weights()]
    mlp.set_weights(weights)
    w1, b1, w2, b2 = weights
    expected = np.tanh(np.tanh(X @ w1 + b1) @ w2 + b2)
    np.testing.assert_allclose(ops.convert_to_numpy(mlp(X)), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"hidden_units": []}, "hidden_units=\\[\\]"),
        ({"hidden_units": [4, 0]}, "hidden_units=\\[4, 0\\]"),
        ({"hidden_units": "64"}, "hidden_units='64'"),
        ({"hidden_units": 0}, "hidden_units=0"),
        ({"hidden_units": [64, True]}, "hidden_units=\\[64, True\\]"),
        ({"hidden_units": [4], "use_bias": 1}, "use_bias=1"),
        ({"hidden_units": [4], "dropout": -0.1}, "dropout=-0.1"),
        ({"hidden_units": [4], "normalization": "weight"}, "normalization='weight'"),
        ({"hidden_units": [4], "kernel_regularizer": "l7"}, "kernel_regularizer='l7'"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dc.layers.MLP(**kwargs)


def test_an_int_is_one_hidden_layer():
    mlp = dc.layers.MLP(4)
    assert mlp.hidden_units == [4] and mlp.get_config()["hidden_units"] == [4]
    assert tuple(mlp(X).shape) == (5, 4)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"kernel_initializer": keras.initializers.GlorotUniform()}, {"kernel_regularizer": "l2"}],
)
def test_equal_shaped_kernels_start_different_and_seeded_builds_agree(kwargs):
    helpers.assert_distinct_and_reproducible(lambda: dc.layers.MLP([6, 6, 6], **kwargs), (None, 6))


def test_config_round_trip():
    mlp = dc.layers.MLP([8, 4], dropout=0.1, normalization="batch", kernel_regularizer="l2")
    mlp(X)
    helpers.assert_config_round_trip(mlp, X)
    assert mlp.get_config()["kernel_regularizer"]["class_name"] == "L2"


def test_keras_round_trip_and_fit(tmp_path):
    model = helpers.wrap(dc.layers.MLP([8, 8], normalization="layer"))
    helpers.assert_fit_lowers_loss(model, X, X.sum(1, keepdims=True))
    helpers.assert_keras_round_trip(model, X, tmp_path)


def test_kernel_regularizer_adds_a_loss():
    mlp = dc.layers.MLP([4], kernel_regularizer=keras.regularizers.L2(1.0))
    mlp(X)
    assert len(mlp.losses) == 1 and float(ops.convert_to_numpy(mlp.losses[0])) > 0


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision(policy):
    helpers.assert_mixed_precision(lambda: dc.layers.MLP([4], normalization="batch"), X, policy)


class MLPLayerTest(testing.TestCase):
    def test_keras_layer_harness(self):
        self.run_layer_test(
            dc.layers.MLP,
            init_kwargs={"hidden_units": [4, 3], "dropout": 0.1, "normalization": "batch"},
            input_shape=(2, 5),
            expected_output_shape=(2, 3),
            expected_num_trainable_weights=8,
            expected_num_non_trainable_weights=4,
            expected_num_seed_generators=2,
            expected_num_losses=0,
        )


@pytest.mark.parametrize("rate", [0.25, 0.5])
def test_dropout_in_training_drops_that_fraction_after_each_layer_and_scales_the_rest(rate):
    # Identity kernels, no bias, linear activation: the output is the input with each hidden
    # layer's dropout applied, so a unit is 0 or scaled by 1 / (1 - rate) once per layer.
    width, rows = 100, 400
    mlp = dc.layers.MLP(
        [width, width], activation="linear", dropout=rate, kernel_initializer="identity"
    )
    mlp.build((None, width))
    mlp.set_weights([np.eye(width, dtype="float32"), np.zeros(width, "float32")] * 2)
    x = np.ones((rows, width), "float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(mlp(x)), x)  # inference: untouched
    keras.utils.set_random_seed(7)
    out = ops.convert_to_numpy(mlp(x, training=True))
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1.0 / (1.0 - rate) ** 2, rtol=1e-6)
    # Two layers each keep 1 - rate; 40,000 units put the kept fraction within 0.02 of it.
    assert abs(kept.mean() - (1.0 - rate) ** 2) < 0.02
