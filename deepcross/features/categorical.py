"""Categorical feature looked up in a vocabulary, given or learned from data."""

import dataclasses

import keras
import numpy as np
import pandas as pd

from deepcross.features import _values
from deepcross.features.categorical_feature import CategoricalFeature
from deepcross.features.categorical_feature import check_positive_int
from deepcross.features.categorical_feature import oov_rows


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class Categorical(CategoricalFeature):
    """A categorical feature whose values are looked up in a vocabulary.

    The vocabulary is either given (`vocabulary=[...]`, strings or integers) or learned by
    `FeatureSpec.adapt` (`vocabulary=None`): values seen at least `min_count` times, most
    frequent first, ties in key order, at most `max_tokens` of them. Table rows
    `0..num_oov-1` hold out-of-vocabulary values: an unseen value lands there (hashed over
    the slots when `num_oov > 1`), never on another value's row. Values are compared by
    their text, so `349`, `349.0` and `"349"` are one value.

    Args:
        name: str. The feature's name. See `CategoricalFeature` for `columns`, `combiner`,
            `dim`, `table`, `max_values` and `separator`.
        vocabulary: sequence of str or int, or None. The known values; None learns them in
            `FeatureSpec.adapt`. Defaults to None.
        max_tokens: int or None. Largest learned vocabulary (OOV slots not counted).
            Defaults to None, no limit.
        min_count: int. A value must occur this often to enter a learned vocabulary.
            Defaults to 1.
        num_oov: int. Out-of-vocabulary slots. Defaults to 1.

    Example:

    ```python
    genre = dc.Categorical("genre", vocabulary=["Action", "Comedy"], dim=4)
    genre.to_rows({"genre": np.array(["Comedy", "Western", ""])}, None)[0]
    # array([[ 2], [ 0], [-1]]): Comedy, out of vocabulary, missing
    ```
    """

    vocabulary: tuple | None = dataclasses.field(default=None, repr=False)
    max_tokens: int | None = None
    min_count: int = 1
    num_oov: int = 1

    TABLE_ARGS = ("dim", "vocabulary", "max_tokens", "min_count", "num_oov")

    def __post_init__(self):
        super().__post_init__()
        if self.vocabulary is not None:
            if isinstance(self.vocabulary, str):
                raise ValueError(
                    f"Feature '{self.name}': vocabulary must be a sequence of values, "
                    f"received the string {self.vocabulary!r}"
                )
            self.vocabulary = tuple(_values.jsonable_scalar(v) for v in self.vocabulary)
            if not self.vocabulary:
                raise ValueError(
                    f"Feature '{self.name}': vocabulary must not be empty, received []"
                )
            keys, missing = _values.to_keys(np.asarray(self.vocabulary, dtype=object))
            if missing.any():
                raise ValueError(
                    f"Feature '{self.name}': vocabulary holds a missing value (None, NaN or "
                    f"''), received {self.vocabulary[int(np.flatnonzero(missing)[0])]!r}"
                )
            duplicated = pd.Series(keys).duplicated()
            if duplicated.any():
                raise ValueError(
                    f"Feature '{self.name}': vocabulary holds {keys[duplicated.idxmax()]!r} "
                    "more than once"
                )
        if self.max_tokens is not None:
            check_positive_int(self.name, "max_tokens", self.max_tokens)
        check_positive_int(self.name, "min_count", self.min_count)
        check_positive_int(self.name, "num_oov", self.num_oov)

    @property
    def learns_vocabulary(self):
        return self.vocabulary is None

    def learn_vocabulary(self, counts):
        """The learned vocabulary from a Series of counts indexed by key."""
        counts = counts[counts >= self.min_count]
        order = np.lexsort((counts.index.to_numpy(dtype=str), -counts.to_numpy()))
        vocabulary = [str(k) for k in counts.index.to_numpy()[order]]
        if self.max_tokens is not None:
            vocabulary = vocabulary[: self.max_tokens]
        if not vocabulary:
            raise ValueError(
                f"Feature '{self.name}' learned an empty vocabulary: no value occurs "
                f"min_count={self.min_count} times in the data"
            )
        return vocabulary

    def table_size(self, vocabulary):
        return self.num_oov + len(self._vocabulary(vocabulary))

    def _vocabulary(self, learned):
        if self.vocabulary is not None:
            return self.vocabulary
        if learned is None:
            raise ValueError(
                f"Feature '{self.name}' learns its vocabulary from data: call "
                "spec.adapt(data) before building a model or transforming data"
            )
        return learned

    def index(self, learned):
        """A pandas Index of the vocabulary keys, for vectorized hash lookups."""
        keys, _ = _values.to_keys(np.asarray(self._vocabulary(learned), dtype=object))
        return pd.Index(keys)

    def lookup(self, keys, vocabulary):
        index = vocabulary if isinstance(vocabulary, pd.Index) else self.index(vocabulary)
        rows = index.get_indexer(keys)
        oov = rows < 0
        rows = np.where(oov, oov_rows(keys, self.num_oov), rows + self.num_oov)
        return rows, oov
