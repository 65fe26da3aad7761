"""IntegerIdentity: a categorical feature whose values are already integer ids."""

import dataclasses

import keras
import numpy as np
import pandas as pd

from deepcross import _checks
from deepcross.features.categorical_feature import CategoricalFeature


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class IntegerIdentity(CategoricalFeature):
    """A categorical feature whose values are integer ids in `[0, num_tokens)`.

    Id `i` uses table row `i + 1`; row 0 is the out-of-vocabulary row, where an id at or
    past `num_tokens`, a negative id, or a value that is not an integer (`"abc"`, `3.5`)
    lands. `7`, `7.0`, `"7"` and `np.uint8(7)` are id 7; ids beyond int64 are out of range,
    never wrapped. Nothing is learned.

    Args:
        name: str. The feature's name. See `CategoricalFeature` for the other arguments.
        num_tokens: int. Number of valid ids (Keras' word, as in `CategoryEncoding`).
        num_buckets: 0.2's name for `num_tokens`, still accepted with a `DeprecationWarning`.

    Example:

    ```python
    slot = dc.IntegerIdentity("slot", num_tokens=3, dim=4)
    dc.FeatureSpec([slot]).transform({"slot": [0, 2.0, 7]}, packed=False)["slot"]  # [[1], [3], [0]]
    ```
    """

    _: dataclasses.KW_ONLY
    num_tokens: int = None
    num_buckets: dataclasses.InitVar[int | None] = None

    def __post_init__(self, num_buckets):
        super().__post_init__()
        self.num_tokens = _checks.renamed(
            self.num_tokens, num_buckets, "num_tokens", "num_buckets", f"Feature '{self.name}'"
        )
        self.num_tokens = _checks.positive_int(
            self.num_tokens, "num_tokens", f"Feature '{self.name}'"
        )

    def table_config(self):
        return super().table_config() | {"num_tokens": self.num_tokens}

    def table_rows(self, learned):
        return self.num_tokens + 1

    def row_keys(self, learned):
        return ["[OOV]"] + [str(i) for i in range(self.num_tokens)]

    def lookup(self, keys, prepared):
        # Keys of integers are their decimal text; anything else parses to NaN or a non-integer.
        ids = pd.to_numeric(pd.Series(keys, dtype=object), errors="coerce").to_numpy(float)
        ok = (ids == np.floor(ids)) & (ids >= 0) & (ids < self.num_tokens)
        return np.where(ok, np.where(ok, ids, -1).astype(np.int64) + 1, 0), ~ok

    def lookup_ints(self, ints, prepared):
        ok = (ints >= 0) & (ints < self.num_tokens)
        return np.where(ok, ints + 1, 0), ~ok

    @property
    def serving_dtype(self):
        return "int64"

    def lookup_tf(self, keys, prepared):
        import tensorflow as tf

        # Canonical keys of integers are "-"? and digits; 18 digits or fewer fit int64.
        number = tf.strings.regex_full_match(keys, "-?[0-9]{1,18}")
        ids = tf.strings.to_number(tf.where(number, keys, "-1"), tf.int64)
        ok = number & (ids >= 0) & (ids < self.num_tokens)
        return tf.where(ok, ids + 1, tf.zeros_like(ids))
