"""Which tables of a model train row-sparsely, with which optimizer, and on which backend."""

import importlib
import logging

import keras

from deepcross.features.feature import Feature
from deepcross.training import sparse_step
from deepcross.training import table_optimizers

log = logging.getLogger("deepcross")


def use(model, table_optimizer):
    """Hands each table of `model` to its table optimizer (`RankingModel.compile`).

    Args:
        model: a compiled `keras.Model` holding layers that read tables from its inputs
            (`sparse_step.table_readers`).
        table_optimizer: what `RankingModel.compile` takes.

    Returns:
        The model's `SparseTable`s: what its training step trains row-sparsely.
    """
    readers = sparse_step.table_readers(model)
    layers = {
        sparse_step.table_key(reader, name): layer
        for reader in readers
        for name, layer in reader.embeddings.items()
    }
    if isinstance(table_optimizer, dict):
        unknown = sorted(set(table_optimizer) - set(layers))
        if unknown:
            raise ValueError(
                f"table_optimizer names tables {unknown} that the model does not have; its "
                f"tables are {sorted(layers)}"
            )
        chosen = {key: table_optimizer.get(key, "auto") for key in layers}
    else:
        chosen = dict.fromkeys(layers, table_optimizer)
    chosen = {
        key: None if c is None else table_optimizers.get(c, model.optimizer)
        for key, c in chosen.items()
    }
    why_dense = _why_dense(readers)
    if why_dense and any(c is not None for c in chosen.values()):
        log.warning("deepcross: tables train densely with the model's optimizer: %s", why_dense)
        chosen = dict.fromkeys(chosen)
    for key, layer in layers.items():
        layer.use_table_optimizer(chosen[key] if layer.trainable else None)
    return sparse_step.sparse_tables(model)


def _why_dense(readers):
    """Why row-sparse training cannot run here, or None when it can."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if tf.distribute.has_strategy():
            return (
                "a tf.distribute strategy is in scope, and its mirrored variables take no "
                "row updates from a replica"
            )
    for reader in readers:
        for feature in reader.table_features:
            if type(feature).lookup_rows is Feature.lookup_rows:
                return (
                    f"feature '{feature.name}' ({type(feature).__name__}) has a table but no "
                    "lookup_rows, which says which rows it reads"
                )
    return None


def config(model):
    """Each table's optimizer, serialized, for `get_compile_config`: None where dense."""
    return {
        sparse_step.table_key(reader, name): keras.saving.serialize_keras_object(
            layer.table_optimizer
        )
        for reader in sparse_step.table_readers(model)
        for name, layer in reader.embeddings.items()
    }


def train_step(model, tables, *args):
    """The backend's row-sparse training step (`jax_step`, `tensorflow_step`, `torch_step`)."""
    backend = importlib.import_module(f"deepcross.training.{keras.backend.backend()}_step")
    return backend.train_step(model, tables, *args)
