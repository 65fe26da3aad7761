"""DCN: the DCN-v2 cross network of keras-rs on the stacked embeddings, with an MLP."""

import keras

from deepcross import _checks
from deepcross.layers.embedding_stack import EmbeddingStack
from deepcross.layers.mlp import MLP
from deepcross.models.ranking_model import RankingModel

STRUCTURES = ("stacked", "parallel")


def feature_cross_class():
    """keras-rs's `FeatureCross`, or an ImportError that says how to install it."""
    try:
        from keras_rs.layers import FeatureCross
    except ImportError:
        raise ImportError(
            "dc.models.DCN builds its cross network from keras-rs's FeatureCross layer: "
            "pip install 'deepcross[keras-rs]' (or pip install keras-rs)"
        ) from None
    return FeatureCross


@keras.saving.register_keras_serializable(package="deepcross")
class DCN(RankingModel):
    """DCN-v2 (Wang et al., 2021): a cross network and an MLP on the stacked embeddings.

    Each cross layer is keras-rs's `FeatureCross`,
    `x_{l+1} = x0 ⊙ (W · x_l + b) + x_l`, where `x0` is the stacked vector of
    `EmbeddingStack`: `l` layers make feature interactions up to degree `l + 1`, explicitly,
    and keep the stack's width. With `projection_dim` the matrix `W` is low-rank,
    `U · V` (`(width, projection_dim)` and `(projection_dim, width)`), as in the paper's
    cost-saving variant. The two forms of the paper:

    - `structure="stacked"`: `x0` → cross layers → MLP → `ScoringHead`;
    - `structure="parallel"`: `x0` → cross layers and `x0` → MLP side by side, their outputs
      concatenated → `ScoringHead`.

    `hidden_units=None` leaves the MLP out (the cross network alone). Needs keras-rs
    (`pip install 'deepcross[keras-rs]'`), imported when a model is made or loaded; keras-rs
    runs on TensorFlow, JAX and PyTorch, and so does this model.

    Args:
        spec: `FeatureSpec`. The model's features, adapted; the model keeps a copy.
        cross_layers: int. Number of `FeatureCross` layers. Defaults to 3.
        projection_dim: int or None. Rank of each cross layer's matrix; None is full rank.
            Defaults to None.
        diag_scale: float. Added to the diagonal of each matrix (`W + diag_scale · I`), for
            stability with a low rank. Defaults to 0.0.
        hidden_units: int, sequence of int or None. Widths of the MLP's layers; None for no
            MLP. Defaults to (256, 256).
        structure: str. `"stacked"` or `"parallel"`. Defaults to `"stacked"`.
        dropout: float. Dropout after each MLP layer. Defaults to 0.0.
        normalization: str or None. `"batch"`, `"layer"` or None in the MLP. Defaults to None.
        task: str. `"binary"`, `"multiclass"` or `"regression"`. Defaults to `"binary"`.
        num_classes: int or None. Classes of a multiclass head. Defaults to None.
        from_logits: bool. Emit logits instead of probabilities. Defaults to False.
        dtype: str, `keras.DTypePolicy` or None. Dtype policy of the model and its layers.
            Defaults to None, the global policy.
        **kwargs: `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    model = dc.models.DCN(spec, cross_layers=3, hidden_units=(256, 256), structure="parallel")
    model.compile(metrics=["accuracy"])
    model.fit(spec.transform(train_df), train_df["label"], epochs=3)
    ```
    """

    def __init__(
        self,
        spec,
        cross_layers=3,
        projection_dim=None,
        diag_scale=0.0,
        hidden_units=(256, 256),
        structure="stacked",
        dropout=0.0,
        normalization=None,
        task="binary",
        num_classes=None,
        from_logits=False,
        dtype=None,
        **kwargs,
    ):
        FeatureCross = feature_cross_class()
        cross_layers = _checks.positive_int(cross_layers, "cross_layers")
        if projection_dim is not None:
            projection_dim = _checks.positive_int(projection_dim, "projection_dim")
        if (
            isinstance(diag_scale, bool)
            or not isinstance(diag_scale, (int, float))
            or (diag_scale < 0)
        ):
            raise ValueError(
                f"diag_scale must be a non-negative number, received diag_scale={diag_scale!r}"
            )
        _checks.one_of(structure, STRUCTURES, "structure")
        crosses = [
            FeatureCross(
                projection_dim=projection_dim,
                diag_scale=float(diag_scale),
                name=f"feature_cross_{i + 1}",
                dtype=dtype,
            )
            for i in range(cross_layers)
        ]
        mlp = None
        if hidden_units is not None:
            mlp = MLP(
                hidden_units, dropout=dropout, normalization=normalization, name="mlp", dtype=dtype
            )
        # A plain value that `make_stages` reads while `RankingModel.__init__` builds the graph.
        self.structure = structure
        super().__init__(
            spec,
            crosses + ([mlp] if mlp is not None else []),
            task=task,
            num_classes=num_classes,
            from_logits=from_logits,
            dtype=dtype,
            **kwargs,
        )
        self.cross_layers = cross_layers
        self.projection_dim = projection_dim
        self.diag_scale = float(diag_scale)
        self.hidden_units = None if mlp is None else tuple(mlp.hidden_units)
        self.dropout = dropout
        self.normalization = normalization
        self.crosses = crosses
        self.mlp = mlp

    def make_stages(self, inputs, spec, tower, dtype):
        """`EmbeddingStack` → the cross layers, each crossing its input with the stack's
        output, and the MLP after them (stacked) or beside them (parallel)."""
        embedding_stack = EmbeddingStack(spec, name="embedding_stack", dtype=dtype)
        x0 = embedding_stack(inputs)
        crosses = [layer for layer in tower if not isinstance(layer, MLP)]
        mlps = [layer for layer in tower if isinstance(layer, MLP)]
        x = x0
        for cross in crosses:
            x = cross(x0, x)
        if not mlps:
            return embedding_stack, x, None
        if self.structure == "stacked":
            return embedding_stack, mlps[0](x), None
        deep = mlps[0](x0)
        both = keras.layers.Concatenate(name="cross_and_deep", dtype=dtype)([x, deep])
        return embedding_stack, both, None

    def get_config(self):
        config = super().get_config()
        del config["tower"]  # Rebuilt from this model's own arguments.
        config.update(
            {
                "cross_layers": self.cross_layers,
                "projection_dim": self.projection_dim,
                "diag_scale": self.diag_scale,
                "hidden_units": None if self.hidden_units is None else list(self.hidden_units),
                "structure": self.structure,
                "dropout": self.dropout,
                "normalization": self.normalization,
            }
        )
        return config
