"""Numeric feature cut into buckets by boundaries, then embedded."""

import dataclasses

import keras
import numpy as np

from deepcross.features.categorical_feature import auto_dim
from deepcross.features.categorical_feature import check_dim
from deepcross.features.numeric import Numeric


@keras.saving.register_keras_serializable(package="deepcross")
@dataclasses.dataclass
class Bucketized(Numeric):
    """A numeric feature cut at `boundaries` into buckets, each with an embedding row.

    Bucket `i` holds `boundaries[i-1] <= x < boundaries[i]`: values below the first boundary
    fall in bucket 0 and values at or above the last in bucket `len(boundaries)`, so no value
    is out of range. Missing values take `default` first.

    Args:
        name: str. The feature's name, its column and its model input.
        boundaries: sequence of float. Strictly increasing cut points.
        dim: int or `"auto"`. Embedding width. Defaults to `"auto"`.
        default: float or None. Replaces missing values. Defaults to 0.0.

    Example:

    ```python
    year = dc.Bucketized("releaseYear", boundaries=[1960, 1980, 1990, 2000, 2010], dim=4)
    ```
    """

    boundaries: tuple = ()
    dim: int | str = "auto"

    def __post_init__(self):
        super().__post_init__()
        if self.normalization is not None:
            raise ValueError(
                f"Feature '{self.name}': a Bucketized feature takes no normalization, "
                f"received normalization={self.normalization!r}"
            )
        try:
            boundaries = np.asarray(self.boundaries, dtype=float)
        except (TypeError, ValueError):
            boundaries = None
        if boundaries is None or boundaries.ndim != 1 or not len(boundaries) or not (
            np.all(np.isfinite(boundaries)) and np.all(np.diff(boundaries) > 0)
        ):
            raise ValueError(
                f"Feature '{self.name}': boundaries must be a non-empty, strictly increasing "
                f"sequence of finite numbers, received boundaries={self.boundaries!r}"
            )
        self.boundaries = tuple(float(b) for b in boundaries)
        check_dim(self.name, self.dim)

    @property
    def table_name(self):
        return self.name

    def table_size(self, vocabulary=None):
        return len(self.boundaries) + 1

    def embedding_dim(self, vocabulary=None):
        return auto_dim(self.table_size()) if self.dim == "auto" else self.dim

    def get_config(self):
        config = dataclasses.asdict(self)
        config["boundaries"] = list(self.boundaries)
        return config
