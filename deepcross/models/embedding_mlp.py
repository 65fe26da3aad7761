"""EmbeddingMLP: embeddings, stacked, through an MLP, to a score."""

import keras

from deepcross.layers.mlp import MLP
from deepcross.models.ranking_model import RankingModel


@keras.saving.register_keras_serializable(package="deepcross")
class EmbeddingMLP(RankingModel):
    """The Embedding+MLP model: `EmbeddingStack` → `MLP` → `ScoringHead`.

    The model of the SparrowRecSys lesson (two 128-unit ReLU layers and a sigmoid) and the
    plain baseline of the Deep Crossing family.

    Args:
        spec: `FeatureSpec`. The model's features, adapted; the model keeps a copy.
        hidden_units: int or sequence of int. Widths of the MLP's layers; an int is one
            layer. Defaults to (128, 128).
        dropout: float. Dropout after each hidden layer. Defaults to 0.0.
        normalization: str or None. `"batch"`, `"layer"` or None in the MLP. Defaults to None.
        kernel_regularizer: str, regularizer or None, for the MLP's kernels. Defaults to None.
        task: str. `"binary"`, `"multiclass"` or `"regression"`. Defaults to `"binary"`.
        num_classes: int or None. Classes of a multiclass head. Defaults to None.
        from_logits: bool. Emit logits instead of probabilities. Defaults to False.
        dtype: str, `keras.DTypePolicy` or None. Dtype policy of the model and its layers,
            e.g. `"mixed_bfloat16"`; the scores stay float32. Defaults to None, the global
            policy.
        **kwargs: `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    model = dc.models.EmbeddingMLP(spec, hidden_units=(128, 128))
    model.compile(metrics=["accuracy"])  # binary cross-entropy by default
    model.fit(spec.transform(train_df), train_df["label"], epochs=3)
    model.predict_raw(test_df)
    ```
    """

    def __init__(
        self,
        spec,
        hidden_units=(128, 128),
        dropout=0.0,
        normalization=None,
        kernel_regularizer=None,
        task="binary",
        num_classes=None,
        from_logits=False,
        dtype=None,
        **kwargs,
    ):
        mlp = MLP(
            hidden_units,
            dropout=dropout,
            normalization=normalization,
            kernel_regularizer=kernel_regularizer,
            name="mlp",
            dtype=dtype,
        )
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

    def get_config(self):
        config = super().get_config()
        del config["tower"]  # Rebuilt from this model's own arguments.
        mlp_config = self.mlp.get_config()
        config.update(
            {
                "hidden_units": list(self.hidden_units),
                "dropout": self.dropout,
                "normalization": self.normalization,
                "kernel_regularizer": mlp_config["kernel_regularizer"],
            }
        )
        return config
