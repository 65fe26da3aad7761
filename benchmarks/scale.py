"""Scale: deepcross's cost on a synthetic Sparrow-shaped data set of N rows.

Generates N rows shaped like the SparrowRecSys samples (1M users, 200k movies; movieId,
userId, movieGenre1..3, userGenre1..5, the 7 rating statistics, label) in chunks, writes
them to one Parquet file, and measures, each step in its own process so that each has its
own peak resident memory (`resource.getrusage`):

- adapt: `spec.adapt(path)` from the Parquet file (seconds; building the spec, which may
  import TensorFlow, is timed apart as `spec_seconds`);
- encode: `spec.transform` of the file read a chunk at a time (rows/s, encoding alone);
- memory: the file encoded into arrays chunk by chunk, then one epoch of `fit` on them;
- streamed: one epoch of `fit` on `dc.data.FeatureDataset(spec, path)` (read, encode, batch
  as it trains), then one whole pass of a fresh `dc.data.FeatureDataset(spec, path)` without
  training (rows/s), so the peak memory covers reading the whole file even when
  `--train-batches` cuts training short.

Training speed leaves out the first 20 batches (tracing, compiling). `--train-batches N`
trains on the first N batches only (`steps_per_epoch`): at 20M rows a full epoch takes
many minutes on a small machine.

    python benchmarks/scale.py                                  # 1M rows
    python benchmarks/scale.py --rows 5000000,20000000 --json runs/scale.json --plot runs/scale.png

Results of earlier runs at other sizes kept in `--json` stay there, and the plot shows them
all. Speed and memory are measured here, never asserted in tests.
"""

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's deepcross, not an installed one
USERS, MOVIES, CHUNK = 1_000_000, 200_000, 1_000_000
STEPS = ("adapt", "encode", "memory", "streamed")
WARMUP_BATCHES = 20
GIB = 2**30


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="1000000", help="row counts, comma-separated")
    parser.add_argument("--backend", default="jax", help="KERAS_BACKEND of the training steps")
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--train-batches", type=int, help="batches of each training step "
                        "(default: one epoch)")  # fmt: skip
    parser.add_argument("--folder", help="where the Parquet files go (default a temp folder)")
    parser.add_argument("--json", help="results file; results at other sizes are kept")
    parser.add_argument("--plot", help="PNG of cost against rows and vocabulary size")
    parser.add_argument("--step", help=argparse.SUPPRESS)  # run one step (child process)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.step:
        return child(args)
    os.environ.setdefault("KERAS_BACKEND", "numpy")  # the parent only writes the data
    previous = {}
    if args.json and pathlib.Path(args.json).exists():
        previous = {r["rows"]: r for r in json.loads(pathlib.Path(args.json).read_text())["runs"]}
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        for rows in (int(r) for r in args.rows.split(",")):
            path = pathlib.Path(folder) / f"sparrow-{rows}.parquet"
            start = time.perf_counter()
            generate(path, rows)
            print(f"{rows:,} rows generated in {time.perf_counter() - start:.1f} s "
                  f"({path.stat().st_size / 2**20:.0f} MiB)", flush=True)  # fmt: skip
            run = {"rows": rows, "file_mib": path.stat().st_size / 2**20}
            for step in STEPS:
                run[step] = run_step(args, step, path)
                print(f"  {step:<9}{json.dumps(run[step])}", flush=True)
            run.update(bars(run))
            run["load_average"] = os.getloadavg()
            previous[rows] = run
            path.unlink()
            if args.json:  # after every size, so a long run keeps what it measured
                write_json(args, previous)
    for run in sorted(previous.values(), key=lambda r: r["rows"]):
        print(summary(run))
    if args.plot:
        plot(args.plot, sorted(previous.values(), key=lambda r: r["rows"]))


def write_json(args, runs):
    record = {
        "command": " ".join(["python", "benchmarks/scale.py", *sys.argv[1:]]),
        "cpus": os.cpu_count(),
        "backend": args.backend,
        "batch_size": args.batch_size,
        "runs": [runs[k] for k in sorted(runs)],
    }
    pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.json).write_text(json.dumps(record, indent=2) + "\n")


