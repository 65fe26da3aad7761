"""A `FeatureSpec`'s config: features, each shared table written once, what was learned."""

import json

import keras

from deepcross.features import spec_assets
from deepcross.features import spec_migration
from deepcross.features.table import Table
from deepcross.features.vocabulary_asset import VocabularyAsset


def get_config(spec, assets=False):
    """`FeatureSpec.get_config`: a JSON-ready dict (see there for `assets`)."""
    files = spec_assets.vocabulary_files(spec) if assets else {}
    features = []
    for feature in spec.features:
        config = feature.get_config()
        if feature.table is not None:
            config["table"] = feature.table.name
            if ("vocabulary", feature.table.name) in files:
                config["vocabulary"] = files["vocabulary", feature.table.name][0].get_config()
        features.append(
            {"class_name": keras.saving.get_registered_name(type(feature)), "config": config}
        )
    learned = {
        key: files["learned", key][0] if ("learned", key) in files else state
        for key, state in spec.learned.items()
    }
    return {
        "version": spec_migration.VERSION,
        "features": features,
        "tables": {name: _table_config(table, assets) for name, table in spec.tables.items()},
        "learned": json.loads(json.dumps(learned, default=VocabularyAsset.get_config)),
    }


def _table_config(table, assets):
    """A table's config; with `assets`, given vectors as an asset file in their place."""
    if assets and table.vectors is not None:
        return table._settings() | {
            "vectors": table.vectors.asset_config(spec_assets.vectors_file(table.name))
        }
    return table.get_config()


def from_config(config):
    """The features and learned state of a config that `get_config` wrote (or 0.1 wrote).

    Returns:
        A tuple `(features, learned)`.
    """
    config = spec_migration.upgrade(config)
    tables = {name: Table.from_config(c) for name, c in config.get("tables", {}).items()}
    features = []
    for entry in config["features"]:
        kind = keras.saving.get_registered_object(entry["class_name"])
        if kind is None:
            raise ValueError(
                f"Unknown feature kind {entry['class_name']!r}: import the module that "
                "registers it (keras.saving.register_keras_serializable) before loading"
            )
        feature_config = dict(entry["config"])
        if isinstance(feature_config.get("table"), str):
            feature_config["table"] = tables[feature_config["table"]]
        features.append(kind.from_config(feature_config))
    learned = {
        key: VocabularyAsset.from_config(state) if VocabularyAsset.is_config(state) else state
        for key, state in config.get("learned", {}).items()
    }
    return features, learned
