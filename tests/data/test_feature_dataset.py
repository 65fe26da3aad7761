"""FeatureDataset: every row once per pass, seeded shuffling, shards, bounded memory, positions,
and every row once per epoch in each way Keras reads it."""

import itertools
import math

import keras
import numpy as np
import pytest

import deepcross as dc
from tests.conftest import make_spec
from tests.data.conftest import assert_same_batches
from tests.data.conftest import epoch
from tests.data.conftest import id_frame
from tests.data.conftest import ids
from tests.data.conftest import write_csv
from tests.data.conftest import write_parquet


@pytest.fixture
def files(tmp_path, frame):
    """The frame in three files of unequal sizes: CSV, Parquet, CSV."""
    return [
        write_csv(frame.iloc[:70], tmp_path / "a.csv"),
        write_parquet(frame.iloc[70:200], tmp_path / "b.parquet"),
        write_csv(frame.iloc[200:], tmp_path / "c.csv"),
    ]


@pytest.mark.parametrize("shuffle", [False, True])
def test_every_row_once_per_epoch(spec, frame, files, shuffle):
    for source in (frame, files):
        dataset = dc.data.FeatureDataset(spec, 
            source, label="label", batch_size=32, chunk_size=25, shuffle_buffer=40,
            shuffle=shuffle, seed=0,
        )  # fmt: skip
        assert len(dataset) == math.ceil(300 / 32) and dataset.num_rows == 300
        for _ in range(2):
            batches = epoch(dataset)
            seen = ids(batches)
            assert sorted(seen) == list(range(300))
            if not shuffle:
                assert seen.tolist() == list(range(300))
            labels = np.concatenate([y for _, y in batches])
            np.testing.assert_array_equal(labels, frame["label"].to_numpy()[seen])
            assert [len(y) for _, y in batches] == [32] * 9 + [12]


def test_shuffling_is_seeded_and_differs_by_epoch(spec, files):
    def orders(seed, epochs=2):
        dataset = dc.data.FeatureDataset(spec, 
            files, label="label", batch_size=16, chunk_size=20, shuffle_buffer=50, shuffle=True,
            seed=seed,
        )  # fmt: skip
        return [ids(epoch(dataset)).tolist() for _ in range(epochs)]

    first, second = orders(7)
    assert orders(7) == [first, second]
    assert first != second and sorted(first) == sorted(second)
    assert orders(8)[0] != first
    # Rows travel well beyond a buffer's reach, and the files' order changes too.
    assert first[:10] != sorted(first[:10]) and first != list(range(300))


def test_the_shuffle_is_the_same_whatever_the_file_format(spec, frame, files, tmp_path):
    options = dict(label="label", batch_size=16, shuffle_buffer=50, shuffle=True, seed=3)
    expected = epoch(dc.data.FeatureDataset(spec, files, chunk_size=20, **options))
    parquet = write_parquet(frame.iloc[:70], tmp_path / "a2.parquet")
    mixed = [parquet, files[1], files[2]]
    assert_same_batches(
        epoch(dc.data.FeatureDataset(spec, mixed, chunk_size=20, **options)), expected
    )
    assert (
        ids(epoch(dc.data.FeatureDataset(spec, files, chunk_size=21, **options))).tolist()
        != ids(expected).tolist()
    )


@pytest.mark.parametrize("shuffle", [False, True])
def test_shards_are_disjoint_and_complete(spec, frame, files, shuffle):
    for source in (frame, files):
        seen = []
        for index in range(3):
            dataset = dc.data.FeatureDataset(spec, 
                source, label="label", batch_size=10, chunk_size=16, shard=(index, 3),
                shuffle=shuffle, seed=1,
            )  # fmt: skip
            rows = ids(epoch(dataset))
            assert sorted(rows) == list(range(index, 300, 3))  # rows by position, modulo 3
            assert dataset.num_rows == 100 and len(dataset) == 10
            seen.append(rows)
        assert sorted(np.concatenate(seen)) == list(range(300))


