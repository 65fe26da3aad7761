"""Tests for deepcross/datasets/download.py: load_movielens from a folder, the cache, a download.

No test touches the network: `keras.utils.get_file` downloads with `urllib.request`, whose
`urlopen` the tests replace.
"""

import email.message
import hashlib
import io
import re
import socket
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pandas as pd
import pytest

from deepcross import datasets
from deepcross.datasets import download
from tests.datasets.conftest import messages

OFFLINE = "using built-in synthetic MovieLens-shaped data"
RATINGS_CSV = "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n"
MOVIES_CSV = "movieId,title,genres\n1,A (1995),Drama\n"


@pytest.fixture
def no_data_dir(monkeypatch):
    monkeypatch.delenv("DEEPCROSS_DATA_DIR", raising=False)


# ------------------------------------------------------------------------------------------
# A local copy
# ------------------------------------------------------------------------------------------


def test_load_movielens_from_env_data_dir(shared_data, monkeypatch):
    monkeypatch.setenv("DEEPCROSS_DATA_DIR", str(shared_data))
    data = datasets.load_movielens()
    assert data.source == f"local:{shared_data / 'ml-latest-small'}"
    assert data.ratings.shape == (100836, 4)
    assert data.movies.shape == (9742, 3)
    assert data.ratings.dtypes.tolist() == ["int64", "int64", "float64", "int64"]
    assert data.movies["movieId"].dtype == np.int64
    assert pd.api.types.is_string_dtype(data.movies["title"].dtype)
    assert data.ratings.iloc[0].tolist() == [1, 1, 4.0, 964982703]


def test_shared_copy_has_the_download_checksums(shared_data):
    # The sha256 in shared/data/README.md, which a download is checked against.
    for name in ("ratings.csv", "movies.csv"):
        data = (shared_data / "ml-latest-small" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == download.SHA256[name]


def test_load_movielens_missing_data_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nowhere"))):
        datasets.load_movielens(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="neither ratings.csv"):
        datasets.load_movielens(tmp_path)


def test_load_movielens_env_data_dir_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCROSS_DATA_DIR", str(tmp_path / "gone"))
    with pytest.raises(FileNotFoundError, match="DEEPCROSS_DATA_DIR .*gone"):
        datasets.load_movielens(cache_dir=tmp_path)


def write_small_folder(folder, ratings_text=RATINGS_CSV, movies_text=MOVIES_CSV):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ratings.csv").write_text(ratings_text)
    (folder / "movies.csv").write_text(movies_text)


CUT = "line 3 has no newline at its end, so the file was likely cut off inside it"


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("ratings.csv", RATINGS_CSV + "1,2,4.", CUT),
        ("ratings.csv", RATINGS_CSV + "1,2,3.0,149384", CUT),  # a timestamp cut short
        ("ratings.csv", RATINGS_CSV + "1,2,4.0,\n", "line 3, column 'timestamp': missing value"),
        ("ratings.csv", "userId,movieId,rating\n1,1,4.0\n", "no column 'timestamp'"),
        ("ratings.csv", RATINGS_CSV.replace("4.0", "good"), "column 'rating': 'good'"),
        ("ratings.csv", "", "it is empty"),
        ("ratings.csv", "\n \n", "it is empty"),
        ("ratings.csv", "userId,movieId,rating,timestamp\n", "a header line but no rows"),
        ("ratings.csv", RATINGS_CSV[:20], "line 1 has no newline"),
        (
            "ratings.csv",
            "userId,movieId,rating,timestamp,rating\n1,1,4.0,964982703,4.0\n",
            "its header line names column 'rating' twice",
        ),
        ("movies.csv", MOVIES_CSV + "2,B (1999),Thril", CUT),  # "Thriller" cut short
        ("movies.csv", MOVIES_CSV + "2,B (1999),\n", "line 3, column 'genres': missing value"),
        ("movies.csv", "movieId,title\n1,A\n", "no column 'genres'"),
    ],
)
def test_load_movielens_corrupt_local_file(tmp_path, name, text, message):
    folder = tmp_path / "ml-latest-small"
    write_small_folder(folder, **{name.replace(".csv", "_text"): text})
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        datasets.load_movielens(tmp_path)
    assert str(info.value).startswith(f"{folder / name} is corrupt or partial: ")


def test_load_movielens_own_copy_is_not_checksummed(tmp_path):
    write_small_folder(tmp_path)
    data = datasets.load_movielens(tmp_path)
    assert data.source == f"local:{tmp_path}"
    assert data.ratings.shape == (1, 4)


# ------------------------------------------------------------------------------------------
# The download and the cache
# ------------------------------------------------------------------------------------------


class Response(io.BytesIO):
    """What `urlretrieve` reads from `urlopen`: the bytes and their headers."""

    def info(self):
        headers = email.message.Message()
        headers["Content-Length"] = str(len(self.getvalue()))
        return headers


