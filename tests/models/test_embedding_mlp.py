import re

import keras
import numpy as np
import pytest

import deepcross as dc
from tests.conftest import make_frame


def test_summary_shows_the_stages(spec):
    model = dc.models.EmbeddingMLP(spec)
    names = [layer.name for layer in model.layers]
    assert names == ["float32", "int32", "embedding_stack", "mlp", "scoring_head"]
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    printed = "\n".join(lines)
    stages = ["embedding_stack", "mlp (MLP)", "scoring_head", "Feature stage", "userGenre"]
    places = [printed.index(stage) for stage in stages]
    assert places == sorted(places)
    assert "int32[3:6]" in printed  # userGenre's columns of the int32 input


def test_output_shape_and_range(spec, frame):
    model = dc.models.EmbeddingMLP(spec, hidden_units=(16, 8))
    out = model.predict(spec.transform(frame), verbose=0)
    assert out.shape == (len(frame), 1)
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_fit_lowers_loss_and_learns(spec, frame):
    model = dc.models.EmbeddingMLP(spec, hidden_units=(32, 32))
    model.compile(optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"])
    arrays, labels = spec.transform(frame), frame["label"].to_numpy()
    before = model.evaluate(arrays, labels, verbose=0, return_dict=True)
    model.fit(arrays, labels, batch_size=64, epochs=15, verbose=0)
    after = model.evaluate(arrays, labels, verbose=0, return_dict=True)
    assert after["loss"] < before["loss"]
    assert after["accuracy"] > 0.8


def test_keras_round_trip_predicts_identically_from_raw_values(tmp_path, spec, frame):
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,), dropout=0.1, kernel_regularizer="l2")
    model.compile()
    model.fit(spec.transform(frame), frame["label"].to_numpy(), epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, dc.models.EmbeddingMLP)
    assert loaded.get_config() == model.get_config()
    # Raw rows, unseen ids and missing values included, straight into the loaded model.
    raw = make_frame(40, seed=5)
    raw.loc[0, "movieId"] = 99_999
    raw.loc[1, "userGenre1"] = None
    np.testing.assert_array_equal(
        loaded.predict_raw(raw, verbose=0), model.predict_raw(raw, verbose=0)
    )


@pytest.mark.parametrize(
    "task, kwargs, width",
    [
        ("multiclass", {"num_classes": 3}, 3),
        ("regression", {}, 1),
        ("binary", {"from_logits": True}, 1),
    ],
)
def test_tasks(spec, frame, task, kwargs, width):
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,), task=task, **kwargs)
    assert model.get_config()["task"] == task == model.get_layer("scoring_head").task
    model.compile()
    labels = (
        (frame["movieId"] % 3).to_numpy() if task == "multiclass" else frame["label"].to_numpy()
    )
    history = model.fit(spec.transform(frame), labels, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(spec.transform(frame), verbose=0).shape == (len(frame), width)


def test_an_int_is_one_hidden_layer(spec):
    model = dc.models.EmbeddingMLP(spec, hidden_units=16)
    assert model.get_layer("mlp").hidden_units == [16]
    assert model.get_config()["hidden_units"] == [16]


@pytest.mark.parametrize("hidden_units", [0, (), "64", [64, True]])
def test_invalid_hidden_units_are_named(spec, hidden_units):
    with pytest.raises(ValueError, match=re.escape(f"hidden_units={hidden_units!r}")):
        dc.models.EmbeddingMLP(spec, hidden_units=hidden_units)


def test_unadapted_spec_is_refused():
    from tests.conftest import make_spec

    with pytest.raises(ValueError, match="spec.adapt"):
        dc.models.EmbeddingMLP(make_spec())
