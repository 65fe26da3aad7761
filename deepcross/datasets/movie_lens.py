"""`MovieLens`: ratings and movies, as `load_movielens` and `synthetic_movielens` return them."""

import dataclasses

import pandas as pd


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
