"""Recipe: data parallel training over several processes or hosts, with JAX.

Every process runs this script. `keras.distribution.initialize` joins them into one cluster
(JAX's coordinator at the address of process 0), `DataParallel` puts a replica of the model
on every device of every process, and each process feeds its own part of the data:
`auto_shard_dataset=False` says the data is already split. Step `s` trains on the `s`-th
local batch of every process together, so every process must take the same number of steps.

The spec is adapted once, before training, and saved as JSON; every process loads that file,
so all of them map values to the same table rows.

On one machine (processes on 127.0.0.1, CPU devices, gloo collectives):

    python examples/distributed/multi_process.py --launch 2 --out runs/multi

On real hosts, adapt once and copy `spec.json` to every host (or put it on shared storage):

    python examples/distributed/multi_process.py --prepare --out runs/multi
    # on host 0 (10.0.0.1), then on host 1 with --process-id 1:
    python examples/distributed/multi_process.py --coordinator 10.0.0.1:1234 \\
        --num-processes 2 --process-id 0 --spec runs/multi/spec.json --out runs/multi

`--coordinator`, `--num-processes` and `--process-id` may instead come from the environment
variables `KERAS_DISTRIBUTION_JOB_ADDRESSES`, `KERAS_DISTRIBUTION_NUM_PROCESSES` and
`KERAS_DISTRIBUTION_PROCESS_ID`.
"""

import argparse
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import traceback

os.environ["KERAS_BACKEND"] = "jax"  # keras.distribution runs on JAX.

import common  # examples/distributed/common.py: the data, spec and model of every recipe
import jax
import keras
import numpy as np

import deepcross as dc


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--launch", type=int, metavar="N", help="start N processes here")
    mode.add_argument("--prepare", action="store_true", help="adapt the spec and save it")
    parser.add_argument("--coordinator", help="host:port of process 0 (the coordinator)")
    parser.add_argument("--num-processes", type=int, help="processes in the cluster")
    parser.add_argument("--process-id", type=int, help="this process: 0 .. num-processes - 1")
    parser.add_argument("--spec", help="the adapted spec, JSON (default: OUT/spec.json)")
    parser.add_argument("--out", default="runs/multi", help="where results go")
    parser.add_argument("--rows", type=int, default=512, help="rows, all processes together")
    parser.add_argument("--epochs", type=int, default=2, help="default 2")
    parser.add_argument(
        "--batch-size", type=int, default=64, help="global batch size, all processes together"
    )
    parser.add_argument(
        "--timeout", type=float, default=600, help="--launch: seconds before stopping them all"
    )
    parser.add_argument(
        "--fail-process", type=int, help="for testing --launch: this process fails on start"
    )
    return parser.parse_args(argv)


def prepare(args):
    """Adapts the spec once, on all the data, and saves it for every process to load."""
    frame = common.make_frame(args.rows)
    spec = common.make_spec().adapt(frame)
    path = spec_path(args)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec.to_json())
    return path


def spec_path(args):
    return pathlib.Path(args.spec or pathlib.Path(args.out) / "spec.json")


def worker(args):
    """One process of the cluster: join, load the spec, train on this process's part."""
    started = time.perf_counter()
    # 1. Join the cluster before anything else runs on JAX. On CPU, processes exchange
    #    gradients through gloo (JAX's default for CPU collectives; set here to be explicit).
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    keras.distribution.initialize(args.coordinator, args.num_processes, args.process_id)
    index, count = jax.process_index(), jax.process_count()
    if args.fail_process == index:
        raise RuntimeError(f"process {index} fails on purpose (--fail-process {index})")

    # 2. The same spec everywhere, adapted once.
    spec = dc.FeatureSpec.from_json(spec_path(args).read_text())

    # 3. This process's part of the data, the same number of batches in every process. Here
    #    the rows are dealt batch by batch: process `index` takes the `index`-th slice of every
    #    batch of `--batch-size` rows, so the cluster trains on the very batches that
    #    `data_parallel.py --single-device` trains on, and the two can be compared. On real
    #    hosts, each process reads its own files.
    local_batch = args.batch_size // count
    frame = common.make_frame(args.rows)
    steps = len(frame) // args.batch_size
    rows = np.arange(steps * args.batch_size).reshape(steps, count, local_batch)[:, index]
    part = frame.iloc[rows.reshape(-1)]
    x, y = spec.transform(part), part["label"].to_numpy()

    # 4. One replica per device of every process; the data is split already.
    keras.distribution.set_distribution(keras.distribution.DataParallel(auto_shard_dataset=False))
    model = common.make_model(spec)
    history = model.fit(x, y, batch_size=local_batch, epochs=args.epochs, shuffle=False, verbose=0)
    common.write_results(
        model,
        args.out,
        history,
        started,
        weights=f"process-{index}.weights.h5",
        process=index,
        processes=count,
        devices=len(jax.devices()),
        local_rows=len(part),
    )


def launch(args):
    """Starts `args.launch` processes on 127.0.0.1 and waits for all of them.

    If one fails, or `--timeout` passes, the others are stopped: a process whose peers are gone
    would wait for them in its next collective for ever. Returns the exit status.
    """
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    spec = prepare(args)
    with socket.socket() as probe:  # A free port for the coordinator.
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    common_args = ["--coordinator", f"127.0.0.1:{port}", "--num-processes", str(args.launch)]
    common_args += ["--spec", str(spec), "--out", str(out), "--rows", str(args.rows)]
    common_args += ["--epochs", str(args.epochs), "--batch-size", str(args.batch_size)]
    if args.fail_process is not None:
        common_args += ["--fail-process", str(args.fail_process)]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # Run `finally` on SIGTERM too.
    processes = []
    try:
        for index in range(args.launch):
            command = [sys.executable, __file__, "--process-id", str(index), *common_args]
            with open(out / f"process-{index}.log", "w") as log:
                processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + args.timeout
        while True:
            codes = [process.poll() for process in processes]
            failed = [i for i, code in enumerate(codes) if code not in (None, 0)]
            if failed:
                print(f"process {failed[0]} failed (exit {codes[failed[0]]}), stopping the others")
                print((out / f"process-{failed[0]}.log").read_text()[-3000:], file=sys.stderr)
                return 1
            if all(code == 0 for code in codes):
                print(f"{args.launch} processes done; results in {out}")
                return 0
            if time.monotonic() > deadline:
                print(f"timed out after {args.timeout:g} s, stopping the processes")
                return 1
            time.sleep(0.2)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()


def main(argv=None):
    args = parse_args(argv)
    if args.launch:
        sys.exit(launch(args))
    elif args.prepare:
        print(f"spec saved to {prepare(args)}")
    else:
        try:
            worker(args)
        except Exception:  # noqa: BLE001 (reported, then a hard exit with status 1)
            # Exit at once: a normal exit would wait, in JAX's shutdown, for peers that may
            # be waiting for this process in a collective, and the launcher would not know.
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(1)


if __name__ == "__main__":
    main()
