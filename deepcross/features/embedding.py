"""Embedding: a table's Keras layer, padded to shard by row, trained row-sparsely."""

import contextlib
import types

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="deepcross")
class Embedding(keras.layers.Embedding):
    """The `keras.layers.Embedding` of a `Table`, padded to shard evenly by row.

    Named `Embedding` as Keras' is: weights files address a table's layer by its class
    name, so models saved before and after this class keep loading either way.

    A row-sharded variable must split into equal parts: under `ModelParallel`, a table of
    4,691 rows cannot be cut in two. When the current `keras.distribution` lays this layer's
    `embeddings` out with its first axis on a mesh axis of `n` devices, the variable gets
    zero rows at its end, up to a multiple of `n`; otherwise it is Keras' `Embedding`.
    `input_dim` stays the real row count, and the features look up rows below it only, so
    padding rows are never read: they change no output, get no gradient and stay zero (a
    regularizer sees zeros). The real rows start with the values an unpadded table of the
    same seed starts with. Weights files hold the real rows only (`save_own_variables`
    drops the padding, `load_own_variables` restores it), so weights move freely between
    sharded and unsharded models. `get_weights()` returns the padded variable as it is.
    LoRA and quantization are not supported on a padded table.

    Row-sparse training (`RankingModel.compile`'s `table_optimizer`): `use_table_optimizer`
    hands the table to a `deepcross.training.TableOptimizer`. `embeddings` then stops being
    trainable for Keras, whose optimizer neither keeps state for it nor updates it, and the
    layer holds the table optimizer's per-row state as non-trainable variables named after
    its slots, padded as the table is and saved with it. During a sparse training step,
    `gathered(...)` has the layer look its rows up in the rows gathered for the batch, whose
    gradient the step takes, and put the table's regularizer on those rows only.

    Args:
        as `keras.layers.Embedding`'s; `input_dim` is the table's row count.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.table_optimizer = None
        self.slots = {}
        self._gathered = None

    def build(self, input_shape=None):
        if self.built:
            return
        rows, dim = self.input_dim, self.output_dim
        padded = _padded_rows(rows, dim, f"{self.path}/embeddings")
        if padded == rows:
            super().build(input_shape)
            return
        initializer = self.embeddings_initializer
        self.input_dim = padded
        self.embeddings_initializer = _ZeroPadded(initializer, rows)
        try:
            super().build(input_shape)
        finally:
            self.input_dim, self.embeddings_initializer = rows, initializer

    def use_table_optimizer(self, optimizer):
        """Trains the table row-sparsely with `optimizer`, or densely with Keras's when None.

        Creates the optimizer's per-row state (zeroed or at its initial value) as
        non-trainable variables, replacing another optimizer's, and marks `embeddings`
        trainable for Keras only when `optimizer` is None. Keras's own `quantize` adds
        state to a built layer the same way.

        Args:
            optimizer: `deepcross.training.TableOptimizer` or None.
        """
        if optimizer == self.table_optimizer and (optimizer is None or self.slots):
            return
        self._tracker.unlock()
        try:
            for variable in self.slots.values():
                self._untrack_variable(variable)
            slots = {}
            for name, width, initial in optimizer.slots() if optimizer is not None else ():
                rows, dim = self._embeddings.shape
                slots[name] = self.add_weight(
                    shape=(rows, dim if width == "dim" else width),
                    initializer=keras.initializers.Constant(initial),
                    trainable=False,
                    autocast=False,
                    name=name,
                )
            self.slots = slots
        finally:
            self._tracker.lock()
        self.table_optimizer = optimizer
        self._embeddings.trainable = optimizer is None and self.trainable

    @contextlib.contextmanager
    def gathered(self, values, rows, valid):
        """Looks rows up in `values`, the table's rows `rows` gathered, not in the table.

        The forward pass of a sparse training step runs inside this context: each looked-up
        row is found in `rows` (`searchsorted`), so the step's gradient lands on `values`, a
        `(n, dim)` tensor, not on the table. The table's regularizer, if any, is added as a
        loss once, on the valid gathered rows: sparse trainers regularize the rows a batch
        touches.

        Args:
            values: float `(n, dim)` tensor: the table's rows `rows`.
            rows: int32 `(n,)` tensor, sorted ascending: the rows gathered; every row the
                pass looks up is among them, and invalid slots hold `input_dim`.
            valid: bool `(n,)` tensor: which slots of `rows` are rows of the table.
        """
        self._gathered = types.SimpleNamespace(
            values=values, rows=rows, valid=valid, regularized=False
        )
        try:
            yield
        finally:
            self._gathered = None

    def call(self, inputs):
        gathered = self._gathered
        if gathered is None:
            return super().call(inputs)
        if self.embeddings_regularizer is not None and not gathered.regularized:
            mask = ops.cast(gathered.valid, gathered.values.dtype)[:, None]
            self.add_loss(self.embeddings_regularizer(gathered.values * mask))
            gathered.regularized = True
        flat = ops.reshape(ops.cast(inputs, "int32"), (-1,))
        positions = ops.searchsorted(gathered.rows, flat)
        positions = ops.minimum(positions, ops.shape(gathered.rows)[0] - 1)
        vectors = ops.take(gathered.values, positions, axis=0)
        shape = (-1, *inputs.shape[1:], self.output_dim)
        return ops.cast(ops.reshape(vectors, shape), self.compute_dtype)

    @property
    def padding(self):
        """Zero rows at the end of the variable, beyond `input_dim` (0 until built)."""
        return self._embeddings.shape[0] - self.input_dim if self.built else 0

    def save_own_variables(self, store):
        """Saves the table, then its optimizer state, without padding rows."""
        if self.quantization_mode is not None:
            return super().save_own_variables(store)
        for i, variable in enumerate([self._embeddings, *self.slots.values()]):
            if self.padding:
                store[str(i)] = ops.convert_to_numpy(variable)[: self.input_dim]
            else:
                store[str(i)] = variable

    def load_own_variables(self, store):
        """Loads the table, and its optimizer state where the file has this optimizer's.

        A file saved without optimizer state (dense training, deepcross 0.2) or with
        another table optimizer's, or a model loaded uncompiled, loads the table alone;
        the state then starts as `use_table_optimizer` made it.
        """
        if self.quantization_mode is not None:
            return super().load_own_variables(store)
        variables = [self._embeddings, *self.slots.values()]
        values = [np.asarray(store[str(i)]) for i in range(len(store.keys()))]
        values = [
            np.pad(v, [(0, self.padding)] + [(0, 0)] * (v.ndim - 1))
            if self.padding and v.ndim and v.shape[0] == self.input_dim
            else v
            for v in values
        ]
        shapes = [tuple(v.shape) for v in variables]
        if [tuple(v.shape) for v in values] != shapes:
            values = values[:1]
        for variable, value in zip(variables, values):
            variable.assign(value)


def _padded_rows(rows, dim, path):
    """`rows` rounded up to a multiple of the devices that variable `path` is split over by row.

    Asks the current distribution for the variable's layout, as Keras does when it creates
    the variable (`Distribution.get_variable_layout`), with a stand-in of that path and shape.
    """
    distribution = keras.distribution.distribution()
    if distribution is None:
        return rows
    probe = types.SimpleNamespace(path=path, shape=(rows, dim), _layout=None)
    layout = distribution.get_variable_layout(probe)
    axis = layout.axes[0] if layout is not None and layout.axes else None
    if axis is None:
        return rows
    mesh = layout.device_mesh or distribution.device_mesh
    shards = mesh.shape[list(mesh.axis_names).index(axis)]
    return -(-rows // shards) * shards


class _ZeroPadded:
    """An initializer: `initializer` for the first `rows` rows, zeros below them."""

    def __init__(self, initializer, rows):
        self.initializer, self.rows = initializer, rows

    def __call__(self, shape, dtype=None):
        values = self.initializer((self.rows, *shape[1:]), dtype=dtype)
        return ops.pad(values, [(0, shape[0] - self.rows)] + [(0, 0)] * (len(shape) - 1))
