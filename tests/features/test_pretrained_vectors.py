"""`dc.Table(vectors=..., trainable=...)`: tables that start from given vectors."""

import json
import logging
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest
from keras import ops

import deepcross as dc
from deepcross.features.pretrained_vectors import PretrainedVectors

RNG = np.random.default_rng(3)
MOVIE_VECTORS = {movie: RNG.normal(size=4).astype("float32") for movie in (3, 6, 9, 12, 1000)}


def movie_spec(trainable=True, vectors=MOVIE_VECTORS):
    """movieId (learned vocabulary) shares its pretrained table with the user's last movie."""
    movie = dc.Table("movie", vectors=vectors, trainable=trainable)
    return dc.FeatureSpec(
        [
            dc.Categorical("movieId", table=movie),
            dc.Categorical("lastMovieId", columns=["userGenre1"], table=movie),  # any column
            dc.Categorical("userGenre", columns=["userGenre1", "userGenre2"], dim=3),
            dc.Numeric("avgRating", scaling="standardize"),
        ]
    )


def table_of(model, name="movie"):
    return model.get_layer("embedding_stack").embeddings[name]


def test_given_vectors_land_on_their_keys_rows_of_a_learned_vocabulary(frame, caplog):
    spec = movie_spec().adapt(frame)
    with caplog.at_level(logging.INFO, logger="deepcross.features.table"):
        model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    vectors = model.embedding_table("movie")
    assert vectors.shape[1] == 4  # dim="auto" takes the vectors' width
    for movie in (3, 6, 9, 12):
        np.testing.assert_array_equal(vectors.loc[str(movie)], MOVIE_VECTORS[movie])
    # Rows without a vector start from the initializer: small uniform values, not zeros.
    others = vectors.drop(index=["3", "6", "9", "12"]).to_numpy()
    assert 0 < np.abs(others).max() <= 0.05
    rows = spec.table_rows("movie")
    assert (
        f"Table 'movie': 4 of {rows} rows start from the given vectors, {rows - 4} from its "
        "initializer; 1 given keys are not in the table (e.g. ['1000'])"
    ) in caplog.text


def test_a_shared_table_is_one_pretrained_variable(frame):
    spec = movie_spec().adapt(frame)
    stack = dc.layers.EmbeddingStack(spec, output_mode="dict")
    stack.build()
    assert list(stack.embeddings) == ["movie", "userGenre"]
    # Both features read movie 3's row of the one variable: its given vector.
    x = spec.transform({"movieId": [3], "userGenre1": ["3"], "userGenre2": [""], "avgRating": [1]})
    parts = {k: ops.convert_to_numpy(v) for k, v in stack(x).items()}
    np.testing.assert_array_equal(parts["movieId"][0], MOVIE_VECTORS[3])
    np.testing.assert_array_equal(parts["lastMovieId"][0], MOVIE_VECTORS[3])


def test_a_frozen_table_is_unchanged_by_fit_and_a_fine_tuned_one_moves(frame):
    y = frame["label"].to_numpy()
    for trainable in (False, True):
        spec = movie_spec(trainable=trainable).adapt(frame)
        x = spec.transform(frame)
        model = dc.models.EmbeddingMLP(spec, hidden_units=8)
        layer = table_of(model)
        assert layer.trainable is trainable and type(layer) is dc.features.table.Embedding
        assert (layer.embeddings.path in {w.path for w in model.trainable_weights}) is trainable
        before = ops.convert_to_numpy(layer.embeddings)
        model.compile(optimizer=keras.optimizers.Adam(0.05))
        model.fit(x, y, batch_size=32, epochs=2, verbose=0)
        after = ops.convert_to_numpy(layer.embeddings)
        if trainable:
            assert not np.allclose(after, before)
        else:
            np.testing.assert_array_equal(after, before)


def test_saved_model_keeps_vectors_out_of_its_config_and_loads_them(tmp_path, frame):
    vectors = {movie: RNG.normal(size=16) for movie in range(1, 30)}
    spec = movie_spec(trainable=False, vectors=vectors).adapt(frame)
    x, y = spec.transform(frame), frame["label"].to_numpy()
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    model.compile()
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "pretrained.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = archive.read("config.json").decode()
        names = archive.namelist()
    assert '"vectors": {"asset": "vectors_movie.npz", "size": 29, "width": 16}' in config
    assert len(config) < 20_000 and any(n.endswith("vectors_movie.npz") for n in names)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.spec == model.spec and loaded.spec.tables["movie"].vectors.is_loaded
    assert table_of(loaded).trainable is False
    # The loaded spec starts a new model from the same vectors.
    again = dc.models.EmbeddingMLP(loaded.spec, hidden_units=8)
    np.testing.assert_array_equal(again.embedding_table("movie").loc["7"], np.float32(vectors[7]))


