"""The row-sparse training step on PyTorch: `backward()`, rows by `index_copy_`."""

import keras
import torch

from deepcross.training import sparse_step


def train_step(model, tables, data):
    """One step of `model` on `data`: Keras's PyTorch `train_step`, `tables` row-sparse."""
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    optimizer = model.optimizer
    with torch.no_grad():
        numbers = sparse_step.step_numbers(optimizer)
        plans = sparse_step.plan(tables, x, lambda v, rows: v.value[rows])
    table_values = [p.values[0].requires_grad_() for p in plans]
    with sparse_step.gathered(plans, table_values):
        y_pred = model(x, training=True)
    model.zero_grad()
    loss = model._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
    batch = next(i for i in keras.tree.flatten(x) if i is not None).shape[0]
    model._loss_tracker.update_state(loss, sample_weight=batch)
    loss = optimizer.scale_loss(loss)
    loss.backward()
    weights = model.trainable_weights[:]
    grads = [v.value.grad for v in weights]
    table_grads = [torch.zeros_like(v) if v.grad is None else v.grad for v in table_values]
    with torch.no_grad():
        finite = None
        if sparse_step.is_loss_scaled(optimizer):
            finite = sparse_step.all_finite([g for g in grads if g is not None] + table_grads)
        if weights:
            optimizer.apply(grads, weights)
        for p, gradient in zip(plans, table_grads):
            for variable, indices, values in sparse_step.writes(p, gradient, numbers, finite):
                variable.value.index_copy_(0, indices.long(), values.detach())
    return model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)
