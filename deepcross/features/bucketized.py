"""Bucketized: a number cut into buckets by boundaries, each bucket embedded."""

import dataclasses

import keras
import numpy as np

from deepcross.features import cell_numbers
from deepcross.features import raw_data
from deepcross.features.embedded_feature import EmbeddedFeature
from deepcross.features.numeric import assert_no_empty_tf
from deepcross.features.numeric import check_default
from deepcross.features.numeric import raise_empty


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class Bucketized(EmbeddedFeature):
    """A numeric feature cut at `boundaries` into buckets, each with an embedding row.

    Bucket `i` holds `boundaries[i-1] <= x < boundaries[i]`: values below the first boundary
    fall in bucket 0 and values at or above the last in bucket `len(boundaries)`, so no value
    is out of range. As `tf.feature_column.bucketized_column` does, -inf falls in the first
    bucket and +inf in the last (so do numbers past float32's range: they are counted as
    `nonfinite` in `transform`'s counts, and bucketed). Buckets are found in float64 outside
    the graph, so boundaries such as Unix timestamps (1.7e9) cut exactly, in numpy and in an
    exported model alike.

    A missing value (None, NaN, `""`) is handled by `default`, as for `Numeric`: None (the
    default) leaves the slot empty (a zero vector, as a missing categorical value's); a
    number puts the value in that number's bucket; `"error"` is an error naming the feature,
    the row and the value.

    Args:
        name: str. The feature's name.
        boundaries: sequence of float. Strictly increasing, finite cut points.
        column: str or None. The column to read. Defaults to None, the column named like
            the feature.
        default: float, None or `"error"`. What a missing value becomes. Defaults to None,
            an empty slot.
        dim: int or `"auto"`. See `EmbeddedFeature`, with `table`.

    Example:

    ```python
    year = dc.Bucketized("releaseYear", boundaries=[1960, 1980, 1990, 2000, 2010], dim=4)
    ```
    """

    _: dataclasses.KW_ONLY
    boundaries: tuple = ()
    column: str | None = None
    default: float | str | None = None

    def __post_init__(self):
        super().__post_init__()
        try:
            boundaries = np.asarray(self.boundaries, dtype=np.float64)
        except (TypeError, ValueError):
            boundaries = None
        if (
            boundaries is None
            or boundaries.ndim != 1
            or not len(boundaries)
            or not (np.all(np.isfinite(boundaries)) and np.all(np.diff(boundaries) > 0))
        ):
            raise self.error(
                "boundaries must be a non-empty, strictly increasing sequence of finite "
                f"numbers, received boundaries={self.boundaries!r}"
            )
        self.boundaries = tuple(float(b) for b in boundaries)
        if self.column is not None and (not isinstance(self.column, str) or not self.column):
            raise self.error(f"column must be a column name, received column={self.column!r}")
        self.default = check_default(self, self.default)

    @property
    def source_columns(self):
        return (self.column or self.name,)

    def table_config(self):
        return super().table_config() | {"boundaries": list(self.boundaries)}

    def table_rows(self, learned):
        return len(self.boundaries) + 1

    def row_keys(self, learned):
        edges = ["-inf", *map(repr, self.boundaries), "inf"]
        keys = [f"[{low}, {high})" for low, high in zip(edges, edges[1:])]
        return keys[:-1] + [keys[-1][:-1] + "]"]  # the last bucket holds +inf

    def encode(self, columns, num_rows, prepared):
        cells = raw_data.column(columns, self.source_columns[0], self.name)
        x, missing, nonfinite = cell_numbers.read_floats(cells, self.name)
        if missing.any() and self.default == "error":
            raise_empty(self, cells, missing, np.zeros_like(missing))
        rows = np.searchsorted(np.asarray(self.boundaries), np.where(missing, 0.0, x), "right")
        if self.default is None:
            rows = np.where(missing, -1, rows)
        elif missing.any():
            rows[missing] = np.searchsorted(self.boundaries, self.default, side="right")
        counts = {
            "values": int((~missing).sum()),
            "missing": int(missing.sum()),
            "nonfinite": int(nonfinite.sum()),
        }
        return rows.astype(np.int32)[:, None], counts

    def encode_tf(self, columns, prepared):
        import tensorflow as tf

        x, missing, _ = cell_numbers.read_floats_tf(columns[self.source_columns[0]], self.name)
        if self.default == "error":
            assert_no_empty_tf(self, missing)
        boundaries = tf.constant(self.boundaries, tf.float64)
        rows = tf.searchsorted(boundaries, tf.where(missing, tf.zeros_like(x), x), side="right")
        if self.default is None:
            return tf.where(missing, tf.constant(-1, tf.int32), rows)[:, None]
        fill = int(np.searchsorted(self.boundaries, self.default, side="right"))
        return tf.where(missing, tf.constant(fill, tf.int32), rows)[:, None]
