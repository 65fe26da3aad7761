"""Numeric: a number per example, passed through, standardized, min-max scaled or log1p."""

import dataclasses
import math
import numbers

import keras
import numpy as np
from keras import ops

from deepcross import _checks
from deepcross.features import raw_data
from deepcross.features import tf_values
from deepcross.features import values
from deepcross.features.feature import Feature

SCALINGS = (None, "standardize", "minmax", "log1p")


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class Numeric(Feature):
    """A numeric feature, one float per example.

    `scaling` picks the transform, applied inside the model (`EmbeddingStack`) with the
    statistics `FeatureSpec.adapt` learns and the saved model keeps:

    - None: the value as it is.
    - `"standardize"`: `(x - mean) / sqrt(variance + 1e-6)`.
    - `"minmax"`: `(x - min) / (max - min)`, 0 when `max == min`.
    - `"log1p"`: `log(1 + max(x, 0))`; nothing is learned.

    A missing value (None, NaN, `""`) becomes `default`. So does a non-finite one (inf,
    -inf, or a magnitude beyond float32's range): it is counted as `nonfinite` in
    `transform`'s counts and never learned into statistics. With `default=None`, a missing
    or non-finite value is an error naming the feature, the row and the value. Bools count
    as 1 and 0; a string that is not a number is an error.

    Args:
        name: str. The feature's name and model input.
        column: str or None. The column to read, any name. Defaults to None, the column
            named like the feature.
        scaling: str or None. One of None, `"standardize"`, `"minmax"`, `"log1p"`.
            Defaults to None.
        default: float or None. Replaces missing and non-finite values. Defaults to 0.0.

    Example:

    ```python
    count = dc.Numeric("movieRatingCount", scaling="log1p")
    ```
    """

    _: dataclasses.KW_ONLY
    column: str | None = None
    scaling: str | None = None
    default: float | None = 0.0

    def __post_init__(self):
        super().__post_init__()
        if self.column is not None and (not isinstance(self.column, str) or not self.column):
            raise self.error(f"column must be a column name, received column={self.column!r}")
        _checks.one_of(self.scaling, SCALINGS, "scaling", f"Feature '{self.name}'")
        if self.default is not None:
            if (
                isinstance(self.default, bool)
                or not isinstance(self.default, numbers.Real)
                or not math.isfinite(self.default)
            ):
                raise self.error(
                    f"default must be a finite number or None, received default={self.default!r}"
                )
            self.default = float(self.default)

    @property
    def source_columns(self):
        return (self.column or self.name,)

    # --- Learning statistics: (count, mean, M2, min, max), merged by Chan et al. ------------

    @property
    def state_key(self):
        return self.name if self.scaling in ("standardize", "minmax") else None

    def summarize(self, columns, num_rows):
        x, _, _ = self.parse(columns)
        x = x[np.isfinite(x)]
        if not len(x):
            return (0, 0.0, 0.0, math.inf, -math.inf)
        mean = float(x.mean())
        return (len(x), mean, float(((x - mean) ** 2).sum()), float(x.min()), float(x.max()))

    def merge(self, a, b):
        (n_a, mean_a, m2_a, low_a, high_a), (n_b, mean_b, m2_b, low_b, high_b) = a, b
        n = n_a + n_b
        if n == 0:
            return a
        delta = mean_b - mean_a
        return (
            n,
            mean_a + delta * n_b / n,
            m2_a + m2_b + delta**2 * n_a * n_b / n,
            min(low_a, low_b),
            max(high_a, high_b),
        )

    def finish(self, state):
        count, mean, m2, low, high = state
        if count == 0:
            raise self.error("has no finite values to learn statistics from")
        return {"count": int(count), "mean": mean, "variance": m2 / count, "min": low, "max": high}

    # --- Raw values to model input --------------------------------------------------------------

    def parse(self, columns):
        """Raw values as float64 (NaN where missing or non-finite), and the two masks."""
        return values.to_float(
            raw_data.column(columns, self.source_columns[0], self.name), self.name
        )

    def encode(self, columns, num_rows, prepared):
        x, missing, nonfinite = self.parse(columns)
        empty = missing | nonfinite
        if empty.any():
            if self.default is None:
                row = int(np.flatnonzero(empty)[0])
                what = "non-finite" if nonfinite[row] else "missing"
                cell = raw_data.column(columns, self.source_columns[0], self.name)[row]
                raise self.error(
                    f"row {row} holds {cell!r}, a {what} value, and the feature declares no "
                    f"default; give it `default=` ({int(empty.sum())} such rows in all)"
                )
            x = np.where(empty, self.default, x)
        counts = {
            "values": int((~empty).sum()),
            "missing": int(missing.sum()),
            "nonfinite": int(nonfinite.sum()),
        }
        return x.astype(np.float32)[:, None], counts

    def encode_tf(self, columns, prepared):
        import tensorflow as tf

        x, missing, nonfinite = tf_values.to_float(columns[self.source_columns[0]], self.name)
        empty = missing | nonfinite
        if self.default is None:
            message = (
                f"Feature '{self.name}' declares no default, and a request holds a missing or "
                "non-finite value"
            )
            tf.debugging.Assert(~tf.reduce_any(empty), [message])
        else:
            x = tf.where(empty, tf.constant(self.default, tf.float64), x)
        return tf.cast(x, tf.float32)[:, None]

    # --- The slice: the scaled value --------------------------------------------------------------

    def call(self, x, embedding, learned, compute_dtype):
        x = ops.cast(x, "float32")
        if self.default is not None:
            x = ops.where(ops.isfinite(x), x, self.default)
        if self.scaling == "standardize":
            x = (x - learned["mean"]) / math.sqrt(learned["variance"] + 1e-6)
        elif self.scaling == "minmax":
            span = learned["max"] - learned["min"]
            x = (x - learned["min"]) / span if span > 0 else ops.zeros_like(x)
        elif self.scaling == "log1p":
            x = ops.log1p(ops.maximum(x, 0.0))
        return ops.cast(x, compute_dtype)
