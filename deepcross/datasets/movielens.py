"""MovieLens ratings and the Embedding+MLP lesson's sample table, built without leaks.

This module sits before the five Deep Crossing stages: it turns raw MovieLens ratings into the
one-row-per-rating sample table that the Feature stage (`FeatureSpec`) reads. It holds

- `load_movielens`: MovieLens "latest small" from a local folder, the cache or the GroupLens
  download, with a synthetic stand-in when there is no network;
- `synthetic_movielens`: MovieLens-shaped ratings with planted, learnable structure;
- `build_samples`: the SparrowRecSys sample table (movie, user and history features) from
  ratings and movies, vectorized;
- `read_samples`: the same table from a CSV file, the lesson's own `testSamples.csv` included;
- `split_samples`: a random or a time-based train/test split.

It imports only numpy, pandas and the standard library, and touches the network only when
`load_movielens` is called with no local or cached copy.

Column types, the same from `build_samples` and `read_samples`: `movieId`, `userId`,
`timestamp`, `label`, `releaseYear`, `movieRatingCount`, `userRatingCount` and
`userAvgReleaseYear` are int64; `rating` and the averages and standard deviations are float64;
`movieGenre1..3`, `userGenre1..5` and `userRatedMovie1..5` are text (pandas' default string
dtype, `str`) with `""` where the value is absent, so a vocabulary lookup treats every column of
a kind alike.
"""

import dataclasses
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

URL = "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip"
"""Where `load_movielens` downloads MovieLens "latest small" from."""

SHA256 = {
    "ratings.csv": "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646",
    "movies.csv": "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07",
}
"""sha256 of the two files of the GroupLens ml-latest-small.zip (generated 2018-09-26)."""

DOWNLOAD_TIMEOUT = 20.0
"""Seconds `load_movielens` waits on the network before it falls back to synthetic data."""

NO_GENRE = "(no genres listed)"

_GENRES = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)  # fmt: skip
# How many ml-latest-small movies have each genre; the synthetic data draws genres by it.
_GENRE_MOVIES = np.array([
    1828, 1263, 611, 664, 3756, 1199, 440, 4361, 779, 87, 978, 158, 334, 573, 1596, 980, 1894,
    382, 167,
], dtype=np.float64)  # fmt: skip

_RATED_MOVIES = tuple(f"userRatedMovie{i}" for i in range(1, 6))
_MOVIE_GENRES = tuple(f"movieGenre{i}" for i in range(1, 4))
_USER_GENRES = tuple(f"userGenre{i}" for i in range(1, 6))

_SAMPLE_COLUMNS = (
    "movieId", "userId", "rating", "timestamp", "label", "releaseYear",
    *_MOVIE_GENRES,
    "movieRatingCount", "movieAvgRating", "movieRatingStddev",
    *_RATED_MOVIES,
    "userRatingCount", "userAvgReleaseYear", "userReleaseYearStddev", "userAvgRating",
    "userRatingStddev",
    *_USER_GENRES,
)  # fmt: skip

_NUMERIC_COLUMNS = (
    "releaseYear", "movieRatingCount", "movieAvgRating", "movieRatingStddev",
    "userRatingCount", "userAvgRating", "userRatingStddev",
)  # fmt: skip

_INT_COLUMNS = (
    "movieId", "userId", "timestamp", "label", "releaseYear", "movieRatingCount",
    "userRatingCount", "userAvgReleaseYear",
)  # fmt: skip
_FLOAT_COLUMNS = (
    "rating", "movieAvgRating", "movieRatingStddev", "userReleaseYearStddev", "userAvgRating",
    "userRatingStddev",
)  # fmt: skip
_TEXT_COLUMNS = _MOVIE_GENRES + _RATED_MOVIES + _USER_GENRES

GENRES = list(_GENRES)
"""The 19 MovieLens genres, sorted; `"(no genres listed)"` is not one of them."""

SAMPLE_COLUMNS = list(_SAMPLE_COLUMNS)
"""The 27 columns of a sample table, in the order of the lesson's `testSamples.csv`."""

NUMERIC_COLUMNS = list(_NUMERIC_COLUMNS)
"""The lesson's 7 numeric features: release year and the movie's and user's rating stats."""

MOVIE_STATS = ("past", "all")
ON_BAD_ROWS = ("error", "skip")
SPLITS = ("random", "time")

