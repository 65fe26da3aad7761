"""Checks every deepcross layer's tests run: save/load, one fit step, mixed precision."""

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


def assert_mixed_precision(make_layer, x, policy="mixed_float16"):
    """Under `policy`, outputs are in the compute dtype and variables stay float32."""
    keras.config.set_dtype_policy(policy)
    layer = make_layer()
    out = layer(x)
    assert keras.backend.standardize_dtype(out.dtype) == policy.split("_")[1]
    assert layer.weights and all(w.dtype == "float32" for w in layer.weights)


def assert_config_round_trip(layer, x):
    """`from_config(get_config())` gives an equal config and, with the weights, equal outputs."""
    again = type(layer).from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    again(x)
    again.set_weights(layer.get_weights())
    np.testing.assert_array_equal(ops.convert_to_numpy(again(x)), ops.convert_to_numpy(layer(x)))
