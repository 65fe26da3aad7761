"""Do an Embedding+MLP model's user and movie vectors say what the model scores? Measured.

Trains the MovieLens example's EmbeddingMLP (`examples/sparrow_embedding_mlp.py`, its
defaults: leak-free movie statistics, random split), then for each of `--users` test users
ranks the `--movies` most-rated movies two ways: by the model's own score (the user's latest
test row, each movie's own features from its latest training row, `predict_raw`), and by the
cosine similarity (and the dot product) of the user's and the movie's vectors from
`model.embedding_table`. Prints the Spearman rank correlation per user, mean and spread, next
to the correlation of the score with one plain movie feature (`movieAvgRating`):

    python benchmarks/embedding_similarity.py --seeds 42 1 2

The figures are in `docs/embeddings.md`.
"""

import argparse
import importlib.util
import json
import pathlib
import sys
import tempfile

import numpy as np
import pandas as pd

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "sparrow_embedding_mlp.py"
MOVIE_COLUMNS = [
    "movieId", "releaseYear", "movieGenre1", "movieGenre2", "movieGenre3",
    "movieRatingCount", "movieAvgRating", "movieRatingStddev",
]  # fmt: skip


def load_example():
    spec = importlib.util.spec_from_file_location("sparrow_embedding_mlp", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def correlations(model, train, test, users, movies, seed):
    """Per user: Spearman of the scores with cosine, dot product and movieAvgRating."""
    counts = train["movieId"].value_counts()
    top = counts.index[:movies]
    latest = train.sort_values("timestamp").groupby("movieId").tail(1).set_index("movieId")
    movie_rows = latest.loc[top, MOVIE_COLUMNS[1:]].reset_index()
    user_table = model.embedding_table("userId")
    movie_table = model.embedding_table("movieId")
    movie_vectors = movie_table.loc[[str(m) for m in top]].to_numpy()
    rng = np.random.default_rng(seed)
    known = test[test["userId"].astype(str).isin(user_table.index)]
    chosen = rng.choice(known["userId"].unique(), size=users, replace=False)
    rows = []
    for user in chosen:
        last = known[known["userId"] == user].sort_values("timestamp").iloc[-1]
        request = pd.DataFrame([last] * len(movie_rows)).reset_index(drop=True)
        request[MOVIE_COLUMNS] = movie_rows[MOVIE_COLUMNS].to_numpy()
        scores = pd.Series(model.predict_raw(request, verbose=0)[:, 0])
        u = user_table.loc[str(user)].to_numpy()
        dot = movie_vectors @ u
        cosine = dot / (np.linalg.norm(movie_vectors, axis=1) * np.linalg.norm(u) + 1e-12)
        rows.append(
            {
                "cosine": scores.corr(pd.Series(cosine), method="spearman"),
                "dot": scores.corr(pd.Series(dot), method="spearman"),
                "movieAvgRating": scores.corr(
                    movie_rows["movieAvgRating"].astype(float), method="spearman"
                ),
            }
        )
    return pd.DataFrame(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[42])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--movies", type=int, default=1000)
    args = parser.parse_args(argv)
    example = load_example()
    keras = example.keras
    results = []
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as out:
            options = example.parse_args(["--json", "--seed", str(seed), "--out", out])
            metrics = example.run(options)
            model = keras.saving.load_model(pathlib.Path(out) / "model.keras")
            train, test, _, _ = example.load_samples(options)
        frame = correlations(model, train, test, args.users, args.movies, seed)
        summary = {"seed": seed, "roc_auc": metrics["roc_auc"], "users": len(frame)}
        for column in frame:
            summary[column] = [round(frame[column].mean(), 3), round(frame[column].std(), 3)]
        print(json.dumps(summary), file=sys.stdout, flush=True)
        results.append(summary)
    return results


if __name__ == "__main__":
    main()
