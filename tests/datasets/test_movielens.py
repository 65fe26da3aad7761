"""Tests for deepcross/datasets/movielens.py: loading, synthetic data, samples, reading, splits.

No test touches the network: downloads are faked by replacing `urllib.request.urlopen`.
"""

import collections
import fractions
import io
import math
import os
import pathlib
import re
import statistics
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pandas as pd
import pytest

from deepcross import datasets
from deepcross.datasets import movielens

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
OFFLINE = "using built-in synthetic MovieLens-shaped data"


def shared_data():
    """`$DEEPCROSS_DATA_DIR`, else `../shared/data` beside the repository; skips if neither."""
    env = os.environ.get("DEEPCROSS_DATA_DIR")
    candidates = [pathlib.Path(env)] if env else []
    candidates.append(pathlib.Path(__file__).resolve().parents[3] / "shared" / "data")
    for path in candidates:
        if (path / "ml-latest-small" / "ratings.csv").is_file():
            return path
    pytest.skip("the shared MovieLens data folder is not available")


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
        assert frame[name].map(type).eq(str).all(), name


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


def random_table(seed, n=300):
    rng = np.random.default_rng(seed)
    pool = movielens.GENRES + ["(no genres listed)"]
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


# ------------------------------------------------------------------------------------------
# read_samples
# ------------------------------------------------------------------------------------------


def test_read_samples_lesson_file(capsys):
    path = shared_data() / "sparrowrecsys" / "testSamples.csv"
    samples = datasets.read_samples(path)
    assert samples.shape == (22440, 27)
    check_dtypes(samples)
    assert samples.attrs["bad_rows"] == []
    assert capsys.readouterr().err == ""
    first = samples.iloc[0]
    assert [first[f"userRatedMovie{i}"] for i in range(1, 6)] == ["349", "590", "150", "592", ""]
    assert (first["movieRatingCount"], first["movieAvgRating"], first["label"]) == (10759, 3.91, 0)
    fourth = samples.iloc[3]  # 135,27108,...,Comedy,"","",...
    assert (fourth["movieId"], fourth["movieGenre1"]) == (135, "Comedy")
    assert (fourth["movieGenre2"], fourth["movieGenre3"]) == ("", "")
    assert samples["label"].sum() == 12584
    assert (samples["userGenre5"] == "").sum() == 1522


def test_read_samples_round_trips_build_samples(tmp_path):
    ratings, movies = random_table(5)
    samples = datasets.build_samples(ratings, movies)
    path = tmp_path / "samples.csv"
    samples.to_csv(path, index=False)
    pd.testing.assert_frame_equal(datasets.read_samples(path), samples)


def sample_lines(count=5):
    ratings, movies = random_table(6)
    samples = datasets.build_samples(ratings, movies).head(count)
    return samples.to_csv(index=False).splitlines()


def write_bad_file(tmp_path):
    lines = sample_lines()
    header = lines[0].split(",")
    fields = lines[2].split(",")
    fields[header.index("movieRatingCount")] = "abc"
    lines[2] = ",".join(fields)  # line 3
    lines.insert(4, "")  # line 5: blank, ignored
    lines[5] = lines[5].rsplit(",", 1)[0]  # line 6: 26 fields
    fields = lines[6].split(",")
    fields[header.index("label")] = ""
    lines[6] = ",".join(fields)  # line 7: label missing
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_read_samples_bad_row_error_names_file_line_column(tmp_path):
    path = write_bad_file(tmp_path)
    with pytest.raises(ValueError) as info:
        datasets.read_samples(path)
    message = str(info.value)
    assert str(path) in message
    assert "line 3, column 'movieRatingCount': 'abc'" in message
    assert "3 bad row(s)" in message


def test_read_samples_skip_counts_and_prints(tmp_path, capsys):
    path = write_bad_file(tmp_path)
    samples = datasets.read_samples(path, on_bad_rows="skip")
    assert len(samples) == 2
    check_dtypes(samples)
    assert samples.attrs["bad_rows"] == [
        (3, "movieRatingCount", "abc"),
        (6, None, "26 fields, expected 27"),
        (7, "label", ""),
    ]
    assert capsys.readouterr().err == (
        f"read_samples: {path}: 2 rows read, 3 bad rows skipped (line 3: column "
        "movieRatingCount: 'abc'; line 6: 26 fields, expected 27; line 7: column label: "
        "missing value)\n"
    )


