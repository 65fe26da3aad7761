"""What the recipes in this folder share: the data, the spec, the model and the results.

Every recipe trains the same small Embedding+MLP model on the same synthetic MovieLens-shaped
rows, so that a run on several devices or processes can be compared with a run on one. Import
this module after choosing the backend (it imports Keras).
"""

import json
import pathlib
import time

import keras

import deepcross as dc


def make_frame(rows=512, seed=0):
    """`rows` ratings as raw sample rows: user, movie, its first two genres, and the label.

    40 users (a table of 41 rows, an odd count, out-of-vocabulary row included), about 100
    movies; the label is `rating >= 3.5`.
    """
    data = dc.datasets.synthetic_movielens(
        num_users=40, num_movies=100, num_ratings=rows, seed=seed
    )
    frame = data.ratings.merge(data.movies, on="movieId", how="left")
    genres = frame["genres"].str.split("|", expand=True).reindex(columns=[0, 1])
    frame["genre1"], frame["genre2"] = genres[0], genres[1]
    frame["label"] = (frame["rating"] >= 3.5).astype("float32")
    return frame[["userId", "movieId", "genre1", "genre2", "label"]].iloc[:rows]


def make_spec():
    """The features, not yet adapted."""
    return dc.FeatureSpec(
        [
            dc.Categorical("userId", dim=8),
            dc.Categorical("movieId", dim=8),
            dc.Categorical("genre", columns=["genre1", "genre2"], dim=4),
        ]
    )


def make_model(spec, seed=0, table_optimizer="auto"):
    """The model, compiled, with its initial weights drawn from `seed`.

    Its tables train row-sparsely (lazy Adam) unless `table_optimizer` says otherwise.
    """
    keras.utils.set_random_seed(seed)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(16, 8))
    model.compile(optimizer=keras.optimizers.Adam(0.01), table_optimizer=table_optimizer)
    return model


def write_results(model, out, history, started, weights="model.weights.h5", **facts):
    """Saves the weights to `out/weights` and appends what the run did to `out/result.json`.

    `result.json` holds one JSON object per line (one per process when several write).
    """
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_weights(out / weights)
    facts |= {
        "weights": weights,
        "loss": [float(v) for v in history.history["loss"]],
        "seconds": round(time.perf_counter() - started, 2),
        "backend": keras.backend.backend(),
    }
    with open(out / "result.json", "a") as file:
        file.write(json.dumps(facts) + "\n")
    print(json.dumps(facts))
    return facts
