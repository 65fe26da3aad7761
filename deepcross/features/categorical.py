"""Categorical: a categorical feature looked up in a vocabulary, given or learned."""

import dataclasses
import typing

import keras
import numpy as np
import pandas as pd

from deepcross import _checks
from deepcross.features import cell_keys
from deepcross.features import key_codes
from deepcross.features import raw_data
from deepcross.features.categorical_feature import CategoricalFeature
from deepcross.features.hashing import hash_rows
from deepcross.features.hashing import hash_rows_tf
from deepcross.features.number_keys import int_texts
from deepcross.features.feature import jsonable
from deepcross.features.vocabulary_asset import VocabularyAsset


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class Categorical(CategoricalFeature):
    """A categorical feature whose values are looked up in a vocabulary.

    The vocabulary is either given (`vocabulary=[...]`, strings or numbers) or learned by
    `FeatureSpec.adapt` (`vocabulary=None`): values seen at least `min_count` times, most
    frequent first, ties in key order, at most `max_tokens` of them. Table rows
    `0..num_oov-1` hold out-of-vocabulary values: an unseen value lands there (hashed over
    the slots when `num_oov > 1`), never on another value's row. Values are compared as
    keys (`cell_keys.to_keys`), so `349`, `349.0` and `"349"` are one value.

    Args:
        name: str. The feature's name. See `CategoricalFeature` for `columns`,
            `max_values`, `separator`, and `EmbeddedFeature` for `dim`, `table`, `combiner`.
        vocabulary: sequence of str or numbers, or None. The known values; None learns them
            in `FeatureSpec.adapt`. Defaults to None.
        max_tokens: int or None. Largest learned vocabulary (OOV slots not counted).
            Defaults to None, no limit.
        min_count: int. A value must occur this often to enter a learned vocabulary.
            Defaults to 1.
        num_oov_indices: int. Out-of-vocabulary rows (Keras' word, as in `StringLookup`).
            Defaults to 1.
        num_oov: 0.2's name for `num_oov_indices`, still accepted with a
            `DeprecationWarning`.

    Example:

    ```python
    genre = dc.Categorical("genre", vocabulary=["Action", "Comedy"], dim=4)
    spec = dc.FeatureSpec([genre])
    spec.transform({"genre": ["Comedy", "Western", ""]}, packed=False)["genre"]
    # [[2], [0], [-1]]: Comedy, out of vocabulary, missing
    ```
    """

    _: dataclasses.KW_ONLY
    vocabulary: tuple | None = dataclasses.field(default=None, repr=False)
    max_tokens: int | None = None
    min_count: int = 1
    num_oov_indices: int = 1
    num_oov: dataclasses.InitVar[int | None] = None

    def __post_init__(self, num_oov):
        super().__post_init__()
        owner = f"Feature '{self.name}'"
        if VocabularyAsset.is_config(self.vocabulary):  # Keys in a saved model's asset file.
            self.vocabulary = VocabularyAsset.from_config(self.vocabulary)
        if self.vocabulary is not None and not isinstance(self.vocabulary, VocabularyAsset):
            if isinstance(self.vocabulary, (str, bytes)) or not hasattr(
                self.vocabulary, "__iter__"
            ):
                raise self.error(
                    f"vocabulary must be a sequence of values, received {self.vocabulary!r}"
                )
            vocabulary = tuple(jsonable(v) for v in self.vocabulary)
            if not vocabulary:
                raise self.error("vocabulary must not be empty, received []")
            keys, missing = cell_keys.to_keys(raw_data.object_array(vocabulary), self.name)
            if missing.any():
                raise self.error(
                    "vocabulary holds a missing value (None, NaN or ''), received "
                    f"{vocabulary[int(np.flatnonzero(missing)[0])]!r}"
                )
            duplicated = pd.Series(keys).duplicated()
            if duplicated.any():
                raise self.error(
                    f"vocabulary holds {vocabulary[int(duplicated.idxmax())]!r} twice "
                    f"(as key {keys[int(duplicated.idxmax())]!r})"
                )
            self.vocabulary = vocabulary
        if self.max_tokens is not None:
            self.max_tokens = _checks.positive_int(self.max_tokens, "max_tokens", owner)
        self.min_count = _checks.positive_int(self.min_count, "min_count", owner)
        self.num_oov_indices = _checks.renamed(
            self.num_oov_indices, num_oov, "num_oov_indices", "num_oov", owner, default=1
        )
        self.num_oov_indices = _checks.positive_int(self.num_oov_indices, "num_oov_indices", owner)

    # --- Learning the vocabulary: key counts, merged by addition ------------------------------

    @property
    def state_key(self):
        return self.table.name if self.vocabulary is None else None

    def table_config(self):
        return super().table_config() | {
            "vocabulary": jsonable(self.vocabulary),
            "max_tokens": self.max_tokens,
            "min_count": self.min_count,
            "num_oov_indices": self.num_oov_indices,
        }

    # The state is a list of per-chunk key counts, added up only every MERGE_EVERY chunks and
    # at the end: adding each chunk into the whole vocabulary made adapt quadratic in chunks.
    # A piece (a Series) counts int64 keys, the key of int i being `str(i)`, or text keys: ids
    # are counted as numbers and made text once, in `finish`.
    MERGE_EVERY = 32

    def summarize(self, columns, num_rows):
        by_column = self.column_codes(columns, num_rows)
        if by_column is None:
            keys, missing, _, _, _ = self.keys(columns, num_rows)
            return [_total(keys[~missing], np.ones(np.count_nonzero(~missing)))]
        pieces = []
        for ints, codes, keys in by_column:
            if ints is not None:
                pieces.append(pd.Series(ints[codes == key_codes.INT_CELL]).value_counts(sort=False))
            if len(keys):
                counts = np.bincount(codes[codes >= 0], minlength=len(keys))
                pieces.append(_total(keys[counts > 0], counts[counts > 0]))
        return _add_up(pieces)

    def merge(self, a, b):
        pieces = a + b
        return _add_up(pieces) if len(pieces) > self.MERGE_EVERY else pieces

    def finish(self, pieces):
        texts = [_as_text(p) if _of_ints(p) else p for p in _add_up(pieces)]  # 7 is "7"
        counts = _sum(texts) if texts else _counts(np.empty(0, object), np.empty(0, np.int64))
        keys, counts = counts.index.to_numpy(dtype=object), counts.to_numpy()
        keep = counts >= self.min_count
        keys, counts = keys[keep], counts[keep]
        vocabulary = keys[np.lexsort((keys.astype(str), -counts))].tolist()
        if self.max_tokens is not None:
            vocabulary = vocabulary[: self.max_tokens]
        if not vocabulary:
            raise self.error(
                f"learned an empty vocabulary: no value occurs min_count={self.min_count} "
                "times in the data"
            )
        return vocabulary

    # --- Keys to rows -------------------------------------------------------------------------

    def _vocabulary(self, learned):
        if self.vocabulary is not None:
            return self.vocabulary
        if learned is None:
            raise self.error(
                "learns its vocabulary from data: call spec.adapt(data) before building a "
                "model or transforming data"
            )
        return learned

    def prepare(self, learned):
        """The vocabulary's keys as pandas Indexes, for vectorized lookups (`VocabularyIndex`)."""
        keys = raw_data.object_array(self._vocabulary(learned))
        positions, ints = key_codes.int64_keys(keys)  # "349" is its own key: to_keys skips it
        others = np.ones(len(keys), bool)
        others[positions] = False
        others = np.flatnonzero(others)
        keys[others] = cell_keys.to_keys(keys[others], self.name)[0]
        more, more_ints = key_codes.int64_keys(keys[others])  # 349 and "0349" are keyed "349"
        positions, ints = np.append(positions, others[more]), np.append(ints, more_ints)
        return VocabularyIndex(pd.Index(keys, dtype=object), pd.Index(ints), positions)

    def lookup(self, keys, prepared):
        if len(keys) <= raw_data.FEW_CELLS:  # One request: get_loc skips get_indexer's fixed cost.
            found = np.array([_row(prepared.keys, key) for key in keys], dtype=np.int64)
        else:
            found = prepared.keys.get_indexer(pd.Index(keys, dtype=object))
        return self._rows(found, lambda oov: keys[oov])

    def lookup_ints(self, ints, prepared):
        found = np.append(prepared.int_positions, -1)[prepared.ints.get_indexer(ints)]
        return self._rows(found, lambda oov: int_texts(ints[oov]))

    def _rows(self, found, oov_keys):
        """Table rows from vocabulary positions (-1: unseen); `oov_keys(oov)` for the spill."""
        oov = found < 0
        rows = found + self.num_oov_indices
        if self.num_oov_indices == 1:
            rows[oov] = 0
        elif oov.any():
            rows[oov] = hash_rows(oov_keys(oov), self.num_oov_indices)
        return rows, oov

    def prepare_tf(self, learned):
        """A `tf.lookup.StaticHashTable` of the vocabulary's keys to their rows (-1: unseen)."""
        import tensorflow as tf

        keys = list(self.prepare(learned).keys)
        rows = tf.range(self.num_oov_indices, self.num_oov_indices + len(keys), dtype=tf.int64)
        initializer = tf.lookup.KeyValueTensorInitializer(tf.constant(keys, tf.string), rows)
        return tf.lookup.StaticHashTable(initializer, default_value=-1)

    def lookup_tf(self, keys, table):
        import tensorflow as tf

        rows = table.lookup(keys)
        if self.num_oov_indices == 1:
            spill = tf.zeros_like(rows)
        else:
            spill = hash_rows_tf(keys, self.num_oov_indices)
        return tf.where(rows < 0, spill, rows)

    def table_rows(self, learned):
        return self.num_oov_indices + len(self._vocabulary(learned))

    def row_keys(self, learned):
        count = self.num_oov_indices
        oov = ["[OOV]"] if count == 1 else [f"[OOV{i}]" for i in range(count)]
        return oov + list(self.prepare(learned).keys)


