import keras
import numpy as np
import pytest
from keras import ops

import deepcross as dc
from tests.conftest import GENRES
from tests.conftest import make_frame


def wide_spec():
    """The conftest spec plus the cross of movieId and the user's first genre."""
    genre = {"table": dc.Table("genre", dim=3), "vocabulary": GENRES}
    return dc.FeatureSpec(
        [
            dc.Categorical("movieId", dim=4),
            dc.Categorical("movieGenre", columns=["movieGenre1", "movieGenre2"], **genre),
            dc.Categorical("userGenre", columns=["userGenre1", "userGenre2"], **genre),
            dc.Crossed("movieXgenre", columns=["movieId", "userGenre1"], num_bins=64, dim=5),
            dc.Numeric("ratingCount", scaling="log1p"),
            dc.Numeric("avgRating", scaling="standardize"),
        ]
    )


@pytest.fixture
def wide_data(frame):
    spec = wide_spec().adapt(frame)
    return spec, spec.transform(frame), frame["label"].to_numpy()


def test_parts_take_their_features_from_one_spec(wide_data):
    spec, _, _ = wide_data
    model = dc.models.WideDeep(spec, wide=["movieXgenre", "avgRating"], hidden_units=8)
    assert model.deep == ("movieId", "movieGenre", "userGenre", "ratingCount")
    stack, wide = model.get_layer("embedding_stack"), model.get_layer("wide_linear")
    assert sorted(stack.embeddings) == ["genre", "movieId"]  # no deep table for the cross
    assert list(wide.embeddings) == ["movieXgenre"] and tuple(wide.kernel.shape) == (1, 1)
    assert stack.compute_output_shape({"int32": (2, 6)}) == (2, 4 + 3 + 3 + 1)
    assert [i.name for i in model.inputs] == [i.name for i in dc.models.EmbeddingMLP(spec).inputs]


def test_the_wide_logit_is_added_to_the_deep_logit(wide_data, frame):
    spec, x, _ = wide_data
    model = dc.models.WideDeep(spec, wide=["movieXgenre"], hidden_units=8, from_logits=True)
    before = model.predict(x, verbose=0)[:, 0]
    table = model.wide_linear.embeddings["movieXgenre"].embeddings
    table.assign(np.full(table.shape, 0.75, "float32"))
    shift = model.predict(x, verbose=0)[:, 0] - before
    crossed = (frame["userGenre1"] != "").to_numpy()  # an empty genre leaves the cross empty
    assert crossed.any() and not crossed.all()
    np.testing.assert_allclose(shift, np.where(crossed, 0.75, 0.0), atol=1e-5)


def test_trains_saves_and_loads(tmp_path, wide_data, frame):
    spec, x, y = wide_data
    model = dc.models.WideDeep(
        spec, wide=["movieXgenre", "movieId"], hidden_units=(8,), wide_regularizer="l1"
    )
    model.compile(optimizer=keras.optimizers.Adam(0.02))
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=64, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    wide_weights = model.embedding_table("movieXgenre", part="wide")
    assert wide_weights.shape == (64, 1) and np.abs(wide_weights.to_numpy()).max() > 0
    path = tmp_path / "wide_deep.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is dc.models.WideDeep and loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    raw = make_frame(30, seed=5)
    np.testing.assert_array_equal(
        loaded.predict_raw(raw, verbose=0), model.predict_raw(raw, verbose=0)
    )
    keys, matrix = loaded.embedding_table("genre", format="arrays")
    assert list(keys) == ["[OOV]", *GENRES] and matrix.shape == (6, 3)
    assert matrix.dtype == np.float32
    with pytest.raises(ValueError, match=r"No table named 'movieId'; tables: \['genre'\]"):
        loaded.embedding_table("movieId")  # in the wide part only


def test_multiclass_wide_part_has_one_weight_per_class(wide_data, frame):
    spec, x, _ = wide_data
    model = dc.models.WideDeep(
        spec, wide=["movieXgenre"], hidden_units=8, task="multiclass", num_classes=3
    )
    assert model.wide_linear.embeddings["movieXgenre"].embeddings.shape == (64, 3)
    model.compile()
    model.fit(x, frame["movieId"].to_numpy() % 3, epochs=1, verbose=0)
    assert model.predict(x, verbose=0).shape == (len(frame), 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"wide": ["nope"]}, r"unknown: \['nope'\]"),
        ({"wide": ["movieXgenre"], "deep": ["movieId"]}, r"in neither part"),
        (
            {
                "wide": [
                    "movieId",
                    "movieGenre",
                    "userGenre",
                    "movieXgenre",
                    "ratingCount",
                    "avgRating",
                ]
            },
            "leaves the deep part none",
        ),  # fmt: skip
        ({"wide": ["movieXgenre"], "wide_regularizer": "nope"}, "wide_regularizer='nope'"),
    ],
)
def test_invalid_arguments(wide_data, kwargs, message):
    spec, _, _ = wide_data
    with pytest.raises(ValueError, match=message):
        dc.models.WideDeep(spec, **kwargs)
    with pytest.raises(ValueError, match="part must be one of"):
        dc.models.WideDeep(spec, wide=["movieXgenre"]).embedding_table("genre", part="both")


def test_mixed_precision(wide_data):
    spec, x, y = wide_data
    model = dc.models.WideDeep(spec, wide=["movieXgenre"], hidden_units=8, dtype="mixed_bfloat16")
    assert model.wide_linear.dtype_policy.name == "mixed_bfloat16"
    assert all(w.dtype == "float32" for w in model.weights)
    model.compile()
    model.fit(x, y, epochs=1, verbose=0)
    out = model.predict(x, verbose=0)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    assert ops.convert_to_numpy(model(x)).shape == (len(y), 1)
