"""Which tables of a model train row-sparsely, with which optimizer, and on which backend."""

import importlib
import logging

import keras

from deepcross.features.feature import Feature
from deepcross.layers.embedding_stack import EmbeddingStack
from deepcross.training import sparse_step
from deepcross.training import table_optimizers

log = logging.getLogger("deepcross")


def use(model, table_optimizer):
    """Hands each table of `model` to its table optimizer (`RankingModel.compile`).

    Args:
        model: a compiled `keras.Model` holding `EmbeddingStack` layers.
        table_optimizer: what `RankingModel.compile` takes.

    Returns:
        The model's `SparseTable`s: what its training step trains row-sparsely.
    """
    stacks = [
        layer for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, EmbeddingStack)
    ]  # fmt: skip
    layers = {name: layer for stack in stacks for name, layer in stack.embeddings.items()}
    if isinstance(table_optimizer, dict):
        unknown = sorted(set(table_optimizer) - set(layers))
        if unknown:
            raise ValueError(
                f"table_optimizer names tables {unknown} that the model does not have; its "
                f"tables are {sorted(layers)}"
            )
        chosen = {name: table_optimizer.get(name, "auto") for name in layers}
    else:
        chosen = dict.fromkeys(layers, table_optimizer)
    chosen = {
        name: None if c is None else table_optimizers.get(c, model.optimizer)
        for name, c in chosen.items()
    }
    why_dense = _why_dense(stacks)
    if why_dense and any(c is not None for c in chosen.values()):
        log.warning("deepcross: tables train densely with the model's optimizer: %s", why_dense)
        chosen = dict.fromkeys(chosen)
    for name, layer in layers.items():
        layer.use_table_optimizer(chosen[name] if layer.trainable else None)
    return sparse_step.sparse_tables(model)


def _why_dense(stacks):
    """Why row-sparse training cannot run here, or None when it can."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if tf.distribute.has_strategy():
            return (
                "a tf.distribute strategy is in scope, and its mirrored variables take no "
                "row updates from a replica"
            )
    for stack in stacks:
        for feature in stack.spec.features:
            if feature.table is not None and type(feature).lookup_rows is Feature.lookup_rows:
                return (
                    f"feature '{feature.name}' ({type(feature).__name__}) has a table but no "
                    "lookup_rows, which says which rows it reads"
                )
    return None


def config(model):
    """Each table's optimizer, serialized, for `get_compile_config`: None where dense."""
    tables = {t.name: t.layer.table_optimizer for t in sparse_step.sparse_tables(model)}
    layers = {
        name for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, EmbeddingStack) for name in layer.embeddings
    }  # fmt: skip
    return {
        name: keras.saving.serialize_keras_object(tables[name]) if name in tables else None
        for name in sorted(layers)
    }


def train_step(model, tables, *args):
    """The backend's row-sparse training step (`jax_step`, `tensorflow_step`, `torch_step`)."""
    backend = importlib.import_module(f"deepcross.training.{keras.backend.backend()}_step")
    return backend.train_step(model, tables, *args)
