"""Raw data of every shape users pass, as columns of 1-D numpy arrays, by one path.

`FeatureSpec.adapt`, `FeatureSpec.transform` and the models' raw-data paths accept a pandas
DataFrame, a dict of columns, a dict of single values, a list of records or a pandas Series.
This module turns each into a `Columns` mapping of 1-D numpy arrays (`as_columns`), each
column read once, when a feature first asks for it (`column`), and says clearly what is wrong
with anything else. The value policy (`cell_keys`, `cell_numbers`, `cell_lists`) starts from
those arrays; nothing here decides what a cell means.
"""

import difflib
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from deepcross import _messages

_COLUMN_TYPES = (list, tuple, range, pd.Series, pd.Index, pd.api.extensions.ExtensionArray)
FEW_CELLS = 16  # Up to this many text or object cells, handling them one by one is fastest.


# --- Data to columns ----------------------------------------------------------------------


class Columns(Mapping):
    """Read-only columns by name; each becomes a 1-D numpy array when first read."""

    def __init__(self, sources, num_rows):
        self._sources = sources  # name -> array, or a function that makes it
        self._arrays = {}
        self.num_rows = num_rows

    def __getitem__(self, name):
        if name not in self._arrays:
            source = self._sources[name]
            self._arrays[name] = source() if callable(source) else source
        return self._arrays[name]

    def factorized(self, name):
        """Column `name` as `pd.factorize` gives it, when its source has that at hand (Arrow
        text, dictionary-encoded), else None: `(codes, distinct)`, code -1 where missing."""
        factorize = getattr(self._sources.get(name), "factorize", None)
        return None if factorize is None else factorize()

    def __contains__(self, name):
        return name in self._sources

    def __iter__(self):
        return iter(self._sources)

    def __len__(self):
        return len(self._sources)

    def __repr__(self):
        return f"Columns({list(self._sources)}, num_rows={self.num_rows})"


def as_columns(data):
    """Normalizes raw data to `(columns, num_rows)`.

    Accepts a pandas DataFrame; a dict of columns (numpy arrays, lists, tuples or Series); a
    dict of single values (one row); a list of dicts (records, a missing key is a missing
    value); or a pandas Series (one row, its index naming the columns). Column names are read
    as `str(name)`. A DataFrame's data is not copied: a column becomes a numpy array when read.

    Returns:
        A `Columns` mapping (`columns[name]` is a 1-D numpy array; an unknown name raises
        KeyError) and the number of rows, which may be 0.

    Raises:
        ValueError: for an unsupported type, columns of different lengths, names that are not
            unique as text, or a 2-D array of more than one column.
    """
    if isinstance(data, Columns):
        return data, data.num_rows
    if isinstance(data, pd.DataFrame):
        names = _unique_names(data.columns, "DataFrame")
        sources = {name: _frame_source(data, i) for i, name in enumerate(names)}
        return Columns(sources, len(data)), len(data)
    if isinstance(data, pd.Series):
        return _one_row(_unique_names(data.index, "Series index"), data.tolist())
    if isinstance(data, list):
        odd = next((i for i, record in enumerate(data) if not isinstance(record, Mapping)), None)
        if odd is not None:
            raise ValueError(
                f"A list of rows must hold dicts (records); item {odd} is {_messages.describe(data[odd])}"
            )
        return _records(data)
    if not isinstance(data, Mapping):
        raise ValueError(
            "Data must be a pandas DataFrame, a dict of columns (numpy arrays, lists or Series), "
            "a dict of single values (one row), a list of dicts (records) or a pandas Series "
            f"(one row); received {_messages.describe(data)}"
        )
    names, cells = _unique_names(data.keys(), "dict"), list(data.values())
    is_column = [_is_column(value, name) for name, value in zip(names, cells)]
    if names and not any(is_column):
        return _one_row(names, cells)
    if not all(is_column):
        scalars = [name for name, column in zip(names, is_column) if not column]
        raise ValueError(
            f"Data mixes columns with single values ({_messages.names_text(scalars)}): give every column as "
            "a list or array, or one row as a dict of single values; for one row with a "
            "list-valued cell, pass a list holding one dict"
        )
    sources, lengths = {}, {}
    for name, value in zip(names, cells):
        if isinstance(value, (list, tuple)):
            sources[name] = lambda value=value: object_array(value)
        else:
            sources[name] = as_array(value, f"Column '{name}'")
        lengths[name] = len(value) if isinstance(value, (list, tuple)) else len(sources[name])
    num_rows = _common_length(lengths)
    return Columns(sources, num_rows), num_rows


