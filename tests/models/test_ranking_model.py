import warnings

import keras
import numpy as np
import pytest

import deepcross as dc
from tests.conftest import make_frame


def test_custom_tower(tmp_path, spec, frame):
    tower = [keras.layers.Dense(8, activation="relu", name="custom_dense")]
    model = dc.models.RankingModel(spec, tower, task="regression", name="custom")
    model.compile()
    model.fit(spec.transform(frame), frame["avgRating"].to_numpy(), epochs=1, verbose=0)
    path = tmp_path / "custom.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    arrays = spec.transform(frame)
    np.testing.assert_array_equal(
        loaded.predict(arrays, verbose=0), model.predict(arrays, verbose=0)
    )


def test_a_0_1_config_that_says_head_loads(spec):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8, task="multiclass", num_classes=3)
    config = model.get_config()
    assert "head" not in config
    config["head"] = config.pop("task")
    del config["dtype"]  # 0.1 did not write it.
    again = dc.models.EmbeddingMLP.from_config(config)
    assert again.task == "multiclass" and again.get_layer("scoring_head").units == 3


@pytest.mark.parametrize("model_cls", [dc.models.EmbeddingMLP, dc.models.DeepCrossing])
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision(tmp_path, spec, frame, model_cls, policy):
    model = model_cls(spec, 8, dtype=policy)
    made = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert {layer.dtype_policy.name for layer in made} == {policy}
    assert all(w.dtype == "float32" for w in model.weights)
    arrays, labels = spec.transform(frame), frame["label"].to_numpy()
    model.compile()
    history = model.fit(arrays, labels, batch_size=64, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    out = model.predict(arrays, verbose=0)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    path = tmp_path / "mixed.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.get_layer("scoring_head").dtype_policy.name == policy
    np.testing.assert_array_equal(loaded.predict(arrays, verbose=0), out)


def test_the_model_keeps_its_own_spec(tmp_path, spec, frame):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    raw = make_frame(40, seed=3)
    before = model.predict_raw(raw, verbose=0)
    other = make_frame(300, seed=9)
    other["movieId"] += 100
    other["ratingCount"] *= 50
    other["avgRating"] += 2.0
    spec.adapt(other)
    assert model.spec is not spec and model.spec != spec
    np.testing.assert_array_equal(model.predict_raw(raw, verbose=0), before)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.spec == model.spec
    np.testing.assert_array_equal(loaded.predict_raw(raw, verbose=0), before)


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_raw_values_are_refused_with_the_way_out(spec, frame, method):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    model.compile()
    args = (frame["label"].to_numpy(),) if method != "predict" else ()
    with pytest.raises(ValueError, match=r"pandas DataFrame.*model\.preprocess\(df\)"):
        getattr(model, method)(frame, *args)
    columns = {name: frame[name].to_numpy() for name in frame}
    with pytest.raises(ValueError, match=r"spec\.transform\(df\)"):
        getattr(model, method)(columns, *args)


def test_predict_raw_on_zero_rows_then_on_some(spec, frame):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8, task="multiclass", num_classes=3)
    empty = model.predict_raw(frame.iloc[:0], verbose=0)
    assert empty.shape == (0, 3) and empty.dtype == np.float32
    assert model.predict_raw(frame.iloc[:5], verbose=0).shape == (5, 3)
    assert model.predict(model.preprocess(frame.iloc[:0]), verbose=0).shape == (0, 3)


def test_predict_raw_takes_what_transform_takes(spec, frame):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    columns = {name: frame[name].to_numpy() for name in frame}
    np.testing.assert_array_equal(
        model.predict_raw(columns, verbose=0), model.predict_raw(frame, verbose=0)
    )


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_one_array_per_feature_is_refused_with_the_way_out(spec, frame, method):
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    model.compile()
    args = (frame["label"].to_numpy(),) if method != "predict" else ()
    unpacked = spec.transform(frame, packed=False)
    with pytest.raises(ValueError, match=r"one array per feature: .*layout\.pack\(x\)"):
        getattr(model, method)(unpacked, *args)
    getattr(model, method)(spec.layout.pack(unpacked), *args, verbose=0)


def test_fitting_a_feature_dataset_says_nothing_about_its_passes(spec, frame):
    dataset = dc.data.FeatureDataset(spec, frame, label="label", batch_size=64, shuffle=True)
    model = dc.models.EmbeddingMLP(spec, hidden_units=8)
    model.compile()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(dataset, epochs=2, verbose=0)
        model.evaluate(dataset, verbose=0)
        assert model.predict(dataset, verbose=0).shape == (len(frame), 1)
    said = [str(w.message) for w in caught]
    assert not [m for m in said if "ran out of data" in m or "shuffle=True" in m], said
    with warnings.catch_warnings(record=True) as caught:  # steps past its one pass: it may mean it
        warnings.simplefilter("always")
        model.fit(dataset, epochs=2, steps_per_epoch=3, verbose=0)
    assert any("ran out of data" in str(w.message) for w in caught)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda s: dc.models.EmbeddingMLP(s, head="regression"),
         r"EmbeddingMLP\(\) got an unexpected keyword argument 'head'; head= was renamed task="),
        (lambda s: dc.models.EmbeddingMLP(s, hiden_units=(4,)),
         r"'hiden_units'; did you mean hidden_units=\?"),
        (lambda s: dc.models.DeepCrossing(s, residual_unit=(4,)),
         r"DeepCrossing\(\) .* 'residual_unit'; did you mean residual_units=\?"),
        (lambda s: dc.models.RankingModel(s, [], dropuot=0.1), r"'dropuot' \(it takes "),
        (lambda s: dc.models.WideDeep(s, wide=["movieId"], deep_units=(4,)), r"'deep_units'"),
        # Once a model is built, Keras puts its Functional among the class's bases: its
        # arguments are still not the model's.
        (
            lambda s: (dc.models.EmbeddingMLP(s, (4,)), dc.models.EmbeddingMLP(s, inputs=None)),
            r"'inputs' \(it takes dropout",
        ),
    ],
)  # fmt: skip
def test_an_unknown_constructor_keyword_is_an_error_that_names_it(spec, make, message):
    with pytest.raises(TypeError, match=message):
        make(spec)


def test_keras_model_keywords_still_pass(spec):
    model = dc.models.EmbeddingMLP(spec, hidden_units=(4,), name="ranker", trainable=False)
    assert model.name == "ranker" and not model.trainable
    again = dc.models.EmbeddingMLP.from_config(model.get_config())
    assert again.name == "ranker" and not again.trainable


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_zero_rows_to_fit_or_evaluate_is_an_error_that_says_so(spec, frame, method):
    model = dc.models.EmbeddingMLP(spec, hidden_units=(4,))
    model.compile()
    x = spec.transform(frame.iloc[:0])
    with pytest.raises(ValueError, match=f"model.{method} received zero rows"):
        getattr(model, method)(x, np.zeros(0, "float32"), verbose=0)
    assert model.predict(x, verbose=0).shape == (0, 1)
