"""What `FeatureSpec.adapt` does: one pass over chunks of data, each feature's state merged.

Files are read by `deepcross.data`, which sits above the features: when it is imported (as
`import deepcross` does) it hands its reader to `read_files_with`, so a path given to `adapt`
is read a chunk at a time without the features importing the data package.
"""

from collections.abc import Mapping

import keras
import pandas as pd

from deepcross import _messages
from deepcross.features import raw_data

_read_files = None


def read_files_with(reader):
    """Sets how `adapt` reads a path or list of paths of CSV and Parquet files.

    Args:
        reader: a function `(paths, columns, on_bad_rows, verbose)` yielding chunks of raw
            data (`raw_data.Columns`); `deepcross.data.readers.chunks`.
    """
    global _read_files
    _read_files = reader


def learn(features, data, on_bad_rows="error", verbose=0):
    """Each feature's learned state, from one pass over `data` (see `FeatureSpec.adapt`).

    Returns:
        A dict of learned state keyed by `state_key`, JSON-ready.
    """
    states, seen = {}, False
    names = list(dict.fromkeys(c for f in features for c in f.source_columns))
    for chunk in iter_chunks(data, names, on_bad_rows, verbose):
        columns, num_rows = raw_data.as_columns(chunk)
        seen = True
        for feature in features:
            for name in feature.source_columns:
                raw_data.require(columns, name, feature.name)  # a check: nothing is read
            key = feature.state_key
            if key is None:
                continue
            state = feature.summarize(columns, num_rows)
            states[key] = state if key not in states else feature.merge(states[key], state)
    if not seen:
        raise ValueError("adapt received no data: the iterable of chunks was empty")
    learned = {}
    for feature in features:
        key = feature.state_key
        if key is not None and key not in learned:
            learned[key] = feature.finish(states[key])
    return learned


def iter_chunks(data, columns=None, on_bad_rows="error", verbose=0):
    """Yields the chunks of `data` for a one-pass `adapt`.

    One DataFrame, dict, list of records or Series is one chunk; a batched `tf.data.Dataset`
    yields one chunk per batch (the features of `(features, label)` pairs); a path, folder or
    list of paths of CSV and Parquet files yields their `columns` a chunk at a time (the
    reader `deepcross.data` hands `read_files_with`); any other iterable (a generator,
    `pd.read_csv(path, chunksize=...)`) yields its items. With `verbose=1`, files and
    iterables show a `keras.utils.Progbar` (bytes of files, rows of other chunks).
    """
    if raw_data.is_file_source(data):
        if _read_files is None:
            raise ValueError(
                "Reading CSV and Parquet files takes deepcross.data: import deepcross (or "
                "deepcross.data) before adapting a spec to files"
            )
        yield from _read_files(data, columns, on_bad_rows, verbose)
        return
    if isinstance(data, (pd.DataFrame, pd.Series, Mapping, list, raw_data.Columns)):
        yield data
        return
    if hasattr(data, "as_numpy_iterator"):
        data = (b[0] if isinstance(b, tuple) else b for b in data.as_numpy_iterator())
    elif isinstance(data, bytes) or not hasattr(data, "__iter__"):
        raise ValueError(
            "Data must be a pandas DataFrame, a dict of columns, a list of records, a "
            "tf.data.Dataset, CSV or Parquet files, or an iterable of such chunks; received "
            f"{_messages.describe(data)}"
        )
    bar = keras.utils.Progbar(None, unit_name="row") if verbose else None
    rows = 0
    for chunk in data:
        yield chunk
        if bar is not None:
            rows += raw_data.as_columns(chunk)[1]
            bar.update(rows)
    if bar is not None:
        bar.update(rows, finalize=True)
