"""InputLayout: where each feature's columns sit in the model's inputs, one array per dtype."""

import math

import keras
import numpy as np
from keras import ops


class InputLayout:
    """The model's inputs: every feature's columns packed into one matrix per dtype.

    A model fed one array per feature pays for each array on every step (the data
    pipeline batches and shuffles each, the train step takes each as an argument); with
    eleven features that cost a quarter of the training speed of the same network fed two
    arrays. So the model takes one `(batch, width)` matrix per input dtype, keyed by the
    dtype's name (`{"int32": ..., "float32": ...}` for the built-in kinds), and each feature
    owns a run of columns in its dtype's matrix, in declaration order. `FeatureSpec.transform`
    makes this packed form; `transform(data, packed=False)` and `unpack` give the
    per-feature view.

    Args:
        features: sequence of `Feature`, in declaration order.
    """

    def __init__(self, features):
        self.slots = {}  # feature name -> (dtype, start, stop, shape)
        widths = {}
        for feature in features:
            dtype, shape = feature.input_dtype, tuple(feature.input_shape)
            start = widths.get(dtype, 0)
            widths[dtype] = start + math.prod(shape)
            self.slots[feature.name] = (dtype, start, widths[dtype], shape)
        self.widths = widths

    @property
    def keys(self):
        """The packed dict's keys: one dtype name per matrix, in order of first use."""
        return tuple(self.widths)

    def is_packed(self, inputs):
        """True when `inputs` is a dict keyed by this layout's dtypes, not by feature."""
        return isinstance(inputs, dict) and set(inputs) == set(self.widths)

    def make_inputs(self):
        """One `keras.Input` per dtype, `(width,)`, named after the dtype."""
        return {
            dtype: keras.Input(shape=(width,), dtype=dtype, name=dtype)
            for dtype, width in self.widths.items()
        }

    def pack(self, inputs):
        """A dict of per-feature arrays (numpy) or tensors as the packed dict.

        Args:
            inputs: dict keyed by feature name, `(batch, *input_shape)` each.

        Returns:
            A dict keyed by dtype of `(batch, width)` numpy arrays (numpy in) or tensors.
        """
        if self.is_packed(inputs):
            return inputs
        missing = [name for name in self.slots if name not in inputs]
        if missing:
            raise ValueError(
                f"The inputs have no array for feature(s) {missing}; they hold {list(inputs)}"
            )
        numpy = all(isinstance(inputs[name], np.ndarray) for name in self.slots)
        parts = {dtype: [] for dtype in self.widths}
        for name, (dtype, _, _, shape) in self.slots.items():
            x = inputs[name]
            x = np.asarray(x, dtype) if numpy else ops.cast(x, dtype)
            parts[dtype].append(x if len(shape) == 1 else _reshape(x, (-1, math.prod(shape))))
        if numpy:
            return {dtype: np.concatenate(arrays, axis=1) for dtype, arrays in parts.items()}
        return {
            dtype: arrays[0] if len(arrays) == 1 else ops.concatenate(arrays, axis=1)
            for dtype, arrays in parts.items()
        }

    def unpack(self, packed):
        """The packed dict as a dict of per-feature arrays or tensors, `(batch, *input_shape)`."""
        inputs = {}
        for name, (dtype, start, stop, shape) in self.slots.items():
            x = packed[dtype][:, start:stop]
            inputs[name] = x if len(shape) == 1 else _reshape(x, (-1, *shape))
        return inputs


def _reshape(x, shape):
    return x.reshape(shape) if isinstance(x, np.ndarray) else ops.reshape(x, shape)
