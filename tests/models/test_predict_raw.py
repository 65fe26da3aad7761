"""predict_raw's fast path for small inputs, and transform's small-input shortcuts."""

import keras
import numpy as np
import pandas as pd
import pytest

import deepcross as dc
from tests.conftest import make_frame


def odd_frame(n=40, seed=0):
    """Raw rows with everything a request may hold: OOV ids, gaps, numeric text, pandas
    extension dtypes (nullable ints, categoricals with gaps, text)."""
    frame = make_frame(n, seed)
    movie = frame["movieId"].astype("Int64")
    movie.iloc[3::11] += 1000  # out of vocabulary
    movie.iloc[::7] = pd.NA
    frame["movieId"] = movie
    frame["movieGenre1"] = frame["movieGenre1"].astype("category")
    frame.loc[::5, "movieGenre1"] = np.nan
    frame["movieGenre2"] = frame["movieGenre2"].astype("string")
    frame["userGenre1"] = frame["userGenre1"].astype(object)
    frame.loc[1::6, "userGenre1"] = " Drama "  # a key of its own: text is kept exactly
    frame.loc[2::6, "userGenre1"] = None
    frame["avgRating"] = frame["avgRating"].astype(str)  # numbers as text, as in a CSV
    return frame


def test_transform_row_by_row_equals_transform_of_all_rows(spec):
    frame = odd_frame()
    whole = spec.transform(frame)
    for i in range(len(frame)):
        one = spec.transform(frame.iloc[[i]])
        for name, array in whole.items():
            np.testing.assert_array_equal(one[name], array[i : i + 1], err_msg=name)
    # A few rows (the per-cell and get_loc paths) and many (the vectorized ones) agree too.
    few = spec.transform(frame.iloc[:10])
    for name, array in whole.items():
        np.testing.assert_array_equal(few[name], array[:10], err_msg=name)


def test_one_row_in_every_shape_gives_one_answer(spec, frame):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    row = frame.iloc[3]
    expected = model.predict_raw(frame.iloc[[3]])
    for data in (row, row.to_dict(), [row.to_dict()], {k: [v] for k, v in row.items()}):
        np.testing.assert_array_equal(model.predict_raw(data), expected)


def test_small_inputs_skip_predict_and_large_ones_use_it(spec, frame, monkeypatch):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    expected = model.predict(model.preprocess(frame), verbose=0)
    calls = []
    original = model.predict
    monkeypatch.setattr(model, "predict", lambda x, **kw: calls.append(kw) or original(x, **kw))

    out = model.predict_raw(frame.iloc[:200])
    assert calls == [] and out.dtype == np.float32 and out.shape == (200, 1)
    np.testing.assert_allclose(out, expected[:200], rtol=1e-6, atol=1e-6)

    big = pd.concat([frame] * 5, ignore_index=True)  # 1,280 rows: more than one batch
    out = model.predict_raw(big, verbose=0)
    assert calls == [{"batch_size": None, "verbose": 0}]
    np.testing.assert_allclose(out, np.concatenate([expected] * 5), rtol=1e-6, atol=1e-6)

    model.predict_raw(frame.iloc[:100], batch_size=64, verbose=0)  # more rows than a batch
    model.predict_raw(frame.iloc[:10], steps=1, verbose=0)  # a predict-only argument
    assert calls[1:] == [
        {"batch_size": 64, "verbose": 0},
        {"batch_size": None, "verbose": 0, "steps": 1},
    ]
    assert model.predict_raw(frame.iloc[:0]).shape == (0, 1)


def test_requests_are_padded_to_powers_of_two_and_the_padding_dropped(spec, frame):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    expected = model.predict(model.preprocess(frame), verbose=0)
    sizes = []
    original = model.predict_on_batch
    model.predict_on_batch = lambda x: sizes.append(len(x["int32"])) or original(x)
    for rows in (1, 2, 3, 5, 17, 64, 100):
        out = model.predict_raw(frame.iloc[:rows])
        assert out.shape == (rows, 1)
        np.testing.assert_allclose(out, expected[:rows], rtol=1e-6, atol=1e-6)
    assert sizes == [1, 2, 4, 8, 32, 64, 128]


def test_compile_uses_xla_on_tensorflow_unless_told_not_to(spec):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    model.compile()
    expected = {"tensorflow": True, "jax": True, "torch": False}[keras.backend.backend()]
    assert model.jit_compile is expected
    model.compile(jit_compile=False)
    assert model.jit_compile is False


@pytest.mark.parametrize("rows, bad_row", [(2, 1), (40, 27)])
def test_a_bad_value_is_named_with_its_row(spec, frame, rows, bad_row):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    bad = frame.iloc[:rows].astype({"userGenre2": object})
    bad.iloc[bad_row, bad.columns.get_loc("userGenre2")] = ["Drama"]
    with pytest.raises(ValueError, match=f"Feature 'userGenre': row {bad_row} holds"):
        model.predict_raw(bad)
