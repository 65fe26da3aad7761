"""EmbeddingStack: the Embedding and Stacking stages of Deep Crossing."""

import keras
from keras import ops

from deepcross import _checks
from deepcross.features import FeatureSpec
from deepcross.layers.spec_layer import SpecLayer

OUTPUT_MODES = ("concat", "dict")


@keras.saving.register_keras_serializable(package="deepcross")
class EmbeddingStack(SpecLayer):
    """Embeds every feature of a `FeatureSpec` and stacks the results into one vector.

    Deep Crossing's second and third stages. Each `Table` of the spec becomes one
    `keras.layers.Embedding` with its own initializer; features that share a table share
    its variable. Each feature then makes its slice of the stacked vector, in declaration
    order, as its kind says (`Feature.call`): categorical features embed their rows and
    pool them with their `combiner`, empty slots masked out; `Numeric` features scale the
    value with the statistics the spec learned; `Bucketized` features embed their bucket.

    The layer keeps its own copy of the spec, taken when it is made: adapting the caller's
    spec again later changes nothing here. Its config carries the spec, except vocabularies
    of more than `MAX_INLINE_KEYS` keys, which a `.keras` file keeps as asset files of this
    layer (`save_assets`, `load_assets`): the config holds their sizes.

    Args:
        spec: `FeatureSpec`. The features, adapted if any of them learns from data.
        output_mode: str. `"concat"` returns the stacked `(batch, width)` tensor; `"dict"`
            returns a dict of `(batch, output_dim)` tensors keyed by feature name, for models
            that treat features separately (e.g. pairwise interactions, keras-rs
            `DotInteraction`). Defaults to `"concat"`.
        features: sequence of str or None. The names of the spec's features to embed and
            stack, in the spec's order whatever the order given; only their tables are made.
            The layer still reads the whole spec's inputs, so several layers of one model can
            each take their part of the features (`WideDeep`'s deep part). Defaults to None,
            every feature.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Example:

    ```python
    spec = dc.FeatureSpec([dc.Categorical("color", vocabulary=["red", "blue"], dim=3),
                           dc.Numeric("price")])
    stack = dc.layers.EmbeddingStack(spec)
    x = stack(spec.transform({"color": ["red", "green"], "price": [1.0, 2.5]}))  # (2, 4)
    stack(spec.transform({"color": ["red"], "price": [1.0]}, packed=False))  # the same
    ```
    """

    def __init__(self, spec, output_mode="concat", features=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(spec, FeatureSpec):
            raise ValueError(f"spec must be a deepcross FeatureSpec, received spec={spec!r}")
        _checks.one_of(output_mode, OUTPUT_MODES, "output_mode")
        if not spec.is_adapted:
            raise ValueError(
                "spec has features that learn from data (a vocabulary or statistics) but "
                "was not adapted: call spec.adapt(data) first"
            )
        self.spec = spec.copy()
        self.output_mode = output_mode
        self.features = (
            None if features is None else _checks.feature_names(spec, features, "features")
        )
        self.autocast = False  # Table rows are integers; each slice casts what it needs.

    @property
    def stacked_features(self):
        """The spec's features this layer embeds and stacks, in the spec's order."""
        if self.features is None:
            return list(self.spec.features)
        return [f for f in self.spec.features if f.name in self.features]

    def build(self, inputs_shape=None):
        used = {f.table.name for f in self.stacked_features if f.table is not None}
        self.embeddings = {
            name: table.make_layer(
                self.spec.table_rows(name),
                dtype=self.dtype_policy,
                row_keys=self.spec.row_keys(name) if table.needs_row_keys else None,
            )
            for name, table in self.spec.tables.items()
            if name in used
        }
        self.built = True

    def call(self, inputs):
        """Embeds and stacks one batch.

        Args:
            inputs: the model's inputs as `FeatureSpec.transform` makes them: a dict keyed
                by dtype of `(batch, width)` matrices (int32 table rows, float32 values),
                each feature's columns where `spec.layout` says; or a dict keyed by
                feature name, `(batch, *input_shape)` each (`transform(packed=False)`).

        Returns:
            A `(batch, width)` tensor, or with `output_mode="dict"` a dict of per-feature
            `(batch, output_dim)` tensors.
        """
        if self.spec.layout.is_packed(inputs):
            inputs = self.spec.layout.unpack(inputs)
        outputs = {}
        for feature in self.stacked_features:
            table = feature.table
            outputs[feature.name] = feature.call(
                inputs[feature.name],
                self.embeddings[table.name] if table is not None else None,
                self.spec.learned.get(feature.state_key) if feature.state_key else None,
                self.compute_dtype,
            )
        if self.output_mode == "dict":
            return outputs
        return ops.concatenate(list(outputs.values()), axis=-1)

    @property
    def table_features(self):
        """The features this layer looks up in its tables (row-sparse training reads them)."""
        return [f for f in self.stacked_features if f.table is not None]

    def compute_output_shape(self, input_shape):
        batch = next(iter(input_shape.values()))[0]
        dims = {f.name: self.spec.output_dim(f) for f in self.stacked_features}
        if self.output_mode == "dict":
            return {name: (batch, dim) for name, dim in dims.items()}
        return (batch, sum(dims.values()))

    def get_config(self):
        config = super().get_config()
        spec = self.spec.get_config(assets=True)  # Long vocabularies: `save_assets`.
        config.update({"spec": spec, "output_mode": self.output_mode})
        if self.features is not None:  # Left out when None: configs of older layers load.
            config["features"] = list(self.features)
        return config
