"""`model.export` writes a SavedModel that scores raw values as `predict_raw` does."""

import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig

import keras
import numpy as np
import pandas as pd
import pytest

import deepcross as dc
from deepcross.serving import serving_signature

tf = pytest.importorskip("tensorflow")

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENRES = ["Action", "Comedy", "Drama", "Thriller"]
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))

# Scores a JSON request with the SavedModel in a Python that has TensorFlow but no deepcross:
# -I -S leave out the repository, PYTHONPATH and site's .pth files (the editable install).
SERVE = """
import importlib.util, json, sys
sys.path.append(sys.argv[3])
if importlib.util.find_spec("deepcross") is not None:  # a regular install, beside TensorFlow
    sys.modules["deepcross"] = None
try:
    import deepcross
except ImportError:
    pass
else:
    raise SystemExit("deepcross is importable: " + deepcross.__file__)
import tensorflow as tf

serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
with open(sys.argv[2]) as file:
    request = json.load(file)
specs = serve.structured_input_signature[1]
outputs = serve(**{name: tf.constant(request[name], spec.dtype) for name, spec in specs.items()})
print(json.dumps({key: value.numpy().tolist() for key, value in outputs.items()}))
"""

# What docs/serving.md says to do with a model trained on PyTorch.
EXPORT_ON_TENSORFLOW = """
import sys
import keras
import deepcross  # registers deepcross's classes, which the .keras file names
model = keras.saving.load_model(sys.argv[1], compile=False)
model.export(sys.argv[2], dtypes={"userId": "int64"}, verbose=False)
"""


def raw_frame(n=300, seed=0):
    rng = np.random.default_rng(seed)
    genres = ["|".join(rng.choice(GENRES, rng.integers(0, 5))) for _ in range(n)]
    frame = pd.DataFrame(
        {
            "movieId": rng.integers(1, 40, n).astype(str).astype(object),
            "lastMovieId": rng.integers(1, 40, n).astype(str).astype(object),
            "userId": rng.integers(1, 30, n),
            "genres": np.array(genres, object),
            "userGenre1": rng.choice(GENRES + [""], n).astype(object),
            "userGenre2": rng.choice(GENRES + [""], n).astype(object),
            "slot": rng.integers(0, 6, n),
            "city": rng.choice(["Paris", "Lagos", "Lima", "Oslo"], n).astype(object),
            "country": rng.choice(["FR", "NG", "PE"], n).astype(object),
            "year": rng.uniform(1980, 2020, n).astype("float32"),
            "avgRating": rng.uniform(0.5, 5.0, n).astype("float32"),
            "ratingCount": rng.integers(0, 500, n).astype("float32"),
            "price": rng.uniform(1.0, 30.0, n).astype("float32"),
            "raw": rng.normal(size=n).astype("float32"),
        }
    )
    label = (frame["movieId"].astype(int) % 3 == 0) ^ (frame["userGenre1"] == "Drama")
    return frame, label.to_numpy("float32")


def every_kind():
    """A spec with every feature kind, shared tables, learned and given vocabularies."""
    movie, genre = dc.Table("movie", dim=6), dc.Table("genre", dim=3)
    years = [1990.0, 2000.0, 2010.0]
    return dc.FeatureSpec(
        [
            dc.Categorical("movieId", table=movie),
            dc.Categorical("lastMovieId", table=movie),
            dc.Categorical("userId", num_oov_indices=3, dim=4),
            dc.Categorical("genres", separator="|", max_values=3, vocabulary=GENRES, table=genre),
            dc.Categorical(
                "userGenre", columns=["userGenre1", "userGenre2"], vocabulary=GENRES, table=genre
            ),
            dc.IntegerIdentity("slot", num_tokens=5, dim=2),
            dc.Hashed("city", num_bins=8, dim=2),
            dc.Crossed("countryCity", columns=["country", "city"], num_bins=16, dim=2),
            dc.Bucketized("year", boundaries=years, dim=2),
            dc.Bucketized("decade", column="year", boundaries=years, default=2005.0, dim=2),
            dc.Numeric("avgRating", scaling="standardize"),
            dc.Numeric("ratingCount", scaling="log1p"),
            dc.Numeric("price", scaling="minmax"),
            dc.Numeric("raw"),
        ]
    )


