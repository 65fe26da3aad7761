"""WideLinear: the wide part of Wide&Deep, a linear model over chosen features."""

import keras
from keras import ops

from deepcross import _checks
from deepcross.features import FeatureSpec, Table
from deepcross.layers.spec_layer import SpecLayer


@keras.saving.register_keras_serializable(package="deepcross")
class WideLinear(SpecLayer):
    """A linear model over some features of a `FeatureSpec`: the wide part of Wide&Deep.

    Wide&Deep (Cheng et al., 2016) adds to a deep tower's logit a linear model over sparse
    features, crossed pairs above all, that memorises what the tower generalises. This layer
    is that linear model, `logit = Σ_features w[row] + Σ_numbers v · value + b`: one weight
    (`units` weights for a multiclass head) per category, crossed pair or bucket, kept in a
    `units`-wide table per table of the spec that the chosen features use, looked up and
    pooled with the feature's own `combiner` (several values of one row: `"sum"` adds their
    weights, `"mean"` averages them); and one weight per number of the features without a
    table (`Numeric`, scaled as the spec says).

    It reads the model's inputs as `EmbeddingStack` does (the packed matrices `spec.layout`
    describes, or one array per feature), so one spec serves a model's wide and deep parts,
    each taking its features by name. Its tables are deepcross `Table`s, named like the
    spec's tables, made into `deepcross.features.table.Embedding` layers held in
    `embeddings` (by table name): the same kind of layer as the deep tables, looked up from
    the same input columns. `embedding_table(name)` gives the learned weights by key.

    Args:
        spec: `FeatureSpec`. The model's features, adapted; the layer keeps a copy.
        features: sequence of str. The names of the spec's features in the linear model.
        units: int. Logits per row: 1, or a multiclass head's `num_classes`. Defaults to 1.
        use_bias: bool. Add a bias per unit. Defaults to True (`WideDeep` passes False: its
            head has the bias).
        embeddings_initializer: str, config or initializer, for the weights of the tables.
            Defaults to `"zeros"`, as linear models start.
        kernel_initializer: str, config or initializer, for the weights of the numbers.
            Defaults to `"zeros"`.
        regularizer: str, config, regularizer or None, for every weight (not the bias):
            `"l1"` or `keras.regularizers.L1(1e-5)` keeps the many weights of a cross sparse,
            as the FTRL-trained wide part of the paper was. Defaults to None.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Example:

    ```python
    spec = dc.FeatureSpec([
        dc.Crossed("colorXsize", columns=["color", "size"], num_bins=64, dim=4),
        dc.Numeric("price"),
    ])
    wide = dc.layers.WideLinear(spec, features=["colorXsize", "price"])
    wide(spec.transform({"color": ["red"], "size": ["M"], "price": [2.0]}))  # (1, 1): 0.0
    ```
    """

    def __init__(
        self,
        spec,
        features,
        units=1,
        use_bias=True,
        embeddings_initializer="zeros",
        kernel_initializer="zeros",
        regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(spec, FeatureSpec):
            raise ValueError(f"spec must be a deepcross FeatureSpec, received spec={spec!r}")
        if not spec.is_adapted:
            raise ValueError(
                "spec has features that learn from data (a vocabulary or statistics) but "
                "was not adapted: call spec.adapt(data) first"
            )
        self.features = _checks.feature_names(spec, features, "features")
        self.units = _checks.positive_int(units, "units")
        self.use_bias = _checks.boolean(use_bias, "use_bias")
        self.embeddings_initializer = _checks.keras_object(
            keras.initializers, embeddings_initializer, "embeddings_initializer"
        )
        self.kernel_initializer = _checks.keras_object(
            keras.initializers, kernel_initializer, "kernel_initializer"
        )
        self.regularizer = _checks.keras_object(keras.regularizers, regularizer, "regularizer")
        self.spec = spec.copy()
        self.autocast = False  # Table rows are integers; each slice casts what it needs.

    @property
    def linear_features(self):
        """The spec's features in the linear model, in the spec's order."""
        return [f for f in self.spec.features if f.name in self.features]

    @property
    def table_features(self):
        """The features this layer looks up in its tables (row-sparse training reads them)."""
        return [f for f in self.linear_features if f.table is not None]

    @property
    def tables(self):
        """The layer's own `units`-wide `Table` for each spec table its features use."""
        names = dict.fromkeys(f.table.name for f in self.linear_features if f.table is not None)
        return {
            name: Table(
                name,
                dim=self.units,
                embeddings_initializer=self.embeddings_initializer,
                embeddings_regularizer=self.regularizer,
            )
            for name in names
        }

    def build(self, inputs_shape=None):
        self.embeddings = {
            name: table.make_layer(self.spec.table_rows(name), dtype=self.dtype_policy)
            for name, table in self.tables.items()
        }
        width = sum(self.spec.output_dim(f) for f in self.linear_features if f.table is None)
        self.kernel = None
        if width:
            self.kernel = self.add_weight(
                name="kernel",
                shape=(width, self.units),
                initializer=_checks.clone(self.kernel_initializer),
                regularizer=_checks.clone(self.regularizer),
            )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.built = True

    def call(self, inputs):
        """The linear model's logits for one batch.

        Args:
            inputs: the model's inputs, as `EmbeddingStack.call` takes them.

        Returns:
            A `(batch, units)` tensor of logits.
        """
        if self.spec.layout.is_packed(inputs):
            inputs = self.spec.layout.unpack(inputs)
        weights, numbers = [], []
        for feature in self.linear_features:
            table = feature.table
            learned = self.spec.learned.get(feature.state_key) if feature.state_key else None
            embedding = self.embeddings[table.name] if table is not None else None
            part = feature.call(inputs[feature.name], embedding, learned, self.compute_dtype)
            (weights if table is not None else numbers).append(part)
        logits = weights[0] if weights else None
        for part in weights[1:]:
            logits = logits + part
        if numbers:
            values = numbers[0] if len(numbers) == 1 else ops.concatenate(numbers, axis=-1)
            product = ops.matmul(values, ops.cast(self.kernel, self.compute_dtype))
            logits = product if logits is None else logits + product
        if self.bias is not None:
            logits = logits + ops.cast(self.bias, self.compute_dtype)
        return logits

    def compute_output_shape(self, input_shape):
        batch = next(iter(input_shape.values()))[0]
        return (batch, self.units)

    def get_config(self):
        config = super().get_config()
        regularizer = self.regularizer
        config.update(
            {
                "spec": self.spec.get_config(assets=True),  # Long vocabularies: `save_assets`.
                "features": list(self.features),
                "units": self.units,
                "use_bias": self.use_bias,
                "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "regularizer": keras.regularizers.serialize(regularizer) if regularizer else None,
            }
        )
        return config
