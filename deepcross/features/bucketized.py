"""Bucketized: a number cut into buckets by boundaries, each bucket embedded."""

import dataclasses

import keras
import numpy as np

from deepcross.features import tf_values
from deepcross.features.embedded_feature import EmbeddedFeature
from deepcross.features.numeric import Numeric


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class Bucketized(EmbeddedFeature):
    """A numeric feature cut at `boundaries` into buckets, each with an embedding row.

    Bucket `i` holds `boundaries[i-1] <= x < boundaries[i]`: values below the first boundary
    fall in bucket 0 and values at or above the last in bucket `len(boundaries)`, so no value
    is out of range. Buckets are found in float64 outside the graph, so boundaries such as
    Unix timestamps (1.7e9) cut exactly. Missing and non-finite values take `default`
    first, as for `Numeric`; with `default=None` they leave the slot empty (a zero vector).

    Args:
        name: str. The feature's name.
        boundaries: sequence of float. Strictly increasing, finite cut points.
        column: str or None. The column to read. Defaults to None, the column named like
            the feature.
        default: float or None. Replaces missing values. Defaults to None.
        dim: int or `"auto"`. See `EmbeddedFeature`, with `table`.

    Example:

    ```python
    year = dc.Bucketized("releaseYear", boundaries=[1960, 1980, 1990, 2000, 2010], dim=4)
    ```
    """

    _: dataclasses.KW_ONLY
    boundaries: tuple = ()
    column: str | None = None
    default: float | None = None

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
        # A Numeric of the same column and default checks `column` and `default` and parses.
        self._number = Numeric(self.name, column=self.column, default=self.default)

    @property
    def source_columns(self):
        return self._number.source_columns

    def table_config(self):
        return super().table_config() | {"boundaries": list(self.boundaries)}

    def table_rows(self, learned):
        return len(self.boundaries) + 1

    def row_keys(self, learned):
        edges = ["-inf", *map(repr, self.boundaries), "inf"]
        return [f"[{low}, {high})" for low, high in zip(edges, edges[1:])]

    def encode(self, columns, num_rows, prepared):
        x, missing, nonfinite = self._number.parse(columns)
        empty = missing | nonfinite
        if self.default is not None:
            x, empty = np.where(empty, self.default, x), np.zeros_like(empty)
        rows = np.searchsorted(np.asarray(self.boundaries), x, side="right")
        counts = {
            "values": int((~empty).sum()),
            "missing": int(missing.sum()),
            "nonfinite": int(nonfinite.sum()),
        }
        return np.where(empty, -1, rows).astype(np.int32)[:, None], counts

    def encode_tf(self, columns, prepared):
        import tensorflow as tf

        x, missing, nonfinite = tf_values.to_float(columns[self.source_columns[0]], self.name)
        empty = missing | nonfinite
        if self.default is not None:
            x = tf.where(empty, tf.constant(self.default, tf.float64), x)
            empty = tf.zeros_like(empty)
        boundaries = tf.constant(self.boundaries, tf.float64)
        rows = tf.searchsorted(boundaries, tf.where(empty, tf.zeros_like(x), x), side="right")
        return tf.where(empty, tf.constant(-1, tf.int32), rows)[:, None]
