"""Recipe: embedding tables split by row over devices (model parallel), with JAX.

When a table no longer fits on one device, `keras.distribution.ModelParallel` splits it:
a `DeviceMesh` names its axes (here `"batch"` and `"model"`), and a `LayoutMap` maps variable
paths (regular expressions) to layouts. `(".*_embedding/.*") -> ("model", None)` cuts every
table's rows, and the rows of its optimizer state, into as many parts as the `"model"` axis
has devices; everything else (the MLP, the scoring head) is replicated, and batches are split
over the `"batch"` axis. Tables train row-sparsely, as on one device.

A table whose row count does not divide by the `"model"` axis gets zero rows at its end
(deepcross pads it; those rows are never looked up and change nothing). The weights files
hold the real rows only, so the trained model loads on one device as it is.

    python examples/distributed/model_parallel.py --out runs/model_parallel

A CPU-only machine can try it with 2 simulated devices:

    XLA_FLAGS=--xla_force_host_platform_device_count=2 python examples/distributed/model_parallel.py
"""

import argparse
import os
import time

os.environ["KERAS_BACKEND"] = "jax"  # keras.distribution runs on JAX.

import common  # examples/distributed/common.py: the data, spec and model of every recipe
import keras


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="runs/model_parallel", help="where results go")
    parser.add_argument("--rows", type=int, default=512, help="training rows (default 512)")
    parser.add_argument("--epochs", type=int, default=2, help="default 2")
    parser.add_argument("--batch-size", type=int, default=64, help="global batch size")
    parser.add_argument(
        "--model-devices",
        type=int,
        default=0,
        help="devices that share each table (the 'model' axis); the rest of the devices "
        "split the batches (default 0: all devices share the tables)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()

    # 1. The Feature stage runs in numpy, outside the distribution.
    frame = common.make_frame(args.rows)
    spec = common.make_spec().adapt(frame)
    x, y = spec.transform(frame), frame["label"].to_numpy()

    # 2. A mesh of (batch, model) devices, and the tables' rows split over "model".
    devices = keras.distribution.list_devices()
    model_devices = args.model_devices or len(devices)
    mesh = keras.distribution.DeviceMesh(
        shape=(len(devices) // model_devices, model_devices),
        axis_names=("batch", "model"),
        devices=devices,
    )
    layout_map = keras.distribution.LayoutMap(mesh)
    # Each table, and its optimizer's per-row state, split by row over "model".
    layout_map[".*_embedding/.*"] = ("model", None)
    keras.distribution.set_distribution(
        keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    )

    # 3. Make, compile and fit as usual.
    model = common.make_model(spec)
    tables = {
        name: {
            "rows": spec.table_rows(name),
            "variable_rows": int(layer.embeddings.shape[0]),
            "sharding": str(layer.embeddings.value.sharding.spec),
        }
        for name, layer in model.get_layer("embedding_stack").embeddings.items()
    }
    history = model.fit(
        x, y, batch_size=args.batch_size, epochs=args.epochs, shuffle=False, verbose=0
    )

    # 4. The saved model holds the real rows: it loads anywhere, on one device too.
    common.write_results(
        model, args.out, history, started, devices=len(devices), mesh=mesh.shape, tables=tables
    )
    model.save(os.path.join(args.out, "model.keras"))


if __name__ == "__main__":
    main()
