"""Data for the examples and benchmarks: MovieLens and the lesson's sample table."""

from deepcross.datasets.columns import GENRES
from deepcross.datasets.columns import NUMERIC_COLUMNS
from deepcross.datasets.columns import SAMPLE_COLUMNS
from deepcross.datasets.download import load_movielens
from deepcross.datasets.movie_lens import MovieLens
from deepcross.datasets.sample_files import read_samples
from deepcross.datasets.samples import build_samples
from deepcross.datasets.splits import split_samples
from deepcross.datasets.synthetic import synthetic_movielens

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
