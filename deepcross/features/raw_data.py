"""Raw data of every shape users pass, as columns: one normalization, used by every entry point.

`FeatureSpec.adapt`, `FeatureSpec.transform` and the models' raw-data paths accept a pandas
DataFrame, a dict of columns, a dict of single values, a list of records or a pandas Series,
and chunked sources of those. This module turns each into a `Columns` mapping of 1-D numpy
arrays, and says clearly what is wrong with anything else.
"""

import difflib
import os
from collections.abc import Mapping

import keras
import numpy as np
import pandas as pd

from deepcross.features import values

_COLUMN_TYPES = (list, tuple, range, pd.Series, pd.Index, pd.api.extensions.ExtensionArray)


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
                f"A list of rows must hold dicts (records); item {odd} is {values.describe(data[odd])}"
            )
        return _records(data)
    if not isinstance(data, Mapping):
        raise ValueError(
            "Data must be a pandas DataFrame, a dict of columns (numpy arrays, lists or Series), "
            "a dict of single values (one row), a list of dicts (records) or a pandas Series "
            f"(one row); received {values.describe(data)}"
        )
    names, cells = _unique_names(data.keys(), "dict"), list(data.values())
    is_column = [_is_column(value, name) for name, value in zip(names, cells)]
    if names and not any(is_column):
        return _one_row(names, cells)
    if not all(is_column):
        scalars = [name for name, column in zip(names, is_column) if not column]
        raise ValueError(
            f"Data mixes columns with single values ({values.names_text(scalars)}): give every column as "
            "a list or array, or one row as a dict of single values; for one row with a "
            "list-valued cell, pass a list holding one dict"
        )
    sources, lengths = {}, {}
    for name, value in zip(names, cells):
        if isinstance(value, (list, tuple)):
            sources[name] = lambda value=value: values.object_array(value)
        else:
            sources[name] = values.as_array(value, f"Column '{name}'")
        lengths[name] = len(value) if isinstance(value, (list, tuple)) else len(sources[name])
    num_rows = _common_length(lengths)
    return Columns(sources, num_rows), num_rows


def column(columns, name, feature):
    """The 1-D numpy array of column `name`, or a ValueError naming `feature` and the column."""
    columns, _ = as_columns(columns)
    if str(name) in columns:
        return columns[str(name)]
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
    long = len(frame) > values.FEW_CELLS and hasattr(frame, "_get_column_array")
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
    return values.series_array(frame.iloc[:, i] if array is None else pd.Series(array, copy=False))


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
            f"Column '{name}' is {values.describe(value)}; a column must be a numpy array, a list, a "
            "tuple or a pandas Series"
        )
    return hasattr(value, "__array__") and not isinstance(value, np.generic) and np.ndim(value) > 0


def _one_row(names, cells):
    unwrap = [v[()] if isinstance(v, np.ndarray) else v for v in cells]
    return Columns({n: values.object_array([v]) for n, v in zip(names, unwrap)}, 1), 1


def _records(records):
    keys = list(dict.fromkeys(key for record in records for key in record))
    names = _unique_names(keys, "records")
    sources = {
        name: values.object_array([record.get(key) for record in records])
        for name, key in zip(names, keys)
    }
    return Columns(sources, len(records)), len(records)


def _common_length(lengths):
    by_length = {}
    for name, length in lengths.items():
        by_length.setdefault(length, []).append(name)
    if len(by_length) > 1:
        parts = "; ".join(
            f"{values.rows_text(n)} in {values.names_text(names)}" for n, names in by_length.items()
        )
        raise ValueError(f"Columns have different lengths: {parts}")
    return next(iter(by_length), 0)


def iter_chunks(data, columns=None, on_bad_rows="error", verbose=0):
    """Yields the chunks of `data` for a one-pass `adapt`.

    One DataFrame, dict, list of records or Series is one chunk; a batched `tf.data.Dataset`
    yields one chunk per batch (the features of `(features, label)` pairs); a path, folder or
    list of paths of CSV and Parquet files yields their `columns` a chunk at a time
    (`deepcross.data.readers`); any other iterable (a generator, `pd.read_csv(path,
    chunksize=...)`) yields its items. With `verbose=1`, files and iterables show a
    `keras.utils.Progbar` (bytes of files, rows of other chunks).
    """
    if is_file_source(data):
        from deepcross.data import readers  # data/ sits above features/: imported when used

        yield from readers.chunks(data, columns, on_bad_rows, verbose)
        return
    if isinstance(data, (pd.DataFrame, pd.Series, Mapping, list, Columns)):
        yield data
        return
    if hasattr(data, "as_numpy_iterator"):
        data = (b[0] if isinstance(b, tuple) else b for b in data.as_numpy_iterator())
    elif isinstance(data, bytes) or not hasattr(data, "__iter__"):
        raise ValueError(
            "Data must be a pandas DataFrame, a dict of columns, a list of records, a "
            "tf.data.Dataset, CSV or Parquet files, or an iterable of such chunks; received "
            f"{values.describe(data)}"
        )
    bar = keras.utils.Progbar(None, unit_name="row") if verbose else None
    rows = 0
    for chunk in data:
        yield chunk
        if bar is not None:
            rows += as_columns(chunk)[1]
            bar.update(rows)
    if bar is not None:
        bar.update(rows, finalize=True)


def is_file_source(data):
    """True for a path (str or `os.PathLike`) or a non-empty list or tuple of paths."""
    if isinstance(data, (str, os.PathLike)):
        return True
    return (
        isinstance(data, (list, tuple))
        and len(data) > 0
        and all(isinstance(item, (str, os.PathLike)) for item in data)
    )
