"""Numeric feature: passed through, standardized, min-max scaled or log-transformed."""

import dataclasses
import math

import keras
import numpy as np

from deepcross.features import _values

NORMALIZATIONS = (None, "standardize", "minmax", "log1p")


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class Numeric:
    """A numeric feature, one float per example.

    `normalization` picks the transform, applied inside the model (`EmbeddingStack`) with
    statistics that `FeatureSpec.adapt` learns and the saved model keeps:

    - None: the value as it is.
    - `"standardize"`: `(x - mean) / sqrt(variance + 1e-6)`.
    - `"minmax"`: `(x - min) / (max - min)`, 0 when `max == min`.
    - `"log1p"`: `log(1 + max(x, 0))`; nothing is learned.

    A missing value (NaN, None, "") becomes `default` before the transform; with
    `default=None` a missing value is an error naming the feature and the row.

    Args:
        name: str. The feature's name, its column and its model input.
        normalization: str or None. One of None, `"standardize"`, `"minmax"`, `"log1p"`.
            Defaults to None.
        default: float or None. Replaces missing values. Defaults to 0.0.

    Example:

    ```python
    count = dc.Numeric("movieRatingCount", normalization="log1p")
    ```
    """

    name: str
    normalization: str | None = None
    default: float | None = 0.0

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"A feature name must be a non-empty string, received {self.name!r}")
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(
                f"Feature '{self.name}': normalization must be one of {NORMALIZATIONS}, "
                f"received normalization={self.normalization!r}"
            )
        if self.default is not None:
            if isinstance(self.default, bool) or not isinstance(self.default, (int, float)):
                raise ValueError(
                    f"Feature '{self.name}': default must be a number or None, received "
                    f"default={self.default!r}"
                )
            if not math.isfinite(self.default):
                raise ValueError(
                    f"Feature '{self.name}': default must be finite, received "
                    f"default={self.default!r}"
                )
            self.default = float(self.default)

    @property
    def source_columns(self):
        return (self.name,)

    @property
    def learns_statistics(self):
        return self.normalization in ("standardize", "minmax")

    def parse(self, data, fill=True):
        """Raw values to float64; missing values become `default`, or NaN if not `fill`."""
        default = self.default if fill or self.default is None else np.nan
        return _values.to_float(_values.column(data, self.name, self.name), self.name, default)

    def to_values(self, data):
        """Raw values to a `(num_rows, 1)` float32 array, missing values filled."""
        return self.parse(data).astype("float32")[:, None]

    def get_config(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_config(cls, config):
        return cls(**{k: v for k, v in config.items() if k != "kind"})
