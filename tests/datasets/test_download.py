"""Tests for deepcross/datasets/download.py: load_movielens from a folder, the cache, a download.

No test touches the network: downloads are faked by replacing `urllib.request.urlopen`.
"""

import io
import re
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pandas as pd
import pytest

from deepcross import datasets
from deepcross.datasets import download

OFFLINE = "using built-in synthetic MovieLens-shaped data"


def test_load_movielens_from_env_data_dir(shared_data, monkeypatch):
    root = shared_data
    monkeypatch.setenv("DEEPCROSS_DATA_DIR", str(root))
    data = datasets.load_movielens()
    assert data.source == f"local:{root / 'ml-latest-small'}"
    assert data.ratings.shape == (100836, 4)
    assert data.movies.shape == (9742, 3)
    assert data.ratings.dtypes.tolist() == ["int64", "int64", "float64", "int64"]
    assert data.movies["movieId"].dtype == np.int64
    assert pd.api.types.is_string_dtype(data.movies["title"].dtype)
    assert data.ratings.iloc[0].tolist() == [1, 1, 4.0, 964982703]


def test_load_movielens_missing_data_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nowhere"))):
        datasets.load_movielens(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="neither ratings.csv"):
        datasets.load_movielens(tmp_path)


def test_load_movielens_env_data_dir_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCROSS_DATA_DIR", str(tmp_path / "gone"))
    with pytest.raises(FileNotFoundError, match="DEEPCROSS_DATA_DIR .*gone"):
        datasets.load_movielens(cache_dir=tmp_path)


RATINGS_CSV = "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n"
MOVIES_CSV = "movieId,title,genres\n1,A (1995),Drama\n"


def write_small_folder(folder, ratings_text=RATINGS_CSV, movies_text=MOVIES_CSV):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ratings.csv").write_text(ratings_text)
    (folder / "movies.csv").write_text(movies_text)


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("ratings.csv", RATINGS_CSV + "1,1,4.", "line 3, column 'timestamp': missing value"),
        ("ratings.csv", "userId,movieId,rating\n1,1,4.0\n", "no column 'timestamp'"),
        ("ratings.csv", RATINGS_CSV.replace("4.0", "good"), "column 'rating': 'good'"),
        ("ratings.csv", "", "corrupt or partial"),
        ("movies.csv", MOVIES_CSV + "2,B (19", "line 3, column 'genres': missing value"),
        ("movies.csv", "movieId,title\n1,A\n", "no column 'genres'"),
    ],
)
def test_load_movielens_corrupt_local_file(tmp_path, name, text, message):
    folder = tmp_path / "ml-latest-small"
    write_small_folder(folder, **{name.replace(".csv", "_text"): text})
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        datasets.load_movielens(tmp_path)
    assert str(folder / name) in str(info.value)


def test_load_movielens_own_copy_is_not_checksummed(tmp_path):
    write_small_folder(tmp_path)
    data = datasets.load_movielens(tmp_path)
    assert data.source == f"local:{tmp_path}"
    assert data.ratings.shape == (1, 4)


def fake_urlopen(payload):
    def urlopen(url, timeout=None):
        assert url == download.URL
        assert timeout is not None
        return io.BytesIO(payload)

    return urlopen


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"ml-latest-small/{name}", data)
    return buffer.getvalue()


def test_load_movielens_offline_falls_back_to_synthetic(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DEEPCROSS_DATA_DIR", raising=False)

    def offline(url, timeout=None):
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    data = datasets.load_movielens(cache_dir=tmp_path)
    assert data.source == "synthetic"
    assert len(data.ratings) == 100_000
    assert capsys.readouterr().err == (
        f"deepcross: no network (Temporary failure in name resolution); {OFFLINE}\n"
    )
    assert not (tmp_path / "ml-latest-small").exists()


def test_load_movielens_download_checksum_mismatch(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPCROSS_DATA_DIR", raising=False)
    payload = zipped(
        {"ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,1\n", "movies.csv": "x"}
    )
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(payload))
    with pytest.raises(ValueError, match="ml-latest-small/ratings.csv downloaded from .*sha256"):
        datasets.load_movielens(cache_dir=tmp_path)
    assert not (tmp_path / "ml-latest-small" / "ratings.csv").exists()


def test_load_movielens_download_then_cache(shared_data, tmp_path, monkeypatch):
    root = shared_data / "ml-latest-small"
    monkeypatch.delenv("DEEPCROSS_DATA_DIR", raising=False)
    monkeypatch.setenv("DEEPCROSS_CACHE_DIR", str(tmp_path))
    files = {name: (root / name).read_bytes() for name in ("ratings.csv", "movies.csv")}
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(zipped(files)))
    data = datasets.load_movielens()
    assert data.source == f"download:{download.URL}"
    assert data.ratings.shape == (100836, 4)

    monkeypatch.setattr(urllib.request, "urlopen", None)  # the cache needs no network
    cached = datasets.load_movielens()
    assert cached.source == f"cache:{tmp_path / 'ml-latest-small'}"
    pd.testing.assert_frame_equal(cached.ratings, data.ratings)

    ratings = tmp_path / "ml-latest-small" / "ratings.csv"
    ratings.write_bytes(ratings.read_bytes()[:-100])  # a cut-off cached file
    with pytest.raises(ValueError, match=f"{re.escape(str(ratings))} is corrupt or partial"):
        datasets.load_movielens()


def test_load_movielens_without_download(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DEEPCROSS_DATA_DIR", raising=False)
    monkeypatch.setattr(urllib.request, "urlopen", None)
    data = datasets.load_movielens(cache_dir=tmp_path, download=False)
    assert data.source == "synthetic"
    assert capsys.readouterr().err.count("\n") == 1

