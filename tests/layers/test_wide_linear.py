import keras
import numpy as np
import pytest
from keras import ops

import deepcross as dc
from tests import helpers
from tests.layers.test_embedding_stack import TINY
from tests.layers.test_embedding_stack import tiny_spec


def tiny_wide(**kwargs):
    """The linear model over `first`, `many` (sharing table `letters`), `year` and `x`."""
    spec = tiny_spec(combiner="sum").adapt(TINY)
    wide = dc.layers.WideLinear(spec, features=["first", "many", "year", "x"], **kwargs)
    wide.build()
    # Rows: 0 = OOV, 1 = a, 2 = b, 3 = c; the year table's three buckets.
    wide.embeddings["letters"].embeddings.assign(np.array([[0.5], [1.0], [2.0], [4.0]]))
    wide.embeddings["year"].embeddings.assign(np.array([[10.0], [20.0], [30.0]]))
    wide.kernel.assign(np.array([[3.0]]))
    return spec, wide


def test_exact_logits_on_known_weights():
    spec, wide = tiny_wide()
    wide.bias.assign(np.array([0.25]))
    out = ops.convert_to_numpy(wide(spec.transform(TINY)))
    assert out.shape == (3, 1) and out.dtype == np.float32
    # first: b, OOV, -; many (sum): a+b+OOV, c, -; year: buckets 0, 1, 2; x standardized.
    first, many = np.array([2.0, 0.5, 0.0]), np.array([3.5, 4.0, 0.0])
    year, x = np.array([10.0, 20.0, 30.0]), np.array([-1.0, 1.0, 3.0])
    np.testing.assert_allclose(out[:, 0], first + many + year + 3.0 * x + 0.25, rtol=1e-5)
    packed = ops.convert_to_numpy(wide(spec.transform(TINY, packed=False)))
    np.testing.assert_array_equal(packed, out)


def test_units_wide_tables_for_a_multiclass_head():
    spec = tiny_spec().adapt(TINY)
    wide = dc.layers.WideLinear(spec, features=["first", "x"], units=3, use_bias=False)
    out = wide(spec.transform(TINY))
    assert tuple(out.shape) == (3, 3) == wide.compute_output_shape({"int32": (3, 5)})
    assert wide.embeddings["letters"].embeddings.shape == (4, 3) and wide.bias is None
    assert not np.any(ops.convert_to_numpy(out))  # weights start at zero


def test_tables_are_deepcross_tables_and_embeddings():
    spec, wide = tiny_wide()
    assert list(wide.tables) == ["letters", "year"]
    assert all(isinstance(t, dc.Table) and t.dim == 1 for t in wide.tables.values())
    layers = wide.embeddings.values()
    assert all(type(layer) is dc.features.table.Embedding for layer in layers)
    frame = wide.embedding_table("letters")
    assert list(frame.index) == ["[OOV]", "a", "b", "c"] and frame.shape == (4, 1)
    with pytest.raises(ValueError, match="No table named 'genre'"):
        wide.embedding_table("genre")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"features": ["first", "nope"]}, r"unknown: \['nope'\]"),
        ({"features": []}, "non-empty"),
        ({"features": ["x"], "units": 0}, "units=0"),
        ({"features": ["x"], "use_bias": 1}, "use_bias=1"),
        ({"features": ["x"], "regularizer": "nope"}, "regularizer='nope'"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dc.layers.WideLinear(tiny_spec().adapt(TINY), **kwargs)
    with pytest.raises(ValueError, match="was not adapted"):
        dc.layers.WideLinear(tiny_spec(), features=["x"])


def test_config_round_trip_gives_equal_outputs():
    spec, wide = tiny_wide(regularizer="l1")
    helpers.assert_config_round_trip(wide, spec.transform(TINY))


def test_keras_round_trip_inside_a_model_and_fit(tmp_path, spec, frame):
    inputs = spec.make_inputs()
    wide = dc.layers.WideLinear(spec, features=["movieId", "userGenre", "avgRating"])
    model = keras.Model(inputs, keras.layers.Activation("sigmoid")(wide(inputs)))
    x, y = spec.transform(frame), frame["label"].to_numpy()
    helpers.assert_fit_lowers_loss(model, x, y, loss="binary_crossentropy")
    helpers.assert_keras_round_trip(model, x, tmp_path)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_keeps_variables_float32(policy, spec, frame):
    helpers.assert_mixed_precision(
        lambda: dc.layers.WideLinear(spec, features=["movieId", "avgRating"]),
        spec.transform(frame),
        policy,
    )
