"""Every path and module the README, the site's pages and the packages' docstrings name exists,
and the site's layout page names every module of the three packages."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("autograd_lite", "nn", "optim")
README = (ROOT / "README.md").read_text(encoding="utf-8")
LAYOUT = ROOT / "docs" / "explanation" / "layout.md"

#: A path in this repository: one of its top-level folders, then a name or more.
PATH = re.compile(
    r"(?<![\w./-])((?:autograd_lite|nn|optim|examples|docs|bench|tests)/[\w./-]*\w/?)"
)
#: A dotted name that starts with a package: autograd_lite.render.draw_graph, nn.reference.
DOTTED = re.compile(r"(?<![\w.])((?:autograd_lite|nn|optim)(?:\.[A-Za-z_]\w*)+)")


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _pages() -> list[Path]:
    return sorted((ROOT / "docs").rglob("*.md"))


def _docstrings(path: Path) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef))]
    return "\n".join(ast.get_docstring(n) or "" for n in nodes)


def _texts() -> list[tuple[str, str]]:
    scripts = [p for folder in ("examples", "docs", "bench") for p in (ROOT / folder).glob("*.py")]
    documented = [*_modules(), *sorted(scripts)]
    pages = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in _pages()]
    return [("README.md", README), *pages] + [
        (str(p.relative_to(ROOT)), _docstrings(p)) for p in documented
    ]


TEXTS = _texts()


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[where for where, _ in TEXTS])
def test_every_named_path_exists(where: str, text: str) -> None:
    named = [p for p in PATH.findall(text) if "NAME" not in p]  # examples/NAME.py is a pattern
    missing = [p for p in named if not (ROOT / p.rstrip(".")).exists()]
    assert not missing, f"{where} names paths that do not exist: {missing}"


def _resolves(dotted: str) -> bool:
    """Whether ``dotted`` names a module, or an attribute reached from the longest module
    prefix that imports (``autograd_lite.gradcheck.gradcheck``: the module, then its function,
    though the package's own ``gradcheck`` is that function). An attribute a class's
    ``__init__`` assigns (``self.bounds = ...``) counts as the class's."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for part in parts[cut:]:
            init = getattr(target, "__init__", None) if isinstance(target, type) else None
            assigned = part in getattr(getattr(init, "__code__", None), "co_names", ())
            if not hasattr(target, part):
                return assigned and part == parts[-1]
            target = getattr(target, part)
        return True
    return False


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[where for where, _ in TEXTS])
def test_every_named_module_and_attribute_exists(where: str, text: str) -> None:
    # nn.py is a file, nn.md a page; torch.nn.Sequential is PyTorch's.
    names = {name for name in DOTTED.findall(text) if not name.endswith((".py", ".md"))}
    names -= {name for name in names if f"torch.{name}" in text}
    missing = [name for name in names if not _resolves(name)]
    assert not missing, f"{where} names what does not exist: {sorted(missing)}"


def test_the_layout_page_names_every_module() -> None:
    layout = LAYOUT.read_text(encoding="utf-8")
    unnamed = [
        str(p.relative_to(ROOT))
        for p in _modules()
        if p.name not in ("__init__.py", "__main__.py") and str(p.relative_to(ROOT)) not in layout
    ]
    assert not unnamed, f"{LAYOUT.relative_to(ROOT)} leaves out {unnamed}"


def test_the_readme_links_the_layout_page_and_names_the_core_in_its_order() -> None:
    assert "(docs/explanation/layout.md)" in README
    order = ["value.py", "rules.py", "graph.py", "backward.py", "modes.py", "float_ops.py"]
    positions = [README.index(f"`{name}`") for name in order]
    assert positions == sorted(positions)
    layout = LAYOUT.read_text(encoding="utf-8")
    reading = layout[layout.index("## Reading order") :]
    assert [reading.index(f"`{name}`") for name in order] == sorted(
        reading.index(f"`{name}`") for name in order
    )