def _row(index, key):
    try:
        return index.get_loc(key)
    except KeyError:
        return -1


class VocabularyIndex(typing.NamedTuple):
    """What `Categorical.prepare` makes: the keys, and those that are int64 texts as ints."""

    keys: pd.Index  # of str; the key at position p is on row p + num_oov_indices
    ints: pd.Index  # of int64: the keys that are `str(i)` of an int64 i
    int_positions: np.ndarray  # the position in `keys` of each of `ints`


def _counts(keys, counts):
    return pd.Series(counts, index=pd.Index(keys, dtype=object), dtype=np.int64)


def _of_ints(counts):
    return counts.index.dtype.kind == "i"


def _as_text(counts):
    return _counts(int_texts(counts.index.to_numpy()), counts.to_numpy())


def _add_up(pieces):
    """Key counts of several chunks summed: a Series for int64 keys, one for text keys."""
    groups = [[p for p in pieces if _of_ints(p)], [p for p in pieces if not _of_ints(p)]]
    return [_sum(group) for group in groups if group]


def _sum(pieces):
    """One Series of counts from several, each key once (as in each piece)."""
    if len(pieces) == 1:
        return pieces[0]
    keys = np.concatenate([p.index.to_numpy() for p in pieces])
    return _total(keys, np.concatenate([p.to_numpy() for p in pieces]))


def _total(keys, counts):
    """Counts added up by key, as a Series; keys in order of first appearance."""
    codes, distinct = pd.factorize(keys)
    total = np.bincount(codes, counts, len(distinct)).astype(np.int64)
    return pd.Series(total, index=pd.Index(distinct, dtype=distinct.dtype))
