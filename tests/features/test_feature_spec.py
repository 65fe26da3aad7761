import json
import pathlib
import warnings

import numpy as np
import pytest

import deepcross as dc
from tests.conftest import GENRES
from tests.conftest import make_frame
from tests.conftest import make_spec


def test_adapt_learns_vocabulary_and_statistics(frame):
    spec = make_spec().adapt(frame)
    counts = frame["movieId"].value_counts()
    assert spec.learned["movieId"][0] == str(counts.idxmax())
    assert len(spec.learned["movieId"]) == frame["movieId"].nunique()
    stats = spec.learned["avgRating"]
    assert stats["mean"] == pytest.approx(frame["avgRating"].mean())
    assert stats["variance"] == pytest.approx(frame["avgRating"].var(ddof=0))
    assert stats["min"] == frame["avgRating"].min() and stats["max"] == frame["avgRating"].max()
    # A table with a given vocabulary learns nothing; a log1p feature needs no statistics.
    assert set(spec.learned) == {"movieId", "avgRating"}


def test_statistics_skip_missing_values():
    spec = dc.FeatureSpec([dc.Numeric("x", scaling="standardize", default=100.0)])
    spec.adapt({"x": np.array([1.0, np.nan, 3.0])})
    assert spec.learned["x"]["mean"] == 2.0
    assert spec.learned["x"]["count"] == 2


def test_adapt_on_dataframe_dict_and_tf_dataset_agree(frame):
    tf = pytest.importorskip("tensorflow")
    from_frame = make_spec().adapt(frame)
    from_dict = make_spec().adapt({c: frame[c].to_numpy() for c in frame.columns})
    columns = {c: frame[c].to_numpy() for c in frame.columns if c != "label"}
    # Batches of 50 exercise the one-pass merge of counts and moments across chunks.
    dataset = tf.data.Dataset.from_tensor_slices((columns, frame["label"].to_numpy())).batch(50)
    from_dataset = make_spec().adapt(dataset)
    assert from_dict == from_frame
    assert from_dataset.learned["movieId"] == from_frame.learned["movieId"]
    for key, value in from_frame.learned["avgRating"].items():
        assert from_dataset.learned["avgRating"][key] == pytest.approx(value)


def test_shared_table_counts_values_of_every_feature():
    spec = dc.FeatureSpec(
        [
            dc.Categorical("a", table=dc.Table("t")),
            dc.Categorical("b", columns=["b1", "b2"], table=dc.Table("t")),
        ]
    ).adapt({"a": np.array(["x", "y"]), "b1": np.array(["z", "z"]), "b2": np.array(["y", ""])})
    assert spec.table_names == ["t"]
    assert spec.learned == {"t": ["y", "z", "x"]}


def test_json_round_trip_keeps_learned_state(spec):
    text = spec.to_json()
    again = dc.FeatureSpec.from_json(text)
    assert again == spec
    assert again.learned == spec.learned
    frame = make_frame(20, seed=3)
    for name, array in spec.transform(frame, packed=False).items():
        np.testing.assert_array_equal(again.transform(frame, packed=False)[name], array)


def test_shared_table_is_written_once(spec):
    config = json.loads(spec.to_json())
    assert list(config["tables"]) == ["movieId", "genre"]
    assert config["tables"]["genre"]["dim"] == 3
    genre_features = [
        f["config"] for f in config["features"] if f["config"].get("table") == "genre"
    ]
    assert len(genre_features) == 2
    assert all(f["vocabulary"] == GENRES for f in genre_features)


def test_transform_arrays_and_counts(spec, frame):
    arrays, counts = spec.transform(frame, return_counts=True, packed=False)
    assert arrays["movieId"].shape == (len(frame), 1) and arrays["movieId"].dtype == np.int32
    assert arrays["userGenre"].shape == (len(frame), 3)
    assert arrays["avgRating"].dtype == np.float32
    empty = int((frame[["userGenre1", "userGenre2", "userGenre3"]] == "").sum().sum())
    assert counts["userGenre"]["missing"] == empty
    assert (arrays["userGenre"] == -1).sum() == empty


