"""Adagrad: per-value accumulated squared gradients, on the rows a batch touched."""

import keras
from keras import ops

from deepcross import _checks
from deepcross.training.table_optimizer import TableOptimizer


@keras.saving.register_keras_serializable(package="deepcross")
class Adagrad(TableOptimizer):
    """Keras's Adagrad on touched rows: one accumulator per value of the table.

    ```
    accumulator += gradient ** 2
    row -= learning_rate * gradient / sqrt(accumulator + epsilon)
    ```

    An untouched row has a zero gradient, so dense Adagrad leaves it and its accumulator as
    they are too: this equals Keras `Adagrad` step for step. Memory: twice the table.

    Args:
        learning_rate: float, schedule or None. None follows the model's optimizer.
            Defaults to 0.01.
        initial_accumulator_value: float. The accumulators' starting value. Defaults to 0.1.
        epsilon: float. Defaults to 1e-7.
        clipnorm, clipvalue: see `TableOptimizer`.
    """

    name = "adagrad"

    def __init__(self, learning_rate=0.01, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        owner = type(self).__name__
        self.initial_accumulator_value = _checks.positive_number(
            initial_accumulator_value, "initial_accumulator_value", owner, zero=True
        )
        self.epsilon = _checks.positive_number(epsilon, "epsilon", owner)

    def slots(self):
        return (("accumulator", "dim", self.initial_accumulator_value),)

    def update(self, rows, gradient, slots, step, learning_rate):
        accumulator = slots[0] + self.squared(gradient)
        rows = rows - learning_rate * gradient / ops.sqrt(accumulator + self.epsilon)
        return rows, [accumulator]

    def squared(self, gradient):
        """What the accumulator adds each step: each value's squared gradient."""
        return ops.square(gradient)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}
        )
        return config
