"""Long vocabularies and given vectors as asset files of a saved model: which, and how they
are written and read.

A `.keras` file keeps each vocabulary of more than `MAX_INLINE_KEYS` keys (learned, or given
as a kind's `vocabulary`) as a JSON file among the assets of the layer that owns the spec; the
config holds a `VocabularyAsset` (file name and size) in its place. A table's given vectors
(`Table(vectors=...)`) go to `vectors_<table>.npz` the same way.
"""

from deepcross.features.vocabulary_asset import ASSET_NAME
from deepcross.features.vocabulary_asset import MAX_INLINE_KEYS
from deepcross.features.vocabulary_asset import VocabularyAsset


def vocabulary_files(spec):
    """Each vocabulary too long for a config, as `{(where, name): (VocabularyAsset, keys)}`:
    learned ones by state key, given ones (a kind's `vocabulary`) by table; `keys` is None
    for a placeholder whose keys were never loaded."""
    files = {}
    found = [("learned", key, state) for key, state in spec.learned.items()]
    found += [
        ("vocabulary", f.table.name, getattr(f, "vocabulary", None))
        for f in spec.features
        if f.table is not None
    ]
    for where, name, keys in found:
        if isinstance(keys, VocabularyAsset):
            files[where, name] = (keys, None)
        elif (
            isinstance(keys, (list, tuple))
            and len(keys) > MAX_INLINE_KEYS
            and (where == "vocabulary" or all(isinstance(k, str) for k in keys))
            and ASSET_NAME.fullmatch(f"{where}_{name}.json")  # a kind's own odd key: inline
        ):
            files[where, name] = (VocabularyAsset(f"{where}_{name}.json", len(keys)), keys)
    return files


def save_assets(spec, directory):
    """Writes the vocabularies that `get_config(assets=True)` leaves out to `directory`."""
    for placeholder, keys in vocabulary_files(spec).values():
        if keys is None:
            raise placeholder.not_loaded("A vocabulary to save")
        placeholder.write(directory, keys)
    for name, table in spec.tables.items():
        if table.vectors is not None:
            if not table.vectors.is_loaded:
                raise ValueError(
                    f"Table '{name}': its given vectors (asset '{table.vectors.asset}') "
                    "were not loaded, so they cannot be saved: load the .keras file"
                )
            table.vectors.write(directory, vectors_file(name))


def load_assets(spec, directory):
    """Reads the vocabularies that `save_assets` wrote into their placeholders' places."""
    for key, state in spec.learned.items():
        if isinstance(state, VocabularyAsset):
            spec.learned[key] = state.read(directory)
    given = {}  # Features sharing a table share a file: read it once.
    for feature in spec.features:
        vocabulary = getattr(feature, "vocabulary", None)
        if isinstance(vocabulary, VocabularyAsset):
            if vocabulary not in given:
                given[vocabulary] = tuple(vocabulary.read(directory))
            feature.vocabulary = given[vocabulary]
    for table in spec.tables.values():
        if table.vectors is not None and not table.vectors.is_loaded:
            table.vectors = table.vectors.read(directory)


def vectors_file(table):
    """The asset file of a table's given vectors in a saved model."""
    return f"vectors_{table}.npz"


def unloaded(spec, feature):
    """The placeholder of `feature`'s vocabulary when its keys were never loaded, or None."""
    learned = spec.learned.get(feature.state_key) if feature.state_key else None
    for vocabulary in (learned, getattr(feature, "vocabulary", None)):
        if isinstance(vocabulary, VocabularyAsset):
            return vocabulary
    return None
