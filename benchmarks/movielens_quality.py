"""MovieLens quality: deepcross against the same network written by hand in Keras 3.

The protocol of issue 14, on the MovieLens example's data (`examples/sparrow_embedding_mlp.py`:
its samples, split, feature spec and labels, reused from it): **all** training rows (no
validation split, no early stopping), batch 256, Adam 1e-3 (the example's), the example's
dropout, and the test split's ROC AUC, accuracy and PR AUC after each epoch, over seeds. Three
arms per model and seed, on the same rows:

- `deepcross`: the example's model, compiled as the example compiles it (row-sparse tables,
  lazy Adam: the default `table_optimizer="auto"`);
- `deepcross_dense`: the same with `table_optimizer=None` (dense Adam on the tables, as a
  plain Keras model trains them);
- `keras`: the same network written by hand in Keras 3 (`benchmarks/train_throughput.py`'s
  `hand_written_model`, with the example's dropout), reading the same two matrices that
  `spec.transform` makes. Before it trains, the run copies a deepcross model's weights into a
  second hand-written one and checks that both score the test rows alike (`same_network`:
  the largest difference in score) and have as many parameters.

Each (model, arm, seed) runs in its own process, seeded before its samples and again before
its model is built; each result line (per-epoch lists) is appended to a JSON-lines file, and
runs already there are skipped, so an interrupted grid resumes. Then the table and the plot:

    python benchmarks/movielens_quality.py --out runs/quality.jsonl \
        --plot docs/movielens-quality.png
    python benchmarks/movielens_quality.py --out runs/quality.jsonl --movie-stats all \
        --plot runs/movielens-quality-all.png
    python benchmarks/movielens_quality.py --out runs/quality.jsonl --table-only
    python benchmarks/movielens_quality.py --limit 20000 --epochs 2 --seeds 1 \
        --out /tmp/q/quality.jsonl --plot /tmp/q/quality.png       # a smoke run, ~2 minutes

The seed draws the random split and the weights, so every arm of a seed sees the same rows.
Runs use JAX unless `KERAS_BACKEND` says otherwise (the backend is part of a run's key, as are
`--split`, `--movie-stats`, `--epochs` and `--limit`). Each run reads MovieLens as the example
does ($DEEPCROSS_DATA_DIR, ...). `params` counts the weights that training updates: the
Keras-trainable ones and the row-sparse tables.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODELS = ["embedding_mlp", "deep_crossing"]
ARMS = ["deepcross", "deepcross_dense", "keras"]
LABELS = {
    "deepcross": "deepcross (row-sparse tables)",
    "deepcross_dense": "deepcross, dense tables",
    "keras": "hand-written Keras 3",
}
BATCH_SIZE = 256
LEARNING_RATE = 1e-3  # the example's Adam(1e-3)
METRICS = ("roc_auc", "accuracy", "pr_auc", "loss")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", default="runs/quality.jsonl", help="JSON-lines file of results (appended)"
    )
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--arms", nargs="+", default=ARMS, choices=ARMS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[42, 1, 2])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--split", default="random", choices=["random", "time"])
    parser.add_argument("--movie-stats", default="past", choices=["past", "all"])
    parser.add_argument("--limit", type=int, help="use only the first N ratings (smoke runs)")
    parser.add_argument("--plot", help="write the mean test ROC AUC per epoch to this PNG file")
    parser.add_argument("--table-only", action="store_true", help="print the table, run nothing")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one run, as JSON
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))), flush=True)
        return
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not args.table_only:
        run_grid(args, out)
    wanted = {"split": args.split, "movie_stats": args.movie_stats, "epochs": args.epochs,
              "limit": args.limit, "backend": backend()}  # fmt: skip
    rows = [
        r
        for r in read(out)
        if all(r[k] == v for k, v in wanted.items())
        and r["model"] in args.models
        and r["arm"] in args.arms
    ]
    rows.sort(key=lambda r: (MODELS.index(r["model"]), ARMS.index(r["arm"]), r["seed"]))
    print(f"\n{', '.join(f'{k} {v}' for k, v in wanted.items())}\n")
    print(table(rows))
    if args.plot and rows:
        plot(rows, args.plot)
        print(f"\nPlot: {args.plot}")


def backend():
    """The runs' Keras backend: JAX unless `KERAS_BACKEND` says otherwise."""
    return os.environ.setdefault("KERAS_BACKEND", "jax")


def key(row):
    return tuple(
        row[k]
        for k in ("model", "arm", "seed", "split", "movie_stats", "epochs", "limit", "backend")
    )


