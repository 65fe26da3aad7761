"""Table: one embedding table, shared by every feature that is handed it."""

import logging

import keras

from deepcross import _checks
from deepcross.features.embedding import Embedding
from deepcross.features.pretrained_vectors import PretrainedInitializer
from deepcross.features.pretrained_vectors import PretrainedVectors

logger = logging.getLogger(__name__)


def auto_dim(rows):
    """The embedding width that `dim="auto"` picks for a table of `rows` rows.

    The fast.ai rule of thumb, `round(1.6 * rows ** 0.56)`, kept between 2 and 64:
    a 20-genre table gets 9, a 610-user table 58, a 9,742-movie table 64.
    """
    return int(min(64, max(2, round(1.6 * rows**0.56))))


@keras.saving.register_keras_serializable(package="deepcross")
class Table:
    """An embedding table: its name, width, initializer and regularizer.

    The Embedding stage of Deep Crossing gives each categorical feature a table of vectors.
    A feature declared with `dim=` gets a table of its own, named after it. To share one
    table between features (movie ids and a user's rated movies; a movie's genres and a
    user's favourite genres), make one `Table` and hand it to each of them: the features
    then look up rows of the same variable, and must map values to rows the same way (the
    same kind and vocabulary arguments). The number of rows comes from the features.

    Args:
        name: str. The table's name (ASCII letters, digits and `_`); its layer is named
            `"{name}_embedding"`.
        dim: int or `"auto"`. Vector width; `"auto"` applies `auto_dim` to the row count.
            Defaults to `"auto"`.
        embeddings_initializer: str, config or initializer. Initial vectors. Each table's
            layer gets its own clone. Defaults to `"uniform"` (Keras `Embedding`'s default).
        embeddings_regularizer: str, config, regularizer or None. For example `"l2"` or
            `keras.regularizers.L2(1e-6)`: the first knob CTR practitioners tune. In
            row-sparse training (the default, `RankingModel.compile`) it applies to the rows
            each step touches, each once, as sparse trainers do; with
            `table_optimizer=None`, to the whole table every step. Defaults to None.
        vectors: mapping, pair, DataFrame or None. Pretrained vectors to start from, keyed
            by value: `{key: vector}`, `(keys, matrix)` or a DataFrame indexed by key (what
            `model.embedding_table(name)` returns, so one model's vectors can start
            another's). Keys follow the value policy (`349`, `"349"` are one key) and are
            matched against the table's row keys (those of `embedding_table`: vocabulary
            keys and `"[OOV]"`, ids, bin numbers, bucket ranges). Rows without a vector
            start from `embeddings_initializer`; when the layer is made a log line (logger
            `deepcross.features.table`, level INFO) counts them and the given keys the table
            does not hold. The width must equal `dim`; with `dim="auto"` it is the width.
            Defaults to None.
        trainable: bool. False freezes the table: its `Embedding` layer is made with
            `trainable=False`, so `fit` leaves its vectors as they start (given or drawn).
            Defaults to True: given vectors are fine-tuned with the model.

    Example:

    ```python
    genre = dc.Table("genre", dim=8, embeddings_regularizer=keras.regularizers.L2(1e-6))
    spec = dc.FeatureSpec([
        dc.Categorical("movieGenre", columns=["movieGenre1", "movieGenre2"], table=genre),
        dc.Categorical("userGenre", columns=["userGenre1", "userGenre2"], table=genre),
    ])
    item2vec = dc.Table("movieId", vectors={"1": np.ones(4), "2": np.zeros(4)},
                        trainable=False)  # dim 4, frozen
    ```
    """

    def __init__(
        self,
        name,
        dim="auto",
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        vectors=None,
        trainable=True,
    ):
        self.name = _checks.name(name, "name", "Table")
        owner = f"Table '{name}'"
        if dim != "auto":
            dim = _checks.positive_int(dim, "dim", owner)
        self.vectors = PretrainedVectors.make(vectors, owner)
        if self.vectors is not None:
            if dim == "auto":
                dim = self.vectors.width
            elif dim != self.vectors.width:
                raise ValueError(
                    f"{owner}: the given vectors are {self.vectors.width} wide, but dim={dim}: "
                    f"give vectors of width {dim}, or dim={self.vectors.width} (or dim='auto')"
                )
        self.dim = dim
        self.embeddings_initializer = _checks.keras_object(
            keras.initializers, embeddings_initializer, "embeddings_initializer", owner
        )
        self.embeddings_regularizer = _checks.keras_object(
            keras.regularizers, embeddings_regularizer, "embeddings_regularizer", owner
        )
        self.trainable = _checks.boolean(trainable, "trainable", owner)

    def resolved_dim(self, rows):
        """The width for a table of `rows` rows: `dim`, or the `"auto"` rule."""
        return auto_dim(rows) if self.dim == "auto" else self.dim

    def make_layer(self, rows, dtype=None, row_keys=None):
        """A new `keras.layers.Embedding` of `rows` rows, with its own initializer clone.

        Under a `keras.distribution` that shards the table's variable by row (for instance
        `ModelParallel` with `layout_map[".*_embedding/embeddings"] = ("model", None)`), the
        variable gets zero rows at its end, up to a multiple of the shard count; see
        `Embedding`. `input_dim` stays `rows`. The layer is `trainable=False` for a frozen
        table.

        Args:
            rows: int. The table's rows.
            dtype: the layer's dtype policy. Defaults to None.
            row_keys: sequence of str or None. The key of each row (`FeatureSpec.row_keys`),
                where the given `vectors` go; needed when `needs_row_keys`. Defaults to None.
        """
        initializer = _checks.clone(self.embeddings_initializer)
        if self.needs_row_keys:
            if row_keys is None:
                raise ValueError(
                    f"Table '{self.name}' starts from given vectors: make_layer needs the "
                    "key of each row (row_keys=spec.row_keys(name))"
                )
            table_rows, found = self.vectors.placed(row_keys)
            initializer = PretrainedInitializer(initializer, table_rows, self.vectors.matrix[found])
            self._log_placed(rows, len(table_rows), found, row_keys)
        layer = Embedding(
            rows,
            self.resolved_dim(rows),
            embeddings_initializer=initializer,
            embeddings_regularizer=_checks.clone(self.embeddings_regularizer),
            name=f"{self.name}_embedding",
            dtype=dtype,
            trainable=self.trainable,
        )
        layer.build((None,))
        return layer

    @property
    def needs_row_keys(self):
        """True when the table has given vectors to place (not a saved model's placeholder,
        whose values the model's weights hold)."""
        return self.vectors is not None and self.vectors.is_loaded

    def _log_placed(self, rows, placed, found, row_keys):
        unknown = [key for key, ok in zip(self.vectors.keys, found) if not ok]
        message = (
            f"Table '{self.name}': {placed:,} of {rows:,} rows start from the given vectors, "
            f"{rows - placed:,} from its initializer"
        )
        if unknown:
            message += f"; {len(unknown):,} given keys are not in the table (e.g. {unknown[:3]})"
        level = logging.INFO
        if not placed:
            level = logging.WARNING
            message += f"; its row keys look like {list(row_keys[:3])}"
        logger.log(level, message)

    def get_config(self):
        config = self._settings()
        # Every key and vector; `FeatureSpec.get_config(assets=True)` puts a saved model's in
        # an asset file instead.
        config["vectors"] = self.vectors.get_config() if self.vectors is not None else None
        return config

    def _settings(self):
        """The config less the vectors."""
        return {
            "name": self.name,
            "dim": self.dim,
            "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": keras.regularizers.serialize(self.embeddings_regularizer)
            if self.embeddings_regularizer is not None
            else None,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        if other is self:
            return True
        return (
            isinstance(other, Table)
            and self._settings() == other._settings()
            and self.vectors == other.vectors
        )

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"Table({self.name!r}, dim={self.dim!r})"
