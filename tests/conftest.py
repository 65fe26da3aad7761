"""Shared fixtures: a small raw frame in the shape of the MovieLens samples, and its spec."""

import os
import pathlib

import keras
import numpy as np
import pandas as pd
import pytest

import deepcross as dc

GENRES = ["Action", "Comedy", "Drama", "Thriller", "Romance"]


def data_dir():
    """The shared MovieLens data: `$DEEPCROSS_DATA_DIR`, else `../shared/data` beside the repo."""
    env = os.environ.get("DEEPCROSS_DATA_DIR")
    if env:
        return pathlib.Path(env)
    return pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def _seed_and_policy():
    keras.utils.set_random_seed(1)
    policy = keras.config.dtype_policy()
    yield
    keras.config.set_dtype_policy(policy)


def make_frame(n=256, seed=0):
    """Raw rows as a CSV gives them: int ids, genre strings with gaps, numbers with NaNs.

    The label depends on the movie and the user's genre, so a model can learn it.
    """
    rng = np.random.default_rng(seed)
    movie = rng.integers(1, 30, n)
    genres = np.array(GENRES + [""], dtype=object)
    user_genres = genres[rng.integers(0, len(genres), (n, 3))]
    count = rng.integers(1, 500, n).astype(float)
    count[rng.random(n) < 0.05] = np.nan
    label = ((movie % 3 == 0) ^ (user_genres[:, 0] == "Drama")).astype("float32")
    return pd.DataFrame(
        {
            "movieId": movie,
            "movieGenre1": genres[movie % 5],
            "movieGenre2": genres[(movie * 7) % 6],
            "userGenre1": user_genres[:, 0],
            "userGenre2": user_genres[:, 1],
            "userGenre3": user_genres[:, 2],
            "ratingCount": count,
            "avgRating": rng.uniform(0.5, 5.0, n).round(2),
            "label": label,
        }
    )


def encode(feature, data):
    """One feature's model input and counts for raw `data`, through a one-feature spec."""
    spec = dc.FeatureSpec([feature])
    if not spec.is_adapted:
        spec.adapt(data)
    arrays, counts = spec.transform(data, return_counts=True, packed=False)
    return arrays[feature.name], counts[feature.name]


def make_spec():
    genre = {"table": dc.Table("genre", dim=3), "vocabulary": GENRES}
    return dc.FeatureSpec(
        [
            dc.Categorical("movieId", dim=4),
            dc.Categorical("movieGenre", columns=["movieGenre1", "movieGenre2"], **genre),
            dc.Categorical(
                "userGenre", columns=["userGenre1", "userGenre2", "userGenre3"], **genre
            ),
            dc.Numeric("ratingCount", scaling="log1p"),
            dc.Numeric("avgRating", scaling="standardize"),
        ]
    )


@pytest.fixture
def frame():
    return make_frame()


@pytest.fixture
def spec(frame):
    return make_spec().adapt(frame)
