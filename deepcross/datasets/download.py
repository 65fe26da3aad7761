"""`load_movielens`: MovieLens "latest small" from a local copy, the cache or GroupLens.

It touches the network only when `load_movielens` is called with no local or cached copy; with
no network it prints one line and returns `synthetic_movielens()` instead.
"""

import hashlib
import http.client
import io
import os
import pathlib
import sys
import urllib.error
import urllib.request
import zipfile
import zlib

import numpy as np
import pandas as pd

from deepcross.datasets.movie_lens import MovieLens
from deepcross.datasets.synthetic import synthetic_movielens

URL = "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip"
"""Where `load_movielens` downloads MovieLens "latest small" from."""

SHA256 = {
    "ratings.csv": "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646",
    "movies.csv": "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07",
}
"""sha256 of the two files of the GroupLens ml-latest-small.zip (generated 2018-09-26)."""

DOWNLOAD_TIMEOUT = 20.0
"""Seconds `load_movielens` waits on the network before it falls back to synthetic data."""

_FILES = ("ratings.csv", "movies.csv")
_FOLDER = "ml-latest-small"
_ZIP_MEMBERS = ("README.txt", "links.csv", "movies.csv", "ratings.csv", "tags.csv")
_RATINGS_COLUMNS = {"userId": "int", "movieId": "int", "rating": "float", "timestamp": "int"}
_MOVIES_COLUMNS = {"movieId": "int", "title": "text", "genres": "text"}


def load_movielens(data_dir=None, *, cache_dir=None, download=True):
    """Loads MovieLens "latest small" (100,836 ratings of 9,742 movies by 610 users).

    The first of these that applies gives the data:

    1. `data_dir`, else the environment variable `DEEPCROSS_DATA_DIR`: a folder holding
       `ratings.csv` and `movies.csv`, or holding `ml-latest-small/` with them. The files'
       columns and values are checked, their checksums are not (a copy of your own may differ).
    2. The cache, `cache_dir`, else `DEEPCROSS_CACHE_DIR`, else `~/.cache/deepcross`, when it
       holds `ml-latest-small/ratings.csv` and `movies.csv` (checked against their sha256).
    3. With `download=True`, the GroupLens zip (`URL`), fetched with a 20-second timeout,
       checked against the sha256 of `ratings.csv` and `movies.csv`, and unpacked into the
       cache.
    4. Otherwise, and whenever the download fails for want of a network, one line on stderr
       (`deepcross: no network (<reason>); using built-in synthetic MovieLens-shaped data`)
       and `synthetic_movielens()`.

    Args:
        data_dir: str, path or None. A local copy; None looks at `DEEPCROSS_DATA_DIR`.
            Defaults to None.
        cache_dir: str, path or None. Where downloads are kept; None means
            `DEEPCROSS_CACHE_DIR`, else `~/.cache/deepcross`. Defaults to None.
        download: bool. Whether to download when no local or cached copy exists.
            Defaults to True.

    Returns:
        A `MovieLens` with `ratings`, `movies` and `source`.

    Raises:
        FileNotFoundError: `data_dir` (or `DEEPCROSS_DATA_DIR`) does not exist or holds no
            `ratings.csv` and `movies.csv`.
        ValueError: a file is corrupt or partial (a checksum that does not match, a missing
            column, a value that does not parse), naming the file.

    Example:

    ```python
    data = dc.datasets.load_movielens()
    samples = dc.datasets.build_samples(data.ratings, data.movies)
    ```
    """
    if not isinstance(download, bool):
        raise ValueError(f"download must be True or False, received download={download!r}")
    what = "data_dir"
    if data_dir is None and os.environ.get("DEEPCROSS_DATA_DIR"):
        data_dir, what = os.environ["DEEPCROSS_DATA_DIR"], "DEEPCROSS_DATA_DIR"
    if data_dir is not None:
        folder = _data_folder(pathlib.Path(data_dir).expanduser(), what)
        ratings, movies = _read_folder(folder, verify=False)
        return MovieLens(ratings, movies, f"local:{folder}")

    cache = _cache_dir(cache_dir)
    cached = cache / _FOLDER
    if all((cached / name).is_file() for name in _FILES):
        ratings, movies = _read_folder(cached, verify=True)
        return MovieLens(ratings, movies, f"cache:{cached}")
    if not download:
        print(
            f"deepcross: MovieLens not found in {cached} and download=False; "
            "using built-in synthetic MovieLens-shaped data",
            file=sys.stderr,
        )
        return synthetic_movielens()
    try:
        payload = _fetch(URL, DOWNLOAD_TIMEOUT)
    except urllib.error.URLError as error:
        return _offline(error.reason)
    except (OSError, http.client.HTTPException) as error:
        return _offline(error)
    _unpack(payload, URL, cached)
    ratings, movies = _read_folder(cached, verify=True)
    return MovieLens(ratings, movies, f"download:{URL}")