def run_grid(args, out):
    done = {key(row) for row in read(out)}
    env = dict(os.environ, KERAS_BACKEND=backend())
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for seed in args.seeds:
        for model in args.models:
            for arm in args.arms:
                run = {"model": model, "arm": arm, "seed": seed, "split": args.split,
                       "movie_stats": args.movie_stats, "epochs": args.epochs,
                       "limit": args.limit, "backend": backend()}  # fmt: skip
                if key(run) in done:
                    continue
                command = [sys.executable, __file__, "--child", json.dumps(run)]
                result = subprocess.run(command, capture_output=True, text=True, env=env)
                if result.returncode:
                    sys.exit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
                row = json.loads(result.stdout.strip().splitlines()[-1])
                with out.open("a") as file:
                    file.write(json.dumps(row) + "\n")
                aucs = " ".join(f"{a:.4f}" for a in row["roc_auc"])
                check = f", same_network {row['same_network']:.1e}" if arm == "keras" else ""
                print(
                    f"{model} {arm} seed {seed}: params {row['params']:,}{check}, "
                    f"test ROC AUC by epoch {aucs} ({row['seconds']:.0f} s)",
                    flush=True,
                )


def read(out):
    """The result lines of `out`; lines written before `params`, `limit` and `backend` were
    recorded (`parameters`; full data; JAX, as docs/movielens.md says) read as they meant."""
    if not out.exists():
        return []
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    for row in rows:
        if "parameters" in row:
            row["params"] = row.pop("parameters")
        row.setdefault("limit", None)
        row.setdefault("backend", "jax")
    return rows


# --- One run, in its own process ---------------------------------------------------------------


