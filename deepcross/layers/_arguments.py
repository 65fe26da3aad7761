"""The normalization sublayer shared by the MLP and ResidualUnit layers."""

import keras

NORMALIZATIONS = (None, "batch", "layer")


def normalization_layer(normalization, suffix, dtype):
    """A `BatchNormalization` or `LayerNormalization` named after its kind, or None."""
    if normalization == "batch":
        return keras.layers.BatchNormalization(name=f"batch_normalization{suffix}", dtype=dtype)
    if normalization == "layer":
        return keras.layers.LayerNormalization(name=f"layer_normalization{suffix}", dtype=dtype)
    return None
