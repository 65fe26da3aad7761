"""LazyAdam: Adam applied to the rows a batch touched, and to their moments only."""

import keras
from keras import ops

from deepcross import _checks
from deepcross.training.table_optimizer import TableOptimizer


@keras.saving.register_keras_serializable(package="deepcross")
class LazyAdam(TableOptimizer):
    """Keras's Adam, applied lazily: only touched rows and their moments change.

    For the rows a step touches, with `t` the model's step counting from 1:

    ```
    m = m + (gradient - m) * (1 - beta_1)
    v = v + (gradient ** 2 - v) * (1 - beta_2)
    row -= learning_rate * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t) * m / (sqrt(v) + epsilon)
    ```

    Keras's `Adam` formula, so a row touched on every step follows dense Adam exactly. Dense
    Adam also decays the moments of untouched rows and keeps moving them by their momentum;
    lazy Adam leaves them be, as TF Addons' `LazyAdam` and TorchRec's partial row-wise Adam
    do. Memory: three times the table.

    Args:
        learning_rate: float, schedule or None. None follows the model's optimizer.
            Defaults to None.
        beta_1: float. Decay of the first moment. Defaults to 0.9.
        beta_2: float. Decay of the second moment. Defaults to 0.999.
        epsilon: float. Defaults to 1e-7.
        clipnorm, clipvalue: see `TableOptimizer`.
    """

    name = "lazy_adam"

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        owner = type(self).__name__
        self.beta_1 = _checks.fraction(beta_1, "beta_1", owner)
        self.beta_2 = _checks.fraction(beta_2, "beta_2", owner)
        self.epsilon = _checks.positive_number(epsilon, "epsilon", owner)

    def slots(self):
        return (("m", "dim", 0.0), ("v", "dim", 0.0))

    def update(self, rows, gradient, slots, step, learning_rate):
        m, v = slots
        alpha = (
            learning_rate
            * ops.sqrt(1 - ops.power(self.beta_2, step))
            / (1 - ops.power(self.beta_1, step))
        )
        m = m + (gradient - m) * (1 - self.beta_1)
        v = v + (ops.square(gradient) - v) * (1 - self.beta_2)
        return rows - m * alpha / (ops.sqrt(v) + self.epsilon), [m, v]

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