def run_step(args, step, path):
    command = [sys.executable, __file__, "--step", step, "--path", str(path),
               "--batch-size", str(args.batch_size)]  # fmt: skip
    if args.train_batches:
        command += ["--train-batches", str(args.train_batches)]
    env = dict(os.environ, KERAS_BACKEND=args.backend, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(command, env=env, check=True, cwd=ROOT, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bars(run):
    """The issue's bars, met or not."""
    return {
        "bars": {
            "streamed_over_memory_ge_0.8": run["streamed"]["examples_per_s"]
            / run["memory"]["examples_per_s"],
            "streamed_peak_rss_lt_2_gib": run["streamed"]["peak_rss_gib"],
            "adapt_plus_encode_s": run["adapt"]["seconds"] + run["encode"]["seconds"],
            "memory_peak_rss_lt_6_gib": run["memory"]["peak_rss_gib"],
        }
    }


def summary(run):
    a, e, m, s = (run[k] for k in STEPS)
    return (
        f"{run['rows']:>11,} rows, vocab {a['vocabulary']:,}: adapt {a['seconds']:.1f} s "
        f"({a['peak_rss_gib']:.2f} GiB), encode {e['rows_per_s']:,.0f} rows/s "
        f"({e['seconds']:.1f} s), train in memory {m['examples_per_s']:,.0f} ex/s "
        f"({m['peak_rss_gib']:.2f} GiB), streamed {s['examples_per_s']:,.0f} ex/s "
        f"({s['peak_rss_gib']:.2f} GiB), streamed/memory "
        f"{s['examples_per_s'] / m['examples_per_s']:.2f}"
        + (
            f", a pass over the file {s['pass_rows_per_s']:,.0f} rows/s"
            if "pass_rows_per_s" in s
            else ""
        )
    )


# --- The data -----------------------------------------------------------------------------------


def generate(path, rows, seed=0):
    """Sparrow-shaped rows, written `CHUNK` at a time: ids Zipf-like, genres from the movie
    and the user, statistics from the movie's quality and the user's bias, label from both."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from deepcross.datasets import GENRES

    rng = np.random.default_rng(seed)
    genres = np.array(GENRES + [""], dtype=object)
    movie_genres = rng.integers(0, len(GENRES), (MOVIES, 3))
    movie_genres[:, 1:][rng.random((MOVIES, 2)) < 0.4] = len(GENRES)  # fewer than 3 genres
    movie_quality = rng.normal(0, 0.5, MOVIES)
    movie_year = rng.integers(1920, 2020, MOVIES)
    user_bias = rng.normal(0, 0.3, USERS)
    user_genres = rng.integers(0, len(GENRES), (USERS, 5))
    user_genres[:, 2:][rng.random((USERS, 3)) < 0.3] = len(GENRES)
    movie_weights = 1 / np.arange(1, MOVIES + 1) ** 0.9
    movie_cdf = np.cumsum(movie_weights / movie_weights.sum())
    writer = None
    try:
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            movie = np.minimum(np.searchsorted(movie_cdf, rng.random(n)), MOVIES - 1)
            user = rng.integers(0, USERS, n)
            score = 3.5 + movie_quality[movie] + user_bias[user] + rng.normal(0, 0.8, n)
            columns = {
                "movieId": movie + 1,
                "userId": user + 1,
                **{f"movieGenre{i + 1}": genres[movie_genres[movie, i]] for i in range(3)},
                **{f"userGenre{i + 1}": genres[user_genres[user, i]] for i in range(5)},
                "releaseYear": movie_year[movie],
                "movieRatingCount": rng.poisson(5 + 2000 * movie_weights[movie]),
                "movieAvgRating": np.round(3.5 + movie_quality[movie] + rng.normal(0, 0.1, n), 2),
                "movieRatingStddev": np.round(rng.uniform(0.5, 1.3, n), 2),
                "userRatingCount": rng.integers(2, 500, n),
                "userAvgRating": np.round(3.5 + user_bias[user] + rng.normal(0, 0.1, n), 2),
                "userRatingStddev": np.round(rng.uniform(0.4, 1.2, n), 2),
                "label": (score >= 3.5).astype(np.int64),
            }
            table = pa.table(columns)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


# --- One step, in its own process ---------------------------------------------------------------


def child(args):
    sys.path.insert(0, str(ROOT / "examples"))
    from sparrow_embedding_mlp import make_spec

    import deepcross as dc

    path = pathlib.Path(args.path)
    spec_file = path.with_suffix(".spec.json")
    if args.step == "adapt":
        start = time.perf_counter()
        spec = make_spec()  # the first spec of a process imports TensorFlow (keras' serializer)
        spec_seconds = time.perf_counter() - start
        start = time.perf_counter()
        spec.adapt(path)
        seconds = time.perf_counter() - start
        spec_file.write_text(spec.to_json())
        vocabulary = {t: spec.table_rows(t) for t in spec.table_names}
        result = {"seconds": seconds, "spec_seconds": spec_seconds,
                  "vocabulary": sum(vocabulary.values()), "tables": vocabulary}  # fmt: skip
    else:
        spec = dc.FeatureSpec.from_json(spec_file.read_text())
        if args.step == "encode":
            result = encode(spec, path)
        elif args.step == "memory":
            inputs, labels, seconds = encode_all(spec, path)
            result = {"encode_seconds": seconds, **train(dc, spec, (inputs, labels), args)}
        else:
            options = {"label": "label", "batch_size": args.batch_size}
            result = train(dc, spec, (dc.data.FeatureDataset(spec, path, **options),), args)
            result.update(full_pass(dc.data.FeatureDataset(spec, path, **options)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({**result, "peak_rss_gib": peak / GIB}))


def parquet_chunks(path, columns, chunk=65_536):
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path, pre_buffer=False).iter_batches(
        batch_size=chunk, columns=columns
    ):
        yield batch.to_pandas()


def encode(spec, path):
    """`spec.transform` speed over the file, read a chunk at a time (reading not counted)."""
    columns = list(dict.fromkeys(c for f in spec.features for c in f.source_columns))
    rows, seconds, start_all = 0, 0.0, time.perf_counter()
    for frame in parquet_chunks(path, columns):
        start = time.perf_counter()
        spec.transform(frame)
        seconds += time.perf_counter() - start
        rows += len(frame)
    return {
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "read_and_encode_rows_per_s": rows / (time.perf_counter() - start_all),
    }


def encode_all(spec, path):
    """The whole file as model inputs in memory, encoded chunk by chunk."""
    import numpy as np

    start = time.perf_counter()
    parts, labels = [], []
    columns = list(dict.fromkeys(c for f in spec.features for c in f.source_columns))
    for frame in parquet_chunks(path, columns + ["label"]):
        parts.append(spec.transform(frame))
        labels.append(frame["label"].to_numpy("float32"))
    inputs = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    return inputs, np.concatenate(labels), time.perf_counter() - start


def full_pass(dataset):
    """Rows/s of one pass over every batch of `dataset`, with no training."""
    start = time.perf_counter()
    for _ in dataset:
        pass
    seconds = time.perf_counter() - start
    return {"pass_seconds": seconds, "pass_rows_per_s": dataset.num_rows / seconds,
            "max_rows_held": dataset.stats["max_rows_held"]}  # fmt: skip


def train(dc, spec, data, args):
    """Examples/s of one epoch of `fit` (or of its first `--train-batches` batches), the first
    `WARMUP_BATCHES` batches left out."""
    import keras

    class Timer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch + 1 == WARMUP_BATCHES:
                self.start, self.first = time.perf_counter(), batch + 1
            self.end, self.batches = time.perf_counter(), batch + 1

    keras.utils.set_random_seed(0)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(128, 128))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    timer = Timer()
    batches = len(data[0]) if len(data) == 1 else -(-len(data[1]) // args.batch_size)
    steps = {"steps_per_epoch": min(args.train_batches, batches)} if args.train_batches else {}
    if len(data) == 2:
        kwargs = {"batch_size": args.batch_size, "shuffle": False, **steps}
        model.fit(*data, epochs=1, verbose=0, callbacks=[timer], **kwargs)
        rows = len(data[1])
    else:
        model.fit(data[0], epochs=1, verbose=0, callbacks=[timer], **steps)
        rows = data[0].num_rows
    timed_rows = min(rows, timer.batches * args.batch_size) - timer.first * args.batch_size
    return {"examples_per_s": timed_rows / (timer.end - timer.start), "backend": keras.backend.backend()}  # fmt: skip


# --- The plot -----------------------------------------------------------------------------------


def plot(path, runs):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r["rows"] for r in runs]
    vocabulary = [r["adapt"]["vocabulary"] for r in runs]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for column, (x, label) in enumerate([(rows, "rows"), (vocabulary, "vocabulary (table rows)")]):
        seconds = axes[0, column]
        seconds.plot(x, [r["adapt"]["seconds"] for r in runs], "o-", label="adapt")
        seconds.plot(x, [r["encode"]["seconds"] for r in runs], "o-", label="encode")
        for step in ("memory", "streamed"):
            seconds.plot(x, [r["rows"] / r[step]["examples_per_s"] for r in runs], "o-",
                         label=f"train 1 epoch, {step}")  # fmt: skip
        seconds.set(xlabel=label, ylabel="seconds", xscale="log", yscale="log")
        seconds.legend()
        memory = axes[1, column]
        for step in STEPS:
            memory.plot(x, [r[step]["peak_rss_gib"] for r in runs], "o-", label=step)
        memory.set(xlabel=label, ylabel="peak RSS (GiB)", xscale="log")
        memory.legend()
    fig.suptitle(f"deepcross at scale ({runs[0]['streamed']['backend']}, {os.cpu_count()} CPUs)")
    fig.tight_layout()
    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
