"""PretrainedVectors: the given starting vectors of a `Table`, keyed by value."""

import collections.abc
import os

import numpy as np
import pandas as pd
from keras import ops

from deepcross.features import values


class PretrainedVectors:
    """Vectors a table starts from, one per key: what `Table(vectors=...)` holds.

    Keys are canonical keys of the value policy (`values.to_keys`: `349`, `349.0` and
    `"349"` are one key), matched against the table's row labels, the keys
    `model.embedding_table(name)` shows: vocabulary keys and `"[OOV]"` for `Categorical`,
    ids for `IntegerIdentity`, bin numbers for `Hashed` and `Crossed`, bucket ranges for
    `Bucketized`. So vectors taken out of one model (`embedding_table(name, format="arrays")`)
    start a table of another.

    In a saved model the vectors are an asset file of the layer that owns the spec (as long
    vocabularies are), not part of `config.json`; until the asset is read, the object stands
    for them with its file name, size and width (`keys` and `matrix` are None).

    Args:
        keys: sequence of keys (str or numbers), each once.
        matrix: array-like of shape `(len(keys), width)`, finite numbers.
        owner: str. Who holds the vectors, for error messages.
    """

    def __init__(self, keys, matrix, owner="Table"):
        matrix = np.asarray(matrix, dtype=np.float32)
        keys = values.object_array(list(keys))
        if matrix.ndim != 2 or matrix.shape[0] != len(keys) or matrix.shape[1] == 0:
            raise ValueError(
                f"{owner}: vectors must be a matrix of one row per key, received "
                f"{len(keys)} keys and a matrix of shape {matrix.shape}"
            )
        if not len(keys):
            raise ValueError(f"{owner}: vectors must hold at least one key, received none")
        if not np.isfinite(matrix).all():
            row = int(np.flatnonzero(~np.isfinite(matrix).all(axis=1))[0])
            raise ValueError(f"{owner}: the vector of key {keys[row]!r} holds NaN or inf")
        canonical, missing = values.to_keys(keys, owner)
        if missing.any():
            raise ValueError(
                f"{owner}: vectors are keyed by a missing value (None, NaN or ''), received "
                f"{keys[int(np.flatnonzero(missing)[0])]!r}"
            )
        duplicated = pd.Series(canonical).duplicated()
        if duplicated.any():
            at = int(duplicated.idxmax())
            raise ValueError(
                f"{owner}: vectors hold key {keys[at]!r} twice (as key {canonical[at]!r})"
            )
        self.keys = tuple(canonical.tolist())
        self.matrix = matrix
        self.asset, self.size, self.width = None, len(keys), matrix.shape[1]

    @classmethod
    def make(cls, vectors, owner="Table"):
        """`PretrainedVectors` from a mapping `{key: vector}`, a pair `(keys, matrix)`, a
        pandas DataFrame indexed by key, a config (`get_config`, `asset_config`) or itself."""
        if vectors is None or isinstance(vectors, PretrainedVectors):
            return vectors
        if isinstance(vectors, pd.DataFrame):
            return cls(vectors.index, vectors.to_numpy(), owner)
        if isinstance(vectors, collections.abc.Mapping):
            if set(vectors) == {"asset", "size", "width"}:
                placeholder = cls.__new__(cls)
                placeholder.keys = placeholder.matrix = None
                placeholder.asset = vectors["asset"]
                placeholder.size, placeholder.width = int(vectors["size"]), int(vectors["width"])
                return placeholder
            if set(vectors) == {"keys", "vectors"}:
                return cls(vectors["keys"], vectors["vectors"], owner)
            keys = list(vectors)
            rows = [np.asarray(vectors[k], np.float32) for k in keys]
            if len({r.shape for r in rows}) > 1:
                raise ValueError(
                    f"{owner}: vectors must all be of one width, received widths "
                    f"{sorted({r.shape[-1] if r.ndim else 0 for r in rows})}"
                )
            return cls(keys, np.stack(rows) if rows else np.zeros((0, 0)), owner)
        if isinstance(vectors, (tuple, list)) and len(vectors) == 2:
            return cls(vectors[0], vectors[1], owner)
        raise ValueError(
            f"{owner}: vectors must be a mapping of key to vector, a pair (keys, matrix) or a "
            f"DataFrame indexed by key, received {type(vectors).__name__}"
        )

    @property
    def is_loaded(self):
        """False for a saved model's placeholder whose asset was not read."""
        return self.matrix is not None

    def __len__(self):
        return self.size

    def get_config(self):
        """JSON-ready: every key and vector (lists), or the placeholder's asset, size, width."""
        if not self.is_loaded:
            return {"asset": self.asset, "size": self.size, "width": self.width}
        return {"keys": list(self.keys), "vectors": self.matrix.tolist()}

    def asset_config(self, file):
        """The config that a saved model holds: the asset file's name, the size and width."""
        return {"asset": file, "size": self.size, "width": self.width}

    def write(self, directory, file):
        """Writes the keys and vectors to `directory/file` (numpy `.npz`)."""
        with open(os.path.join(directory, file), "wb") as out:
            np.savez(out, keys=np.asarray(self.keys, dtype=str), matrix=self.matrix)

    def read(self, directory):
        """The vectors of the placeholder's asset file in `directory`."""
        with np.load(os.path.join(directory, self.asset)) as data:
            return PretrainedVectors(data["keys"].tolist(), data["matrix"])

    def placed(self, row_keys):
        """Where the vectors go in a table whose rows are labelled `row_keys`.

        Returns:
            A tuple `(rows, found)`: the table row of each key found (int32), and a bool
            array over the keys, True where the table has the key.
        """
        rows = pd.Index(list(row_keys), dtype=object).get_indexer(list(self.keys))
        found = rows >= 0
        return rows[found].astype(np.int32), found

    def __eq__(self, other):
        if other is self:
            return True
        if not isinstance(other, PretrainedVectors):
            return False
        if not (self.is_loaded and other.is_loaded):
            return self.get_config() == other.get_config()
        return self.keys == other.keys and np.array_equal(self.matrix, other.matrix)

    __hash__ = None


class PretrainedInitializer:
    """An initializer: `initializer`'s values, with given vectors on given rows."""

    def __init__(self, initializer, rows, matrix):
        self.initializer, self.rows, self.matrix = initializer, rows, matrix

    def __call__(self, shape, dtype=None):
        start = self.initializer(shape, dtype=dtype)
        if not len(self.rows):
            return start
        updates = ops.cast(ops.convert_to_tensor(self.matrix), start.dtype)
        return ops.scatter_update(start, ops.convert_to_tensor(self.rows[:, None]), updates)
