"""The SparrowRecSys Embedding+MLP lesson on MovieLens, done with deepcross.

From raw MovieLens files to a trained, evaluated and saved model in one command:

    python examples/sparrow_embedding_mlp.py                 # ml-latest-small, random split
    python examples/sparrow_embedding_mlp.py --movie-stats all --json
    python examples/sparrow_embedding_mlp.py --samples-dir path/to/sampledata
    python examples/sparrow_embedding_mlp.py --model wide_deep   # the next lesson's model

The lesson embeds movieId, userId and the movie's and user's genres, adds rating
statistics as numeric features, labels a rating >= 3.5 as "good", and trains two
128-unit ReLU layers with a sigmoid on top. It reported 0.7472 test accuracy.

`--model wide_deep` is the next lesson's Wide&Deep: the same deep part, plus a wide (linear)
part over the cross of movieId and userRatedMovie1 (the movie being rated and the last movie
the user liked) hashed into 10,000 bins. `--model dcn` and `dcn_parallel` put keras-rs's
DCN-v2 cross network (three FeatureCross layers) before or beside the two 128-unit layers.
"""

import argparse
import contextlib
import json
import os
import pathlib
import sys
import time

STARTED = time.perf_counter()  # metrics.json's "seconds" counts start-up too
LESSON_ACCURACY = 0.7472


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--data-dir",
        help="folder with ml-latest-small (else $DEEPCROSS_DATA_DIR, the cache, or a download)",
    )
    parser.add_argument(
        "--samples-dir",
        help="train on ready-made trainingSamples.csv and "
        "testSamples.csv from this folder instead of building samples",
    )
    parser.add_argument(
        "--synthetic", action="store_true", help="use the built-in synthetic MovieLens-shaped data"
    )
    parser.add_argument(
        "--model",
        choices=["embedding_mlp", "deep_crossing", "wide_deep", "dcn", "dcn_parallel"],
        default="embedding_mlp",
        help="the lesson's two 128-unit layers, Deep Crossing's residual units, Wide&Deep "
        "(the next lesson's: a linear part over movieId x userRatedMovie1), or DCN-v2's "
        "cross network before (dcn) or beside (dcn_parallel) the two layers (needs keras-rs)",
    )
    parser.add_argument(
        "--split",
        choices=["random", "time"],
        default="random",
        help="test rows drawn at random (20%%), or the latest 20%% of all ratings in time "
        "(one cut-off timestamp for every user)",
    )
    parser.add_argument(
        "--movie-stats",
        choices=["past", "all"],
        default="past",
        help="movie rating statistics from earlier ratings only (leak-free, "
        "default) or from all ratings, as the lesson did",
    )
    parser.add_argument(
        "--rated-movies",
        action="store_true",
        help="add userRatedMovie1..5 as a multi-valued feature sharing the movie table",
    )
    parser.add_argument(
        "--epochs", type=int, default=10, help="most epochs; stops early on validation AUC"
    )
    parser.add_argument("--batch-size", type=int, default=256, help="training batch size")
    parser.add_argument(
        "--table-optimizer",
        choices=["auto", "lazy_adam", "adagrad", "rowwise_adagrad", "sgd", "dense"],
        default="auto",
        help="how the embedding tables train: row-sparsely (auto: lazy Adam, matching Adam) "
        "or densely with Adam, as a plain Keras model does",
    )
    parser.add_argument("--seed", type=int, default=42, help="seeds the split and the weights")
    parser.add_argument("--limit", type=int, help="use only the first N ratings (smoke runs)")
    parser.add_argument("--out", help="output folder (default runs/<timestamp>/)")
    parser.add_argument("--json", action="store_true", help="print one JSON line of results")
    return parser.parse_args(argv)


if __name__ == "__main__":
    parse_args()  # --help and bad options answer at once, before the heavy imports below


@contextlib.contextmanager
def quiet_native_stderr():
    """Hides what native code writes to stderr (TensorFlow's start-up lines about oneDNN and
    CUDA, which TF_CPP_MIN_LOG_LEVEL no longer silences); Python errors still show."""
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ log lines in training
with quiet_native_stderr():
    import keras  # noqa: E402
    import numpy as np  # noqa: E402
    import pandas as pd  # noqa: E402

    import deepcross as dc  # noqa: E402


