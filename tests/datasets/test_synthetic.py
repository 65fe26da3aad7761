"""Tests for deepcross/datasets/synthetic.py: synthetic_movielens."""

import pandas as pd
import pytest

from deepcross import datasets


def test_synthetic_is_deterministic_and_shaped_like_movielens():
    data = datasets.synthetic_movielens(num_users=80, num_movies=300, num_ratings=6000, seed=3)
    again = datasets.synthetic_movielens(num_users=80, num_movies=300, num_ratings=6000, seed=3)
    other = datasets.synthetic_movielens(num_users=80, num_movies=300, num_ratings=6000, seed=4)
    pd.testing.assert_frame_equal(data.ratings, again.ratings)
    pd.testing.assert_frame_equal(data.movies, again.movies)
    assert not data.ratings.equals(other.ratings)
    assert data.source == "synthetic"

    ratings, movies = data.ratings, data.movies
    assert list(ratings.columns) == ["userId", "movieId", "rating", "timestamp"]
    assert ratings.dtypes.tolist() == ["int64", "int64", "float64", "int64"]
    assert list(movies.columns) == ["movieId", "title", "genres"]
    assert pd.api.types.is_string_dtype(movies["title"].dtype)
    assert len(ratings) == 6000 and ratings["userId"].nunique() == 80
    assert not ratings.duplicated(["userId", "movieId"]).any()
    assert set(ratings["rating"]) <= {x / 2 for x in range(1, 11)}
    genres = set(movies["genres"].str.split("|").explode())
    assert genres <= set(datasets.GENRES) | {"(no genres listed)"}
    assert "(no genres listed)" in genres and len(genres) > 15
    assert (~movies["title"].str.contains(r"\(\d{4}\)$")).any()
    assert movies["title"].iloc[16].startswith("Movie 17")
    # Popularity is skewed: the top 10% of movies get far more than 10% of the ratings.
    top = ratings["movieId"].value_counts().head(30).sum()
    assert top > 0.25 * len(ratings)


def test_synthetic_signal_is_learnable():
    data = datasets.synthetic_movielens(num_users=100, num_movies=300, num_ratings=10_000)
    samples = datasets.build_samples(data.ratings, data.movies)
    label = samples["label"]
    assert 0.4 < label.mean() < 0.8
    assert label.corr(samples["movieAvgRating"]) > 0.15
    assert label.corr(samples["userAvgRating"]) > 0.15


def test_synthetic_invalid_arguments():
    with pytest.raises(ValueError, match="num_ratings=101"):
        datasets.synthetic_movielens(num_users=10, num_movies=10, num_ratings=101)
    with pytest.raises(ValueError, match="num_users=0"):
        datasets.synthetic_movielens(num_users=0)