def test_read_samples_skip_prints_summary_with_nothing_skipped(tmp_path, capsys):
    path = tmp_path / "good.csv"
    path.write_text("\n".join(sample_lines()) + "\n")
    samples = datasets.read_samples(path, on_bad_rows="skip")
    assert len(samples) == 5
    assert capsys.readouterr().err == f"read_samples: {path}: 5 rows read, 0 bad rows skipped\n"


@pytest.mark.parametrize(
    "column, value, shown",
    [
        ("label", "2", "'2'"),
        ("userId", "3.5", "'3.5'"),
        ("userRatedMovie1", "x12", "'x12'"),
        ("movieAvgRating", "nan", "'nan'"),
    ],
)
def test_read_samples_bad_values(tmp_path, column, value, shown):
    lines = sample_lines(2)
    fields = lines[1].split(",")
    fields[lines[0].split(",").index(column)] = value
    lines[1] = ",".join(fields)
    path = tmp_path / "one.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=re.escape(f"line 2, column '{column}': {shown}")):
        datasets.read_samples(path)


def test_read_samples_missing_column_and_bad_argument(tmp_path):
    lines = sample_lines(2)
    path = tmp_path / "short.csv"
    frame = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str, keep_default_na=False)
    frame.drop(columns="userAvgRating").to_csv(path, index=False)
    with pytest.raises(ValueError, match=f"{re.escape(str(path))} has no column 'userAvgRating'"):
        datasets.read_samples(path)
    with pytest.raises(ValueError, match="on_bad_rows='ignore'"):
        datasets.read_samples(path, on_bad_rows="ignore")


# ------------------------------------------------------------------------------------------
# load_movielens
# ------------------------------------------------------------------------------------------


def test_load_movielens_from_env_data_dir(monkeypatch):
    root = shared_data()
    monkeypatch.setenv("DEEPCROSS_DATA_DIR", str(root))
    data = datasets.load_movielens()
    assert data.source == f"local:{root / 'ml-latest-small'}"
    assert data.ratings.shape == (100836, 4)
    assert data.movies.shape == (9742, 3)
    assert data.ratings.dtypes.tolist() == ["int64", "int64", "float64", "int64"]
    assert data.movies["movieId"].dtype == np.int64
    assert pd.api.types.is_string_dtype(data.movies["title"].dtype)
    assert data.ratings.iloc[0].tolist() == [1, 1, 4.0, 964982703]


def test_load_movielens_missing_data_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nowhere"))):
        datasets.load_movielens(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="neither ratings.csv"):
        datasets.load_movielens(tmp_path)


def test_load_movielens_env_data_dir_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCROSS_DATA_DIR", str(tmp_path / "gone"))
    with pytest.raises(FileNotFoundError, match="DEEPCROSS_DATA_DIR .*gone"):
        datasets.load_movielens(cache_dir=tmp_path)


RATINGS_CSV = "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n"
MOVIES_CSV = "movieId,title,genres\n1,A (1995),Drama\n"


def write_small_folder(folder, ratings_text=RATINGS_CSV, movies_text=MOVIES_CSV):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ratings.csv").write_text(ratings_text)
    (folder / "movies.csv").write_text(movies_text)


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("ratings.csv", RATINGS_CSV + "1,1,4.", "line 3, column 'timestamp': missing value"),
        ("ratings.csv", "userId,movieId,rating\n1,1,4.0\n", "no column 'timestamp'"),
        ("ratings.csv", RATINGS_CSV.replace("4.0", "good"), "column 'rating': 'good'"),
        ("ratings.csv", "", "corrupt or partial"),
        ("movies.csv", MOVIES_CSV + "2,B (19", "line 3, column 'genres': missing value"),
        ("movies.csv", "movieId,title\n1,A\n", "no column 'genres'"),
    ],
)
def test_load_movielens_corrupt_local_file(tmp_path, name, text, message):
    folder = tmp_path / "ml-latest-small"
    write_small_folder(folder, **{name.replace(".csv", "_text"): text})
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        datasets.load_movielens(tmp_path)
    assert str(folder / name) in str(info.value)


def test_load_movielens_own_copy_is_not_checksummed(tmp_path):
    write_small_folder(tmp_path)
    data = datasets.load_movielens(tmp_path)
    assert data.source == f"local:{tmp_path}"
    assert data.ratings.shape == (1, 4)


def fake_urlopen(payload):
    def urlopen(url, timeout=None):
        assert url == movielens.URL
        assert timeout is not None
        return io.BytesIO(payload)

    return urlopen


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"ml-latest-small/{name}", data)
    return buffer.getvalue()


