"""Models train in training mode: dropout and batch normalization act in `fit`, as users run it.

Each check goes through the entry point a user calls (`fit`, `train_on_batch`, a custom loop,
JAX's `stateless_call`) on every model class, a user's subclass and a model loaded from a
`.keras` file; `evaluate`, `predict` and `predict_raw` stay in inference mode.
"""

import keras
import numpy as np
import pytest
from keras import ops

import deepcross as dc

try:  # Imported here, not when a DCN is first made: the import draws from Keras's seed.
    import keras_rs
except ImportError:  # the deepcross[keras-rs] extra
    keras_rs = None


def embedding_mlp(spec, dropout=0.0, normalization=None):
    return dc.models.EmbeddingMLP(spec, (16, 16), dropout=dropout, normalization=normalization)


def deep_crossing(spec, dropout=0.0, normalization=None):
    return dc.models.DeepCrossing(spec, (8,), dropout=dropout, normalization=normalization)


def custom_tower(spec, dropout=0.0, normalization=None):
    """A `RankingModel` whose tower is Keras's own layers, as a user writes one."""
    tower = [keras.layers.Dense(16, activation="relu")]
    if normalization == "batch":
        tower.append(keras.layers.BatchNormalization())
    if dropout:
        tower += [keras.layers.Dropout(dropout), keras.layers.GaussianNoise(dropout)]
    return dc.models.RankingModel(spec, tower)


class MyEmbeddingMLP(dc.models.EmbeddingMLP):
    """A user's subclass that adds nothing but its name."""


def subclass(spec, dropout=0.0, normalization=None):
    return MyEmbeddingMLP(spec, (16, 16), dropout=dropout, normalization=normalization)


def wide_deep(spec, dropout=0.0, normalization=None):
    return dc.models.WideDeep(
        spec, wide=["movieId"], hidden_units=(16,), dropout=dropout, normalization=normalization
    )


def dcn(spec, dropout=0.0, normalization=None):
    if keras_rs is None:
        pytest.skip("needs keras-rs, the deepcross[keras-rs] extra")
    return dc.models.DCN(
        spec, cross_layers=1, hidden_units=(16,), dropout=dropout, normalization=normalization
    )


MAKERS = [embedding_mlp, deep_crossing, wide_deep, dcn, custom_tower, subclass]


def fitted_weights(make, spec, frame, dropout, seed=3):
    keras.utils.set_random_seed(seed)
    model = make(spec, dropout=dropout)
    model.compile()
    model.fit(spec.transform(frame), frame["label"].to_numpy(), batch_size=64, epochs=1, verbose=0)
    return model.get_weights()


def same_weights(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def numpy(x):
    return ops.convert_to_numpy(x)


@pytest.mark.parametrize("make", MAKERS)
def test_dropout_rate_changes_what_fit_learns(spec, frame, make):
    low = fitted_weights(make, spec, frame, dropout=0.2)
    high = fitted_weights(make, spec, frame, dropout=0.5)
    assert same_weights(low, fitted_weights(make, spec, frame, dropout=0.2))  # seeded
    assert not same_weights(low, high)


@pytest.mark.parametrize("make", MAKERS)
def test_a_forward_pass_in_training_differs_from_inference(spec, frame, make):
    model = make(spec, dropout=0.5)
    x = spec.transform(frame)
    inference = numpy(model(x, training=False))
    np.testing.assert_array_equal(numpy(model(x)), inference)
    assert not np.allclose(numpy(model(x, training=True)), inference)
    # predict runs compiled (XLA), the calls above eagerly: equal up to float rounding.
    np.testing.assert_allclose(model.predict(x, verbose=0), inference, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict_raw(frame, verbose=0), inference, atol=1e-6)


def batch_normalizations(model):
    return [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.BatchNormalization)
    ]


def moving_statistics(model):
    layers = batch_normalizations(model)
    assert layers
    return [numpy(v) for layer in layers for v in (layer.moving_mean, layer.moving_variance)]


