"""The one value policy in TensorFlow ops, for models exported to serve raw values.

The twin of `values` for `model.export`: each feature kind's `encode_tf` reads a serving
request's columns through these functions, so an exported model turns a cell into the same
key or number that `FeatureSpec.transform` does. Each is written beside its numpy twin
(`cell_keys`, `cell_numbers`, `number_keys`, `hashing`). A request's column is a `[batch]`
tensor of one dtype: `tf.string`, `tf.int32`/`tf.int64`, `tf.float32`/`tf.float64` or
`tf.bool`. On those, the keys and numbers here equal numpy's, bit for bit, with three
exceptions, all outside what a sane request holds:

- Text that is not UTF-8 is refused by numpy (an error naming the row) and keyed as its
  bytes here.
- TensorFlow's CPU kernels read subnormal numbers as 0: `1e-310` is key "0" here, "1e-310" in
  numpy, and a numeric value below 1.2e-38 in magnitude becomes 0.0 in float32, not a
  float32 subnormal.
- A value a numeric feature cannot read (`"abc"`) or a missing one where the feature has no
  `default` fails the request with an `InvalidArgumentError` naming the feature, where numpy
  raises a `ValueError` naming the row.

TensorFlow is imported inside each function: importing deepcross never imports it.
"""

from deepcross.features.cell_keys import to_keys_tf as to_keys
from deepcross.features.cell_lists import split_cells_tf as split_cells
from deepcross.features.cell_numbers import to_float_tf as to_float
from deepcross.features.hashing import hash_rows_tf as hash_rows
from deepcross.features.number_keys import float_keys_tf as float_keys

__all__ = ["float_keys", "hash_rows", "split_cells", "to_float", "to_keys"]
