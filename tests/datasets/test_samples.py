"""Tests for deepcross/datasets/samples.py: build_samples by hand and against a plain loop."""

import collections
import fractions
import math
import re
import statistics

import numpy as np
import pandas as pd
import pytest

from deepcross import datasets
from tests.datasets.conftest import check_dtypes
from tests.datasets.conftest import random_table
from tests.datasets.conftest import typed

# ------------------------------------------------------------------------------------------
# build_samples on a hand-computed table
# ------------------------------------------------------------------------------------------

MOVIES = pd.DataFrame(
    {
        "movieId": [1, 2, 3, 4, 5, 6],
        "title": [
            "Alpha (1995)",
            "Beta (2000)",
            "Gamma",
            "Delta (1980) ",
            "Epsilon (2010)",
            "Zeta (1999) (Director's Cut)",
        ],
        "genres": [
            "Comedy|Drama",
            "Action|Comedy|Drama|Thriller",
            "(no genres listed)",
            "Action",
            "Drama|Romance",
            "Drama",
        ],
    }
)

# r0..r9 as named in the comments; listed out of time order on purpose.
RATINGS = pd.DataFrame(
    [
        (20, 1, 3.5, 150),  # r5
        (10, 1, 4.0, 100),  # r0
        (10, 2, 3.0, 200),  # r1
        (10, 3, 5.0, 200),  # r2, same second as r1
        (20, 2, 5.0, 250),  # r6
        (10, 4, 2.0, 300),  # r3
        (30, 6, 1.0, 50),  # r7, the user's only rating
        (40, 4, 5.0, 300),  # r9, same second as r3 on movie 4
        (20, 4, 4.0, 350),  # r8
        (10, 5, 4.5, 400),  # r4
    ],
    columns=["userId", "movieId", "rating", "timestamp"],
)

# Worked out by hand. User 10 before r3: r0, r1, r2 (ratings 4, 3, 5; years 1995, 2000,
# 1990; positives r0 (movie 1: Comedy, Drama) and r2 (movie 3: no genre)). Before r4: also r3
# (rating 2, year 1980): mean 3.5, sd sqrt(5/3) = 1.29; years mean 1991.25, sd
# sqrt(218.75/3) = 8.54. User 20 before r8: r5, r6 (3.5, 5 -> 4.25, sd 1.06; 1995, 2000 ->
# 1997, sd 3.54; genres Comedy 2, Drama 2, Action 1, Thriller 1). Movie 4 before r8: r3 and
# r9 (2, 5 -> 3.5, sd 2.12); nothing strictly before r3 (r9 is in the same second).
R3 = [4, 10, 2.0, 300, 0, 1980, "Action", "", "", 0, 0.0, 0.0, "3", "1", "", "", "",
      3, 1995, 5.0, 4.0, 1.0, "Comedy", "Drama", "", "", ""]  # fmt: skip
R8 = [4, 20, 4.0, 350, 1, 1980, "Action", "", "", 2, 3.5, 2.12, "2", "1", "", "", "",
      2, 1997, 3.54, 4.25, 1.06, "Comedy", "Drama", "Action", "Thriller", ""]  # fmt: skip
R4 = [5, 10, 4.5, 400, 1, 2010, "Drama", "Romance", "", 0, 0.0, 0.0, "3", "1", "", "", "",
      4, 1991, 8.54, 3.5, 1.29, "Comedy", "Drama", "", "", ""]  # fmt: skip


def test_build_samples_hand_computed_past():
    samples = datasets.build_samples(RATINGS, MOVIES)
    # r0, r5, r7, r9 have no earlier rating, r1, r2 (a tie) and r6 only one: dropped.
    pd.testing.assert_frame_equal(samples, typed([R3, R8, R4]))


def test_build_samples_hand_computed_all_movie_stats():
    samples = datasets.build_samples(RATINGS, MOVIES, movie_stats="all")
    # Movie 4: 2, 5, 4 -> mean 3.67, sd sqrt(7/3) = 1.53; movie 5: one rating, sd 0.
    expected = [row.copy() for row in (R3, R8, R4)]
    expected[0][9:12] = [3, 3.67, 1.53]
    expected[1][9:12] = [3, 3.67, 1.53]
    expected[2][9:12] = [1, 4.5, 0.0]
    pd.testing.assert_frame_equal(samples, typed(expected))


def test_build_samples_history_cap():
    samples = datasets.build_samples(RATINGS, MOVIES, history=3)
    # r4's window is now r1, r2, r3 (3, 5, 2 -> 3.33, sd 1.53; years 2000, 1990, 1980),
    # whose only positive (r2, movie 3) has no genre.
    r4 = R4.copy()
    r4[12:17] = ["3", "", "", "", ""]
    r4[17:22] = [3, 1990, 10.0, 3.33, 1.53]
    r4[22:27] = ["", "", "", "", ""]
    pd.testing.assert_frame_equal(samples, typed([R3, R8, r4]))


def test_build_samples_keeps_every_row_with_min_user_ratings_zero():
    samples = datasets.build_samples(RATINGS, MOVIES, min_user_ratings=0)
    assert len(samples) == len(RATINGS)
    assert samples["userRatingCount"].tolist() == [0, 0, 1, 1, 1, 3, 0, 0, 2, 4]
    first = samples.iloc[1]  # r0: nothing before it
    assert (first["userAvgRating"], first["userRatingStddev"], first["userRatedMovie1"]) == (
        0.0,
        0.0,
        "",
    )
    gamma = samples.iloc[3]  # r2, movie 3: no year, "(no genres listed)"
    assert gamma["releaseYear"] == 1990
    assert [gamma[f"movieGenre{i}"] for i in (1, 2, 3)] == ["", "", ""]
    zeta = samples.iloc[6]  # r7: the year is not at the end of the title
    assert zeta["releaseYear"] == 1990
    assert samples.iloc[4]["movieGenre3"] == "Drama"  # Beta: first three of four genres


