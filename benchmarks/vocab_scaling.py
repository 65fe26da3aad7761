"""Large vocabularies: training speed and memory against table size, and quality.

The setup of issue 15: two id fields (`user`, `item`) drawn Zipf-like from `N` ids each,
three small fields (10, 50 and 100 ids), two numbers; embeddings of width 16, two Dense layers
of 128, a sigmoid; batch 1,024. The label is planted: a Bernoulli draw whose log-odds add an
effect of the user, of the item, of each small field and of the first number, so a model that
learns the frequent ids' rows scores a higher ROC AUC than one that does not.

Arms, each trained on the same rows:

- `sparse`: deepcross, `compile(optimizer="adam")`: row-sparse tables with lazy Adam (default);
- `rowwise`: deepcross with `table_optimizer="rowwise_adagrad"` (learning rate 0.05), the
  optimizer the docs recommend when memory decides;
- `dense`: deepcross with `table_optimizer=None`, the tables trained as plain Keras trains them;
- `keras`: the same network written by hand in Keras 3 (one `Embedding` per table reading
  its column of one int32 matrix, one float32 matrix), Adam;
- `keras_adagrad`: the same with Keras's Adagrad, on TensorFlow only (whose Adagrad update of
  an `Embedding` Keras's tests call sparse).

Speed (the default): for each backend, table size and arm, in a process of its own (its peak
RSS is the cell's), a warm-up of a few steps, then timed steps until `--steps` or `--seconds`
is reached; examples/s over the timed steps, and the process's peak resident memory.

    python benchmarks/vocab_scaling.py                                    # 10k .. 4M rows
    python benchmarks/vocab_scaling.py --backends jax --rows 25000000 --arms rowwise --largest
    python benchmarks/vocab_scaling.py --json runs/vocab.json --plot docs/vocab-scaling.png

Quality (`--quality`): each arm trains `--epochs` epochs on `--train-rows` rows with tables of
`--rows` (one size) and reports test ROC AUC, per seed and the mean:

    python benchmarks/vocab_scaling.py --quality --backends jax --rows 100000 --seeds 0 1 2

Speed is measured here, never asserted in tests.
"""

import argparse
import json
import math
import os
import pathlib
import resource
import subprocess
import sys
import time

BACKENDS = ("jax", "tensorflow", "torch")
ARMS = ("sparse", "rowwise", "dense", "keras", "keras_adagrad")
ROWS = (10_000, 100_000, 1_000_000, 4_000_000)
SMALL = {"f1": 10, "f2": 50, "f3": 100}  # the three small fields and their ids
DIM = 16
ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's deepcross, not an installed one


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--rows", nargs="+", type=int, default=list(ROWS), help="ids per table")
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=ARMS)
    parser.add_argument("--largest", action="store_true", help="allow tables over 4M rows")
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=200, help="most timed steps per cell")
    parser.add_argument("--seconds", type=float, default=15.0, help="most timed seconds")
    parser.add_argument("--quality", action="store_true", help="test ROC AUC instead of speed")
    parser.add_argument("--train-rows", type=int, default=500_000)
    parser.add_argument("--epochs", type=int, default=2, help="epochs per --quality run")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--torch-threads", type=int, help="torch.set_num_threads in the child")
    parser.add_argument("--json", help="write the results to this JSON file")
    parser.add_argument("--plot", help="write the speed plot to this PNG file")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a JSON cell: run it, print a line
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child), args)), flush=True)
        return
    too_large = [n for n in args.rows if n > 4_000_000]
    if too_large and not args.largest:
        sys.exit(f"tables of {too_large} rows need --largest (memory: see the docstring)")
    results = []
    for backend in args.backends:
        for rows in args.rows:
            for arm in args.arms:
                if arm == "keras_adagrad" and backend != "tensorflow":
                    continue
                for seed in args.seeds if args.quality else [0]:
                    cell = {"backend": backend, "rows": rows, "arm": arm, "seed": seed}
                    result = run_cell(cell, args)
                    results.append(result)
                    print(line(result, args.quality), flush=True)
                    if args.json:  # after every cell, so an interrupted run keeps its figures
                        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))
    print()
    print(quality_table(results) if args.quality else speed_table(results))
    if args.plot and not args.quality and any("error" not in r for r in results):
        plot(results, args.plot)


