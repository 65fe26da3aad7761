"""Recipe: data parallel training on this machine's devices, with TensorFlow.

`tf.distribute.MirroredStrategy` keeps a copy of the model on every local GPU (or on the
devices you list) and splits each batch between them; gradients are summed over the replicas
and the loss is averaged over the whole batch, so training matches a single device with the
same batch size, up to the order of floating-point sums. Make and compile the model inside
`strategy.scope()`; `fit` does the rest.

    python examples/distributed/mirrored_strategy.py --out runs/mirrored

A CPU-only machine can try it by splitting its CPU into 2 logical devices:

    python examples/distributed/mirrored_strategy.py --cpu-devices 2

Across machines, `tf.distribute.MultiWorkerMirroredStrategy` does not work with Keras 3
(keras-team/keras#20585); use JAX for that (`multi_process.py`).
`--single-device` trains the same model with no strategy, for comparison.
"""

import argparse
import os
import time

os.environ["KERAS_BACKEND"] = "tensorflow"  # tf.distribute needs the TensorFlow backend.

import common  # examples/distributed/common.py: the data, spec and model of every recipe
import tensorflow as tf


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="runs/mirrored", help="where results go")
    parser.add_argument("--rows", type=int, default=512, help="training rows (default 512)")
    parser.add_argument("--epochs", type=int, default=2, help="default 2")
    parser.add_argument(
        "--batch-size", type=int, default=64, help="global batch size, all replicas together"
    )
    parser.add_argument(
        "--cpu-devices",
        type=int,
        default=0,
        help="split the CPU into this many logical devices and mirror over them "
        "(default 0: mirror over the GPUs, or the CPU alone)",
    )
    parser.add_argument("--single-device", action="store_true", help="no strategy")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()

    # 1. Devices first: logical devices must be configured before TensorFlow uses any.
    devices = None
    if args.cpu_devices:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * args.cpu_devices
        )
        devices = [device.name for device in tf.config.list_logical_devices("CPU")]

    # 2. The Feature stage runs in numpy, outside the strategy.
    frame = common.make_frame(args.rows)
    spec = common.make_spec().adapt(frame)
    x, y = spec.transform(frame), frame["label"].to_numpy()

    # 3. Make and compile the model in the strategy's scope; fit splits each batch. Mirrored
    #    variables take no row updates from a replica, so the tables train densely here (by
    #    default a strategy in scope makes compile say so and fall back).
    if args.single_device:
        model = common.make_model(spec, table_optimizer=None)
        replicas = 1
    else:
        strategy = tf.distribute.MirroredStrategy(devices)
        with strategy.scope():
            model = common.make_model(spec, table_optimizer=None)
        replicas = strategy.num_replicas_in_sync
    history = model.fit(
        x, y, batch_size=args.batch_size, epochs=args.epochs, shuffle=False, verbose=0
    )
    common.write_results(model, args.out, history, started, devices=replicas)


if __name__ == "__main__":
    main()
