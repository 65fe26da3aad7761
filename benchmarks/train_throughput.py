"""Training throughput: deepcross vs the same network hand-written in Keras 3, and deepcross
streamed from files vs from arrays in memory.

For each backend (each in its own process, `KERAS_BACKEND` set), each model (the lesson's
EmbeddingMLP, two 128-unit layers; DeepCrossing, two residual units of inner width 256) and
each source of data (arrays in memory; `dc.data.FeatureDataset` streaming a CSV file; the
same from a Parquet file; the Parquet file with `cache_dir`, encoded in the warm-up epoch and
read memory-mapped after), trains deepcross's model and the same network written by hand in
Keras 3 with one input array per dtype (every table-row column packed in one int32 matrix,
every numeric in one float32 matrix, lookups by slicing columns). One warm-up epoch each,
then timed epochs, every source's and both models' in turn (A B C D ...) so that drift in
the machine's load hits all; the figure is the median epoch. "Streamed / in memory" is the
median, epoch by epoch, of the in-memory epoch's time over the streamed one's next to it.

    python benchmarks/train_throughput.py                      # 3 backends, MovieLens samples
    python benchmarks/train_throughput.py --backends jax --models embedding_mlp --sources arrays
    python benchmarks/train_throughput.py --synthetic --json runs/throughput.json
    python benchmarks/train_throughput.py --synthetic --rows 3000000 --models embedding_mlp \
        --sources arrays,parquet,cached --no-hand-written    # 3M rows: streamed / in memory

Speed is measured here, never asserted in tests.
"""

import argparse
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

BACKENDS = ("tensorflow", "jax", "torch")
MODELS = ("embedding_mlp", "deep_crossing")
SOURCES = ("arrays", "csv", "parquet", "cached")
WHO = ("deepcross", "hand_written")
ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's deepcross, not an installed one


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--sources", default=",".join(SOURCES))
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per model and source")
    parser.add_argument("--synthetic", action="store_true", help="synthetic MovieLens-shaped data")
    parser.add_argument(
        "--rows", type=int, default=100_000, help="ratings of the synthetic data (default 100,000)"
    )
    parser.add_argument("--data-dir", default=os.environ.get("DEEPCROSS_DATA_DIR"))
    parser.add_argument(
        "--torch-threads",
        type=int,
        help="torch.set_num_threads for the torch backend (default: torch's own choice, one per "
        "core, which stalls when other processes share the cores; see docs/benchmarks.md)",
    )
    parser.add_argument(
        "--no-hand-written", action="store_true",
        help="time deepcross alone (for its streamed / in-memory ratios; halves the time)",
    )  # fmt: skip
    parser.add_argument(
        "--table-optimizer", default="auto", choices=["auto", "dense"],
        help="deepcross's tables: row-sparse (auto, the default) or dense, as the hand-written",
    )  # fmt: skip
    parser.add_argument("--json", help="write the results to this JSON file")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # folder of the prepared data
    return parser.parse_args(argv)


# --- The parent: data once, one process per backend, the table --------------------------------


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(args)
    os.environ.setdefault("KERAS_BACKEND", "numpy")  # the parent only builds the samples
    import deepcross as dc

    start = time.perf_counter()
    if args.synthetic:
        data = dc.datasets.synthetic_movielens(
            num_users=max(610, args.rows // 150), num_movies=max(2000, args.rows // 300),
            num_ratings=args.rows,
        )  # fmt: skip
    else:
        data = dc.datasets.load_movielens(args.data_dir)
    samples = dc.datasets.build_samples(data.ratings, data.movies, movie_stats="all")
    print(f"{len(samples):,} samples ({data.source}) in {time.perf_counter() - start:.1f} s")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        samples.to_parquet(folder / "samples.parquet", index=False)
        if "csv" in args.sources.split(","):
            samples.to_csv(folder / "samples.csv", index=False)
        for backend in args.backends.split(","):
            out = folder / f"{backend}.json"
            command = [sys.executable, __file__, "--child", str(folder), "--json", str(out)]
            names = (
                "models",
                "sources",
                "batch_size",
                "epochs",
                "torch_threads",
                "table_optimizer",
            )
            for name in names:
                if getattr(args, name) is not None:
                    command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
            command += ["--no-hand-written"] if args.no_hand_written else []
            env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
            print(f"--- {backend}", flush=True)
            subprocess.run(command, env=env, check=True, cwd=ROOT)
            results += json.loads(out.read_text())
    header = (
        f"{'backend':<11}{'model':<15}{'source':<9}{'deepcross':>11}{'by hand':>11}{'ratio':>7}"
    )
    print(f"\n{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, batch {args.batch_size}, "
          f"median of {args.epochs} epochs, examples/s")  # fmt: skip
    print(header)
    for r in results:
        print(
            f"{r['backend']:<11}{r['model']:<15}{r['source']:<9}{r['deepcross']:>11,.0f}"
            f"{r.get('hand_written', math.nan):>11,.0f}{r['ratio']:>7.2f}"
        )
    print("\ndeepcross streamed / in memory (median of epoch-by-epoch ratios)")
    for r in results:
        if "streamed_over_memory" in r:
            ratio = r["streamed_over_memory"]
            print(f"{r['backend']:<11}{r['model']:<15}{r['source']:<9}{ratio:>7.2f}")
    if args.json:
        record = {
            "command": " ".join(["python", "benchmarks/train_throughput.py", *sys.argv[1:]]),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "rows": len(samples),
            "data": data.source,
            "batch_size": args.batch_size,
            "timed_epochs": args.epochs,
            "results": results,
        }
        pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.json).write_text(json.dumps(record, indent=2) + "\n")


