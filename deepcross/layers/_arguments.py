"""Argument checks and sublayer factories shared by the MLP and ResidualUnit layers."""

import numbers

import keras

NORMALIZATIONS = (None, "batch", "layer")


def get(module, name, identifier):
    """`module.get(identifier)` (an activation, initializer...), with an error naming `name`."""
    try:
        return module.get(identifier)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name} must be a name, config or object that {module.__name__}.get "
            f"accepts, received {name}={identifier!r}"
        ) from error


def check_dropout_and_normalization(dropout, normalization):
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a float in [0, 1), received dropout={dropout!r}")
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"normalization must be one of {NORMALIZATIONS}, "
            f"received normalization={normalization!r}"
        )


def normalization_layer(normalization, suffix, dtype):
    """A `BatchNormalization` or `LayerNormalization` named after its kind, or None."""
    if normalization == "batch":
        return keras.layers.BatchNormalization(name=f"batch_normalization{suffix}", dtype=dtype)
    if normalization == "layer":
        return keras.layers.LayerNormalization(name=f"layer_normalization{suffix}", dtype=dtype)
    return None
