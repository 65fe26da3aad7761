"""`synthetic_movielens`: MovieLens-shaped ratings with planted structure, for use offline.

`load_movielens` falls back to this data when it cannot download MovieLens; tests and smoke
runs use it directly. It has the real files' columns and dtypes and structure a model can
learn, but numbers measured on it say nothing about MovieLens.
"""

import numpy as np
import pandas as pd

from deepcross.datasets.columns import GENRES
from deepcross.datasets.columns import NO_GENRE
from deepcross.datasets.movie_lens import MovieLens

# How many ml-latest-small movies have each genre; the synthetic data draws genres by it.
_GENRE_MOVIES = np.array([
    1828, 1263, 611, 664, 3756, 1199, 440, 4361, 779, 87, 978, 158, 334, 573, 1596, 980, 1894,
    382, 167,
], dtype=np.float64)  # fmt: skip


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
    num_genres = len(GENRES)

    # Movies: genres by popularity (Drama and Comedy common), titles, quality.
    scores = np.log(_GENRE_MOVIES) + rng.gumbel(size=(num_movies, num_genres))
    rank = np.argsort(np.argsort(-scores, axis=1), axis=1)
    num_movie_genres = rng.choice([1, 2, 3, 4], size=num_movies, p=[0.35, 0.35, 0.2, 0.1])
    has_genre = rank < num_movie_genres[:, None]
    no_genre = rng.random(num_movies) < 0.01
    has_genre[no_genre] = False
    genres = np.full(num_movies, "", dtype=object)
    for g, genre in enumerate(GENRES):  # alphabetical, as in movies.csv
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
