import numpy as np
import pandas as pd
import pytest

import deepcross as dc
from tests.conftest import encode
from tests.features.test_hashed import siphash24


def test_cross_is_the_hash_of_the_joined_keys():
    cross = dc.Crossed("cg", columns=["country", "genre"], num_bins=97)
    data = pd.DataFrame(
        {"country": ["FR", "FR", "NG", None], "genre": ["Drama", "Drama", "Drama", "X"]}
    )
    rows, counts = encode(cross, data)
    assert rows.shape == (4, 1) and rows.dtype == np.int32
    assert rows[0, 0] == rows[1, 0]  # One combination, one row.
    assert rows[3, 0] == -1  # A missing part: no value.
    assert counts["values"] == 3 and counts["missing"] == 1
    assert rows[0, 0] == siphash24(b"0123456789123456", b"FR\x1fDrama") % 97


def test_cross_keys_follow_the_value_policy():
    cross = dc.Crossed("cg", columns=["a", "b"], num_bins=1000)
    first, _ = encode(cross, {"a": np.array([349, 7]), "b": np.array(["x", "y"])})
    second, _ = encode(cross, {"a": np.array([349.0, 7.0]), "b": np.array(["x", "y"])})
    np.testing.assert_array_equal(first, second)


def test_crossed_trains_saves_and_loads(tmp_path):
    import keras

    rng = np.random.default_rng(0)
    data = pd.DataFrame({"a": rng.integers(0, 4, 400), "b": rng.integers(0, 4, 400)})
    label = ((data["a"] + data["b"]) % 2).astype("float32")  # Only the cross says it.
    # 256 bins: the 16 combinations land on 16 rows (with 64, some collide and clash).
    spec = dc.FeatureSpec([dc.Crossed("ab", columns=["a", "b"], num_bins=256, dim=4)])
    assert len(np.unique(spec.transform(data, packed=False)["ab"])) == 16
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    model.compile(optimizer=keras.optimizers.Adam(0.05))
    model.fit(spec.transform(data), label, epochs=10, verbose=0)
    assert model.evaluate(spec.transform(data), label, verbose=0) < 0.3
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(
        loaded.predict_raw(data[:5], verbose=0), model.predict_raw(data[:5], verbose=0)
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"columns": ["a"], "num_bins": 5}, "two or more"),
        ({"columns": "ab", "num_bins": 5}, "two or more"),
        ({"columns": ["a", "a"], "num_bins": 5}, "twice"),
        ({"columns": ["a", "b"], "num_bins": 0}, "num_bins=0"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dc.Crossed("cross", **kwargs)
