"""Every Python block of the documentation runs as written, page by page, in order."""

import pathlib
import re
import textwrap

import keras
import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(p for p in DOCS.glob("*.md") if "```python" in p.read_text())


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_blocks_run_as_written(page, tmp_path, monkeypatch):
    if page.name == "serving.md" and keras.backend.backend() == "torch":
        pytest.skip(
            "the page exports a SavedModel, which Keras cannot do from a PyTorch model "
            "(the page says so; tests/serving covers the TensorFlow reload it shows)"
        )
    blocks = re.findall(r"^([ \t]*)```python\n(.*?)^\1```", page.read_text(), re.S | re.M)
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": f"docs_{page.stem}"}
    for number, (_, code) in enumerate(blocks, 1):
        code = textwrap.dedent(code)
        exec(compile(code, f"{page.name} (python block {number})", "exec"), namespace)


def test_the_api_reference_shows_each_class_as_a_heading():
    # Without show_root_heading a reader of docs/api.md cannot see where `Table` ends and
    # `Categorical` begins.
    config = (DOCS.parent / "mkdocs.yml").read_text()
    assert re.search(r"^\s+show_root_heading: true$", config, re.M)