@pytest.mark.parametrize(
    "vectors",
    [
        {"a": [1.0, 2.0], 7: [3.0, 4.0]},
        (["a", 7], np.array([[1.0, 2.0], [3.0, 4.0]])),
        pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=["a", "7.0"]),
    ],
)
def test_vectors_forms_and_json_round_trip(vectors):
    table = dc.Table("t", vectors=vectors, trainable=False)
    assert table.dim == 2 and table.vectors.keys == ("a", "7")
    np.testing.assert_array_equal(table.vectors.matrix, [[1.0, 2.0], [3.0, 4.0]])
    again = dc.Table.from_config(json.loads(json.dumps(table.get_config())))
    assert again == table and again.trainable is False
    assert again != dc.Table("t", vectors={"a": [1.0, 2.0], 7: [3.0, 5.0]}, trainable=False)


def test_vectors_out_of_one_model_start_another(spec, frame):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    keys, matrix = model.embedding_table("movieId", format="arrays")
    table = dc.Table("movieId", vectors=(keys, matrix))
    other = dc.FeatureSpec([dc.Categorical("movieId", table=table)]).adapt(frame)
    started = dc.models.EmbeddingMLP(other, hidden_units=8).embedding_table("movieId")
    pd.testing.assert_frame_equal(started, model.embedding_table("movieId"))


def test_integer_identity_and_hashed_keys():
    ids = dc.Table("ids", vectors={0: [1.0], 4: [2.0], 9: [3.0]})
    bins = dc.Table("bins", vectors={"2": [5.0]})
    spec = dc.FeatureSpec(
        [
            dc.IntegerIdentity("slot", num_tokens=5, table=ids),
            dc.Hashed("city", num_bins=8, table=bins),
        ]
    )
    stack = dc.layers.EmbeddingStack(spec)
    stack.build()
    slot = ops.convert_to_numpy(stack.embeddings["ids"].embeddings)[:, 0]
    assert slot[1] == 1.0 and slot[5] == 2.0 and 9 not in slot  # row i + 1 holds id i
    assert ops.convert_to_numpy(stack.embeddings["bins"].embeddings)[2, 0] == 5.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dim": 8, "vectors": {"a": [1.0, 2.0]}}, r"vectors are 2 wide, but dim=8"),
        ({"vectors": {"a": [1.0, 2.0], "b": [1.0]}}, "of one width"),
        ({"vectors": (["a", "b"], np.ones((3, 2)))}, "2 keys and a matrix of shape"),
        ({"vectors": (["a", "a"], np.ones((2, 2)))}, "key 'a' twice"),
        ({"vectors": ([7, "7.0"], np.ones((2, 2)))}, r"key '7.0' twice \(as key '7'\)"),
        ({"vectors": ([None], np.ones((1, 2)))}, "keyed by a missing value"),
        ({"vectors": (["a"], [[np.nan, 1.0]])}, "key 'a' holds NaN or inf"),
        ({"vectors": "a.npy"}, "must be a mapping"),
        ({"trainable": "no"}, "trainable='no'"),
    ],
)
def test_invalid_vectors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dc.Table("t", **kwargs)


def test_no_key_in_the_table_warns(frame, caplog):
    spec = dc.FeatureSpec([dc.Categorical("movieId", table=dc.Table("m", vectors={"x": [1.0]}))])
    spec.adapt(frame)
    with caplog.at_level(logging.INFO, logger="deepcross.features.table"):
        dc.layers.EmbeddingStack(spec).build()
    assert "0 of 30 rows start from the given vectors" in caplog.text
    assert caplog.records[-1].levelno == logging.WARNING and "look like ['[OOV]'" in caplog.text


def test_placeholder_is_loaded_or_says_so(tmp_path):
    table = PretrainedVectors.make({"a": [1.0, 2.0]})
    table.write(tmp_path, "v.npz")
    placeholder = PretrainedVectors.make(table.asset_config("v.npz"))
    assert not placeholder.is_loaded and len(placeholder) == 1 and placeholder.width == 2
    assert placeholder.read(tmp_path) == table