def _offline(reason):
    reason = str(reason) or type(reason).__name__
    print(
        f"deepcross: no network ({reason}); using built-in synthetic MovieLens-shaped data",
        file=sys.stderr,
    )
    return synthetic_movielens()


def _fetch(url, timeout):
    """Returns the bytes at `url`; network failures raise URLError or OSError."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def _cache_dir(cache_dir):
    if cache_dir is None:
        cache_dir = os.environ.get("DEEPCROSS_CACHE_DIR") or "~/.cache/deepcross"
    return pathlib.Path(cache_dir).expanduser()


def _data_folder(path, what):
    """The folder under `path` that holds ratings.csv and movies.csv."""
    if not path.exists():
        raise FileNotFoundError(f"MovieLens {what} {str(path)!r} does not exist")
    for folder in (path, path / _FOLDER):
        if all((folder / name).is_file() for name in _FILES):
            return folder
    raise FileNotFoundError(
        f"MovieLens {what} {str(path)!r} holds neither ratings.csv and movies.csv nor "
        f"{_FOLDER}/ with them"
    )


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _read_folder(folder, verify):
    frames = []
    for name, columns in zip(_FILES, (_RATINGS_COLUMNS, _MOVIES_COLUMNS)):
        path = folder / name
        data = path.read_bytes()
        if verify and _sha256(data) != SHA256[name]:
            raise ValueError(
                f"{path} is corrupt or partial: its sha256 is {_sha256(data)}, expected "
                f"{SHA256[name]}. Delete it to download it again."
            )
        frames.append(_parse_table(data, path, columns))
    ratings, movies = frames
    duplicated = movies["movieId"].duplicated()
    if duplicated.any():
        raise ValueError(
            f"{folder / 'movies.csv'} lists movieId {int(movies['movieId'][duplicated].iloc[0])} "
            "more than once"
        )
    return ratings, movies


def _parse_table(data, path, columns):
    """Parses a MovieLens CSV, checking its columns and values; errors name the file."""
    try:
        frame = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is corrupt or partial: {error}") from None
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(
            f"{path} is corrupt or partial: it has no column {missing[0]!r} "
            f"(columns present: {list(frame.columns)})"
        )
    out = {}
    for name, kind in columns.items():
        raw = frame[name].astype(str)
        if kind == "text":
            # Titles and genres are never empty in MovieLens; an empty one is a cut-off row.
            bad = (raw.str.strip() == "").to_numpy()
            out[name] = raw
        else:
            # to_numeric allows surrounding spaces and reads "" as NaN.
            values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
            bad = ~np.isfinite(values)
            if kind == "int":
                bad |= np.where(bad, False, values != np.floor(np.where(bad, 0, values)))
                out[name] = pd.Series(np.where(bad, 0, values).astype(np.int64))
            else:
                out[name] = pd.Series(values)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            value = frame[name].iloc[row]
            shown = "missing value" if pd.isna(value) or value == "" else repr(value)
            raise ValueError(
                f"{path} is corrupt or partial: line {row + 2}, column {name!r}: {shown}"
            )
    return pd.DataFrame(out)


def _unpack(payload, url, folder):
    """Checks the downloaded zip and writes its MovieLens files into `folder`."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
        names = set(archive.namelist())
        contents = {
            name: archive.read(f"{_FOLDER}/{name}")
            for name in _ZIP_MEMBERS
            if f"{_FOLDER}/{name}" in names
        }
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise ValueError(f"The download from {url} is not a valid zip file: {error}") from None
    for name in _FILES:
        if name not in contents:
            raise ValueError(f"The download from {url} has no {_FOLDER}/{name}")
        digest = _sha256(contents[name])
        if digest != SHA256[name]:
            raise ValueError(
                f"{_FOLDER}/{name} downloaded from {url} is corrupt or partial: its sha256 is "
                f"{digest}, expected {SHA256[name]}"
            )
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        partial = folder / f"{name}.part"
        partial.write_bytes(data)
        os.replace(partial, folder / name)

