"""How many rows a table's variable gets under a distribution that shards it (any backend).

Only the row count is computed here, from a mesh of named devices that need not exist; the
sharded variables themselves are checked on JAX with two CPU devices, in
`test_recipes.py::test_model_parallel_tables`.
"""

import keras
import pytest

import deepcross as dc
from deepcross.features.embedding import _padded_rows

PATH = "embedding_stack/userId_embedding/embeddings"


def model_parallel(layout, shape=(1, 4), key=".*_embedding/embeddings"):
    devices = [f"cpu:{i}" for i in range(shape[0] * shape[1])]
    mesh = keras.distribution.DeviceMesh(shape, ["batch", "model"], devices)
    layout_map = keras.distribution.LayoutMap(mesh)
    layout_map[key] = layout
    return keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")


@pytest.mark.parametrize("rows, padded", [(1, 4), (5, 8), (8, 8), (4691, 4692)])
def test_rows_sharded_by_row_round_up_to_the_model_axis(rows, padded):
    with model_parallel(("model", None)).scope():
        assert _padded_rows(rows, 3, PATH) == padded


def test_rows_round_up_to_the_size_of_the_axis_named_not_of_the_mesh():
    with model_parallel(("model", None), shape=(2, 3)).scope():
        assert _padded_rows(7, 3, PATH) == 9


@pytest.mark.parametrize(
    "distribution",
    [
        lambda: None,
        lambda: model_parallel((None, "model")),  # sharded by column: rows stay whole
        lambda: model_parallel(("model", None), key="dense.*"),  # the table is not in the map
        lambda: model_parallel(("batch", None), shape=(1, 4)),  # an axis of one device
        lambda: keras.distribution.DataParallel(devices=["cpu:0", "cpu:1"]),
    ],
    ids=["none", "by-column", "unmapped", "axis-of-one", "data-parallel"],
)
def test_tables_not_split_by_row_keep_their_rows(distribution):
    distribution = distribution()
    if distribution is None:
        assert _padded_rows(5, 3, PATH) == 5
        return
    with distribution.scope():
        assert _padded_rows(5, 3, PATH) == 5


def test_unsharded_table_is_keras_embedding_with_its_rows():
    layer = dc.Table("userId", dim=3).make_layer(5)
    assert isinstance(layer, keras.layers.Embedding)
    assert layer.input_dim == 5 and tuple(layer.embeddings.shape) == (5, 3)
    assert layer.padding == 0
