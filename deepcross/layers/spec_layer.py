"""The base of the layers that keep a copy of a `FeatureSpec`: its asset files and config."""

import keras
import pandas as pd
from keras import ops

from deepcross.features import FeatureSpec


class SpecLayer(keras.layers.Layer):
    """A layer that keeps a `FeatureSpec` as `self.spec` (`EmbeddingStack`, `WideLinear`).

    Its config holds the spec's config without the long vocabularies and given vectors,
    which a `.keras` file keeps as this layer's assets; `from_config` rebuilds the spec.
    Its tables are `Embedding` layers in `self.embeddings`, by table name.
    """

    def embedding_table(self, table):
        """The learned vectors of table `table`, one row per key.

        Args:
            table: str. The name of a spec table that the layer's features use.

        Returns:
            A pandas DataFrame indexed by key, one column per dimension (a `WideLinear`'s:
            one per unit): `"[OOV]"` (or `"[OOV1]"`, ...) for the out-of-vocabulary rows,
            then the vocabulary's keys (ids for `IntegerIdentity`, bin numbers for `Hashed`
            and `Crossed`, bucket ranges for `Bucketized`).
        """
        if table not in self.embeddings:
            raise ValueError(f"No table named {table!r}; tables: {list(self.embeddings)}")
        vectors = ops.convert_to_numpy(self.embeddings[table].embeddings)
        keys = self.spec.row_keys(table)
        return pd.DataFrame(vectors[: len(keys)], index=pd.Index(keys, name=table))

    def save_assets(self, dir_path):
        """Writes the spec's long vocabularies, which the config only sizes, as asset files."""
        self.spec.save_assets(dir_path)

    def load_assets(self, dir_path):
        """Reads the vocabularies back; Keras calls this after building from the config."""
        self.spec.load_assets(dir_path)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        spec = config.pop("spec")
        if not isinstance(spec, FeatureSpec):
            spec = FeatureSpec.from_config(spec)
        return cls(spec, **config)
