"""Training throughput: deepcross vs the same network hand-written in Keras 3.

Prints, for the SparrowRecSys Embedding+MLP network on MovieLens samples:
- `FeatureSpec.transform` speed (raw DataFrame rows to model inputs, per second);
- training examples per second at a given batch size for deepcross's `EmbeddingMLP` and for
  a hand-written Keras 3 model on pre-indexed arrays (same embeddings, same MLP).

    python benchmarks/train_throughput.py [--batch-size 1024] [--epochs 3] [--synthetic]

Speed is measured here, never asserted in tests. Runs on the backend `KERAS_BACKEND` names.
"""

import argparse
import os
import pathlib
import sys
import time

import keras
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))

from sparrow_embedding_mlp import make_spec  # noqa: E402

import deepcross as dc  # noqa: E402


def hand_written_model(spec):
    """The same network without deepcross: one Embedding per table, mean pooling, MLP."""
    inputs = spec.make_inputs()
    tables = {
        t: keras.layers.Embedding(spec.table_rows(t), spec.embedding_dim(t), name=f"{t}_table")
        for t in spec.table_names
    }
    parts = []
    for feature in spec.features:
        x = inputs[feature.name]
        if feature.name in ("movieGenre", "userGenre"):
            mask = keras.ops.cast(x >= 0, "float32")[..., None]
            vectors = tables[feature.table.name](keras.ops.maximum(x, 0)) * mask
            parts.append(keras.ops.sum(vectors, 1) / keras.ops.maximum(keras.ops.sum(mask, 1), 1.0))
        elif feature.table is not None:
            parts.append(tables[feature.table.name](x)[:, 0])
        else:
            stats = spec.learned[feature.name]
            parts.append((x - stats["mean"]) / stats["variance"] ** 0.5)
    x = keras.layers.Concatenate()(parts)
    for units in (128, 128):
        x = keras.layers.Dense(units, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


def examples_per_second(model, x, y, batch_size, epochs):
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)  # Warm-up: tracing, compiling.
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return epochs * len(y) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--synthetic", action="store_true")
    args = parser.parse_args()

    data = dc.datasets.synthetic_movielens() if args.synthetic else dc.datasets.load_movielens()
    samples = dc.datasets.build_samples(data.ratings, data.movies, movie_stats="all")
    spec = make_spec().adapt(samples)
    start = time.perf_counter()
    x = spec.transform(samples)
    transform_rate = len(samples) / (time.perf_counter() - start)
    y = samples["label"].to_numpy("float32")

    keras.utils.set_random_seed(0)
    ours = examples_per_second(
        __import__("deepcross").models.EmbeddingMLP(spec), x, y, args.batch_size, args.epochs
    )
    keras.utils.set_random_seed(0)
    theirs = examples_per_second(hand_written_model(spec), x, y, args.batch_size, args.epochs)
    print(
        f"backend {keras.backend.backend()}, {os.cpu_count()} CPUs, {len(samples):,} samples "
        f"({data.source}), batch {args.batch_size}, {args.epochs} timed epochs"
    )
    print(f"FeatureSpec.transform:           {transform_rate:>12,.0f} rows/s")
    print(f"deepcross EmbeddingMLP fit:      {ours:>12,.0f} examples/s")
    print(f"hand-written Keras 3 fit:        {theirs:>12,.0f} examples/s")
    print(f"ratio deepcross / hand-written:  {ours / theirs:>12.2f}")


if __name__ == "__main__":
    main()
