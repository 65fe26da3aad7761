"""`build_samples`: the Embedding+MLP lesson's sample table from MovieLens ratings and movies.

One row per rating: the movie's features, the user's features and the user's recent history,
computed with prefix sums over the ratings sorted by movie (or user) and time, so that the
whole of ml-latest-small takes under a second. The columns and dtypes are in
`deepcross.datasets.columns`.
"""

import numpy as np
import pandas as pd

from deepcross.datasets.columns import MOVIE_GENRES
from deepcross.datasets.columns import NO_GENRE
from deepcross.datasets.columns import RATED_MOVIES
from deepcross.datasets.columns import SAMPLE_COLUMNS
from deepcross.datasets.columns import USER_GENRES
from deepcross.datasets.columns import with_dtypes

MOVIE_STATS = ("past", "all")

DEFAULT_YEAR = 1990
"""`releaseYear` of a movie whose title ends without a year in parentheses."""
_YEAR_PATTERN = r"\((\d{4})\)\s*$"


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
    for i, name in enumerate(MOVIE_GENRES):
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
    for i, name in enumerate(RATED_MOVIES):
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
    for i, name in enumerate(USER_GENRES):
        values = np.full(n, "", dtype=object)
        if i < ranked.shape[1]:
            present = ranked_count[:, i] > 0
            values[present] = names[ranked[present, i]]
        columns[name] = _unsort(values, order)

    samples = pd.DataFrame({name: columns[name] for name in SAMPLE_COLUMNS})
    samples = samples[samples["userRatingCount"].to_numpy() >= min_user_ratings]
    return with_dtypes(samples.reset_index(drop=True))


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
                f"movies needs a column {name!r}; columns present: {list(map(str, movies.columns))}"
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
