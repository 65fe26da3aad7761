"""A categorical cell's key, in numpy (`to_keys`) and in TensorFlow (`to_keys_tf`).

The rules, which both encoders follow bit for bit:

- Integers of any width become their exact decimal text (`2**70`, uint64 included); bools
  become "1" and "0". Integral finite floats become the integer text (`349.0` -> "349",
  `1e20` -> "100000000000000000000", the float's exact value); other finite floats become
  `repr(float(x))` ("3.5"), so a float32 gets the key of its exact float64 value
  (`number_keys`).
- A string that is a decimal number (`cell_text.NUMBER`, surrounding whitespace allowed) is
  keyed like the number it spells: exactly when that number is integral ("349", " 349.0 " ->
  "349"; "007" -> "7"; "1e20" and "12345678901234567890.0" keep every digit), else like
  `float(s)` ("3.50" -> "3.5"). "inf", "nan", "0x10", "1_000" and non-ASCII digits are not
  numbers here. Other strings are kept exactly (case and spaces). So equal numbers get equal
  keys in any spelling.
- Bytes are UTF-8 text. A `decimal.Decimal` is keyed like its text.
- Missing: None, NaN, pd.NA, NaT, "" and whitespace-only strings, and inf/-inf. A missing
  value's key is "".
- Anything else (list, dict, set, datetime, ...) is an error naming the feature, row and value.
"""

import decimal
import numbers
import operator
import re

import numpy as np
import pandas as pd

from deepcross import _messages
from deepcross.features import raw_data
from deepcross.features.cell_text import INTEGER
from deepcross.features.cell_text import NUMBER
from deepcross.features.cell_text import NUMBER_CHARS
from deepcross.features.cell_text import STRIP_RE2
from deepcross.features.cell_text import WHITESPACE
from deepcross.features.number_keys import digits_key
from deepcross.features.number_keys import float_key
from deepcross.features.number_keys import float_keys
from deepcross.features.number_keys import float_keys_tf
from deepcross.features.number_keys import int_text
from deepcross.features.number_keys import int_texts
from deepcross.features.number_keys import integer_keys_tf
from deepcross.features.number_keys import number_key
from deepcross.features.number_keys import number_keys_tf

# Group 1: an integer literal, group 2: any other number; no group: a blank string.
_KEY_TEXT = re.compile(rf"\s*(?:({INTEGER})|({NUMBER}))?\s*")
_starts_with_zero = operator.methodcaller("startswith", "0")


class Rejected(Exception):
    """A cell the policy does not accept; the caller names the feature and the row."""


# --- numpy --------------------------------------------------------------------------------


def to_keys(cells, feature, rows=None):
    """Canonical text keys of categorical cells (the rules are in the module docstring).

    Args:
        cells: a 1-D array-like of raw cells.
        feature: str. The feature name, for error messages.
        rows: 1-D int array or None. The row number of each cell, for error messages, when
            `cells` is not one cell per row (several columns flattened). Defaults to None,
            cell i is row i.

    Returns:
        A tuple `(keys, missing)`: an object array of str ("" where missing) and a bool array,
        True where the value is missing.

    Raises:
        ValueError: naming the feature, the row and the value, for a value that is not a
            categorical value (a list, a dict, a datetime...) or bytes that are not UTF-8.
    """
    return _keys(raw_data.as_array(cells, f"Feature '{feature}' values"), feature, rows)


