"""WideDeep: a linear model over chosen features beside an Embedding+MLP tower."""

import keras

from deepcross import _checks
from deepcross.features import FeatureSpec
from deepcross.layers.embedding_stack import EmbeddingStack
from deepcross.layers.mlp import MLP
from deepcross.layers.wide_linear import WideLinear
from deepcross.models.ranking_model import RankingModel


@keras.saving.register_keras_serializable(package="deepcross")
class WideDeep(RankingModel):
    """Wide & Deep (Cheng et al., 2016): a linear part and a deep part, trained jointly.

    `score = sigmoid(mlp(stack(deep features)) @ w + b + wide(wide features))`. The deep part
    is `EmbeddingMLP`'s: the deep features embedded and stacked (`EmbeddingStack`, named
    `"embedding_stack"`), an `MLP`; the wide part, `WideLinear` (named `"wide_linear"`), is a
    linear model over the wide features, one weight per category, crossed pair
    (`dc.Crossed`) or bucket, and per number; its logit is added to the deep part's in the
    `ScoringHead`, before the sigmoid, so both parts learn from one loss. The wide part
    memorises combinations seen in training (a movie and the last movie the user liked);
    the deep part generalises to unseen ones through embeddings.

    One `FeatureSpec` describes every feature, and the model's inputs are its inputs (so
    `predict_raw`, `model.export` and the `deepcross predict` command work as for the other
    models); `wide` and `deep` choose the features of each part by name, and a feature may
    be in both. A crossed feature used only by the wide part gets no embedding table: its
    `dim` is not used.

    `compile` trains both parts with one optimizer. The paper trained its wide part with
    FTRL and L1 regularization: `wide_regularizer="l1"` gives the sparsity; see
    `docs/wide_deep_dcn.md` for an optimizer per part.

    Args:
        spec: `FeatureSpec`. The model's features, adapted; the model keeps a copy.
        wide: sequence of str. Names of the features in the wide (linear) part.
        deep: sequence of str or None. Names of the features in the deep part. Defaults to
            None, every feature not in `wide`.
        hidden_units: int or sequence of int. Widths of the deep part's MLP. Defaults to
            (128, 128).
        dropout: float. Dropout after each hidden layer. Defaults to 0.0.
        normalization: str or None. `"batch"`, `"layer"` or None in the MLP. Defaults to None.
        kernel_regularizer: str, regularizer or None, for the MLP's kernels. Defaults to None.
        wide_regularizer: str, regularizer or None, for the wide part's weights, e.g. `"l1"`.
            Defaults to None.
        task: str. `"binary"`, `"multiclass"` or `"regression"`. Defaults to `"binary"`.
        num_classes: int or None. Classes of a multiclass head. Defaults to None.
        from_logits: bool. Emit logits instead of probabilities. Defaults to False.
        dtype: str, `keras.DTypePolicy` or None. Dtype policy of the model and its layers.
            Defaults to None, the global policy.
        **kwargs: `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    spec = dc.FeatureSpec([
        dc.Categorical("movieId", dim=10),
        dc.Categorical("userId", dim=10),
        dc.Crossed("movieXrated", columns=["movieId", "userRatedMovie1"], num_bins=10000),
        dc.Numeric("movieAvgRating", scaling="standardize"),
    ]).adapt(train_df)
    model = dc.models.WideDeep(spec, wide=["movieXrated"])  # deep: the three others
    model.compile(metrics=["accuracy"])
    model.fit(spec.transform(train_df), train_df["label"], epochs=3)
    ```
    """

    def __init__(
        self,
        spec,
        wide,
        deep=None,
        hidden_units=(128, 128),
        dropout=0.0,
        normalization=None,
        kernel_regularizer=None,
        wide_regularizer=None,
        task="binary",
        num_classes=None,
        from_logits=False,
        dtype=None,
        **kwargs,
    ):
        if not isinstance(spec, FeatureSpec):
            raise ValueError(f"spec must be a deepcross FeatureSpec, received spec={spec!r}")
        wide = _checks.feature_names(spec, wide, "wide")
        if deep is None:
            deep = [f.name for f in spec.features if f.name not in wide]
            if not deep:
                raise ValueError(
                    f"wide={list(wide)} takes every feature of the spec, which leaves the deep "
                    "part none: name the deep part's features with deep=[...]"
                )
        deep = _checks.feature_names(spec, deep, "deep")
        unused = [f.name for f in spec.features if f.name not in wide + deep]
        if unused:
            raise ValueError(
                f"Features {unused} are in neither part (wide={list(wide)}, deep={list(deep)}): "
                "add them to one, or leave them out of the spec"
            )
        mlp = MLP(
            hidden_units,
            dropout=dropout,
            normalization=normalization,
            kernel_regularizer=kernel_regularizer,
            name="mlp",
            dtype=dtype,
        )
        # Plain values that `make_stages` reads while `RankingModel.__init__` builds the graph.
        self.wide = wide
        self.deep = deep
        self.wide_regularizer = _checks.keras_object(
            keras.regularizers, wide_regularizer, "wide_regularizer"
        )
        self.wide_units = num_classes if task == "multiclass" and _checks.is_int(num_classes) else 1
        super().__init__(
            spec,
            [mlp],
            task=task,
            num_classes=num_classes,
            from_logits=from_logits,
            dtype=dtype,
            **kwargs,
        )
        self.hidden_units = tuple(mlp.hidden_units)
        self.dropout = dropout
        self.normalization = normalization
        self.mlp = mlp
        self.wide_linear = self.get_layer("wide_linear")

    def make_stages(self, inputs, spec, tower, dtype):
        """The deep part (`EmbeddingStack` of the deep features → MLP) and the wide part's
        logits (`WideLinear` of the wide features), both reading the model's inputs."""
        embedding_stack = EmbeddingStack(
            spec, features=self.deep, name="embedding_stack", dtype=dtype
        )
        x = embedding_stack(inputs)
        for layer in tower:
            x = layer(x)
        wide_linear = WideLinear(
            spec,
            self.wide,
            units=self.wide_units,
            use_bias=False,  # The head's projection has the bias.
            regularizer=self.wide_regularizer,
            name="wide_linear",
            dtype=dtype,
        )
        return embedding_stack, x, wide_linear(inputs)

    def embedding_table(self, table, part="deep", format="frame"):
        """A table's vectors by key: the deep part's embeddings, or the wide part's weights.

        Args:
            table: str. A table name of the spec.
            part: str. `"deep"` (the embedding tables) or `"wide"` (the linear weights).
                Defaults to `"deep"`.
            format: str. As in `RankingModel.embedding_table`. Defaults to `"frame"`.

        Returns:
            As `RankingModel.embedding_table`.
        """
        _checks.one_of(part, ("deep", "wide"), "part")
        if part == "deep":
            return super().embedding_table(table, format=format)
        return self._table_out(self.wide_linear.embedding_table(table), format)

    def get_config(self):
        config = super().get_config()
        del config["tower"]  # Rebuilt from this model's own arguments.
        regularizer = self.wide_regularizer
        config.update(
            {
                "wide": list(self.wide),
                "deep": list(self.deep),
                "hidden_units": list(self.hidden_units),
                "dropout": self.dropout,
                "normalization": self.normalization,
                "kernel_regularizer": self.mlp.get_config()["kernel_regularizer"],
                "wide_regularizer": keras.regularizers.serialize(regularizer)
                if regularizer is not None
                else None,
            }
        )
        return config
