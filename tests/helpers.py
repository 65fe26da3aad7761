"""Checks every deepcross layer's tests run: save/load, one fit step, mixed precision, weights."""

import itertools

import keras
import numpy as np
from keras import ops


def wrap(layer, width=6):
    """A functional model `Input(width) → layer → Dense(1)` around a float layer."""
    inputs = keras.Input(shape=(width,))
    outputs = keras.layers.Dense(1)(layer(inputs))
    return keras.Model(inputs, outputs)


def assert_keras_round_trip(model, x, tmp_path):
    """Saves to `.keras`, loads with `safe_mode=True` and no custom objects, compares."""
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    return loaded


def assert_fit_lowers_loss(model, x, y, loss="mse"):
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=loss)
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def assert_mixed_precision(make_layer, x, policy="mixed_float16", output_dtype=None):
    """Under `policy`, outputs are in `output_dtype` (default: the compute dtype) and variables
    stay float32."""
    keras.config.set_dtype_policy(policy)
    layer = make_layer()
    out = layer(x)
    assert keras.backend.standardize_dtype(out.dtype) == (output_dtype or policy.split("_")[1])
    assert layer.weights and all(w.dtype == "float32" for w in layer.weights)


def built_weights(make_layer, input_shape, seed):
    """`[(name, numpy value)]` of a layer made and built right after `set_random_seed(seed)`."""
    keras.utils.set_random_seed(seed)
    layer = make_layer()
    layer.build(input_shape)
    return [(w.name, ops.convert_to_numpy(w)) for w in layer.weights]


def assert_distinct_and_reproducible(make_layer, input_shape, names=("kernel",)):
    """Equal-shaped weights called one of `names` start different; one seed, one result."""
    weights = built_weights(make_layer, input_shape, seed=7)
    chosen = [value for name, value in weights if name in names]
    pairs = [(a, b) for a, b in itertools.combinations(chosen, 2) if a.shape == b.shape]
    assert pairs, "no two weights of one shape to compare"
    assert not any(np.array_equal(a, b) for a, b in pairs)
    again = built_weights(make_layer, input_shape, seed=7)
    assert [name for name, _ in again] == [name for name, _ in weights]
    for (_, value), (_, same) in zip(weights, again):
        np.testing.assert_array_equal(same, value)


def assert_config_round_trip(layer, x):
    """`from_config(get_config())` gives an equal config and, with the weights, equal outputs."""
    again = type(layer).from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    again(x)
    again.set_weights(layer.get_weights())
    np.testing.assert_array_equal(ops.convert_to_numpy(again(x)), ops.convert_to_numpy(layer(x)))
