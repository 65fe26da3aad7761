"""A training run killed (SIGKILL) after a checkpoint resumes and ends as if never stopped."""

import json
import time

import numpy as np

from tests.distributed.conftest import read_weights
from tests.distributed.conftest import require
from tests.distributed.conftest import run
from tests.distributed.conftest import script
from tests.distributed.conftest import start
from tests.distributed.conftest import stop


def result(out):
    return json.loads((out / "result.json").read_text().splitlines()[-1])


def checkpointed_epochs(metadata):
    """The epoch count of BackupAndRestore's last checkpoint; 0 if none (or half-written)."""
    try:
        return json.loads(metadata.read_text()).get("epoch", 0)
    except (OSError, ValueError):
        return 0


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    require("jax")
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    run(script("resumable.py", "--out", whole), timeout=120)
    assert result(whole)["resumed_at_step"] == 0
    assert not (whole / "backup").exists()  # Deleted once training ends.

    # Kill a slowed-down run once its third checkpoint (step 24 of 96) is written.
    metadata = killed / "backup" / "training_metadata.json"
    process = start(script("resumable.py", "--out", killed, "--seconds-per-step", "0.1"))
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            if checkpointed_epochs(metadata) >= 3:
                break
            time.sleep(0.05)
        assert process.poll() is None, process.stdout.read()[-3000:]
    finally:
        stop(process)  # SIGKILL to its process group.
    assert not (killed / "model.weights.h5").exists()  # It did not finish...

    run(script("resumable.py", "--out", killed), timeout=120)  # ...and resumes.
    assert result(killed)["resumed_at_step"] >= 24
    assert result(killed)["steps"] == result(whole)["steps"] == 96
    resumed = read_weights(killed / "model.weights.h5")
    uninterrupted = read_weights(whole / "model.weights.h5")
    assert resumed.keys() == uninterrupted.keys()
    for name in resumed:  # Weights and optimizer state, bit for bit.
        np.testing.assert_array_equal(resumed[name], uninterrupted[name], err_msg=name)
