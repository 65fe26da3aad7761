"""A numeric cell's number, in numpy (`to_float`) and in TensorFlow (`to_float_tf`).

The rules, which both encoders follow bit for bit: ints, floats, bools and numeric strings
(`cell_text.NUMBER`, also "inf" and "Infinity", whitespace around allowed) are numbers; None,
NaN, pd.NA, blank strings and the texts "nan", "None", "<NA>" (any case) are missing; inf and
values beyond float32's range (which a float32 model cannot hold) are non-finite, and the two
are reported apart. Anything else ("abc", a list, a date) is an error naming the feature.
"""

import decimal
import math
import numbers
import operator
import re

import numpy as np
import pandas as pd

from deepcross import _messages
from deepcross.features import raw_data
from deepcross.features.cell_text import FLOAT32_MAX
from deepcross.features.cell_text import INFINITY
from deepcross.features.cell_text import MISSING_WORD
from deepcross.features.cell_text import NUMBER
from deepcross.features.cell_text import STRIP_RE2

# Group 1: a number or an infinity; no group: a blank or a missing-value text.
_FLOAT_TEXT = re.compile(rf"\s*(?:({NUMBER}|{INFINITY})|{MISSING_WORD})?\s*")
_MISSING_WORDS = {"", "none", "<na>", "nan", "+nan", "-nan"}  # MISSING_WORD, stripped, lower
_has_underscore = operator.methodcaller("__contains__", "_")


class _Rejected(Exception):
    """A cell that is not a number; `_floats_by_cell` names the first."""


# --- numpy --------------------------------------------------------------------------------


def to_float(cells, feature):
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
    parsed, missing, nonfinite = read_floats(cells, feature)
    return np.where(nonfinite, np.nan, parsed), missing, nonfinite


def read_floats(cells, feature):
    """`to_float` with non-finite values kept: +-inf, and float64 values past float32's range,
    as they are (for `Bucketized`, which cuts in float64 and puts -inf in its first bucket).

    Returns:
        A tuple `(numbers, missing, nonfinite)`: float64 values, NaN where `missing`.
    """
    parsed = _floats(raw_data.as_array(cells, f"Feature '{feature}' values"), feature)
    missing = np.isnan(parsed)
    return parsed, missing, ~missing & ~(np.abs(parsed) <= FLOAT32_MAX)


def _floats(cells, feature):
    """float64 values with NaN where missing and +-inf where not finite or too large."""
    if cells.dtype.kind in "iubf":
        return cells.astype(np.float64)
    cells = raw_data.object_cells(cells)
    cells, na, inferred = raw_data.decoded(cells)
    out = np.full(len(cells), np.nan)
    if inferred == "string":
        return _string_floats(cells, na, out, feature)
    if inferred in ("empty", "integer", "floating", "mixed-integer-float", "boolean", "decimal"):
        try:
            out[~na] = cells[~na].astype(np.float64)
            return out
        except (OverflowError, TypeError, ValueError):
            pass  # an int past float64's range, or an odd Decimal: cell by cell below
    return _floats_by_cell(cells, out, np.ones(len(cells), bool), feature)


def _string_floats(cells, na, out, feature):
    """`_scalar_float` on str cells (None/NaN where `na`), with float() doing the parsing."""
    texts, present = cells[~na], np.flatnonzero(~na)
    parse = np.ones(len(texts), bool)
    parsed = _try_floats(texts)
    if parsed is None:  # blanks, "None", "<NA>" or text that is not a number
        words = map(str.lower, map(str.strip, texts))
        parse = ~np.fromiter(map(_MISSING_WORDS.__contains__, words), bool, len(texts))
        parsed = _try_floats(texts[parse])
    if parsed is None:
        return _floats_by_cell(cells, out, ~na, feature)
    out[present[parse]] = parsed
    joined = "".join(texts)
    if joined.isascii() and "_" not in joined:
        return out
    # float() also reads "1_000" and non-ASCII digits, which the regex does not.
    odd = np.zeros(len(cells), bool)
    odd[present] = parse & (
        ~np.fromiter(map(str.isascii, texts), bool, len(texts))
        | np.fromiter(map(_has_underscore, texts), bool, len(texts))
    )
    return _floats_by_cell(cells, out, odd, feature)


def _try_floats(texts):
    try:
        return texts.astype(np.float64)
    except ValueError:
        return None


def _floats_by_cell(cells, out, which, feature):
    bad = []
    for i in np.flatnonzero(which):
        try:
            out[i] = _scalar_float(cells[i])
        except _Rejected:
            bad.append(i)
    if bad:
        _raise_not_numbers(cells, bad, feature)
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


def _raise_not_numbers(cells, bad, feature):
    row, shown = int(bad[0]), _messages.show(cells[int(bad[0])])
    rows = _messages.rows_text(len(bad)).split()[1]
    raise ValueError(
        f"Feature '{feature}' is numeric but row {row} holds {shown}, which is not a number "
        f"({len(bad)} such {rows} in all)"
    )


# --- TensorFlow, for model.export ----------------------------------------------------------


def to_float_tf(x, feature):
    """Numbers of a request column as float64, as `to_float` reads them.

    Args:
        x: a `[batch]` tensor of a floating, an integer, `tf.bool` or `tf.string` dtype.
        feature: str. The feature's name, for the error a text that is not a number raises.

    Returns:
        A tuple `(numbers, missing, nonfinite)`: float64 values (NaN where missing or
        non-finite) and two bool tensors, as `to_float`.
    """
    import tensorflow as tf

    x, missing, nonfinite = read_floats_tf(x, feature)
    return tf.where(nonfinite, tf.constant(float("nan"), tf.float64), x), missing, nonfinite


def read_floats_tf(x, feature):
    """`read_floats` in TensorFlow: `to_float_tf` with non-finite values kept."""
    import tensorflow as tf

    if x.dtype == tf.string:
        core = tf.strings.regex_replace(x, STRIP_RE2, "")
        infinite = tf.strings.regex_full_match(core, INFINITY)
        number = tf.strings.regex_full_match(core, NUMBER)
        missing = tf.strings.regex_full_match(core, f"{MISSING_WORD}?")
        tf.debugging.Assert(
            tf.reduce_all(number | infinite | missing),
            [f"Feature '{feature}' is numeric but a request holds text that is not a number:"]
            + [tf.boolean_mask(x, ~(number | infinite | missing))[:3]],
        )
        parsed = tf.strings.to_number(tf.where(number, core, "0"), tf.float64)
        negative = tf.strings.regex_full_match(core, "-.*")
        infinity = tf.constant(float("inf"), tf.float64)
        parsed = tf.where(infinite, tf.where(negative, -infinity, infinity), parsed)
        x = tf.where(missing, tf.constant(float("nan"), tf.float64), parsed)
    elif x.dtype == tf.bool or x.dtype.is_integer or x.dtype.is_floating:
        x = tf.cast(x, tf.float64)
    else:
        raise ValueError(f"Feature '{feature}' is numeric; a request cannot give it {x.dtype.name}")
    missing = tf.math.is_nan(x)
    return x, missing, ~missing & ~(tf.abs(x) <= FLOAT32_MAX)
