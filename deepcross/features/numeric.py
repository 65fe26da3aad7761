"""Numeric: a number per example, passed through, standardized, min-max scaled or log1p."""

import dataclasses
import math
import numbers

import keras
import numpy as np
from keras import ops

from deepcross import _checks
from deepcross.features import cell_numbers
from deepcross.features import raw_data
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

    A missing value (None, NaN, `""`) or a non-finite one (inf, -inf, or a magnitude beyond
    float32's range, counted as `nonfinite` in `transform`'s counts and never learned into
    statistics) is handled by `default`, with the meaning it has for every kind:

    - None (the default): the slot is empty, as a missing categorical value's is: the
      feature's part of the stacked vector is 0. Here that is the value `scaling` maps to 0:
      **the learned mean** under `"standardize"`, the learned minimum under `"minmax"`, 0
      otherwise. A missing value counts as an average one, in numpy and in an exported model
      alike.
    - a number: that value, in raw units (before `scaling`).
    - `"error"`: an error naming the feature, the row and the value (in an exported model,
      the request fails).

    Bools count as 1 and 0; a string that is not a number is an error.

    Args:
        name: str. The feature's name and model input.
        column: str or None. The column to read, any name. Defaults to None, the column
            named like the feature.
        scaling: str or None. One of None, `"standardize"`, `"minmax"`, `"log1p"`.
            Defaults to None.
        default: float, None or `"error"`. What a missing or non-finite value becomes (see
            above). Defaults to None, an empty slot. (In deepcross 0.2 the default was 0.0
            and None meant `"error"`; models saved by 0.2 load with their meaning kept.)

    Example:

    ```python
    count = dc.Numeric("movieRatingCount", scaling="log1p")
    ```
    """

    _: dataclasses.KW_ONLY
    column: str | None = None
    scaling: str | None = None
    default: float | str | None = None

    def __post_init__(self):
        super().__post_init__()
        if self.column is not None and (not isinstance(self.column, str) or not self.column):
            raise self.error(f"column must be a column name, received column={self.column!r}")
        _checks.one_of(self.scaling, SCALINGS, "scaling", f"Feature '{self.name}'")
        self.default = check_default(self, self.default)

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
        return cell_numbers.to_float(self.cells(columns), self.name)

    def cells(self, columns):
        """The column this feature reads, as it is."""
        return raw_data.column(columns, self.source_columns[0], self.name)

    def fill_value(self, learned):
        """The raw value a missing or non-finite one becomes: `default`, or with
        `default=None` the value `scaling` maps to 0 (the learned mean, minimum, or 0)."""
        if self.default is None:
            if self.scaling == "standardize":
                return float(learned["mean"])
            if self.scaling == "minmax":
                return float(learned["min"])
            return 0.0
        return self.default

    def encode(self, columns, num_rows, prepared):
        cells = self.cells(columns)
        x, missing, nonfinite = cell_numbers.to_float(cells, self.name)
        empty = missing | nonfinite
        if empty.any():
            if self.default == "error":
                raise_empty(self, cells, missing, nonfinite)
            x = np.where(empty, self.fill_value(prepared), x)
        counts = {
            "values": int((~empty).sum()),
            "missing": int(missing.sum()),
            "nonfinite": int(nonfinite.sum()),
        }
        return x.astype(np.float32)[:, None], counts

    def prepare_tf(self, learned):
        return learned

    def encode_tf(self, columns, prepared):
        import tensorflow as tf

        column = columns[self.source_columns[0]]
        x, missing, nonfinite = cell_numbers.to_float_tf(column, self.name)
        empty = missing | nonfinite
        if self.default == "error":
            assert_no_empty_tf(self, empty)
        else:
            x = tf.where(empty, tf.constant(self.fill_value(prepared), tf.float64), x)
        return tf.cast(x, tf.float32)[:, None]

    # --- The slice: the scaled value --------------------------------------------------------------

    def call(self, x, embedding, learned, compute_dtype):
        x = ops.cast(x, "float32")
        if self.default != "error":  # inputs made elsewhere than `encode` may hold NaN
            x = ops.where(ops.isfinite(x), x, self.fill_value(learned))
        if self.scaling == "standardize":
            x = (x - learned["mean"]) / math.sqrt(learned["variance"] + 1e-6)
        elif self.scaling == "minmax":
            span = learned["max"] - learned["min"]
            x = (x - learned["min"]) / span if span > 0 else ops.zeros_like(x)
        elif self.scaling == "log1p":
            x = ops.log1p(ops.maximum(x, 0.0))
        return ops.cast(x, compute_dtype)


DEFAULTS = "a finite number, None (an empty slot) or 'error'"


def check_default(feature, default):
    """`default` as a float, None or `"error"`, or an error naming the feature."""
    if default is None or default == "error":
        return default
    if isinstance(default, bool) or not isinstance(default, numbers.Real):
        raise feature.error(f"default must be {DEFAULTS}, received default={default!r}")
    if not math.isfinite(default):
        raise feature.error(f"default must be {DEFAULTS}, received default={default!r}")
    return float(default)


def raise_empty(feature, cells, missing, nonfinite):
    """The error `default="error"` raises: the feature, the first empty row and its value."""
    empty = missing | nonfinite
    row = int(np.flatnonzero(empty)[0])
    what = "non-finite" if nonfinite[row] else "missing"
    raise feature.error(
        f"row {row} holds {cells[row]!r}, a {what} value, and the feature declares "
        f"default='error' ({int(empty.sum())} such rows in all); default=None leaves the slot "
        "empty, a number fills it"
    )


def assert_no_empty_tf(feature, empty):
    """`raise_empty` in an exported model: the request fails, naming the feature."""
    import tensorflow as tf

    message = (
        f"Feature '{feature.name}' declares default='error', and a request holds a missing or "
        "non-finite value"
    )
    tf.debugging.Assert(~tf.reduce_any(empty), [message])
