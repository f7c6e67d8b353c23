"""The examples and the benchmark import what they need by names that cannot be taken.

A script's own folder comes first on ``sys.path``, so a sibling helper called ``datasets``
hides the PyPI package of that name from the script, and the PyPI package (once imported)
hides the helper from everyone else. So: nothing edits ``sys.path``, helpers have names
starting with an underscore that nothing installed provides (a script may import another
script, as demo.py does moons.py), and code outside a script's folder imports them by their
full names (``examples._data``).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("examples", "bench", "docs")
OURS = {"autograd_lite", "nn", "optim", "examples", "bench"}
#: What pyproject.toml's dependencies and extras provide, by import name.
INSTALLED = {"numpy", "graphviz", "tqdm", "matplotlib", "micrograd", "torch", "selenium", "mkdocs"}
SCRIPTS = sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.py"))


def top_level_imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_sys_path_edits(script: Path) -> None:
    tree = ast.parse(script.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "path":
            assert not (isinstance(node.value, ast.Name) and node.value.id == "sys"), (
                f"{script.name}:{node.lineno} uses sys.path"
            )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_import_is_ours_installed_stdlib_or_an_underscore_sibling(script: Path) -> None:
    siblings = {p.stem for p in script.parent.glob("*.py")}
    for name in top_level_imports(ast.parse(script.read_text(encoding="utf-8"))):
        if name in sys.stdlib_module_names or name in OURS or name in INSTALLED:
            assert name not in siblings, f"{script.name}: sibling {name}.py shadows {name}"
            continue
        assert name in siblings, f"{script.name} imports {name!r}, which is none of ours"
        if not name.startswith("_"):  # only another script, as demo.py runs moons.py
            sibling = (script.parent / f"{name}.py").read_text(encoding="utf-8")
            assert 'if __name__ == "__main__":' in sibling, (
                f"{script.name}: helper {name!r} could be a PyPI name: start it with _"
            )
            assert importlib.util.find_spec(name) is None, f"{name} is also an installed module"


def test_no_installed_module_has_a_helpers_name() -> None:
    helpers = sorted(p.stem for p in (ROOT / "examples").glob("_*.py") if p.stem != "__init__")
    assert helpers  # the examples' helpers exist, or this test checks nothing
    for name in helpers:
        assert importlib.util.find_spec(name) is None, f"an installed module is called {name}"