@pytest.mark.parametrize("first, second", [(1, 2), (2, 1)])
def test_build_samples_equal_timestamps_later_row_is_newer(first, second):
    ratings = pd.DataFrame(
        {
            "userId": [7, 7, 7],
            "movieId": [first, second, 4],
            "rating": [4.0, 5.0, 1.0],
            "timestamp": [10, 10, 20],
        }
    )
    samples = datasets.build_samples(ratings, MOVIES)
    # Both positives are in the same second: the one later in `ratings` counts as newer.
    assert samples["userRatedMovie1"].tolist() == [str(second)]
    assert samples["userRatedMovie2"].tolist() == [str(first)]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"movie_stats": "future"}, "movie_stats='future'"),
        ({"history": 0}, "history=0"),
        ({"min_user_ratings": -1}, "min_user_ratings=-1"),
    ],
)
def test_build_samples_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        datasets.build_samples(RATINGS, MOVIES, **kwargs)


def test_build_samples_bad_inputs():
    with pytest.raises(ValueError, match="movieId.*\\[99\\]"):
        datasets.build_samples(pd.concat([RATINGS, RATINGS.iloc[:1].assign(movieId=99)]), MOVIES)
    with pytest.raises(ValueError, match="'timestamp'"):
        datasets.build_samples(RATINGS.drop(columns="timestamp"), MOVIES)
    with pytest.raises(ValueError, match="'rating'.*nan"):
        datasets.build_samples(RATINGS.assign(rating=[np.nan] + [4.0] * 9), MOVIES)
    with pytest.raises(ValueError, match="movieId 1 more than once"):
        datasets.build_samples(RATINGS, pd.concat([MOVIES, MOVIES.iloc[:1]]))


def test_build_samples_empty():
    samples = datasets.build_samples(RATINGS.iloc[:0], MOVIES)
    assert len(samples) == 0
    check_dtypes(samples)


# ------------------------------------------------------------------------------------------
# build_samples against a straightforward loop
# ------------------------------------------------------------------------------------------


def round2(value):
    """Half up to 2 decimals, on the exact value (a Fraction, or the float's own value)."""
    return math.floor(fractions.Fraction(value) * 100 + fractions.Fraction(1, 2)) / 100


def mean_sd(values):
    """Exact mean (a Fraction) and the sample standard deviation, 0 when undefined."""
    values = [fractions.Fraction(str(v)) for v in values]
    if not values:
        return 0, 0.0
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.mean(values), sd


def reference_samples(ratings, movies, movie_stats, history, min_user_ratings):
    info = {}
    for movie in movies.itertuples():
        match = re.search(r"\((\d{4})\)\s*$", movie.title.strip())
        genres = [g for g in movie.genres.split("|") if g not in ("", "(no genres listed)")]
        info[movie.movieId] = (int(match.group(1)) if match else 1990, genres)
    rows = list(ratings.itertuples(index=False))
    out = []
    for row in rows:
        year, genres = info[row.movieId]
        movie_ratings = [
            other.rating
            for other in rows
            if other.movieId == row.movieId
            and (movie_stats == "all" or other.timestamp < row.timestamp)
        ]
        earlier = sorted(
            (other.timestamp, j)
            for j, other in enumerate(rows)
            if other.userId == row.userId and other.timestamp < row.timestamp
        )
        window = [rows[j] for _, j in earlier][len(earlier) - min(history, len(earlier)) :]
        if len(window) < min_user_ratings:
            continue
        liked = [other for other in reversed(window) if other.rating >= 3.5]
        counts = collections.Counter(g for other in liked for g in info[other.movieId][1])
        top = sorted(counts, key=lambda g: (-counts[g], g))[:5]
        years = [info[other.movieId][0] for other in window]
        movie_mean, movie_sd = mean_sd(movie_ratings)
        user_mean, user_sd = mean_sd([other.rating for other in window])
        year_mean, year_sd = mean_sd(years)
        out.append(
            [row.movieId, row.userId, row.rating, row.timestamp, int(row.rating >= 3.5), year]
            + (genres + ["", "", ""])[:3]
            + [len(movie_ratings), round2(movie_mean), round2(movie_sd)]
            + ([str(other.movieId) for other in liked] + [""] * 5)[:5]
            + [len(window), int(year_mean), round2(year_sd), round2(user_mean), round2(user_sd)]
            + (top + [""] * 5)[:5]
        )
    return typed(out)


@pytest.mark.parametrize(
    "seed, movie_stats, history, min_user_ratings",
    [(0, "past", 100, 0), (1, "all", 5, 0), (2, "past", 4, 2), (3, "all", 100, 2)],
)
def test_build_samples_matches_reference_loop(seed, movie_stats, history, min_user_ratings):
    ratings, movies = random_table(seed)
    actual = datasets.build_samples(
        ratings,
        movies,
        movie_stats=movie_stats,
        history=history,
        min_user_ratings=min_user_ratings,
    )
    expected = reference_samples(ratings, movies, movie_stats, history, min_user_ratings)
    assert len(expected) > 100
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)
