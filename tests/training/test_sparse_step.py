"""The row-sparse training step through `fit`, as users run it, against Keras's dense step."""

import dataclasses
import logging

import keras
import numpy as np
import pytest
from keras import ops

import deepcross as dc
from deepcross.training import sparse_step
from tests.conftest import GENRES
from tests.conftest import make_frame


def numpy(x):
    return ops.convert_to_numpy(x)


def test_touched_rows_are_sorted_distinct_and_fixed_in_size():
    rows = ops.convert_to_tensor(np.array([7, 3, 0, 3, 9, 7, 0], "int32"))
    present = ops.convert_to_tensor(np.array([1, 1, 0, 1, 1, 1, 1], bool))
    unique, valid = sparse_step.touched_rows(rows, present, 10)
    np.testing.assert_array_equal(numpy(unique), [0, 3, 7, 9, 10, 10, 10])
    np.testing.assert_array_equal(numpy(valid), [1, 1, 1, 1, 0, 0, 0])
    none = ops.zeros((4,), bool)
    unique, valid = sparse_step.touched_rows(rows[:4], none, 10)
    np.testing.assert_array_equal(numpy(unique), [10] * 4)
    assert not numpy(valid).any()


def spec_for(frame, regularizer=None, movie_vocabulary=None):
    """Shared genre table, multi-valued genres, a movie table, numbers: every kind of slot."""
    genre = dc.Table("genre", dim=3, embeddings_regularizer=regularizer)
    movie = {"vocabulary": movie_vocabulary} if movie_vocabulary is not None else {}
    spec = dc.FeatureSpec(
        [
            dc.Categorical("movieId", dim=4, **movie),
            dc.Categorical("movieGenre", columns=["movieGenre1", "movieGenre2"], table=genre,
                           vocabulary=GENRES),
            dc.Categorical("userGenre", columns=["userGenre1", "userGenre2", "userGenre3"],
                           table=genre, vocabulary=GENRES, combiner="sqrtn"),
            dc.Hashed("movieBucket", columns=["movieId"], num_bins=7, dim=2),
            dc.Numeric("ratingCount", scaling="log1p"),
        ]
    )  # fmt: skip
    return spec.adapt(frame)


def trained(spec, frame, optimizer, table_optimizer, epochs=2, batch_size=64, seed=5, **kwargs):
    keras.utils.set_random_seed(seed)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,), **kwargs)
    model.compile(optimizer=optimizer, table_optimizer=table_optimizer)
    model.fit(
        spec.transform(frame), frame["label"].to_numpy(), batch_size=batch_size, epochs=epochs,
        shuffle=False, verbose=0,
    )  # fmt: skip
    return model


def tables(model):
    return model.get_layer("embedding_stack").embeddings


def model_weights(model):
    """The model's weights without the table optimizers' state."""
    slots = {id(v) for table in tables(model).values() for v in table.slots.values()}
    return [numpy(v) for v in model.weights if id(v) not in slots]


def assert_same_weights(a, b, atol=1e-6):
    weights_a, weights_b = model_weights(a), model_weights(b)
    assert len(weights_a) == len(weights_b)
    for x, y in zip(weights_a, weights_b):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=atol)


def test_sparse_sgd_equals_dense_sgd(frame):
    spec = spec_for(frame)
    sparse = trained(spec, frame, keras.optimizers.SGD(0.5), "sgd", epochs=3)
    dense = trained(spec, frame, keras.optimizers.SGD(0.5), None, epochs=3)
    assert {t.name for t in sparse._sparse_tables} == {"movieId", "genre", "movieBucket"}
    assert not dense._sparse_tables
    assert_same_weights(sparse, dense)
    initial = trained(spec, frame, keras.optimizers.SGD(0.5), None, epochs=0)
    for name in ("movieId", "genre"):  # the step moved them, so equality says something
        assert not np.allclose(numpy(tables(sparse)[name].embeddings),
                               numpy(tables(initial)[name].embeddings))  # fmt: skip


def distinct_frame():
    """Forty rows, forty movies: no id repeats within a batch (see the next tests)."""
    frame = make_frame(40, seed=4)
    frame["movieId"] = np.arange(1, 41)
    spec = dc.FeatureSpec(
        [dc.Categorical("movieId", dim=4), dc.Numeric("ratingCount", scaling="log1p")]
    ).adapt(frame)
    return spec, frame


