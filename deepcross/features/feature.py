"""Feature: the base of every feature kind, and the protocol a kind of your own follows."""

import dataclasses

from deepcross import _checks


@dataclasses.dataclass
class Feature:
    """One input feature of a model: which columns it reads and how they become a slice.

    The Feature stage of Deep Crossing. A feature kind answers every question about its
    feature in one class, so `FeatureSpec` and `EmbeddingStack` only loop over features:

    | method | question | runs |
    |---|---|---|
    | `source_columns` | which raw columns do I read? | everywhere |
    | `input_shape`, `input_dtype` | what model input do I become? | model building |
    | `state_key`, `summarize`, `merge`, `finish` | what do I learn, as a mergeable state? | `FeatureSpec.adapt` |
    | `prepare` | learned state → what `encode` uses (e.g. a hash index) | once per spec |
    | `encode` | raw values → model input, in numpy (vectorized) | `FeatureSpec.transform` |
    | `serving_dtype`, `prepare_tf`, `encode_tf` | the same in TensorFlow ops | `model.export` |
    | `table`, `table_rows`, `row_keys` | which embedding table, of how many rows? | `EmbeddingStack.build` |
    | `output_dim`, `call` | my slice of the stacked vector, in `keras.ops` | `EmbeddingStack.call` |
    | `get_config`, `from_config` | my arguments (Keras registry) | save / load |

    Learned state is keyed by `state_key`: features with the same key (those that share a
    table with a learned vocabulary) pool what they learn. `summarize` sees one chunk of
    data, `merge` combines two states in any order or grouping, so `adapt` gives the same
    answer on the whole data, on chunks, or on shards adapted in parallel; `finish` turns
    the state into what is saved with the model (JSON-ready: lists, numbers, strings).

    A kind of your own subclasses `Feature` (a dataclass), overrides what it needs, and is
    registered with `keras.saving.register_keras_serializable`. See `docs/extending.md`.

    Args:
        name: str. The feature's name and its model input's name: ASCII letters, digits and
            `_`, starting with a letter. A column with another name is read with
            `columns=[...]` where the kind takes it.
    """

    name: str

    def __post_init__(self):
        _checks.name(self.name, "name", "Feature")

    def error(self, message):
        """A ValueError whose message starts with the feature's name."""
        return ValueError(f"Feature '{self.name}': {message}")

    # --- Columns and model input ------------------------------------------------------------

    @property
    def source_columns(self):
        """The raw columns this feature reads. Defaults to the column named like the feature."""
        return (self.name,)

    @property
    def input_shape(self):
        """Shape of this feature's model input, without the batch axis."""
        return (1,)

    @property
    def input_dtype(self):
        """Dtype of this feature's model input: `"int32"` table rows or `"float32"` values."""
        return "float32"

    # --- What is learned from data ----------------------------------------------------------

    @property
    def state_key(self):
        """Key of this feature's learned state in the spec, or None when nothing is learned."""
        return None

    def summarize(self, columns, num_rows):
        """The mergeable state of one chunk of raw data."""
        raise NotImplementedError(f"{type(self).__name__} learns nothing")

    def merge(self, a, b):
        """Two states combined into one (associative and commutative)."""
        raise NotImplementedError(f"{type(self).__name__} learns nothing")

    def finish(self, state):
        """The learned state, JSON-ready, from a merged state."""
        raise NotImplementedError(f"{type(self).__name__} learns nothing")

    def prepare(self, learned):
        """What `encode` needs, made once from the learned state (None if nothing learned)."""
        return learned

    # --- Raw values to model inputs -----------------------------------------------------------

    def encode(self, columns, num_rows, prepared):
        """Raw values to this feature's model input, in numpy.

        Args:
            columns: mapping of column name to 1-D numpy array (see `raw_data.as_columns`).
            num_rows: int. Number of rows.
            prepared: what `prepare` made from the learned state.

        Returns:
            A tuple `(array, counts)`: an `(num_rows, *input_shape)` array of `input_dtype`,
            and a dict of int counts (`values`, `missing`, ...) for `transform`'s report.
        """
        raise NotImplementedError

    # --- Raw values to model inputs, in TensorFlow (serving) ---------------------------------

    @property
    def serving_dtype(self):
        """The dtype of this feature's columns in a serving request: `"string"`, `"int64"` or
        `"float32"`. `model.export(..., dtypes={column: dtype})` declares another."""
        return "float32"

    def prepare_tf(self, learned):
        """What `encode_tf` needs, made once when a model is exported: a `tf.lookup` table,
        say. TensorFlow resources in it are saved with the exported model."""
        return None

    def encode_tf(self, columns, prepared):
        """Raw values to this feature's model input, in TensorFlow ops, for `model.export`.

        Must give what `encode` gives, bit for bit, so that a served score equals
        `predict_raw`'s: read cells through `deepcross.features.tf_values`, the value policy
        in TensorFlow. TensorFlow is imported inside the method (JAX and PyTorch users may
        not have it).

        Args:
            columns: dict of column name to a `[batch]` tensor: `tf.string`, integer or
                floating, as the request declares the column (see `serving_dtype`).
            prepared: what `prepare_tf` made.

        Returns:
            A `(batch, *input_shape)` tensor of `input_dtype`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} has no TensorFlow encoding (encode_tf), so a model using "
            "it cannot be exported to serve raw values"
        )

    # --- The slice of the stacked vector ------------------------------------------------------

    @property
    def table(self):
        """The `Table` this feature embeds into, or None."""
        return None

    def table_rows(self, learned):
        """Rows of this feature's table, given the learned state."""
        raise NotImplementedError(f"{type(self).__name__} has no table")

    def row_keys(self, learned):
        """A label for each table row, for `embedding_table`. Defaults to row numbers."""
        return [str(i) for i in range(self.table_rows(learned))]

    def lookup_rows(self, x, table_rows):
        """The table rows that `call` looks up for input `x`, and which of them count.

        Row-sparse training (`RankingModel.compile`) gathers, before the forward pass, the
        rows each table will be read at: a kind with a table says which here, as
        `EmbeddedFeature.lookup_rows` does. A kind with a table that leaves this out trains
        its table densely, with a warning.

        Args:
            x: the feature's input tensor.
            table_rows: int. Rows of the table.

        Returns:
            A tuple `(rows, present)`: int32 rows that `call` passes to the embedding, and
            a bool of the same shape, False where the looked-up vector is left out.
        """
        raise NotImplementedError(f"{type(self).__name__} does not say which rows it reads")

    def output_dim(self, learned):
        """Width of this feature's slice of the stacked vector."""
        return 1

    def call(self, x, embedding, learned, compute_dtype):
        """This feature's slice, in `keras.ops`.

        Args:
            x: the feature's input tensor, `(batch, *input_shape)`.
            embedding: the `keras.layers.Embedding` of `table`, or None.
            learned: the learned state (`FeatureSpec.learned[state_key]`), or None.
            compute_dtype: str. The dtype the slice is returned in.

        Returns:
            A `(batch, output_dim)` tensor.
        """
        raise NotImplementedError

    # --- Config -------------------------------------------------------------------------------

    def get_config(self):
        """The constructor arguments, JSON-ready."""
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def jsonable(value):
    """`value` as JSON holds it: tuples as lists, numpy scalars as Python ones, configs."""
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    if hasattr(value, "get_config"):
        return value.get_config()
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value
