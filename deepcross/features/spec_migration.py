"""Configs of older deepcross releases in today's form, so that their saved models load.

A spec config says its layout in `version` (3 since deepcross 0.3); 0.2 wrote none, and 0.1's
features name their kind as `kind`. `upgrade` brings either to today's layout, so a saved
model keeps its meaning: 0.2's argument names become today's, and 0.2's defaults, which
today's kinds no longer share, are written out.
"""

from deepcross.features.table import Table

VERSION = 3


def upgrade(config):
    """`config` in today's layout (a new dict when it was older)."""
    if is_0_1(config):
        config = from_0_1(config)
    if "version" not in config:
        config = from_0_2(config)
    return config


def is_0_1(config):
    """True for a deepcross 0.1 spec config (its features name their kind as `kind`)."""
    return any("kind" in entry for entry in config["features"])


def from_0_1(config):
    """A deepcross 0.1 spec config (kinds by name, table arguments and learned vocabularies
    under `tables`, `normalization`, `statistics`) in today's form, so 0.1 models load."""
    old_tables = config.get("tables", {})
    learned = {k: v for k, v in config.get("statistics", {}).items()}
    features, tables = [], {}
    for entry in config["features"]:
        entry = dict(entry)
        kind = entry.pop("kind")
        if "normalization" in entry:
            entry["scaling"] = entry.pop("normalization")
        if kind == "Bucketized":
            entry.pop("scaling", None)
        if kind not in ("Numeric", "Bucketized"):
            table = entry.get("table") or entry["name"]
            arguments = {k: v for k, v in old_tables[table].items() if k != "kind"}
            if "learned_vocabulary" in arguments:
                learned[table] = arguments.pop("learned_vocabulary")
            entry |= arguments
        if kind != "Numeric":
            name = entry.get("table") or entry["name"]
            tables[name] = Table(name, dim=entry.get("dim", "auto")).get_config()
            entry["table"] = name
        features.append({"class_name": f"deepcross>{kind}", "config": entry})
    return {"features": features, "tables": tables, "learned": learned}


# 0.2's names of arguments renamed in 0.3, by kind.
RENAMED = {
    "deepcross>IntegerIdentity": {"num_buckets": "num_tokens"},
    "deepcross>Categorical": {"num_oov": "num_oov_indices"},
}


def from_0_2(config):
    """A deepcross 0.2 spec config in today's form: `num_buckets` is `num_tokens`, `num_oov`
    is `num_oov_indices`, and a `Numeric`'s `default` keeps 0.2's meaning (0.0 when not
    given; None, which refused a missing value in 0.2, is `"error"`)."""
    features = []
    for entry in config["features"]:
        kind, arguments = entry["class_name"], dict(entry["config"])
        for old, new in RENAMED.get(kind, {}).items():
            if old in arguments:
                arguments[new] = arguments.pop(old)
        if kind == "deepcross>Numeric":
            default = arguments.get("default", 0.0)
            arguments["default"] = "error" if default is None else default
        features.append({**entry, "config": arguments})
    return {**config, "features": features, "version": VERSION}
