"""Categorical feature whose values are already integer ids."""

import dataclasses

import keras
import numpy as np
import pandas as pd

from deepcross.features.categorical_feature import CategoricalFeature
from deepcross.features.categorical_feature import check_positive_int


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class IntegerIdentity(CategoricalFeature):
    """A categorical feature whose values are integer ids in `[0, num_buckets)`.

    Id `i` uses table row `i + 1`; row 0 is the out-of-vocabulary slot, where an id past
    `num_buckets`, a negative id or a value that is not an integer lands. Nothing is learned.

    Args:
        name: str. The feature's name. See `CategoricalFeature` for the other arguments.
        num_buckets: int. Number of valid ids.

    Example:

    ```python
    slot = dc.IntegerIdentity("slot", num_buckets=3, dim=4)
    slot.to_rows({"slot": np.array([0, 2, 7])}, None)[0]  # [[1], [3], [0]]
    ```
    """

    num_buckets: int = None

    TABLE_ARGS = ("dim", "num_buckets")

    def __post_init__(self):
        super().__post_init__()
        check_positive_int(self.name, "num_buckets", self.num_buckets)

    def table_size(self, vocabulary):
        return self.num_buckets + 1

    def lookup(self, keys, vocabulary):
        values = pd.to_numeric(pd.Series(keys, dtype=object), errors="coerce").to_numpy(float)
        oov = ~(np.isfinite(values) & (values == np.floor(values)))
        oov |= (values < 0) | (values >= self.num_buckets)
        return np.where(oov, 0, np.where(oov, 0, values).astype(np.int64) + 1), oov
