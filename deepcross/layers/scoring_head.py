"""ScoringHead: the Scoring stage of Deep Crossing."""

import keras
from keras import ops

from deepcross import _checks

TASKS = ("binary", "multiclass", "regression")


@keras.saving.register_keras_serializable(package="deepcross")
class ScoringHead(keras.layers.Layer):
    """The scoring layer: one linear projection, then sigmoid, softmax or nothing.

    Deep Crossing's fifth stage turns the tower's output into a score:

    - `"binary"`: `sigmoid(x @ w + b)`, shape `(batch, 1)`, for CTR-style 0/1 labels;
    - `"multiclass"`: `softmax(x @ W + b)` over `num_classes`, shape `(batch, num_classes)`;
    - `"regression"`: `x @ w + b`, shape `(batch, 1)`.

    With `from_logits=True` the sigmoid or softmax is left out, and `default_loss()` returns
    the loss that applies it inside, which is numerically more stable.

    The output is always float32. Under a mixed precision policy (`"mixed_float16"`,
    `"mixed_bfloat16"`) the projection runs in the compute dtype and its logits are cast to
    float32 before the sigmoid or softmax, so scores near 0 or 1 and the loss keep their
    precision; the variables stay float32, as in every Keras layer.

    Args:
        task: str. `"binary"`, `"multiclass"` or `"regression"`. Defaults to `"binary"`.
        num_classes: int or None. Number of classes; required for `"multiclass"` (at
            least 2), not accepted otherwise. Defaults to None.
        from_logits: bool. Emit logits instead of probabilities. Defaults to False.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Example:

    ```python
    head = dc.layers.ScoringHead("binary")
    head(np.ones((4, 8), "float32")).shape  # (4, 1), values in (0, 1)
    ```
    """

    def __init__(self, task="binary", num_classes=None, from_logits=False, **kwargs):
        super().__init__(**kwargs)
        _checks.one_of(task, TASKS, "task")
        if task == "multiclass":
            if not _checks.is_int(num_classes) or num_classes < 2:
                raise ValueError(
                    "num_classes must be an integer of at least 2 for task='multiclass', "
                    f"received num_classes={num_classes!r}"
                )
        elif num_classes is not None:
            raise ValueError(
                f"num_classes applies to task='multiclass' only, received "
                f"num_classes={num_classes!r} with task={task!r}"
            )
        self.task = task
        self.num_classes = None if num_classes is None else int(num_classes)
        self.from_logits = _checks.boolean(from_logits, "from_logits")

    @property
    def units(self):
        return self.num_classes if self.task == "multiclass" else 1

    def build(self, input_shape):
        self.dense = keras.layers.Dense(self.units, name="score", dtype=self.dtype_policy)
        self.dense.build(input_shape)
        self.built = True

    def call(self, inputs, logits=None):
        """Scores one batch.

        Args:
            inputs: float tensor of shape `(batch, width)`.
            logits: float tensor of shape `(batch, units)` or None. Added to the projection
                before the sigmoid or softmax: the wide part's logits in `WideDeep`, so
                `score = sigmoid(x @ w + b + logits)`. Defaults to None.

        Returns:
            Float32 probabilities (or logits with `from_logits`, or values for regression)
            of shape `(batch, 1)` or `(batch, num_classes)`.
        """
        projected = ops.cast(self.dense(inputs), "float32")
        logits = projected if logits is None else projected + ops.cast(logits, "float32")
        if self.from_logits or self.task == "regression":
            return logits
        if self.task == "binary":
            return ops.sigmoid(logits)
        return ops.softmax(logits, axis=-1)

    def default_loss(self):
        """The Keras loss that matches this head's task and `from_logits`."""
        if self.task == "binary":
            return keras.losses.BinaryCrossentropy(from_logits=self.from_logits)
        if self.task == "multiclass":
            return keras.losses.SparseCategoricalCrossentropy(from_logits=self.from_logits)
        return keras.losses.MeanSquaredError()

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def compute_output_spec(self, inputs, logits=None):
        return keras.KerasTensor(self.compute_output_shape(inputs.shape), dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update(
            {"task": self.task, "num_classes": self.num_classes, "from_logits": self.from_logits}
        )
        return config
