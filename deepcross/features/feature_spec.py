"""FeatureSpec: the declarative Feature stage of a Deep Crossing model."""

import json
import warnings

import keras
import pandas as pd

from deepcross.features import raw_data
from deepcross.features.feature import Feature
from deepcross.features.input_layout import InputLayout
from deepcross.features.table import Table
from deepcross.features.vocabulary_asset import MAX_INLINE_KEYS
from deepcross.features.vocabulary_asset import VocabularyAsset

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
        if isinstance(features, Feature):
            features = [features]
        features = list(features)
        if not features:
            raise ValueError("A FeatureSpec needs at least one feature, received []")
        names, tables, owners, state_kinds = set(), {}, {}, {}
        for feature in features:
            if not isinstance(feature, Feature):
                raise ValueError(
                    "FeatureSpec takes deepcross features (dc.Categorical, dc.Numeric, ... or "
                    f"a dc.features.Feature subclass), received {feature!r}"
                )
            cls = type(feature)
            if keras.saving.get_registered_object(keras.saving.get_registered_name(cls)) is not cls:
                raise ValueError(
                    f"Feature '{feature.name}' is a {cls.__name__}, which is not registered: "
                    "decorate it with @keras.saving.register_keras_serializable() so that "
                    "saved models can rebuild it"
                )
            if feature.name in names:
                raise ValueError(f"Feature names must be unique: '{feature.name}' appears twice")
            names.add(feature.name)
            key = feature.state_key
            if key is not None and state_kinds.setdefault(key, cls) is not cls:
                raise ValueError(
                    f"Feature '{feature.name}' keeps what it learns under '{key}', as does a "
                    f"{state_kinds[key].__name__} feature; rename the feature or its table"
                )
            if feature.table is None:
                continue
            table = feature.table
            owner = owners.setdefault(table.name, feature)
            if tables.setdefault(table.name, table) != table:
                raise ValueError(
                    f"Two different tables are named '{table.name}': {tables[table.name]!r} "
                    f"and {table!r} (of feature '{feature.name}'); to share one table, pass the "
                    "same dc.Table to both features"
                )
            if owner.table_config() != feature.table_config():
                theirs, mine = owner.table_config(), feature.table_config()
                diff = sorted(
                    k for k in theirs.keys() | mine.keys() if theirs.get(k) != mine.get(k)
                )
                raise ValueError(
                    f"Features '{owner.name}' and '{feature.name}' share table '{table.name}' "
                    "but map values to rows differently: "
                    + "; ".join(f"{k}={theirs.get(k)!r} vs {mine.get(k)!r}" for k in diff)
                )
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
                as `dataset` reads them (an empty CSV field is missing). Each chunk is
                summarized, and the summaries merged; the result does not depend on how the
                data is cut into chunks. (`tf.data.experimental.make_csv_dataset` fills
                empty fields with 0 unless its `column_defaults` say otherwise: read files
                here instead, or give it defaults that keep them missing.)
            verbose: int. 1 shows a progress bar over files (bytes) or chunks (rows).
                Defaults to 0.
            on_bad_rows: str. For files: `"error"` or `"skip"`, as in `dataset`. Defaults
                to `"error"`.

        Returns:
            The spec itself, so `spec = dc.FeatureSpec([...]).adapt(df)` reads well.
        """
        states, seen = {}, False
        names = list(dict.fromkeys(c for f in self.features for c in f.source_columns))
        for chunk in raw_data.iter_chunks(data, names, on_bad_rows, verbose):
            columns, num_rows = raw_data.as_columns(chunk)
            seen = True
            for feature in self.features:
                for name in feature.source_columns:
                    raw_data.column(columns, name, feature.name)
                key = feature.state_key
                if key is None:
                    continue
                state = feature.summarize(columns, num_rows)
                states[key] = state if key not in states else feature.merge(states[key], state)
        if not seen:
            raise ValueError("adapt received no data: the iterable of chunks was empty")
        learned = {}
        for feature in self.features:
            key = feature.state_key
            if key is not None and key not in learned:
                learned[key] = feature.finish(states[key])
        self.learned = learned
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
                unloaded = self._unloaded(feature)
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
        files = self._vocabulary_files() if assets else {}
        features = []
        for feature in self.features:
            config = feature.get_config()
            if feature.table is not None:
                config["table"] = feature.table.name
                if ("vocabulary", feature.table.name) in files:
                    config["vocabulary"] = files["vocabulary", feature.table.name][0].get_config()
            features.append(
                {"class_name": keras.saving.get_registered_name(type(feature)), "config": config}
            )
        learned = {
            key: files["learned", key][0] if ("learned", key) in files else state
            for key, state in self.learned.items()
        }
        tables = {}
        for name, table in self._tables.items():
            if assets and table.vectors is not None:  # Given vectors: an asset file too.
                tables[name] = table._settings() | {
                    "vectors": table.vectors.asset_config(_vectors_file(name))
                }
            else:
                tables[name] = table.get_config()
        return {
            "features": features,
            "tables": tables,
            "learned": json.loads(json.dumps(learned, default=VocabularyAsset.get_config)),
        }

    def save_assets(self, directory):
        """Writes the vocabularies that `get_config(assets=True)` leaves out to `directory`."""
        for placeholder, keys in self._vocabulary_files().values():
            if keys is None:
                raise placeholder.not_loaded("A vocabulary to save")
            placeholder.write(directory, keys)
        for name, table in self._tables.items():
            if table.vectors is not None:
                if not table.vectors.is_loaded:
                    raise ValueError(
                        f"Table '{name}': its given vectors (asset '{table.vectors.asset}') "
                        "were not loaded, so they cannot be saved: load the .keras file"
                    )
                table.vectors.write(directory, _vectors_file(name))

    def load_assets(self, directory):
        """Reads the vocabularies that `save_assets` wrote into their placeholders' places."""
        for key, state in self.learned.items():
            if isinstance(state, VocabularyAsset):
                self.learned[key] = state.read(directory)
        given = {}  # Features sharing a table share a file: read it once.
        for feature in self.features:
            vocabulary = getattr(feature, "vocabulary", None)
            if isinstance(vocabulary, VocabularyAsset):
                if vocabulary not in given:
                    given[vocabulary] = tuple(vocabulary.read(directory))
                feature.vocabulary = given[vocabulary]
        for table in self._tables.values():
            if table.vectors is not None and not table.vectors.is_loaded:
                table.vectors = table.vectors.read(directory)
        self._prepared = {}

    def _vocabulary_files(self):
        """Each vocabulary too long for a config, as `{(where, name): (VocabularyAsset, keys)}`:
        learned ones by state key, given ones (a kind's `vocabulary`) by table; `keys` is None
        for a placeholder whose keys were never loaded."""
        files = {}
        found = [("learned", key, state) for key, state in self.learned.items()]
        found += [
            ("vocabulary", f.table.name, getattr(f, "vocabulary", None))
            for f in self.features
            if f.table is not None
        ]
        for where, name, keys in found:
            if isinstance(keys, VocabularyAsset):
                files[where, name] = (keys, None)
            elif (
                isinstance(keys, (list, tuple))
                and len(keys) > MAX_INLINE_KEYS
                and (where == "vocabulary" or all(isinstance(k, str) for k in keys))
            ):
                files[where, name] = (VocabularyAsset(f"{where}_{name}.json", len(keys)), keys)
        return files

    def _unloaded(self, feature):
        """The placeholder of `feature`'s vocabulary when its keys were never loaded, or None."""
        for vocabulary in (self._learned(feature), getattr(feature, "vocabulary", None)):
            if isinstance(vocabulary, VocabularyAsset):
                return vocabulary
        return None

    @classmethod
    def from_config(cls, config):
        if any("kind" in entry for entry in config["features"]):
            config = _from_0_1(config)
        tables = {name: Table.from_config(c) for name, c in config.get("tables", {}).items()}
        features = []
        for entry in config["features"]:
            kind = keras.saving.get_registered_object(entry["class_name"])
            if kind is None:
                raise ValueError(
                    f"Unknown feature kind {entry['class_name']!r}: import the module that "
                    "registers it (keras.saving.register_keras_serializable) before loading"
                )
            feature_config = dict(entry["config"])
            if isinstance(feature_config.get("table"), str):
                feature_config["table"] = tables[feature_config["table"]]
            features.append(kind.from_config(feature_config))
        spec = cls(features)
        spec.learned = {
            key: VocabularyAsset.from_config(state) if VocabularyAsset.is_config(state) else state
            for key, state in config.get("learned", {}).items()
        }
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

    def summary_frame(self):
        """One row per feature: kind, columns, model input columns (`input`, e.g.
        `int32[1:3]`, see `layout`), table, rows, dim, combiner, scaling, width."""
        rows = []
        for feature in self.features:
            key, start, stop, _ = self.layout.slots[feature.name]
            table = feature.table.name if feature.table is not None else ""
            learned = feature.state_key is None or feature.state_key in self.learned
            rows.append(
                {
                    "feature": feature.name,
                    "kind": type(feature).__name__,
                    "columns": ", ".join(feature.source_columns),
                    "input": f"{key}[{start}:{stop}]",
                    "table": table,
                    "rows": self.table_rows(table) if table and learned else "",
                    "dim": self.embedding_dim(table) if table and learned else "",
                    "combiner": getattr(feature, "combiner", "") if table else "",
                    "scaling": getattr(feature, "scaling", None) or "",
                    "width": self.output_dim(feature) if learned else "?",
                }
            )
        return pd.DataFrame(rows).set_index("feature")

    def summary(self, print_fn=print):
        """Prints the spec as a table (see `summary_frame`), like `keras.Model.summary`."""
        print_fn(str(self))

    def __str__(self):
        state = "adapted" if self.is_adapted else "not adapted: call adapt(data)"
        return f"FeatureSpec ({state})\n{self.summary_frame().to_string()}"

    def __repr__(self):
        names = ", ".join(f.name for f in self.features)
        return f"FeatureSpec([{names}], tables={self.table_names}, adapted={self.is_adapted})"


