"""List-valued cells (genres "Action|Comedy", a list of ids) as values, in numpy and TensorFlow.

A cell may be a string (split on a separator), a list, tuple or 1-D array of values, or a
single value. Each value is then keyed by `cell_keys`, so a list's values follow the one
policy.
"""

import itertools
import operator
from collections.abc import Mapping

import numpy as np

from deepcross import _messages
from deepcross.features import raw_data
from deepcross.features.cell_keys import to_keys

# --- numpy --------------------------------------------------------------------------------


def split_cells(cells, separator, feature):
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
    cells = raw_data.as_array(cells, f"Feature '{feature}' values")
    n = len(cells)
    inferred = "numbers"
    if cells.dtype.kind not in "iubf":
        cells = raw_data.object_cells(cells)
        cells, na, inferred = raw_data.decoded(cells)
    if inferred in ("string", "empty") and separator is not None:
        texts = np.where(na, "", cells)  # a missing cell: one missing piece
        lengths = np.fromiter(map(operator.methodcaller("count", separator), texts), np.int64, n)
        lengths += 1
        if len(separator) == 1 and n:  # one split of the joined text: no list per cell
            pieces = raw_data.object_array(separator.join(texts).split(separator))
        else:  # "||" in "a|" + "||" + "b" would not split where the cells meet
            pieces = raw_data.object_array(
                [piece for text in texts for piece in text.split(separator)]
            )
    elif inferred in ("numbers", "string", "empty", "integer", "floating", "boolean"):
        keys, missing = to_keys(cells, feature, None)  # one value per cell
        return keys, missing, np.arange(n, dtype=np.int64), np.zeros(n, np.int64)
    else:
        if set(map(type, cells)) <= {list, tuple}:
            parts = cells
        else:
            parts = [_cell_parts(cell, separator, feature, i) for i, cell in enumerate(cells)]
        lengths = np.fromiter(map(len, parts), np.int64, n)
        pieces = np.fromiter(itertools.chain.from_iterable(parts), object, lengths.sum())
    row = np.repeat(np.arange(n, dtype=np.int64), lengths)
    slot = np.arange(len(row), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    keys, missing = to_keys(pieces, feature, row)
    return keys, missing, row, slot


def _cell_parts(cell, separator, feature, row):
    if isinstance(cell, bytes):
        try:
            cell = cell.decode()
        except UnicodeDecodeError:
            raise ValueError(
                f"Feature '{feature}': row {row} holds {_messages.show(cell)}, which is not "
                "valid UTF-8 text"
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
        f"Feature '{feature}': row {row} holds {_messages.show(cell)}, which is neither a list "
        "of values nor a categorical value"
    )


# --- TensorFlow, for model.export ----------------------------------------------------------


def split_cells_tf(cells, separator):
    """A list-valued request column's values, as `split_cells` reads them: a
    `tf.RaggedTensor` of a row per cell, text split on `separator`, anything else one value
    per cell."""
    import tensorflow as tf

    if separator is not None and cells.dtype == tf.string:
        return tf.strings.split(cells, sep=separator)
    return tf.RaggedTensor.from_tensor(cells[:, None])