def log(args, *message):
    """Progress goes to stderr when --json keeps stdout for the result line."""
    print(*message, file=sys.stderr if args.json else sys.stdout, flush=True)


# --- 1. Data: MovieLens ratings to the lesson's sample table --------------------------------


def load_samples(args):
    if args.samples_dir:
        folder = pathlib.Path(args.samples_dir)
        missing = [
            f for f in ("trainingSamples.csv", "testSamples.csv") if not (folder / f).exists()
        ]
        if missing:
            sys.exit(f"--samples-dir {folder}: no {' or '.join(missing)} there")
        train = dc.datasets.read_samples(folder / "trainingSamples.csv")
        test = dc.datasets.read_samples(folder / "testSamples.csv")
        movies = folder / "movies.csv"
        titles = pd.read_csv(movies).set_index("movieId")["title"] if movies.exists() else {}
        return train, test, f"samples:{folder}", dict(titles)
    if args.synthetic:
        data = dc.datasets.synthetic_movielens(seed=args.seed)
    else:
        data = dc.datasets.load_movielens(args.data_dir)
    ratings = data.ratings
    if args.limit:
        ratings = ratings.iloc[: args.limit]
    start = time.perf_counter()
    samples = dc.datasets.build_samples(ratings, data.movies, movie_stats=args.movie_stats)
    log(
        args,
        f"Built {len(samples):,} samples from {len(ratings):,} ratings "
        f"({data.source}) in {time.perf_counter() - start:.1f} s",
    )
    train, test = dc.datasets.split_samples(samples, how=args.split, seed=args.seed)
    return train, test, data.source, data.movies.set_index("movieId")["title"].to_dict()


# --- 2. Features: the lesson's feature columns as one declarative spec ----------------------


WIDE_FEATURE = "movieXratedMovie1"  # The next lesson's wide part: one crossed feature.


def make_spec(rated_movies=False, wide=False):
    genre = dc.Table("genre", dim=10)  # One table for a movie's genres and a user's.
    movie = dc.Table("movieId", dim=10)  # Shared with the user's rated movies, when used.
    features = [
        dc.Categorical("movieId", table=movie),
        dc.Categorical("userId", dim=10),
        dc.Categorical("movieGenre", columns=[f"movieGenre{i}" for i in (1, 2, 3)], table=genre),
        dc.Categorical("userGenre", columns=[f"userGenre{i}" for i in range(1, 6)], table=genre),
    ]
    if rated_movies:
        features.append(
            dc.Categorical(
                "userRatedMovie", columns=[f"userRatedMovie{i}" for i in range(1, 6)], table=movie
            )
        )
    features += [dc.Numeric(name, scaling="standardize") for name in dc.datasets.NUMERIC_COLUMNS]
    if wide:  # The movie rated and the last movie the user liked, as one value, hashed.
        features.append(
            dc.Crossed(WIDE_FEATURE, columns=["movieId", "userRatedMovie1"], num_bins=10_000)
        )
    return dc.FeatureSpec(features)


# --- 3. Model, training and evaluation ------------------------------------------------------


def make_model(args, spec):
    if args.model == "deep_crossing":
        return dc.models.DeepCrossing(spec, residual_units=(256, 256), dropout=0.2)
    if args.model == "wide_deep":  # deep: every other feature, as in the Embedding+MLP model
        return dc.models.WideDeep(spec, wide=[WIDE_FEATURE], hidden_units=(128, 128), dropout=0.2)
    if args.model in ("dcn", "dcn_parallel"):
        structure = "parallel" if args.model == "dcn_parallel" else "stacked"
        return dc.models.DCN(
            spec, cross_layers=3, hidden_units=(128, 128), dropout=0.2, structure=structure
        )
    return dc.models.EmbeddingMLP(spec, hidden_units=(128, 128), dropout=0.2)


