"""The row-sparse training step, described once for every backend.

A step of a deepcross model whose tables train row-sparsely does, per table:

1. **touch**: the rows the batch looks up (`lookups`), sorted and
   deduplicated into a fixed-size vector (`touched_rows`): as long as the batch has slots,
   so the step compiles once (XLA, `jax.jit`) whatever the batch holds;
2. **gather**: those rows of the table, and of the table optimizer's per-row state;
3. **forward and gradient**: the model runs with every table looking its rows up in the
   gathered rows (`Embedding.gathered`), so the gradient of the loss is taken with respect
   to the gathered rows, duplicates summed by the lookup's own backward pass, and to the
   dense variables, which Keras's optimizer then updates as usual;
4. **update**: the table optimizer turns gathered rows, gradient and state into new values
   (`TableOptimizer.apply`), and these are scattered back into the table and its state in
   place (`writes`).

Only steps 3's gradient call and 4's scatter differ between backends: `jax_step.py`,
`tensorflow_step.py` and `torch_step.py` hold them. Nothing in the step has the size of a
table: its cost follows the rows a batch touches.
"""

import contextlib
import dataclasses

import keras
from keras import ops

from deepcross.features.embedding import Embedding


@dataclasses.dataclass
class SparseTable:
    """A table trained row-sparsely: its layer, its key, and the layers that look it up."""

    layer: Embedding
    name: str  # the table's name in its readers' `embeddings`
    key: str  # what `compile(table_optimizer={...})` calls it
    readers: list

    @property
    def variables(self):
        """The table's variable, then its optimizer's per-row state, in `slots()` order."""
        return [self.layer.embeddings, *self.layer.slots.values()]


@dataclasses.dataclass
class TablePlan:
    """What one step does to one table: its touched rows and their gathered values."""

    table: SparseTable
    rows: object  # int32 (n,), sorted; `input_dim` in invalid slots
    valid: object  # bool (n,)
    values: list  # the table's, then each slot's, gathered rows: (n, width) each


def table_readers(model):
    """The layers of `model` that look tables up in the model's inputs.

    Such a layer (`EmbeddingStack`, `WideLinear`, or one of a user's own) holds its tables
    as `embeddings`, a dict of table name to `Embedding`; reads the model's inputs through
    its `spec` (`spec.layout`); and lists in `table_features` the features that look its
    tables up. Row-sparse training finds the rows a batch touches from these three.
    """
    return [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(getattr(layer, "embeddings", None), dict)
        and hasattr(layer, "table_features")
        and hasattr(layer, "spec")
    ]


def table_key(reader, name):
    """A table's name in `compile(table_optimizer={...})`: its own name in the model's
    `embedding_stack`, `"<layer name>/<table>"` in another layer (`"wide_linear/movieId"`)."""
    return name if reader.name == "embedding_stack" else f"{reader.name}/{name}"


def sparse_tables(model):
    """The tables of `model` that a table optimizer trains, with the layers that read them."""
    tables = {}
    for reader in table_readers(model):
        for name, embedding in reader.embeddings.items():
            if embedding.table_optimizer is None or not embedding.trainable:
                continue
            key = table_key(reader, name)
            table = tables.setdefault(id(embedding), SparseTable(embedding, name, key, []))
            table.readers.append(reader)
    return list(tables.values())


def lookups(reader, x):
    """The rows each table of `reader` is looked up at for the model inputs `x`.

    Returns:
        A dict keyed by table name of `(rows, present)`: flat int32 and bool tensors of
        every slot of every feature looking that table up (`Feature.lookup_rows`).
    """
    inputs = reader.spec.layout.unpack(x) if reader.spec.layout.is_packed(x) else x
    found = {}
    for feature in reader.table_features:
        embedding = reader.embeddings[feature.table.name]
        rows, present = feature.lookup_rows(inputs[feature.name], embedding.input_dim)
        found.setdefault(feature.table.name, []).append(
            (ops.reshape(rows, (-1,)), ops.reshape(present, (-1,)))
        )
    return {
        name: tuple(ops.concatenate(parts, axis=0) for parts in zip(*pairs))
        for name, pairs in found.items()
    }