def test_shard_lengths_when_rows_do_not_divide(spec, frame):
    sizes = [
        dc.data.FeatureDataset(spec, frame.iloc[:10], shard=(i, 4), batch_size=2).num_rows
        for i in range(4)
    ]
    assert sizes == [3, 3, 2, 2]


def test_memory_holds_chunks_and_buffer_not_the_data(spec):
    frame = id_frame(3000, seed=1)
    for shuffle in (False, True):
        dataset = dc.data.FeatureDataset(spec, 
            frame, label="label", batch_size=32, chunk_size=50, shuffle_buffer=100,
            shuffle=shuffle, seed=0,
        )  # fmt: skip
        assert sorted(ids(epoch(dataset))) == list(range(3000))
        held = dataset.stats["max_rows_held"]
        assert held <= (100 if shuffle else 0) + 3 * 50 + 32  # one chunk read ahead
        assert held >= 50


def test_an_iteration_left_early_does_not_count(spec, frame):
    """Keras looks at a batch or two before it trains: the pass starts again afterwards."""
    options = dict(label="label", batch_size=32, shuffle=True, seed=2)
    expected = [ids(epoch(dc.data.FeatureDataset(spec, frame, **options)))]
    dataset = dc.data.FeatureDataset(spec, frame, **options)
    looked = iter(dataset)
    next(looked), next(looked)
    assert dataset.epoch == 0 and dataset.position == (0, 0)
    assert ids(epoch(dataset)).tolist() == expected[0].tolist()
    assert dataset.epoch == 1 and dataset.position == (1, 0)
    second = ids(epoch(dataset))
    assert sorted(second) == list(range(300)) and second.tolist() != expected[0].tolist()
    assert dataset.epoch == 2


def test_repeat_goes_on_from_pass_to_pass(spec, frame):
    options = dict(label="label", batch_size=32, shuffle=True, seed=3)
    once = dc.data.FeatureDataset(spec, frame, **options)
    passes = [ids(epoch(once)) for _ in range(2)]
    dataset = dc.data.FeatureDataset(spec, frame, repeat=True, **options)
    stream = ids(itertools.islice(dataset, 25))  # 10 batches a pass: two and a half passes
    assert stream[:600].tolist() == np.concatenate(passes).tolist()
    assert len(set(stream[600:])) == 5 * 32
    assert dataset.epoch == 2  # two passes handed out to their end


def test_an_iterator_starts_again_from_its_state(spec, frame):
    def dataset():
        return dc.data.FeatureDataset(spec, frame, label="label", batch_size=32, shuffle=True,
                                      seed=4, repeat=True)  # fmt: skip

    whole = ids(itertools.islice(dataset(), 14))
    iterator = iter(dataset())
    first = ids(itertools.islice(iterator, 3))
    state = iterator.get_state()
    assert state == {"epoch": 0, "batch": 3}
    other = iter(dataset())
    other.set_state({"epoch": 0, "batch": 3})
    assert np.concatenate([first, ids(itertools.islice(other, 11))]).tolist() == whole.tolist()


def test_set_position_starts_the_next_iteration_there(spec, frame):
    options = dict(label="label", batch_size=32, shuffle=True, seed=5)
    stream = ids(itertools.islice(dc.data.FeatureDataset(spec, frame, repeat=True, **options), 20))
    dataset = dc.data.FeatureDataset(spec, frame, repeat=True, **options)
    dataset.set_position(13)  # batch 3 of pass 1
    assert dataset.position == (1, 3)
    rest = ids(itertools.islice(dataset, 7))
    assert rest.tolist() == stream[300 + 3 * 32 :].tolist()  # pass 1 starts at row 300
    once = dc.data.FeatureDataset(spec, frame, **options)
    once.set_position(13)  # without repeat an iteration is a whole pass: pass 1 from its start
    assert once.position == (1, 0)
    assert ids(epoch(once)).tolist() == stream[300:].tolist()
    with pytest.raises(ValueError, match="step=-1"):
        once.set_position(-1)


