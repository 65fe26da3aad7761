"""DataPosition: a run killed mid-pass resumes with the rows it had not trained on."""

import itertools

import keras
import numpy as np
import pytest

import deepcross as dc
from tests.data.conftest import ids
from tests.data.test_feature_dataset import counting_model


class Killed(Exception):
    pass


class KillAt(keras.callbacks.Callback):
    """Stops training as a kill would: at the start of epoch `epoch`, after its checkpoint."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise Killed()


def run(spec, frame, backup, epochs, kill_at=None):
    """A training run of `epochs` epochs of 4 batches (a pass is 10), checkpointed at each
    epoch's end; the rows it trained on, counted."""
    dataset = dc.data.FeatureDataset(spec, frame, label="rowId", batch_size=32, shuffle=True,
                                     seed=7, repeat=True)  # fmt: skip
    model, counts = counting_model(spec, 300)
    callbacks = [keras.callbacks.BackupAndRestore(backup), dc.data.DataPosition(dataset)]
    if kill_at is not None:
        callbacks.append(KillAt(kill_at))
    try:
        model.fit(dataset, epochs=epochs, steps_per_epoch=4, callbacks=callbacks, verbose=0)
    except Killed:
        pass
    return counts.seen()


def rows_of_batches(spec, frame, first, last):
    """How often each row comes in batches `first`...`last - 1` of the data's stream."""
    dataset = dc.data.FeatureDataset(spec, frame, label="rowId", batch_size=32, shuffle=True,
                                     seed=7, repeat=True)  # fmt: skip
    rows = ids(itertools.islice(dataset, first, last))
    return np.bincount(rows, minlength=300)


def test_a_resumed_run_trains_on_the_batches_not_yet_trained(spec, frame, tmp_path):
    killed = run(spec, frame, tmp_path / "backup", epochs=5, kill_at=3)  # batches 0..11
    np.testing.assert_array_equal(killed, rows_of_batches(spec, frame, 0, 12))
    resumed = run(spec, frame, tmp_path / "backup", epochs=5)  # epochs 3 and 4: batches 12..19
    np.testing.assert_array_equal(resumed, rows_of_batches(spec, frame, 12, 20))
    # The pass cut off at batch 12 (batch 2 of pass 1) goes on with its rows not yet seen:
    # together the two runs saw each row exactly twice, as one run of 20 batches does.
    assert (killed + resumed).tolist() == [2] * 300
    assert run(spec, frame, tmp_path / "whole", epochs=5).tolist() == [2] * 300


def test_without_repeat_a_pass_under_way_starts_again(spec, frame):
    dataset = dc.data.FeatureDataset(spec, frame, label="rowId", batch_size=32)
    model, _ = counting_model(spec, 300)
    model.optimizer.iterations.assign(13)  # as restored by a checkpoint taken at step 13
    position = dc.data.DataPosition(dataset)
    position.set_model(model)
    position.on_train_begin()
    position.on_epoch_begin(1)
    assert dataset.position == (1, 0)


def test_initial_step_counts_from_the_datasets_first_batch(spec, frame):
    dataset = dc.data.FeatureDataset(spec, frame, label="rowId", batch_size=32, repeat=True)
    model, _ = counting_model(spec, 300)
    model.optimizer.iterations.assign(25)
    position = dc.data.DataPosition(dataset, initial_step=10)
    position.set_model(model)
    position.on_train_begin()
    position.on_epoch_begin(0)
    assert dataset.position == (1, 5)
    with pytest.raises(ValueError, match="initial_step=-1"):
        dc.data.DataPosition(dataset, initial_step=-1)
