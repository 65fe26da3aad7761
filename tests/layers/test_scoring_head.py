import keras
import numpy as np
import pytest
from keras import ops
from keras.src import testing

import deepcross as dc
from tests import helpers

X = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")


def head_with_weights(task, **kwargs):
    head = dc.layers.ScoringHead(task, **kwargs)
    head.build((None, 6))
    rng = np.random.default_rng(4)
    w, b = (rng.normal(size=v.shape).astype("float32") for v in head.get_weights())
    head.set_weights([w, b])
    return head, X @ w + b


def test_binary_is_sigmoid_of_a_linear_score():
    head, logits = head_with_weights("binary")
    out = ops.convert_to_numpy(head(X))
    assert out.shape == (5, 1) == head.compute_output_shape((5, 6))
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-logits)), rtol=1e-5)


@pytest.mark.parametrize("task, kwargs", [("binary", {}), ("multiclass", {"num_classes": 3})])
def test_given_logits_are_added_before_the_activation(task, kwargs):
    head, logits = head_with_weights(task, **kwargs)
    extra = np.random.default_rng(5).normal(size=logits.shape).astype("float32")
    plain = dc.layers.ScoringHead(task, from_logits=True, **kwargs)
    plain.build((None, 6))
    plain.set_weights(head.get_weights())
    np.testing.assert_allclose(ops.convert_to_numpy(plain(X, extra)), logits + extra, rtol=1e-5)
    out = ops.convert_to_numpy(head(X, logits=extra))
    if task == "binary":
        expected = 1 / (1 + np.exp(-(logits + extra)))
    else:
        expected = np.exp(logits + extra) / np.exp(logits + extra).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-5)


def test_multiclass_is_softmax():
    head, logits = head_with_weights("multiclass", num_classes=3)
    out = ops.convert_to_numpy(head(X))
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-5)


@pytest.mark.parametrize("task, kwargs", [("regression", {}), ("binary", {"from_logits": True})])
def test_linear_outputs(task, kwargs):
    head, logits = head_with_weights(task, **kwargs)
    np.testing.assert_allclose(ops.convert_to_numpy(head(X)), logits, rtol=1e-5)


def test_default_losses():
    assert isinstance(dc.layers.ScoringHead().default_loss(), keras.losses.BinaryCrossentropy)
    loss = dc.layers.ScoringHead("multiclass", num_classes=4, from_logits=True).default_loss()
    assert isinstance(loss, keras.losses.SparseCategoricalCrossentropy)
    assert loss.get_config()["from_logits"] is True
    assert isinstance(
        dc.layers.ScoringHead("regression").default_loss(), keras.losses.MeanSquaredError
    )


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (("ranking",), {}, "task='ranking'"),
        (("multiclass",), {"num_classes": True}, "num_classes=True"),
        (("multiclass",), {}, "num_classes=None"),
        (("multiclass",), {"num_classes": 1}, "num_classes=1"),
        (("binary",), {"num_classes": 2}, "num_classes=2"),
        (("binary",), {"from_logits": "yes"}, "from_logits='yes'"),
    ],
)
def test_invalid_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        dc.layers.ScoringHead(*args, **kwargs)


def test_config_round_trip():
    head = dc.layers.ScoringHead("multiclass", num_classes=3, from_logits=True)
    head(X)
    helpers.assert_config_round_trip(head, X)


def test_keras_round_trip_and_fit(tmp_path):
    inputs = keras.Input(shape=(6,))
    model = keras.Model(inputs, dc.layers.ScoringHead("binary")(inputs))
    helpers.assert_fit_lowers_loss(
        model, X, (X[:, :1] > 0).astype("float32"), "binary_crossentropy"
    )
    helpers.assert_keras_round_trip(model, X, tmp_path)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize(
    "task, kwargs",
    [
        ("binary", {}),
        ("multiclass", {"num_classes": 3}),
        ("regression", {}),
        ("binary", {"from_logits": True}),
    ],
)
def test_mixed_precision_scores_in_float32(policy, task, kwargs):
    def make_head():
        return dc.layers.ScoringHead(task, **kwargs)

    helpers.assert_mixed_precision(make_head, X, policy, output_dtype="float32")
    head = make_head()
    assert head.compute_dtype == policy.split("_")[1]
    assert head.compute_output_spec(keras.KerasTensor((None, 6))).dtype == "float32"


class ScoringHeadLayerTest(testing.TestCase):
    def test_keras_layer_harness(self):
        self.run_layer_test(
            dc.layers.ScoringHead,
            init_kwargs={"task": "multiclass", "num_classes": 3},
            input_shape=(2, 5),
            expected_output_shape=(2, 3),
            expected_output_dtype="float32",
            expected_num_trainable_weights=2,
            expected_num_non_trainable_weights=0,
            expected_num_seed_generators=0,
            expected_num_losses=0,
        )
