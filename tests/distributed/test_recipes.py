"""The recipes of `examples/distributed/` on CPU: 2 forced JAX host devices, 2 logical
TensorFlow devices, 2 JAX processes on 127.0.0.1. Each trains the same small model as the
single-device run it is compared with; floating-point sums taken in another order differ by
about 1e-7 after the 16 steps, so the weights must agree within `TOLERANCE`.
"""

import json
import os
import signal
import time

import numpy as np

from tests.distributed.conftest import group_gone
from tests.distributed.conftest import max_difference
from tests.distributed.conftest import read_weights
from tests.distributed.conftest import require
from tests.distributed.conftest import run
from tests.distributed.conftest import script
from tests.distributed.conftest import start
from tests.distributed.conftest import stop

TOLERANCE = 1e-5


def results(out):
    return [json.loads(line) for line in (out / "result.json").read_text().splitlines()]


def test_data_parallel_on_two_jax_devices(tmp_path, jax_single_device):
    run(script("data_parallel.py", "--out", tmp_path), timeout=120, cpu_devices=2)
    (result,) = results(tmp_path)
    assert result["devices"] == 2 and result["backend"] == "jax"
    assert max_difference(tmp_path / "model.weights.h5", jax_single_device) <= TOLERANCE


def test_mirrored_strategy_on_two_logical_tensorflow_devices(tmp_path):
    require("tensorflow")
    mirrored, single = tmp_path / "mirrored", tmp_path / "single"
    run(script("mirrored_strategy.py", "--cpu-devices", "2", "--out", mirrored), timeout=120)
    run(script("mirrored_strategy.py", "--single-device", "--out", single), timeout=120)
    (result,) = results(mirrored)
    assert result["devices"] == 2 and result["backend"] == "tensorflow"
    difference = max_difference(mirrored / "model.weights.h5", single / "model.weights.h5")
    assert difference <= TOLERANCE


def test_two_jax_processes_train_as_one_device(tmp_path, jax_single_device):
    _, output, _ = run(
        script("multi_process.py", "--launch", "2", "--timeout", "100", "--out", tmp_path),
        timeout=120,
    )
    assert "2 processes done" in output
    by_process = {r["process"]: r for r in results(tmp_path)}
    assert sorted(by_process) == [0, 1]
    assert all(r["processes"] == 2 and r["local_rows"] == 256 for r in by_process.values())
    assert by_process[0]["loss"] == by_process[1]["loss"]  # The loss of the global batch.
    # Every process ends with the very same weights and optimizer state...
    first = read_weights(tmp_path / "process-0.weights.h5")
    second = read_weights(tmp_path / "process-1.weights.h5")
    assert first.keys() == second.keys()
    assert all(np.array_equal(first[name], second[name]) for name in first)
    # ...those of one device trained on the same batches, loading the one adapted spec.
    assert (tmp_path / "spec.json").exists()
    assert max_difference(tmp_path / "process-0.weights.h5", jax_single_device) <= TOLERANCE


def test_a_failing_process_stops_the_others(tmp_path):
    require("jax")
    status, output, seconds = run(
        script("multi_process.py", "--launch", "2", "--fail-process", "1", "--out", tmp_path)
        + ["--timeout", "100"],
        timeout=120,
        check=False,
    )
    assert status == 1
    assert "process 1 failed" in output and "fails on purpose" in output
    assert seconds < 100  # Stopped on the failure, not by the launcher's timeout.


def test_a_launcher_stopped_stops_its_processes(tmp_path):
    require("jax")
    process = start(script("multi_process.py", "--launch", "2", "--out", tmp_path))
    try:
        for _ in range(600):  # Until it has started both processes: at most 60 s.
            if (tmp_path / "process-1.log").exists() or process.poll() is not None:
                break
            time.sleep(0.1)
        assert process.poll() is None, process.stdout.read()[-3000:]
        os.kill(process.pid, signal.SIGTERM)  # The launcher alone, as a scheduler would.
        assert process.wait(timeout=30) == 143
        assert group_gone(process.pid, within=10)  # Its processes went with it.
    finally:
        stop(process)


def test_model_parallel_tables_on_two_jax_devices(tmp_path, jax_single_device):
    run(script("model_parallel.py", "--out", tmp_path), timeout=120, cpu_devices=2)
    (result,) = results(tmp_path)
    assert result["mesh"] == [1, 2]
    tables = result["tables"]
    assert tables["userId"]["rows"] % 2 == 1  # An odd table, padded by one row:
    assert tables["userId"]["variable_rows"] == tables["userId"]["rows"] + 1
    assert {t["sharding"] for t in tables.values()} == {"P('model', None)"}
    assert max_difference(tmp_path / "model.weights.h5", jax_single_device) <= TOLERANCE