def canonical_key(value, feature=None):
    """The key `to_keys` gives one Python or numpy scalar, or None when the value is missing.

    For vocabularies written by hand, so that `[349, "590"]` matches data in any spelling.
    `feature` names the feature in the error for a value that is not a key.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    try:
        return _scalar_key(value)
    except Rejected as error:
        prefix = f"Feature '{feature}': " if feature is not None else ""
        raise ValueError(f"{prefix}{_messages.show(value)} is {error}") from None


def _keys(cells, feature, rows):
    """`to_keys` on a 1-D array; `rows` maps positions to the row numbers errors report."""
    n, kind = len(cells), cells.dtype.kind
    if kind in "iu":
        return int_texts(cells), np.zeros(n, bool)
    if kind == "b":
        return np.where(cells, "1", "0").astype(object), np.zeros(n, bool)
    if kind == "f":
        return float_keys(cells.astype(np.float64, copy=False))
    cells = raw_data.object_cells(cells)
    if n <= raw_data.FEW_CELLS:  # The vectorized path's fixed cost dominates one request.
        return _keys_by_cell(cells, feature, rows)
    cells, na, inferred = raw_data.decoded(cells)
    if inferred == "empty":
        return np.full(n, "", object), np.ones(n, bool)
    if inferred == "string":
        # Each distinct text is keyed once (genres, ids as text repeat): the per-text checks
        # below are Python calls, factorizing is not.
        codes, texts = pd.factorize(cells)  # missing cells get code -1
        keys, missing = _string_keys(texts.astype(object), np.zeros(len(texts), bool))
        return np.append(keys, "")[codes], np.append(missing, True)[codes]
    present = cells[~na]
    if inferred == "integer":
        try:
            keys = int_texts(present.astype(np.int64))
        except OverflowError:  # past int64: Python ints, exactly
            keys = raw_data.object_array([int_text(int(v)) for v in present])
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
            return _keys_by_cell(cells, feature, rows)
        # Ints past 2**53 would round: those columns go cell by cell.
        if inferred == "floating" or (np.abs(floats[np.isfinite(floats)]) < 2.0**53).all():
            return _scatter(*float_keys(floats), na)
    return _keys_by_cell(cells, feature, rows)


def _scatter(keys, missing, na):
    """Keys of the present cells, with "" and missing=True put back where `na`."""
    if not na.any():
        return keys, missing
    all_keys, all_missing = np.full(len(na), "", object), na.copy()
    all_keys[~na], all_missing[~na] = keys, missing
    return all_keys, all_missing


def _keys_by_cell(cells, feature, rows):
    keys, missing = np.full(len(cells), "", object), np.zeros(len(cells), bool)
    for i, value in enumerate(cells):
        try:
            key = _scalar_key(value)
        except Rejected as error:
            row = i if rows is None else int(rows[i])
            raise ValueError(
                f"Feature '{feature}': row {row} holds {_messages.show(value)}, which is {error}"
            ) from None
        if key is None:
            missing[i] = True
        else:
            keys[i] = key
    return keys, missing


def _scalar_key(value):
    """The key of one cell, None when missing; raises Rejected for what is not a key."""
    if isinstance(value, str):
        match = _KEY_TEXT.fullmatch(value)
        if match is None:
            return str(value)
        if match.lastindex == 1:
            return digits_key(match.group(1))
        return None if match.lastindex is None else number_key(match.group(2))
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (np.datetime64, np.timedelta64)):  # timedelta64 is an np.integer
        if np.isnat(value):
            return None
        raise Rejected("not a categorical value")
    if isinstance(value, numbers.Integral):
        return int_text(int(value))
    if isinstance(value, decimal.Decimal):
        return _scalar_key(str(value)) if value.is_finite() else None
    if isinstance(value, numbers.Real):
        return float_key(float(value))
    if isinstance(value, bytes):
        try:
            return _scalar_key(value.decode())
        except UnicodeDecodeError:
            raise Rejected("not valid UTF-8 text") from None
    raise Rejected("not a categorical value")


def _string_keys(cells, na):
    """Keys of an object array of str (None/NaN where `na`), numeric texts canonicalized.

    Equal to `_scalar_key` on each cell, but only cells that could spell a number (made of
    digits, signs, points, exponents and spaces) are parsed, and plain ASCII digits only when
    they have leading zeros.
    """
    keys = cells[~na]
    missing = np.zeros(len(keys), bool)
    plain = _flags(str.isdigit, keys) & _flags(str.isascii, keys)
    zeros = np.flatnonzero(plain)[_flags(_starts_with_zero, keys[plain])]
    keys[zeros] = [digits_key(text) for text in keys[zeros]]  # "007" -> "7"
    maybe = np.flatnonzero(~plain)
    chars = NUMBER_CHARS if "".join(keys[maybe]).isascii() else NUMBER_CHARS + WHITESPACE
    maybe = maybe[_only(chars, keys[maybe])]
    texts = keys[maybe]
    blank = _flags(str.isspace, texts) | (texts == "")
    try:
        parsed = texts[~blank].astype(np.float64)  # float() agrees with the regex on these chars
    except ValueError:  # "-", "1e", "1.2.3" are text keys: let the regex decide each
        keys[maybe], missing[maybe] = _keys_by_cell(texts, None, None)
        return _scatter(keys, missing, na)
    number = maybe[~blank]
    keys[number], missing[number] = float_keys(parsed)
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


# --- TensorFlow, for model.export ----------------------------------------------------------


def to_keys_tf(x):
    """Canonical keys of a request column, as `to_keys` makes them.

    Args:
        x: a `[batch]` tensor of `tf.string`, an integer, a floating or `tf.bool` dtype.

    Returns:
        A tuple `(keys, missing)`: `tf.string` keys ("" where missing) and a bool tensor.
    """
    import tensorflow as tf

    if x.dtype == tf.string:
        return _text_keys_tf(x)
    if x.dtype == tf.bool:
        return tf.where(x, "1", "0"), tf.zeros_like(x)
    if x.dtype.is_integer:
        return tf.strings.as_string(x), tf.zeros(tf.shape(x), tf.bool)
    if x.dtype.is_floating:
        return float_keys_tf(tf.cast(x, tf.float64))
    raise ValueError(f"A categorical column cannot be {x.dtype.name} in a request")


def _text_keys_tf(text):
    import tensorflow as tf

    core = tf.strings.regex_replace(text, STRIP_RE2, "")
    integer = tf.strings.regex_full_match(core, INTEGER)
    number = tf.strings.regex_full_match(core, NUMBER) & ~integer
    number_keys, number_missing = number_keys_tf(tf.where(number, core, "0"))
    keys = tf.where(integer, integer_keys_tf(core), tf.where(number, number_keys, text))
    missing = tf.equal(core, "") | (number & number_missing)
    return tf.where(missing, "", keys), missing
