"""Row-sharded tables on JAX with 2 CPU devices, next to the same model on one device.

Run by `test_sharded_tables.py` in a subprocess with
`XLA_FLAGS=--xla_force_host_platform_device_count=2`; prints one JSON line of findings.
Usage: `python sharded_tables_check.py OUT_DIR`.
"""

import json
import os
import pathlib
import sys

os.environ["KERAS_BACKEND"] = "jax"

import keras
import numpy as np

import deepcross as dc

out = pathlib.Path(sys.argv[1])
l2 = keras.regularizers.L2(0.01)
spec = dc.FeatureSpec(
    [  # Tables of 5 rows (odd), 8 rows (even) and a multi-valued feature on the odd one.
        dc.Categorical("odd", vocabulary=list("abcd"), table=dc.Table("odd", 3, "uniform", l2)),
        dc.Categorical("oddPair", columns=["odd1", "odd2"], vocabulary=list("abcd"), dim=3),
        dc.Categorical("even", vocabulary=list("abcdefg"), dim=4),
        dc.Numeric("x", scaling="standardize"),
    ]
)
rng = np.random.default_rng(0)
letters = np.array(list("abcdefgz") + [""], dtype=object)  # "z" is out of vocabulary
raw = {name: letters[rng.integers(0, 9, 64)] for name in ("odd", "odd1", "odd2", "even")}
raw["x"] = rng.normal(size=64)
spec.adapt(raw)
x, y = spec.transform(raw), (rng.random(64) < 0.5).astype("float32")

# One device.
keras.utils.set_random_seed(1)
plain = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
plain.compile(optimizer="adam")
plain.save_weights(out / "plain.weights.h5")
plain_tables = {
    name: keras.ops.convert_to_numpy(layer.embeddings)
    for name, layer in plain.get_layer("embedding_stack").embeddings.items()
}
plain_scores = plain.predict(x, verbose=0)


def penalty(model):
    """The tables' L2 penalty on the whole variables, padding rows included."""
    layers = model.get_layer("embedding_stack").embeddings.values()
    return sum(
        float(keras.ops.convert_to_numpy(layer.embeddings_regularizer(layer.embeddings)))
        for layer in layers
        if layer.embeddings_regularizer is not None
    )


plain_penalty = penalty(plain)
plain.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
plain_trained_scores = plain.predict(x, verbose=0)

# Two devices, tables split by row.
mesh = keras.distribution.DeviceMesh((1, 2), ("batch", "model"), keras.distribution.list_devices())
layout_map = keras.distribution.LayoutMap(mesh)
layout_map[".*_embedding/.*"] = ("model", None)  # each table and its optimizer state
with keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch").scope():
    keras.utils.set_random_seed(1)
    sharded = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
    sharded.compile(optimizer="adam")
    layers = sharded.get_layer("embedding_stack").embeddings
    tables = {
        name: {
            "rows": layer.input_dim,
            "variable_rows": int(layer.embeddings.shape[0]),
            "sharding": str(layer.embeddings.value.sharding.spec),
            "state_sharding": sorted({str(v.value.sharding.spec) for v in layer.slots.values()}),
            "same_initial_rows": bool(
                np.array_equal(
                    keras.ops.convert_to_numpy(layer.embeddings)[: layer.input_dim],
                    plain_tables[name],
                )
            ),
        }
        for name, layer in layers.items()
    }
    sharded.load_weights(out / "plain.weights.h5")
    same_weights_difference = float(np.max(np.abs(sharded.predict(x, verbose=0) - plain_scores)))
    sharded_penalty = penalty(sharded)
    sharded.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    padding_after_fit = {
        name: float(np.abs(keras.ops.convert_to_numpy(layer.embeddings)[layer.input_dim :]).sum())
        for name, layer in layers.items()
    }
    sharded_scores = sharded.predict(x, verbose=0)
    sharded.save_weights(out / "sharded.weights.h5")
    sharded.save(out / "sharded.keras")

# Back on one device: the sharded model's weights and .keras file load as they are.
keras.utils.set_random_seed(2)
again = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
again.load_weights(out / "sharded.weights.h5")
loaded = keras.saving.load_model(out / "sharded.keras", compile=False)
print(
    json.dumps(
        {
            "devices": len(keras.distribution.list_devices()),
            "tables": tables,
            "same_weights_difference": same_weights_difference,
            "penalty_difference": abs(sharded_penalty - plain_penalty),
            "padding_after_fit": padding_after_fit,
            "trained_difference": float(np.max(np.abs(sharded_scores - plain_trained_scores))),
            "reloaded_difference": float(
                np.max(np.abs(again.predict(x, verbose=0) - sharded_scores))
            ),
            "loaded_keras_difference": float(
                np.max(np.abs(loaded.predict(x, verbose=0) - sharded_scores))
            ),
        }
    )
)
