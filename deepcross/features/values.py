"""TEMPORARY stand-in until the value-policy module lands."""
import numpy as np
import pandas as pd


def objects(seq):
    return np.fromiter(seq, dtype=object, count=len(seq))


def iter_chunks(data):
    if isinstance(data, (pd.DataFrame, pd.Series, dict, list, tuple)):
        yield data
        return
    if hasattr(data, "as_numpy_iterator"):
        for batch in data.as_numpy_iterator():
            yield batch[0] if isinstance(batch, tuple) else batch
        return
    if hasattr(data, "__iter__"):
        yield from data
        return
    raise ValueError(f"unsupported {type(data).__name__}")


def as_columns(data):
    if isinstance(data, pd.DataFrame):
        return {c: data[c].to_numpy() for c in data.columns}, len(data)
    cols = {k: np.asarray(v) for k, v in data.items()}
    return cols, len(next(iter(cols.values())))


def column(columns, name, feature):
    if name not in columns:
        raise ValueError(f"Feature '{feature}' needs column '{name}', which the data does not have. Columns present: {sorted(columns)}")
    v = np.asarray(columns[name])
    return v[:, 0] if v.ndim == 2 else v


def to_keys(values, feature):
    values = np.asarray(values)
    if values.dtype.kind in "iub":
        return values.astype(np.int64).astype(str).astype(object), np.zeros(len(values), bool)
    if values.dtype.kind == "f":
        missing = ~np.isfinite(values)
        filled = np.where(missing, 0.0, values)
        keys = np.where(filled == np.floor(filled), filled.astype(np.int64).astype(str), filled.astype(str)).astype(object)
        keys[missing] = ""
        return keys, missing
    s = pd.Series(values, dtype=object)
    missing = s.isna().to_numpy()
    keys = s.where(~missing, "").astype(str).to_numpy(dtype=object)
    return keys, missing | (keys == "")


def to_float(values, feature):
    values = np.asarray(values)
    if values.dtype.kind in "iubf":
        x = values.astype(np.float64)
    else:
        x = pd.to_numeric(pd.Series(values, dtype=object).replace("", None), errors="coerce").to_numpy(float)
    missing = np.isnan(x)
    nonfinite = np.isinf(x)
    return np.where(nonfinite, np.nan, x), missing, nonfinite


def split_cells(values, separator, feature):
    cells = pd.Series(values, dtype=object)
    if separator is not None:
        cells = cells.str.split(separator, regex=False)
    exploded = cells.explode()
    row = exploded.index.to_numpy()
    slot = exploded.groupby(level=0).cumcount().to_numpy()
    keys, missing = to_keys(exploded.to_numpy(dtype=object), feature)
    return keys, missing, row, slot
