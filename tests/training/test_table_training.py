"""Table optimizers' state saved and restored: `.keras` files, weights files, resumed runs."""

import keras
import numpy as np
import pytest
from keras import ops

import deepcross as dc


def numpy(x):
    return ops.convert_to_numpy(x)


def tables(model):
    return model.get_layer("embedding_stack").embeddings


def fitted(spec, frame, table_optimizer, epochs=1):
    keras.utils.set_random_seed(3)
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
    model.compile(table_optimizer=table_optimizer)
    model.fit(spec.transform(frame), frame["label"].to_numpy(), batch_size=64, epochs=epochs,
              verbose=0)  # fmt: skip
    return model


def state(model):
    return {
        (name, slot): numpy(v)
        for name, table in tables(model).items()
        for slot, v in {"embeddings": table.embeddings, **table.slots}.items()
    }


CHOICE = {"genre": dc.training.RowWiseAdagrad(learning_rate=0.05), "movieId": "lazy_adam"}


def test_a_keras_file_keeps_each_table_optimizer_and_its_state(tmp_path, spec, frame):
    model = fitted(spec, frame, CHOICE)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert tables(loaded)["genre"].table_optimizer == dc.training.RowWiseAdagrad(learning_rate=0.05)
    assert tables(loaded)["movieId"].table_optimizer == dc.training.LazyAdam()
    expected = state(model)
    assert set(state(loaded)) == set(expected) and ("genre", "accumulator") in expected
    for key, value in state(loaded).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=str(key))
    x, y = spec.transform(frame), frame["label"].to_numpy()
    for m in (model, loaded):  # one more step each: the same state gives the same step
        m.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
    for key, value in state(loaded).items():
        np.testing.assert_allclose(value, state(model)[key], rtol=1e-5, atol=1e-7)


def test_a_model_loaded_uncompiled_or_dense_takes_the_table_alone(tmp_path, spec, frame):
    model = fitted(spec, frame, "lazy_adam")
    path = tmp_path / "model.keras"
    model.save(path)
    scores = model.predict(spec.transform(frame), verbose=0)
    for compile in (False, True):
        loaded = keras.saving.load_model(path, compile=compile)
        assert bool(tables(loaded)["movieId"].slots) == compile
        np.testing.assert_allclose(loaded.predict(spec.transform(frame), verbose=0), scores,
                                   rtol=1e-6)  # fmt: skip
    loaded.compile(table_optimizer=None)  # now dense: the tables are Keras's to train
    assert not tables(loaded)["movieId"].slots
    loaded.fit(spec.transform(frame), frame["label"].to_numpy(), verbose=0)
    dense_path = tmp_path / "dense.keras"
    loaded.save(dense_path)
    again = keras.saving.load_model(dense_path)
    again.compile(table_optimizer="adagrad")  # a file without table state: the state starts
    np.testing.assert_array_equal(
        numpy(tables(again)["movieId"].slots["accumulator"]),
        np.full(tables(again)["movieId"].embeddings.shape, 0.1, "float32"),
    )
    np.testing.assert_array_equal(numpy(tables(again)["movieId"].embeddings),
                                  numpy(tables(loaded)["movieId"].embeddings))  # fmt: skip


class StopAt(keras.callbacks.Callback):
    """Kills a run after `epoch` epochs, as a preempted job dies."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            raise RuntimeError("preempted")


@pytest.mark.parametrize("table_optimizer", ["lazy_adam", "rowwise_adagrad"])
def test_a_run_resumed_from_backup_ends_as_the_uninterrupted_one(
    tmp_path, spec, frame, table_optimizer
):
    x, y = spec.transform(frame), frame["label"].to_numpy()

    def run(callbacks):
        keras.utils.set_random_seed(3)
        model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
        model.compile(table_optimizer=table_optimizer)
        model.fit(x, y, batch_size=64, epochs=3, shuffle=False, callbacks=callbacks, verbose=0)
        return model

    whole = run([])
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    with pytest.raises(RuntimeError, match="preempted"):
        run([backup, StopAt(2)])
    resumed = run([keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))])
    for key, value in state(resumed).items():
        np.testing.assert_allclose(value, state(whole)[key], rtol=1e-5, atol=1e-7, err_msg=key)


def test_an_uncompiled_model_loads_uncompiled(tmp_path, spec):
    model = dc.models.EmbeddingMLP(spec, hidden_units=(8,))
    assert model.get_compile_config() == {}
    model.save(tmp_path / "model.keras")
    assert not keras.saving.load_model(tmp_path / "model.keras").compiled
