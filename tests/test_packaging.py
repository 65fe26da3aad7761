"""deepcross installs and runs without TensorFlow: the backend is the user's choice."""

import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Runs with TensorFlow unimportable: `import tensorflow` raises ImportError.
NO_TENSORFLOW = """
import sys
sys.modules["tensorflow"] = None

import keras
import numpy as np
import pandas as pd

import deepcross as dc

assert keras.backend.backend() == "jax", keras.backend.backend()
frame = pd.DataFrame({
    "movieId": [1, 2, 3, 4] * 8,
    "genre": ["Drama", "Comedy", "", "Action"] * 8,
    "avgRating": np.linspace(1.0, 5.0, 32),
})
spec = dc.FeatureSpec([
    dc.Categorical("movieId", dim=4),
    dc.Categorical("genre", dim=2),
    dc.Numeric("avgRating", scaling="standardize"),
]).adapt(frame)
model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
model.compile(optimizer="adam", loss="binary_crossentropy")
x = spec.transform(frame)
model.fit(x, (frame["avgRating"] >= 3.0).to_numpy("float32"), epochs=1, verbose=0)
scores = model.predict(x, verbose=0)
assert scores.shape == (32, 1), scores.shape
assert np.all((scores >= 0) & (scores <= 1))
print("trained and predicted without TensorFlow")
"""


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
def test_jax_user_needs_no_tensorflow():
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", NO_TENSORFLOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "trained and predicted without TensorFlow" in result.stdout


def test_dependencies_leave_the_backend_to_extras():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {
        requirement.split(">")[0].split("=")[0].split("[")[0].strip()
        for requirement in project["dependencies"]
    }
    assert names == {"grain", "keras", "numpy", "pandas", "pyarrow"}
    extras = project["optional-dependencies"]
    assert extras["tensorflow"][0].startswith("tensorflow")
    assert extras["jax"][0].startswith("jax")
    assert extras["torch"][0].startswith("torch")


def test_a_wheel_builds_with_every_module_and_the_command(tmp_path):
    # deepcross is on no package index: users build a wheel (`python -m build`) or install
    # from a clone. pip builds the same wheel here, offline, with the setuptools at hand.
    import shutil
    import zipfile

    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info beside it
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "deepcross", source / "deepcross", ignore=shutil.ignore_patterns("__pycache__")
    )
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w",
         str(tmp_path), str(source)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = tmp_path.glob("deepcross-*-py3-none-any.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "deepcross").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    assert not any(name.startswith(("tests/", "examples/", "benchmarks/")) for name in names)
    info = wheel.name.split("-py3")[0] + ".dist-info"
    text = zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt").decode()
    assert "deepcross = deepcross.serving.cli:main" in text
    metadata = zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode()
    assert {"Provides-Extra: jax", "Provides-Extra: torch"} <= set(metadata.splitlines())