def touched_rows(rows, present, table_rows):
    """The distinct rows a batch looks up, sorted, in a vector as long as `rows`.

    Args:
        rows: int32 `(n,)` tensor. Every row looked up.
        present: bool `(n,)` tensor. Which lookups count (empty slots do not).
        table_rows: int. Rows of the table; marks the unused slots.

    Returns:
        A tuple `(unique, valid)`: int32 `(n,)` distinct present rows ascending, then
        `table_rows` in the slots left over; bool `(n,)`, True on the distinct rows.
    """
    ordered = ops.sort(ops.where(present, rows, table_rows))
    first = ops.concatenate([ops.ones((1,), "bool"), ordered[1:] != ordered[:-1]])
    unique = ops.sort(ops.where(first, ordered, table_rows))
    return unique, unique < table_rows


def plan(tables, x, gather):
    """Each table's touched rows for the model inputs `x`, and their gathered values.

    Args:
        tables: list of `SparseTable`.
        x: the model's inputs for the batch.
        gather: function `(variable, indices)` returning those rows of the variable's
            current value, without reading the rest (its value in a JAX state; on
            TensorFlow a sparse read, since a dense read of a variable that scatters
            copies all of it).

    Returns:
        A list of `TablePlan`, one per table.
    """
    by_reader = {}
    for table in tables:
        for reader in table.readers:
            if id(reader) not in by_reader:
                by_reader[id(reader)] = lookups(reader, x)
    plans = []
    for table in tables:
        looked_up = [by_reader[id(reader)][table.name] for reader in table.readers]
        rows = ops.concatenate([r for r, _ in looked_up], axis=0)
        present = ops.concatenate([p for _, p in looked_up], axis=0)
        unique, valid = touched_rows(rows, present, table.layer.input_dim)
        safe_rows = ops.where(valid, unique, 0)
        values = [gather(v, safe_rows) for v in table.variables]
        plans.append(TablePlan(table, unique, valid, values))
    return plans


@contextlib.contextmanager
def gathered(plans, table_values):
    """Runs the forward pass with each table reading `table_values`, its gathered rows."""
    with contextlib.ExitStack() as stack:
        for p, values in zip(plans, table_values):
            stack.enter_context(p.table.layer.gathered(values, p.rows, p.valid))
        yield


def step_numbers(optimizer):
    """`(step, learning_rate, loss_scale)` of the step about to be taken, as tensors.

    `step` counts from 1 (Keras's `iterations + 1`, as its Adam uses); `learning_rate` is
    the model optimizer's at this step (schedules included); `loss_scale` is what
    `optimizer.scale_loss` multiplies the loss by (mixed precision), 1 otherwise.
    """
    step = ops.cast(optimizer.iterations + 1, "float32")
    learning_rate = ops.cast(optimizer.learning_rate, "float32")
    loss_scale = ops.cast(optimizer.scale_loss(ops.ones((), "float32")), "float32")
    return step, learning_rate, loss_scale


def all_finite(gradients):
    """True when no gradient holds inf or NaN (what a `LossScaleOptimizer` checks)."""
    return ops.all(ops.stack([ops.all(ops.isfinite(g)) for g in gradients]))


def writes(p, gradient, numbers, finite=None):
    """The scatters that update one table and its state: `[(variable, indices, values)]`.

    Every write is a row-wise "set" of `(n,)` indices, static in size: slots past the
    distinct rows repeat the first distinct row's index and new values, so a scatter with
    duplicate indices still writes one value per row; with no distinct row at all they
    rewrite row 0 as it was.

    Args:
        p: `TablePlan`.
        gradient: float `(n, dim)` tensor. The loss's gradient with respect to
            `p.values[0]`, before unscaling.
        numbers: `step_numbers`' tuple.
        finite: bool scalar or None. When False (a mixed-precision step whose gradients
            overflowed), rows and state stay as they were.
    """
    step, learning_rate, loss_scale = numbers
    gradient = ops.cast(gradient, "float32") / loss_scale
    old = p.values
    rows, slots = p.table.layer.table_optimizer.apply(
        old[0], gradient, list(old[1:]), step, learning_rate
    )
    new = [rows, *slots]
    if finite is not None:
        new = [ops.where(finite, n, o) for n, o in zip(new, old)]
    keep_first = p.valid[0]
    indices = ops.where(p.valid, p.rows, ops.where(keep_first, p.rows[0], 0))
    result = []
    for variable, n, o in zip(p.table.variables, new, old):
        fallback = ops.where(keep_first, n[0], o[0])
        result.append((variable, indices, ops.where(p.valid[:, None], n, fallback[None, :])))
    return result


def is_loss_scaled(optimizer):
    """True for a `LossScaleOptimizer`, which skips steps whose gradients overflow."""
    return isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
