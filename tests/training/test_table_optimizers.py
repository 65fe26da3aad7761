"""The table optimizers' update rules, exactly, on a tiny case; their arguments and configs."""

import json

import keras
import numpy as np
import pytest
from keras import ops

from deepcross import training
from deepcross.training import table_optimizers

ROWS = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], "float32")
GRADIENT = np.array([[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05]], "float32")


def apply(optimizer, slots, step=3.0, model_learning_rate=0.05):
    rows, slots = optimizer.apply(
        ops.convert_to_tensor(ROWS),
        ops.convert_to_tensor(GRADIENT),
        [ops.convert_to_tensor(s) for s in slots],
        ops.convert_to_tensor(step, "float32"),
        ops.convert_to_tensor(model_learning_rate, "float32"),
    )
    return ops.convert_to_numpy(rows), [ops.convert_to_numpy(s) for s in slots]


def test_sgd():
    rows, slots = apply(training.SGD(learning_rate=0.1), [])
    np.testing.assert_allclose(rows, ROWS - 0.1 * GRADIENT, rtol=1e-6)
    assert slots == []
    rows, _ = apply(training.SGD(), [])  # follows the model's learning rate, 0.05
    np.testing.assert_allclose(rows, ROWS - 0.05 * GRADIENT, rtol=1e-6)


def test_adagrad():
    accumulator = np.full_like(ROWS, 0.3)
    rows, (new,) = apply(training.Adagrad(learning_rate=0.2, epsilon=1e-3), [accumulator])
    expected = accumulator + GRADIENT**2
    np.testing.assert_allclose(new, expected, rtol=1e-6)
    np.testing.assert_allclose(rows, ROWS - 0.2 * GRADIENT / np.sqrt(expected + 1e-3), rtol=1e-6)


def test_row_wise_adagrad_keeps_one_accumulator_per_row():
    optimizer = training.RowWiseAdagrad(learning_rate=0.2, epsilon=1e-3)
    assert optimizer.slots() == (("accumulator", 1, 0.1),)
    accumulator = np.array([[0.3], [0.7]], "float32")
    rows, (new,) = apply(optimizer, [accumulator])
    expected = accumulator + np.mean(GRADIENT**2, axis=1, keepdims=True)
    np.testing.assert_allclose(new, expected, rtol=1e-6)
    np.testing.assert_allclose(rows, ROWS - 0.2 * GRADIENT / np.sqrt(expected + 1e-3), rtol=1e-6)


def test_lazy_adam_is_keras_adam_on_the_rows():
    m = np.full_like(ROWS, 0.01)
    v = np.full_like(ROWS, 0.02)
    rows, (new_m, new_v) = apply(training.LazyAdam(beta_1=0.8, beta_2=0.9, epsilon=1e-4), [m, v])
    step, lr = 3.0, 0.05
    expected_m = m + (GRADIENT - m) * 0.2
    expected_v = v + (GRADIENT**2 - v) * 0.1
    alpha = lr * np.sqrt(1 - 0.9**step) / (1 - 0.8**step)
    np.testing.assert_allclose(new_m, expected_m, rtol=1e-6)
    np.testing.assert_allclose(new_v, expected_v, rtol=1e-6)
    np.testing.assert_allclose(
        rows, ROWS - expected_m * alpha / (np.sqrt(expected_v) + 1e-4), rtol=1e-6
    )


def test_clipnorm_scales_the_whole_table_gradient():
    norm = np.sqrt(np.sum(GRADIENT**2))
    rows, _ = apply(training.SGD(learning_rate=1.0, clipnorm=0.5), [])
    np.testing.assert_allclose(rows, ROWS - GRADIENT * 0.5 / norm, rtol=1e-6)
    rows, _ = apply(training.SGD(learning_rate=1.0, clipnorm=10.0), [])  # under the norm
    np.testing.assert_allclose(rows, ROWS - GRADIENT, rtol=1e-6)


def test_clipvalue():
    rows, _ = apply(training.SGD(learning_rate=1.0, clipvalue=0.2), [])
    np.testing.assert_allclose(rows, ROWS - np.clip(GRADIENT, -0.2, 0.2), rtol=1e-6)


def test_a_schedule_is_read_at_the_step():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    rows, _ = apply(training.SGD(learning_rate=schedule), [], step=3.0)
    np.testing.assert_allclose(rows, ROWS - 0.1 * 0.5**2 * GRADIENT, rtol=1e-6)  # iterations 2


@pytest.mark.parametrize(
    "optimizer",
    [
        training.SGD(learning_rate=0.3, clipnorm=1.0),
        training.Adagrad(initial_accumulator_value=0.2),
        training.RowWiseAdagrad(learning_rate=None, clipvalue=0.5),
        training.LazyAdam(
            learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9), beta_1=0.7
        ),
    ],
)
def test_config_round_trip_through_json(optimizer):
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(optimizer)))
    again = keras.saving.deserialize_keras_object(config)
    assert type(again) is type(optimizer) and again.get_config() == optimizer.get_config()


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: training.SGD(learning_rate=0), "learning_rate must be a positive number"),
        (lambda: training.SGD(learning_rate=True), "learning_rate"),
        (lambda: training.Adagrad(epsilon=-1.0), "epsilon must be a positive number"),
        (lambda: training.LazyAdam(beta_1=1.0), r"beta_1 must be a float in \[0, 1\)"),
        (lambda: training.SGD(clipnorm=float("inf")), "clipnorm"),
        (lambda: training.get("adam"), "'auto', one of"),
        (lambda: training.get(keras.optimizers.SGD()), "a deepcross.training.TableOptimizer"),
    ],
)
def test_bad_arguments_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_auto_matches_the_model_optimizer():
    adam = table_optimizers.get("auto", keras.optimizers.Adam(beta_1=0.8, epsilon=1e-5))
    assert adam == training.LazyAdam(beta_1=0.8, epsilon=1e-5)
    adagrad = table_optimizers.get("auto", keras.optimizers.Adagrad(initial_accumulator_value=0.5))
    assert adagrad == training.Adagrad(learning_rate=None, initial_accumulator_value=0.5)
    assert table_optimizers.get("auto", keras.optimizers.SGD(0.1)) == training.SGD()
    assert table_optimizers.get("auto", keras.optimizers.SGD(momentum=0.9)) == training.LazyAdam()
    scaled = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam())
    assert table_optimizers.get("auto", scaled) == training.LazyAdam()
    assert table_optimizers.get("rowwise_adagrad") == training.RowWiseAdagrad()
