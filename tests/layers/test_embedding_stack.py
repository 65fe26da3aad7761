import keras
import numpy as np
import pytest
from keras import ops

import deepcross as dc
from tests.conftest import make_frame


def tiny_spec(combiner="mean"):
    letters = {"table": "letters", "vocabulary": ["a", "b", "c"], "dim": 2}
    return dc.FeatureSpec(
        [
            dc.Categorical("first", **letters),
            dc.Categorical("many", columns=["m1", "m2", "m3"], combiner=combiner, **letters),
            dc.Numeric("x", scaling="standardize", default=5.0),
            dc.Numeric("n", scaling="log1p"),
            dc.Numeric("s", scaling="minmax"),
            dc.Bucketized("year", boundaries=[1990, 2000], dim=1),
        ]
    )


TINY = {
    "first": np.array(["b", "zz", ""], object),
    "m1": np.array(["a", "c", ""], object),
    "m2": np.array(["b", "", ""], object),
    "m3": np.array(["zz", "", ""], object),
    "x": np.array([1.0, 3.0, np.nan]),
    "n": np.array([0.0, np.e - 1, -4.0]),
    "s": np.array([2.0, 4.0, 6.0]),
    "year": np.array([1985, 1990, 2005]),
}
# Table rows: 0 = OOV, 1 = a, 2 = b, 3 = c.
TABLE = np.array([[0.5, -0.5], [1.0, 0.0], [0.0, 2.0], [4.0, 4.0]], "float32")
YEAR_TABLE = np.array([[10.0], [20.0], [30.0]], "float32")


def tiny_stack(combiner="mean", output_mode="concat"):
    spec = tiny_spec(combiner).adapt(TINY)
    stack = dc.layers.EmbeddingStack(spec, output_mode=output_mode)
    stack.build()
    stack.embeddings["letters"].embeddings.assign(TABLE)
    stack.embeddings["year"].embeddings.assign(YEAR_TABLE)
    return spec, stack


