import sys

import keras
import numpy as np
import pytest

import deepcross as dc
from tests.conftest import make_frame

keras_rs = pytest.importorskip("keras_rs")  # the deepcross[keras-rs] extra; CI installs it


@pytest.mark.parametrize("structure", ["stacked", "parallel"])
def test_trains_saves_and_loads(tmp_path, spec, frame, structure):
    model = dc.models.DCN(
        spec, cross_layers=2, projection_dim=2, hidden_units=(8,), structure=structure
    )
    crosses = [model.get_layer(f"feature_cross_{i}") for i in (1, 2)]
    assert all(isinstance(layer, keras_rs.layers.FeatureCross) for layer in crosses)
    x, y = spec.transform(frame), frame["label"].to_numpy()
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=64, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    path = tmp_path / "dcn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is dc.models.DCN and loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    raw = make_frame(30, seed=5)
    np.testing.assert_array_equal(
        loaded.predict_raw(raw, verbose=0), model.predict_raw(raw, verbose=0)
    )


def test_the_stages_follow_the_paper(spec):
    width = dc.layers.EmbeddingStack(spec).compute_output_shape({"int32": (1, 6)})[1]
    stacked = dc.models.DCN(spec, cross_layers=3, hidden_units=(8,))
    assert stacked.get_layer("mlp").input.shape == (None, width)  # after the crosses
    parallel = dc.models.DCN(spec, cross_layers=3, hidden_units=(8,), structure="parallel")
    assert parallel.get_layer("scoring_head").input.shape == (None, width + 8)
    alone = dc.models.DCN(spec, cross_layers=1, hidden_units=None)
    assert alone.mlp is None and alone.get_layer("scoring_head").input.shape == (None, width)
    # Each layer crosses the stack's output with the previous layer's: x0 ⊙ (W x_l + b) + x_l.
    x0 = stacked.get_layer("embedding_stack").output
    for i in (1, 2, 3):
        node_inputs = stacked.get_layer(f"feature_cross_{i}")._inbound_nodes[0].arguments.args
        assert node_inputs[0] is x0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cross_layers": 0}, "cross_layers=0"),
        ({"projection_dim": -1}, "projection_dim=-1"),
        ({"diag_scale": -0.5}, "diag_scale=-0.5"),
        ({"structure": "mixed"}, "structure='mixed'"),
        ({"hidden_units": ()}, "hidden_units=()"),
    ],
)
def test_invalid_arguments(spec, kwargs, message):
    with pytest.raises(ValueError, match=message):
        dc.models.DCN(spec, **kwargs)


def test_without_keras_rs_the_error_says_what_to_install(spec, monkeypatch):
    monkeypatch.setitem(sys.modules, "keras_rs", None)
    monkeypatch.setitem(sys.modules, "keras_rs.layers", None)
    with pytest.raises(ImportError, match=r"pip install 'deepcross\[keras-rs\]'"):
        dc.models.DCN(spec)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision(spec, frame, policy):
    model = dc.models.DCN(spec, cross_layers=2, hidden_units=(8,), dtype=policy)
    assert model.get_layer("feature_cross_1").dtype_policy.name == policy
    assert all(w.dtype == "float32" for w in model.weights)
    x = spec.transform(frame)
    model.compile()
    model.fit(x, frame["label"].to_numpy(), epochs=1, verbose=0)
    out = model.predict(x, verbose=0)
    assert out.dtype == np.float32 and np.isfinite(out).all()
