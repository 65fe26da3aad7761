"""VocabularyAsset: a long vocabulary kept in a saved model's asset file, not in its config."""

import dataclasses
import json
import os
import re

MAX_INLINE_KEYS = 100
"""Vocabularies of more keys than this are saved as asset files of the `.keras` archive."""

# The only names `FeatureSpec.save_assets` writes: `learned_<state key>.json` and
# `vocabulary_<table>.json`, a plain file name in the layer's asset folder.
ASSET_NAME = re.compile(r"(?:learned|vocabulary)_[A-Za-z0-9_]+\.json")


@dataclasses.dataclass(frozen=True)
class VocabularyAsset:
    """Stands for a vocabulary whose keys are in an asset file: its file name and its size.

    A `.keras` file keeps each vocabulary of more than `MAX_INLINE_KEYS` keys (learned or
    given) as a JSON file among the assets of the `EmbeddingStack` that owns the spec; the
    model's config holds `{"asset": "learned_movieId.json", "size": 9742}` in its place.
    Keras builds the model from the config first, then loads the assets: the size is all
    that building needs (`table_rows` calls `len`), and `EmbeddingStack.load_assets` puts
    the keys back. A spec made from such a config alone (`from_config`,
    `keras.models.clone_model`) keeps the placeholder, and refuses to transform data.

    A config is data a saved file may carry from anyone, so the file name must be one
    `FeatureSpec.save_assets` writes (`learned_<name>.json` or `vocabulary_<name>.json`, no
    folder): any other name (`"../../x.json"`, an absolute path) is an error naming it, and
    nothing outside the model's asset folder is ever opened.

    Args:
        asset: str. The file's name in the layer's asset folder.
        size: int. The number of keys.
    """

    asset: str
    size: int

    def __post_init__(self):
        if not isinstance(self.asset, str) or not ASSET_NAME.fullmatch(self.asset):
            raise ValueError(
                f"A vocabulary asset must be a file name deepcross writes "
                f"(learned_<name>.json or vocabulary_<name>.json, in the model's asset "
                f"folder), received {self.asset!r}: the saved model's config was altered or "
                "is not deepcross's, and that file is not opened"
            )
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(
                f"The vocabulary asset {self.asset!r} must have a size of 0 or more keys, "
                f"received size={self.size!r}"
            )

    def __len__(self):
        return self.size

    def __iter__(self):
        raise self.not_loaded()

    def __getitem__(self, index):
        raise self.not_loaded()

    def not_loaded(self, owner="This vocabulary"):
        return ValueError(
            f"{owner} ({self.size:,} keys) is kept in the asset file '{self.asset}' of a saved "
            "model, and its keys were not loaded: keras.saving.load_model(path) reads them. A "
            "spec, layer or model made from a config alone (from_config, "
            "keras.models.clone_model) knows the vocabulary's size but not its keys: load the "
            ".keras file, or use the original object"
        )

    def get_config(self):
        return {"asset": self.asset, "size": self.size}

    @classmethod
    def from_config(cls, config):
        return cls(config["asset"], int(config["size"]))

    @staticmethod
    def is_config(value):
        """True for the `{"asset": ..., "size": ...}` dict that a config holds."""
        return isinstance(value, dict) and set(value) == {"asset", "size"}

    def read(self, directory):
        """The keys, read from `directory` (as `write` left them), checked against `size`."""
        path = os.path.join(directory, self.asset) if directory else None
        if path is None or not os.path.exists(path):
            raise ValueError(
                f"The saved model lacks its vocabulary file '{self.asset}' ({self.size:,} keys)"
            )
        with open(path, encoding="utf-8") as file:
            keys = json.load(file)
        if not isinstance(keys, list) or len(keys) != self.size:
            found = len(keys) if isinstance(keys, list) else type(keys).__name__
            raise ValueError(
                f"The vocabulary file '{self.asset}' holds {found} keys, the config says "
                f"{self.size}"
            )
        return keys

    def write(self, directory, keys):
        """Writes `keys` (str or numbers) as one JSON array: any text, newlines included."""
        with open(os.path.join(directory, self.asset), "w", encoding="utf-8") as file:
            json.dump(list(keys), file, ensure_ascii=False)
