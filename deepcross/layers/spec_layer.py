"""The base of the layers that keep a copy of a `FeatureSpec`: its asset files and config."""

import keras

from deepcross.features import FeatureSpec


class SpecLayer(keras.layers.Layer):
    """A layer that keeps a `FeatureSpec` as `self.spec` (`EmbeddingStack`, `WideLinear`).

    Its config holds the spec's config without the long vocabularies and given vectors,
    which a `.keras` file keeps as this layer's assets; `from_config` rebuilds the spec.
    """

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
