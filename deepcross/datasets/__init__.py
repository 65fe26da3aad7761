"""Data for the examples and benchmarks: MovieLens and the lesson's sample table."""

from deepcross.datasets.movielens import GENRES
from deepcross.datasets.movielens import NUMERIC_COLUMNS
from deepcross.datasets.movielens import SAMPLE_COLUMNS
from deepcross.datasets.movielens import MovieLens
from deepcross.datasets.movielens import build_samples
from deepcross.datasets.movielens import load_movielens
from deepcross.datasets.movielens import read_samples
from deepcross.datasets.movielens import split_samples
from deepcross.datasets.movielens import synthetic_movielens

__all__ = [
    "GENRES",
    "NUMERIC_COLUMNS",
    "SAMPLE_COLUMNS",
    "MovieLens",
    "build_samples",
    "load_movielens",
    "read_samples",
    "split_samples",
    "synthetic_movielens",
]
