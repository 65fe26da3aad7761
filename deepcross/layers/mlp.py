"""MLP: a stack of dense hidden layers, the plain alternative to residual units."""

import keras

from deepcross import _checks
from deepcross.layers import _arguments


@keras.saving.register_keras_serializable(package="deepcross")
class MLP(keras.layers.Layer):
    """A stack of dense hidden layers with activation, normalization and dropout.

    The deep part of an Embedding+MLP ranking model: it sits where Deep Crossing puts
    its multiple residual units (the fourth stage), between the stacked embedding
    vector and the scoring head. It is the baseline the paper compares residual units
    against, and the deep tower of Wide & Deep-style models.

    Each entry of `hidden_units` becomes one hidden layer, computed in this order:

    ```
    x = x @ W + b            # keras.layers.Dense(units, use_bias=use_bias)
    x = normalization(x)     # only when normalization is not None
    x = activation(x)
    x = dropout(x)           # only when training and dropout > 0
    ```

    Every hidden layer, the last included, gets the normalization, activation and
    dropout; the layer has no output projection of its own (that is the scoring head's
    job). With batch normalization, `use_bias=False` saves the bias that the
    normalization's own offset makes redundant.

    Args:
        hidden_units: int or sequence of int. Width of each hidden layer, input side
            first; an int is one hidden layer. Non-empty, every width positive.
        activation: str or callable. Activation of every hidden layer. Defaults to
            `"relu"`.
        dropout: float in [0, 1). Dropout rate after each hidden layer's activation,
            during training. Defaults to 0.0.
        normalization: str or None. `"batch"` (`keras.layers.BatchNormalization`),
            `"layer"` (`keras.layers.LayerNormalization`) or None, applied between each
            dense layer and its activation. Defaults to None.
        kernel_regularizer: str, regularizer or None. Regularizer of every kernel.
            Defaults to None.
        kernel_initializer: str or initializer. Initializer of every kernel; each dense
            layer gets its own copy, so equal-shaped kernels start different. Defaults
            to `"glorot_uniform"`.
        use_bias: bool. Whether the dense layers add a bias. Defaults to True.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Example:

    ```python
    mlp = dc.layers.MLP([64, 32], dropout=0.1, normalization="layer")
    y = mlp(np.ones((2, 16), dtype="float32"))  # shape (2, 32)
    ```
    """

    def __init__(
        self,
        hidden_units,
        activation="relu",
        dropout=0.0,
        normalization=None,
        kernel_regularizer=None,
        kernel_initializer="glorot_uniform",
        use_bias=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_units = list(_checks.positive_ints(hidden_units, "hidden_units"))
        self.activation = _checks.keras_object(keras.activations, activation, "activation")
        self.dropout = _checks.fraction(dropout, "dropout")
        self.normalization = _checks.one_of(
            normalization, _arguments.NORMALIZATIONS, "normalization"
        )
        self.kernel_regularizer = _checks.keras_object(
            keras.regularizers, kernel_regularizer, "kernel_regularizer"
        )
        self.kernel_initializer = _checks.keras_object(
            keras.initializers, kernel_initializer, "kernel_initializer"
        )
        self.use_bias = _checks.boolean(use_bias, "use_bias")

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(
                f"MLP needs a known last input dimension, received input_shape={tuple(input_shape)}"
            )
        self.dense_layers = []
        self.norm_layers = []
        self.dropout_layers = []
        shape = tuple(input_shape)
        for i, units in enumerate(self.hidden_units):
            dense = keras.layers.Dense(
                units,
                use_bias=self.use_bias,
                kernel_initializer=_checks.clone(self.kernel_initializer),
                kernel_regularizer=_checks.clone(self.kernel_regularizer),
                name=f"dense_{i}",
                dtype=self.dtype_policy,
            )
            dense.build(shape)
            shape = shape[:-1] + (units,)
            self.dense_layers.append(dense)
            norm = _arguments.normalization_layer(self.normalization, f"_{i}", self.dtype_policy)
            if norm is not None:
                norm.build(shape)
                self.norm_layers.append(norm)
            if self.dropout > 0:
                self.dropout_layers.append(
                    keras.layers.Dropout(self.dropout, name=f"dropout_{i}", dtype=self.dtype_policy)
                )
        self.built = True

    def call(self, inputs, training=None):
        """Applies the hidden layers to one batch.

        Args:
            inputs: float tensor of shape `(batch, ..., d)`.
            training: bool or None. Whether dropout and batch normalization run in
                training mode.

        Returns:
            A tensor of shape `(batch, ..., hidden_units[-1])`, in the layer's compute
            dtype.
        """
        x = inputs
        for i, dense in enumerate(self.dense_layers):
            x = dense(x)
            if self.norm_layers:
                x = self.norm_layers[i](x, training=training)
            x = self.activation(x)
            if self.dropout_layers:
                x = self.dropout_layers[i](x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.hidden_units[-1],)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hidden_units": list(self.hidden_units),
                "activation": keras.activations.serialize(self.activation),
                "dropout": self.dropout,
                "normalization": self.normalization,
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "use_bias": self.use_bias,
            }
        )
        return config
