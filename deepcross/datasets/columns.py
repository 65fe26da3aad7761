"""Column names and dtypes of the sample table, and the MovieLens genres.

The sample table is the one-row-per-rating table of the Embedding+MLP lesson (SparrowRecSys)
that `build_samples` makes and `read_samples` reads. Its dtypes are the same from both:
`movieId`, `userId`, `timestamp`, `label`, `releaseYear`, `movieRatingCount`,
`userRatingCount` and `userAvgReleaseYear` are int64; `rating` and the averages and standard
deviations are float64; `movieGenre1..3`, `userGenre1..5` and `userRatedMovie1..5` are text
(pandas' default string dtype, `str`) with `""` where the value is absent, so a vocabulary
lookup treats every column of a kind alike.
"""

import numpy as np

NO_GENRE = "(no genres listed)"
"""What MovieLens writes for a movie without genres; not a genre."""

GENRES = [
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
]  # fmt: skip
"""The 19 MovieLens genres, sorted; `"(no genres listed)"` is not one of them."""

RATED_MOVIES = tuple(f"userRatedMovie{i}" for i in range(1, 6))
MOVIE_GENRES = tuple(f"movieGenre{i}" for i in range(1, 4))
USER_GENRES = tuple(f"userGenre{i}" for i in range(1, 6))

SAMPLE_COLUMNS = [
    "movieId", "userId", "rating", "timestamp", "label", "releaseYear",
    *MOVIE_GENRES,
    "movieRatingCount", "movieAvgRating", "movieRatingStddev",
    *RATED_MOVIES,
    "userRatingCount", "userAvgReleaseYear", "userReleaseYearStddev", "userAvgRating",
    "userRatingStddev",
    *USER_GENRES,
]  # fmt: skip
"""The 27 columns of a sample table, in the order of the lesson's `testSamples.csv`."""

NUMERIC_COLUMNS = [
    "releaseYear", "movieRatingCount", "movieAvgRating", "movieRatingStddev",
    "userRatingCount", "userAvgRating", "userRatingStddev",
]  # fmt: skip
"""The lesson's 7 numeric features: release year and the movie's and user's rating stats."""

INT_COLUMNS = (
    "movieId", "userId", "timestamp", "label", "releaseYear", "movieRatingCount",
    "userRatingCount", "userAvgReleaseYear",
)  # fmt: skip
FLOAT_COLUMNS = (
    "rating", "movieAvgRating", "movieRatingStddev", "userReleaseYearStddev", "userAvgRating",
    "userRatingStddev",
)  # fmt: skip
TEXT_COLUMNS = MOVIE_GENRES + RATED_MOVIES + USER_GENRES


def with_dtypes(samples):
    """Casts the sample columns of `samples` to their dtypes (int64, float64, text), in place.

    Returns:
        `samples`.
    """
    for name in INT_COLUMNS:
        samples[name] = samples[name].astype(np.int64)
    for name in FLOAT_COLUMNS:
        samples[name] = samples[name].astype(np.float64)
    for name in TEXT_COLUMNS:
        samples[name] = samples[name].astype(object).astype(str)
    return samples
