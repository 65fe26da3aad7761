"""MovieLens quality: deepcross against the same network written by hand in Keras 3.

The protocol of issue 14: the example's features (`examples/sparrow_embedding_mlp.py`'s
`make_spec`), all training rows (no validation split, no early stopping), batch 256, Adam
1e-3, dropout 0.2, test ROC AUC after each epoch, over seeds. Arms, on the same rows and
starting from the same seed:

- `deepcross`: the example's model, compiled as the example does (row-sparse tables,
  lazy Adam: the default);
- `deepcross_dense`: the same with `table_optimizer=None` (dense Adam on the tables, as a
  plain Keras model trains them);
- `keras`: the same network by hand in Keras 3 (`train_throughput.hand_written_model`, with
  the dropout), reading the same two matrices.

Each (model, arm, seed) runs in its own process; each result line is appended to a JSON-lines
file, and runs already there are skipped, so an interrupted grid resumes:

    python benchmarks/movielens_quality.py --out runs/quality.jsonl \
        --plot docs/movielens-quality.png
    python benchmarks/movielens_quality.py --out runs/quality.jsonl --movie-stats all

The seed draws the random split and the weights, so every arm of a seed sees the same rows.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODELS = ["embedding_mlp", "deep_crossing"]
ARMS = ["deepcross", "deepcross_dense", "keras"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="JSON-lines file of results (appended)")
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--arms", nargs="+", default=ARMS, choices=ARMS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[42, 1, 2])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--split", default="random", choices=["random", "time"])
    parser.add_argument("--movie-stats", default="past", choices=["past", "all"])
    parser.add_argument("--limit", type=int, help="use only the first N ratings (smoke runs)")
    parser.add_argument("--plot", help="write test ROC AUC per epoch to this PNG file")
    parser.add_argument("--table-only", action="store_true", help="print the table, run nothing")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one run, as JSON
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child), args)), flush=True)
        return
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not args.table_only:
        run_grid(args, out)
    rows = [
        r for r in read(out) if r["split"] == args.split and r["movie_stats"] == args.movie_stats
    ]
    print(table(rows))
    if args.plot and rows:
        plot(rows, args.plot)


def key(row):
    return row["model"], row["arm"], row["seed"], row["split"], row["movie_stats"], row["epochs"]


def run_grid(args, out):
    done = {key(row) for row in read(out)}
    for seed in args.seeds:
        for model in args.models:
            for arm in args.arms:
                run = {"model": model, "arm": arm, "seed": seed, "split": args.split,
                       "movie_stats": args.movie_stats, "epochs": args.epochs}  # fmt: skip
                if key(run) in done:
                    continue
                command = [sys.executable, __file__, "--child", json.dumps(run), "--out", str(out)]
                command += ["--limit", str(args.limit)] if args.limit else []
                result = subprocess.run(command, capture_output=True, text=True, env=os.environ)
                if result.returncode:
                    sys.exit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
                row = json.loads(result.stdout.strip().splitlines()[-1])
                with out.open("a") as file:
                    file.write(json.dumps(row) + "\n")
                aucs = " ".join(f"{a:.4f}" for a in row["roc_auc"])
                print(f"{model} {arm} seed {seed}: test ROC AUC by epoch {aucs}", flush=True)


def read(out):
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text().splitlines() if line.strip()]


# --- One run, in its own process ---------------------------------------------------------------


def child(run, args):
    sys.path[:0] = [str(ROOT), str(ROOT / "examples"), str(ROOT / "benchmarks")]
    import keras
    import numpy as np
    import sparrow_embedding_mlp as example
    from train_throughput import hand_written_model

    example_args = example.parse_args(
        ["--split", run["split"], "--movie-stats", run["movie_stats"], "--seed", str(run["seed"])]
        + ["--model", run["model"], "--json"]
        + (["--limit", str(args.limit)] if args.limit else [])
    )
    keras.utils.set_random_seed(run["seed"])
    train, test, _, _ = example.load_samples(example_args)
    train = train.sample(frac=1.0, random_state=run["seed"])  # as the example does
    spec = example.make_spec().adapt(train)
    x, y = spec.transform(train), train["label"].to_numpy("float32")
    x_test, y_test = spec.transform(test), test["label"].to_numpy("float32")
    keras.utils.set_random_seed(run["seed"])
    if run["arm"] == "keras":
        model = hand_written_model(spec, run["model"], dropout=0.2)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
        x, x_test = [x["int32"], x["float32"]], [x_test["int32"], x_test["float32"]]
    else:
        model = example.make_model(example_args, spec)
        dense = run["arm"] == "deepcross_dense"
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3), table_optimizer=None if dense else "auto"
        )
    trained = [v for v in model.weights if v.trainable or v.path.endswith("/embeddings")]
    result = dict(run, parameters=sum(int(np.prod(v.shape)) for v in trained), rows=len(y))
    for name in ("roc_auc", "accuracy", "pr_auc"):
        result[name] = []
    for _ in range(run["epochs"]):
        model.fit(x, y, batch_size=256, epochs=1, verbose=0)
        _, metrics = example.evaluate(model, x_test, y_test)
        for name in ("roc_auc", "accuracy", "pr_auc"):
            result[name].append(round(metrics[name], 5))
    return result


# --- Reports ---------------------------------------------------------------------------------


def table(rows):
    import numpy as np
    import pandas as pd

    if not rows:
        return "no runs"
    frame = pd.DataFrame(rows)
    frame["best"] = frame["roc_auc"].map(max)
    frame["best_epoch"] = frame["roc_auc"].map(lambda a: int(np.argmax(a)) + 1)
    frame["last"] = frame["roc_auc"].map(lambda a: a[-1])
    frame["accuracy_at_best"] = [
        acc[e - 1] for acc, e in zip(frame["accuracy"], frame["best_epoch"])
    ]
    lines = [
        "| model | arm | best-epoch ROC AUC (mean ± sd) | last-epoch ROC AUC | accuracy at best "
        "| best epoch (mean) | mean ROC AUC by epoch | seeds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    best = {}
    for (model, arm), group in frame.groupby(["model", "arm"], sort=False):
        best[model, arm] = group["best"].mean()
        by_epoch = np.mean(np.stack(group["roc_auc"].to_list()), axis=0)
        lines.append(
            f"| {model} | {arm} | {group['best'].mean():.4f} ± {group['best'].std(ddof=1):.4f} "
            f"| {group['last'].mean():.4f} | {group['accuracy_at_best'].mean():.4f} "
            f"| {group['best_epoch'].mean():.1f} | {' '.join(f'{a:.4f}' for a in by_epoch)} "
            f"| {len(group)} |"
        )
    for model in dict.fromkeys(frame["model"]):
        for other in ("keras", "deepcross_dense"):
            if (model, "deepcross") in best and (model, other) in best:
                gap = best[model, "deepcross"] - best[model, other]
                lines.append(f"\n{model}: deepcross - {other} = {gap:+.4f} (best-epoch ROC AUC)")
    return "\n".join(lines)


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(rows)
    models = list(dict.fromkeys(frame["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(6 * len(models), 4), squeeze=False)
    for ax, model in zip(axes[0], models):
        for arm, group in frame[frame["model"] == model].groupby("arm", sort=False):
            aucs = np.stack(group["roc_auc"].to_list())
            epochs = np.arange(1, aucs.shape[1] + 1)
            ax.plot(epochs, aucs.mean(axis=0), marker="o", label=f"{arm} ({len(aucs)} seeds)")
            ax.fill_between(epochs, aucs.min(axis=0), aucs.max(axis=0), alpha=0.2)
        ax.set(title=model, xlabel="epoch", ylabel="test ROC AUC")
        ax.grid(True, alpha=0.3)
        ax.legend()
    first = rows[0]
    fig.suptitle(
        f"MovieLens, split {first['split']}, movie stats {first['movie_stats']}: mean and "
        "min-max over seeds"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