def test_no_rows_give_no_batches(spec, frame):
    for repeat in (False, True):
        dataset = dc.data.FeatureDataset(spec, frame.iloc[:0], label="label", repeat=repeat)
        assert len(dataset) == 0 and list(dataset) == []


# --- Keras: what each call pattern trains and evaluates on, on the backend under test -------


class RowCounts(keras.metrics.Metric):
    """How many times each row (its label is its `rowId`) went through `fit` or `evaluate`.

    Never reset: Keras resets metrics at each epoch and evaluation, so a row seen once in
    each of two epochs counts 2. The model's own inputs (the spec's `rowId` feature) are not
    trusted for this: the label is what Keras pairs with each trained row.
    """

    def __init__(self, rows, name="row_counts", **kwargs):
        super().__init__(name=name, **kwargs)
        self.rows = rows
        self.counts = self.add_variable(shape=(rows,), initializer="zeros", name="counts")

    def update_state(self, y_true, y_pred, sample_weight=None):
        rows = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
        self.counts.assign_add(keras.ops.sum(keras.ops.one_hot(rows, self.rows), axis=0))

    def result(self):
        return keras.ops.sum(self.counts)

    def reset_state(self):
        pass

    def seen(self):
        return keras.ops.convert_to_numpy(self.counts).astype(int)


def counting_model(spec, rows):
    keras.utils.set_random_seed(0)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(4,))
    counts = RowCounts(rows)
    model.compile(optimizer=keras.optimizers.SGD(1e-6), loss="mse", metrics=[counts])
    return model, counts


@pytest.fixture
def train_and_validation(spec, tmp_path):
    """A CSV file of rows 0..299 to train on, a Parquet file of rows 300..399 to validate on."""
    frame = id_frame(400, seed=3)
    return (
        write_csv(frame.iloc[:300], tmp_path / "train.csv"),
        write_parquet(frame.iloc[300:], tmp_path / "validation.parquet"),
    )


def test_fit_with_validation_data_sees_every_row_once_per_epoch(spec, train_and_validation):
    train_path, validation_path = train_and_validation
    options = dict(label="rowId", batch_size=32, chunk_size=50, shuffle_buffer=80, shuffle=True)
    train = dc.data.FeatureDataset(spec, train_path, seed=0, **options)
    validation = dc.data.FeatureDataset(spec, validation_path, seed=1, **options)
    model, counts = counting_model(spec, 400)
    model.fit(train, epochs=3, validation_data=validation, verbose=0)
    assert (
        counts.seen().tolist() == [3] * 400
    )  # each epoch: every training row, then every validation row
    assert train.epoch == 3 and validation.epoch == 3
    model.fit(train, epochs=1, verbose=0)
    assert counts.seen().tolist() == [4] * 300 + [3] * 100


def test_evaluate_sees_every_row_once(spec, train_and_validation):
    dataset = dc.data.FeatureDataset(spec, train_and_validation[0], label="rowId", batch_size=64)
    model, counts = counting_model(spec, 300)
    model.evaluate(dataset, verbose=0)
    assert counts.seen().tolist() == [1] * 300
    model.evaluate(dataset, verbose=0)
    assert counts.seen().tolist() == [2] * 300


@pytest.mark.parametrize("repeat", [False, True])
def test_fit_with_steps_per_epoch_continues_the_pass(spec, train_and_validation, repeat):
    """Epochs of 4 batches out of a pass of 10: each pass still sees every row once."""
    dataset = dc.data.FeatureDataset(spec, train_and_validation[0], label="rowId", batch_size=32,
                                     shuffle=True, seed=2, repeat=repeat)  # fmt: skip
    model, counts = counting_model(spec, 300)
    if repeat:
        model.fit(dataset, epochs=5, steps_per_epoch=4, verbose=0)  # 20 batches: two passes
        assert counts.seen().tolist() == [2] * 300
    else:
        model.fit(dataset, epochs=2, steps_per_epoch=5, verbose=0)  # one pass, no more
        assert counts.seen().tolist() == [1] * 300