def assert_fit_moves_the_statistics_predict_uses(model, spec, frame):
    x, y = spec.transform(frame), frame["label"].to_numpy()
    before = moving_statistics(model)
    model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    after = moving_statistics(model)
    assert all(not np.allclose(a, b) for a, b in zip(before, after))
    scores = model.predict(x, verbose=0)
    np.testing.assert_allclose(numpy(model(x, training=False)), scores, rtol=1e-5, atol=1e-6)
    loss = model.evaluate(x, y, verbose=0)
    for a, b in zip(after, moving_statistics(model)):  # evaluate and predict move nothing
        np.testing.assert_array_equal(a, b)
    for layer in batch_normalizations(model):  # the statistics fit moved are the ones used
        layer.moving_mean.assign(np.zeros(layer.moving_mean.shape, "float32"))
        layer.moving_variance.assign(np.ones(layer.moving_variance.shape, "float32"))
    assert not np.allclose(model.predict(x, verbose=0), scores)
    assert model.evaluate(x, y, verbose=0) != loss


@pytest.mark.parametrize("make", MAKERS)
def test_batch_normalization_learns_its_statistics_in_fit(spec, frame, make):
    model = make(spec, normalization="batch")
    model.compile()
    assert_fit_moves_the_statistics_predict_uses(model, spec, frame)


@pytest.mark.parametrize("make", [deep_crossing, custom_tower])
def test_a_loaded_model_trains_in_training_mode(tmp_path, spec, frame, make):
    model = make(spec, dropout=0.3, normalization="batch")
    model.compile()
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = spec.transform(frame)
    assert not np.allclose(numpy(loaded(x, training=True)), numpy(loaded(x, training=False)))
    assert_fit_moves_the_statistics_predict_uses(loaded, spec, frame)


def test_train_on_batch_runs_batch_normalization_in_training(spec, frame):
    model = deep_crossing(spec, normalization="batch")
    model.compile()
    before = moving_statistics(model)
    model.train_on_batch(spec.transform(frame), frame["label"].to_numpy())
    assert all(not np.allclose(a, b) for a, b in zip(before, moving_statistics(model)))
    model.test_on_batch(spec.transform(frame), frame["label"].to_numpy())
    model.predict_on_batch(spec.transform(frame))
    after = moving_statistics(model)
    model.test_on_batch(spec.transform(frame), frame["label"].to_numpy())
    for a, b in zip(after, moving_statistics(model)):
        np.testing.assert_array_equal(a, b)


def test_a_custom_training_loop_calls_the_model_in_training(spec, frame):
    model = custom_tower(spec, normalization="batch")
    x = spec.transform(frame)
    before = moving_statistics(model)
    if keras.backend.backend() == "jax":
        outputs, non_trainable = model.stateless_call(
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            x,
            training=True,
        )
        for variable, value in zip(model.non_trainable_variables, non_trainable):
            variable.assign(value)
    else:
        outputs = model(x, training=True)
    assert outputs.shape == (len(frame), 1)
    assert all(not np.allclose(a, b) for a, b in zip(before, moving_statistics(model)))


def test_each_override_passes_keras_arguments_on(spec, frame):
    """`RankingModel` overrides `compile`, `fit`, `evaluate`, `predict` and `summary`; each
    hands Keras's own arguments through unchanged."""
    x, y = spec.transform(frame), frame["label"].to_numpy()
    model = embedding_mlp(spec, dropout=0.5)
    model.compile(metrics=["accuracy"], run_eagerly=True)
    assert model.run_eagerly and model.metrics_names == ["loss", "compile_metrics"]
    seen = []
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs))
    history = model.fit(
        x, y, batch_size=64, epochs=2, initial_epoch=1, validation_data=(x, y),
        callbacks=[callback], verbose=0,
    )  # fmt: skip
    assert history.epoch == [1] and "val_accuracy" in seen[0]
    logs = model.evaluate(x, y, batch_size=256, return_dict=True, verbose=0)
    assert set(logs) == {"loss", "accuracy"}
    assert model.predict(x, batch_size=7, steps=2, verbose=0).shape == (14, 1)
    np.testing.assert_array_equal(numpy(model(x, training=False)), numpy(model(x)))
    outputs, _ = model.stateless_call(
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables],
        x,
        training=False,
    )
    np.testing.assert_allclose(numpy(outputs), numpy(model(x)), rtol=1e-6)
    lines = []
    model.summary(print_fn=lambda line, **kwargs: lines.append(line), show_trainable=True)
    assert "Trainable" in lines[0] and "Feature stage" in lines[-1]
