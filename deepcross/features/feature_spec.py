"""FeatureSpec: the declarative Feature stage of a Deep Crossing model."""

import json

import keras
import numpy as np
import pandas as pd

from deepcross.features import _values
from deepcross.features.bucketized import Bucketized
from deepcross.features.categorical import Categorical
from deepcross.features.categorical_feature import CategoricalFeature
from deepcross.features.hashed import Hashed
from deepcross.features.integer_identity import IntegerIdentity
from deepcross.features.numeric import Numeric

FEATURE_KINDS = {cls.__name__: cls for cls in (Categorical, IntegerIdentity, Hashed, Numeric, Bucketized)}


@keras.saving.register_keras_serializable(package="deepcross")
class FeatureSpec:
    """Declares every input feature of a model and turns raw data into model inputs.

    The first of Deep Crossing's five stages. A spec lists features of five kinds:
    `Categorical` (a vocabulary, given or learned), `IntegerIdentity`, `Hashed`, `Numeric`
    and `Bucketized`. `adapt` learns what the features need from data (vocabularies,
    normalization statistics) in one pass; `transform` maps raw values (strings and
    numbers as they are in a CSV) to the arrays the model takes: int32 table rows for
    categorical features (-1 where a value is missing) and float32 values for numeric ones.

    String lookup happens here, in vectorized numpy/pandas, rather than inside the model:
    Keras' `StringLookup` runs TensorFlow and cannot sit in a JAX or PyTorch graph. The spec
    is part of every deepcross model's config, so a saved model carries its vocabularies and
    statistics and `model.predict_raw(raw_data)` works after loading.

    Args:
        features: sequence of feature objects. Names must be unique; features that name the
            same `table` must declare the same table arguments.

    Example:

    ```python
    spec = dc.FeatureSpec([
        dc.Categorical("movieId", dim=16),
        dc.Categorical("genre", columns=["genre1", "genre2"], table="genre", dim=8),
        dc.Numeric("rating_count", normalization="log1p"),
    ])
    spec.adapt(train_df)
    inputs = spec.transform(test_df)  # {"movieId": int32 (n, 1), "genre": (n, 2), ...}
    ```
    """

    def __init__(self, features):
        features = list(features)
        if not features:
            raise ValueError("A FeatureSpec needs at least one feature, received []")
        names = set()
        tables = {}
        for feature in features:
            if not isinstance(feature, (CategoricalFeature, Numeric)):
                raise ValueError(
                    "FeatureSpec takes feature objects (dc.Categorical, dc.IntegerIdentity, "
                    f"dc.Hashed, dc.Numeric, dc.Bucketized), received {feature!r}"
                )
            if feature.name in names:
                raise ValueError(f"Feature names must be unique: '{feature.name}' appears twice")
            names.add(feature.name)
            if not isinstance(feature, (CategoricalFeature, Bucketized)):
                continue
            owner = tables.setdefault(feature.table_name, feature)
            if isinstance(feature, Bucketized) and owner is not feature:
                raise ValueError(
                    f"Table '{feature.table_name}' of Bucketized feature '{feature.name}' "
                    f"clashes with the table of feature '{owner.name}'"
                )
            if isinstance(owner, Bucketized) and owner is not feature:
                raise ValueError(
                    f"Feature '{feature.name}' uses table '{feature.table_name}', which "
                    f"belongs to Bucketized feature '{owner.name}'"
                )
            if owner is not feature and owner.table_config() != feature.table_config():
                theirs, mine = owner.table_config(), feature.table_config()
                diff = sorted(k for k in theirs.keys() | mine.keys() if theirs.get(k) != mine.get(k))
                raise ValueError(
                    f"Features '{owner.name}' and '{feature.name}' share table "
                    f"'{feature.table_name}' but declare different {', '.join(diff)}: "
                    + "; ".join(f"{k}={theirs.get(k)!r} vs {mine.get(k)!r}" for k in diff)
                )
        self.features = features
        self._tables = tables
        self.vocabularies = {}
        self.statistics = {}
        self._indexes = {}

    # --- Structure --------------------------------------------------------------------------

    def __getitem__(self, name):
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(f"No feature named '{name}' in this spec")

    @property
    def table_names(self):
        """Names of the embedding tables, in order of first use."""
        return list(self._tables)

    @property
    def tables(self):
        """Each table's name mapped to the first feature that declares it."""
        return dict(self._tables)

    def table_size(self, table):
        """Rows of embedding table `table` (OOV slots included)."""
        return self._tables[table].table_size(self.vocabularies.get(table))

    def embedding_dim(self, table):
        """Width of embedding table `table`, with `dim="auto"` resolved."""
        return self._tables[table].embedding_dim(self.vocabularies.get(table))

    def output_dim(self, feature):
        """Width of `feature`'s slice of the stacked vector."""
        if isinstance(feature, str):
            feature = self[feature]
        if isinstance(feature, (CategoricalFeature, Bucketized)):
            return self.embedding_dim(feature.table_name)
        return 1

    @property
    def is_adapted(self):
        """True when every vocabulary and statistic the features need has been learned."""
        return all(
            t in self.vocabularies for t, f in self._tables.items() if getattr(f, "learns_vocabulary", False)
        ) and all(
            f.name in self.statistics
            for f in self.features
            if isinstance(f, Numeric) and f.learns_statistics
        )

    def make_inputs(self):
        """One `keras.Input` per feature, named after it: int32 rows or float32 values."""
        inputs = {}
        for feature in self.features:
            if isinstance(feature, CategoricalFeature):
                inputs[feature.name] = keras.Input(
                    shape=(feature.length,), dtype="int32", name=feature.name
                )
            else:
                inputs[feature.name] = keras.Input(shape=(1,), dtype="float32", name=feature.name)
        return inputs

    # --- Learning from data ---------------------------------------------------------------

    def adapt(self, data):
        """Learns vocabularies and normalization statistics from data, in one pass.

        Args:
            data: a pandas DataFrame, a dict of numpy arrays, or a `tf.data.Dataset` of
                dicts (or `(dict, label)` pairs), batched.

        Returns:
            The spec itself, so `spec = dc.FeatureSpec([...]).adapt(df)` reads well.
        """
        counts = {}
        moments = {}
        for chunk in _values.iter_chunks(data):
            for feature in self.features:
                if isinstance(feature, CategoricalFeature):
                    if feature.learns_vocabulary:
                        table = feature.table_name
                        new = feature.count_values(chunk)
                        counts[table] = new if table not in counts else counts[table].add(new, fill_value=0)
                elif feature.learns_statistics:
                    values = feature.parse(chunk, fill=False)
                    values = values[~np.isnan(values)]
                    moments[feature.name] = _merge_moments(moments.get(feature.name), values)
                else:
                    feature.parse(chunk)  # Validates the column even when nothing is learned.
        for table, table_counts in counts.items():
            self.vocabularies[table] = self._tables[table].learn_vocabulary(table_counts)
        for name, (count, mean, m2, low, high) in moments.items():
            if count == 0:
                raise ValueError(f"Feature '{name}' has no values to learn statistics from")
            self.statistics[name] = {
                "count": int(count),
                "mean": float(mean),
                "variance": float(m2 / count),
                "min": float(low),
                "max": float(high),
            }
        self._indexes = {}
        return self

    # --- Raw data to model inputs ---------------------------------------------------------

    def transform(self, data, return_counts=False):
        """Maps raw data to the model's inputs.

        Args:
            data: a pandas DataFrame or a dict of arrays with the features' columns.
            return_counts: bool. Also return, per categorical feature, how many values were
                present, missing, out of vocabulary and truncated. Defaults to False.

        Returns:
            A dict of numpy arrays keyed by feature name: int32 `(rows, length)` table rows
            for categorical features, -1 marking a missing value; float32 `(rows, 1)` for
            numeric ones. With `return_counts`, a tuple `(arrays, counts)`.
        """
        arrays, counts = {}, {}
        for feature in self.features:
            if isinstance(feature, CategoricalFeature):
                arrays[feature.name], counts[feature.name] = feature.to_rows(
                    data, self._lookup_table(feature)
                )
            else:
                arrays[feature.name] = feature.to_values(data)
        return (arrays, counts) if return_counts else arrays

    def _lookup_table(self, feature):
        """The vocabulary a feature's `lookup` takes: a cached pandas Index, or None."""
        table = feature.table_name
        if not isinstance(feature, Categorical):
            return None
        if table not in self._indexes:
            self._indexes[table] = feature.index(self.vocabularies.get(table))
        return self._indexes[table]

    # --- Serialization ----------------------------------------------------------------------

    def get_config(self):
        """A JSON-ready dict: features, shared tables written once, and what was learned."""
        tables = {}
        for name, owner in self._tables.items():
            if isinstance(owner, CategoricalFeature):
                tables[name] = owner.table_config()
                if name in self.vocabularies:
                    tables[name]["learned_vocabulary"] = list(self.vocabularies[name])
        features = []
        for feature in self.features:
            if isinstance(feature, CategoricalFeature):
                config = feature.feature_config()
            else:
                config = feature.get_config()
            features.append({"kind": type(feature).__name__} | config)
        return {
            "features": features,
            "tables": tables,
            "statistics": {k: dict(v) for k, v in self.statistics.items()},
        }

    @classmethod
    def from_config(cls, config):
        tables = config.get("tables", {})
        features = []
        for feature_config in config["features"]:
            feature_config = dict(feature_config)
            kind = feature_config.pop("kind")
            if kind not in FEATURE_KINDS:
                raise ValueError(f"Unknown feature kind {kind!r} in config; known: {sorted(FEATURE_KINDS)}")
            feature_cls = FEATURE_KINDS[kind]
            if issubclass(feature_cls, CategoricalFeature):
                table = feature_config.get("table") or feature_config["name"]
                table_config = {
                    k: v for k, v in tables[table].items() if k not in ("kind", "learned_vocabulary")
                }
                feature_config |= table_config
            features.append(feature_cls(**feature_config))
        spec = cls(features)
        spec.vocabularies = {
            name: list(table["learned_vocabulary"])
            for name, table in tables.items()
            if "learned_vocabulary" in table
        }
        spec.statistics = {k: dict(v) for k, v in config.get("statistics", {}).items()}
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

    def __repr__(self):
        return f"FeatureSpec({', '.join(f.name for f in self.features)})"


def _merge_moments(state, values):
    """Chan et al.'s parallel update of (count, mean, M2, min, max) with a new chunk."""
    n_b = len(values)
    if n_b == 0:
        return state or (0, 0.0, 0.0, np.inf, -np.inf)
    mean_b = float(values.mean())
    m2_b = float(((values - mean_b) ** 2).sum())
    low_b, high_b = float(values.min()), float(values.max())
    if state is None or state[0] == 0:
        return n_b, mean_b, m2_b, low_b, high_b
    n_a, mean_a, m2_a, low_a, high_a = state
    n = n_a + n_b
    delta = mean_b - mean_a
    return (
        n,
        mean_a + delta * n_b / n,
        m2_a + m2_b + delta**2 * n_a * n_b / n,
        min(low_a, low_b),
        max(high_a, high_b),
    )