# Keras's dense Adam and Adagrad on TensorFlow square each lookup's gradient of an id that a
# batch repeats (its IndexedSlices are not summed first: test_a_repeated_row_...), so the
# equality with them is checked where no id repeats within a batch.


@pytest.mark.parametrize(
    ("optimizer", "table_optimizer"),
    [(keras.optimizers.Adagrad(0.1), "auto"), (keras.optimizers.Adam(0.01), "lazy_adam")],
)
def test_adagrad_and_lazy_adam_equal_keras_dense_on_rows_touched_every_step(
    optimizer, table_optimizer
):
    spec, frame = distinct_frame()
    kwargs = {"epochs": 4, "batch_size": len(frame)}  # every row, every step (but OOV)
    sparse = trained(spec, frame, optimizer, table_optimizer, **kwargs)
    dense = trained(spec, frame, optimizer.from_config(optimizer.get_config()), None, **kwargs)
    assert_same_weights(sparse, dense, atol=1e-5)


def test_a_repeated_row_gets_its_summed_gradient_once():
    spec = dc.FeatureSpec([dc.IntegerIdentity("slot", columns=["a", "b"], num_tokens=3,
                                              dim=1, combiner="sum")])  # fmt: skip
    model = dc.models.RankingModel(spec, [], task="regression")
    table = tables(model)["slot"]
    table.embeddings.assign(np.ones((4, 1), "float32"))
    optimizer = dc.training.Adagrad(learning_rate=1.0, initial_accumulator_value=0.0)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss=lambda y, p: ops.sum(p),
                  table_optimizer=optimizer)  # fmt: skip
    head = model.get_layer("scoring_head").dense
    head.kernel.assign(np.ones((1, 1), "float32"))
    model.train_on_batch(spec.transform({"a": [1], "b": [1]}), np.zeros((1, 1)))
    # Row 2 (id 1, after the OOV row) is looked up twice: its gradient is 1 + 1 = 2.
    np.testing.assert_allclose(numpy(table.slots["accumulator"])[:, 0], [0, 0, 4, 0])
    np.testing.assert_allclose(numpy(table.embeddings)[:, 0], [1, 1, 0, 1], atol=1e-6)


def test_untouched_rows_and_their_state_never_change(frame):
    movies = sorted(frame["movieId"].unique())
    spec = spec_for(frame, movie_vocabulary=movies)
    seen = frame[frame["movieId"] % 4 != 0]  # train on three movies in four
    keras.utils.set_random_seed(5)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
    model.compile(optimizer="adam", table_optimizer="lazy_adam")
    table = tables(model)["movieId"]
    before = [numpy(v).copy() for v in (table.embeddings, *table.slots.values())]
    model.fit(spec.transform(seen), seen["label"].to_numpy(), batch_size=32, epochs=2, verbose=0)
    after = [numpy(v) for v in (table.embeddings, *table.slots.values())]
    assert list(table.slots) == ["m", "v"] and len(after) == 3
    rows = spec.transform(frame, packed=False)["movieId"][:, 0]
    untouched = np.unique(rows[frame["movieId"].to_numpy() % 4 == 0])
    touched = np.unique(rows[frame["movieId"].to_numpy() % 4 != 0])
    untouched = np.append(untouched, 0)  # the OOV row: every id is in the vocabulary
    for b, a in zip(before, after):
        np.testing.assert_array_equal(a[untouched], b[untouched])
        assert not np.isclose(a[touched], b[touched]).all(axis=1).any()


def test_a_table_regularizer_acts_on_the_rows_a_step_touches(frame):
    movies = sorted(frame["movieId"].unique())
    spec = spec_for(frame, regularizer=keras.regularizers.L2(0.5), movie_vocabulary=movies)
    only = frame[frame["movieGenre1"] != "Drama"]  # no row of it looks Drama up
    only = only[~(only[["movieGenre2", "userGenre1", "userGenre2", "userGenre3"]] == "Drama")
                .any(axis=1)]  # fmt: skip
    drama = GENRES.index("Drama") + 1  # after the OOV row
    results = {}
    for table_optimizer in ("sgd", None):
        model = trained(spec, only, keras.optimizers.SGD(0.1), table_optimizer, epochs=1, seed=2)
        results[table_optimizer] = numpy(tables(model)["genre"].embeddings)
    initial = numpy(tables(trained(spec, only, "sgd", None, epochs=0, seed=2))["genre"].embeddings)
    np.testing.assert_array_equal(results["sgd"][drama], initial[drama])  # sparse: untouched
    assert not np.allclose(results[None][drama], initial[drama])  # dense: decayed by the L2
    shrunk = np.abs(results[None][drama]) < np.abs(initial[drama])
    assert shrunk.all()


