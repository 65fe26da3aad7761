"""Long vocabularies travel as asset files of the `.keras` archive; the config holds sizes."""

import json
import os
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest

import deepcross as dc
from deepcross.features.vocabulary_asset import MAX_INLINE_KEYS

NUM_MOVIES = 5_000
GENRES = [f"genre {i}" for i in range(MAX_INLINE_KEYS + 50)]  # a long given vocabulary
ODD_KEYS = ["two\nlines", 'quote " and \\', "ünïcödé", " spaced "]


def long_frame(n=NUM_MOVIES, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "movieId": np.arange(n),
            "title": np.resize(np.array(ODD_KEYS + ["plain"] * 200, object), n),
            "genre1": rng.choice(GENRES, n),
            "genre2": rng.choice(GENRES + [""], n),
            "userGenre": rng.choice(GENRES, n),
            "price": rng.random(n),
        }
    )


def long_spec(frame):
    genre = {"table": dc.Table("genre", dim=3), "vocabulary": GENRES}
    return dc.FeatureSpec(
        [
            dc.Categorical("movieId", dim=4),
            dc.Categorical("title", dim=2),
            dc.Categorical("movieGenre", columns=["genre1", "genre2"], **genre),
            dc.Categorical("userGenre", **genre),
            dc.Numeric("price", scaling="standardize"),
        ]
    ).adapt(frame)


@pytest.fixture
def model():
    return dc.models.EmbeddingMLP(long_spec(long_frame()), hidden_units=8)


def saved_config(path):
    with zipfile.ZipFile(path) as archive:
        return archive.read("config.json").decode(), archive.namelist()


def asset(path, name):
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"assets/layers/embedding_stack/{name}")


def test_long_vocabularies_are_assets_and_the_config_holds_their_sizes(tmp_path, model):
    path = tmp_path / "model.keras"
    model.save(path)
    config, names = saved_config(path)
    assert len(config) < 10_000
    assert "genre 7" not in config and '"4999"' not in config
    spec = json.loads(config)["config"]["spec"]
    assert spec["learned"]["movieId"] == {"asset": "learned_movieId.json", "size": NUM_MOVIES}
    assert spec["learned"]["title"] == ["plain", *sorted(ODD_KEYS)]  # Short: stays inline.
    given = {"asset": "vocabulary_genre.json", "size": len(GENRES)}
    assert [f["config"]["vocabulary"] for f in spec["features"][2:4]] == [given, given]
    assets = sorted(n for n in names if n.startswith("assets/"))
    assert [os.path.basename(n) for n in assets] == [
        "learned_movieId.json",
        "vocabulary_genre.json",
    ]


def test_a_loaded_model_has_the_keys_back_and_predicts_the_same(tmp_path, model):
    raw = long_frame(300, seed=1)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.spec == model.spec
    assert loaded.spec.learned["movieId"] == sorted(str(i) for i in range(NUM_MOVIES))
    assert loaded.spec["userGenre"].vocabulary == tuple(GENRES)
    assert loaded.spec is loaded.get_layer("embedding_stack").spec
    np.testing.assert_array_equal(loaded.predict_raw(raw), model.predict_raw(raw))
    # Saved again, the loaded model writes the same vocabulary files.
    loaded.save(tmp_path / "again.keras")
    for name in ("learned_movieId.json", "vocabulary_genre.json"):
        assert asset(tmp_path / "again.keras", name) == asset(path, name)


def test_the_stack_alone_in_a_functional_model_saves_its_assets(tmp_path):
    frame = long_frame()
    spec = long_spec(frame)
    inputs = spec.make_inputs()
    stack = dc.layers.EmbeddingStack(spec)
    model = keras.Model(inputs, keras.layers.Dense(1)(stack(inputs)))
    x = spec.transform(long_frame(50, seed=2))
    path = tmp_path / "functional.keras"
    model.save(path)
    assert len(saved_config(path)[0]) < 10_000
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.get_layer(stack.name).spec == spec
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_config_alone_builds_the_model_but_transform_says_the_keys_are_missing(model):
    again = dc.models.EmbeddingMLP.from_config(model.get_config())
    x = model.spec.transform(long_frame(20, seed=3))
    again.set_weights(model.get_weights())  # The sizes were enough to build every table.
    np.testing.assert_array_equal(again.predict_on_batch(x), model.predict_on_batch(x))
    with pytest.raises(ValueError, match="feature 'movieId'.*5,000 keys.*asset file"):
        again.predict_raw(long_frame(3))
    with pytest.raises(ValueError, match="not loaded: keras.saving.load_model"):
        again.spec.transform(long_frame(3), packed=False)
    with pytest.raises(ValueError, match="A vocabulary to save"):
        again.save("unused.keras")


