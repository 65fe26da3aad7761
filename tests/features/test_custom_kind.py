"""A feature kind written outside deepcross works end to end, as docs/extending.md shows."""

import dataclasses

import keras
import numpy as np
import pandas as pd
import pytest

import deepcross as dc
from deepcross.features import raw_data


@keras.saving.register_keras_serializable(package="deepcross_tests")
@dataclasses.dataclass
class TextLength(dc.features.Feature):
    """The length of a text column, divided by the longest length seen by `adapt`."""

    _: dataclasses.KW_ONLY
    column: str = "title"

    @property
    def source_columns(self):
        return (self.column,)

    @property
    def state_key(self):
        return self.name

    def lengths(self, columns):
        text = pd.Series(raw_data.column(columns, self.column, self.name), dtype=object)
        return text.fillna("").astype(str).str.len().to_numpy()

    def summarize(self, columns, num_rows):
        return int(self.lengths(columns).max(initial=0))

    def merge(self, a, b):
        return max(a, b)

    def finish(self, state):
        return {"longest": max(state, 1)}

    def encode(self, columns, num_rows, prepared):
        return self.lengths(columns).astype("float32")[:, None], {"values": num_rows}

    def call(self, x, embedding, learned, compute_dtype):
        return keras.ops.cast(x / learned["longest"], compute_dtype)


def frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    titles = np.array(["Up", "Heat", "Alien", "Toy Story", "The Lord of the Rings", None], object)
    df = pd.DataFrame({"title": titles[rng.integers(0, 6, n)], "movieId": rng.integers(0, 9, n)})
    return df, (df["title"].fillna("").str.len() > 6).astype("float32")


def test_a_registered_kind_of_your_own_adapts_trains_saves_and_serves(tmp_path):
    df, label = frame()
    spec = dc.FeatureSpec([TextLength("titleLength"), dc.Categorical("movieId", dim=3)]).adapt(df)
    assert spec.learned["titleLength"] == {"longest": 21}
    assert spec.transform(df[:2], packed=False)["titleLength"].dtype == np.float32
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
    model.compile(optimizer=keras.optimizers.Adam(0.05))
    model.fit(spec.transform(df), label, epochs=20, verbose=0)
    assert model.evaluate(spec.transform(df), label, verbose=0) < 0.3
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    test, _ = frame(20, seed=1)
    np.testing.assert_allclose(
        loaded.predict_raw(test, verbose=0), model.predict_raw(test, verbose=0)
    )


def test_adapt_merges_chunk_states_of_a_kind_of_your_own():
    df, _ = frame()
    whole = dc.FeatureSpec([TextLength("t")]).adapt(df)
    chunked = dc.FeatureSpec([TextLength("t")]).adapt(df[i : i + 7] for i in range(0, len(df), 7))
    assert chunked.learned == whole.learned


def test_an_unregistered_kind_is_refused_with_the_fix():
    @dataclasses.dataclass
    class Unregistered(dc.features.Feature):
        pass

    with pytest.raises(ValueError, match="register_keras_serializable"):
        dc.FeatureSpec([Unregistered("x")])