def test_load_movielens_offline_falls_back_to_synthetic(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DEEPCROSS_DATA_DIR", raising=False)

    def offline(url, timeout=None):
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    data = datasets.load_movielens(cache_dir=tmp_path)
    assert data.source == "synthetic"
    assert len(data.ratings) == 100_000
    assert capsys.readouterr().err == (
        f"deepcross: no network (Temporary failure in name resolution); {OFFLINE}\n"
    )
    assert not (tmp_path / "ml-latest-small").exists()


def test_load_movielens_download_checksum_mismatch(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPCROSS_DATA_DIR", raising=False)
    payload = zipped(
        {"ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,1\n", "movies.csv": "x"}
    )
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(payload))
    with pytest.raises(ValueError, match="ml-latest-small/ratings.csv downloaded from .*sha256"):
        datasets.load_movielens(cache_dir=tmp_path)
    assert not (tmp_path / "ml-latest-small" / "ratings.csv").exists()


def test_load_movielens_download_then_cache(tmp_path, monkeypatch):
    root = shared_data() / "ml-latest-small"
    monkeypatch.delenv("DEEPCROSS_DATA_DIR", raising=False)
    monkeypatch.setenv("DEEPCROSS_CACHE_DIR", str(tmp_path))
    files = {name: (root / name).read_bytes() for name in ("ratings.csv", "movies.csv")}
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(zipped(files)))
    data = datasets.load_movielens()
    assert data.source == f"download:{movielens.URL}"
    assert data.ratings.shape == (100836, 4)

    monkeypatch.setattr(urllib.request, "urlopen", None)  # the cache needs no network
    cached = datasets.load_movielens()
    assert cached.source == f"cache:{tmp_path / 'ml-latest-small'}"
    pd.testing.assert_frame_equal(cached.ratings, data.ratings)

    ratings = tmp_path / "ml-latest-small" / "ratings.csv"
    ratings.write_bytes(ratings.read_bytes()[:-100])  # a cut-off cached file
    with pytest.raises(ValueError, match=f"{re.escape(str(ratings))} is corrupt or partial"):
        datasets.load_movielens()


def test_load_movielens_without_download(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DEEPCROSS_DATA_DIR", raising=False)
    monkeypatch.setattr(urllib.request, "urlopen", None)
    data = datasets.load_movielens(cache_dir=tmp_path, download=False)
    assert data.source == "synthetic"
    assert capsys.readouterr().err.count("\n") == 1


# ------------------------------------------------------------------------------------------
# synthetic_movielens
# ------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------
# split_samples
# ------------------------------------------------------------------------------------------


def frame_for_split(n=100):
    return pd.DataFrame({"timestamp": np.random.default_rng(0).permutation(n), "x": range(n)})


def test_split_random_sizes_and_determinism():
    samples = frame_for_split()
    train, test = datasets.split_samples(samples, seed=1)
    again_train, again_test = datasets.split_samples(samples, seed=1)
    _, other_test = datasets.split_samples(samples, seed=2)
    assert (len(train), len(test)) == (80, 20)
    pd.testing.assert_frame_equal(test, again_test)
    pd.testing.assert_frame_equal(train, again_train)
    assert not test.index.equals(other_test.index)
    assert sorted(train.index.tolist() + test.index.tolist()) == list(range(100))


def test_split_by_time_puts_later_rows_in_test():
    samples = frame_for_split()
    train, test = datasets.split_samples(samples, how="time", test_fraction=0.25)
    assert len(test) == 25
    assert test["timestamp"].min() > train["timestamp"].max()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"how": "user"}, "how='user'"),
        ({"test_fraction": 1.0}, "test_fraction=1.0"),
        ({"test_fraction": 0}, "test_fraction=0"),
    ],
)
def test_split_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        datasets.split_samples(frame_for_split(), **kwargs)


def test_constants():
    assert datasets.GENRES == sorted(datasets.GENRES) and len(datasets.GENRES) == 19
    assert "(no genres listed)" not in datasets.GENRES
    header = (shared_data() / "sparrowrecsys" / "testSamples.csv").open().readline()
    assert datasets.SAMPLE_COLUMNS == header.strip().split(",")
    assert datasets.NUMERIC_COLUMNS == [
        "releaseYear", "movieRatingCount", "movieAvgRating", "movieRatingStddev",
        "userRatingCount", "userAvgRating", "userRatingStddev",
    ]  # fmt: skip
