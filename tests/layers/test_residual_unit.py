import keras
import numpy as np
import pytest
from keras import ops
from keras.src import testing

import deepcross as dc
from tests import helpers

X = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")


def relu(x):
    return np.maximum(x, 0.0)


@pytest.mark.parametrize("width, units", [(6, 3), (6, 16), (1, 2)])
def test_output_width_equals_input_width(width, units):
    unit = dc.layers.ResidualUnit(units)
    out = unit(np.ones((4, width), "float32"))
    assert tuple(out.shape) == (4, width) == unit.compute_output_shape((4, width))
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    assert tuple(unit.inner_dense.kernel.shape) == (width, units)


def test_exact_formula_against_numpy():
    unit = dc.layers.ResidualUnit(3)
    unit.build((None, 6))
    rng = np.random.default_rng(1)
    w1, b1 = rng.normal(size=(6, 3)), rng.normal(size=3)
    w2, b2 = rng.normal(size=(3, 6)), rng.normal(size=6)
    unit.set_weights([w.astype("float32") for w in (w1, b1, w2, b2)])
    expected = relu(X + relu(X @ w1 + b1) @ w2 + b2)
    np.testing.assert_allclose(ops.convert_to_numpy(unit(X)), expected, rtol=1e-5, atol=1e-5)


def test_layer_normalization_acts_on_the_residual_branch():
    unit = dc.layers.ResidualUnit(4, normalization="layer")
    unit.build((None, 6))
    rng = np.random.default_rng(2)
    weights = [rng.normal(size=w.shape).astype("float32") for w in unit.get_weights()[:4]]
    unit.set_weights(weights + unit.get_weights()[4:])
    w1, b1, w2, b2 = weights
    r = relu(X @ w1 + b1) @ w2 + b2
    r = (r - r.mean(-1, keepdims=True)) / np.sqrt(r.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(ops.convert_to_numpy(unit(X)), relu(X + r), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 0}, "units=0"),
        ({"units": 2.5}, "units=2.5"),
        ({"units": True}, "units=True"),
        ({"units": 4, "dropout": 1.0}, "dropout=1.0"),
        ({"units": 4, "normalization": "group"}, "normalization='group'"),
        ({"units": 4, "activation": "no_such"}, "activation='no_such'"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dc.layers.ResidualUnit(**kwargs)


@pytest.mark.parametrize(
    "kwargs, names",
    [
        ({}, ("kernel",)),
        (
            {
                "kernel_initializer": keras.initializers.GlorotUniform(),
                "bias_initializer": keras.initializers.RandomNormal(),
            },
            ("kernel", "bias"),
        ),
    ],
)
def test_equal_shaped_weights_start_different_and_seeded_builds_agree(kwargs, names):
    # A 6-wide input and 6 inner units: W1 and W2 (and b1 and b2) have one shape.
    helpers.assert_distinct_and_reproducible(
        lambda: dc.layers.ResidualUnit(6, **kwargs), (None, 6), names
    )


def test_config_round_trip():
    unit = dc.layers.ResidualUnit(4, dropout=0.2, normalization="batch", kernel_regularizer="l2")
    unit(X)
    helpers.assert_config_round_trip(unit, X)


def test_keras_round_trip_and_fit(tmp_path):
    model = helpers.wrap(dc.layers.ResidualUnit(8, normalization="layer"))
    helpers.assert_fit_lowers_loss(model, X, X.sum(1, keepdims=True))
    helpers.assert_keras_round_trip(model, X, tmp_path)


def test_dropout_only_in_training():
    unit = dc.layers.ResidualUnit(64, dropout=0.5)
    np.testing.assert_array_equal(ops.convert_to_numpy(unit(X)), ops.convert_to_numpy(unit(X)))
    assert not np.allclose(
        ops.convert_to_numpy(unit(X, training=True)), ops.convert_to_numpy(unit(X))
    )


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision(policy):
    helpers.assert_mixed_precision(lambda: dc.layers.ResidualUnit(4), X, policy)


class ResidualUnitLayerTest(testing.TestCase):
    def test_keras_layer_harness(self):
        self.run_layer_test(
            dc.layers.ResidualUnit,
            init_kwargs={"units": 4, "dropout": 0.1, "normalization": "batch"},
            input_shape=(2, 5),
            expected_output_shape=(2, 5),
            expected_num_trainable_weights=6,
            expected_num_non_trainable_weights=2,
            expected_num_seed_generators=1,
            expected_num_losses=0,
        )


@pytest.mark.parametrize("rate", [0.25, 0.5])
def test_dropout_in_training_drops_that_fraction_of_h_and_scales_the_rest(rate):
    # Identity kernels, no bias, input 1: h = relu(1) = 1, dropped to 0 or 1 / (1 - rate),
    # so the output relu(1 + dropout(h)) is 1 or 1 + 1 / (1 - rate).
    width, rows = 100, 400
    unit = dc.layers.ResidualUnit(width, dropout=rate)
    unit.build((None, width))
    unit.set_weights([np.eye(width, dtype="float32"), np.zeros(width, "float32")] * 2)
    x = np.ones((rows, width), "float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(unit(x)), 2 * x)  # inference
    keras.utils.set_random_seed(7)
    out = ops.convert_to_numpy(unit(x, training=True))
    kept = out != 1.0
    np.testing.assert_allclose(out[kept], 1.0 + 1.0 / (1.0 - rate), rtol=1e-6)
    assert abs(kept.mean() - (1.0 - rate)) < 0.02
