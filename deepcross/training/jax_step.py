"""The row-sparse training step on JAX: gradients by `jax.value_and_grad`, rows by `.at[].set`.

Keras's JAX trainer compiles `train_step(state, data)` with the state donated, so the
scatters below update each table's buffer in place.
"""

import jax
import keras

from deepcross.training import sparse_step


def train_step(model, tables, state, data):
    """One step of `model` on `data`: Keras's JAX `train_step`, with `tables` row-sparse."""
    trainable, non_trainable, optimizer_variables, metrics_variables = state
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    optimizer = model.optimizer
    position = {id(v): i for i, v in enumerate(model.non_trainable_variables)}
    mapping = list(zip(optimizer.variables, optimizer_variables))
    with keras.StatelessScope(state_mapping=mapping):
        numbers = sparse_step.step_numbers(optimizer)
    plans = sparse_step.plan(tables, x, lambda v, rows: non_trainable[position[id(v)]][rows])

    def loss_fn(trainable, table_values):
        with sparse_step.gathered(plans, table_values):
            return model.compute_loss_and_updates(
                trainable,
                non_trainable,
                metrics_variables,
                x,
                y,
                sample_weight,
                training=True,
                optimizer_variables=optimizer_variables,
            )

    grad_fn = jax.value_and_grad(loss_fn, argnums=(0, 1), has_aux=True)
    (_, aux), (grads, table_grads) = grad_fn(trainable, [p.values[0] for p in plans])
    unscaled_loss, y_pred, non_trainable, metrics_variables = aux
    finite = None
    if sparse_step.is_loss_scaled(optimizer):
        finite = sparse_step.all_finite([*grads, *table_grads])
    if trainable:
        trainable, optimizer_variables = optimizer.stateless_apply(
            optimizer_variables, grads, trainable
        )
    non_trainable = list(non_trainable)
    for p, gradient in zip(plans, table_grads):
        for variable, indices, values in sparse_step.writes(p, gradient, numbers, finite):
            i = position[id(variable)]
            non_trainable[i] = non_trainable[i].at[indices].set(values)
    logs, metrics_variables = model._update_metrics_variables(
        metrics_variables, unscaled_loss, x, y, y_pred, sample_weight
    )
    return logs, (trainable, non_trainable, optimizer_variables, metrics_variables)
