"""ResidualUnit: the building block of Deep Crossing's multiple residual units stage."""

import keras
from keras import ops

from deepcross import _checks
from deepcross.layers import _arguments


@keras.saving.register_keras_serializable(package="deepcross")
class ResidualUnit(keras.layers.Layer):
    """Deep Crossing's residual unit: two dense layers and a skip connection.

    Deep Crossing's fourth stage stacks several of these units on top of the stacked
    embedding vector (the third stage) and feeds the result to the scoring head (the
    fifth). Unlike a ResNet block, the unit has no convolutions: it is two dense layers
    whose output is added back to the input, so that the stack learns the residual
    `F(x) = y - x` and a deep stack still trains well.

    For an input `x` of width `d` the unit computes

    ```
    h = activation(x @ W1 + b1)          # W1: (d, units), the inner layer
    h = dropout(h)                       # only when training and dropout > 0
    r = h @ W2 + b2                      # W2: (units, d), back to the input width
    r = normalization(r)                 # only when normalization is not None
    y = activation(x + r)
    ```

    which with the defaults (ReLU, no dropout, no normalization) is the paper's
    `y = relu(x + W2 · relu(W1 · x + b1) + b2)`. The inner width `units` is free; the
    output width always equals the input width, since `W2` is created in `build()`
    from the input's last dimension. The normalization, when asked for, acts on the
    residual branch `r` alone, after `+ b2` and before the addition, so the skip path
    `x` is carried to the sum unchanged.

    Args:
        units: int. Width of the inner layer (the columns of `W1`). Defaults to none;
            required.
        activation: str or callable. The activation applied to the inner layer and to
            the sum. Defaults to `"relu"`.
        dropout: float in [0, 1). Dropout rate applied to the inner activation `h`
            during training. Defaults to 0.0.
        normalization: str or None. `"batch"` (`keras.layers.BatchNormalization`),
            `"layer"` (`keras.layers.LayerNormalization`) or None, applied to the
            residual branch before the addition. Defaults to None.
        kernel_initializer: str or initializer. Initializer of `W1` and `W2`; each gets
            its own copy, so `W1` and `W2` start different even when their shapes are
            equal. Defaults to `"glorot_uniform"`.
        bias_initializer: str or initializer. Initializer of `b1` and `b2`, copied the
            same way. Defaults to `"zeros"`.
        kernel_regularizer: str, regularizer or None. Regularizer of `W1` and `W2`.
            Defaults to None.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Example:

    ```python
    unit = dc.layers.ResidualUnit(units=64)
    y = unit(np.ones((2, 16), dtype="float32"))  # shape (2, 16)
    ```
    """

    def __init__(
        self,
        units,
        activation="relu",
        dropout=0.0,
        normalization=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = _checks.positive_int(units, "units")
        self.activation = _checks.keras_object(keras.activations, activation, "activation")
        self.dropout = _checks.fraction(dropout, "dropout")
        self.normalization = _checks.one_of(
            normalization, _arguments.NORMALIZATIONS, "normalization"
        )
        self.kernel_initializer = _checks.keras_object(
            keras.initializers, kernel_initializer, "kernel_initializer"
        )
        self.bias_initializer = _checks.keras_object(
            keras.initializers, bias_initializer, "bias_initializer"
        )
        self.kernel_regularizer = _checks.keras_object(
            keras.regularizers, kernel_regularizer, "kernel_regularizer"
        )

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                "ResidualUnit needs a known last input dimension, "
                f"received input_shape={tuple(input_shape)}"
            )
        self.inner_dense = self._dense(self.units, "inner_dense")
        self.inner_dense.build(input_shape)
        inner_shape = tuple(input_shape[:-1]) + (self.units,)
        self.outer_dense = self._dense(input_dim, "outer_dense")
        self.outer_dense.build(inner_shape)
        self.dropout_layer = None
        if self.dropout > 0:
            self.dropout_layer = keras.layers.Dropout(
                self.dropout, name="dropout", dtype=self.dtype_policy
            )
        self.norm = _arguments.normalization_layer(self.normalization, "", self.dtype_policy)
        if self.norm is not None:
            self.norm.build(input_shape)
        self.built = True

    def _dense(self, units, name):
        """One of the unit's two dense layers, with its own initializers and regularizer."""
        return keras.layers.Dense(
            units,
            kernel_initializer=_checks.clone(self.kernel_initializer),
            bias_initializer=_checks.clone(self.bias_initializer),
            kernel_regularizer=_checks.clone(self.kernel_regularizer),
            name=name,
            dtype=self.dtype_policy,
        )

    def call(self, inputs, training=None):
        """Applies the unit to one batch.

        Args:
            inputs: float tensor of shape `(batch, ..., d)`.
            training: bool or None. Whether dropout and batch normalization run in
                training mode.

        Returns:
            A tensor of the same shape as `inputs`, in the layer's compute dtype.
        """
        hidden = self.activation(self.inner_dense(inputs))
        if self.dropout_layer is not None:
            hidden = self.dropout_layer(hidden, training=training)
        residual = self.outer_dense(hidden)
        if self.norm is not None:
            residual = self.norm(residual, training=training)
        return self.activation(ops.add(inputs, residual))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": keras.activations.serialize(self.activation),
                "dropout": self.dropout,
                "normalization": self.normalization,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            }
        )
        return config
