"""Keys of a long column as codes: ints stay numbers, other keys are made once per distinct value.

`FeatureSpec.adapt` counts keys and `transform` looks them up over columns of millions of
cells, mostly ids. Making each id's text (`str(i)`) per cell would cost more than the lookup,
so the cells whose key is the decimal text of an int64 stay int64s (`INT_CELL`), which
`Categorical` counts and looks up as numbers, and only the rest are keyed (`cell_keys`).
"""

import numpy as np
import pandas as pd

from deepcross.features.cell_keys import to_keys
from deepcross.features.cell_text import INT64_MAX
from deepcross.features.number_keys import int_texts

INT_CELL = -2  # In `key_codes`: the cell's key is the decimal text of its int64.


def key_codes(cells, factorized=None):
    """`to_keys` of a long column, for lookups and counts that need not make every key.

    Cells whose key is the decimal text of an int64 (ints, bools, integral floats under
    2**63) stay numbers; other cells are keyed once per distinct value.

    Returns:
        A tuple `(ints, codes, keys)`: `codes[i]` is `INT_CELL` where cell i's key is
        `str(ints[i])`, -1 where it is missing, else the position of its key in `keys` (an
        object array of str, in order of first appearance; two cells "7" and "007" are two
        positions holding "7"). `ints` is None for a column of no numbers. Or None when a cell
        is not a categorical value: `to_keys` names it. `factorized`, `pd.factorize(cells)`
        of a column of text when the caller has it (`raw_data.factorized`), stands for
        `cells`.
    """
    ints, exact = (None, None) if factorized is not None else int_cells(cells)
    if ints is not None and exact is None:
        return ints, np.full(len(cells), INT_CELL, np.int64), np.empty(0, object)
    rest = cells if exact is None else cells[~exact]
    try:
        codes, distinct = factorized or pd.factorize(rest)  # None, NaN, NaT get code -1
        keys, missing = to_keys(np.asarray(distinct), None)
    except (TypeError, ValueError):  # a list (unhashable), a date...: not keys
        return None
    codes = np.where(np.append(missing, True)[codes], -1, codes).astype(np.int64)
    if exact is not None:
        codes, rest_codes = np.full(len(cells), INT_CELL, np.int64), codes
        codes[~exact] = rest_codes
    return ints, codes, keys


def int_cells(cells):
    """The cells of a numeric array whose key is the decimal text of an int64, as int64s.

    Returns:
        A tuple `(ints, exact)`: an int64 array and a bool array, True where cell i's key is
        `str(ints[i])`, or None when that holds for every cell; `(None, None)` for an array
        of no numbers (objects, text, dates).
    """
    kind = cells.dtype.kind
    if kind in "ib":
        return cells.astype(np.int64, copy=False), None
    if kind == "u":
        exact = cells <= INT64_MAX
        return cells.astype(np.int64), None if exact.all() else exact
    if kind == "f":
        cells = cells.astype(np.float64, copy=False)
        exact = (np.abs(cells) < 2.0**63) & (np.floor(cells) == cells)  # NaN, inf: False
        ints = np.where(exact, cells, 0.0).astype(np.int64)
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
        maybe = np.fromiter(map(_maybe_int_text, texts), bool, len(texts))
        positions = np.flatnonzero(maybe)
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
    return value if -INT64_MAX - 1 <= value <= INT64_MAX else 0
