"""examples/tutorial.ipynb runs from top to bottom, so it cannot rot.

It is executed with nbclient and an IPython kernel (the ``notebook`` extra, which ``make test``
installs); where they are missing the test skips. The kernel starts in a folder of its own, as
Jupyter started anywhere would: the notebook still writes to the repository's ``out/``.
"""

from __future__ import annotations

import ast
import importlib
import re
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "tutorial.ipynb"
PACKAGES = ("autograd_lite", "nn", "optim")


def code_cells() -> list[str]:
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, float]:
    """The notebook, run in a fresh folder; and the time it started."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": elsewhere}}
    )
    started = time.time()
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on an error
    assert not (elsewhere / "out").exists()  # nothing written where Jupyter happened to start
    return notebook, started


def outputs(notebook: Any) -> list[Any]:
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]


def test_the_tutorial_shows_the_graph_the_network_and_the_page_inline(
    executed: tuple[Any, float],
) -> None:
    shown = outputs(executed[0])
    html = [o["data"]["text/html"] for o in shown if "text/html" in o.get("data", {})]
    assert len(html) == 1 and html[0].startswith('<div class="agl-explain"') and "<svg" in html[0]
    svgs = [o["data"]["image/svg+xml"] for o in shown if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) == 3  # the neuron's graph, a named network's graph, the trained network
    assert "w1" in svgs[0] and "a1[2]" in svgs[1] and "W1[2,1]" in svgs[1]
    assert "hidden layer 2" in svgs[2] and "z2[8]" in svgs[2]
    assert any("image/png" in o.get("data", {}) for o in shown)  # the training figure


def test_the_tutorial_writes_to_the_repositorys_out_from_another_folder(
    executed: tuple[Any, float],
) -> None:
    for name in ("tutorial_neuron.html", "tutorial_training.png"):
        written = ROOT / "out" / name
        assert written.is_file() and written.stat().st_mtime >= executed[1] - 1, name


def test_the_tutorial_trains_to_a_result_worth_showing(executed: tuple[Any, float]) -> None:
    text = "".join(o.get("text", "") for o in outputs(executed[0]))
    start, end = (float(v) for v in re.findall(r"loss ([\d.]+) -> ([\d.]+)", text)[0])
    assert end < 0.05 * start
    training, new = (int(v) for v in re.findall(r"training (\d+)%, 400 new points (\d+)%", text)[0])
    assert training >= 95 and new >= 90


def test_the_tutorial_shows_fan_out_and_the_wrong_order(executed: tuple[Any, float]) -> None:
    text = "".join(o.get("text", "") for o in outputs(executed[0]))
    assert "ḡ(x) so far: 7" in text and "forward order: 1.0   reverse order: 7.0" in text


def test_the_tutorial_imports_only_public_names() -> None:
    """Every name it takes from the packages is in the package's ``__all__`` (or is the
    package's own ``__file__``): no module of theirs, no private name."""
    modules = {name: importlib.import_module(name) for name in PACKAGES}
    for source in code_cells():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in PACKAGES:
                        assert alias.name in PACKAGES, f"imports the module {alias.name}"
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PACKAGES:
                assert node.module in PACKAGES, f"imports from the module {node.module}"
                for alias in node.names:
                    assert alias.name in modules[node.module].__all__, alias.name
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in PACKAGES
            ):
                public = modules[node.value.id].__all__
                assert node.attr in public or node.attr == "__file__", node.attr
