"""TableOptimizer: how the rows of an embedding table that a batch touched are updated."""

import keras
from keras import ops

from deepcross import _checks


@keras.saving.register_keras_serializable(package="deepcross")
class TableOptimizer:
    """The base of the row-sparse table optimizers: one update rule for touched rows.

    A deepcross model trains its embedding tables row-sparsely (see `RankingModel.compile`):
    a training step gathers the rows of each table that the batch looks up, takes the
    gradient with respect to those rows only (duplicates summed), and hands them to the
    table's optimizer, which returns their new values and the new values of their per-row
    state ("slots"). Rows the batch does not touch, and their state, do not change: that is
    what makes a step cost what it touches, not what the table holds.

    A subclass names its slots (`slots`) and writes `update` in `keras.ops`, elementwise on
    the `(n, dim)` rows: `SGD`, `Adagrad`, `RowWiseAdagrad` and `LazyAdam` are the built-in
    ones. Each table's slots are variables of its `Embedding` layer, so they are saved with
    the model (`.keras` files, `save_weights`, `BackupAndRestore` checkpoints).

    Args:
        learning_rate: float, `keras.optimizers.schedules.LearningRateSchedule` or None. None
            follows the model's optimizer: its learning rate at each step, schedules and
            callbacks such as `ReduceLROnPlateau` included. Defaults to None.
        clipnorm: float or None. Scales a table's gradient (its touched rows together) down
            to this L2 norm when it is larger, as Keras's `clipnorm` does per variable.
            Defaults to None.
        clipvalue: float or None. Clips each gradient value to `[-clipvalue, clipvalue]`.
            Defaults to None.
    """

    name = None  # The string that `get` takes; set by the built-in subclasses.

    def __init__(self, learning_rate=None, clipnorm=None, clipvalue=None):
        owner = type(self).__name__
        if isinstance(learning_rate, dict):
            learning_rate = keras.saving.deserialize_keras_object(learning_rate)
        if learning_rate is not None and not isinstance(
            learning_rate, keras.optimizers.schedules.LearningRateSchedule
        ):
            learning_rate = _checks.positive_number(learning_rate, "learning_rate", owner)
        self.learning_rate = learning_rate
        self.clipnorm = (
            None if clipnorm is None else _checks.positive_number(clipnorm, "clipnorm", owner)
        )
        self.clipvalue = (
            None if clipvalue is None else _checks.positive_number(clipvalue, "clipvalue", owner)
        )

    def slots(self):
        """The per-row state: `(name, width, initial value)` each; width `"dim"` or 1."""
        return ()

    def update(self, rows, gradient, slots, step, learning_rate):
        """New values of touched rows and of their slots, in `keras.ops`.

        Args:
            rows: float32 `(n, dim)` tensor. The rows as they are.
            gradient: float32 `(n, dim)` tensor. The loss's gradient with respect to them,
                clipped, duplicates summed.
            slots: list of float32 `(n, width)` tensors, in `slots()`'s order.
            step: float32 scalar. The step being taken, counting from 1.
            learning_rate: float32 scalar.

        Returns:
            A tuple `(rows, slots)` of the new values, shaped as the arguments.
        """
        raise NotImplementedError

    def apply(self, rows, gradient, slots, step, model_learning_rate):
        """Clips `gradient`, resolves the learning rate at `step`, then `update`."""
        if self.clipvalue is not None:
            gradient = ops.clip(gradient, -self.clipvalue, self.clipvalue)
        if self.clipnorm is not None:
            norm = ops.sqrt(ops.sum(ops.square(gradient)))
            gradient = gradient * ops.minimum(1.0, self.clipnorm / ops.maximum(norm, 1e-12))
        if self.learning_rate is None:
            learning_rate = model_learning_rate
        elif isinstance(self.learning_rate, keras.optimizers.schedules.LearningRateSchedule):
            learning_rate = self.learning_rate(step - 1)  # Keras calls it with `iterations`.
        else:
            learning_rate = self.learning_rate
        return self.update(rows, gradient, slots, step, ops.cast(learning_rate, "float32"))

    def get_config(self):
        learning_rate = self.learning_rate
        if isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
            learning_rate = keras.saving.serialize_keras_object(learning_rate)
        return {
            "learning_rate": learning_rate,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"
