"""`load_movielens`: MovieLens "latest small" from a local copy, the cache or GroupLens.

The download and the cache are `keras.utils.get_file`'s: the GroupLens zip is kept in the
cache folder and unpacked next to it. The two files read, `ratings.csv` and `movies.csv`, are
checked against their sha256 before they are used. With no network, `load_movielens` logs one
line and returns `synthetic_movielens()` instead. Nothing here touches the network unless
`load_movielens` is called with no local copy and no cached zip.
"""

import contextlib
import csv
import hashlib
import http.client
import io
import logging
import os
import pathlib
import shutil
import socket
import urllib.error
import zipfile
import zlib

import keras
import numpy as np
import pandas as pd

from deepcross.data.files import repeated_name
from deepcross.datasets.csv_checks import cut_off_line
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

ARCHIVE = "ml-latest-small.zip"
"""The zip's name in the cache folder."""

_FILES = ("ratings.csv", "movies.csv")
_FOLDER = "ml-latest-small"
_RATINGS_COLUMNS = {"userId": "int", "movieId": "int", "rating": "float", "timestamp": "int"}
_MOVIES_COLUMNS = {"movieId": "int", "title": "text", "genres": "text"}
# What a failed download raises, or what it was raised from (get_file wraps URLError).
_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)

logger = logging.getLogger(__name__)


def load_movielens(data_dir=None, *, cache_dir=None, download=True):
    """Loads MovieLens "latest small" (100,836 ratings of 9,742 movies by 610 users).

    The first of these that applies gives the data:

    1. `data_dir`, else the environment variable `DEEPCROSS_DATA_DIR`: a folder holding
       `ratings.csv` and `movies.csv`, or holding `ml-latest-small/` with them. The files'
       columns and values are checked, their checksums are not (a copy of your own may differ).
    2. The cache, `cache_dir`, else `DEEPCROSS_CACHE_DIR`, else `~/.cache/deepcross`, when it
       holds `ml-latest-small.zip`; it is unpacked again, and `ratings.csv` and `movies.csv`
       are checked against their sha256.
    3. With `download=True`, the GroupLens zip (`URL`), fetched by `keras.utils.get_file`
       into the cache with a 20-second network timeout, unpacked there and checked as above.
    4. Otherwise, and whenever the download fails (no network, an HTTP error), a one-line
       warning on the `deepcross` logger (`Could not download MovieLens (<reason>); using
       built-in synthetic MovieLens-shaped data`) and `synthetic_movielens()`.

    Args:
        data_dir: str, path or None. A local copy; None looks at `DEEPCROSS_DATA_DIR`.
            Defaults to None.
        cache_dir: str, path or None. Where downloads are kept; None means
            `DEEPCROSS_CACHE_DIR`, else `~/.cache/deepcross`. Defaults to None.
        download: bool. Whether to download when no local copy or cached zip exists.
            Defaults to True.

    Returns:
        A `MovieLens` with `ratings`, `movies` and `source`.

    Raises:
        FileNotFoundError: `data_dir` (or `DEEPCROSS_DATA_DIR`) does not exist or holds no
            `ratings.csv` and `movies.csv`.
        ValueError: a file is corrupt or partial (a checksum that does not match, a zip that
            does not unpack, a file that is empty, has a header line but no rows, or ends
            without a newline, a header that lacks a column or names one twice, a value that
            does not parse), naming the file. A corrupt cached zip is deleted first, so the
            next call downloads it again.

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
    archive = cache / ARCHIVE
    cached = archive.is_file()
    if not cached and not download:
        logger.warning(
            "MovieLens not found in %s and download=False; using built-in synthetic "
            "MovieLens-shaped data",
            cache,
        )
        return synthetic_movielens()
    # get_file writes elsewhere (a temporary folder) when cache_dir is not a writable folder.
    cache.mkdir(parents=True, exist_ok=True)
    try:
        with _socket_timeout(DOWNLOAD_TIMEOUT):
            extracted = keras.utils.get_file(
                ARCHIVE, URL, cache_dir=os.fspath(cache), cache_subdir="", extract=True
            )
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        _remove(archive)
        raise ValueError(
            f"{archive} is corrupt or partial ({error}); it was deleted, so the next call "
            "downloads it again"
        ) from None
    except Exception as error:
        reason = _network_failure(error)
        if reason is None:
            raise
        logger.warning(
            "Could not download MovieLens (%s); using built-in synthetic MovieLens-shaped data",
            reason,
        )
        return synthetic_movielens()
    folder = pathlib.Path(extracted) / _FOLDER
    try:
        _check_download(folder, archive)
    except ValueError:
        _remove(archive, pathlib.Path(extracted))
        raise
    ratings, movies = _read_folder(folder, verify=False)  # Checked by _check_download.
    return MovieLens(ratings, movies, f"cache:{folder}" if cached else f"download:{URL}")


@contextlib.contextmanager
def _socket_timeout(seconds):
    """Sets the default socket timeout for the block (get_file's urlretrieve takes none)."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _network_failure(error):
    """Why the download failed when `error`, or an error it came from, is a network one."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, urllib.error.HTTPError):
            return f"HTTP {error.code} {error.reason}"
        if isinstance(error, urllib.error.URLError):
            return str(error.reason) or type(error).__name__
        if isinstance(error, _NETWORK_ERRORS):
            return str(error) or type(error).__name__
        error = error.__cause__ or error.__context__
    return None


def _check_download(folder, archive):
    """Checks that the unpacked zip holds ratings.csv and movies.csv with their sha256."""
    for name in _FILES:
        path = folder / name
        if not path.is_file():
            raise ValueError(
                f"{archive} is corrupt or partial: it does not unpack to {_FOLDER}/{name}; it "
                "was deleted, so the next call downloads it again"
            )
        digest = _sha256(path.read_bytes())
        if digest != SHA256[name]:
            raise ValueError(
                f"{_FOLDER}/{name} in {archive} (from {URL}) is corrupt or partial: its sha256 "
                f"is {digest}, expected {SHA256[name]}; the zip was deleted, so the next call "
                "downloads it again"
            )


def _remove(archive, extracted=None):
    archive.unlink(missing_ok=True)
    if extracted is not None:
        shutil.rmtree(extracted, ignore_errors=True)


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
                f"{SHA256[name]}"
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
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is corrupt or partial: {error}") from None
    if text.strip() == "":
        raise ValueError(f"{path} is corrupt or partial: it is empty")
    cut = cut_off_line(text)
    if cut is not None:
        raise ValueError(
            f"{path} is corrupt or partial: line {cut} has no newline at its end, so the file "
            "was likely cut off inside it"
        )
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ValueError(f"{path} is corrupt or partial: {error}") from None
    # pandas renames a repeated column ("movieId.1"), so the header is read on its own.
    header = next(csv.reader(io.StringIO(text)))
    repeated = repeated_name([name.strip() for name in header])
    if repeated is not None:
        raise ValueError(
            f"{path} is corrupt or partial: its header line names column {repeated!r} twice"
        )
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(
            f"{path} is corrupt or partial: it has no column {missing[0]!r} "
            f"(columns present: {list(frame.columns)})"
        )
    if frame.empty:
        raise ValueError(f"{path} is corrupt or partial: it has a header line but no rows")
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
