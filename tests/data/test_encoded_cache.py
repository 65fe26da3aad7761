"""The encoded cache: written in the first epoch, read after, invalidated by any change."""

import os

import numpy as np
import pytest

import deepcross as dc

from deepcross.data import readers
from tests.data.conftest import assert_same_batches
from tests.data.conftest import epoch
from tests.data.conftest import id_spec
from tests.data.conftest import ids
from tests.data.conftest import write_csv
from tests.data.conftest import write_parquet


OPTIONS = dict(label="label", batch_size=32, chunk_size=40, shuffle_buffer=50)


@pytest.fixture
def files(tmp_path, frame):
    return [
        write_csv(frame.iloc[:120], tmp_path / "a.csv"),
        write_parquet(frame.iloc[120:], tmp_path / "b.parquet"),
    ]


def caches(folder):
    """The complete caches in `folder`, and whether anything else (a partial one) is there."""
    entries = sorted(folder.iterdir()) if folder.exists() else []
    complete = [e for e in entries if (e / "meta.json").is_file()]
    return complete, len(entries) - len(complete)


def test_the_second_epoch_reads_the_cache(spec, files, tmp_path):
    cache_dir = tmp_path / "cache"
    dataset = dc.data.FeatureDataset(
        spec, files, cache_dir=cache_dir, shuffle=True, seed=5, **OPTIONS
    )
    first = epoch(dataset)
    assert dataset.stats["rows_from_source"] == 300 and dataset.stats["rows_from_cache"] == 0
    (cache,), partial = caches(cache_dir)
    assert partial == 0
    assert {p.name for p in cache.glob("*.npy")} >= {"0.input.int32.npy", "1.label.npy"}
    assert np.load(cache / "0.input.int32.npy", mmap_mode="r").dtype == np.int32
    second = epoch(dataset)
    assert dataset.stats["rows_from_source"] == 300 and dataset.stats["rows_from_cache"] == 300
    # The same batches as a dataset without a cache, epoch by epoch.
    plain = dc.data.FeatureDataset(spec, files, shuffle=True, seed=5, **OPTIONS)
    assert_same_batches(first, epoch(plain))
    assert_same_batches(second, epoch(plain))


def test_a_new_dataset_reuses_a_complete_cache_without_reading_files(
    spec, files, tmp_path, monkeypatch
):
    cache_dir = tmp_path / "cache"
    expected = epoch(
        dc.data.FeatureDataset(spec, files, cache_dir=cache_dir, shard=(1, 2), **OPTIONS)
    )

    def no_reading(*args, **kwargs):
        raise AssertionError("the files were read")

    monkeypatch.setattr(readers, "scan", no_reading)
    monkeypatch.setattr(readers, "read", no_reading)
    dataset = dc.data.FeatureDataset(spec, files, cache_dir=cache_dir, shard=(1, 2), **OPTIONS)
    assert_same_batches(epoch(dataset), expected)
    assert dataset.stats["rows_from_cache"] == 150 and len(dataset) == 5


def test_a_changed_file_invalidates_the_cache(spec, frame, files, tmp_path):
    cache_dir = tmp_path / "cache"
    dataset = dc.data.FeatureDataset(spec, files, cache_dir=cache_dir, **OPTIONS)
    epoch(dataset)
    (old,), _ = caches(cache_dir)
    changed = frame.iloc[:120].copy()
    changed["rowId"] += 1000
    write_csv(changed.iloc[:100], files[0])
    with pytest.raises(ValueError, match=r"a\.csv changed since this dataset counted its rows"):
        next(iter(dataset))
    fresh = dc.data.FeatureDataset(spec, files, cache_dir=cache_dir, **OPTIONS)
    rows = ids(epoch(fresh))
    assert fresh.stats["rows_from_source"] == 280 and fresh.stats["rows_from_cache"] == 0
    assert rows.tolist() == list(range(1000, 1100)) + list(range(120, 300))
    (new,), _ = caches(cache_dir)
    assert new != old  # a new key; the stale cache of the same files is gone


def test_the_key_follows_the_spec_the_label_and_the_times(spec, frame, files, tmp_path):
    cache_dir = tmp_path / "cache"
    epoch(dc.data.FeatureDataset(spec, files, cache_dir=cache_dir, **OPTIONS))
    other = id_spec(frame.iloc[:50])  # other vocabularies: other encodings
    dataset = dc.data.FeatureDataset(other, files, cache_dir=cache_dir, **OPTIONS)
    epoch(dataset)
    assert dataset.stats["rows_from_source"] == 300
    no_label = dict(OPTIONS, label=None)
    dataset = dc.data.FeatureDataset(spec, files, cache_dir=cache_dir, **no_label)
    epoch(dataset)
    assert dataset.stats["rows_from_source"] == 300
    stat = files[0].stat()
    os.utime(files[0], ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # same bytes, touched
    dataset = dc.data.FeatureDataset(spec, files, cache_dir=cache_dir, **no_label)
    epoch(dataset)
    assert dataset.stats["rows_from_source"] == 300 and dataset.stats["rows_from_cache"] == 0


def test_a_pass_not_finished_leaves_no_cache(spec, files, tmp_path):
    cache_dir = tmp_path / "cache"
    dataset = dc.data.FeatureDataset(spec, files, cache_dir=cache_dir, **OPTIONS)
    looked = iter(dataset)  # a look at two batches, as Keras takes before it trains
    next(looked), next(looked)
    looked.close()
    assert caches(cache_dir) == ([], 0)
    assert ids(epoch(dataset)).tolist() == list(range(300))
    assert len(caches(cache_dir)[0]) == 1
    assert dataset.stats["rows_from_source"] > 300  # the look read rows too


def test_bad_rows_are_kept_with_the_cache(spec, frame, tmp_path, caplog):
    path = tmp_path / "a.csv"
    write_csv(frame.iloc[:10], path)
    with open(path, "a") as f:
        f.write("1,2\n")
    cache_dir = tmp_path / "cache"
    first = dc.data.FeatureDataset(spec, path, cache_dir=cache_dir, on_bad_rows="skip", **OPTIONS)
    epoch(first)
    again = dc.data.FeatureDataset(spec, path, cache_dir=cache_dir, on_bad_rows="skip", **OPTIONS)
    assert again.bad_rows == first.bad_rows and len(again.bad_rows) == 1
    assert again.bad_rows[0].number == 12
