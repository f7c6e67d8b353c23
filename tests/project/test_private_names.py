"""A name that starts with ``_`` is its module's own: no other module of the three packages
reaches into it.

Three ways a module can reach into another's private name, each found in its source:
``from m import _name``; ``imported._name``, where ``imported`` is a module or class it
imported; and ``self._name`` (or ``cls._name``) for a name it does not define itself, that is
one inherited from a class of another module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("autograd_lite", "nn", "optim")
CHECKED = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def in_packages(module: str | None) -> bool:
    """Whether ``module`` belongs to the three packages (the standard library's sys._getframe
    is not a module's private name in this sense)."""
    return module is not None and module.split(".")[0] in PACKAGES


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def defined_here(tree: ast.Module) -> set[str]:
    """Every name the module binds: functions, classes, assignments, attributes it sets."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return names


def reaches(tree: ast.Module) -> list[str]:
    """The private names of other modules ``tree`` uses, with their line numbers."""
    imported: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            ours = [a for a in node.names if a.name.split(".")[0] in PACKAGES]
            imported.update((a.asname or a.name).split(".")[0] for a in ours)
        elif isinstance(node, ast.ImportFrom) and in_packages(node.module):
            imported.update(a.asname or a.name for a in node.names)
            found += [f"{node.lineno}: from {node.module} import {a.name}" for a in node.names]
    found = [f for f in found if private(f.rsplit(" ", 1)[1])]
    own = defined_here(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and private(node.attr)):
            continue
        base = node.value.id if isinstance(node.value, ast.Name) else None
        if base in imported or (base in ("self", "cls") and node.attr not in own):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_of_another_module_is_used(path: Path) -> None:
    assert reaches(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_check_finds_each_way_of_reaching_in() -> None:
    source = """
from autograd_lite.render import _number
from nn.layers import MLP
import autograd_lite.render as render

class Mine(MLP):
    def _own(self):
        return self._build, self._own, MLP._blank, render._helper, _number
"""
    found = [f.split(": ", 1)[1] for f in reaches(ast.parse(source))]
    expected = ["self._build", "MLP._blank", "render._helper"]
    assert sorted(found) == sorted(["from autograd_lite.render import _number", *expected])
