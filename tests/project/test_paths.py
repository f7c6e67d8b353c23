"""Every path and module the README and the packages' docstrings name exists, and the README's
Layout table names every module of the three packages."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("autograd_lite", "nn", "optim")
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: A path in this repository: one of its top-level folders, then a name or more.
PATH = re.compile(
    r"(?<![\w./-])((?:autograd_lite|nn|optim|examples|docs|bench|tests)/[\w./-]*\w/?)"
)
#: A dotted name that starts with a package: autograd_lite.render.draw_graph, nn.reference.
DOTTED = re.compile(r"(?<![\w.])((?:autograd_lite|nn|optim)(?:\.[A-Za-z_]\w*)+)")


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).glob("*.py"))


def _docstrings(path: Path) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef))]
    return "\n".join(ast.get_docstring(n) or "" for n in nodes)


def _texts() -> list[tuple[str, str]]:
    scripts = [p for folder in ("examples", "docs", "bench") for p in (ROOT / folder).glob("*.py")]
    documented = [*_modules(), *sorted(scripts)]
    return [("README.md", README)] + [
        (str(p.relative_to(ROOT)), _docstrings(p)) for p in documented
    ]


TEXTS = _texts()


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[where for where, _ in TEXTS])
def test_every_named_path_exists(where: str, text: str) -> None:
    named = [p for p in PATH.findall(text) if "NAME" not in p]  # examples/NAME.py is a pattern
    missing = [p for p in named if not (ROOT / p.rstrip(".")).exists()]
    assert not missing, f"{where} names paths that do not exist: {missing}"


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    target: object = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], start=1):
        if hasattr(target, part):
            target = getattr(target, part)
            continue
        try:
            target = importlib.import_module(".".join(parts[: i + 1]))
        except ModuleNotFoundError:
            return False
    return True


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[where for where, _ in TEXTS])
def test_every_named_module_and_attribute_exists(where: str, text: str) -> None:
    names = {name for name in DOTTED.findall(text) if not name.endswith(".py")}  # nn.py: a file
    missing = [name for name in names if not _resolves(name)]
    assert not missing, f"{where} names what does not exist: {sorted(missing)}"


def test_the_layout_table_names_every_module() -> None:
    layout = README[README.index("## Layout") :]
    unnamed = [
        str(p.relative_to(ROOT))
        for p in _modules()
        if p.name != "__init__.py" and str(p.relative_to(ROOT)) not in layout
    ]
    assert not unnamed, f"README's Layout table leaves out {unnamed}"