class TrainingTimer(keras.callbacks.Callback):
    """Times the training batches of each epoch (validation excluded)."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._last = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(self._last - self._start)

    def examples_per_second(self, examples_per_epoch):
        """Training speed over the epochs after the first, which also traces and compiles."""
        seconds = self.seconds[1:] or self.seconds
        return examples_per_epoch * len(seconds) / sum(seconds)


def evaluate(model, x, y):
    from sklearn import metrics

    scores = model.predict(x, batch_size=8192, verbose=0)[:, 0]
    clipped = np.clip(scores, 1e-7, 1 - 1e-7)
    return scores, {
        "loss": float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))),
        "accuracy": float(np.mean((scores >= 0.5) == y)),
        "roc_auc": float(metrics.roc_auc_score(y, scores)),
        "pr_auc": float(metrics.average_precision_score(y, scores)),
    }


def write_plots(out, history, y, scores, title):
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn import calibration
    from sklearn import metrics

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key in zip(axes, ["loss", "auc"]):
        for split in ("", "val_"):
            values = history.get(split + key)
            if values:
                ax.plot(
                    range(1, len(values) + 1),
                    values,
                    marker="o",
                    label="validation" if split else "training",
                )
        if history.get("val_auc"):
            best = int(np.argmax(history["val_auc"])) + 1
            ax.axvline(best, color="gray", ls=":", label=f"kept (epoch {best})")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set(xlabel="epoch", ylabel=key, title=f"Training curve: {key}")
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out / "training_curves.png", dpi=100)

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    fpr, tpr, _ = metrics.roc_curve(y, scores)
    axes[0].plot(fpr, tpr, label=f"AUC {metrics.roc_auc_score(y, scores):.3f}")
    axes[0].plot([0, 1], [0, 1], "k--", lw=0.8)
    axes[0].set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (test)")
    precision, recall, _ = metrics.precision_recall_curve(y, scores)
    axes[1].plot(recall, precision, label=f"AP {metrics.average_precision_score(y, scores):.3f}")
    axes[1].axhline(y.mean(), color="k", ls="--", lw=0.8, label=f"base rate {y.mean():.2f}")
    axes[1].set(xlabel="recall", ylabel="precision", title="Precision-recall (test)")
    observed, predicted = calibration.calibration_curve(y, scores, n_bins=10)
    axes[2].plot(predicted, observed, marker="o", label="model")
    axes[2].plot([0, 1], [0, 1], "k--", lw=0.8, label="perfect")
    axes[2].set(
        xlabel="predicted probability",
        ylabel="observed good-rating rate",
        title="Calibration (test)",
    )
    for ax in axes:
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out / "roc_pr_calibration.png", dpi=100)
    plt.close("all")


# --- 4. The lesson's closing question: what did the movie embeddings learn? ----------------


def nearest_movies(model, movie_id, titles, k=5, candidates=1000):
    """Movies whose learned embeddings are closest (cosine) to `movie_id`'s.

    Only the `candidates` most rated movies compete: the learned vocabulary is ordered by
    frequency, and a movie seen a handful of times keeps a vector close to its random start.
    """
    table = model.embedding_table("movieId").drop(index="[OOV]").iloc[:candidates]
    vectors = table.to_numpy()
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    key = str(movie_id)
    if key not in table.index:
        return []
    similarity = vectors @ vectors[table.index.get_loc(key)]
    order = [i for i in np.argsort(-similarity) if table.index[i] != key][:k]
    return [
        (table.index[i], titles.get(int(table.index[i]), "?"), float(similarity[i])) for i in order
    ]


def stopping_note(history):
    """What EarlyStopping did, for the console: it stopped after the last epoch in `history`
    and put back the weights of the epoch with the best validation AUC."""
    best = int(np.argmax(history["val_auc"]))
    return (
        f"Early stopping: stopped at epoch {len(history['val_auc'])}, kept epoch {best + 1} "
        f"(best val_auc {history['val_auc'][best]:.4f})"
    )


SYNTHETIC_NOTE = (
    "These figures come from built-in SYNTHETIC MovieLens-shaped data, not from MovieLens: "
    "they say the pipeline works, nothing about the lesson. For the real ratings, pass "
    "--data-dir DIR (a folder holding ml-latest-small/), set DEEPCROSS_DATA_DIR, or run once "
    "with network access to download ml-latest-small into ~/.cache/deepcross."
)


def main(argv=None):
    args = parse_args(argv)
    # With --json, stdout carries the result line alone: everything else goes to stderr.
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        result = run(args)
    if args.json:
        print(json.dumps(result))
    return result


def run(args):
    keras.utils.set_random_seed(args.seed)
    train, test, source, titles = load_samples(args)
    synthetic = source.startswith("synthetic")
    log(args, f"Data: {source}" + (f"\n{SYNTHETIC_NOTE}" if synthetic else ""))

    # Keras takes the validation rows from the end: shuffle them for a random split, order by
    # time for a time split, so that validation is the latest tenth as the test set is.
    if args.split == "time" and "timestamp" in train:
        train = train.sort_values("timestamp", kind="stable")
    else:
        train = train.sample(frac=1.0, random_state=args.seed)

    spec = make_spec(args.rated_movies, wide=args.model == "wide_deep").adapt(train)
    x_train, y_train = spec.transform(train), train["label"].to_numpy("float32")
    x_test, counts = spec.transform(test, return_counts=True)
    y_test = test["label"].to_numpy("float32")
    unseen = {k: c["oov"] for k, c in counts.items() if c["oov"]}
    log(
        args,
        f"Train {len(train):,} rows, test {len(test):,} rows; values unseen in training "
        f"and sent to the OOV row: {unseen or 'none'}",
    )

    model = make_model(args, spec)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        metrics=["accuracy", keras.metrics.AUC(name="auc")],
        table_optimizer=None if args.table_optimizer == "dense" else args.table_optimizer,
    )
    if not args.json:
        model.summary()
    timer = TrainingTimer()
    history = model.fit(
        x_train,
        y_train,
        validation_split=0.1,
        epochs=args.epochs,
        batch_size=args.batch_size,
        verbose=0 if args.json else 1 if sys.stdout.isatty() else 2,
        callbacks=[
            timer,
            keras.callbacks.EarlyStopping(
                "val_auc", mode="max", patience=2, restore_best_weights=True
            ),
        ],
    )
    epochs_run = len(history.history["loss"])
    best_epoch = int(np.argmax(history.history["val_auc"])) + 1
    if epochs_run < args.epochs:
        log(args, stopping_note(history.history))
    examples_per_second = timer.examples_per_second(int(len(train) * 0.9))

    scores, test_metrics = evaluate(model, x_test, y_test)
    log(args, "\nTest " + ", ".join(f"{k} {v:.4f}" for k, v in test_metrics.items()))
    note = (
        ""
        if args.movie_stats == "all" or args.samples_dir
        else " (the lesson's figure used movie statistics that leak the label; "
        "--movie-stats all compares like with like)"
    )
    if not synthetic:
        log(
            args,
            f"Accuracy vs the lesson's {LESSON_ACCURACY}: "
            f"{test_metrics['accuracy'] - LESSON_ACCURACY:+.4f}{note}",
        )
    for score, label in zip(scores[:12], y_test[:12]):
        log(
            args,
            f"Predicted good rating: {score:.2%} | Actual rating label: "
            f"{'Good Rating' if label == 1 else 'Bad Rating'}",
        )

    out = pathlib.Path(args.out or pathlib.Path("runs") / time.strftime("%Y%m%d-%H%M%S"))
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model.keras")
    title = f"{args.model}, {source}, {args.split} split, movie stats: {args.movie_stats}"
    write_plots(out, history.history, y_test, scores, title)
    probe = spec.learned["movieId"][0]
    neighbours = nearest_movies(model, probe, titles)
    log(args, f"\nMovies nearest to {probe} ({titles.get(int(probe), '?')}) by learned embedding:")
    for movie_id, title, similarity in neighbours:
        log(args, f"  {movie_id:>7}  {similarity:+.3f}  {title}")
    log(
        args,
        "(User and movie vectors live in separate tables that only meet inside the MLP, "
        "so their axes are unrelated: compare movies with movies, never users with movies. "
        "See docs/movielens.md.)",
    )

    result = {
        "model": args.model,
        "split": args.split,
        "movie_stats": "n/a" if args.samples_dir else args.movie_stats,
        "data_source": source,
        "train_rows": len(train),
        "test_rows": len(test),
        "table_optimizer": args.table_optimizer,
        "epochs_run": epochs_run,
        "best_epoch": best_epoch,
        "train_examples_per_second": round(examples_per_second),
        "backend": keras.backend.backend(),
        "seconds": round(time.perf_counter() - STARTED, 1),
        "out": str(out),
        **{k: round(v, 4) for k, v in test_metrics.items()},
    }
    (out / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    log(
        args,
        f"\nSaved the model, metrics.json and plots to {out}/ "
        f"({result['seconds']} s in all, {result['train_examples_per_second']:,} examples/s)",
    )
    log(args, f"Data: {source}" + (f"\n{SYNTHETIC_NOTE}" if synthetic else ""))
    return result


if __name__ == "__main__":
    main()
