"""Serving latency: how fast a trained deepcross model scores raw rows in process.

Prints, for the SparrowRecSys Embedding+MLP network (two 128-unit layers), p50/p99 latency
and rows per second at batch sizes 1, 64 and 1024 for:
- `model.predict_raw(df)`: raw DataFrame rows in, scores out (the Feature stage included);
- `spec.transform(df)` alone: raw rows to model inputs;
- `model.predict_on_batch(x)` on inputs encoded beforehand: the network alone;
- the exported SavedModel's serving signature on raw values, when `deepcross.serving.export`
  exists in this tree (TensorFlow installed).

With `--vocabulary N`, also saves and loads a model whose `userId` vocabulary has N keys
(kept as an asset file of the `.keras` archive): seconds, `config.json` size, equal scores.

    python benchmarks/serving_latency.py [--repeats 200] [--json latency.json]
    python benchmarks/serving_latency.py --samples path/to/testSamples.csv
    python benchmarks/serving_latency.py --vocabulary 1000000

The rows are the lesson's `testSamples.csv` (in `../shared/data/sparrowrecsys/` beside the
repository, or `--samples`), else synthetic MovieLens-shaped samples. The model is not trained:
latency does not depend on the weights. Speed is measured here, never asserted in tests. Runs
on the backend `KERAS_BACKEND` names.
"""

import argparse
import importlib.util
import json
import os
import pathlib
import sys
import tempfile
import time
import zipfile

import keras
import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "examples"))

from sparrow_embedding_mlp import make_spec  # noqa: E402

import deepcross as dc  # noqa: E402

BATCH_SIZES = (1, 64, 1024)


def load_rows(path):
    """Raw sample rows: the lesson's test samples when there, else synthetic ones."""
    path = pathlib.Path(path) if path else REPO.parent / "shared/data/sparrowrecsys/testSamples.csv"
    if path.exists():
        return dc.datasets.read_samples(path), str(path)
    data = dc.datasets.synthetic_movielens()
    return dc.datasets.build_samples(data.ratings, data.movies), "synthetic"


def measure(function, batches, repeats, warmup=10):
    """Seconds per call of `function(batch)`, cycling through `batches`, after a warm-up."""
    for i in range(warmup):
        function(batches[i % len(batches)])
    seconds = []
    for i in range(repeats):
        batch = batches[i % len(batches)]
        start = time.perf_counter()
        function(batch)
        seconds.append(time.perf_counter() - start)
    return np.array(seconds)


def summary(seconds, batch_size):
    return {
        "p50_ms": float(np.percentile(seconds, 50) * 1e3),
        "p99_ms": float(np.percentile(seconds, 99) * 1e3),
        "rows_per_s": float(batch_size * len(seconds) / seconds.sum()),
    }


def saved_model_scorer(model, rows, directory):
    """A function scoring raw rows with the exported SavedModel's serving signature."""
    import tensorflow as tf

    model.export(directory)
    signature = tf.saved_model.load(directory).signatures["serving_default"]
    specs = signature.structured_input_signature[1]

    def tensors(frame):
        out = {}
        for name, tensor_spec in specs.items():
            column = frame[name]
            if tensor_spec.dtype == tf.string:
                values = column.astype(object).where(column.notna(), "").astype(str).to_numpy()
            else:
                values = column.to_numpy(dtype=tensor_spec.dtype.as_numpy_dtype)
            out[name] = tf.constant(values.reshape((-1,) + tuple(tensor_spec.shape[1:])))
        return out

    return lambda frame: signature(**tensors(frame)), tensors


def vocabulary_figures(num_keys):
    """Save and load seconds, and sizes, of a model with a `num_keys`-key vocabulary."""
    import pandas as pd

    frame = pd.DataFrame({"userId": np.arange(num_keys), "x": np.linspace(0.0, 1.0, num_keys)})
    spec = dc.FeatureSpec([dc.Categorical("userId", dim=8), dc.Numeric("x")]).adapt(frame)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(16,))
    rows = frame.sample(1000, random_state=0)
    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory) / "model.keras"
        start = time.perf_counter()
        model.save(path)
        saved = time.perf_counter()
        loaded = keras.saving.load_model(path)
        done = time.perf_counter()
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
        same = bool(np.array_equal(loaded.predict_raw(rows), model.predict_raw(rows)))
    return {
        "keys": num_keys,
        "save_s": saved - start,
        "load_s": done - saved,
        "config_json_bytes": sizes["config.json"],
        "archive_files": sizes,
        "same_scores_after_loading": same,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", help="a sample CSV (default: the lesson's testSamples.csv)")
    parser.add_argument("--repeats", type=int, default=200, help="timed calls per measurement")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--vocabulary", type=int, help="also time a model with this many keys")
    parser.add_argument("--no-saved-model", action="store_true", help="skip the SavedModel")
    args = parser.parse_args()

    rows, source = load_rows(args.samples)
    spec = make_spec().adapt(rows)
    keras.utils.set_random_seed(0)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(128, 128))
    rng = np.random.default_rng(0)
    scorers = {
        "predict_raw": lambda frame: model.predict_raw(frame, verbose=0),
        "transform": model.spec.transform,
        "predict_on_batch (encoded)": model.predict_on_batch,
    }
    saved_model = None
    if (
        not args.no_saved_model
        and importlib.util.find_spec("deepcross.serving")
        and importlib.util.find_spec("deepcross.serving.export")
    ):
        saved_model = tempfile.TemporaryDirectory()
        scorers["SavedModel (raw)"], _ = saved_model_scorer(model, rows, saved_model.name)

    results = []
    for batch_size in BATCH_SIZES:
        starts = rng.integers(0, len(rows) - batch_size, 16)
        frames = [rows.iloc[s : s + batch_size].reset_index(drop=True) for s in starts]
        encoded = [model.spec.transform(frame) for frame in frames]
        repeats = max(50, args.repeats * 64 // max(batch_size, 64))
        for name, scorer in scorers.items():
            batches = encoded if "encoded" in name else frames
            seconds = measure(scorer, batches, repeats)
            results.append({"what": name, "batch": batch_size, **summary(seconds, batch_size)})

    print(
        f"backend {keras.backend.backend()}, {os.cpu_count()} CPUs, rows from {source}, "
        f"EmbeddingMLP(128, 128), {args.repeats} timed calls at batch <= 64"
    )
    print(f"{'what':<28}{'batch':>6}{'p50 ms':>10}{'p99 ms':>10}{'rows/s':>12}")
    for r in results:
        print(
            f"{r['what']:<28}{r['batch']:>6}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}"
            f"{r['rows_per_s']:>12,.0f}"
        )
    report = {"backend": keras.backend.backend(), "cpus": os.cpu_count(), "rows": source}
    report["results"] = results
    if args.vocabulary:
        report["vocabulary"] = v = vocabulary_figures(args.vocabulary)
        print(
            f"{v['keys']:,}-key vocabulary: save {v['save_s']:.2f} s, load {v['load_s']:.2f} s, "
            f"config.json {v['config_json_bytes']:,} bytes, same scores after loading: "
            f"{v['same_scores_after_loading']}"
        )
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(report, indent=1))
    if saved_model is not None:
        saved_model.cleanup()


if __name__ == "__main__":
    main()