def test_unseen_values_at_serving_go_to_oov(spec):
    serving = make_frame(5, seed=9)
    serving["movieId"] = [10_001, 10_002, 1, 2, 3]
    arrays, counts = spec.transform(serving, return_counts=True, packed=False)
    assert arrays["movieId"][:2, 0].tolist() == [0, 0]
    assert counts["movieId"]["oov"] >= 2


@pytest.mark.parametrize(
    "features, message",
    [
        ([], "at least one feature"),
        ([dc.Numeric("x"), dc.Numeric("x")], "'x' appears twice"),
        (["x"], "received 'x'"),
        (
            [dc.Categorical("a", table="t", dim=4), dc.Categorical("b", table="t", dim=8)],
            "Two different tables are named 't'",
        ),
        (
            [dc.Categorical("a", table="t"), dc.Hashed("b", table="t", num_bins=5)],
            "share table 't'",
        ),
        (
            [dc.Bucketized("y", boundaries=[1.0]), dc.Categorical("c", table="y")],
            "share table 'y'",
        ),
    ],
)
def test_invalid_specs(features, message):
    with pytest.raises(ValueError, match=message):
        dc.FeatureSpec(features)


def test_missing_column_in_data(spec, frame):
    with pytest.raises(ValueError, match="'userGenre' needs column 'userGenre2'"):
        spec.transform(frame.drop(columns=["userGenre2"]), packed=False)
    with pytest.raises(ValueError, match="'avgRating' needs column 'avgRating'"):
        make_spec().adapt(frame.drop(columns=["avgRating"]))


def test_string_in_numeric_column_during_adapt(frame):
    frame["avgRating"] = frame["avgRating"].astype(object)
    frame.loc[7, "avgRating"] = "four"
    with pytest.raises(ValueError, match="'avgRating'.*row 7 holds 'four'"):
        make_spec().adapt(frame)


def test_unadapted_spec_cannot_build_a_stack():
    with pytest.raises(ValueError, match="spec.adapt"):
        dc.layers.EmbeddingStack(make_spec())
    with pytest.raises(ValueError, match="'movieId' learns from data"):
        make_spec().transform(make_frame(3), packed=False)


def test_data_of_wrong_type():
    with pytest.raises(ValueError, match="item 0 is an int"):
        make_spec().adapt([1, 2, 3])
    with pytest.raises(ValueError, match="received a str"):
        make_spec().adapt("ratings.csv")


def test_a_0_1_config_still_loads():
    config = {
        "features": [
            {
                "kind": "Categorical",
                "name": "movieId",
                "columns": None,
                "combiner": "mean",
                "table": None,
                "max_values": None,
                "separator": None,
            },
            {
                "kind": "Categorical",
                "name": "genre",
                "columns": ["g1", "g2"],
                "combiner": "mean",
                "table": "genre",
                "max_values": None,
                "separator": None,
            },
            {
                "kind": "Numeric",
                "name": "avgRating",
                "normalization": "standardize",
                "default": 0.0,
            },
            {
                "kind": "Bucketized",
                "name": "year",
                "normalization": None,
                "default": 0.0,
                "boundaries": [1990.0],
                "dim": 2,
            },
        ],
        "tables": {
            "movieId": {
                "kind": "Categorical",
                "dim": 4,
                "vocabulary": None,
                "max_tokens": None,
                "min_count": 1,
                "num_oov": 1,
                "learned_vocabulary": ["7", "3"],
            },
            "genre": {
                "kind": "Categorical",
                "dim": 3,
                "vocabulary": ["a", "b"],
                "max_tokens": None,
                "min_count": 1,
                "num_oov": 1,
            },
        },
        "statistics": {
            "avgRating": {"count": 2, "mean": 3.0, "variance": 1.0, "min": 2.0, "max": 4.0}
        },
    }
    spec = dc.FeatureSpec.from_config(config)
    arrays = spec.transform(
        {
            "movieId": [3, 9],
            "g1": ["b", ""],
            "g2": ["a", "a"],
            "avgRating": [4.0, None],
            "year": [1980, 2000],
        },
        packed=False,
    )
    assert arrays["movieId"].tolist() == [[2], [0]]
    assert arrays["genre"].tolist() == [[2, 1], [-1, 1]]
    assert spec.embedding_dim("genre") == 3 and spec.embedding_dim("movieId") == 4
    assert spec.learned["avgRating"]["mean"] == 3.0
    assert arrays["year"].tolist() == [[0], [1]]


