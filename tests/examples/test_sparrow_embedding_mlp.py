"""The MovieLens example end to end on a small slice (real data when CI provides it)."""

import importlib.util
import json
import pathlib

import keras
import numpy as np
import pytest

from deepcross import datasets
from tests.conftest import data_dir

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "sparrow_embedding_mlp.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("sparrow_embedding_mlp", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def source_args():
    real = data_dir() / "ml-latest-small"
    return ["--data-dir", str(real)] if real.exists() else ["--synthetic"]


def test_example_end_to_end(example, tmp_path, capsys):
    out = tmp_path / "run"
    result = example.main(
        source_args()
        + ["--limit", "8000", "--epochs", "2", "--out", str(out), "--json", "--rated-movies"]
    )
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1  # --json: the result line alone on stdout
    line = json.loads(printed[0])
    assert line == json.loads((out / "metrics.json").read_text()) == result
    assert line["train_rows"] > 0 and line["test_rows"] > 0
    assert 0.5 < line["roc_auc"] <= 1.0 and 0.0 < line["accuracy"] <= 1.0
    assert line["train_examples_per_second"] > 0
    assert 1 <= line["best_epoch"] <= line["epochs_run"] <= 2
    for plot in ("training_curves.png", "roc_pr_calibration.png"):
        assert (out / plot).stat().st_size > 10_000
    # The saved model predicts from raw sample rows on its own.
    model = keras.saving.load_model(out / "model.keras", safe_mode=True)
    data = (
        datasets.load_movielens(str(data_dir()))
        if "--data-dir" in source_args()
        else (datasets.synthetic_movielens(seed=42))
    )
    raw = datasets.build_samples(data.ratings.iloc[:500], data.movies).head(20)
    scores = model.predict_raw(raw, verbose=0)
    assert scores.shape == (len(raw), 1) and np.all((scores >= 0) & (scores <= 1))


def test_example_on_ready_made_sample_files(example, tmp_path, capsys):
    data = datasets.synthetic_movielens(num_ratings=6000, seed=1)
    samples = datasets.build_samples(data.ratings, data.movies)
    train, test = datasets.split_samples(samples, seed=1)
    train.to_csv(tmp_path / "trainingSamples.csv", index=False)
    test.to_csv(tmp_path / "testSamples.csv", index=False)
    result = example.main(
        [
            "--samples-dir",
            str(tmp_path),
            "--epochs",
            "1",
            "--model",
            "deep_crossing",
            "--out",
            str(tmp_path / "run"),
        ]
    )
    assert result["train_rows"] == len(train) and result["test_rows"] == len(test)
    assert result["model"] == "deep_crossing"
    printed = capsys.readouterr().out
    assert printed.count("Predicted good rating: ") == 12


def test_early_stopping_says_where_it_stopped_and_which_epoch_it_kept(example):
    history = {"loss": [0.6, 0.5, 0.4, 0.3], "val_auc": [0.70, 0.74, 0.73, 0.72]}
    note = example.stopping_note(history)
    assert note == "Early stopping: stopped at epoch 4, kept epoch 2 (best val_auc 0.7400)"


def test_split_help_says_what_the_time_split_does(example, capsys):
    with pytest.raises(SystemExit):
        example.parse_args(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert (
        "the latest 20% of all ratings in time (one cut-off timestamp for every user)" in help_text
    )
    assert "each user's latest" not in help_text
