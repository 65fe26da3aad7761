import numpy as np
import pytest
from keras import ops

import deepcross as dc


def test_transform_packs_one_matrix_per_dtype_in_declaration_order(spec, frame):
    packed = spec.transform(frame)
    by_feature = spec.transform(frame, packed=False)
    assert list(packed) == list(spec.layout.keys) == ["int32", "float32"]
    ints = [f.name for f in spec.features if f.input_dtype == "int32"]
    floats = [f.name for f in spec.features if f.input_dtype == "float32"]
    np.testing.assert_array_equal(
        packed["int32"], np.concatenate([by_feature[n] for n in ints], axis=1)
    )
    np.testing.assert_array_equal(
        packed["float32"], np.concatenate([by_feature[n] for n in floats], axis=1)
    )
    assert packed["int32"].dtype == np.int32 and packed["float32"].dtype == np.float32
    unpacked = spec.layout.unpack(packed)
    assert list(unpacked) == [f.name for f in spec.features]
    for name, array in by_feature.items():
        np.testing.assert_array_equal(unpacked[name], array, err_msg=name)
        assert unpacked[name].dtype == array.dtype


def test_zero_rows_pack_to_zero_row_matrices(spec, frame):
    packed = spec.transform(frame.iloc[:0])
    assert {k: v.shape for k, v in packed.items()} == {
        key: (0, width) for key, width in spec.layout.widths.items()
    }


def test_pack_and_unpack_keep_inputs_of_more_than_one_axis():
    """A kind of one's own may take a (rows, 2, 3) input: it is flattened into its columns."""

    class Grid:
        def __init__(self, name, shape, dtype):
            self.name, self.input_shape, self.input_dtype = name, shape, dtype

    layout = dc.features.InputLayout(
        [Grid("a", (2, 3), "float32"), Grid("b", (1,), "int32"), Grid("c", (4,), "float32")]
    )
    assert layout.widths == {"float32": 10, "int32": 1}
    rng = np.random.default_rng(0)
    inputs = {
        "a": rng.normal(size=(5, 2, 3)).astype("float32"),
        "b": rng.integers(-1, 9, size=(5, 1)).astype("int32"),
        "c": rng.normal(size=(5, 4)).astype("float32"),
    }
    packed = layout.pack(inputs)
    assert packed["float32"].shape == (5, 10)
    for name, array in layout.unpack(packed).items():
        np.testing.assert_array_equal(array, inputs[name], err_msg=name)
    # The same in keras.ops, on tensors.
    tensors = layout.pack({name: ops.convert_to_tensor(a) for name, a in inputs.items()})
    np.testing.assert_array_equal(ops.convert_to_numpy(tensors["float32"]), packed["float32"])
    unpacked = layout.unpack(tensors)
    np.testing.assert_array_equal(ops.convert_to_numpy(unpacked["a"]), inputs["a"])


def test_a_missing_feature_is_named(spec, frame):
    by_feature = spec.transform(frame, packed=False)
    del by_feature["userGenre"]
    with pytest.raises(ValueError, match=r"feature\(s\) \['userGenre'\]"):
        spec.layout.pack(by_feature)


def test_one_array_per_feature_packed_scores_as_transform_does(spec, frame):
    model = dc.models.DeepCrossing(spec, residual_units=(8,))
    model.compile()
    labels = frame["label"].to_numpy()
    packed = spec.transform(frame)
    by_feature = spec.layout.pack(spec.transform(frame, packed=False))
    model.fit(by_feature, labels, epochs=1, verbose=0, validation_data=(by_feature, labels))
    expected = model.predict(packed, verbose=0)
    np.testing.assert_allclose(model.predict(by_feature, verbose=0), expected, atol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(by_feature), expected, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(model(by_feature)), expected, atol=1e-6)
    np.testing.assert_allclose(model.predict_raw(frame), expected, atol=1e-6)
    assert model.evaluate(by_feature, labels, verbose=0) == pytest.approx(
        model.evaluate(packed, labels, verbose=0), rel=1e-5
    )


def test_random_layouts_round_trip():
    """Random mixes of kinds: packing then unpacking gives every feature back unchanged."""
    rng = np.random.default_rng(7)
    for trial in range(5):
        features = []
        for i in range(rng.integers(1, 7)):
            if rng.random() < 0.5:
                features.append(dc.Numeric(f"n{i}"))
            else:
                columns = [f"c{i}_{j}" for j in range(rng.integers(1, 4))]
                features.append(dc.Categorical(f"c{i}", columns=columns, vocabulary=["a", "b"]))
        spec = dc.FeatureSpec(features)
        data = {}
        for f in features:
            for column in f.source_columns:
                data[column] = (
                    rng.choice(["a", "b", "z", None], 17)
                    if isinstance(f, dc.Categorical)
                    else rng.normal(size=17)
                )
        spec.adapt(data)
        packed = spec.transform(data)
        assert sum(a.shape[1] for a in packed.values()) == sum(
            int(np.prod(f.input_shape)) for f in features
        ), trial
        by_feature = spec.transform(data, packed=False)
        for name, array in spec.layout.unpack(packed).items():
            np.testing.assert_array_equal(array, by_feature[name])
