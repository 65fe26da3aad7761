"""The checks a `FeatureSpec` makes of its features: names, registration, shared tables."""

import keras

from deepcross.features.feature import Feature


def check_features(features):
    """`features` as a list, checked, with each table and the first feature that uses it.

    Args:
        features: a `Feature` or a sequence of them.

    Returns:
        A tuple `(features, tables, owners)`: the features as a list, each table's name
        mapped to its `Table` and to its first feature, in order of first use.

    Raises:
        ValueError: for no features, something that is not a registered `Feature`, a name
            used twice, two kinds keeping what they learn under one key, two different
            tables of one name, or features sharing a table that map values differently.
    """
    if isinstance(features, Feature):
        features = [features]
    features = list(features)
    if not features:
        raise ValueError("A FeatureSpec needs at least one feature, received []")
    names, tables, owners, state_kinds = set(), {}, {}, {}
    for feature in features:
        if not isinstance(feature, Feature):
            raise ValueError(
                "FeatureSpec takes deepcross features (dc.Categorical, dc.Numeric, ... or "
                f"a dc.features.Feature subclass), received {feature!r}"
            )
        cls = type(feature)
        if keras.saving.get_registered_object(keras.saving.get_registered_name(cls)) is not cls:
            raise ValueError(
                f"Feature '{feature.name}' is a {cls.__name__}, which is not registered: "
                "decorate it with @keras.saving.register_keras_serializable() so that "
                "saved models can rebuild it"
            )
        if feature.name in names:
            raise ValueError(f"Feature names must be unique: '{feature.name}' appears twice")
        names.add(feature.name)
        key = feature.state_key
        if key is not None and state_kinds.setdefault(key, cls) is not cls:
            raise ValueError(
                f"Feature '{feature.name}' keeps what it learns under '{key}', as does a "
                f"{state_kinds[key].__name__} feature; rename the feature or its table"
            )
        if feature.table is None:
            continue
        table = feature.table
        owner = owners.setdefault(table.name, feature)
        if tables.setdefault(table.name, table) != table:
            raise ValueError(
                f"Two different tables are named '{table.name}': {tables[table.name]!r} "
                f"and {table!r} (of feature '{feature.name}'); to share one table, pass the "
                "same dc.Table to both features"
            )
        if owner.table_config() != feature.table_config():
            theirs, mine = owner.table_config(), feature.table_config()
            diff = sorted(k for k in theirs.keys() | mine.keys() if theirs.get(k) != mine.get(k))
            raise ValueError(
                f"Features '{owner.name}' and '{feature.name}' share table '{table.name}' "
                "but map values to rows differently: "
                + "; ".join(f"{k}={theirs.get(k)!r} vs {mine.get(k)!r}" for k in diff)
            )
    return features, tables, owners