@pytest.mark.parametrize(
    "combiner, expected_many",
    [
        # Row 0 holds a, b and the unknown "zz" (OOV row); row 1 holds c; row 2 nothing.
        ("sum", [[1.5, 1.5], [4.0, 4.0], [0.0, 0.0]]),
        ("mean", [[0.5, 0.5], [4.0, 4.0], [0.0, 0.0]]),
        ("sqrtn", [[1.5 / 3**0.5, 1.5 / 3**0.5], [4.0, 4.0], [0.0, 0.0]]),
    ],
)
def test_exact_values_on_known_weights(combiner, expected_many):
    spec, stack = tiny_stack(combiner, output_mode="dict")
    out = {k: ops.convert_to_numpy(v) for k, v in stack(spec.transform(TINY, packed=False)).items()}
    np.testing.assert_allclose(out["first"], [[0.0, 2.0], [0.5, -0.5], [0.0, 0.0]])
    np.testing.assert_allclose(out["many"], expected_many, rtol=1e-6)
    # x: mean 2, variance 1 over the two present values; the missing one takes default 5.
    np.testing.assert_allclose(out["x"][:, 0], [-1.0, 1.0, 3.0], rtol=1e-5)
    np.testing.assert_allclose(out["n"][:, 0], [0.0, 1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(out["s"][:, 0], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(out["year"][:, 0], [10.0, 20.0, 30.0])


def test_concat_follows_declaration_order_and_width():
    spec, stack = tiny_stack()
    arrays = spec.transform(TINY, packed=False)
    out = ops.convert_to_numpy(stack(arrays))
    parts = stack.compute_output_shape({k: v.shape for k, v in arrays.items()})
    assert out.shape == parts == (3, 2 + 2 + 1 + 1 + 1 + 1)
    assert out.dtype == np.float32
    pieces = [ops.convert_to_numpy(v) for v in tiny_stack(output_mode="dict")[1](arrays).values()]
    np.testing.assert_allclose(out, np.concatenate(pieces, axis=1), rtol=1e-6)


def test_nan_in_graph_takes_default_and_out_of_range_rows_read_oov():
    spec, stack = tiny_stack(output_mode="dict")
    arrays = spec.transform(TINY, packed=False)
    arrays["x"] = np.array([[np.nan], [2.0], [2.0]], "float32")
    arrays["first"] = np.array([[99], [1], [-1]], "int32")
    out = stack(arrays)
    np.testing.assert_allclose(ops.convert_to_numpy(out["x"])[0, 0], 3.0, rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(out["first"])[0], TABLE[0])


def test_shared_table_is_one_variable_used_by_both_features():
    spec, stack = tiny_stack(output_mode="dict")
    assert list(stack.embeddings) == ["letters", "year"]
    assert len(stack.trainable_weights) == 2
    arrays = spec.transform(TINY, packed=False)
    before = {k: ops.convert_to_numpy(v) for k, v in stack(arrays).items()}
    stack.embeddings["letters"].embeddings.assign(TABLE * 2)
    after = {k: ops.convert_to_numpy(v) for k, v in stack(arrays).items()}
    np.testing.assert_allclose(after["first"], before["first"] * 2)
    np.testing.assert_allclose(after["many"], before["many"] * 2)


def test_invalid_arguments():
    spec = tiny_spec().adapt(TINY)
    with pytest.raises(ValueError, match="output_mode='flat'"):
        dc.layers.EmbeddingStack(spec, output_mode="flat")
    with pytest.raises(ValueError, match="spec must be a deepcross FeatureSpec"):
        dc.layers.EmbeddingStack({"features": []})


def test_config_round_trip_gives_equal_outputs():
    spec, stack = tiny_stack()
    again = dc.layers.EmbeddingStack.from_config(stack.get_config())
    assert again.get_config() == stack.get_config()
    again.build()
    again.set_weights(stack.get_weights())
    arrays = spec.transform(TINY, packed=False)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(again(arrays)), ops.convert_to_numpy(stack(arrays))
    )


def stack_model(spec):
    inputs = spec.make_inputs()
    x = dc.layers.EmbeddingStack(spec)(inputs)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


def test_keras_round_trip_inside_a_model(tmp_path, spec, frame):
    model = stack_model(spec)
    arrays = spec.transform(frame)
    path = tmp_path / "stack.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(
        loaded.predict(arrays, verbose=0), model.predict(arrays, verbose=0)
    )
    loaded_spec = loaded.get_layer(index=len(spec.layout.keys)).spec
    assert loaded_spec == spec


def test_one_fit_step_lowers_the_loss(spec, frame):
    model = stack_model(spec)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    arrays, labels = spec.transform(frame), frame["label"].to_numpy()
    before = model.evaluate(arrays, labels, verbose=0)
    model.fit(arrays, labels, batch_size=len(frame), epochs=1, verbose=0)
    assert model.evaluate(arrays, labels, verbose=0) < before


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_keeps_variables_float32(policy, spec, frame):
    keras.config.set_dtype_policy(policy)
    stack = dc.layers.EmbeddingStack(spec)
    out = stack(spec.transform(make_frame(8), packed=False))
    assert keras.backend.standardize_dtype(out.dtype) == policy.split("_")[1]
    assert all(w.dtype == "float32" for w in stack.weights)


def test_a_built_stack_keeps_its_own_spec(spec, frame):
    stack = dc.layers.EmbeddingStack(spec)
    x = spec.transform(frame, packed=False)
    before = ops.convert_to_numpy(stack(x))
    other = make_frame(300, seed=5)
    other["avgRating"] = other["avgRating"] * 10
    spec.adapt(other)  # The caller's spec learns new statistics and a new vocabulary ...
    assert spec.learned != stack.spec.learned
    np.testing.assert_array_equal(ops.convert_to_numpy(stack(x)), before)  # ... the stack not.


def test_each_table_gets_its_own_initial_vectors():
    same = dc.Table("a", dim=4, embeddings_initializer=keras.initializers.RandomNormal())
    spec = dc.FeatureSpec(
        [
            dc.Categorical("x", vocabulary=list("abcdefgh"), table=same),
            dc.Categorical(
                "y",
                vocabulary=list("abcdefgh"),
                dim=4,
                table=dc.Table("b", dim=4, embeddings_initializer=same.embeddings_initializer),
            ),
        ]
    )
    stack = dc.layers.EmbeddingStack(spec)
    stack.build()
    a, b = (ops.convert_to_numpy(stack.embeddings[t].embeddings) for t in ("a", "b"))
    assert a.shape == b.shape and not np.allclose(a, b)


def test_embedding_regularizer_is_one_argument():
    table = dc.Table("t", dim=3, embeddings_regularizer=keras.regularizers.L2(0.5))
    spec = dc.FeatureSpec([dc.Categorical("c", vocabulary=["a", "b"], table=table)])
    stack = dc.layers.EmbeddingStack(spec)
    stack(spec.transform({"c": ["a"]}, packed=False))
    vectors = ops.convert_to_numpy(stack.embeddings["t"].embeddings)
    assert len(stack.losses) == 1
    assert float(ops.convert_to_numpy(stack.losses[0])) == pytest.approx(
        0.5 * (vectors**2).sum(), rel=1e-5
    )


def test_features_stacks_a_subset_in_spec_order_with_only_their_tables():
    spec = tiny_spec().adapt(TINY)
    stack = dc.layers.EmbeddingStack(spec, features=["year", "first", "x"])
    arrays = spec.transform(TINY)
    out = ops.convert_to_numpy(stack(arrays))
    assert out.shape == (3, 2 + 1 + 1)
    assert sorted(stack.embeddings) == ["letters", "year"]
    full = dc.layers.EmbeddingStack(spec, output_mode="dict")
    full.build()
    for name in ("letters", "year"):
        full.embeddings[name].embeddings.assign(stack.embeddings[name].embeddings)
    parts = {k: ops.convert_to_numpy(v) for k, v in full(arrays).items()}
    expected = np.concatenate([parts["first"], parts["x"], parts["year"]], axis=1)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    again = dc.layers.EmbeddingStack.from_config(stack.get_config())
    assert again.features == ("year", "first", "x") and again.get_config() == stack.get_config()
    assert "features" not in full.get_config()  # Configs of older layers stay as they were.


@pytest.mark.parametrize(
    "features, message",
    [
        (["first", "nope"], r"unknown: \['nope'\]"),
        ([], "a non-empty sequence"),
        (["x", "x"], "a non-empty sequence of feature names, each once"),
        ("first", "a sequence of feature names"),
    ],
)
def test_features_must_name_features_of_the_spec(features, message):
    spec = tiny_spec().adapt(TINY)
    with pytest.raises(ValueError, match=message):
        dc.layers.EmbeddingStack(spec, features=features)


def test_a_layer_config_written_by_0_2_loads():
    import json
    import pathlib

    saved = json.loads((pathlib.Path(__file__).parents[1] / "features/spec_0_2.json").read_text())
    stack = dc.layers.EmbeddingStack.from_config({"spec": saved["config"], "name": "stack"})
    assert stack.spec["slot"].num_tokens == 5
    out = ops.convert_to_numpy(stack(stack.spec.transform(saved["request"])))
    assert out.shape == (4, stack.compute_output_shape({"int32": (4, 5)})[1])
    assert np.isfinite(out).all()