def load_module(path):
    """A script of this checkout as a module (`examples/` and `benchmarks/` are no packages)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def child(run):
    start = time.perf_counter()
    sys.path.insert(0, str(ROOT))  # this checkout's deepcross, not an installed one
    example = load_module(ROOT / "examples" / "sparrow_embedding_mlp.py")
    throughput = load_module(ROOT / "benchmarks" / "train_throughput.py")
    import keras

    example_args = example.parse_args(
        ["--model", run["model"], "--split", run["split"], "--movie-stats", run["movie_stats"],
         "--seed", str(run["seed"]), "--json"]
        + (["--limit", str(run["limit"])] if run["limit"] else [])
    )  # fmt: skip
    keras.utils.set_random_seed(run["seed"])  # as the example's run() starts
    train, test, source, _ = example.load_samples(example_args)
    # As the example's run() orders the training rows before it adapts the spec.
    if run["split"] == "time" and "timestamp" in train:
        train = train.sort_values("timestamp", kind="stable")
    else:
        train = train.sample(frac=1.0, random_state=run["seed"])
    spec = example.make_spec(example_args.rated_movies).adapt(train)
    x, y = spec.transform(train), train["label"].to_numpy("float32")
    x_test, y_test = spec.transform(test), test["label"].to_numpy("float32")

    result = dict(run, data_source=source, rows=len(y), test_rows=len(y_test))
    keras.utils.set_random_seed(run["seed"])
    if run["arm"] == "keras":
        reference = example.make_model(example_args, spec)
        dropout = reference.dropout
        twin = throughput.hand_written_model(spec, run["model"], dropout=dropout)
        result["same_network"] = same_network(reference, twin, x_test)
        if result["same_network"] > 1e-4:
            sys.exit(
                f"The hand-written {run['model']} scores the test rows up to "
                f"{result['same_network']:.2g} away from deepcross's with the same weights"
            )
        if parameters(twin) != parameters(reference):
            sys.exit(
                f"The hand-written {run['model']} has {parameters(twin):,} parameters, "
                f"deepcross's {parameters(reference):,}: not the same network"
            )
        keras.utils.set_random_seed(run["seed"])  # the run starts as if no check had run
        model = throughput.hand_written_model(spec, run["model"], dropout=dropout)
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="binary_crossentropy")
        x, x_test = [x["int32"], x["float32"]], [x_test["int32"], x_test["float32"]]
    else:
        model = example.make_model(example_args, spec)
        model.compile(
            optimizer=keras.optimizers.Adam(LEARNING_RATE),
            table_optimizer=None if run["arm"] == "deepcross_dense" else "auto",
        )
    result["dropout"] = float(dropout if run["arm"] == "keras" else model.dropout)
    result["params"] = parameters(model)
    result.update({name: [] for name in METRICS})

    class TestEachEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            _, scores = example.evaluate(self.model, x_test, y_test)
            for name in METRICS:
                result[name].append(round(scores[name], 5))

    model.fit(
        x, y, batch_size=BATCH_SIZE, epochs=run["epochs"], verbose=0, callbacks=[TestEachEpoch()]
    )
    result["seconds"] = round(time.perf_counter() - start, 1)
    return result


def parameters(model):
    """The weights training updates: Keras's trainable ones and row-sparse tables (which a
    deepcross table optimizer trains, so Keras counts them as non-trainable)."""
    import numpy as np

    count = sum(int(np.prod(v.shape)) for v in model.trainable_weights)
    if any(layer.name == "embedding_stack" for layer in model.layers):
        tables = model.get_layer("embedding_stack").embeddings.values()
        count += sum(t.input_dim * t.output_dim for t in tables if t.table_optimizer is not None)
    return count


def same_network(reference, hand_written, x_test, rows=4096):
    """The largest difference in test score once `hand_written` holds `reference`'s weights:
    the tables by name, the tower's and the head's weights in order."""
    import keras
    import numpy as np

    stack = reference.get_layer("embedding_stack")
    for name, layer in stack.embeddings.items():
        table = hand_written.get_layer(f"{name}_table").embeddings
        table.assign(keras.ops.convert_to_numpy(layer.embeddings))  # a copy, not the buffer
    ours = [v for v in reference.weights if not v.path.startswith("embedding_stack/")]
    theirs = [v for v in hand_written.weights if "_table/" not in v.path]
    if [tuple(v.shape) for v in ours] != [tuple(v.shape) for v in theirs]:
        sys.exit(
            "The hand-written tower's weights differ from deepcross's: "
            f"{[tuple(v.shape) for v in theirs]} against {[tuple(v.shape) for v in ours]}"
        )
    for mine, other in zip(theirs, ours):
        mine.assign(keras.ops.convert_to_numpy(other))
    x = {k: v[:rows] for k, v in x_test.items()}
    a = reference.predict(x, batch_size=rows, verbose=0)
    b = hand_written.predict([x["int32"], x["float32"]], batch_size=rows, verbose=0)
    return float(np.max(np.abs(a - b)))


# --- Reports ---------------------------------------------------------------------------------


def summarize(rows):
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(rows)
    frame["best"] = frame["roc_auc"].map(max)
    frame["best_epoch"] = frame["roc_auc"].map(lambda a: int(np.argmax(a)) + 1)
    frame["last"] = frame["roc_auc"].map(lambda a: a[-1])
    frame["accuracy_at_best"] = [
        acc[e - 1] for acc, e in zip(frame["accuracy"], frame["best_epoch"])
    ]
    return frame


def plus_minus(values):
    sd = f"{values.std(ddof=1):.4f}" if len(values) > 1 else "n/a"
    return f"{values.mean():.4f} ± {sd}"


def table(rows):
    import numpy as np

    if not rows:
        return "no runs"
    frame = summarize(rows)
    lines = [
        "| model | arm | best-epoch test ROC AUC (mean ± sd) | last-epoch ROC AUC "
        "| accuracy at best epoch | epoch of best (mean) | seeds |",
        "|---|---|---|---|---|---|---|",
    ]
    groups = list(frame.groupby(["model", "arm"], sort=False))
    for (model, arm), group in groups:
        lines.append(
            f"| {model} | {arm} | {plus_minus(group['best'])} | {group['last'].mean():.4f} "
            f"| {group['accuracy_at_best'].mean():.4f} | {group['best_epoch'].mean():.1f} "
            f"| {len(group)} |"
        )
    epochs = len(frame["roc_auc"].iloc[0])
    lines += [
        "\nMean test ROC AUC by epoch:\n",
        "| model | arm | " + " | ".join(f"epoch {e}" for e in range(1, epochs + 1)) + " |",
        "|---|---|" + "---|" * epochs,
    ]
    for (model, arm), group in groups:
        by_epoch = np.mean(np.stack(group["roc_auc"].to_list()), axis=0)
        lines.append(f"| {model} | {arm} | " + " | ".join(f"{a:.4f}" for a in by_epoch) + " |")
    lines.append("\nBest-epoch test ROC AUC, differences of the means (sd over paired seeds):\n")
    for model in dict.fromkeys(frame["model"]):
        best = frame[frame["model"] == model].pivot(index="seed", columns="arm", values="best")
        for a, b in (("deepcross", "keras"), ("deepcross", "deepcross_dense"),
                     ("deepcross_dense", "keras")):  # fmt: skip
            if a in best and b in best:
                gap = best[a].mean() - best[b].mean()
                paired = (best[a] - best[b]).dropna()
                sd = f"{paired.std(ddof=1):.4f}" if len(paired) > 1 else "n/a"
                lines.append(f"- {model}: {a} - {b} = {gap:+.4f} (sd {sd}, {len(paired)} seeds)")
    return "\n".join(lines)


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(rows)
    models = list(dict.fromkeys(frame["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(6 * len(models), 4.2), squeeze=False)
    for ax, model in zip(axes[0], models):
        for arm, group in frame[frame["model"] == model].groupby("arm", sort=False):
            aucs = np.stack(group["roc_auc"].to_list())
            epochs = np.arange(1, aucs.shape[1] + 1)
            color = f"C{ARMS.index(arm)}"
            ax.plot(epochs, aucs.mean(axis=0), marker="o", color=color,
                    label=f"{LABELS[arm]} ({len(aucs)} seed{'s' * (len(aucs) > 1)})")  # fmt: skip
            ax.fill_between(epochs, aucs.min(axis=0), aucs.max(axis=0), color=color, alpha=0.2)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set(title=model, xlabel="epoch", ylabel="test ROC AUC")
        ax.grid(True, alpha=0.3)
        ax.legend()
    first = rows[0]
    limit = f", first {first['limit']:,} ratings" if first["limit"] else ""
    fig.suptitle(
        f"MovieLens, {first['split']} split, movie stats {first['movie_stats']}{limit}, "
        f"{first['backend']}: mean, and min to max over seeds"
    )
    fig.tight_layout()
    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