def test_a_frozen_table_does_not_train(frame):
    spec = spec_for(frame)
    keras.utils.set_random_seed(5)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
    tables(model)["genre"].trainable = False
    model.compile(table_optimizer="lazy_adam")
    assert {t.name for t in model._sparse_tables} == {"movieId", "movieBucket"}
    genre = numpy(tables(model)["genre"].embeddings).copy()
    movie = numpy(tables(model)["movieId"].embeddings).copy()
    model.fit(spec.transform(frame), frame["label"].to_numpy(), batch_size=64, verbose=0)
    np.testing.assert_array_equal(numpy(tables(model)["genre"].embeddings), genre)
    assert not np.allclose(numpy(tables(model)["movieId"].embeddings), movie)


def test_the_switch_moves_tables_between_the_two_optimizers(frame):
    spec = spec_for(frame)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
    movie = tables(model)["movieId"].embeddings
    model.compile(table_optimizer=None)
    assert any(v is movie for v in model.trainable_variables)
    model.compile(table_optimizer={"genre": "rowwise_adagrad", "movieBucket": None})
    assert not any(v is movie for v in model.trainable_variables)
    assert tables(model)["movieId"].table_optimizer == dc.training.LazyAdam()  # "auto": Adam
    assert tables(model)["genre"].table_optimizer == dc.training.RowWiseAdagrad()
    assert tables(model)["movieBucket"].table_optimizer is None
    model.fit(spec.transform(frame), frame["label"].to_numpy(), batch_size=64, verbose=0)
    assert model.optimizer.built
    state = {id(v) for v in model.optimizer.variables}
    assert not any(id(v) in state for v in tables(model)["movieId"].weights)  # no dense moments
    with pytest.raises(ValueError, match=r"names tables \['movie'\].*tables are"):
        model.compile(table_optimizer={"movie": "sgd"})


def test_mixed_precision_unscales_the_table_gradient(frame):
    spec = spec_for(frame)
    results = []
    for table_optimizer in ("sgd", None):
        model = trained(spec, frame, keras.optimizers.SGD(0.5), table_optimizer,
                        dtype="mixed_float16")  # fmt: skip
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
        results.append(numpy(tables(model)["movieId"].embeddings))
    assert np.isfinite(results[0]).all()
    np.testing.assert_allclose(results[0], results[1], atol=2e-3)


@keras.saving.register_keras_serializable(package="tests")
@dataclasses.dataclass
class Unsaid(dc.Categorical):
    """A kind of a user's own that looks its table up its own way and does not say how."""

    lookup_rows = dc.features.Feature.lookup_rows

    def call(self, x, embedding, learned, compute_dtype):
        vectors = embedding(ops.maximum(ops.cast(x, "int32"), 0))
        return ops.cast(ops.mean(vectors, axis=1), compute_dtype)


def test_a_kind_that_does_not_say_its_rows_trains_densely(frame, caplog):
    spec = dc.FeatureSpec([Unsaid("movieId", dim=4), dc.Categorical("userGenre1")]).adapt(frame)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
    with caplog.at_level(logging.WARNING, logger="deepcross"):
        model.compile()
    assert not model._sparse_tables
    assert "feature 'movieId' (Unsaid) has a table but no lookup_rows" in caplog.text
    history = model.fit(spec.transform(frame), frame["label"].to_numpy(), verbose=0)
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.distribute strategies")
def test_under_a_mirrored_strategy_tables_train_densely_and_it_says_why(frame, caplog):
    import tensorflow as tf

    spec = spec_for(frame)
    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
        with caplog.at_level(logging.WARNING, logger="deepcross"):
            model.compile()
    assert not model._sparse_tables
    assert "a tf.distribute strategy is in scope" in caplog.text
    assert any(v is tables(model)["movieId"].embeddings for v in model.trainable_variables)