def _vectors_file(table):
    """The asset file of a table's given vectors in a saved model."""
    return f"vectors_{table}.npz"


def _from_0_1(config):
    """A deepcross 0.1 spec config (kinds by name, table arguments and learned vocabularies
    under `tables`, `normalization`, `statistics`) in today's form, so 0.1 models load."""
    old_tables = config.get("tables", {})
    learned = {k: v for k, v in config.get("statistics", {}).items()}
    features, tables = [], {}
    for entry in config["features"]:
        entry = dict(entry)
        kind = entry.pop("kind")
        if "normalization" in entry:
            entry["scaling"] = entry.pop("normalization")
        if kind == "Bucketized":
            entry.pop("scaling", None)
        if kind not in ("Numeric", "Bucketized"):
            table = entry.get("table") or entry["name"]
            arguments = {k: v for k, v in old_tables[table].items() if k != "kind"}
            if "learned_vocabulary" in arguments:
                learned[table] = arguments.pop("learned_vocabulary")
            entry |= arguments
        if kind != "Numeric":
            name = entry.get("table") or entry["name"]
            tables[name] = Table(name, dim=entry.get("dim", "auto")).get_config()
            entry["table"] = name
        features.append({"class_name": f"deepcross>{kind}", "config": entry})
    return {"features": features, "tables": tables, "learned": learned}