# --- The child: one backend -------------------------------------------------------------------


def child(args):
    sys.path.insert(0, str(ROOT / "examples"))
    import keras
    import pandas as pd
    from sparrow_embedding_mlp import make_spec

    import deepcross as dc

    if keras.backend.backend() == "torch" and args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    folder = pathlib.Path(args.child)
    samples = pd.read_parquet(folder / "samples.parquet")
    spec = make_spec().adapt(samples)
    x = spec.transform(samples)
    y = samples["label"].to_numpy("float32")
    check_layout(spec, x)
    packed = pack(spec, x)
    threads = backend_threads()
    results = []
    for model_name in args.models.split(","):
        runs = []  # (source, who, model, data): every source's epochs alternate with the others'
        for source in args.sources.split(","):
            keras.utils.set_random_seed(0)
            ours = make_model(dc, model_name, spec)
            keras.utils.set_random_seed(0)
            theirs = hand_written_model(spec, model_name)
            if source == "arrays":
                data_ours, data_theirs = (x, y), (packed, y)
            else:
                path = folder / f"samples.{'csv' if source == 'csv' else 'parquet'}"
                options = {"label": "label", "batch_size": args.batch_size}
                if source == "cached":  # written in the warm-up epoch, read memory-mapped after
                    options["cache_dir"] = folder / f"cache-{model_name}"
                data_ours = (dc.data.FeatureDataset(spec, path, **options),)
                data_theirs = (Packed(dc.data.FeatureDataset(spec, path, **options), spec),)
            runs.append((source, "deepcross", ours, data_ours))
            if not args.no_hand_written:
                runs.append((source, "hand_written", theirs, data_theirs))
        dense = {"table_optimizer": None} if args.table_optimizer == "dense" else {}
        for _, who, model, _ in runs:
            options = dense if who == "deepcross" else {}
            model.compile(optimizer="adam", loss="binary_crossentropy", **options)
        times = {(source, who): [] for source, who, _, _ in runs}
        for repeat in range(args.epochs + 1):  # the first is the warm-up
            for source, who, model, data in runs:
                seconds = epoch_seconds(model, data, args.batch_size)
                if repeat:
                    times[source, who].append(seconds)
        timed = [who for who in WHO if (args.sources.split(",")[0], who) in times]
        for source in args.sources.split(","):
            result = {
                "backend": keras.backend.backend(),
                "model": model_name,
                "source": source,
                "rows": len(y),
                **{who: len(y) / statistics.median(times[source, who]) for who in timed},
                "epoch_seconds": {who: times[source, who] for who in timed},
                "threads": threads,
                "load_average": os.getloadavg(),
            }
            result["ratio"] = result["deepcross"] / result.get("hand_written", math.nan)
            if source != "arrays" and ("arrays", "deepcross") in times:
                # Epoch by epoch, streamed against the in-memory epoch next to it in time.
                rounds = zip(times["arrays", "deepcross"], times[source, "deepcross"])
                result["streamed_over_memory"] = statistics.median(a / b for a, b in rounds)
            print(
                f"{result['backend']:<11}{model_name:<15}{source:<9}{result['deepcross']:>11,.0f}"
                f"{result.get('hand_written', math.nan):>11,.0f}{result['ratio']:>7.2f}",
                flush=True,
            )
            results.append(result)
    pathlib.Path(args.json).write_text(json.dumps(results))


