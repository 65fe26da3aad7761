"""Hashed: a categorical feature hashed into a fixed number of bins."""

import dataclasses

import keras

from deepcross import _checks
from deepcross.features.categorical_feature import CategoricalFeature
from deepcross.features.hashing import hash_rows
from deepcross.features.hashing import hash_rows_tf


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class Hashed(CategoricalFeature):
    """A categorical feature hashed into `num_bins` table rows.

    The hash is SipHash-2-4 of the value's key with a fixed 128-bit key (`hash_rows`), so a
    value's row is the same in every process, on every backend, in an exported model
    (TensorFlow's `to_hash_bucket_strong`), and for `42`, `42.0` and `"42"`. No vocabulary
    is kept, so nothing is out of vocabulary; distinct values may share a row (a collision).

    Args:
        name: str. The feature's name. See `CategoricalFeature` for the other arguments.
        num_bins: int. Number of hash bins, the table's rows.

    Example:

    ```python
    city = dc.Hashed("city", num_bins=1000, dim=8)
    x = dc.FeatureSpec([city]).transform({"city": ["Paris", "Lagos"]}, packed=False)
    x["city"].shape  # (2, 1)
    ```
    """

    _: dataclasses.KW_ONLY
    num_bins: int = None

    def __post_init__(self):
        super().__post_init__()
        self.num_bins = _checks.positive_int(self.num_bins, "num_bins", f"Feature '{self.name}'")

    def table_config(self):
        return super().table_config() | {"num_bins": self.num_bins}

    def table_rows(self, learned):
        return self.num_bins

    def lookup(self, keys, prepared):
        rows = hash_rows(keys, self.num_bins)
        return rows, rows < 0

    def lookup_tf(self, keys, prepared):
        return hash_rows_tf(keys, self.num_bins)
