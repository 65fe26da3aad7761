"""Table optimizers by name, and the one that `"auto"` picks for a Keras optimizer."""

import keras

from deepcross.training.adagrad import Adagrad
from deepcross.training.lazy_adam import LazyAdam
from deepcross.training.row_wise_adagrad import RowWiseAdagrad
from deepcross.training.sgd import SGD
from deepcross.training.table_optimizer import TableOptimizer

BY_NAME = {cls.name: cls for cls in (SGD, Adagrad, RowWiseAdagrad, LazyAdam)}


def get(identifier, optimizer=None):
    """A `TableOptimizer` from a name, a config or an instance.

    Args:
        identifier: `"auto"`, `"sgd"`, `"adagrad"`, `"rowwise_adagrad"`, `"lazy_adam"`, a
            `TableOptimizer` or its serialized config.
        optimizer: `keras.optimizers.Optimizer` or None. What `"auto"` matches.

    Returns:
        A `TableOptimizer`.
    """
    if isinstance(identifier, TableOptimizer):
        return identifier
    if isinstance(identifier, dict):
        return keras.saving.deserialize_keras_object(identifier)
    if identifier == "auto":
        return matching(optimizer)
    if isinstance(identifier, str) and identifier in BY_NAME:
        return BY_NAME[identifier]()
    raise ValueError(
        f"A table optimizer must be 'auto', one of {sorted(BY_NAME)}, a "
        f"deepcross.training.TableOptimizer or None (dense), received {identifier!r}"
    )


def matching(optimizer):
    """The row-sparse form of a Keras `optimizer`, at its learning rate (`"auto"`).

    `Adam` gives `LazyAdam` with its betas and epsilon, `Adagrad` gives `Adagrad` with its
    accumulator settings, `SGD` without momentum gives `SGD`; each follows the optimizer's
    learning rate (schedules included). Any other optimizer gives `LazyAdam` at its learning
    rate: the sparse update closest to what most ranking models train with.
    """
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # a LossScaleOptimizer's
    if isinstance(optimizer, keras.optimizers.Adam) and not optimizer.amsgrad:
        return LazyAdam(
            beta_1=float(optimizer.beta_1),
            beta_2=float(optimizer.beta_2),
            epsilon=float(optimizer.epsilon),
        )
    if isinstance(optimizer, keras.optimizers.Adagrad):
        return Adagrad(
            learning_rate=None,
            initial_accumulator_value=float(optimizer.initial_accumulator_value),
            epsilon=float(optimizer.epsilon),
        )
    if isinstance(optimizer, keras.optimizers.SGD) and not float(optimizer.momentum):
        return SGD()
    return LazyAdam()
