"""The one value policy, in numpy: how a raw cell becomes a categorical key or a number.

The Feature stage runs outside the model graph, so every raw input (a pandas DataFrame, a dict
of numpy arrays, CSV rows, a JSON request) passes through these functions before it reaches a
layer. Writing the rules once keeps training, adapting and serving in agreement; a feature kind
of your own reads its cells through them too. Each concern lives in its own module, its numpy
and TensorFlow halves side by side (`tf_values` is the TensorFlow face):

- keys, `to_keys` and `canonical_key`: `cell_keys` (a number's key text: `number_keys`). In
  short, `349`, `349.0`, `"349"`, `" 349.0 "` and `np.int32(349)` are one key, "349"; None,
  NaN, `""`, blank text and non-finite numbers are missing; lists, dicts and dates are errors
  naming the feature, the row and the value.
- numbers, `to_float`: `cell_numbers`. Numeric text reads as its number; None, NaN, blanks,
  "nan", "None", "<NA>" are missing; inf and values past float32's range are non-finite.
- list-valued cells, `split_cells`: `cell_lists`.
- long columns of ids as codes, `key_codes`: `key_codes`.
- the grammar of numbers in text both sides read: `cell_text`.
"""

from deepcross._messages import describe
from deepcross._messages import names_text
from deepcross._messages import rows_text
from deepcross.features.cell_keys import canonical_key
from deepcross.features.cell_keys import to_keys
from deepcross.features.cell_lists import split_cells
from deepcross.features.cell_numbers import to_float
from deepcross.features.key_codes import INT_CELL
from deepcross.features.key_codes import int64_keys
from deepcross.features.key_codes import int_cells
from deepcross.features.key_codes import key_codes
from deepcross.features.number_keys import int_texts
from deepcross.features.raw_data import FEW_CELLS
from deepcross.features.raw_data import as_array
from deepcross.features.raw_data import object_array
from deepcross.features.raw_data import series_array

__all__ = [
    "FEW_CELLS",
    "INT_CELL",
    "as_array",
    "canonical_key",
    "describe",
    "int64_keys",
    "int_cells",
    "int_texts",
    "key_codes",
    "names_text",
    "object_array",
    "rows_text",
    "series_array",
    "split_cells",
    "to_float",
    "to_keys",
]
