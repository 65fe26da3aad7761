"""DeepCrossing: embeddings, stacked, through residual units, to a score."""

import inspect

import keras

from deepcross import _checks
from deepcross.layers.residual_unit import ResidualUnit
from deepcross.models.ranking_model import RankingModel


@keras.saving.register_keras_serializable(package="deepcross")
class DeepCrossing(RankingModel):
    """Deep Crossing (Shan et al., KDD 2016): `EmbeddingStack` → `ResidualUnit`s → `ScoringHead`.

    All five stages of the paper: features, embeddings, stacking, a stack of residual units
    `y = relu(x + W2·relu(W1·x + b1) + b2)` that keep the stacked width, and the scoring
    layer. Each unit's inner width is free; `residual_units=(256, 256)` builds two units with
    inner width 256.

    To change the units, subclass and override `make_residual_unit`; it is called while the
    graph is built, before `keras.Model.__init__`, so it must return a layer and set no
    attributes. (An override written for deepcross 0.1, without the `dtype` argument, still
    works for models of the global dtype policy.)

    Args:
        spec: `FeatureSpec`. The model's features, adapted; the model keeps a copy.
        residual_units: int or sequence of int. Inner width of each residual unit; an int is
            one unit. Defaults to (256, 256).
        dropout: float. Dropout inside each unit. Defaults to 0.0.
        normalization: str or None. `"batch"`, `"layer"` or None inside each unit.
            Defaults to None.
        task: str. `"binary"`, `"multiclass"` or `"regression"`. Defaults to `"binary"`.
        num_classes: int or None. Classes of a multiclass head. Defaults to None.
        from_logits: bool. Emit logits instead of probabilities. Defaults to False.
        dtype: str, `keras.DTypePolicy` or None. Dtype policy of the model and its layers,
            e.g. `"mixed_bfloat16"`; the scores stay float32. Defaults to None, the global
            policy.
        **kwargs: `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    model = dc.models.DeepCrossing(spec, residual_units=(256, 256, 256))
    model.compile(metrics=["accuracy"])
    model.fit(spec.transform(train_df), train_df["label"], epochs=3)
    ```
    """

    def __init__(
        self,
        spec,
        residual_units=(256, 256),
        dropout=0.0,
        normalization=None,
        task="binary",
        num_classes=None,
        from_logits=False,
        dtype=None,
        **kwargs,
    ):
        residual_units = _checks.positive_ints(residual_units, "residual_units")
        tower = [
            self._residual_unit(units, dropout, normalization, f"residual_unit_{i + 1}", dtype)
            for i, units in enumerate(residual_units)
        ]
        super().__init__(
            spec,
            tower,
            task=task,
            num_classes=num_classes,
            from_logits=from_logits,
            dtype=dtype,
            **kwargs,
        )
        self.residual_units = residual_units
        self.dropout = dropout
        self.normalization = normalization

    def _residual_unit(self, units, dropout, normalization, name, dtype):
        """`make_residual_unit`, also as deepcross 0.1 subclasses override it: without `dtype`."""
        parameters = inspect.signature(self.make_residual_unit).parameters.values()
        if any(p.name == "dtype" or p.kind is p.VAR_KEYWORD for p in parameters):
            return self.make_residual_unit(units, dropout, normalization, name=name, dtype=dtype)
        layer = self.make_residual_unit(units, dropout, normalization, name=name)
        policy = keras.dtype_policies.get(dtype)
        if getattr(layer, "dtype_policy", policy).name != policy.name:
            raise TypeError(
                f"{type(self).__name__}.make_residual_unit takes no `dtype` argument, which "
                f"deepcross 0.2 added so that every layer of a model with dtype={policy.name!r} "
                "computes in it: add `dtype=None` to its arguments and pass it to the layer "
                "it makes"
            )
        return layer

    def make_residual_unit(self, units, dropout, normalization, name, dtype):
        """Builds one residual unit of the tower; override to use a unit of your own.

        Args:
            units: int. The unit's inner width.
            dropout: float. The model's `dropout`.
            normalization: str or None. The model's `normalization`.
            name: str. The layer name, `"residual_unit_<i>"` counting from 1.
            dtype: str, `keras.DTypePolicy` or None. The model's `dtype`, for the layer.

        Returns:
            A layer that keeps its input's width.
        """
        return ResidualUnit(
            units, dropout=dropout, normalization=normalization, name=name, dtype=dtype
        )

    def get_config(self):
        config = super().get_config()
        del config["tower"]  # Rebuilt from this model's own arguments.
        config.update(
            {
                "residual_units": list(self.residual_units),
                "dropout": self.dropout,
                "normalization": self.normalization,
            }
        )
        return config