def make_model(dc, name, spec):
    if name == "embedding_mlp":
        return dc.models.EmbeddingMLP(spec, hidden_units=(128, 128))
    return dc.models.DeepCrossing(spec, residual_units=(256, 256))


class EpochTimer:
    """Seconds of the one epoch a `fit` call runs, from its first batch to its last."""

    def __init__(self):
        import keras

        timer = self

        class Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                timer.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                timer.seconds = time.perf_counter() - timer.start

        self.callback = Callback()


def epoch_seconds(model, data, batch_size):
    timer = EpochTimer()
    if len(data) == 2:
        model.fit(*data, batch_size=batch_size, epochs=1, verbose=0, callbacks=[timer.callback])
    else:
        model.fit(data[0], epochs=1, verbose=0, callbacks=[timer.callback])
    return timer.seconds


def backend_threads():
    import keras

    if keras.backend.backend() == "torch":
        import torch

        return {"torch_intra_op": torch.get_num_threads(), "torch_inter_op": torch.get_num_interop_threads()}  # fmt: skip
    return {}


# --- The same network by hand: one int matrix, one float matrix ------------------------------


def int_features(spec):
    return [f for f in spec.features if f.input_dtype == "int32"]


def float_features(spec):
    return [f for f in spec.features if f.input_dtype != "int32"]


def pack(spec, inputs):
    """The hand-written model's two matrices: every table-row column in one int32 matrix,
    every numeric in one float32 matrix, features in order. `spec.transform` and
    `FeatureDataset` already give exactly these, so the hand-written model reads them as
    they are and pays nothing extra per batch."""
    return inputs["int32"], inputs["float32"]


def check_layout(spec, inputs):
    """Once, before timing: the packed matrices are the hand-written ones, built by hand."""
    import numpy as np

    by_feature = spec.layout.unpack(inputs)
    for key, features in (("int32", int_features(spec)), ("float32", float_features(spec))):
        by_hand = np.concatenate([by_feature[f.name] for f in features], axis=1)
        np.testing.assert_array_equal(inputs[key], by_hand)


def hand_written_model(spec, name, dropout=0.0):
    """What one writes by hand: slices of one int matrix looked up, means of multi-slot
    features over their filled slots, numerics standardized as one matrix, then the tower
    (with `dropout` where deepcross's `MLP` and `ResidualUnit` put it)."""
    import keras
    import numpy as np
    from keras import ops

    ints_in = keras.Input((sum(f.length for f in int_features(spec)),), dtype="int32")
    floats_in = keras.Input((len(float_features(spec)),), dtype="float32")
    tables = {
        t: keras.layers.Embedding(spec.table_rows(t), spec.embedding_dim(t), name=f"{t}_table")
        for t in spec.table_names
    }
    parts, column = [], 0
    for feature in int_features(spec):
        table = tables[feature.table.name]
        if feature.length == 1:
            parts.append(table(ints_in[:, column]))
        else:
            rows = ints_in[:, column : column + feature.length]
            mask = ops.cast(rows >= 0, "float32")[..., None]
            vectors = table(ops.maximum(rows, 0)) * mask
            parts.append(ops.sum(vectors, 1) / ops.maximum(ops.sum(mask, 1), 1.0))
        column += feature.length
    stats = [spec.learned[f.name] for f in float_features(spec)]
    mean = np.array([s["mean"] for s in stats], "float32")
    scale = np.array([(s["variance"] + 1e-6) ** -0.5 for s in stats], "float32")
    parts.append((floats_in - mean) * scale)
    x = keras.layers.Concatenate()(parts)
    if name == "embedding_mlp":
        for units in (128, 128):
            x = keras.layers.Dense(units, activation="relu")(x)
            x = keras.layers.Dropout(dropout)(x) if dropout else x
    else:
        width = x.shape[-1]
        for units in (256, 256):
            hidden = keras.layers.Dense(units, activation="relu")(x)
            hidden = keras.layers.Dropout(dropout)(hidden) if dropout else hidden
            x = keras.layers.Activation("relu")(x + keras.layers.Dense(width)(hidden))
    return keras.Model([ints_in, floats_in], keras.layers.Dense(1, activation="sigmoid")(x))


def Packed(dataset, spec):
    """A `FeatureDataset` whose batches are packed into the hand-written model's matrices (a
    Grain map over it, so Keras reads it as it reads the dataset)."""
    return dataset.map(lambda batch: (pack(spec, batch[0]), batch[1]))


if __name__ == "__main__":
    main()
