"""RankingModel: the functional graph shared by deepcross models."""

import keras

from deepcross.features import FeatureSpec
from deepcross.layers.embedding_stack import EmbeddingStack
from deepcross.layers.scoring_head import ScoringHead


@keras.saving.register_keras_serializable(package="deepcross")
class RankingModel(keras.Model):
    """Feature inputs → `EmbeddingStack` → tower → `ScoringHead`, as one functional model.

    The base of `EmbeddingMLP` and `DeepCrossing`, and the place to start for a model of
    your own: pass any sequence of layers as `tower`. The model keeps its `FeatureSpec`
    (`model.spec`), which its config carries, so a saved `.keras` file holds the
    vocabularies and statistics and `predict_raw` works on raw values after loading.

    Subclasses follow keras-hub's functional-subclass pattern: build their layers in
    `__init__`, hand them to `RankingModel.__init__`, then set their own attributes and
    return them from `get_config`.

    Args:
        spec: `FeatureSpec`. The model's features, adapted.
        tower: sequence of `keras.layers.Layer`. Applied in order to the stacked vector.
        head: str. Scoring task: `"binary"`, `"multiclass"` or `"regression"`. Defaults to
            `"binary"`.
        num_classes: int or None. Classes of a `"multiclass"` head. Defaults to None.
        from_logits: bool. Emit logits instead of probabilities. Defaults to False.
        **kwargs: `keras.Model` arguments (`name`, ...).
    """

    def __init__(self, spec, tower, head="binary", num_classes=None, from_logits=False, **kwargs):
        if not isinstance(spec, FeatureSpec):
            raise ValueError(f"spec must be a deepcross FeatureSpec, received spec={spec!r}")
        inputs = spec.make_inputs()
        x = EmbeddingStack(spec, name="embedding_stack")(inputs)
        for layer in tower:
            x = layer(x)
        scoring_head = ScoringHead(
            head, num_classes=num_classes, from_logits=from_logits, name="scoring_head"
        )
        outputs = scoring_head(x)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.spec = spec
        self.head = head
        self.num_classes = num_classes
        self.from_logits = from_logits
        self.scoring_head = scoring_head
        self.tower = list(tower)

    def compile(self, optimizer="adam", loss=None, **kwargs):
        """`keras.Model.compile`, with the head's matching loss when `loss` is None."""
        if loss is None:
            loss = self.scoring_head.default_loss()
        super().compile(optimizer=optimizer, loss=loss, **kwargs)

    def compile_from_config(self, config):
        # `compile` above only fills in a default loss, so the saved arguments apply as they are.
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def preprocess(self, data):
        """Raw feature values (a DataFrame or dict of arrays) to this model's inputs."""
        return self.spec.transform(data)

    def predict_raw(self, data, **kwargs):
        """Predicts from raw feature values: `predict(preprocess(data))`.

        Args:
            data: a pandas DataFrame or a dict of arrays holding the features' columns as
                they are in the source data (strings, ids, numbers, missing values).
            **kwargs: passed to `keras.Model.predict` (`batch_size`, `verbose`, ...).

        Returns:
            The model's predictions as a numpy array.
        """
        return self.predict(self.preprocess(data), **kwargs)

    def embedding_table(self, table):
        """The learned vectors of `table` keyed by raw value; see `EmbeddingStack.embedding_table`."""
        return self.get_layer("embedding_stack").embedding_table(table)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "spec": self.spec.get_config(),
            "head": self.head,
            "num_classes": self.num_classes,
            "from_logits": self.from_logits,
            "tower": [keras.layers.serialize(layer) for layer in self.tower],
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["spec"] = FeatureSpec.from_config(config["spec"])
        if "tower" in config:
            config["tower"] = [keras.layers.deserialize(layer) for layer in config["tower"]]
        return cls(**config)