def odd_request(frame):
    """Rows a live service meets: unseen ids, blanks, NaN, inf, numbers spelled as text."""
    nan, inf = float("nan"), float("inf")
    odd = pd.DataFrame(
        {
            "movieId": ["1", " 2 ", "3.0", "007", "9999", "", "  ", "abc", "1e0", "-0"],
            "lastMovieId": ["2", "2.50", "", "x", " 39", "+4", "40", "5", "1", "NaN"],
            "userId": [1, 2, 999, -1, 0, 29, 30, 2**40, 5, 7],
            "genres": [
                "Drama",
                "",
                "Drama||Comedy",
                "Western",
                "Action|Comedy|Drama|Thriller",
                "|",
                " Drama",
                "Comedy|Comedy",
                "drama",
                "Thriller|",
            ],
            "userGenre1": ["Drama", "", " ", "Western", "Action", "Comedy", "", "x", "1", "2.0"],
            "userGenre2": ["", "Drama", "Thriller", "", "", "Action", "y", "", "", ""],
            "slot": [0, 4, 5, -1, 99, 2, 3, 1, 2**62, 0],
            "city": ["Paris", "Lagos", "", "Rome", "  ", "Lima", "Oslo", "paris", "1", "2.0"],
            "country": ["FR", "", "NG", "PE", "FR", " ", "XX", "PE", "1.0", "FR"],
            "year": [1990.0, 2000.0, nan, inf, -inf, 1989.99, 2010.0, 2030.0, 1e30, 1999.5],
            "avgRating": [1.0, nan, inf, -inf, 5.0, 0.0, 2.5, 3e38, -1.0, 4.0],
            "ratingCount": [0.0, 10.0, nan, -inf, 499.0, -5.0, 1e6, 3.0, inf, 7.0],
            "price": [1.0, 30.0, nan, 15.0, inf, -10.0, 100.0, 2.0, 3.0, 4.0],
            "raw": [0.0, nan, -inf, 1.0, 2.0, 3.0, -3.0, 1e-3, 5.0, 6.0],
        }
    )
    for column in ("year", "avgRating", "ratingCount", "price", "raw"):
        odd[column] = odd[column].astype("float32")
    return pd.concat([odd, frame[:40]], ignore_index=True)


def site_packages():
    return sysconfig.get_paths()["purelib"]


