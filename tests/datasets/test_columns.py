"""Tests for deepcross/datasets/columns.py: the public constants."""

from deepcross import datasets


def test_constants(shared_data):
    assert datasets.GENRES == sorted(datasets.GENRES) and len(datasets.GENRES) == 19
    assert "(no genres listed)" not in datasets.GENRES
    with (shared_data / "sparrowrecsys" / "testSamples.csv").open() as lesson_file:
        header = lesson_file.readline()
    assert datasets.SAMPLE_COLUMNS == header.strip().split(",")
    assert datasets.NUMERIC_COLUMNS == [
        "releaseYear", "movieRatingCount", "movieAvgRating", "movieRatingStddev",
        "userRatingCount", "userAvgRating", "userRatingStddev",
    ]  # fmt: skip
