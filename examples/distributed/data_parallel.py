"""Recipe: data parallel training on this machine's devices, with JAX.

`keras.distribution.DataParallel` keeps a full copy of the model on every local device and
splits each batch between them; the gradients are averaged over the whole batch, so training
matches a single device with the same batch size, up to the order of floating-point sums.

    python examples/distributed/data_parallel.py --out runs/data_parallel

A CPU-only machine can try it with 2 simulated devices:

    XLA_FLAGS=--xla_force_host_platform_device_count=2 python examples/distributed/data_parallel.py

`--single-device` trains the same model with no distribution, for comparison.
"""

import argparse
import os
import time

os.environ["KERAS_BACKEND"] = "jax"  # keras.distribution runs on JAX.

import common  # examples/distributed/common.py: the data, spec and model of every recipe
import keras


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="runs/data_parallel", help="where results go")
    parser.add_argument("--rows", type=int, default=512, help="training rows (default 512)")
    parser.add_argument("--epochs", type=int, default=2, help="default 2")
    parser.add_argument(
        "--batch-size", type=int, default=64, help="global batch size, all devices together"
    )
    parser.add_argument("--single-device", action="store_true", help="no distribution")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()

    # 1. The Feature stage runs in numpy, outside the distribution.
    frame = common.make_frame(args.rows)
    spec = common.make_spec().adapt(frame)
    x, y = spec.transform(frame), frame["label"].to_numpy()

    # 2. One replica per device: set the distribution before making the model.
    devices = keras.distribution.list_devices()
    if not args.single_device:
        if args.batch_size % len(devices):
            raise SystemExit(f"--batch-size must be a multiple of the {len(devices)} devices")
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))

    # 3. Make, compile and fit as usual: Keras splits each batch across the devices.
    model = common.make_model(spec)
    history = model.fit(
        x, y, batch_size=args.batch_size, epochs=args.epochs, shuffle=False, verbose=0
    )
    common.write_results(
        model, args.out, history, started, devices=1 if args.single_device else len(devices)
    )


if __name__ == "__main__":
    main()