def run_command(command, cwd=ROOT, **env):
    """Runs `command` with `ENV` (plus `env`) and returns its result; a failure shows stderr."""
    result = subprocess.run(
        command, cwd=cwd, env=dict(ENV, **env), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def serve_in_subprocess(path, request, tmp_path):
    """The SavedModel's outputs on `request`, computed where deepcross is not importable."""
    request_file = tmp_path / "request.json"
    columns = {name: request[name].tolist() for name in request.columns}
    request_file.write_text(json.dumps(columns))
    result = run_command(
        [sys.executable, "-I", "-S", "-c", SERVE, str(path), str(request_file), site_packages()],
        cwd=tmp_path,
    )
    return json.loads(result.stdout.splitlines()[-1])


def export(model, path, tmp_path):
    """`model.export` on TensorFlow or JAX; on PyTorch, the documented way: save, load on
    TensorFlow in another process, export there."""
    if keras.backend.backend() != "torch":
        model.export(path, dtypes={"userId": "int64"}, verbose=False)
        return
    model.save(tmp_path / "model.keras")
    run_command(
        [sys.executable, "-c", EXPORT_ON_TENSORFLOW, str(tmp_path / "model.keras"), str(path)],
        KERAS_BACKEND="tensorflow",
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(0)
    frame, label = raw_frame()
    spec = every_kind().adapt(frame)
    model = dc.models.DeepCrossing(spec, residual_units=(8,))
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    model.fit(spec.transform(frame), label, batch_size=64, epochs=2, verbose=0)
    tmp_path = tmp_path_factory.mktemp("export")
    path = tmp_path / "sparrow" / "1"
    export(model, path, tmp_path)
    return model, path, frame


def test_served_scores_equal_predict_raw_without_deepcross(exported, tmp_path):
    model, path, frame = exported
    request = odd_request(frame)
    served = serve_in_subprocess(path, request, tmp_path)
    assert list(served) == ["score"]
    expected = model.predict_raw(request, verbose=0)
    np.testing.assert_allclose(np.array(served["score"]), expected, atol=1e-5, rtol=0)
    assert np.ptp(expected) > 0.01  # trained: the rows get different scores


def test_signature_is_one_typed_input_per_raw_column(exported):
    model, path, _ = exported
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    specs = serve.structured_input_signature[1]
    columns = [c for f in model.spec.features for c in f.source_columns]
    assert sorted(specs) == sorted(set(columns))
    dtypes = {name: spec.dtype.name for name, spec in specs.items()}
    assert dtypes["movieId"] == dtypes["genres"] == dtypes["country"] == "string"
    assert dtypes["slot"] == dtypes["userId"] == "int64"  # userId: declared in `dtypes`
    assert dtypes["year"] == dtypes["price"] == "float32"
    assert {tuple(spec.shape.as_list()) for spec in specs.values()} == {(None,)}
    assert list(serve.structured_outputs) == ["score"]


def test_a_missing_input_or_a_wrong_dtype_fails_with_the_signature_error(exported):
    model, path, frame = exported
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    specs = serve.structured_input_signature[1]
    request = {
        name: tf.constant(frame[name][:3].tolist(), spec.dtype) for name, spec in specs.items()
    }
    assert serve(**request)["score"].shape == (3, 1)
    with pytest.raises(TypeError, match="missing a required argument: 'price'"):
        serve(**{name: value for name, value in request.items() if name != "price"})
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a string tensor"):
        serve(**(request | {"movieId": tf.constant([1, 2, 3], tf.int64)}))


def test_saved_model_cli_shows_it(exported):
    _, path, _ = exported
    cli = pathlib.Path(sys.executable).with_name("saved_model_cli")
    if not cli.exists():
        cli = shutil.which("saved_model_cli")
        if cli is None:
            pytest.skip("saved_model_cli is not installed beside this Python or on PATH")
    result = run_command([str(cli), "show", "--dir", str(path), "--all"])
    assert "signature_def['serving_default']" in result.stdout
    assert "inputs['movieId'] tensor_info:" in result.stdout
    assert "outputs['score'] tensor_info:" in result.stdout


# Trains and exports on JAX (Keras converts the model with jax2tf), then scores on TensorFlow.
JAX_EXPORT = """
import sys
import keras
import numpy as np
import tensorflow as tf
from tests.serving.test_export import every_kind, odd_request, raw_frame
import deepcross as dc

assert keras.backend.backend() == "jax"
frame, label = raw_frame()
spec = every_kind().adapt(frame)
model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
model.compile(optimizer=keras.optimizers.Adam(0.01))
model.fit(spec.transform(frame), label, batch_size=64, epochs=2, verbose=0)
model.export(sys.argv[1], dtypes={"userId": "int64"}, verbose=False)
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
request = odd_request(frame)
specs = serve.structured_input_signature[1]
served = serve(**{n: tf.constant(request[n].tolist(), s.dtype) for n, s in specs.items()})
difference = np.abs(served["score"].numpy() - model.predict_raw(request, verbose=0)).max()
assert difference <= 1e-5, difference
print("served the JAX-trained model")
"""


def test_a_jax_trained_model_exports(tmp_path):
    pytest.importorskip("jax")
    result = run_command(
        [sys.executable, "-c", JAX_EXPORT, str(tmp_path / "jax_model")], KERAS_BACKEND="jax"
    )
    assert "served the JAX-trained model" in result.stdout


def test_export_arguments_are_checked(exported, tmp_path, monkeypatch):
    model, _, _ = exported
    spec = model.spec
    assert serving_signature(spec, {"movieId": "int64"})["movieId"] == "int64"
    with pytest.raises(ValueError, match=r"columns the spec does not read: \['title'\]"):
        serving_signature(spec, {"title": "string"})
    with pytest.raises(ValueError, match=r"dtypes\['movieId'\] must be one of .*'int8'"):
        serving_signature(spec, {"movieId": "int8"})
    for names, message in [
        (["movie genre"], "'movie genre' cannot name a SavedModel input"),
        (["movie.genre"], "'movie.genre' cannot name"),
        (["genre", "Genre"], "'genre' and 'Genre' differ only in case"),
    ]:
        odd = dc.FeatureSpec([dc.Categorical("genre", columns=names, vocabulary=["a"])])
        with pytest.raises(ValueError, match=message):
            serving_signature(odd)
    with pytest.raises(ValueError, match="dtypes=.* instead of input_signature"):
        model.export(tmp_path / "m", input_signature=[tf.TensorSpec([None], tf.string)])
    with pytest.raises(ValueError, match="dtypes applies to format='tf_saved_model'"):
        model.export(tmp_path / "m.onnx", format="onnx", dtypes={"movieId": "int64"})
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(ValueError, match="KERAS_BACKEND=tensorflow.*export"):
        dc.serving.export_saved_model(model, tmp_path / "m")


def test_a_keras_model_built_from_a_spec_exports_with_it(tmp_path):
    if keras.backend.backend() == "torch":
        pytest.skip("a SavedModel is written from the TensorFlow or JAX backend")
    frame, _ = raw_frame(60)
    spec = dc.FeatureSpec(
        [dc.Categorical("movieId", dim=3), dc.Numeric("price", scaling="standardize")]
    ).adapt(frame)
    inputs = spec.make_inputs()
    stacked = dc.layers.EmbeddingStack(spec)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(stacked))
    with pytest.raises(ValueError, match="Functional has no spec: pass the FeatureSpec"):
        dc.serving.export_saved_model(model, tmp_path / "m")
    dc.serving.export_saved_model(model, tmp_path / "m", spec=spec, verbose=False)
    serve = tf.saved_model.load(str(tmp_path / "m")).signatures["serving_default"]
    request = {"movieId": ["1", " 2 ", "x", ""], "price": [1.0, float("nan"), 3.0, 4.0]}
    served = serve(movieId=tf.constant(request["movieId"]), price=tf.constant(request["price"]))
    expected = model.predict(spec.transform(request), verbose=0)
    np.testing.assert_allclose(served["score"].numpy(), expected, atol=1e-6)


def wide_deep(spec):
    return dc.models.WideDeep(spec, wide=["countryCity", "movieId", "price"], hidden_units=(8,))


def dcn(spec):
    pytest.importorskip("keras_rs")  # the deepcross[keras-rs] extra
    return dc.models.DCN(spec, cross_layers=2, projection_dim=4, hidden_units=(8,))


@pytest.mark.parametrize("make_model", [wide_deep, dcn], ids=["WideDeep", "DCN"])
def test_wide_deep_and_dcn_serve_raw_values(make_model, tmp_path):
    keras.utils.set_random_seed(0)
    frame, label = raw_frame()
    spec = every_kind().adapt(frame)
    model = make_model(spec)
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    model.fit(spec.transform(frame), label, batch_size=64, epochs=2, verbose=0)
    path = tmp_path / "served" / "1"
    export(model, path, tmp_path)
    request = odd_request(frame)
    # Left out: the row whose avgRating is 3e38. A cross network multiplies its inputs, and
    # that number overflows to inf there, which backends turn into NaN or 0 alike.
    request = request[request["avgRating"].abs() < 1e30].reset_index(drop=True)
    served = serve_in_subprocess(path, request, tmp_path)
    expected = model.predict_raw(request, verbose=0)
    assert np.isfinite(expected).all() and np.ptp(expected) > 0.01
    np.testing.assert_allclose(np.array(served["score"]), expected, atol=1e-5, rtol=0)


QUIET_EXPORT = """
import sys
import keras
import deepcross as dc

model = keras.saving.load_model(sys.argv[1], compile=False)
print("--- exporting", flush=True)
print("--- exporting", file=sys.stderr, flush=True)
model.export(sys.argv[2])
"""


def test_export_says_one_line_and_no_native_start_up_lines(tmp_path):
    # JAX converts through jax2tf, whose CUDA probe wrote to stderr, and Keras listed every
    # signature with its captures (about 30 lines).
    backend = "jax" if importlib.util.find_spec("jax") else "tensorflow"
    frame, label = raw_frame()
    spec = dc.FeatureSpec([dc.Categorical("userId", dim=2), dc.Numeric("price")]).adapt(frame)
    dc.models.EmbeddingMLP(spec, hidden_units=4).save(tmp_path / "model.keras")
    env = {name: value for name, value in ENV.items() if name != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-c", QUIET_EXPORT, str(tmp_path / "model.keras"), str(tmp_path / "m")],
        env=dict(env, KERAS_BACKEND=backend),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout.split("--- exporting\n", 1)[1].splitlines()
    assert out == [f"Saved a SavedModel to {tmp_path / 'm'}: serving_default takes userId "
                   "(string), price (float32); returns score"]  # fmt: skip
    assert result.stderr.split("--- exporting\n", 1)[1] == ""
