"""The README's pictures: each is in docs/, and docs/make_pictures.py remakes each of them."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "make_pictures.py"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def readme_pictures() -> list[str]:
    """The file names of the pictures README.md references as docs/NAME.png or .svg."""
    names = re.findall(r"docs/([\w.-]+\.(?:png|svg))\b", (ROOT / "README.md").read_text())
    assert names, "the README shows no picture from docs/"
    return sorted(set(names))


def make_pictures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_pictures", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", readme_pictures())
def test_every_picture_the_readme_shows_is_in_docs(name: str) -> None:
    assert (ROOT / "docs" / name).is_file(), f"README.md shows docs/{name}, which is missing"


def test_make_pictures_makes_every_picture_the_readme_shows() -> None:
    missing = set(readme_pictures()) - set(make_pictures().outputs())
    assert not missing, f"docs/make_pictures.py does not make {sorted(missing)}"


def test_make_pictures_names_no_missing_file() -> None:
    text = SCRIPT.read_text()
    for reference in re.findall(r"docs/[\w/.-]+\.(?:md|py|png|svg)", text):
        assert (ROOT / reference).exists(), f"make_pictures.py names {reference}, which is missing"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_make_pictures_remakes_a_drawing_and_an_example_figure(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")  # the examples extra
    names = ["neuron.svg", "neuron.png", "example_shallow_network_grads.png"]
    result = run("--into", str(tmp_path), *names[::2])  # a name remakes its whole drawing
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    assert (tmp_path / "neuron.svg").read_text().lstrip().startswith("<?xml")
    for name in names[1:]:
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)


def test_make_pictures_refuses_an_unknown_name(tmp_path: Path) -> None:
    result = run("--into", str(tmp_path), "rendering.png")
    assert result.returncode == 2
    assert "no such picture: rendering.png" in result.stderr and "neuron.svg" in result.stderr
    assert not list(tmp_path.iterdir())
