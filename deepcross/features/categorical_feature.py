"""Base class of the categorical feature kinds: columns, pooling and the embedding table."""

import dataclasses

import numpy as np
import pandas as pd

from deepcross.features import _values

COMBINERS = ("sum", "mean", "sqrtn")


def auto_dim(table_size):
    """The embedding width that `dim="auto"` picks for a table of `table_size` rows.

    The fast.ai rule of thumb, `round(1.6 * table_size ** 0.56)`, kept between 2 and 64:
    a 20-genre table gets 9, a 610-user table 58, a 9,742-movie table 64.
    """
    return int(min(64, max(2, round(1.6 * table_size**0.56))))


@dataclasses.dataclass
class CategoricalFeature:
    """Common part of `Categorical`, `IntegerIdentity` and `Hashed`.

    A categorical feature reads one column, several columns (one logical multi-valued feature,
    such as `userGenre1..5`) or one list-valued column, maps each value to a row of an
    embedding table, and pools the rows of a multi-valued feature with `combiner`. Missing
    values (None, NaN, "") and empty slots are masked out: they add nothing to the pool.

    Subclasses say how a value becomes a row (`lookup`) and how many rows there are
    (`table_size`). Features that name the same `table` share one embedding table; they must
    then declare the same table arguments (kind, vocabulary or size, and `dim`).

    Args:
        name: str. The feature's name, also the name of the model input it becomes.
        columns: sequence of str or None. Columns that together make this feature. Defaults
            to None, meaning the single column `name`.
        combiner: str. How a multi-valued feature pools its embeddings: `"sum"`, `"mean"` or
            `"sqrtn"` (sum divided by the square root of the number of values). Defaults to
            `"mean"`.
        dim: int or `"auto"`. Embedding width; `"auto"` applies `auto_dim` to the table size.
            Defaults to `"auto"`.
        table: str or None. Name of a table shared with other features. Defaults to None,
            meaning a table of this feature's own, named after it.
        max_values: int or None. For one list-valued column (cells holding lists, or strings
            split by `separator`): how many values per row are kept. Defaults to None.
        separator: str or None. Splits a string cell into values, e.g. `"|"` for MovieLens
            genres. Defaults to None.
    """

    name: str
    _: dataclasses.KW_ONLY
    columns: tuple | None = None
    combiner: str = "mean"
    dim: int | str = "auto"
    table: str | None = None
    max_values: int | None = None
    separator: str | None = None

    # Arguments that describe the table rather than the feature (subclasses extend this).
    TABLE_ARGS = ("dim",)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"A feature name must be a non-empty string, received {self.name!r}")
        if self.columns is not None:
            if isinstance(self.columns, str) or not all(
                isinstance(c, str) and c for c in self.columns
            ):
                raise ValueError(
                    f"Feature '{self.name}': columns must be a sequence of column names, "
                    f"received columns={self.columns!r}"
                )
            self.columns = tuple(self.columns)
            if not self.columns:
                raise ValueError(f"Feature '{self.name}': columns must not be empty")
        if self.combiner not in COMBINERS:
            raise ValueError(
                f"Feature '{self.name}': combiner must be one of {COMBINERS}, "
                f"received combiner={self.combiner!r}"
            )
        check_dim(self.name, self.dim)
        if self.table is not None and (not isinstance(self.table, str) or not self.table):
            raise ValueError(
                f"Feature '{self.name}': table must be a non-empty string, received "
                f"table={self.table!r}"
            )
        if self.max_values is not None:
            if not isinstance(self.max_values, int) or self.max_values < 1:
                raise ValueError(
                    f"Feature '{self.name}': max_values must be a positive integer, "
                    f"received max_values={self.max_values!r}"
                )
            if self.columns is not None and len(self.columns) > 1:
                raise ValueError(
                    f"Feature '{self.name}': max_values applies to one list-valued column, "
                    f"but columns={self.columns!r} were given"
                )
        if self.separator is not None and self.max_values is None:
            raise ValueError(
                f"Feature '{self.name}': separator={self.separator!r} makes a list-valued "
                "column, which needs max_values (the most values kept per row)"
            )

    @property
    def table_name(self):
        """Name of the embedding table this feature looks up."""
        return self.table or self.name

    @property
    def source_columns(self):
        """The data columns this feature reads."""
        return self.columns or (self.name,)

    @property
    def length(self):
        """Number of values per example: the width of this feature's model input."""
        return self.max_values or len(self.source_columns)

    def table_config(self):
        """The table arguments, compared between features that share a table."""
        return {"kind": type(self).__name__} | {
            arg: _jsonable(getattr(self, arg)) for arg in self.TABLE_ARGS
        }

    def feature_config(self):
        """The arguments that belong to this feature alone, not to its table."""
        fields = [f.name for f in dataclasses.fields(self)]
        return {
            name: _jsonable(getattr(self, name))
            for name in fields
            if name not in self.TABLE_ARGS
        }

    def get_config(self):
        return self.feature_config() | self.table_config()

    @classmethod
    def from_config(cls, config):
        config = {k: v for k, v in config.items() if k != "kind"}
        return cls(**config)

    # --- What the subclasses define -------------------------------------------------------

    @property
    def learns_vocabulary(self):
        """Whether `FeatureSpec.adapt` must learn this feature's table from data."""
        return False

    def table_size(self, vocabulary):
        """Rows in the table, given the learned vocabulary (None when nothing is learned)."""
        raise NotImplementedError

    def lookup(self, keys, vocabulary):
        """Maps an array of string keys to table rows; returns (rows, is_oov)."""
        raise NotImplementedError

    def embedding_dim(self, vocabulary):
        """The embedding width, `dim` or the `"auto"` rule applied to the table size."""
        if self.dim == "auto":
            return auto_dim(self.table_size(vocabulary))
        return self.dim

    # --- Raw values to rows ---------------------------------------------------------------

    def raw_values(self, data):
        """Reads this feature's values from `data` as (keys, missing, row, slot) arrays.

        `row` and `slot` give each value's position in the `(num_rows, length)` output.
        """
        if self.max_values is None:
            arrays = [_values.column(data, c, self.name) for c in self.source_columns]
            n = len(arrays[0])
            keys, missing = zip(*(_values.to_keys(a) for a in arrays))
            # Column-major stacking then transposing keeps slot order = column order.
            keys = np.stack(keys, axis=1).ravel()
            missing = np.stack(missing, axis=1).ravel()
            row = np.repeat(np.arange(n), len(arrays))
            slot = np.tile(np.arange(len(arrays)), n)
            return keys, missing, row, slot, 0
        cells = pd.Series(_values.column(data, self.source_columns[0], self.name), dtype=object)
        if self.separator is not None:
            cells = cells.str.split(self.separator, regex=False)
        # explode() puts each value of a list cell on its own line and keeps scalars as they
        # are; the repeated index is the row, the running count within a row is the slot.
        exploded = cells.explode()
        row = exploded.index.to_numpy()
        slot = exploded.groupby(level=0).cumcount().to_numpy()
        keys, missing = _values.to_keys(exploded.to_numpy(dtype=object))
        truncated = int(np.count_nonzero((slot >= self.max_values) & ~missing))
        keep = slot < self.max_values
        return keys[keep], missing[keep], row[keep], slot[keep], truncated

    def to_rows(self, data, vocabulary):
        """Raw values to a `(num_rows, length)` int32 array of table rows, -1 where empty.

        Returns:
            The rows and a dict of counts: `values`, `missing`, `oov`, `truncated`.
        """
        keys, missing, row, slot, truncated = self.raw_values(data)
        n = _values.num_rows(data)
        ids, oov = self.lookup(keys[~missing], vocabulary)
        out = np.full((n, self.length), -1, dtype=np.int32)
        present = ~missing
        out[row[present], slot[present]] = ids
        counts = {
            "values": int(present.sum()),
            "missing": int(missing.sum()),
            "oov": int(np.count_nonzero(oov)),
            "truncated": truncated,
        }
        return out, counts

    def count_values(self, data):
        """Counts of each present key in `data`, for learning a vocabulary."""
        keys, missing, _, _, _ = self.raw_values(data)
        return pd.Series(keys[~missing]).value_counts(sort=False)


def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return _values.jsonable_scalar(value)


def oov_rows(keys, num_oov):
    """Rows `0..num_oov-1` for unknown keys: a stable hash spreads them over the OOV slots."""
    if num_oov == 1:
        return np.zeros(len(keys), dtype=np.int64)
    return hash_rows(keys, num_oov)


def is_positive_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0


def check_positive_int(feature, arg, value):
    if not is_positive_int(value):
        raise ValueError(
            f"Feature '{feature}': {arg} must be a positive integer, received {arg}={value!r}"
        )


def hash_rows(keys, num_bins):
    """Rows of a hashed table: a stable 64-bit SipHash of the key, modulo `num_bins`."""
    hashed = pd.util.hash_array(np.asarray(keys, dtype=object), categorize=False)
    return (hashed % np.uint64(num_bins)).astype(np.int64)


def check_dim(feature, dim):
    if dim != "auto" and not is_positive_int(dim):
        raise ValueError(
            f"Feature '{feature}': dim must be a positive integer or 'auto', received dim={dim!r}"
        )
