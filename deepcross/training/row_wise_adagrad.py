"""RowWiseAdagrad: Adagrad with one accumulator per table row (TorchRec's default)."""

import keras
from keras import ops

from deepcross.training.adagrad import Adagrad


@keras.saving.register_keras_serializable(package="deepcross")
class RowWiseAdagrad(Adagrad):
    """Adagrad whose accumulator is one float per row: the mean of the row's squared gradient.

    ```
    accumulator += mean(gradient ** 2)       # over the row's dim values
    row -= learning_rate * gradient / sqrt(accumulator + epsilon)
    ```

    TorchRec's default for large tables (`EXACT_ROWWISE_ADAGRAD`): nearly Adagrad's
    adaptivity for 1/dim of its state, so a table costs `rows x (dim + 1) x 4` bytes. The
    optimizer to pick when memory decides.

    Args:
        as `Adagrad`'s.
    """

    name = "rowwise_adagrad"

    def slots(self):
        return (("accumulator", 1, self.initial_accumulator_value),)

    def squared(self, gradient):
        return ops.mean(ops.square(gradient), axis=-1, keepdims=True)
