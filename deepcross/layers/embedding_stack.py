"""EmbeddingStack: the Embedding and Stacking stages of Deep Crossing."""

import keras
import pandas as pd
from keras import ops

from deepcross.features import Bucketized
from deepcross.features import Categorical
from deepcross.features import CategoricalFeature
from deepcross.features import FeatureSpec
from deepcross.features import IntegerIdentity

OUTPUT_MODES = ("concat", "dict")


@keras.saving.register_keras_serializable(package="deepcross")
class EmbeddingStack(keras.layers.Layer):
    """Embeds every feature of a `FeatureSpec` and stacks the results into one vector.

    Deep Crossing's second and third stages. Each embedding table of the spec becomes one
    `keras.layers.Embedding`; features that share a table share its variable. Per feature,
    in the order the spec declares them:

    - categorical: the rows' embeddings, pooled over the feature's values with its
      `combiner` (`sum`, `mean`, or `sqrtn` = sum / sqrt(count)); a row of -1 (a missing
      value or an empty slot) is masked out, and an example with no value gets zeros. A row
      past the table's end, which `FeatureSpec.transform` never emits, is read as the
      out-of-vocabulary row 0.
    - `Numeric`: the value (NaN replaced by the feature's default), transformed as the
      feature's `normalization` says with the statistics the spec learned.
    - `Bucketized`: the value's bucket, embedded.

    The stacked vector is the concatenation of those slices in declaration order; its
    width is `sum(spec.output_dim(f) for f in spec.features)`.

    Args:
        spec: `FeatureSpec`. The features, adapted if any of them learns from data.
        output_mode: str. `"concat"` returns the stacked `(batch, width)` tensor; `"dict"`
            returns a dict of `(batch, output_dim)` tensors keyed by feature name, for models
            that treat features separately (e.g. pairwise interactions). Defaults to
            `"concat"`.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Example:

    ```python
    spec = dc.FeatureSpec([dc.Categorical("color", vocabulary=["red", "blue"], dim=3),
                           dc.Numeric("price")])
    stack = dc.layers.EmbeddingStack(spec)
    x = stack(spec.transform({"color": np.array(["red", "green"]),
                              "price": np.array([1.0, 2.5])}))  # shape (2, 4)
    ```
    """

    def __init__(self, spec, output_mode="concat", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(spec, FeatureSpec):
            raise ValueError(f"spec must be a deepcross FeatureSpec, received spec={spec!r}")
        if output_mode not in OUTPUT_MODES:
            raise ValueError(
                f"output_mode must be one of {OUTPUT_MODES}, received output_mode={output_mode!r}"
            )
        if not spec.is_adapted:
            raise ValueError(
                "spec has features that learn from data (a vocabulary or normalization "
                "statistics) but was not adapted: call spec.adapt(data) first"
            )
        self.spec = spec
        self.output_mode = output_mode
        self.autocast = False  # Table rows are integers; numeric inputs are cast in call().

    def build(self, input_shape=None):
        self.embeddings = {}
        for table in self.spec.table_names:
            embedding = keras.layers.Embedding(
                self.spec.table_size(table),
                self.spec.embedding_dim(table),
                name=f"{table}_embedding",
                dtype=self.dtype_policy,
            )
            embedding.build((None,))
            self.embeddings[table] = embedding
        self.built = True

    def call(self, inputs):
        """Embeds and stacks one batch.

        Args:
            inputs: dict of tensors keyed by feature name, as `FeatureSpec.transform` makes
                them: int `(batch, length)` table rows, float `(batch, 1)` values.

        Returns:
            A `(batch, width)` tensor, or with `output_mode="dict"` a dict of per-feature
            `(batch, output_dim)` tensors.
        """
        outputs = {}
        for feature in self.spec.features:
            x = inputs[feature.name]
            if isinstance(feature, CategoricalFeature):
                outputs[feature.name] = self._pool(feature, x)
            elif isinstance(feature, Bucketized):
                x = self._fill_missing(feature, ops.cast(x, "float32"))
                rows = ops.digitize(x[:, 0], list(feature.boundaries))
                outputs[feature.name] = self.embeddings[feature.table_name](rows)
            else:
                x = self._normalize(feature, self._fill_missing(feature, ops.cast(x, "float32")))
                outputs[feature.name] = ops.cast(x, self.compute_dtype)
        if self.output_mode == "dict":
            return outputs
        return ops.concatenate(list(outputs.values()), axis=-1)

    def _pool(self, feature, rows):
        rows = ops.cast(rows, "int32")
        size = self.spec.table_size(feature.table_name)
        present = rows >= 0
        rows = ops.where(rows >= size, 0, ops.maximum(rows, 0))
        vectors = self.embeddings[feature.table_name](rows)  # (batch, length, dim)
        weights = ops.cast(present, vectors.dtype)
        pooled = ops.sum(vectors * weights[..., None], axis=1)
        if feature.combiner == "sum" or feature.length == 1:
            return pooled
        count = ops.maximum(ops.sum(weights, axis=1, keepdims=True), 1.0)
        if feature.combiner == "sqrtn":
            count = ops.sqrt(count)
        return pooled / count

    def _fill_missing(self, feature, x):
        if feature.default is None:
            return x
        return ops.where(ops.isnan(x), feature.default, x)

    def _normalize(self, feature, x):
        stats = self.spec.statistics.get(feature.name)
        if feature.normalization == "standardize":
            return (x - stats["mean"]) / (stats["variance"] + 1e-6) ** 0.5
        if feature.normalization == "minmax":
            span = stats["max"] - stats["min"]
            return (x - stats["min"]) / span if span > 0 else ops.zeros_like(x)
        if feature.normalization == "log1p":
            return ops.log1p(ops.maximum(x, 0.0))
        return x

    def embedding_table(self, table):
        """The learned vectors of embedding table `table`, one row per key.

        Args:
            table: str. A table name from `spec.table_names`.

        Returns:
            A pandas DataFrame indexed by key: `"[OOV]"` (or `"[OOV1]"`, ...) for the
            out-of-vocabulary rows, then the vocabulary's keys as strings (ids for
            `IntegerIdentity`, bin numbers for `Hashed`, bucket numbers for `Bucketized`).
        """
        owner = self.spec.tables[table]
        vectors = ops.convert_to_numpy(self.embeddings[table].embeddings)
        if isinstance(owner, Categorical):
            oov = ["[OOV]"] if owner.num_oov == 1 else [f"[OOV{i}]" for i in range(owner.num_oov)]
            keys = oov + list(owner.index(self.spec.vocabularies.get(table)))
        elif isinstance(owner, IntegerIdentity):
            keys = ["[OOV]"] + [str(i) for i in range(owner.num_buckets)]
        else:
            keys = [str(i) for i in range(len(vectors))]
        return pd.DataFrame(vectors, index=pd.Index(keys, name=table))

    def compute_output_shape(self, input_shape):
        batch = next(iter(input_shape.values()))[0]
        dims = {f.name: self.spec.output_dim(f) for f in self.spec.features}
        if self.output_mode == "dict":
            return {name: (batch, dim) for name, dim in dims.items()}
        return (batch, sum(dims.values()))

    def get_config(self):
        config = super().get_config()
        config.update({"spec": self.spec.get_config(), "output_mode": self.output_mode})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        spec = config.pop("spec")
        if not isinstance(spec, FeatureSpec):
            spec = FeatureSpec.from_config(spec)
        return cls(spec, **config)
