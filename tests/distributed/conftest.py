"""Running the distributed recipes as subprocesses, each on the backend it needs.

Each recipe fixes its own backend (`KERAS_BACKEND` in the script), and JAX's device count is
fixed when JAX starts, so every run is a fresh process, whatever backend this session uses.
Every run is bounded in time, and its whole process group is killed afterwards, also when it
failed or hung, so no process outlives its test.
"""

import importlib.util
import os
import pathlib
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "distributed"


def require(module):
    """Skips the test when the backend package `module` is not installed."""
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed; this recipe runs on it")


def environment(cpu_devices=None):
    """The subprocess environment: this checkout's deepcross, CPU only, quiet TensorFlow."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERAS_DISTRIBUTION_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env |= {"TF_CPP_MIN_LOG_LEVEL": "2", "JAX_PLATFORMS": "cpu", "CUDA_VISIBLE_DEVICES": ""}
    if cpu_devices:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={cpu_devices}"
    return env


def start(command, cpu_devices=None, cwd=None):
    """Starts `command` in a process group of its own, output to a pipe."""
    return subprocess.Popen(
        [str(part) for part in command],
        env=environment(cpu_devices),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(process):
    """Kills the process group of `process` (whatever is left of it) and reaps the leader."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def group_gone(pgid, within=5.0):
    """True once no process of group `pgid` is left (orphans take a moment to be reaped)."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def run(command, timeout, cpu_devices=None, check=True):
    """Runs `command` to its end within `timeout` seconds; returns (exit status, output, seconds).

    The process group is killed in any case; running past `timeout` fails the test.
    """
    started = time.monotonic()
    process = start(command, cpu_devices)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        pytest.fail(f"{command} ran past {timeout} s:\n{process.stdout.read()[-3000:]}")
    finally:
        stop(process)
    assert group_gone(process.pid), "processes outlived their run"
    if check:
        assert process.returncode == 0, f"{command} failed:\n{output[-5000:]}"
    return process.returncode, output, time.monotonic() - started


def script(name, *args):
    """The command line that runs recipe `name` with `args`."""
    return [sys.executable, EXAMPLES / name, *args]


def read_weights(path, prefix=""):
    """Every array of a `.weights.h5` file whose path starts with `prefix`, by path."""
    arrays = {}
    with h5py.File(path) as file:
        file.visititems(
            lambda name, item: (
                arrays.__setitem__(name, item[()])
                if isinstance(item, h5py.Dataset) and name.startswith(prefix)
                else None
            )
        )
    return arrays


def max_difference(path_a, path_b, prefix="layers/"):
    """The largest absolute difference between the weights of two files (same shapes)."""
    a, b = read_weights(path_a, prefix), read_weights(path_b, prefix)
    assert a.keys() == b.keys() and a, (sorted(a), sorted(b))
    for name in a:
        assert a[name].shape == b[name].shape, (name, a[name].shape, b[name].shape)
    return max(float(np.max(np.abs(a[n] - b[n]), initial=0.0)) for n in a)


@pytest.fixture(scope="session")
def jax_single_device(tmp_path_factory):
    """The recipes' model trained on one JAX device: what the JAX recipes must match."""
    require("jax")
    out = tmp_path_factory.mktemp("single_device")
    run(script("data_parallel.py", "--single-device", "--out", out), timeout=120)
    return out / "model.weights.h5"