DEFAULT_YEAR = 1990
_YEAR_PATTERN = r"\((\d{4})\)\s*$"
_FILES = ("ratings.csv", "movies.csv")
_FOLDER = "ml-latest-small"
_ZIP_MEMBERS = ("README.txt", "links.csv", "movies.csv", "ratings.csv", "tags.csv")
_RATINGS_COLUMNS = {"userId": "int", "movieId": "int", "rating": "float", "timestamp": "int"}
_MOVIES_COLUMNS = {"movieId": "int", "title": "text", "genres": "text"}


@dataclasses.dataclass(frozen=True, eq=False)
class MovieLens:
    """MovieLens ratings and movies, and where they came from.

    Args:
        ratings: pd.DataFrame. Columns `userId`, `movieId` (int64), `rating` (float64) and
            `timestamp` (int64, seconds since 1970).
        movies: pd.DataFrame. Columns `movieId` (int64), `title` and `genres` (str; genres
            joined by `"|"`).
        source: str. `"local:<folder>"`, `"cache:<folder>"`, `"download:<url>"` or
            `"synthetic"`.
    """

    ratings: pd.DataFrame
    movies: pd.DataFrame
    source: str

    def __repr__(self):
        return (
            f"MovieLens(ratings={len(self.ratings)} rows, movies={len(self.movies)} rows, "
            f"source={self.source!r})"
        )


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Synthetic data
# --------------------------------------------------------------------------------------------


