"""CategoricalFeature: base of the kinds that map raw values (keys) to table rows."""

import dataclasses

import numpy as np

from deepcross import _checks
from deepcross.features import cell_keys
from deepcross.features import cell_lists
from deepcross.features import key_codes
from deepcross.features import raw_data
from deepcross.features.embedded_feature import EmbeddedFeature
from deepcross.features.number_keys import int_texts


@dataclasses.dataclass
class CategoricalFeature(EmbeddedFeature):
    """Base of `Categorical`, `IntegerIdentity` and `Hashed`: values are keys, keys are rows.

    A categorical feature reads one column, several columns (one multi-valued feature, such
    as `userGenre1..5`), or one list-valued column (cells holding lists, or strings split by
    `separator`). Every value becomes a key by one policy (`cell_keys.to_keys`): `349`,
    `349.0`, `"349"` and `np.int32(349)` are one key, True is `"1"`; None, NaN, `""` and
    non-finite numbers are missing and leave their slot empty. Subclasses say how a key
    becomes a row (`lookup`) and how many rows there are (`table_rows`).

    Args:
        name: str. The feature's name. See `EmbeddedFeature` for `dim`, `table`, `combiner`.
        columns: sequence of str or None. Columns that together make this feature, any
            names. Defaults to None, meaning the single column `name`.
        max_values: int or None. For one list-valued column: how many values per row are
            kept (later ones are counted as `truncated`). Defaults to None.
        separator: str or None. Splits a string cell into values, e.g. `"|"` for MovieLens
            genres; needs `max_values`. Defaults to None.
    """

    _: dataclasses.KW_ONLY
    columns: tuple | None = None
    max_values: int | None = None
    separator: str | None = None

    def __post_init__(self):
        super().__post_init__()
        owner = f"Feature '{self.name}'"
        if self.columns is not None:
            if isinstance(self.columns, str) or not all(
                isinstance(c, str) and c for c in self.columns
            ):
                raise self.error(
                    f"columns must be a sequence of column names, received columns={self.columns!r}"
                )
            self.columns = tuple(self.columns)
            if not self.columns:
                raise self.error("columns must not be empty, received columns=()")
            if len(set(self.columns)) < len(self.columns):
                raise self.error(f"columns name a column twice: {self.columns!r}")
        if self.max_values is not None:
            self.max_values = _checks.positive_int(self.max_values, "max_values", owner)
            if len(self.source_columns) > 1:
                raise self.error(
                    f"max_values applies to one list-valued column, but columns={self.columns!r}"
                )
        if self.separator is not None:
            if not isinstance(self.separator, str) or not self.separator:
                raise self.error(
                    f"separator must be a non-empty string, received separator={self.separator!r}"
                )
            if self.max_values is None:
                raise self.error(
                    f"separator={self.separator!r} makes a list-valued column, which needs "
                    "max_values (the most values kept per row)"
                )

    @property
    def source_columns(self):
        return self.columns or (self.name,)

    @property
    def length(self):
        return self.max_values or len(self.source_columns)

    # --- What subclasses define -------------------------------------------------------------

    def lookup(self, keys, prepared):
        """Maps an object array of keys to table rows; returns `(rows, is_oov)`."""
        raise NotImplementedError

    def lookup_ints(self, ints, prepared):
        """`lookup` of the keys `str(i)` of an int64 array; override to skip making them."""
        return self.lookup(int_texts(ints), prepared)

    # --- Raw values to rows ---------------------------------------------------------------------

    def keys(self, columns, num_rows):
        """This feature's values as flat `(keys, missing, row, slot)` arrays, and `truncated`.

        `row` and `slot` place each value in the `(num_rows, length)` input.
        """
        if self.max_values is None:
            arrays = [raw_data.column(columns, c, self.name) for c in self.source_columns]
            width = len(arrays)
            row = np.repeat(np.arange(num_rows), width)
            slot = np.tile(np.arange(width), num_rows)
            if all(a.dtype == object for a in arrays):  # Text columns: keyed in one pass.
                keys, missing = cell_keys.to_keys(np.stack(arrays, axis=1).ravel(), self.name, row)
                return keys, missing, row, slot, 0
            parts = [cell_keys.to_keys(a, self.name) for a in arrays]  # Each in its own dtype.
            keys = np.stack([k for k, _ in parts], axis=1).ravel()
            missing = np.stack([m for _, m in parts], axis=1).ravel()
            return keys, missing, row, slot, 0
        cells = raw_data.column(columns, self.source_columns[0], self.name)
        keys, missing, row, slot = cell_lists.split_cells(cells, self.separator, self.name)
        keep = slot < self.max_values
        truncated = int(np.count_nonzero(~keep & ~missing))
        return keys[keep], missing[keep], row[keep], slot[keep], truncated

    def column_codes(self, columns, num_rows):
        """`key_codes.key_codes` of each source column, or None where the flat `keys` serve:
        a list-valued column, a few rows (one request), or a cell that is not a key."""
        if self.max_values is not None or num_rows <= raw_data.FEW_CELLS:
            return None
        found = [self._key_codes(columns, c) for c in self.source_columns]
        return None if any(codes is None for codes in found) else found

    def _key_codes(self, columns, name):
        factorized = raw_data.factorized(columns, name)  # Arrow text: no numpy array made
        if factorized is not None:
            return key_codes.key_codes(None, factorized)
        return key_codes.key_codes(raw_data.column(columns, name, self.name))

    def encode(self, columns, num_rows, prepared):
        by_column = self.column_codes(columns, num_rows)
        if by_column is not None:
            return self._encode_columns(by_column, num_rows, prepared)
        keys, missing, row, slot, truncated = self.keys(columns, num_rows)
        present = ~missing
        ids, oov = self.lookup(keys[present], prepared)
        out = np.full((num_rows, self.length), -1, dtype=np.int32)
        out[row[present], slot[present]] = ids
        counts = {
            "values": int(present.sum()),
            "missing": int(missing.sum()),
            "oov": int(np.count_nonzero(oov)),
            "truncated": truncated,
        }
        return out, counts

    def _encode_columns(self, by_column, num_rows, prepared):
        """`encode` from `column_codes`: ints looked up as ints, other keys once each."""
        out = np.empty((num_rows, self.length), dtype=np.int32)
        counts = dict.fromkeys(["values", "missing", "oov", "truncated"], 0)
        for slot, (ints, codes, keys) in enumerate(by_column):
            if ints is not None and not len(keys) and (codes == key_codes.INT_CELL).all():
                rows, oov = self.lookup_ints(ints, prepared)  # a column of ids
            else:
                key_rows, key_oov = self.lookup(keys, prepared) if len(keys) else ([], [])
                # Codes -2 (INT_CELL, set below) and -1 (missing) pick the two cells appended.
                rows = np.append(np.asarray(key_rows, np.int64), [-1, -1])[codes]
                oov = np.append(np.asarray(key_oov, bool), [False, False])[codes]
                if ints is not None:
                    cells = codes == key_codes.INT_CELL
                    rows[cells], oov[cells] = self.lookup_ints(ints[cells], prepared)
            out[:, slot] = rows
            missing = int(np.count_nonzero(codes == -1))
            counts["values"] += num_rows - missing
            counts["missing"] += missing
            counts["oov"] += int(np.count_nonzero(oov))
        return out, counts

    # --- The same in TensorFlow, for model.export ---------------------------------------------

    @property
    def serving_dtype(self):
        return "string"

    def lookup_tf(self, keys, prepared):
        """`lookup` in TensorFlow ops: a `tf.string` tensor of keys to int64 rows."""
        raise NotImplementedError(
            f"{type(self).__name__} has no TensorFlow lookup (lookup_tf), so a model using it "
            "cannot be exported to serve raw values"
        )

    def encode_tf(self, columns, prepared):
        import tensorflow as tf

        if self.max_values is None:
            parts = [cell_keys.to_keys_tf(columns[c]) for c in self.source_columns]
            keys = tf.reshape(tf.stack([k for k, _ in parts], axis=1), [-1])
            missing = tf.reshape(tf.stack([m for _, m in parts], axis=1), [-1])
            rows = tf.where(missing, tf.constant(-1, tf.int64), self.lookup_tf(keys, prepared))
            return tf.cast(tf.reshape(rows, [-1, self.length]), tf.int32)
        cells = cell_lists.split_cells_tf(columns[self.source_columns[0]], self.separator)
        keys, missing = cell_keys.to_keys_tf(cells.flat_values)
        rows = tf.where(missing, tf.constant(-1, tf.int64), self.lookup_tf(keys, prepared))
        rows = cells.with_flat_values(tf.cast(rows, tf.int32))
        return rows.to_tensor(default_value=-1, shape=[None, self.max_values])
