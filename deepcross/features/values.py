"""The one value policy: how a raw cell becomes a categorical key or a number.

The Feature stage runs outside the model graph, so every raw input (a pandas DataFrame, a dict
of numpy arrays, CSV rows, a JSON request) passes through these numpy/pandas functions before it
reaches a layer. Writing the rules once keeps training, adapting and serving in agreement.

Keys (`to_keys`, `split_cells`, `canonical_key`):

- Integers of any width become their exact decimal text (`2**70`, uint64 included); bools
  become "1" and "0". Integral finite floats become the integer text (`349.0` -> "349",
  `1e20` -> "100000000000000000000", the float's exact value); other finite floats become
  `repr(float(x))` ("3.5"), so a float32 gets the key of its exact float64 value.
- A string that is a decimal number (optional sign, ASCII digits, optional fraction, optional
  exponent, surrounding whitespace allowed) is keyed like the number it spells: exactly when
  that number is integral ("349", " 349.0 " -> "349"; "007" -> "7"; "1e20" and
  "12345678901234567890.0" keep every digit), else like `float(s)` ("3.50" -> "3.5"). "inf",
  "nan", "0x10", "1_000" and non-ASCII digits are not numbers here. Other strings are kept
  exactly (case and spaces). So equal numbers get equal keys in any spelling.
- Bytes are UTF-8 text. A `decimal.Decimal` is keyed like its text.
- Missing: None, NaN, pd.NA, NaT, "" and whitespace-only strings, and inf/-inf. A missing
  value's key is "".
- Anything else (list, dict, set, datetime, ...) is an error naming the feature, row and value.

Numbers (`to_float`): ints, floats, bools and numeric strings (also "inf", "Infinity"); None,
NaN, pd.NA, blank strings and the texts "nan", "None", "<NA>" (any case) are missing; inf and
values beyond float32's range (which a float32 model cannot hold) are reported as non-finite.
"""

import decimal
import itertools
import math
import numbers
import operator
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
# Group 1: an integer literal, group 2: any other number; no group: a blank string.
_KEY_TEXT = re.compile(rf"\s*(?:([+-]?[0-9]+)|({_NUMBER}))?\s*")
# Group 1: a number or an infinity; no group: a blank or a missing-value text.
_FLOAT_TEXT = re.compile(rf"\s*(?:({_NUMBER}|[+-]?(?i:inf|infinity))|(?i:[+-]?nan|none|<na>))?\s*")
_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())  # what \s matches
_NUMBER_CHARS = "0123456789.eE+- \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # with _WHITESPACE: any number
_starts_with_zero = operator.methodcaller("startswith", "0")
_has_underscore = operator.methodcaller("__contains__", "_")
_MISSING_WORDS = {"", "none", "<na>", "nan", "+nan", "-nan"}  # stripped, lower case
_MAX_DIGITS = 4300  # Python's own limit on int <-> text; past it, "1e5000" is keyed as a float
_FLOAT32_MAX = float(np.finfo(np.float32).max)
FEW_CELLS = 16  # Up to this many text or object cells, keying them one by one is fastest.
INT_CELL = -2  # In `key_codes`: the cell's key is the decimal text of its int64.
_INT64_MAX = np.iinfo(np.int64).max


class _Rejected(Exception):
    """A cell the policy does not accept; the caller names the feature and the row."""


