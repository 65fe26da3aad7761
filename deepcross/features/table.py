"""Table: one embedding table, shared by every feature that is handed it."""

import keras

from deepcross import _checks
from deepcross.features.embedding import Embedding


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
            `keras.regularizers.L2(1e-6)`: the first knob CTR practitioners tune. Defaults
            to None.

    Example:

    ```python
    genre = dc.Table("genre", dim=8, embeddings_regularizer=keras.regularizers.L2(1e-6))
    spec = dc.FeatureSpec([
        dc.Categorical("movieGenre", columns=["movieGenre1", "movieGenre2"], table=genre),
        dc.Categorical("userGenre", columns=["userGenre1", "userGenre2"], table=genre),
    ])
    ```
    """

    def __init__(
        self, name, dim="auto", embeddings_initializer="uniform", embeddings_regularizer=None
    ):
        self.name = _checks.name(name, "name", "Table")
        if dim != "auto":
            dim = _checks.positive_int(dim, "dim", f"Table '{name}'")
        self.dim = dim
        owner = f"Table '{name}'"
        self.embeddings_initializer = _checks.keras_object(
            keras.initializers, embeddings_initializer, "embeddings_initializer", owner
        )
        self.embeddings_regularizer = _checks.keras_object(
            keras.regularizers, embeddings_regularizer, "embeddings_regularizer", owner
        )

    def resolved_dim(self, rows):
        """The width for a table of `rows` rows: `dim`, or the `"auto"` rule."""
        return auto_dim(rows) if self.dim == "auto" else self.dim

    def make_layer(self, rows, dtype=None):
        """A new `keras.layers.Embedding` of `rows` rows, with its own initializer clone.

        Under a `keras.distribution` that shards the table's variable by row (for instance
        `ModelParallel` with `layout_map[".*_embedding/embeddings"] = ("model", None)`), the
        variable gets zero rows at its end, up to a multiple of the shard count; see
        `Embedding`. `input_dim` stays `rows`.
        """
        layer = Embedding(
            rows,
            self.resolved_dim(rows),
            embeddings_initializer=_checks.clone(self.embeddings_initializer),
            embeddings_regularizer=_checks.clone(self.embeddings_regularizer),
            name=f"{self.name}_embedding",
            dtype=dtype,
        )
        layer.build((None,))
        return layer

    def get_config(self):
        return {
            "name": self.name,
            "dim": self.dim,
            "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": keras.regularizers.serialize(self.embeddings_regularizer)
            if self.embeddings_regularizer is not None
            else None,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, Table) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"Table({self.name!r}, dim={self.dim!r})"
