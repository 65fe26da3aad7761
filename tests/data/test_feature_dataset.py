"""FeatureDataset: every row once per epoch, seeded shuffling, shards, bounded memory, Keras."""

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
        dataset = spec.dataset(
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
        dataset = spec.dataset(
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
    expected = epoch(spec.dataset(files, chunk_size=20, **options))
    parquet = write_parquet(frame.iloc[:70], tmp_path / "a2.parquet")
    mixed = [parquet, files[1], files[2]]
    assert_same_batches(epoch(spec.dataset(mixed, chunk_size=20, **options)), expected)
    assert (
        ids(epoch(spec.dataset(files, chunk_size=21, **options))).tolist() != ids(expected).tolist()
    )


@pytest.mark.parametrize("shuffle", [False, True])
def test_shards_are_disjoint_and_complete(spec, frame, files, shuffle):
    for source in (frame, files):
        seen = []
        for index in range(3):
            dataset = spec.dataset(
                source, label="label", batch_size=10, chunk_size=16, shard=(index, 3),
                shuffle=shuffle, seed=1,
            )  # fmt: skip
            rows = ids(epoch(dataset))
            assert sorted(rows) == list(range(index, 300, 3))  # rows by position, modulo 3
            assert dataset.num_rows == 100 and len(dataset) == 10
            seen.append(rows)
        assert sorted(np.concatenate(seen)) == list(range(300))


def test_shard_lengths_when_rows_do_not_divide(spec, frame):
    sizes = [spec.dataset(frame.iloc[:10], shard=(i, 4), batch_size=2).num_rows for i in range(4)]
    assert sizes == [3, 3, 2, 2]


def test_memory_holds_chunks_and_buffer_not_the_data(spec):
    frame = id_frame(3000, seed=1)
    for shuffle in (False, True):
        dataset = spec.dataset(
            frame, label="label", batch_size=32, chunk_size=50, shuffle_buffer=100,
            shuffle=shuffle, seed=0,
        )  # fmt: skip
        assert sorted(ids(epoch(dataset))) == list(range(3000))
        held = dataset.stats["max_rows_held"]
        assert held <= (100 if shuffle else 0) + 2 * 50 + 32
        assert held >= 50


def test_indices_are_positions_in_the_stream(spec, frame):
    """Keras may ask for batches in shuffled order: each row still comes once per epoch."""
    dataset = spec.dataset(frame, label="label", batch_size=32)
    rng = np.random.default_rng(0)
    assert sorted(ids([dataset[i] for i in rng.permutation(len(dataset))])) == list(range(300))
    with pytest.raises(IndexError, match="has no batch 10"):
        dataset[10]


def keras_epoch(dataset, calls=None):
    """What Keras does for one epoch: on_epoch_begin, `calls` batches, on_epoch_end."""
    dataset.on_epoch_begin()
    batches = [dataset[i] for i in range(len(dataset) if calls is None else calls)]
    dataset.on_epoch_end()
    return ids(batches)


def test_a_look_before_training_does_not_count(spec, frame):
    # TensorFlow looks at two batches outside any epoch.
    dataset = spec.dataset(frame, label="label", batch_size=32, shuffle=True, seed=2)
    expected = [ids(epoch(spec.dataset(frame, label="label", batch_size=32, shuffle=True, seed=2)))]
    dataset[0], dataset[1]
    assert keras_epoch(dataset).tolist() == expected[0].tolist()
    # PyTorch and JAX look at one batch inside an epoch of its own, then train.
    dataset = spec.dataset(frame, label="label", batch_size=32, shuffle=True, seed=2)
    keras_epoch(dataset, calls=1)
    assert keras_epoch(dataset).tolist() == expected[0].tolist()
    assert sorted(keras_epoch(dataset)) == list(range(300))
    keras_epoch(dataset, calls=1)  # a later evaluate's look
    assert sorted(keras_epoch(dataset)) == list(range(300))


def test_short_keras_epochs_continue_the_pass(spec, frame):
    dataset = spec.dataset(frame, label="label", batch_size=32)  # 10 batches
    seen = np.concatenate([keras_epoch(dataset, calls=4) for _ in range(5)])
    assert seen.tolist() == list(range(300)) * 2
    dataset = spec.dataset(frame, label="label", batch_size=32)
    seen = np.concatenate([keras_epoch(dataset, calls=1) for _ in range(11)])
    assert seen.tolist() == list(range(32)) + list(range(300))  # the first one looked


def test_each_keras_epoch_sees_every_row_once(spec, frame, monkeypatch, tmp_path):
    """On the backend under test: `fit` (twice) and `evaluate` epochs, as Keras runs them."""
    epochs = []
    get, begin = dc.data.FeatureDataset.__getitem__, dc.data.FeatureDataset.on_epoch_begin

    def spy_get(self, index):
        inside, batch = self._in_keras_epoch, get(self, index)
        if inside:
            epochs[-1].append(batch)
        return batch

    def spy_begin(self):
        epochs.append([])
        begin(self)

    monkeypatch.setattr(dc.data.FeatureDataset, "__getitem__", spy_get)
    monkeypatch.setattr(dc.data.FeatureDataset, "on_epoch_begin", spy_begin)
    path = write_csv(frame, tmp_path / "train.csv")
    dataset = spec.dataset(path, label="label", batch_size=64, shuffle=True, seed=0, chunk_size=50)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(dataset, epochs=2, verbose=0)
    model.fit(dataset, epochs=1, verbose=0)
    model.evaluate(dataset, verbose=0)
    full = [batches for batches in epochs if len(batches) > 1]
    assert len(full) == 4
    for batches in full:
        assert sorted(ids(batches)) == list(range(300))


def test_inputs_only_without_a_label(spec, frame):
    dataset = spec.dataset(frame.drop(columns="label"), batch_size=64)
    batches = epoch(dataset)
    assert all(isinstance(batch, dict) for batch in batches)
    expected = spec.transform(frame, packed=False)
    for name, array in expected.items():
        np.testing.assert_array_equal(np.concatenate([b[name] for b in batches]), array)


def test_a_dict_of_arrays_streams_like_its_frame(spec, frame):
    columns = {name: frame[name].to_numpy() for name in frame.columns}
    options = {"label": "label", "batch_size": 40, "chunk_size": 30, "shuffle": True, "seed": 1}
    assert_same_batches(
        epoch(spec.dataset(columns, **options)), epoch(spec.dataset(frame, **options))
    )


def test_the_dataset_keeps_its_own_spec(frame):
    spec = make_spec().adapt(frame)
    dataset = spec.dataset(frame, label="label")
    spec.adapt(frame.iloc[:10])
    assert dataset.spec == make_spec().adapt(frame)


def test_bad_arguments_are_named_together(spec, frame):
    with pytest.raises(ValueError) as error:
        spec.dataset(frame, batch_size=0, shard=(3, 3), chunk_size=1.5, on_bad_rows="drop")
    message = str(error.value)
    for part in ("batch_size=0", "shard=(3, 3)", "chunk_size=1.5", "on_bad_rows='drop'"):
        assert part in message
    with pytest.raises(ValueError, match="not adapted"):
        make_spec().dataset(frame)
    with pytest.raises(ValueError, match="no label column 'rating'"):
        spec.dataset(frame, label="rating")
    with pytest.raises(ValueError, match="Feature 'movieId' needs column 'movieId'"):
        spec.dataset(frame.drop(columns="movieId"))
    with pytest.raises(ValueError, match="cache_dir caches the encoding of files"):
        spec.dataset(frame, cache_dir="cache")
    frame.loc[5, "label"] = np.nan
    with pytest.raises(ValueError, match="Row 5: label 'label' is missing"):
        spec.dataset(frame, label="label")


def test_fit_evaluate_and_predict_on_datasets(tmp_path):
    frame = id_frame(512, seed=2)
    spec = make_spec().adapt(frame)
    path = write_csv(frame, tmp_path / "train.csv")
    train = spec.dataset(path, label="label", batch_size=64, shuffle=True, seed=0, chunk_size=100)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(16,))
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy")
    evaluation = spec.dataset(path, label="label", batch_size=128)
    before = model.evaluate(evaluation, verbose=0)
    model.fit(train, epochs=4, verbose=0)
    assert model.evaluate(evaluation, verbose=0) < before
    scores = model.predict(spec.dataset(path, batch_size=100), verbose=0)
    assert scores.shape == (512, 1)
    np.testing.assert_allclose(scores, model.predict_raw(frame, verbose=0), rtol=1e-5, atol=1e-6)
