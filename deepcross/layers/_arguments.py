"""Sublayer helpers shared by the MLP and ResidualUnit layers."""

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


def clone(obj):
    """A fresh copy of an initializer or regularizer, for one sublayer (keras-hub's idea).

    An unseeded initializer object draws its seed once, when it is made, and returns the
    same values on every call: handed to two `Dense` layers of one shape it gives them
    equal kernels. A copy made from its config draws a seed of its own (from the global
    seed, so `keras.utils.set_random_seed` still makes a run reproducible); an initializer
    seeded with an int keeps that seed. Anything that is not a Keras initializer or
    regularizer (None, a plain function) is returned as it is.
    """
    if isinstance(obj, (keras.initializers.Initializer, keras.regularizers.Regularizer)):
        return type(obj).from_config(obj.get_config())
    return obj


def normalization_layer(normalization, suffix, dtype):
    """A `BatchNormalization` or `LayerNormalization` named after its kind, or None."""
    if normalization == "batch":
        return keras.layers.BatchNormalization(name=f"batch_normalization{suffix}", dtype=dtype)
    if normalization == "layer":
        return keras.layers.LayerNormalization(name=f"layer_normalization{suffix}", dtype=dtype)
    return None
