"""Recipe: training that can be killed at any time and resumes from its last checkpoint.

`keras.callbacks.BackupAndRestore(backup_dir)` saves the weights, the optimizer's state and the
epoch number, and when the same script starts again, loads them and skips the epochs done; it
deletes its checkpoint when training ends. Keras resumes at an epoch: a run killed in the
middle of an epoch starts that epoch again from its first batch (a checkpoint taken within an
epoch, `save_freq=N`, is restored, but the batches before it are trained on twice).

So that a resumed run ends exactly where an uninterrupted one does, this script makes a Keras
epoch as long as the checkpoint period (`--save-every` steps) and checkpoints at each epoch's
end, and the data is a `dc.data.FeatureDataset` with `repeat=True`, whose batch at each step
is a function of the step number: step `s` is the `s`-th batch of the passes over the data,
each pass shuffled with its own seed. `dc.data.DataPosition` starts the data at the step the
checkpoint saved (the optimizer's step count), so a pass cut off by a kill goes on with the
rows not yet trained on. A killed run loses at most `--save-every` steps, and its resumed run
trains on the very batches the uninterrupted one does.

    python examples/distributed/resumable.py --out runs/resumable
    # kill it (Ctrl-C, SIGKILL, a preempted machine), then run the same command again

The JAX backend is chosen because XLA's CPU programs are deterministic, so the resumed run is
bit for bit the uninterrupted one; on TensorFlow, call
`tf.config.experimental.enable_op_determinism()` for that.
"""

import argparse
import os
import pathlib
import time

os.environ["KERAS_BACKEND"] = "jax"

import common  # examples/distributed/common.py: the data, spec and model of every recipe
import keras

import deepcross as dc


class Pause(keras.callbacks.Callback):
    """Sleeps after each step: makes a small demo slow enough to interrupt."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(self.seconds)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="runs/resumable", help="where results go")
    parser.add_argument("--backup-dir", help="checkpoints (default: OUT/backup)")
    parser.add_argument("--rows", type=int, default=512, help="training rows (default 512)")
    parser.add_argument("--passes", type=int, default=3, help="passes over the data (default 3)")
    parser.add_argument("--batch-size", type=int, default=16, help="default 16")
    parser.add_argument(
        "--save-every", type=int, default=8, help="steps between checkpoints (default 8)"
    )
    parser.add_argument(
        "--seconds-per-step", type=float, default=0.0, help="pause after each step (a demo)"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    backup_dir = pathlib.Path(args.backup_dir or pathlib.Path(args.out) / "backup")

    frame = common.make_frame(args.rows)
    spec = common.make_spec().adapt(frame)
    train = dc.data.FeatureDataset(
        spec, frame, label="label", batch_size=args.batch_size, shuffle=True, seed=0, repeat=True
    )

    total_steps = args.passes * len(train)
    if total_steps % args.save_every:
        raise SystemExit(f"--save-every must divide the {total_steps} steps of the run")
    callbacks = [
        keras.callbacks.BackupAndRestore(backup_dir, save_freq="epoch", double_checkpoint=True),
        dc.data.DataPosition(train),  # the data goes on from the step the checkpoint saved
    ]
    if args.seconds_per_step:
        callbacks.append(Pause(args.seconds_per_step))

    model = common.make_model(spec)
    history = model.fit(
        train,
        epochs=total_steps // args.save_every,
        steps_per_epoch=args.save_every,
        shuffle=False,  # the dataset shuffles, pass by pass
        callbacks=callbacks,
        verbose=0,
    )
    common.write_results(
        model,
        args.out,
        history,
        started,
        steps=total_steps,
        resumed_at_step=history.epoch[0] * args.save_every,
    )


if __name__ == "__main__":
    main()