def test_predict_gives_every_row_once_in_order(spec, frame, tmp_path):
    path = write_parquet(frame.drop(columns="label"), tmp_path / "test.parquet")
    model, _ = counting_model(spec, 300)
    scores = model.predict(dc.data.FeatureDataset(spec, path, batch_size=64), verbose=0)
    assert scores.shape == (300, 1)
    np.testing.assert_allclose(scores, model.predict(spec.transform(frame), verbose=0),
                               rtol=1e-5, atol=1e-6)  # fmt: skip


def test_inputs_only_without_a_label(spec, frame):
    dataset = dc.data.FeatureDataset(spec, frame.drop(columns="label"), batch_size=64)
    batches = epoch(dataset)
    assert all(isinstance(batch, dict) for batch in batches)
    expected = spec.transform(frame, packed=False)
    for name, array in expected.items():
        np.testing.assert_array_equal(np.concatenate([b[name] for b in batches]), array)


def test_a_dict_of_arrays_streams_like_its_frame(spec, frame):
    columns = {name: frame[name].to_numpy() for name in frame.columns}
    options = {"label": "label", "batch_size": 40, "chunk_size": 30, "shuffle": True, "seed": 1}
    assert_same_batches(
        epoch(dc.data.FeatureDataset(spec, columns, **options)),
        epoch(dc.data.FeatureDataset(spec, frame, **options)),
    )


def test_the_dataset_keeps_its_own_spec(frame):
    spec = make_spec().adapt(frame)
    dataset = dc.data.FeatureDataset(spec, frame, label="label")
    spec.adapt(frame.iloc[:10])
    assert dataset.spec == make_spec().adapt(frame)


def test_bad_arguments_are_named_together(spec, frame):
    with pytest.raises(ValueError) as error:
        dc.data.FeatureDataset(
            spec, frame, batch_size=0, shard=(3, 3), chunk_size=1.5, on_bad_rows="drop"
        )
    message = str(error.value)
    for part in ("batch_size=0", "shard=(3, 3)", "chunk_size=1.5", "on_bad_rows='drop'"):
        assert part in message
    with pytest.raises(ValueError, match="not adapted"):
        dc.data.FeatureDataset(make_spec(), frame)
    with pytest.raises(ValueError, match="no label column 'rating'"):
        dc.data.FeatureDataset(spec, frame, label="rating")
    with pytest.raises(ValueError, match="Feature 'movieId' needs column 'movieId'"):
        dc.data.FeatureDataset(spec, frame.drop(columns="movieId"))
    with pytest.raises(ValueError, match="cache_dir caches the encoding of files"):
        dc.data.FeatureDataset(spec, frame, cache_dir="cache")
    frame.loc[5, "label"] = np.nan
    with pytest.raises(ValueError, match="Row 5: label 'label' is missing"):
        dc.data.FeatureDataset(spec, frame, label="label")


def test_fit_evaluate_and_predict_on_datasets(tmp_path):
    frame = id_frame(512, seed=2)
    spec = make_spec().adapt(frame)
    path = write_csv(frame, tmp_path / "train.csv")
    train = dc.data.FeatureDataset(
        spec, path, label="label", batch_size=64, shuffle=True, seed=0, chunk_size=100
    )
    model = dc.models.EmbeddingMLP(spec, hidden_units=(16,))
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy")
    evaluation = dc.data.FeatureDataset(spec, path, label="label", batch_size=128)
    before = model.evaluate(evaluation, verbose=0)
    model.fit(train, epochs=4, verbose=0)
    assert model.evaluate(evaluation, verbose=0) < before
    scores = model.predict(dc.data.FeatureDataset(spec, path, batch_size=100), verbose=0)
    assert scores.shape == (512, 1)
    np.testing.assert_allclose(scores, model.predict_raw(frame, verbose=0), rtol=1e-5, atol=1e-6)
