"""The house plan holds: imports point down the floors, and no module imports itself in a circle.

Read from the source (every `import`, at module level or inside a function), not from what
Python happens to have loaded. The floors, ground first, as `shared/STYLE.md` and
`docs/architecture.md` draw them; a module may import its own floor and the floors below.
"""

import ast
import re
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "deepcross"

FLOORS = (
    ("deepcross._checks", "deepcross._messages"),
    ("deepcross.features",),
    ("deepcross.data",),
    ("deepcross.layers",),
    # Row-sparse table training: it reads the features' tables, and models use it.
    ("deepcross.training",),
    ("deepcross.models",),
    ("deepcross.serving",),
    # MovieLens for the examples and benchmarks: it may use the core; the core never uses it.
    ("deepcross.datasets",),
    # The package's own __init__, which re-exports every floor.
    ("deepcross",),
)

# Imports that break the plan today and are being removed elsewhere; each must still exist
# (see `test_pending_imports_still_exist`), so the entry goes when the import does.
PENDING = {
    ("deepcross.models.ranking_model", "deepcross.serving"): (
        "RankingModel.export calls deepcross.serving.export_saved_model (models/ is the lead's)"
    ),
}


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported(name, path):
    """The deepcross modules that module `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from package import module` imports the module; `from module import name`, it.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        found |= {target for target in targets if target in MODULES and target != name}
    return found


GRAPH = {name: imported(name, path) for name, path in MODULES.items()}


def floor(name):
    """The index of the floor `name` sits on: the longest floor prefix it falls under."""
    best = None
    for index, prefixes in enumerate(FLOORS):
        for prefix in prefixes:
            if name == prefix or name.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    assert best is not None, f"{name} sits on no floor: add it to FLOORS"
    return best[0]


def test_every_import_points_down_or_stays_on_its_floor():
    upward = sorted(
        f"{name} imports {target} (floor {floor(name)} -> {floor(target)})"
        for name, targets in GRAPH.items()
        for target in targets
        if floor(target) > floor(name) and (name, _package_of(target)) not in PENDING
    )
    assert not upward, "Imports that point up the house:\n" + "\n".join(upward)


def test_no_module_imports_itself_in_a_circle():
    circles = []
    state = {}  # name -> "open" while on the path, "done" after

    def visit(name, path):
        state[name] = "open"
        for target in sorted(GRAPH[name]):
            if (name, _package_of(target)) in PENDING:
                continue
            if state.get(target) == "open":
                circles.append(" -> ".join(path[path.index(target) :] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert not circles, "Import circles:\n" + "\n".join(circles)


def test_pending_imports_still_exist():
    gone = [
        f"{name} -> {package}: {why}"
        for (name, package), why in PENDING.items()
        if not any(_package_of(target) == package for target in GRAPH.get(name, ()))
    ]
    assert not gone, "These imports are gone: remove them from PENDING\n" + "\n".join(gone)


def test_the_graph_is_read_from_the_source():
    # A test that cannot fail proves nothing: the graph holds edges this file knows exist.
    assert "deepcross.features.raw_data" in GRAPH["deepcross.features.feature_spec"]
    assert "deepcross.features" in GRAPH["deepcross.layers.embedding_stack"]
    assert floor("deepcross.features.values") < floor("deepcross.data.readers")
    assert floor("deepcross.datasets.download") > floor("deepcross.serving.cli")


def _package_of(name):
    """The floor package a module belongs to (`deepcross.data` for `deepcross.data.readers`)."""
    parts = name.split(".")
    return ".".join(parts[:2])


def test_no_module_reads_another_modules_private_names():
    reads = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        modules = {}  # a local name -> the deepcross module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("deepcross"):
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    if target in MODULES:
                        modules[alias.asname or alias.name] = target
                    elif alias.name.startswith("_"):
                        reads.append(f"{name} imports {alias.name} from {node.module}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname and alias.name in MODULES:
                        modules[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                reads.append(f"{name} reads {modules[node.value.id]}.{node.attr}")
    assert not reads, "Private names read across modules:\n" + "\n".join(sorted(set(reads)))


def test_no_module_is_much_over_400_lines():
    long = {
        name: lines
        for name, path in MODULES.items()
        if (lines := len(path.read_text().splitlines())) > 400
    }
    assert not long, f"Modules over 400 lines (split them by job): {long}"


def test_the_architecture_page_names_modules_that_exist_and_draws_every_floor():
    page = (ROOT / "docs" / "architecture.md").read_text()
    named = set(
        re.findall(r"\b(?:deepcross/)?((?:features|data|layers|models|serving)/\w+\.py)", page)
    )
    missing = sorted(path for path in named if not (PACKAGE / path).exists())
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"
    for prefixes in FLOORS[:-1]:
        for prefix in prefixes:
            assert prefix.replace(".", "/") in page, f"the diagram lacks {prefix}"
    assert "architecture.md" in (ROOT / "mkdocs.yml").read_text()