def test_summary_names_every_feature_and_its_table(spec, capsys):
    frame = spec.summary_frame()
    assert list(frame.index) == [f.name for f in spec.features]
    assert frame.loc["userGenre", "table"] == "genre" and frame.loc["userGenre", "dim"] == 3
    assert frame.loc["movieId", "rows"] == 1 + len(spec.learned["movieId"])
    assert frame.loc["avgRating", "scaling"] == "standardize"
    assert frame.loc["movieId", "input"] == "int32[0:1]"
    assert frame.loc["userGenre", "input"] == "int32[3:6]"  # after movieGenre's 2 columns
    assert frame.loc["avgRating", "input"] == "float32[1:2]"  # after ratingCount
    assert frame["width"].sum() == 4 + 3 + 3 + 1 + 1  # the stacked width
    spec.summary()
    printed = capsys.readouterr().out
    assert "FeatureSpec (adapted)" in printed and "userGenre1, userGenre2, userGenre3" in printed
    assert "not adapted" in str(make_spec()) and "adapted=False" in repr(make_spec())


def test_a_list_read_as_one_value_is_warned_of():
    spec = dc.FeatureSpec(
        [
            dc.Categorical("genres", max_values=3, separator="|"),
            dc.Categorical("tags"),  # holds lists too, but declares no separator
        ]
    )
    data = {"genres": ["a|b", "c"], "tags": ["new|kids", "old"]}
    with pytest.warns(UserWarning, match=r"'tags' learned 1 values that contain '\|'.*'genres'"):
        spec.adapt(data)


def test_adapt_checks_arrow_text_columns_without_making_numpy_objects(monkeypatch):
    # Arrow text is counted from its dictionary encoding; 0.2's adapt made every cell a numpy
    # str object first, only to check that the column was there.
    import pandas as pd

    from deepcross.features import raw_data

    def made(self):
        raise AssertionError("adapt made numpy objects of an Arrow text column")

    monkeypatch.setattr(raw_data.ArrowText, "__call__", made)
    frame = pd.DataFrame({"genre": pd.array(["a", "b", None, "a"] * 10, dtype="string[pyarrow]")})
    spec = dc.FeatureSpec(
        [dc.Categorical("genre"), dc.Hashed("genre2", columns=["genre"], num_bins=5)]
    )
    spec.adapt(frame)
    assert spec.learned["genre"] == ["a", "b"]


SPEC_0_2 = pathlib.Path(__file__).with_name("spec_0_2.json")  # written by deepcross 0.2


def test_a_0_2_config_loads_with_its_meaning_kept():
    saved = json.loads(SPEC_0_2.read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a saved model loads without deprecation warnings
        spec = dc.FeatureSpec.from_config(saved["config"])
    assert spec["slot"].num_tokens == 5 and spec["genre"].num_oov_indices == 2
    # 0.2's Numeric default was 0.0, and its None refused a missing value.
    assert spec["rating"].default == 0.0 and spec["strict"].default == "error"
    arrays = spec.transform(saved["request"], packed=False)
    assert {name: array.tolist() for name, array in arrays.items()} == saved["arrays"]
    with pytest.raises(ValueError, match="'strict'.*row 1"):
        spec.transform({**saved["request"], "strict": [1.0, None, 3.0, 4.0]})
    again = dc.FeatureSpec.from_config(spec.get_config())
    assert again == spec and again.get_config()["version"] == 3
