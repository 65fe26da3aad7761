"""SGD: plain gradient descent on the rows a batch touched."""

import keras

from deepcross.training.table_optimizer import TableOptimizer


@keras.saving.register_keras_serializable(package="deepcross")
class SGD(TableOptimizer):
    """`row -= learning_rate * gradient`, on touched rows only; no per-row state.

    Equal to dense SGD (Keras `SGD` without momentum) step for step: an untouched row's
    gradient is zero, so dense SGD leaves it as it is too. The cheapest table optimizer in
    memory (the table alone), and the one whose quality depends most on its learning rate.

    Args:
        learning_rate: float, schedule or None. None follows the model's optimizer.
            Defaults to None.
        clipnorm, clipvalue: see `TableOptimizer`.
    """

    name = "sgd"

    def update(self, rows, gradient, slots, step, learning_rate):
        return rows - learning_rate * gradient, []