def test_spec_config_keeps_every_key_unless_asked(model):
    spec = model.spec
    assert len(spec.get_config()["learned"]["movieId"]) == NUM_MOVIES
    assert dc.FeatureSpec.from_json(spec.to_json()) == spec
    raw = long_frame(5)
    np.testing.assert_array_equal(
        spec.copy().transform(raw, packed=False)["movieId"],
        spec.transform(raw, packed=False)["movieId"],
    )
    sized = dc.FeatureSpec.from_config(spec.get_config(assets=True))
    assert sized.table_rows("movieId") == spec.table_rows("movieId") == NUM_MOVIES + 1
    assert sized.table_rows("genre") == len(GENRES) + 1
    assert sized.get_config() == spec.get_config(assets=True)  # Placeholders round-trip.


def test_given_vocabulary_keeps_its_numbers(tmp_path):
    ids = list(range(1000, 1000 + 2 * MAX_INLINE_KEYS))
    frame = pd.DataFrame({"movieId": ids[::-1] + [7]})
    spec = dc.FeatureSpec([dc.Categorical("movieId", vocabulary=ids, dim=2)])
    model = dc.models.EmbeddingMLP(spec, hidden_units=4)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert loaded.spec["movieId"].vocabulary == tuple(ids)
    np.testing.assert_array_equal(
        loaded.spec.transform(frame, packed=False)["movieId"],
        spec.transform(frame, packed=False)["movieId"],
    )


def test_a_million_key_vocabulary_saves_small(tmp_path):
    n = 1_000_000
    frame = pd.DataFrame({"userId": np.arange(n), "x": np.linspace(0.0, 1.0, n)})
    spec = dc.FeatureSpec([dc.Categorical("userId", dim=2), dc.Numeric("x")]).adapt(frame)
    model = dc.models.EmbeddingMLP(spec, hidden_units=4)
    path = tmp_path / "model.keras"
    model.save(path)
    config, _ = saved_config(path)
    assert len(config.encode()) < 100_000
    loaded = keras.saving.load_model(path)
    raw = frame.sample(500, random_state=0)
    np.testing.assert_array_equal(loaded.predict_raw(raw), model.predict_raw(raw))


LOAD_WITHOUT_DEEPCROSS = """
import sys
import keras
try:
    keras.saving.load_model(sys.argv[1])
except Exception as error:
    print(type(error).__name__, len(str(error)))
    print(str(error))
else:
    print("loaded")
"""


def test_loading_without_import_deepcross_fails_short(tmp_path, model):
    path = tmp_path / "model.keras"
    model.save(path)
    result = subprocess.run(
        [sys.executable, "-I", "-c", LOAD_WITHOUT_DEEPCROSS, str(path)],
        cwd=tmp_path,  # Outside the repository: deepcross is not on the path by accident.
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    first, message = result.stdout.split("\n", 1)
    kind, length = first.split()
    assert kind == "TypeError" and int(length) < 5_000, result.stdout[:500]
    assert "make sure they are all imported" in message
    assert "'module': 'deepcross.models.embedding_mlp'" in message


def tampered(path, out, asset):
    """A copy of the `.keras` file at `path` whose config names vocabulary `asset` instead."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "config.json":
                data = data.replace(b'"learned_movieId.json"', json.dumps(asset).encode())
            target.writestr(item, data)
    return out


@pytest.mark.parametrize("safe_mode", [True, False])
@pytest.mark.parametrize(
    "asset", ["../../../../tmp/x.json", "OUTSIDE", "assets/../learned_movieId.json", "x.txt"]
)
def test_an_asset_name_that_is_not_a_plain_file_name_is_refused(tmp_path, model, asset, safe_mode):
    path = tmp_path / "model.keras"
    model.save(path)
    # A file outside the archive, with keys enough to pass for the vocabulary: 0.2 loaded it.
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps([str(i) for i in range(NUM_MOVIES)]))
    asset = str(outside) if asset == "OUTSIDE" else asset
    bad = tampered(path, tmp_path / "tampered.keras", asset)
    with pytest.raises(ValueError, match="must be a file name deepcross writes") as error:
        keras.saving.load_model(bad, safe_mode=safe_mode)
    assert repr(asset) in str(error.value)


def test_an_asset_name_is_checked_where_it_is_made():
    with pytest.raises(ValueError, match=r"received '\.\./x\.json'"):
        dc.features.FeatureSpec.from_config(
            {
                "features": [{"class_name": "deepcross>Categorical", "config": {"name": "a"}}],
                "tables": {},
                "learned": {"a": {"asset": "../x.json", "size": 3}},
            }
        )
