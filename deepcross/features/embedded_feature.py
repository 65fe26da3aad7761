"""EmbeddedFeature: a feature whose values are rows of an embedding table, pooled."""

import dataclasses

from keras import ops

from deepcross import _checks
from deepcross.features.feature import Feature
from deepcross.features.table import Table

COMBINERS = ("sum", "mean", "sqrtn")


@dataclasses.dataclass
class EmbeddedFeature(Feature):
    """Base of the kinds whose model input is table rows: their slice embeds and pools them.

    The model input is an int32 `(batch, length)` array of table rows, -1 where a slot is
    empty (a missing value, or fewer values than slots). The slice looks the rows up in the
    feature's `Table` and pools them with `combiner`; empty slots add nothing, and a row
    with no value at all gets zeros. A row past the table's end (which `encode` never
    emits) is read as row 0.

    Args:
        name: str. The feature's name.
        dim: int or `"auto"`. Width of the feature's own table; give it on the `Table`
            instead when passing `table=`. Defaults to `"auto"`.
        table: `Table`, str or None. The table to embed into: a `Table` shared with other
            features, a name (a table of that name with this `dim`), or None (a table named
            after the feature). Defaults to None.
        combiner: str. How several values of one row pool: `"sum"`, `"mean"` or `"sqrtn"`
            (sum divided by the square root of the number of values). Defaults to `"mean"`.
    """

    _: dataclasses.KW_ONLY
    dim: int | str = "auto"
    table: Table | str | None = None
    combiner: str = "mean"

    def __post_init__(self):
        super().__post_init__()
        if self.dim != "auto":
            self.dim = _checks.positive_int(self.dim, "dim", f"Feature '{self.name}'")
        _checks.one_of(self.combiner, COMBINERS, "combiner", f"Feature '{self.name}'")
        if isinstance(self.table, dict):
            self.table = Table.from_config(self.table)
        if isinstance(self.table, Table):
            if self.dim != "auto" and self.dim != self.table.dim:
                raise self.error(
                    f"dim={self.dim!r} conflicts with its table's dim={self.table.dim!r}; "
                    "give the width on the Table"
                )
        elif self.table is None or isinstance(self.table, str):
            self.table = Table(self.table or self.name, dim=self.dim)
        else:
            raise self.error(f"table must be a dc.Table, a name or None, received {self.table!r}")

    def table_config(self):
        """What decides how values map to rows: features sharing a table must agree on it."""
        return {"kind": type(self).__name__}

    @property
    def length(self):
        """Number of table rows per example: the width of the model input."""
        return 1

    @property
    def input_shape(self):
        return (self.length,)

    @property
    def input_dtype(self):
        return "int32"

    def output_dim(self, learned):
        return self.table.resolved_dim(self.table_rows(learned))

    def lookup_rows(self, x, table_rows):
        """The table rows this feature's slice looks up, and which of them count.

        Args:
            x: the feature's int `(batch, length)` input.
            table_rows: int. Rows of the table.

        Returns:
            A tuple `(rows, present)` of `(batch, length)` tensors: int32 rows to look up
            (an empty slot reads row 0, a row past the table's end reads row 0), and a bool
            that is False on empty slots, whose vectors the slice leaves out. The sparse
            training step gathers exactly the present rows.
        """
        rows = ops.cast(x, "int32")
        present = rows >= 0
        return ops.where(rows >= table_rows, 0, ops.maximum(rows, 0)), present

    def call(self, x, embedding, learned, compute_dtype):
        rows, present = self.lookup_rows(x, embedding.input_dim)
        vectors = embedding(rows)  # (batch, length, dim)
        if self.length == 1:
            return ops.cast(ops.where(present, vectors[:, 0, :], 0), compute_dtype)
        weights = ops.cast(present, vectors.dtype)
        pooled = ops.sum(vectors * weights[..., None], axis=1)
        if self.combiner != "sum":
            count = ops.maximum(ops.sum(weights, axis=1, keepdims=True), 1.0)
            pooled = pooled / (ops.sqrt(count) if self.combiner == "sqrtn" else count)
        return ops.cast(pooled, compute_dtype)
