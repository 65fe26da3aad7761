"""Tables split by row over 2 JAX CPU devices behave as the same tables on one device."""

import json
import sys

import pytest

from tests.distributed.conftest import read_weights, require, run

CHECK = __file__.replace("test_sharded_tables.py", "sharded_tables_check.py")


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    require("jax")
    out = tmp_path_factory.mktemp("sharded_tables")
    _, output, _ = run([sys.executable, CHECK, out], timeout=150, cpu_devices=2)
    return json.loads(output.strip().splitlines()[-1]), out


def test_tables_of_any_row_count_shard_by_row(findings):
    found, _ = findings
    assert found["devices"] == 2
    rows = {name: (t["rows"], t["variable_rows"]) for name, t in found["tables"].items()}
    assert rows == {"odd": (5, 6), "oddPair": (5, 6), "even": (8, 8)}
    assert {t["sharding"] for t in found["tables"].values()} == {"P('model', None)"}
    # The table optimizer's state (lazy Adam's moments, by default) is split as its table.
    assert [t["state_sharding"] for t in found["tables"].values()] == [["P('model', None)"]] * 3


def test_same_weights_give_the_same_outputs(findings):
    found, _ = findings
    assert all(t["same_initial_rows"] for t in found["tables"].values())
    assert found["same_weights_difference"] <= 1e-6
    assert found["penalty_difference"] <= 1e-6  # An L2 penalty sees the zero padding rows.


def test_padding_rows_stay_zero_and_training_matches_one_device(findings):
    found, _ = findings
    assert found["padding_after_fit"] == {"odd": 0.0, "oddPair": 0.0, "even": 0.0}
    assert found["trained_difference"] <= 1e-6


def test_saved_weights_hold_the_real_rows_and_load_on_one_device(findings):
    found, out = findings
    tables = read_weights(out / "sharded.weights.h5", "layers/embedding_stack")
    # Each table, then lazy Adam's two moments of it: real rows only.
    assert sorted(value.shape for value in tables.values()) == [(5, 3)] * 6 + [(8, 4)] * 3
    assert found["reloaded_difference"] <= 1e-6
    assert found["loaded_keras_difference"] <= 1e-6