def run_cell(cell, args):
    command = [sys.executable, __file__, "--child", json.dumps(cell)]
    command += sys.argv[1:] if "--child" not in sys.argv else []
    env = dict(os.environ, KERAS_BACKEND=cell["backend"], TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode:
        return cell | {"error": result.stderr.strip().splitlines()[-1][:300]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def line(result, quality):
    where = f"{result['backend']:<11}{result['rows']:>11,} {result['arm']:<14}"
    if "error" in result:
        return f"{where}failed: {result['error']}"
    if quality:
        return f"{where}seed {result['seed']}: test ROC AUC {result['auc']:.4f}"
    return (
        f"{where}{result['examples_per_second']:>10,.0f} ex/s  peak RSS "
        f"{result['peak_rss_gib']:.2f} GiB  ({result['timed_steps']} timed steps)"
    )


# --- One cell, in its own process --------------------------------------------------------------


def child(cell, args):
    import keras

    if keras.backend.backend() == "torch" and args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    keras.utils.set_random_seed(cell["seed"])
    rows, batch = cell["rows"], args.batch_size
    if args.quality:
        train = planted(rows, args.train_rows, seed=cell["seed"])
        test = planted(rows, 200_000, seed=cell["seed"] + 1000)
    else:
        train = planted(rows, batch * (args.steps + 10), seed=cell["seed"])
    model, x, spec = make_model(cell["arm"], rows, train)
    result = dict(cell, threads=os.cpu_count(), load_average=os.getloadavg())
    # Row-sparse tables are not among trainable_variables (their table optimizer trains them).
    trained = [v for v in model.weights if v.trainable or v.path.endswith("/embeddings")]
    result["parameters"] = sum(math.prod(v.shape) for v in trained)
    if args.quality:
        for _ in range(args.epochs):
            model.fit(x, train["label"], batch_size=batch, epochs=1, verbose=0, shuffle=True)
        scores = model.predict(inputs(cell["arm"], spec, test), batch_size=8192, verbose=0)
        result["auc"] = roc_auc(test["label"], scores[:, 0])
    else:
        result |= timed_fit(model, x, train["label"], batch, args)
    result["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return result


def planted(ids, n, seed):
    """`n` rows: Zipf-like user and item ids out of `ids` each, the small fields, two numbers,
    and a label drawn from the planted log-odds. Effects come from a hash of each id, so
    nothing the size of a table is held (a 25M-id table costs no memory here)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = {"user": zipf(rng, ids, n, 1), "item": zipf(rng, ids, n, 2)}
    for name, size in SMALL.items():
        frame[name] = rng.integers(0, size, n)
    frame["x1"] = rng.normal(size=n).astype("float32")
    frame["x2"] = rng.normal(size=n).astype("float32")
    logit = 1.5 * effect(frame["user"], 1) + 1.5 * effect(frame["item"], 2) + 0.5 * frame["x1"]
    for salt, name in enumerate(SMALL, 3):
        logit = logit + 0.5 * effect(frame[name], salt)
    frame["label"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype("float32")
    return pd.DataFrame(frame)


def zipf(rng, ids, n, salt):
    """Ids out of `ids`, rank r drawn with probability about 1 / (r + 1) ** 1.05 (the inverse
    of the continuous power law's CDF), ranks spread over the table by a multiplicative hash."""
    import numpy as np

    s = 1.05
    top = (ids + 1.0) ** (1 - s)
    ranks = np.floor((1 + rng.random(n) * (top - 1)) ** (1 / (1 - s)) - 1).astype("int64")
    ranks = np.minimum(ranks, ids - 1)
    return (ranks * 2_654_435_761 + salt * 97) % ids


def effect(ids, salt):
    """A fixed effect per id in [-1, 1), from a hash of the id (and the field's salt)."""
    import numpy as np

    mixed = ids.astype("uint64") * np.uint64(0x9E3779B97F4A7C15) + np.uint64(salt)
    return (mixed >> np.uint64(40)).astype("float64") / 2**23 - 1


def make_model(arm, rows, train):
    import keras

    import deepcross as dc

    spec = dc.FeatureSpec(
        [dc.IntegerIdentity(name, num_tokens=rows, dim=DIM) for name in ("user", "item")]
        + [dc.IntegerIdentity(name, num_tokens=size, dim=4) for name, size in SMALL.items()]
        + [dc.Numeric("x1"), dc.Numeric("x2")]
    ).adapt(train.head(1000))
    if arm.startswith("keras"):
        model = hand_written_model(spec)
        optimizer = "adagrad" if arm == "keras_adagrad" else "adam"
        model.compile(optimizer=keras.optimizers.get(optimizer), loss="binary_crossentropy")
    else:
        model = dc.models.EmbeddingMLP(spec, hidden_units=(128, 128))
        tables = {"sparse": "auto", "dense": None}
        table_optimizer = tables.get(arm, dc.training.RowWiseAdagrad(learning_rate=0.05))
        model.compile(optimizer="adam", table_optimizer=table_optimizer)
    return model, inputs(arm, spec, train), spec


def inputs(arm, spec, frame):
    x = spec.transform(frame)
    return [x["int32"], x["float32"]] if arm.startswith("keras") else x


def hand_written_model(spec):
    """The same network by hand: one Embedding per table reading its column of the int32
    matrix, concatenated with the float32 matrix, two Dense layers of 128, a sigmoid."""
    import keras

    ints = keras.Input((len(spec.table_names),), dtype="int32")
    floats = keras.Input((2,), dtype="float32")
    parts = [
        keras.layers.Embedding(spec.table_rows(t), spec.embedding_dim(t))(ints[:, i])
        for i, t in enumerate(spec.table_names)
    ]
    x = keras.layers.Concatenate()([*parts, floats])
    for _ in range(2):
        x = keras.layers.Dense(128, activation="relu")(x)
    return keras.Model([ints, floats], keras.layers.Dense(1, activation="sigmoid")(x))


def timed_fit(model, x, y, batch, args):
    """Fits one epoch of at most `steps + 10` batches, stopping at `--seconds` of timed steps
    after a warm-up of 3 steps (those run the compiler); examples/s over the timed steps."""
    import keras

    times = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, step, logs=None):
            times.append(time.perf_counter())
            timed = len(times) - 3
            if timed >= args.steps or (timed >= 5 and times[-1] - times[2] > args.seconds):
                self.model.stop_training = True

    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False, callbacks=[Clock()])
    steps = len(times) - 3
    return {"timed_steps": steps, "examples_per_second": steps * batch / (times[-1] - times[2])}


def roc_auc(labels, scores):
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


# --- Reports ---------------------------------------------------------------------------------


def speed_table(results):
    import pandas as pd

    frame = pd.DataFrame([r for r in results if "error" not in r])
    if frame.empty:
        return "no results"
    lines = ["| backend | table rows | " + " | ".join(shown_arms(frame)) + " |"]
    lines.append("|---|---:|" + "---:|" * len(shown_arms(frame)))
    for (backend, rows), group in frame.groupby(["backend", "rows"], sort=False):
        cells = []
        for arm in shown_arms(frame):
            hit = group[group["arm"] == arm]
            cells.append(
                ""
                if hit.empty
                else f"{hit['examples_per_second'].iloc[0]:,.0f} ex/s, "
                f"{hit['peak_rss_gib'].iloc[0]:.1f} GiB"
            )
        lines.append(f"| {backend} | {rows:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n" + ratios(frame)


def shown_arms(frame):
    return [arm for arm in ARMS if arm in set(frame["arm"])]


def ratios(frame):
    """The bars: sparse at the largest size over sparse at the smallest, and over Keras."""
    out = []
    for backend, group in frame.groupby("backend", sort=False):
        speed = group.set_index(["arm", "rows"])["examples_per_second"]
        small, large = group["rows"].min(), group["rows"].max()
        if ("sparse", small) in speed and ("sparse", large) in speed:
            own = speed["sparse", large] / speed["sparse", small]
            text = f"{backend}: sparse at {large:,} rows = {own:.2f}x its {small:,}-row speed"
            if ("keras", large) in speed:
                text += (
                    f", {speed['sparse', large] / speed['keras', large]:.1f}x hand-written Keras"
                )
            out.append(text)
    return "\n".join(out)


def quality_table(results):
    import pandas as pd

    frame = pd.DataFrame([r for r in results if "error" not in r])
    lines = [
        "| backend | table rows | arm | test ROC AUC (mean ± sd) | seeds |",
        "|---|---:|---|---|---|",
    ]
    for (backend, rows, arm), group in frame.groupby(["backend", "rows", "arm"], sort=False):
        auc = group["auc"]
        sd = auc.std(ddof=1) if len(auc) > 1 else 0.0
        lines.append(f"| {backend} | {rows:,} | {arm} | {auc.mean():.4f} ± {sd:.4f} | {len(auc)} |")
    return "\n".join(lines)


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    frame = pd.DataFrame([r for r in results if "error" not in r])
    backends = list(dict.fromkeys(frame["backend"]))
    fig, axes = plt.subplots(1, len(backends), figsize=(5 * len(backends), 4), squeeze=False)
    for ax, backend in zip(axes[0], backends):
        for arm, group in frame[frame["backend"] == backend].groupby("arm", sort=False):
            ax.plot(group["rows"], group["examples_per_second"], marker="o", label=arm)
        ax.set(xscale="log", yscale="log", title=backend, xlabel="rows per table")
        ax.set_ylabel("training examples / s")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("Training speed against table size (2 tables, dim 16, batch 1,024)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
