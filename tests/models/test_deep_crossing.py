import re

import keras
import numpy as np
import pytest
from keras import ops

import deepcross as dc
from tests.conftest import make_frame


def test_residual_tower_keeps_the_stacked_width(spec):
    model = dc.models.DeepCrossing(spec, residual_units=(32, 16, 64))
    width = model.get_layer("embedding_stack").output.shape[-1]
    units = [layer for layer in model.layers if layer.name.startswith("residual_unit_")]
    assert [u.name for u in units] == ["residual_unit_1", "residual_unit_2", "residual_unit_3"]
    assert all(u.output.shape == (None, width) for u in units)
    assert model.layers[-1].name == "scoring_head"


def test_fit_and_keras_round_trip(tmp_path, spec, frame):
    model = dc.models.DeepCrossing(
        spec, residual_units=(16, 16), dropout=0.1, normalization="layer"
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    arrays, labels = spec.transform(frame), frame["label"].to_numpy()
    before = model.evaluate(arrays, labels, verbose=0)
    model.fit(arrays, labels, batch_size=64, epochs=5, verbose=0)
    assert model.evaluate(arrays, labels, verbose=0) < before
    path = tmp_path / "dc.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(
        loaded.predict(arrays, verbose=0), model.predict(arrays, verbose=0)
    )


def test_an_int_is_one_unit(spec):
    model = dc.models.DeepCrossing(spec, residual_units=16)
    assert model.get_layer("residual_unit_1").units == 16
    assert [layer.name for layer in model.layers if layer.name.startswith("residual_unit")] == [
        "residual_unit_1"
    ]
    assert model.get_config()["residual_units"] == [16]


@pytest.mark.parametrize("residual_units", [0, (), [], "64", [64, True], [64, 0], 2.5])
def test_invalid_residual_units_are_named(spec, residual_units):
    with pytest.raises(ValueError, match=re.escape(f"residual_units={residual_units!r}")):
        dc.models.DeepCrossing(spec, residual_units=residual_units)


def test_invalid_arguments(spec):
    with pytest.raises(ValueError, match="spec must be a deepcross FeatureSpec"):
        dc.models.DeepCrossing(None)
    with pytest.raises(ValueError, match="dropout=1.5"):
        dc.models.DeepCrossing(spec, dropout=1.5)


@keras.saving.register_keras_serializable(package="deepcross_tests")
class GatedResidualUnit(dc.layers.ResidualUnit):
    """A user's unit: the residual branch scaled by a learned gate before the addition."""

    def build(self, input_shape):
        super().build(input_shape)
        self.gate = self.add_weight(shape=(), initializer="ones", name="gate")

    def call(self, inputs, training=None):
        # relu(x + g * (y - relu(x)))... kept simple: mix the parent's output with the input.
        out = super().call(inputs, training=training)
        return self.gate * out + (1.0 - self.gate) * inputs


@keras.saving.register_keras_serializable(package="deepcross_tests")
class GatedDeepCrossing(dc.models.DeepCrossing):
    def make_residual_unit(self, units, dropout, normalization, name, dtype):
        return GatedResidualUnit(
            units, dropout=dropout, normalization=normalization, name=name, dtype=dtype
        )


def test_subclass_end_to_end(tmp_path, spec, frame):
    model = GatedDeepCrossing(spec, residual_units=(16,))
    assert isinstance(model.get_layer("residual_unit_1"), GatedResidualUnit)
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    arrays, labels = spec.transform(frame), frame["label"].to_numpy()
    before = model.evaluate(arrays, labels, verbose=0)
    model.fit(arrays, labels, batch_size=64, epochs=5, verbose=0)
    assert model.evaluate(arrays, labels, verbose=0) < before
    gate = ops.convert_to_numpy(model.get_layer("residual_unit_1").gate)
    assert gate != 1.0  # The subclass's own weight trained.
    path = tmp_path / "gated.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is GatedDeepCrossing
    raw = make_frame(16, seed=2)
    np.testing.assert_array_equal(
        loaded.predict_raw(raw, verbose=0), model.predict_raw(raw, verbose=0)
    )


@keras.saving.register_keras_serializable(package="deepcross_tests")
class DeepCrossing01(dc.models.DeepCrossing):
    """An override as deepcross 0.1 documented it: no `dtype` argument."""

    def make_residual_unit(self, units, dropout, normalization, name):
        return GatedResidualUnit(units, dropout=dropout, normalization=normalization, name=name)


def test_a_0_1_make_residual_unit_override_still_trains(spec, frame):
    model = DeepCrossing01(spec, residual_units=(8,))
    assert isinstance(model.get_layer("residual_unit_1"), GatedResidualUnit)
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    arrays, labels = spec.transform(frame), frame["label"].to_numpy()
    before = model.evaluate(arrays, labels, verbose=0)
    model.fit(arrays, labels, batch_size=64, epochs=3, verbose=0)
    assert model.evaluate(arrays, labels, verbose=0) < before


def test_a_0_1_override_under_mixed_precision_says_what_changed(spec):
    with pytest.raises(TypeError, match=r"make_residual_unit takes no `dtype` argument.*"
                       r"dtype='mixed_bfloat16'.*add `dtype=None`"):  # fmt: skip
        DeepCrossing01(spec, residual_units=(8,), dtype="mixed_bfloat16")