def column(columns, name, feature):
    """The 1-D numpy array of column `name`, or a ValueError naming `feature` and the column."""
    columns, _ = as_columns(columns)
    require(columns, name, feature)
    return columns[str(name)]


def require(columns, name, feature):
    """Checks that `columns` has column `name`, without reading it: a ValueError naming
    `feature`, the column, the columns present and the closest name."""
    if str(name) in columns:
        return
    present = list(columns)
    shown = ", ".join(repr(n) for n in present[:20])
    if len(present) > 20:
        shown += f", ... ({len(present) - 20} more)"
    close = difflib.get_close_matches(str(name), present, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise ValueError(
        f"Feature '{feature}' needs column '{name}', which the data does not have. "
        f"Columns present: [{shown}].{hint}"
    )


def factorized(columns, name):
    """`Columns.factorized` of column `name`, or None (for data that is not `Columns`)."""
    return columns.factorized(str(name)) if isinstance(columns, Columns) else None


class ArrowText:
    """A column source: an Arrow array of text (dictionary-encoded or not), as numpy objects
    (`na_value` where null), each distinct text made once, and its `pd.factorize` from the
    dictionary encoding (its distinct texts may hold some twice, or some no cell holds)."""

    def __init__(self, array, na_value):
        if hasattr(array, "combine_chunks"):  # a ChunkedArray: one dictionary for all
            array = array.combine_chunks()
        self._array, self._na_value, self._factorized = array, na_value, None

    def factorize(self):
        if self._factorized is None:
            encoded = self._array
            if not hasattr(encoded, "indices"):  # not a DictionaryArray yet
                encoded = encoded.dictionary_encode()
            codes = encoded.indices.fill_null(-1).to_numpy().astype(np.int64)
            self._factorized = codes, encoded.dictionary.to_numpy(zero_copy_only=False)
        return self._factorized

    def __call__(self):
        codes, distinct = self.factorize()
        return np.append(distinct, np.array([self._na_value], object))[codes]


def _frame_source(frame, i):
    """Column `i` of a DataFrame: an `ArrowText` for Arrow text, else a function that reads it."""
    long = len(frame) > FEW_CELLS and hasattr(frame, "_get_column_array")
    array = frame._get_column_array(i) if long else None  # one request: read when used
    if isinstance(array, pd.arrays.ArrowStringArray):
        import pyarrow as pa

        return ArrowText(pa.array(array), array.dtype.na_value)
    return lambda: _frame_column(frame, i)


def _frame_column(frame, i):
    """Column `i` of a DataFrame as a 1-D numpy array, without `iloc` where pandas allows.

    `DataFrame.iloc[:, i]` builds a Series through pandas' indexing machinery (and deep-copies
    the frame's `attrs` into it): on a one-row serving request that was most of
    `FeatureSpec.transform`'s time. pandas' own column accessor skips both.
    """
    array = frame._get_column_array(i) if hasattr(frame, "_get_column_array") else None
    if isinstance(array, np.ndarray):
        array = array.view()
        array.flags.writeable = False  # A view of the caller's frame, as `to_numpy` gives.
        return array
    return series_array(frame.iloc[:, i] if array is None else pd.Series(array, copy=False))


def _unique_names(labels, where):
    labels = list(labels)
    names = [str(label) for label in labels]
    seen = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    name, times = max(seen.items(), key=lambda item: item[1], default=("", 0))
    if times > 1:
        same = [label for label in labels if str(label) == name]
        raise ValueError(
            f"Column names must be unique as text, but the {where} has column '{name}' "
            f"{times} times (labels {same!r})"
        )
    return names


def _is_column(value, name):
    if isinstance(value, np.ndarray):
        return value.ndim > 0
    if isinstance(value, _COLUMN_TYPES):
        return True
    if isinstance(value, (set, frozenset, Mapping)):
        raise ValueError(
            f"Column '{name}' is {_messages.describe(value)}; a column must be a numpy array, a list, a "
            "tuple or a pandas Series"
        )
    return hasattr(value, "__array__") and not isinstance(value, np.generic) and np.ndim(value) > 0


def _one_row(names, cells):
    unwrap = [v[()] if isinstance(v, np.ndarray) else v for v in cells]
    return Columns({n: object_array([v]) for n, v in zip(names, unwrap)}, 1), 1


def _records(records):
    keys = list(dict.fromkeys(key for record in records for key in record))
    names = _unique_names(keys, "records")
    sources = {
        name: object_array([record.get(key) for record in records])
        for name, key in zip(names, keys)
    }
    return Columns(sources, len(records)), len(records)


def _common_length(lengths):
    by_length = {}
    for name, length in lengths.items():
        by_length.setdefault(length, []).append(name)
    if len(by_length) > 1:
        parts = "; ".join(
            f"{_messages.rows_text(n)} in {_messages.names_text(names)}"
            for n, names in by_length.items()
        )
        raise ValueError(f"Columns have different lengths: {parts}")
    return next(iter(by_length), 0)


def is_file_source(data):
    """True for a path (str or `os.PathLike`) or a non-empty list or tuple of paths."""
    if isinstance(data, (str, os.PathLike)):
        return True
    return (
        isinstance(data, (list, tuple))
        and len(data) > 0
        and all(isinstance(item, (str, os.PathLike)) for item in data)
    )


# --- Cells as 1-D arrays --------------------------------------------------------------------


def as_array(cells, what):
    """Any column-like value as a 1-D numpy array (a `(n, 1)` array is flattened)."""
    if isinstance(cells, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        return series_array(pd.Series(cells, copy=False))
    if isinstance(cells, (list, tuple)):
        return object_array(cells)
    cells = np.asarray(cells)
    if cells.ndim == 2 and cells.shape[1] == 1:
        return cells[:, 0]
    if cells.ndim != 1:
        raise ValueError(
            f"{what} must be one column, received an array of shape {cells.shape} (a (n, 1) "
            "array is fine)"
        )
    return cells


def series_array(series):
    """A Series as numpy; nullable integers with gaps stay exact (as objects, not float64)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) and series.hasnans:
        codes = series.cat.codes.to_numpy()
        categories = np.append(dtype.categories.to_numpy(dtype=object), None)
        return categories[codes]  # code -1, a gap, picks the None at the end
    if not isinstance(dtype, np.dtype) and dtype.kind in "iu" and series.hasnans:
        return series.to_numpy(dtype=object, na_value=None)
    return series.to_numpy()


def object_array(items):
    """A sequence as a 1-D object array, one cell per item (lists stay cells)."""
    return np.fromiter(items, dtype=object, count=len(items))


def object_cells(cells):
    """A non-numeric array as objects: text as str, dates and the like as numpy scalars."""
    if cells.dtype.kind in "mMcV":  # astype(object) would turn datetime64[ns] into ints
        return object_array(list(cells))
    return cells.astype(object, copy=False)


def decoded(cells):
    """An object array's missing cells and the kind pandas infers for it (`"string"`,
    `"integer"`, ...), with bytes cells as str when all are UTF-8 (`"mixed"` when some are
    not: the caller's cell-by-cell path names the bad one).

    Returns:
        A tuple `(cells, na, inferred)`.
    """
    na = pd.isna(cells)
    inferred = pd.api.types.infer_dtype(cells, skipna=True)
    if inferred != "bytes":
        return cells, na, inferred
    try:
        text = [None if skip else cell.decode() for cell, skip in zip(cells, na)]
        return object_array(text), na, "string"
    except UnicodeDecodeError:
        return cells, na, "mixed"
