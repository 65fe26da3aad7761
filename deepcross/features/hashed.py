"""Categorical feature hashed into a fixed number of bins."""

import dataclasses

import keras

from deepcross.features.categorical_feature import CategoricalFeature
from deepcross.features.categorical_feature import check_positive_int
from deepcross.features.categorical_feature import hash_rows


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class Hashed(CategoricalFeature):
    """A categorical feature hashed into `num_bins` table rows.

    The hash is pandas' SipHash of the value's text with a fixed key, so it is the same in
    every process, on every backend, and for `42`, `42.0` and `"42"`. No vocabulary is kept,
    so nothing is out of vocabulary; distinct values may share a row (a collision).

    Args:
        name: str. The feature's name. See `CategoricalFeature` for the other arguments.
        num_bins: int. Number of hash bins, the table's rows.

    Example:

    ```python
    city = dc.Hashed("city", num_bins=1000, dim=8)
    city.to_rows({"city": np.array(["Paris", "Lagos"])}, None)[0].shape  # (2, 1)
    ```
    """

    num_bins: int = None

    TABLE_ARGS = ("dim", "num_bins")

    def __post_init__(self):
        super().__post_init__()
        check_positive_int(self.name, "num_bins", self.num_bins)

    def table_size(self, vocabulary):
        return self.num_bins

    def lookup(self, keys, vocabulary):
        rows = hash_rows(keys, self.num_bins)
        return rows, rows < 0