def synthetic_movielens(num_users=610, num_movies=2000, num_ratings=100_000, seed=0):
    """MovieLens-shaped ratings with planted structure that a ranking model can learn.

    Columns and dtypes are those of the real files. The structure:

    - movie `m` has 1 to 4 genres from `GENRES`, drawn by their frequency in MovieLens (1%
      `"(no genres listed)"`), a release
      year (title `"Movie 17 (1994)"`; about 2% of titles have no year) and a quality
      `q_m ~ N(0, 0.5)`;
    - user `u` has a bias `b_u ~ N(0, 0.3)` and a taste `p_ug` for each genre (N(0, 0.5),
      plus 1.5 for two or three favourite genres);
    - users choose movies without repeats, popular ones more often (Zipf-like, weight
      `1 / rank**0.9`); how many each user rates is skewed (log-normal, at least
      `min(20, num_ratings // num_users)`);
    - `rating = clip(round_to_half(3.3 + b_u + q_m + mean_g(p_ug) + N(0, 0.5)), 0.5, 5)`,
      the mean over the movie's genres;
    - each user's timestamps increase (non-strictly: some ratings share a second) from a
      start between 2000 and 2018.

    Args:
        num_users: int. Number of users. Defaults to 610.
        num_movies: int. Number of movies. Defaults to 2000.
        num_ratings: int. Number of ratings, at most `num_users * num_movies`.
            Defaults to 100_000.
        seed: int. Seed; the same seed gives the same data. Defaults to 0.

    Returns:
        A `MovieLens` with `source="synthetic"`.

    Example:

    ```python
    data = dc.datasets.synthetic_movielens(num_users=50, num_movies=200, num_ratings=2000)
    data.ratings.shape  # (2000, 4)
    ```
    """
    for name, value in (
        ("num_users", num_users),
        ("num_movies", num_movies),
        ("num_ratings", num_ratings),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, received {name}={value!r}")
    if num_ratings > num_users * num_movies:
        raise ValueError(
            f"num_ratings must be at most num_users * num_movies = {num_users * num_movies} "
            f"(each user rates a movie once), received num_ratings={num_ratings}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, received seed={seed!r}")
    rng = np.random.default_rng(seed)
    num_genres = len(_GENRES)

    # Movies: genres by popularity (Drama and Comedy common), titles, quality.
    scores = np.log(_GENRE_MOVIES) + rng.gumbel(size=(num_movies, num_genres))
    rank = np.argsort(np.argsort(-scores, axis=1), axis=1)
    num_movie_genres = rng.choice([1, 2, 3, 4], size=num_movies, p=[0.35, 0.35, 0.2, 0.1])
    has_genre = rank < num_movie_genres[:, None]
    no_genre = rng.random(num_movies) < 0.01
    has_genre[no_genre] = False
    genres = np.full(num_movies, "", dtype=object)
    for g, genre in enumerate(_GENRES):  # alphabetical, as in movies.csv
        genres = np.where(has_genre[:, g], genres + genre + "|", genres)
    genres = pd.Series(genres, dtype=object).str.rstrip("|").replace("", NO_GENRE)
    genres = genres.to_numpy(dtype=object)
    movie_ids = np.arange(1, num_movies + 1)
    years = np.clip(np.round(2018 - rng.gamma(2.0, 9.0, num_movies)), 1902, 2018).astype(int)
    titles = pd.Series(movie_ids).map("Movie {}".format).to_numpy(dtype=object)
    dated = rng.random(num_movies) >= 0.02
    titles[dated] = titles[dated] + " (" + years[dated].astype(str).astype(object) + ")"
    quality = rng.normal(0.0, 0.5, num_movies)

    # Users: bias and genre tastes with a few favourites.
    bias = rng.normal(0.0, 0.3, num_users)
    taste = rng.normal(0.0, 0.5, (num_users, num_genres))
    favourites = np.argsort(rng.random((num_users, num_genres)), axis=1)
    num_favourites = rng.integers(2, 4, num_users)
    taste[np.arange(num_users)[:, None], favourites[:, :3]] += 1.5 * (
        np.arange(3)[None, :] < num_favourites[:, None]
    )

    # How many movies each user rates: skewed, at least `floor`, exactly num_ratings in all.
    floor = min(20, num_ratings // num_users, num_movies)
    activity = rng.lognormal(0.0, 1.0, num_users)
    counts = np.full(num_users, floor)
    for _ in range(100):  # Spread the rest by activity, capped at num_movies per user.
        rest = num_ratings - counts.sum()
        if rest == 0:
            break
        room = num_movies - counts
        weight = activity * (room > 0)
        extra = rng.multinomial(rest, weight / weight.sum())
        counts += np.minimum(extra, room)
    else:  # pragma: no cover - the loop converges long before
        raise RuntimeError("could not spread the ratings over the users")

    # Which movies: Zipf-like popularity, no repeats per user (Gumbel top-k, chunked).
    popularity = np.log(1.0 / np.arange(1, num_movies + 1) ** 0.9)
    popularity = popularity[rng.permutation(num_movies)]
    chunk = max(1, 4_000_000 // num_movies)
    users, movies = [], []
    for lo in range(0, num_users, chunk):
        hi = min(num_users, lo + chunk)
        keys = popularity + rng.gumbel(size=(hi - lo, num_movies))
        most = int(counts[lo:hi].max())
        if most == 0:
            continue
        order = np.argpartition(-keys, most - 1, axis=1)[:, :most]
        rank = np.argsort(-np.take_along_axis(keys, order, axis=1), axis=1)
        order = np.take_along_axis(order, rank, axis=1)  # each user's top `most`, best first
        take = np.arange(most)[None, :] < counts[lo:hi, None]
        users.append(np.broadcast_to(np.arange(lo, hi)[:, None], order.shape)[take])
        movies.append(order[take])
    user_idx = np.concatenate(users)
    movie_idx = np.concatenate(movies)
    viewing = np.lexsort((rng.random(len(user_idx)), user_idx))  # each user's order in time
    user_idx, movie_idx = user_idx[viewing], movie_idx[viewing]

    # Ratings from the planted model.
    share = has_genre / np.maximum(has_genre.sum(axis=1, keepdims=True), 1)
    affinity = np.einsum("ij,ij->i", taste[user_idx], share[movie_idx])
    score = 3.3 + bias[user_idx] + quality[movie_idx] + affinity
    score += rng.normal(0.0, 0.5, len(score))
    rating = np.clip(np.round(score * 2) / 2, 0.5, 5.0)

    # Timestamps: each user's ratings in the order drawn, non-decreasing from a start.
    start = rng.integers(946_684_800, 1_527_811_200, num_users)  # 2000-01-01 .. 2018-06-01
    gaps = np.where(rng.random(len(user_idx)) < 0.3, 0, rng.exponential(86_400.0, len(user_idx)))
    gaps = gaps.astype(np.int64)
    elapsed = np.cumsum(gaps)
    first = np.minimum(np.concatenate([[0], np.cumsum(counts)[:-1]]), len(gaps) - 1)
    elapsed -= np.repeat(elapsed[first], counts)  # 0 at each user's first rating
    timestamp = start[user_idx] + elapsed

    ratings = pd.DataFrame(
        {
            "userId": (user_idx + 1).astype(np.int64),
            "movieId": movie_ids[movie_idx].astype(np.int64),
            "rating": rating.astype(np.float64),
            "timestamp": timestamp.astype(np.int64),
        }
    )
    ratings = ratings.sort_values(["userId", "movieId"], kind="stable", ignore_index=True)
    movies_frame = pd.DataFrame(
        {
            "movieId": movie_ids.astype(np.int64),
            "title": pd.Series(titles, dtype=object).astype(str),
            "genres": pd.Series(genres, dtype=object).astype(str),
        }
    )
    return MovieLens(ratings, movies_frame, "synthetic")


# --------------------------------------------------------------------------------------------
# Sample table
# --------------------------------------------------------------------------------------------


def build_samples(ratings, movies, *, movie_stats="past", history=100, min_user_ratings=2):
    """Builds the Embedding+MLP lesson's sample table, one row per rating.

    For each rating, the row describes the movie and the user's history before it:

    - `label`: 1 if `rating >= 3.5`, else 0.
    - `releaseYear`: the four-digit year in parentheses at the end of the title, 1990 when
      there is none. `movieGenre1..3`: the movie's first three genres in `movies.csv` order,
      `""` when it has fewer (`"(no genres listed)"` is no genre).
    - `movieRatingCount`, `movieAvgRating`, `movieRatingStddev`: the movie's ratings.
      With `movie_stats="past"` (the default), only those with a timestamp strictly earlier
      than this rating's. With `movie_stats="all"`, all of them, as in the lesson; the row's
      own rating is then among them, which leaks the label into the features (an
      evaluation on such rows overstates the model).
    - The user's window: the user's ratings with a timestamp strictly earlier than this one
      (ratings in the same second are not "before"), the `history` most recent of them.
      Among ratings in the same second, the later one in `ratings` counts as the more recent.
    - `userRatingCount`, `userAvgRating`, `userRatingStddev`, `userAvgReleaseYear` (the mean
      truncated to an int), `userReleaseYearStddev`: over the window.
    - `userRatedMovie1..5`: the window's positively labelled movies, most recent first.
    - `userGenre1..5`: the genres (all of each movie's) of the window's positively labelled
      movies, most frequent first, ties by genre name.

    Averages and standard deviations are rounded half up to 2 decimals; a standard deviation
    is the sample one (n - 1), 0 below two values; an average over nothing is 0. Ids and
    genres are `str` with `""` where absent.

    Rows whose window holds fewer than `min_user_ratings` ratings are left out (the lesson's
    `userRatingCount > 1`); the other rows keep the order of `ratings`, on a new 0..n-1 index.

    Args:
        ratings: pd.DataFrame. Columns `userId`, `movieId`, `rating`, `timestamp`.
        movies: pd.DataFrame. Columns `movieId`, `title`, `genres`; every rated movie once.
        movie_stats: str. `"past"` (leak-free) or `"all"` (the lesson's). Defaults to `"past"`.
        history: int. Most ratings in a user's window. Defaults to 100.
        min_user_ratings: int. Fewest ratings in a user's window for the row to be kept.
            Defaults to 2.

    Returns:
        A pd.DataFrame with the columns `SAMPLE_COLUMNS`, in that order.

    Example:

    ```python
    data = dc.datasets.synthetic_movielens(num_users=50, num_movies=200, num_ratings=2000)
    samples = dc.datasets.build_samples(data.ratings, data.movies)
    ```
    """
    if movie_stats not in MOVIE_STATS:
        raise ValueError(
            f"movie_stats must be one of {MOVIE_STATS}, received movie_stats={movie_stats!r}"
        )
    if isinstance(history, bool) or not isinstance(history, (int, np.integer)) or history < 1:
        raise ValueError(f"history must be a positive integer, received history={history!r}")
    if (
        isinstance(min_user_ratings, bool)
        or not isinstance(min_user_ratings, (int, np.integer))
        or min_user_ratings < 0
    ):
        raise ValueError(
            "min_user_ratings must be a non-negative integer, received "
            f"min_user_ratings={min_user_ratings!r}"
        )
    user = _int_column(ratings, "userId", "ratings")
    movie = _int_column(ratings, "movieId", "ratings")
    timestamp = _int_column(ratings, "timestamp", "ratings")
    rating = _float_column(ratings, "rating", "ratings")
    movie_table = _movie_table(movies)
    movie_row = pd.Index(movie_table["movieId"]).get_indexer(movie)
    if (movie_row < 0).any():
        unknown = pd.unique(movie[movie_row < 0])
        raise ValueError(
            f"ratings refer to {len(unknown)} movieId(s) that movies does not list, e.g. "
            f"{unknown[:5].tolist()}"
        )
    n = len(movie)
    label = (rating >= 3.5).astype(np.int64)
    year = movie_table["releaseYear"][movie_row]
    columns = {
        "movieId": movie,
        "userId": user,
        "rating": rating,
        "timestamp": timestamp,
        "label": label,
        "releaseYear": year,
    }
    for i, name in enumerate(_MOVIE_GENRES):
        columns[name] = movie_table["first_genres"][movie_row, i]

    # Movie statistics: order by (movie, time, input order), windows by prefix sums.
    order = np.lexsort((timestamp, movie))
    start, end, tie_start = _groups(movie[order], timestamp[order])
    stop = tie_start if movie_stats == "past" else end
    count, mean, std = _moments(rating[order], start, stop)
    columns["movieRatingCount"] = _unsort(count, order)
    columns["movieAvgRating"] = _unsort(_round2(mean), order)
    columns["movieRatingStddev"] = _unsort(_round2(std), order)

    # User history: order by (user, time, input order); the window ends before the row's
    # group of equal timestamps and holds at most `history` ratings.
    order = np.lexsort((timestamp, user))
    start, _, stop = _groups(user[order], timestamp[order])
    start = np.maximum(start, stop - history)
    count, mean, std = _moments(rating[order], start, stop)
    _, year_mean, year_std = _moments(year[order].astype(np.float64), start, stop)
    positive = label[order].astype(bool)
    positives = np.flatnonzero(positive)
    seen = _prefix(positive.astype(np.int64))
    movie_text = movie[order].astype(str).astype(object)
    for i, name in enumerate(_RATED_MOVIES):
        k = seen[stop] - 1 - i  # index into `positives`, newest first
        present = k >= seen[start]
        values = np.full(n, "", dtype=object)
        values[present] = movie_text[positives[k[present]]]
        columns[name] = _unsort(values, order)
    columns["userRatingCount"] = _unsort(count, order)
    columns["userAvgReleaseYear"] = _unsort(np.floor(year_mean).astype(np.int64), order)
    columns["userReleaseYearStddev"] = _unsort(_round2(year_std), order)
    columns["userAvgRating"] = _unsort(_round2(mean), order)
    columns["userRatingStddev"] = _unsort(_round2(std), order)
    names = movie_table["genre_names"]
    liked = movie_table["genre_onehot"][movie_row[order]] * positive[:, None].astype(np.int32)
    liked = _prefix(liked)
    genre_count = liked[stop] - liked[start]
    ranked = np.argsort(-genre_count, axis=1, kind="stable")[:, :5]  # ties: name order
    ranked_count = np.take_along_axis(genre_count, ranked, axis=1)
    for i, name in enumerate(_USER_GENRES):
        values = np.full(n, "", dtype=object)
        if i < ranked.shape[1]:
            present = ranked_count[:, i] > 0
            values[present] = names[ranked[present, i]]
        columns[name] = _unsort(values, order)

    samples = pd.DataFrame({name: columns[name] for name in _SAMPLE_COLUMNS})
    samples = samples[samples["userRatingCount"].to_numpy() >= min_user_ratings]
    return _with_dtypes(samples.reset_index(drop=True))


def _int_column(frame, name, what):
    values = _float_column(frame, name, what)
    fractional = values != np.floor(values)
    if fractional.any():
        row = frame.index[int(np.flatnonzero(fractional)[0])]
        raise ValueError(
            f"{what} column {name!r} must hold integers, received {values[fractional][0]!r} "
            f"at index {row!r}"
        )
    return values.astype(np.int64)


def _float_column(frame, name, what):
    if name not in frame.columns:
        raise ValueError(
            f"{what} needs a column {name!r}; columns present: {list(map(str, frame.columns))}"
        )
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{what} column {name!r} must hold numbers, received {frame[name].iloc[row]!r} at "
            f"index {frame.index[row]!r}"
        )
    return values


def _movie_table(movies):
    """Per movie: id, release year, first three genres, genre one-hot over the data's genres."""
    movie_id = _int_column(movies, "movieId", "movies")
    for name in ("title", "genres"):
        if name not in movies.columns:
            raise ValueError(
                f"movies needs a column {name!r}; columns present: "
                f"{list(map(str, movies.columns))}"
            )
    duplicated = pd.Series(movie_id).duplicated().to_numpy()
    if duplicated.any():
        raise ValueError(f"movies lists movieId {movie_id[duplicated][0]} more than once")
    title = movies["title"].fillna("").astype(str).str.strip()
    year = title.str.extract(_YEAR_PATTERN, expand=False)
    year = pd.to_numeric(year).fillna(DEFAULT_YEAR).to_numpy().astype(np.int64)
    # One row per (movie, genre), in movies.csv order, without "(no genres listed)".
    genre = movies["genres"].fillna("").astype(str).reset_index(drop=True).str.split("|")
    genre = genre.explode().str.strip()
    genre = genre[(genre != "") & (genre != NO_GENRE)]
    pairs = pd.DataFrame({"movie": genre.index.to_numpy(), "genre": genre.to_numpy(dtype=str)})
    pairs = pairs.drop_duplicates()
    genre_names = np.array(sorted(pairs["genre"].unique()), dtype=object)
    code = np.searchsorted(genre_names, pairs["genre"].to_numpy(dtype=object))
    onehot = np.zeros((len(movie_id), len(genre_names)), dtype=np.int32)
    onehot[pairs["movie"].to_numpy(), code] = 1
    first = np.full((len(movie_id), 3), "", dtype=object)
    position = pairs.groupby("movie").cumcount().to_numpy()
    keep = position < 3
    first[pairs["movie"].to_numpy()[keep], position[keep]] = pairs["genre"].to_numpy()[keep]
    return {
        "movieId": movie_id,
        "releaseYear": year,
        "first_genres": first,
        "genre_names": genre_names,
        "genre_onehot": onehot,
    }


def _groups(key, time):
    """For rows sorted by (key, time): start and end of each row's key group, and the start
    of its (key, time) group."""
    n = len(key)
    new_key = np.ones(n, dtype=bool)
    new_key[1:] = key[1:] != key[:-1]
    new_time = new_key.copy()
    new_time[1:] |= time[1:] != time[:-1]
    key_start = np.flatnonzero(new_key)
    group = np.cumsum(new_key) - 1
    start = key_start[group]
    end = np.append(key_start[1:], n)[group]
    tie_start = np.flatnonzero(new_time)[np.cumsum(new_time) - 1]
    return start, end, tie_start


def _prefix(values):
    """Prefix sums with a leading zero row: `sum(values[a:b]) == out[b] - out[a]`."""
    out = np.zeros((len(values) + 1,) + values.shape[1:], dtype=values.dtype)
    np.cumsum(values, axis=0, out=out[1:])
    return out


def _moments(values, start, stop):
    """Count, mean and sample standard deviation of `values[start:stop]` for each row.

    Values are shifted by a round constant near their median before the prefix sums, which
    keeps the sums of squares small and, for ratings in halves and whole years, exact.
    """
    count = (stop - start).astype(np.int64)
    if len(values) == 0:
        empty = np.zeros(0)
        return count, empty, empty
    shift = np.round(np.median(values))
    centred = values - shift
    first = _prefix(centred)
    second = _prefix(centred * centred)
    total = first[stop] - first[start]
    squares = second[stop] - second[start]
    safe = np.maximum(count, 1)
    mean = np.where(count > 0, total / safe + shift, 0.0)
    spread = np.maximum(squares - total * (total / safe), 0.0)
    std = np.where(count > 1, np.sqrt(spread / np.maximum(count - 1, 1)), 0.0)
    return count, mean, std


def _round2(values):
    """Rounds half up to 2 decimals, robust to the last bit (2.675 -> 2.68)."""
    return np.floor(np.asarray(values) * 100.0 + 0.5 + 1e-7) / 100.0


def _unsort(values, order):
    out = np.empty_like(values)
    out[order] = values
    return out


def _with_dtypes(samples):
    """Casts the sample columns to their dtypes: int64, float64, text."""
    for name in _INT_COLUMNS:
        samples[name] = samples[name].astype(np.int64)
    for name in _FLOAT_COLUMNS:
        samples[name] = samples[name].astype(np.float64)
    for name in _TEXT_COLUMNS:
        samples[name] = samples[name].astype(object).astype(str)
    return samples


# --------------------------------------------------------------------------------------------
# Reading sample files
# --------------------------------------------------------------------------------------------


def read_samples(path, *, on_bad_rows="error"):
    """Reads a sample table from a CSV file with the columns `SAMPLE_COLUMNS`.

    Reads the lesson's own files as they are: an empty field and a quoted empty field (`""`)
    both mean "absent". The result has the dtypes of `build_samples`, so a model trains on
    either. Columns beyond `SAMPLE_COLUMNS` are kept, as text, after them. Blank lines are
    ignored; each record must sit on one line.

    A bad row is one with the wrong number of fields, a missing or non-numeric value in a
    numeric column, a non-integer where an integer belongs (ids, counts, years, `label`, which
    must be 0 or 1) or a non-integer movie id in `userRatedMovie1..5`.

    Args:
        path: str or path. The CSV file.
        on_bad_rows: str. `"error"`: raise on the first bad row, naming the file, its line and
            column. `"skip"`: leave bad rows out and print one summary line to stderr (always,
            also when nothing was skipped). Defaults to `"error"`.

    Returns:
        A pd.DataFrame; `df.attrs["bad_rows"]` lists the skipped rows as
        `(line, column, value)` tuples (`column` is None, `value` the reason, for a row with
        the wrong number of fields).

    Raises:
        ValueError: a column is missing from the header, or (with `"error"`) a row is bad.

    Example:

    ```python
    samples = dc.datasets.read_samples("testSamples.csv", on_bad_rows="skip")
    ```
    """
    if on_bad_rows not in ON_BAD_ROWS:
        raise ValueError(
            f"on_bad_rows must be one of {ON_BAD_ROWS}, received on_bad_rows={on_bad_rows!r}"
        )
    shown_path = os.fspath(path)
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{shown_path} is not a UTF-8 text file: {error}") from None
    lines = pd.Series(text.split("\n"), dtype=object)
    if len(lines) and lines.iloc[-1] == "":
        lines = lines.iloc[:-1]
    lines = lines.str.rstrip("\r")
    lines.index = np.arange(1, len(lines) + 1)  # 1-based line numbers
    lines = lines[lines.str.strip() != ""]
    if lines.empty:
        raise ValueError(f"{shown_path} is empty: it has no header line")
    header = _parse_lines(lines.iloc[:1], None, shown_path).iloc[0].str.strip().tolist()
    missing = [name for name in _SAMPLE_COLUMNS if name not in header]
    if missing:
        raise ValueError(f"{shown_path} has no column {missing[0]!r} in its header line")
    repeated = pd.Series(header)[pd.Series(header).duplicated()]
    if len(repeated):
        raise ValueError(f"{shown_path} has column {repeated.iloc[0]!r} twice in its header")
    lines = lines.iloc[1:]

    # Fields per line, counting commas outside quotes; odd quotes would span lines.
    unquoted = lines.str.replace(r'"[^"]*"', "", regex=True)
    fields = unquoted.str.count(",").to_numpy() + 1
    odd = (lines.str.count('"').to_numpy() % 2) == 1
    wrong = odd | (fields != len(header))
    bad_rows = [
        (int(line), None, "unbalanced quotes" if is_odd else f"{count} fields, expected "
         f"{len(header)}")
        for line, count, is_odd in zip(lines.index[wrong], fields[wrong], odd[wrong])
    ]  # fmt: skip
    lines = lines[~wrong]
    raw = _parse_lines(lines, header, shown_path)

    # Cell checks, column by column; a row's first bad column is the one reported.
    bad = np.zeros((len(raw), len(_SAMPLE_COLUMNS)), dtype=bool)
    parsed = {}
    for j, name in enumerate(_SAMPLE_COLUMNS):
        cells = raw[name]
        if name in _INT_COLUMNS or name in _FLOAT_COLUMNS or name in _RATED_MOVIES:
            # to_numeric allows surrounding spaces and reads "" and " " as NaN.
            values = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64)
            invalid = ~np.isfinite(values)
            if name in _RATED_MOVIES:
                invalid &= (cells.str.strip() != "").to_numpy()
            if name not in _FLOAT_COLUMNS:
                whole = np.where(np.isfinite(values), values, 0.0)
                invalid |= whole != np.floor(whole)
            if name == "label":
                invalid |= ~np.isin(values, (0.0, 1.0))
            bad[:, j] = invalid
            parsed[name] = values
        else:
            parsed[name] = cells.str.strip().to_numpy(dtype=object)
    rows = np.flatnonzero(bad.any(axis=1))
    first_bad = bad[rows].argmax(axis=1)
    for row, j in zip(rows, first_bad):
        name = _SAMPLE_COLUMNS[j]
        bad_rows.append((int(lines.index[row]), name, str(raw[name].iloc[row])))
    bad_rows.sort(key=lambda entry: entry[0])

    if bad_rows and on_bad_rows == "error":
        line, name, value = bad_rows[0]
        where = f"{shown_path}, line {line}" + (f", column {name!r}" if name else "")
        raise ValueError(
            f"{where}: {_describe(name, value)} ({len(bad_rows)} bad row(s) in all; "
            "read_samples(..., on_bad_rows='skip') leaves them out)"
        )
    good = ~bad.any(axis=1)
    columns = {}
    for name in _SAMPLE_COLUMNS:
        values = parsed[name][good]
        if name in _RATED_MOVIES:
            text_ids = np.full(len(values), "", dtype=object)
            present = np.isfinite(values)
            text_ids[present] = values[present].astype(np.int64).astype(str)
            values = text_ids
        columns[name] = values
    for name in header:
        if name not in columns:
            columns[name] = raw[name].to_numpy(dtype=object)[good]
    samples = _with_dtypes(pd.DataFrame(columns))
    for name in samples.columns[len(_SAMPLE_COLUMNS) :]:
        samples[name] = samples[name].astype(str)
    samples.attrs["bad_rows"] = bad_rows
    if on_bad_rows == "skip":
        details = "; ".join(
            f"line {line}: " + (f"column {name}: " if name else "") + _describe(name, value)
            for line, name, value in bad_rows[:5]
        )
        if len(bad_rows) > 5:
            details += f"; and {len(bad_rows) - 5} more"
        print(
            f"read_samples: {shown_path}: {len(samples)} rows read, {len(bad_rows)} bad rows "
            "skipped" + (f" ({details})" if details else ""),
            file=sys.stderr,
        )
    return samples


def _describe(name, value):
    if name is None:
        return value
    if value.strip() == "":
        return "missing value"
    return repr(value)


def _parse_lines(lines, header, shown_path):
    """Parses CSV lines (all with the same number of fields) into a frame of strings."""
    if lines.empty:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in header})
    try:
        frame = pd.read_csv(
            io.StringIO("\n".join(lines)),
            header=None,
            names=header,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as error:
        raise ValueError(f"{shown_path} could not be parsed as CSV: {error}") from None
    if len(frame) != len(lines):
        raise ValueError(
            f"{shown_path}: {len(lines)} lines gave {len(frame)} records; a field must not "
            "span several lines"
        )
    return frame


# --------------------------------------------------------------------------------------------
# Splitting
# --------------------------------------------------------------------------------------------


def split_samples(samples, *, how="random", test_fraction=0.2, seed=0):
    """Splits a sample table into a training and a test table.

    - `how="random"`: a seeded shuffle; `round(test_fraction * len(samples))` rows go to test.
    - `how="time"`: rows whose timestamp is at or after the `1 - test_fraction` quantile of
      the timestamps go to test (all rows of the boundary second together, so the test share
      can be a little larger); `seed` is not used.

    Both tables keep the rows' order and index.

    Args:
        samples: pd.DataFrame. A sample table (`"time"` needs its `timestamp` column).
        how: str. `"random"` or `"time"`. Defaults to `"random"`.
        test_fraction: float. Share of rows for the test table, between 0 and 1 (exclusive).
            Defaults to 0.2.
        seed: int. Seed of the random split. Defaults to 0.

    Returns:
        A tuple `(train, test)` of pd.DataFrame.

    Example:

    ```python
    train, test = dc.datasets.split_samples(samples, how="time")
    ```
    """
    if how not in SPLITS:
        raise ValueError(f"how must be one of {SPLITS}, received how={how!r}")
    if (
        isinstance(test_fraction, bool)
        or not isinstance(test_fraction, (int, float, np.integer, np.floating))
        or not 0.0 < test_fraction < 1.0
    ):
        raise ValueError(
            f"test_fraction must be a number between 0 and 1 (exclusive), received "
            f"test_fraction={test_fraction!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, received seed={seed!r}")
    if not isinstance(samples, pd.DataFrame):
        raise ValueError(f"samples must be a pandas DataFrame, received {type(samples).__name__}")
    n = len(samples)
    if how == "random":
        test = np.zeros(n, dtype=bool)
        test[np.random.default_rng(seed).permutation(n)[: int(round(test_fraction * n))]] = True
    else:
        if "timestamp" not in samples.columns:
            raise ValueError(
                "how='time' needs a 'timestamp' column; columns present: "
                f"{list(map(str, samples.columns))}"
            )
        timestamp = samples["timestamp"].to_numpy()
        if n == 0:
            test = np.zeros(0, dtype=bool)
        else:
            test = timestamp >= np.quantile(timestamp, 1.0 - test_fraction)
    return samples[~test], samples[test]
