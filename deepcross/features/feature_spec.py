"""FeatureSpec: the declarative Feature stage of a Deep Crossing model."""

import json
import warnings

import keras

from deepcross.features import raw_data
from deepcross.features import spec_adapt
from deepcross.features import spec_assets
from deepcross.features import spec_checks
from deepcross.features import spec_config
from deepcross.features import spec_summary
from deepcross.features.input_layout import InputLayout

# What `transform(..., return_counts=True)` reports for every feature (a kind may add more).
COUNTS = ("values", "missing", "oov", "truncated", "nonfinite")


@keras.saving.register_keras_serializable(package="deepcross")
class FeatureSpec:
    """Declares every input feature of a model and turns raw data into model inputs.

    The first of Deep Crossing's five stages. A spec holds features of any kind:
    `Categorical` (a vocabulary, given or learned), `IntegerIdentity`, `Hashed`, `Crossed`,
    `Numeric`, `Bucketized`, or a kind of your own (see `Feature`). `adapt` learns what the
    features need from data (vocabularies, statistics) in one pass; `transform` maps raw
    values (strings and numbers as they are in a CSV or a JSON request) to the arrays the
    model takes: int32 table rows (-1 where a slot is empty) and float32 values.

    String lookup happens here, in vectorized numpy/pandas, rather than inside the model:
    Keras' `StringLookup` runs TensorFlow and cannot sit in a JAX or PyTorch graph. Every
    deepcross layer and model keeps its own copy of the spec, taken when it is made, and
    its config carries it, so a saved model predicts from raw values after loading
    (vocabularies of more than `MAX_INLINE_KEYS` keys travel as asset files of the `.keras`
    archive, their sizes in the config; see `get_config`).

    Args:
        features: sequence of `Feature`. Names must be unique; features that share a
            `Table` must map values to rows the same way (same kind and vocabulary).

    Example:

    ```python
    genre = dc.Table("genre", dim=8)
    spec = dc.FeatureSpec([
        dc.Categorical("movieId", dim=16),
        dc.Categorical("genre", columns=["genre1", "genre2"], table=genre),
        dc.Numeric("ratingCount", scaling="log1p"),
    ]).adapt(train_df)
    inputs = spec.transform(test_df)  # {"int32": (n, 3) table rows, "float32": (n, 1)}
    spec.layout.unpack(inputs)["genre"]  # its (n, 2) columns; or transform(packed=False)
    ```
    """

    def __init__(self, features):
        features, tables, owners = spec_checks.check_features(features)
        self.features = features
        self.layout = InputLayout(features)
        self._tables = tables
        self._owners = owners
        self.learned = {}
        self._prepared = {}

    # --- Structure ----------------------------------------------------------------------------

    def __getitem__(self, name):
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(f"No feature named '{name}' in this spec")

    @property
    def tables(self):
        """Each embedding table's name mapped to its `Table`, in order of first use."""
        return dict(self._tables)

    @property
    def table_names(self):
        return list(self._tables)

    def _learned(self, feature):
        return self.learned.get(feature.state_key) if feature.state_key else None

    def table_rows(self, table):
        """Rows of embedding table `table` (out-of-vocabulary rows included)."""
        owner = self._owners[table]
        return owner.table_rows(self._learned(owner))

    def row_keys(self, table):
        """A label per row of `table`: `"[OOV]"`, then vocabulary keys, ids or bins."""
        owner = self._owners[table]
        return owner.row_keys(self._learned(owner))

    def embedding_dim(self, table):
        """Width of embedding table `table`, with `dim="auto"` resolved."""
        return self._tables[table].resolved_dim(self.table_rows(table))

    def output_dim(self, feature):
        """Width of `feature`'s slice of the stacked vector."""
        feature = self[feature] if isinstance(feature, str) else feature
        return feature.output_dim(self._learned(feature))

    @property
    def is_adapted(self):
        """True when everything the features learn from data has been learned."""
        return all(f.state_key in self.learned for f in self.features if f.state_key)

    def make_inputs(self):
        """The model's `keras.Input`s: one per dtype, as `transform` packs them (`layout`)."""
        return self.layout.make_inputs()

    # --- Learning from data -----------------------------------------------------------------

    def adapt(self, data, verbose=0, on_bad_rows="error"):
        """Learns vocabularies and statistics from data, in one pass.

        Args:
            data: raw data: a pandas DataFrame, a dict of columns, a list of records, a
                batched `tf.data.Dataset` of dicts (or `(dict, label)` pairs), any other
                iterable of such chunks (e.g. `pd.read_csv(path, chunksize=100_000)`), or a
                path, folder or list of paths of CSV and Parquet files, read a chunk at a time
                as `deepcross.data.FeatureDataset` reads them (an empty CSV field is missing). Each chunk is
                summarized, and the summaries merged; the result does not depend on how the
                data is cut into chunks. (`tf.data.experimental.make_csv_dataset` fills
                empty fields with 0 unless its `column_defaults` say otherwise: read files
                here instead, or give it defaults that keep them missing.)
            verbose: int. 1 shows a progress bar over files (bytes) or chunks (rows).
                Defaults to 0.
            on_bad_rows: str. For files: `"error"` or `"skip"`, as in `FeatureDataset`. Defaults
                to `"error"`.

        Returns:
            The spec itself, so `spec = dc.FeatureSpec([...]).adapt(df)` reads well.
        """
        self.learned = spec_adapt.learn(self.features, data, on_bad_rows, verbose)
        self._prepared = {}
        self._warn_of_separators()
        return self

    def _warn_of_separators(self):
        """Warns when learned keys hold another feature's separator: a list read as one value."""
        separators = {f.separator: f.name for f in self.features if getattr(f, "separator", None)}
        for feature in self.features:
            keys = self.learned.get(feature.state_key) if feature.state_key else None
            if getattr(feature, "separator", None) or not isinstance(keys, list):
                continue
            for separator, owner in separators.items():
                held = [key for key in keys if separator in key]
                if held:
                    warnings.warn(
                        f"Feature '{feature.name}' learned {len(held)} values that contain "
                        f"{separator!r}, the separator of feature '{owner}' (e.g. {held[0]!r}); "
                        f"if they are lists, declare separator={separator!r} and max_values",
                        stacklevel=3,
                    )

    # --- Raw data to model inputs -------------------------------------------------------------

    def transform(self, data, return_counts=False, packed=True):
        """Maps raw data to the model's inputs.

        Args:
            data: raw rows: a pandas DataFrame, a dict of columns (or of scalars, one row), a
                list of records (dicts), or a pandas Series (one row).
            return_counts: bool. Also return, per feature, how many values were present
                (`values`), missing, out of vocabulary (`oov`), cut off (`truncated`) or
                non-finite (`nonfinite`), as the kind counts them. Defaults to False.
            packed: bool. Return the model's inputs, one matrix per dtype (`layout`); False
                returns one array per feature, keyed by feature name, to read or to feed
                an `EmbeddingStack` (which takes both). Defaults to True.

        Returns:
            The model's inputs, a dict of numpy arrays keyed by dtype: `"int32"`, a
            `(rows, width)` matrix of table rows (-1 where a slot is empty), `"float32"`, a
            `(rows, width)` matrix of values; `layout.slots` says which columns are whose.
            With `packed=False`, a dict keyed by feature name of `(rows, *input_shape)`
            arrays. With `return_counts`, a tuple `(arrays, counts)`. Zero rows give
            zero-row arrays.
        """
        unadapted = [
            f.name for f in self.features if f.state_key and f.state_key not in self.learned
        ]
        if unadapted:
            raise ValueError(
                f"Feature '{unadapted[0]}' learns from data (a vocabulary or statistics), and "
                f"this spec was not adapted: call spec.adapt(data) first (unadapted: {unadapted})"
            )
        columns, num_rows = raw_data.as_columns(data)
        arrays, counts = {}, {}
        for feature in self.features:
            if feature.name not in self._prepared:
                unloaded = spec_assets.unloaded(self, feature)
                if unloaded is not None:
                    raise unloaded.not_loaded(f"The vocabulary of feature '{feature.name}'")
                self._prepared[feature.name] = feature.prepare(self._learned(feature))
            arrays[feature.name], found = feature.encode(
                columns, num_rows, self._prepared[feature.name]
            )
            counts[feature.name] = dict.fromkeys(COUNTS, 0) | found
        if packed:
            arrays = self.layout.pack(arrays)
        return (arrays, counts) if return_counts else arrays

    # --- Serialization ----------------------------------------------------------------------

    def get_config(self, assets=False):
        """A JSON-ready dict: features, each shared table written once, what was learned.

        Args:
            assets: bool. Write each vocabulary (learned or given) of more than
                `MAX_INLINE_KEYS` keys as `{"asset": file, "size": n}`, for a layer that
                writes the keys with `save_assets`, as `EmbeddingStack` does. Defaults to
                False: every key in the config.
        """
        return spec_config.get_config(self, assets)

    def save_assets(self, directory):
        """Writes the vocabularies that `get_config(assets=True)` leaves out to `directory`."""
        spec_assets.save_assets(self, directory)

    def load_assets(self, directory):
        """Reads the vocabularies that `save_assets` wrote into their placeholders' places."""
        spec_assets.load_assets(self, directory)
        self._prepared = {}

    @classmethod
    def from_config(cls, config):
        features, learned = spec_config.from_config(config)
        spec = cls(features)
        spec.learned = learned
        return spec

    def copy(self):
        """A deep, independent copy: later changes to either spec leave the other as it is."""
        return type(self).from_config(self.get_config())

    def to_json(self):
        return json.dumps(self.get_config())

    @classmethod
    def from_json(cls, text):
        return cls.from_config(json.loads(text))

    def __eq__(self, other):
        return isinstance(other, FeatureSpec) and self.get_config() == other.get_config()

    # --- Printing -----------------------------------------------------------------------------

    def summary_frame(self):
        """One row per feature: kind, columns, model input columns (`input`, e.g.
        `int32[1:3]`, see `layout`), table, rows, dim, combiner, scaling, width."""
        return spec_summary.summary_frame(self)

    def summary(self, print_fn=print):
        """Prints the spec as a table (see `summary_frame`), like `keras.Model.summary`."""
        print_fn(str(self))

    def __str__(self):
        return spec_summary.summary_text(self)

    def __repr__(self):
        names = ", ".join(f.name for f in self.features)
        return f"FeatureSpec([{names}], tables={self.table_names}, adapted={self.is_adapted})"
