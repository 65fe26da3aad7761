"""Crossed: the hashed cross of two or more categorical columns."""

import dataclasses

import keras
import numpy as np
import pandas as pd

from deepcross import _checks
from deepcross.features import cell_keys
from deepcross.features import raw_data
from deepcross.features.embedded_feature import EmbeddedFeature
from deepcross.features.hashing import hash_rows
from deepcross.features.hashing import hash_rows_tf

# Joins the keys of a cross; a control character that no ordinary value holds.
CROSS_SEPARATOR = "\x1f"


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class Crossed(EmbeddedFeature):
    """The cross of two or more categorical columns, hashed into `num_bins` rows.

    What `tf.feature_column.crossed_column` did: each row's combination of values (a
    user's country and a movie's genre, say) is one value of its own, hashed like `Hashed`,
    so the model learns a vector per combination. The key of a combination is the columns'
    keys (`cell_keys.to_keys`) joined by the character U+001F; a row where any column is
    missing has no value (its slot is empty).

    Args:
        name: str. The feature's name.
        columns: sequence of str. The two or more single-valued columns to cross.
        num_bins: int. Number of hash bins, the table's rows.
        dim: int or `"auto"`. See `EmbeddedFeature`, with `table`.

    Example:

    ```python
    cross = dc.Crossed("country_x_genre", columns=["country", "genre"], num_bins=1000, dim=8)
    ```
    """

    _: dataclasses.KW_ONLY
    columns: tuple = ()
    num_bins: int = None

    def __post_init__(self):
        super().__post_init__()
        if (
            isinstance(self.columns, str)
            or len(tuple(self.columns)) < 2
            or not all(isinstance(c, str) and c for c in self.columns)
        ):
            raise self.error(
                f"columns must name two or more columns to cross, received columns={self.columns!r}"
            )
        self.columns = tuple(self.columns)
        if len(set(self.columns)) < len(self.columns):
            raise self.error(f"columns name a column twice: {self.columns!r}")
        self.num_bins = _checks.positive_int(self.num_bins, "num_bins", f"Feature '{self.name}'")

    @property
    def source_columns(self):
        return self.columns

    def table_config(self):
        return super().table_config() | {"num_bins": self.num_bins}

    def table_rows(self, learned):
        return self.num_bins

    def cross_keys(self, columns):
        """The joined key of each row, and whether any column is missing there."""
        parts = [
            cell_keys.to_keys(raw_data.column(columns, c, self.name), self.name)
            for c in self.columns
        ]
        missing = np.logical_or.reduce([m for _, m in parts])
        joined = pd.Series(parts[0][0], dtype=object)
        for keys, _ in parts[1:]:
            joined = joined + CROSS_SEPARATOR + pd.Series(keys, dtype=object)
        return joined.to_numpy(dtype=object), missing

    def encode(self, columns, num_rows, prepared):
        keys, missing = self.cross_keys(columns)
        rows = np.where(missing, -1, hash_rows(keys, self.num_bins)).astype(np.int32)
        return rows[:, None], {"values": int((~missing).sum()), "missing": int(missing.sum())}

    @property
    def serving_dtype(self):
        return "string"

    def encode_tf(self, columns, prepared):
        import tensorflow as tf

        parts = [cell_keys.to_keys_tf(columns[c]) for c in self.columns]
        joined = [parts[0][0]]
        for keys, _ in parts[1:]:
            joined += [CROSS_SEPARATOR, keys]
        missing = tf.reduce_any(tf.stack([m for _, m in parts], axis=1), axis=1)
        rows = hash_rows_tf(tf.strings.join(joined), self.num_bins)
        return tf.cast(tf.where(missing, tf.constant(-1, tf.int64), rows), tf.int32)[:, None]