def serve(monkeypatch, payload):
    """Makes `urlopen` return `payload` for `URL`, checking that the timeout is in force."""
    calls = []

    def urlopen(url, data=None, timeout=None):
        assert url == download.URL
        assert socket.getdefaulttimeout() == download.DOWNLOAD_TIMEOUT
        calls.append(url)
        if isinstance(payload, Exception):
            raise payload
        return Response(payload)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return calls


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"ml-latest-small/{name}", data)
    return buffer.getvalue()


def real_zip(shared_data):
    root = shared_data / "ml-latest-small"
    return zipped({name: (root / name).read_bytes() for name in ("ratings.csv", "movies.csv")})


@pytest.mark.parametrize(
    "error, reason",
    [
        (urllib.error.URLError("Temporary failure in name resolution"), "Temporary failure in "
         "name resolution"),
        (urllib.error.HTTPError(download.URL, 503, "Service Unavailable", {}, None),
         "HTTP 503 Service Unavailable"),
        (TimeoutError("timed out"), "timed out"),
    ],
)  # fmt: skip
def test_load_movielens_offline_falls_back_to_synthetic(tmp_path, no_data_dir, monkeypatch,
                                                        log, error, reason):  # fmt: skip
    serve(monkeypatch, error)
    data = datasets.load_movielens(cache_dir=tmp_path / "cache")
    assert data.source == "synthetic"
    assert len(data.ratings) == 100_000
    assert messages(log) == [("WARNING", f"Could not download MovieLens ({reason}); {OFFLINE}")]
    assert socket.getdefaulttimeout() is None
    assert list((tmp_path / "cache").iterdir()) == []


def test_load_movielens_other_errors_are_not_taken_for_no_network(tmp_path, no_data_dir,
                                                                  monkeypatch):  # fmt: skip
    serve(monkeypatch, RuntimeError("a bug, not the network"))
    with pytest.raises(RuntimeError, match="a bug, not the network"):
        datasets.load_movielens(cache_dir=tmp_path)


def test_load_movielens_download_then_cache(shared_data, tmp_path, no_data_dir, monkeypatch):
    monkeypatch.setenv("DEEPCROSS_CACHE_DIR", str(tmp_path))
    calls = serve(monkeypatch, real_zip(shared_data))
    data = datasets.load_movielens()
    assert data.source == f"download:{download.URL}"
    assert data.ratings.shape == (100836, 4)
    assert (tmp_path / "ml-latest-small.zip").is_file()
    local = datasets.load_movielens(shared_data)
    pd.testing.assert_frame_equal(data.ratings, local.ratings)
    pd.testing.assert_frame_equal(data.movies, local.movies)

    cached = datasets.load_movielens()  # the cache needs no network
    assert len(calls) == 1
    assert cached.source.startswith(f"cache:{tmp_path}")
    assert cached.source.endswith("ml-latest-small")
    pd.testing.assert_frame_equal(cached.ratings, data.ratings)


@pytest.mark.filterwarnings("ignore:Could not extract archive")
def test_load_movielens_cut_off_cached_zip_is_deleted(shared_data, tmp_path, no_data_dir,
                                                      monkeypatch):  # fmt: skip
    payload = real_zip(shared_data)
    archive = tmp_path / "ml-latest-small.zip"
    archive.write_bytes(payload[: len(payload) // 2])
    calls = serve(monkeypatch, payload)
    with pytest.raises(ValueError, match=f"{re.escape(str(archive))} is corrupt or partial"):
        datasets.load_movielens(cache_dir=tmp_path)
    assert not archive.exists() and calls == []
    assert datasets.load_movielens(cache_dir=tmp_path).source == f"download:{download.URL}"


def test_load_movielens_download_checksum_mismatch(tmp_path, no_data_dir, monkeypatch):
    serve(monkeypatch, zipped({"ratings.csv": RATINGS_CSV, "movies.csv": MOVIES_CSV}))
    with pytest.raises(ValueError, match="ml-latest-small/ratings.csv in .* is corrupt or "
                       "partial: its sha256 is "):  # fmt: skip
        datasets.load_movielens(cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # neither the zip nor what it held is kept


@pytest.mark.filterwarnings("ignore:Could not extract archive")
def test_load_movielens_download_that_is_no_zip(tmp_path, no_data_dir, monkeypatch):
    serve(monkeypatch, b"<html>Service moved</html>")
    with pytest.raises(ValueError, match="does not unpack to ml-latest-small/ratings.csv"):
        datasets.load_movielens(cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_load_movielens_without_download(tmp_path, no_data_dir, monkeypatch, log):
    monkeypatch.setattr(urllib.request, "urlopen", None)
    data = datasets.load_movielens(cache_dir=tmp_path, download=False)
    assert data.source == "synthetic"
    assert messages(log) == [
        ("WARNING", f"MovieLens not found in {tmp_path} and download=False; {OFFLINE}")
    ]


def test_load_movielens_invalid_download_argument():
    with pytest.raises(ValueError, match="download='yes'"):
        datasets.load_movielens(download="yes")