def as_array(values, what):
    """Any column-like value as a 1-D numpy array (a `(n, 1)` array is flattened)."""
    if isinstance(values, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        return series_array(pd.Series(values, copy=False))
    if isinstance(values, (list, tuple)):
        return values.object_array(values)
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[1] == 1:
        return values[:, 0]
    if values.ndim != 1:
        raise ValueError(
            f"{what} must be one column, received an array of shape {values.shape} (a (n, 1) "
            "array is fine)"
        )
    return values


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
    return np.fromiter(items, dtype=object, count=len(items))


def _object_values(values):
    """A non-numeric array as objects: text as str, dates and the like as numpy scalars."""
    if values.dtype.kind in "mMcV":  # astype(object) would turn datetime64[ns] into ints
        return object_array(list(values))
    return values.astype(object, copy=False)


def _decode_bytes(values, na, inferred):
    """Bytes cells as str when all are UTF-8 (the slow path names a bad one), and the kind."""
    if inferred != "bytes":
        return values, inferred
    try:
        text = [None if skip else value.decode() for value, skip in zip(values, na)]
        return object_array(text), "string"
    except UnicodeDecodeError:
        return values, "mixed"


# --- Keys ---------------------------------------------------------------------------------


def to_keys(values, feature, rows=None):
    """Canonical text keys of categorical values (the rules are in the module docstring).

    Args:
        values: a 1-D array-like of raw cells.
        feature: str. The feature name, for error messages.
        rows: 1-D int array or None. The row number of each cell, for error messages, when
            `values` is not one cell per row (several columns flattened). Defaults to None,
            cell i is row i.

    Returns:
        A tuple `(keys, missing)`: an object array of str ("" where missing) and a bool array,
        True where the value is missing.

    Raises:
        ValueError: naming the feature, the row and the value, for a value that is not a
            categorical value (a list, a dict, a datetime...) or bytes that are not UTF-8.
    """
    return _keys(as_array(values, f"Feature '{feature}' values"), feature, rows)


def canonical_key(value, feature=None):
    """The key `to_keys` gives one Python or numpy scalar, or None when the value is missing.

    For vocabularies written by hand, so that `[349, "590"]` matches data in any spelling.
    `feature` names the feature in the error for a value that is not a key.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    try:
        return _scalar_key(value)
    except _Rejected as error:
        prefix = f"Feature '{feature}': " if feature is not None else ""
        raise ValueError(f"{prefix}{_show(value)} is {error}") from None


def _keys(values, feature, rows):
    """`to_keys` on a 1-D array; `rows` maps positions to the row numbers errors report."""
    n, kind = len(values), values.dtype.kind
    if kind in "iu":
        return int_texts(values), np.zeros(n, bool)
    if kind == "b":
        return np.where(values, "1", "0").astype(object), np.zeros(n, bool)
    if kind == "f":
        return _float_keys(values.astype(np.float64, copy=False))
    values = _object_values(values)
    if n <= FEW_CELLS:  # The vectorized path's fixed cost, on one serving request, dominates.
        return _keys_by_cell(values, feature, rows)
    na = pd.isna(values)
    values, inferred = _decode_bytes(values, na, pd.api.types.infer_dtype(values, skipna=True))
    if inferred == "empty":
        return np.full(n, "", object), np.ones(n, bool)
    if inferred == "string":
        # Each distinct text is keyed once (genres, ids as text repeat): the per-text checks
        # below are Python calls, factorizing is not.
        codes, texts = pd.factorize(values)  # missing cells get code -1
        keys, missing = _string_keys(texts.astype(object), np.zeros(len(texts), bool))
        return np.append(keys, "")[codes], np.append(missing, True)[codes]
    present = values[~na]
    if inferred == "integer":
        try:
            keys = int_texts(present.astype(np.int64))
        except OverflowError:  # past int64: Python ints, exactly
            keys = object_array([_int_text(int(v)) for v in present])
        return _scatter(keys, np.zeros(len(keys), bool), na)
    if inferred == "boolean":
        return _scatter(
            np.where(present.astype(bool), "1", "0").astype(object),
            np.zeros(len(present), bool),
            na,
        )
    if inferred in ("floating", "mixed-integer-float"):
        try:
            floats = present.astype(np.float64)
        except OverflowError:  # an int past float64's range
            return _keys_by_cell(values, feature, rows)
        # Ints past 2**53 would round: those columns go cell by cell.
        if inferred == "floating" or (np.abs(floats[np.isfinite(floats)]) < 2.0**53).all():
            return _scatter(*_float_keys(floats), na)
    return _keys_by_cell(values, feature, rows)


def key_codes(values, factorized=None):
    """`to_keys` of a long column, for lookups and counts that need not make every key.

    Cells whose key is the decimal text of an int64 (ints, bools, integral floats under
    2**63) stay numbers; other cells are keyed once per distinct value.

    Returns:
        A tuple `(ints, codes, keys)`: `codes[i]` is `INT_CELL` where cell i's key is
        `str(ints[i])`, -1 where it is missing, else the position of its key in `keys` (an
        object array of str, in order of first appearance; two cells "7" and "007" are two
        positions holding "7"). `ints` is None for a column of no numbers. Or None when a cell
        is not a categorical value: `to_keys` names it. `factorized`, `pd.factorize(values)`
        of a column of text when the caller has it (`raw_data.factorized`), stands for
        `values`.
    """
    ints, exact = (None, None) if factorized is not None else int_cells(values)
    if ints is not None and exact is None:
        return ints, np.full(len(values), INT_CELL, np.int64), np.empty(0, object)
    rest = values if exact is None else values[~exact]
    try:
        codes, distinct = factorized or pd.factorize(rest)  # None, NaN, NaT get code -1
        keys, missing = _keys(np.asarray(distinct), None, None)
    except (TypeError, ValueError):  # a list (unhashable), a date...: not keys
        return None
    codes = np.where(np.append(missing, True)[codes], -1, codes).astype(np.int64)
    if exact is not None:
        codes, rest_codes = np.full(len(values), INT_CELL, np.int64), codes
        codes[~exact] = rest_codes
    return ints, codes, keys


def int_cells(values):
    """The cells of a numeric array whose key is the decimal text of an int64, as int64s.

    Returns:
        A tuple `(ints, exact)`: an int64 array and a bool array, True where cell i's key is
        `str(ints[i])`, or None when that holds for every cell; `(None, None)` for an array
        of no numbers (objects, text, dates).
    """
    kind = values.dtype.kind
    if kind in "ib":
        return values.astype(np.int64, copy=False), None
    if kind == "u":
        exact = values <= _INT64_MAX
        return values.astype(np.int64), None if exact.all() else exact
    if kind == "f":
        values = values.astype(np.float64, copy=False)
        exact = (np.abs(values) < 2.0**63) & (np.floor(values) == values)  # NaN, inf: False
        ints = np.where(exact, values, 0.0).astype(np.int64)
        return ints, None if exact.all() else exact
    return None, None


def int64_keys(texts):
    """Which cells of an object array are the decimal text of an int64 (so their own key).

    Returns:
        A tuple `(positions, ints)`: the positions of those cells, and their int64s.
    """
    try:  # all text of integers, as a learned vocabulary of ids is: int() on each, in C
        ints, positions = texts.astype(np.int64), np.arange(len(texts))
    except (TypeError, ValueError, OverflowError):
        positions = np.flatnonzero(_flags(_maybe_int_text, texts))
        ints = np.array([_int64(text) for text in texts[positions]], dtype=np.int64)
    canonical = int_texts(ints) == texts[positions]  # not "007", " 7", "-0", 7.0 or 7
    return positions[canonical], ints[canonical]


def _maybe_int_text(value):
    return type(value) is str and value.lstrip("-").isdigit() and value.isascii()


def _int64(text):
    try:
        value = int(text)
    except ValueError:  # "1-2": not canonical ("0" != text), so left out
        return 0
    return value if -_INT64_MAX - 1 <= value <= _INT64_MAX else 0


def _scatter(keys, missing, na):
    """Keys of the present values, with "" and missing=True put back where `na`."""
    if not na.any():
        return keys, missing
    all_keys, all_missing = np.full(len(na), "", object), na.copy()
    all_keys[~na], all_missing[~na] = keys, missing
    return all_keys, all_missing


def _keys_by_cell(values, feature, rows):
    keys, missing = np.full(len(values), "", object), np.zeros(len(values), bool)
    for i, value in enumerate(values):
        try:
            key = _scalar_key(value)
        except _Rejected as error:
            row = i if rows is None else int(rows[i])
            raise ValueError(
                f"Feature '{feature}': row {row} holds {_show(value)}, which is {error}"
            ) from None
        if key is None:
            missing[i] = True
        else:
            keys[i] = key
    return keys, missing


def _scalar_key(value):
    """The key of one cell, None when missing; raises _Rejected for what is not a key."""
    if isinstance(value, str):
        match = _KEY_TEXT.fullmatch(value)
        if match is None:
            return str(value)
        if match.lastindex == 1:
            return _digits_key(match.group(1))
        return None if match.lastindex is None else _number_key(match.group(2))
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (np.datetime64, np.timedelta64)):  # timedelta64 is an np.integer
        if np.isnat(value):
            return None
        raise _Rejected("not a categorical value")
    if isinstance(value, numbers.Integral):
        return _int_text(int(value))
    if isinstance(value, decimal.Decimal):
        return _scalar_key(str(value)) if value.is_finite() else None
    if isinstance(value, numbers.Real):
        return _float_key(float(value))
    if isinstance(value, bytes):
        try:
            return _scalar_key(value.decode())
        except UnicodeDecodeError:
            raise _Rejected("not valid UTF-8 text") from None
    raise _Rejected("not a categorical value")


def _digits_key(text):
    """An integer literal ("+007", "-0") as exact decimal text, at any length."""
    digits = text.lstrip("+-").lstrip("0") or "0"
    return "-" + digits if text.startswith("-") and digits != "0" else digits


def _number_key(text):
    """A number with a point or an exponent: its exact integer text when it is integral."""
    value = float(text)
    if abs(value) < 2.0**53:  # float(text) is integral exactly when the text is
        return _float_key(value)
    exact = decimal.Decimal(text)
    if exact.adjusted() < _MAX_DIGITS and exact == exact.to_integral_value():
        return _int_text(int(exact))  # "12345678901234567890.0", "1e400"
    return _float_key(value)


def _int_text(value):
    try:
        return str(value)
    except ValueError:  # past Python's int-to-text digit limit; Decimal prints it exactly
        return str(decimal.Decimal(value))


def _float_key(value):
    if not math.isfinite(value):
        return None
    return _int_text(int(value)) if value.is_integer() else repr(value)


def int_texts(values):
    """Exact decimal text of an integer array (uint64 included), as an object array."""
    return np.fromiter(map(str, values.tolist()), dtype=object, count=len(values))


def _float_keys(values):
    finite = np.isfinite(values)
    integral = finite & (np.floor(values) == values)
    small = integral & (np.abs(values) < 2.0**63)
    if small.all():
        return int_texts(values.astype(np.int64)), np.zeros(len(values), bool)
    keys = np.full(len(values), "", object)
    keys[small] = int_texts(values[small].astype(np.int64))
    fraction = finite & ~integral
    keys[fraction] = list(map(repr, values[fraction].tolist()))
    big = integral & ~small
    keys[big] = [_int_text(int(value)) for value in values[big].tolist()]
    return keys, ~finite


def _string_keys(values, na):
    """Keys of an object array of str (None/NaN where `na`), numeric texts canonicalized.

    Equal to `_scalar_key` on each cell, but only cells that could spell a number (made of
    digits, signs, points, exponents and spaces) are parsed, and plain ASCII digits only when
    they have leading zeros.
    """
    keys = values[~na]
    missing = np.zeros(len(keys), bool)
    plain = _flags(str.isdigit, keys) & _flags(str.isascii, keys)
    zeros = np.flatnonzero(plain)[_flags(_starts_with_zero, keys[plain])]
    keys[zeros] = [_digits_key(text) for text in keys[zeros]]  # "007" -> "7"
    maybe = np.flatnonzero(~plain)
    chars = _NUMBER_CHARS if "".join(keys[maybe]).isascii() else _NUMBER_CHARS + _WHITESPACE
    maybe = maybe[_only(chars, keys[maybe])]
    texts = keys[maybe]
    blank = _flags(str.isspace, texts) | (texts == "")
    try:
        parsed = texts[~blank].astype(np.float64)  # float() agrees with the regex on these chars
    except ValueError:  # "-", "1e", "1.2.3" are text keys: let the regex decide each
        keys[maybe], missing[maybe] = _keys_by_cell(texts, None, None)
        return _scatter(keys, missing, na)
    number = maybe[~blank]
    keys[number], missing[number] = _float_keys(parsed)
    # Integral numbers past 2**53 are keyed exactly ("12345678901234567891.0"), not rounded.
    big = np.abs(parsed) >= 2.0**53
    keys[number[big]], missing[number[big]] = _keys_by_cell(texts[~blank][big], None, None)
    keys[maybe[blank]], missing[maybe[blank]] = "", True
    return _scatter(keys, missing, na)


def _flags(function, texts):
    return np.fromiter(map(function, texts), bool, len(texts))


def _only(chars, texts):
    """True where a text is made of `chars` only (the empty text included)."""
    stripped = map(operator.methodcaller("strip", chars), texts)
    return np.fromiter(map(operator.not_, stripped), bool, len(texts))


# --- Numbers ------------------------------------------------------------------------------


def to_float(values, feature):
    """Numbers of a numeric feature as float64 (the rules are in the module docstring).

    Returns:
        A tuple `(numbers, missing, nonfinite)`: float64 values, NaN wherever `missing` or
        `nonfinite` is True. `missing` marks None, NaN, pd.NA, blank and "nan" cells;
        `nonfinite` marks inf/-inf and finite values whose magnitude exceeds float32's
        largest (about 3.4e38), which a float32 model cannot take. The two never overlap.

    Raises:
        ValueError: naming the feature, the first bad row and its value, and how many rows
            hold something that is not a number (text such as "abc", a list, a date...).
    """
    parsed = _floats(as_array(values, f"Feature '{feature}' values"), feature)
    missing = np.isnan(parsed)
    nonfinite = ~missing & ~(np.abs(parsed) <= _FLOAT32_MAX)
    return np.where(nonfinite, np.nan, parsed), missing, nonfinite


def _floats(values, feature):
    """float64 values with NaN where missing and +-inf where not finite or too large."""
    if values.dtype.kind in "iubf":
        return values.astype(np.float64)
    values = _object_values(values)
    na = pd.isna(values)
    values, inferred = _decode_bytes(values, na, pd.api.types.infer_dtype(values, skipna=True))
    out = np.full(len(values), np.nan)
    if inferred == "string":
        return _string_floats(values, na, out, feature)
    if inferred in ("empty", "integer", "floating", "mixed-integer-float", "boolean", "decimal"):
        try:
            out[~na] = values[~na].astype(np.float64)
            return out
        except (OverflowError, TypeError, ValueError):
            pass  # an int past float64's range, or an odd Decimal: cell by cell below
    return _floats_by_cell(values, out, np.ones(len(values), bool), feature)


def _string_floats(values, na, out, feature):
    """`_scalar_float` on str cells (None/NaN where `na`), with float() doing the parsing."""
    texts, present = values[~na], np.flatnonzero(~na)
    parse = np.ones(len(texts), bool)
    parsed = _try_floats(texts)
    if parsed is None:  # blanks, "None", "<NA>" or text that is not a number
        words = map(str.lower, map(str.strip, texts))
        parse = ~np.fromiter(map(_MISSING_WORDS.__contains__, words), bool, len(texts))
        parsed = _try_floats(texts[parse])
    if parsed is None:
        return _floats_by_cell(values, out, ~na, feature)
    out[present[parse]] = parsed
    joined = "".join(texts)
    if joined.isascii() and "_" not in joined:
        return out
    # float() also reads "1_000" and non-ASCII digits, which the regex does not.
    odd = np.zeros(len(values), bool)
    odd[present] = parse & (~_flags(str.isascii, texts) | _flags(_has_underscore, texts))
    return _floats_by_cell(values, out, odd, feature)


def _try_floats(texts):
    try:
        return texts.astype(np.float64)
    except ValueError:
        return None


def _floats_by_cell(values, out, cells, feature):
    bad = []
    for i in np.flatnonzero(cells):
        try:
            out[i] = _scalar_float(values[i])
        except _Rejected:
            bad.append(i)
    if bad:
        _raise_not_numbers(values, bad, feature)
    return out


def _scalar_float(value):
    if isinstance(value, bytes):
        try:
            value = value.decode()
        except UnicodeDecodeError:
            raise _Rejected() from None
    if isinstance(value, str):
        match = _FLOAT_TEXT.fullmatch(value)
        if match is None:
            raise _Rejected()
        return float(match.group(1)) if match.lastindex == 1 else math.nan
    if value is None or value is pd.NA or value is pd.NaT:
        return math.nan
    if isinstance(value, (np.datetime64, np.timedelta64)):
        if np.isnat(value):
            return math.nan
        raise _Rejected()
    if isinstance(value, decimal.Decimal):
        return math.nan if value.is_nan() else float(value)
    if isinstance(value, (bool, np.bool_, numbers.Real)):
        try:
            return float(value)
        except OverflowError:  # an int or a Fraction past float64's range
            return math.inf if value > 0 else -math.inf
    raise _Rejected()


def _raise_not_numbers(values, bad, feature):
    row = int(bad[0])
    raise ValueError(
        f"Feature '{feature}' is numeric but row {row} holds {_show(values[row])}, which is not "
        f"a number ({len(bad)} such {rows_text(len(bad)).split()[1]} in all)"
    )


# --- List-valued cells --------------------------------------------------------------------


def split_cells(values, separator, feature):
    """Keys of a list-valued column, one entry per value, flattened row by row.

    A cell may be a string (split on `separator`; one value when `separator` is None), a list,
    tuple or 1-D numpy array of values, or a single number or bool (one value). A None/NaN cell
    is one missing entry (slot 0); an empty list is a row with no entries. Each value is keyed
    by `to_keys`, so the empty piece of "a||b" is a missing entry. Values inside a list are not
    split again.

    Returns:
        A tuple `(keys, missing, row, slot)` of flat arrays: the key ("" where missing), True
        where the value is missing, the row of the cell (int64) and the value's position in its
        cell (int64, counting missing pieces: "a||b" gives slots 0, 1, 2).

    Raises:
        ValueError: naming the feature, the row and the cell, for a cell that is neither a list
            of values nor a categorical value (a dict, a set...), or a bad value inside a list.
    """
    if separator is not None and (not isinstance(separator, str) or not separator):
        raise ValueError(
            f"Feature '{feature}': separator must be a non-empty string or None, received "
            f"separator={separator!r}"
        )
    values = as_array(values, f"Feature '{feature}' values")
    n = len(values)
    inferred = "numbers"
    if values.dtype.kind not in "iubf":
        values = _object_values(values)
        na = pd.isna(values)
        values, inferred = _decode_bytes(values, na, pd.api.types.infer_dtype(values, skipna=True))
    if inferred in ("string", "empty") and separator is not None:
        texts = np.where(na, "", values)  # a missing cell: one missing piece
        lengths = np.fromiter(map(operator.methodcaller("count", separator), texts), np.int64, n)
        lengths += 1
        if len(separator) == 1 and n:  # one split of the joined text: no list per cell
            pieces = object_array(separator.join(texts).split(separator))
        else:  # "||" in "a|" + "||" + "b" would not split where the cells meet
            pieces = object_array([piece for text in texts for piece in text.split(separator)])
    elif inferred in ("numbers", "string", "empty", "integer", "floating", "boolean"):
        keys, missing = _keys(values, feature, None)  # one value per cell
        return keys, missing, np.arange(n, dtype=np.int64), np.zeros(n, np.int64)
    else:
        if set(map(type, values)) <= {list, tuple}:
            parts = values
        else:
            parts = [_cell_parts(cell, separator, feature, i) for i, cell in enumerate(values)]
        lengths = np.fromiter(map(len, parts), np.int64, n)
        pieces = np.fromiter(itertools.chain.from_iterable(parts), object, lengths.sum())
    row = np.repeat(np.arange(n, dtype=np.int64), lengths)
    slot = np.arange(len(row), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    keys, missing = _keys(pieces, feature, row)
    return keys, missing, row, slot


def _cell_parts(cell, separator, feature, row):
    if isinstance(cell, bytes):
        try:
            cell = cell.decode()
        except UnicodeDecodeError:
            raise ValueError(
                f"Feature '{feature}': row {row} holds {_show(cell)}, which is not valid UTF-8 text"
            ) from None
    if isinstance(cell, str):
        return cell.split(separator) if separator is not None else [cell]
    if isinstance(cell, (list, tuple)) or (isinstance(cell, np.ndarray) and cell.ndim == 1):
        return list(cell)
    if isinstance(cell, np.ndarray) and cell.ndim == 0:
        return [cell[()]]
    if not isinstance(cell, (set, frozenset, Mapping, np.ndarray)):
        return [cell]  # a scalar or a missing cell: to_keys judges it, naming this row
    raise ValueError(
        f"Feature '{feature}': row {row} holds {_show(cell)}, which is neither a list of values "
        "nor a categorical value"
    )


# --- Messages -----------------------------------------------------------------------------


def _show(value):
    text = repr(value) if isinstance(value, str) else " ".join(repr(value).split())
    text = text if len(text) <= 60 else text[:57] + "..."
    return text if isinstance(value, str) else f"{text} ({describe(value)})"


def describe(value):
    name = type(value).__name__
    return f"{'an' if name[0].lower() in 'aeiou' or name.startswith('nd') else 'a'} {name}"


def rows_text(count):
    return f"{count} row" if count == 1 else f"{count} rows"


def names_text(names):
    return ", ".join(f"'{name}'" for name in names)
