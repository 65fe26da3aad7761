"""Vectorized conversion of raw column values (numpy, pandas, tf.data) to keys and floats.

Private helpers shared by the feature kinds and `FeatureSpec`. Everything here is numpy/pandas:
it runs outside the model graph, so string lookup works the same on every Keras backend.
"""

import numpy as np
import pandas as pd


def column(data, name, feature):
    """Returns column `name` of `data` as a 1-D numpy array, or raises naming the feature."""
    try:
        values = data[name]
    except (KeyError, IndexError):
        raise ValueError(
            f"Feature '{feature}' needs column '{name}', which the data does not have. "
            f"Columns present: {sorted(map(str, data.keys()))}"
        ) from None
    if isinstance(values, pd.Series):
        return values.to_numpy()
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    return values


def num_rows(data):
    """Number of rows in a DataFrame or a dict of equal-length columns."""
    if isinstance(data, pd.DataFrame):
        return len(data)
    lengths = {name: len(np.asarray(values)) for name, values in data.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"Columns have different lengths: {lengths}")
    return next(iter(lengths.values()), 0)


def iter_chunks(data):
    """Yields column mappings from a DataFrame, a dict of arrays or a `tf.data.Dataset`.

    A dataset yields one mapping per batch (the features of `(features, label)` pairs), so
    statistics can be gathered in a single pass over data that does not fit in memory.
    """
    if isinstance(data, (pd.DataFrame, dict)):
        yield data
        return
    if hasattr(data, "as_numpy_iterator"):
        for batch in data.as_numpy_iterator():
            if isinstance(batch, tuple):
                batch = batch[0]
            if not isinstance(batch, dict):
                raise ValueError(
                    "A tf.data.Dataset given to FeatureSpec must yield dicts of columns "
                    f"(or (dict, label) pairs); it yielded {type(batch).__name__}"
                )
            yield batch
        return
    raise ValueError(
        "Data must be a pandas DataFrame, a dict of numpy arrays or a tf.data.Dataset; "
        f"received {type(data).__name__}"
    )


def _decode(values):
    """Decodes bytes (as tf.data yields strings) to str, leaving other objects alone."""
    if values.dtype.kind == "S":
        return values.astype(str).astype(object)
    if values.dtype == object and len(values) and isinstance(values[0], bytes):
        return pd.Series(values).str.decode("utf-8").to_numpy(dtype=object)
    return values


def to_keys(values):
    """Converts raw categorical values to string keys.

    Integers and integral floats become their decimal form, so `349`, `349.0` (a pandas
    column with gaps) and `"349"` (a CSV field) are one key.

    Returns:
        A tuple `(keys, missing)`: an object array of str, and a bool array that is True
        where the value is missing (None, NaN or the empty string).
    """
    values = _decode(np.asarray(values))
    kind = values.dtype.kind
    if kind in "iub":
        return values.astype(np.int64).astype(str).astype(object), np.zeros(len(values), bool)
    if kind == "f":
        missing = np.isnan(values)
        filled = np.where(missing, 0.0, values)
        integral = filled == np.floor(filled)
        keys = np.where(
            integral,
            filled.astype(np.int64).astype(str),
            filled.astype(str),
        ).astype(object)
        keys[missing] = ""
        return keys, missing
    series = pd.Series(values, dtype=object)
    missing = series.isna().to_numpy()
    keys = series.where(~missing, "").astype(str).to_numpy(dtype=object)
    missing = missing | (keys == "")
    return keys, missing


def to_float(values, feature, default):
    """Converts raw numeric values to float64, filling missing values with `default`.

    Raises:
        ValueError: naming the feature, the value and the row when a value is not a number,
            or when a value is missing and the feature declares no default.
    """
    values = _decode(np.asarray(values))
    if values.dtype.kind in "iubf":
        parsed = values.astype(np.float64)
        missing = np.isnan(parsed)
    else:
        series = pd.Series(values, dtype=object)
        text = series.astype(str).str.strip()
        # None, NaN, "" and the text "nan" (as pandas writes NaN to a CSV) are missing.
        blank = series.isna().to_numpy() | text.isin(["", "nan", "NaN"]).to_numpy()
        parsed = pd.to_numeric(series.where(~blank, None), errors="coerce").to_numpy(
            dtype=np.float64
        )
        bad = np.flatnonzero(np.isnan(parsed) & ~blank)
        if len(bad):
            row = int(bad[0])
            raise ValueError(
                f"Feature '{feature}' is numeric but row {row} holds "
                f"{values[row]!r}, which is not a number ({len(bad)} such rows in all)"
            )
        missing = np.isnan(parsed)
    if missing.any():
        if default is None:
            row = int(np.flatnonzero(missing)[0])
            raise ValueError(
                f"Feature '{feature}' has a missing value (NaN or empty) at row "
                f"{row} and declares no default; give it `default=` to fill "
                f"missing values ({int(missing.sum())} missing rows in all)"
            )
        parsed = np.where(missing, default, parsed)
    return parsed


def jsonable_scalar(value):
    """A numpy scalar as the Python scalar JSON can hold; other values unchanged."""
    return value.item() if isinstance(value, np.generic) else value
