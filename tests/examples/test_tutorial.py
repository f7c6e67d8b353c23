"""examples/tutorial.ipynb runs from top to bottom, so it cannot rot.

It is executed with nbclient and an IPython kernel (the ``notebook`` extra, which ``make test``
installs); where they are missing the test skips.
"""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "tutorial.ipynb"


def test_the_tutorial_runs_and_shows_the_page_inline(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on an error
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) == 1 and html[0].startswith('<div class="agl-explain"') and "<svg" in html[0]
    text = "".join(o.get("text", "") for o in outputs)
    assert "∂y/∂x so far: 7" in text and "forward order: 1.0   reverse order: 7.0" in text
    assert (tmp_path / "out" / "tutorial_neuron.html").is_file()
