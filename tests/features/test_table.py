import json

import keras
import pytest

import deepcross as dc


def test_config_round_trip_through_json():
    table = dc.Table(
        "genre",
        dim=8,
        embeddings_initializer="glorot_uniform",
        embeddings_regularizer=keras.regularizers.L2(1e-6),
    )
    again = dc.Table.from_config(json.loads(json.dumps(table.get_config())))
    assert again == table
    assert again.get_config()["embeddings_regularizer"]["config"]["l2"] == pytest.approx(1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "my genre"}, "name='my genre'"),
        ({"name": "genre", "dim": 0}, "dim=0"),
        ({"name": "genre", "dim": True}, "dim=True"),
        ({"name": "genre", "embeddings_initializer": "nope"}, "embeddings_initializer='nope'"),
        ({"name": "genre", "embeddings_regularizer": 3}, "embeddings_regularizer=3"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dc.Table(**kwargs)


def test_one_table_object_shared_by_features_is_one_table():
    genre = dc.Table("genre", dim=4)
    spec = dc.FeatureSpec(
        [
            dc.Categorical("movieGenre", columns=["m1", "m2"], table=genre),
            dc.Categorical("userGenre", columns=["u1"], table=genre),
        ]
    ).adapt({"m1": ["a", "b"], "m2": ["c", ""], "u1": ["a", "d"]})
    assert spec.table_names == ["genre"]
    assert spec.learned["genre"] == ["a", "b", "c", "d"]
    config = spec.get_config()
    assert list(config["tables"]) == ["genre"]
    assert [f["config"]["table"] for f in config["features"]] == ["genre", "genre"]
    again = dc.FeatureSpec.from_config(json.loads(json.dumps(config)))
    assert again == spec and again["movieGenre"].table is again["userGenre"].table


def test_dim_given_twice_must_agree():
    with pytest.raises(ValueError, match="'c': dim=8 conflicts with its table's dim=4"):
        dc.Categorical("c", dim=8, table=dc.Table("t", dim=4))


def test_features_sharing_a_table_must_map_values_alike():
    table = dc.Table("t", dim=2)
    with pytest.raises(ValueError, match="share table 't'.*num_bins=5 vs 6"):
        dc.FeatureSpec(
            [dc.Hashed("a", num_bins=5, table=table), dc.Hashed("b", num_bins=6, table=table)]
        )


def test_auto_dim_resolves_from_rows():
    spec = dc.FeatureSpec([dc.Hashed("h", num_bins=10_000)])
    assert spec.embedding_dim("h") == 64
    assert dc.FeatureSpec([dc.IntegerIdentity("i", num_tokens=3)]).embedding_dim("i") == 3
