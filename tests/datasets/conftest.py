"""Helpers for the tests of deepcross/datasets: the shared data, typed frames, dtype checks."""

import logging

import numpy as np
import pandas as pd
import pytest

from deepcross import datasets
from tests.conftest import data_dir

INTS = [
    "movieId", "userId", "timestamp", "label", "releaseYear", "movieRatingCount",
    "userRatingCount", "userAvgReleaseYear",
]  # fmt: skip
FLOATS = [
    "rating", "movieAvgRating", "movieRatingStddev", "userReleaseYearStddev", "userAvgRating",
    "userRatingStddev",
]  # fmt: skip
TEXTS = [f"movieGenre{i}" for i in range(1, 4)] + [f"userRatedMovie{i}" for i in range(1, 6)]
TEXTS += [f"userGenre{i}" for i in range(1, 6)]


@pytest.fixture
def shared_data():
    """The shared data folder (`$DEEPCROSS_DATA_DIR`, else `../shared/data`); skips without."""
    path = data_dir()
    if not (path / "ml-latest-small" / "ratings.csv").is_file():
        pytest.skip("the shared MovieLens data folder is not available")
    return path


def typed(rows):
    """A sample frame from literal rows in SAMPLE_COLUMNS order, with the documented dtypes."""
    frame = pd.DataFrame(rows, columns=datasets.SAMPLE_COLUMNS)
    for name in INTS:
        frame[name] = frame[name].astype("int64")
    for name in FLOATS:
        frame[name] = frame[name].astype("float64")
    for name in TEXTS:
        frame[name] = frame[name].astype(object).astype(str)
    return frame


def check_dtypes(frame):
    assert list(frame.columns[:27]) == datasets.SAMPLE_COLUMNS
    for name in INTS:
        assert frame[name].dtype == np.int64, name
    for name in FLOATS:
        assert frame[name].dtype == np.float64, name
    for name in TEXTS:
        assert pd.api.types.is_string_dtype(frame[name].dtype), name
        assert all(isinstance(value, str) for value in frame[name]), name


def random_table(seed, n=300):
    """Random ratings of 25 movies by 12 users, many in the same second."""
    rng = np.random.default_rng(seed)
    pool = datasets.GENRES + ["(no genres listed)"]
    genres = ["|".join(rng.choice(pool, rng.integers(1, 5), replace=False)) for _ in range(25)]
    titles = [f"M{i} ({1950 + 3 * i})" if i % 4 else f"M{i}" for i in range(25)]
    movies = pd.DataFrame({"movieId": np.arange(100, 125), "title": titles, "genres": genres})
    ratings = pd.DataFrame(
        {
            "userId": rng.integers(1, 13, n),
            "movieId": rng.integers(100, 125, n),
            "rating": rng.integers(1, 11, n) / 2,
            "timestamp": rng.integers(0, 60, n),  # many ratings share a second
        }
    )
    return ratings, movies


@pytest.fixture
def log(caplog):
    """The records of the `deepcross` logger, INFO and up."""
    caplog.set_level(logging.INFO, logger="deepcross")
    return caplog


def messages(log):
    """(level, message) of each record of the `deepcross` loggers."""
    return [(r.levelname, r.getMessage()) for r in log.records if r.name.startswith("deepcross")]
