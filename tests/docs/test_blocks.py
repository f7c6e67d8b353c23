"""Every Python block of README.md and of the site's pages runs, and shows what it prints.

Each page is one test: its blocks run in order in one namespace, in a fresh folder (the blocks
that write ``out/...`` write there), and each block's shown output is compared with what it
prints (the rules are in :mod:`tests.docs.markdown_blocks`). Sybil (the ``docs`` extra, which
``make test`` installs) parses the pages; without it the tests skip.
"""

from __future__ import annotations

import ast
import importlib.util
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

sybil = pytest.importorskip("sybil")
blocks = pytest.importorskip("tests.docs.markdown_blocks")


#: Optional packages a block may import (pyproject's extras; CI installs them). Where one is
#: not installed, a block that imports it is not run, nor any later block that uses a name it
#: defines; a page with no block left to run is skipped.
OPTIONAL = ("torch",)


def imports(tree: ast.AST, names: list[str]) -> bool:
    """Whether the code imports one of the packages ``names``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found = {node.module.split(".")[0]}
        else:
            continue
        if found & set(names):
            return True
    return False


def defined(tree: ast.AST, absent: list[str]) -> set[str]:
    """The names the code binds (assigned, defined, or imported from an ``absent`` package);
    an installed module it imports is the same module whoever imports it."""
    names = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom) and imports(node, absent):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def used(tree: ast.AST) -> set[str]:
    """The names the code reads and does not bind itself."""
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    imported = {
        (a.asname or a.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for a in node.names
    }
    return read - defined(tree, []) - imported


def page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def needs(page: Path) -> list[str]:
    """What running the page needs beyond the project: Graphviz's dot where it draws."""
    text = page.read_text(encoding="utf-8")
    drawing = ("render_graph(", "render_network(", ".to_html(", "draw_network(", "draw_graph(")
    return ["dot"] if any(call in text for call in drawing) else []


def modules_needed(page: Path) -> list[str]:
    """The optional modules the page imports: SymPy (the ``symbolic`` extra, which make test
    installs)."""
    text = page.read_text(encoding="utf-8")
    return [name for name in ("sympy",) if f"import {name}" in text]


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_python_block_runs_and_prints_what_the_page_shows(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for program in needs(page):
        if shutil.which(program) is None:
            pytest.skip(f"{page_id(page)} draws pictures: needs Graphviz's {program}")
    for name in modules_needed(page):
        pytest.importorskip(name, reason=f"{page_id(page)} imports {name}, an optional extra")
    monkeypatch.chdir(tmp_path)
    document = sybil.Sybil(parsers=[blocks.parse]).parse(page)
    examples = list(document.examples())
    absent = [name for name in OPTIONAL if importlib.util.find_spec(name) is None]
    left_out: set[str] = set()  # the names the blocks left out define
    ran = 0
    for example in examples:
        tree = ast.parse(example.parsed.source)
        if imports(tree, absent) or used(tree) & left_out:
            left_out |= defined(
                tree, absent
            )  # and so is every later block that uses what it defines
            continue
        example.evaluate()  # raises SybilFailure naming the page, the line and what differs
        left_out -= defined(tree, absent)
        ran += 1
    if examples and not ran:
        pytest.skip(f"{page_id(page)} needs {', '.join(absent)}, which is not installed")


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_code_block_is_python_that_runs_or_text_that_does_not(page: Path) -> None:
    document = sybil.Sybil(parsers=[blocks.parse]).parse(page)
    unknown = list(blocks.unknown_languages(document))
    assert not unknown, f"{page_id(page)}: blocks of a language the tests do not run: {unknown}"


def test_the_blocks_are_found() -> None:
    """A page that shows Python has its blocks collected (the parser is not silently blind)."""
    readme = sybil.Sybil(parsers=[blocks.parse]).parse(ROOT / "README.md")
    found = [example.parsed for example in readme.examples()]
    assert len(found) == (ROOT / "README.md").read_text(encoding="utf-8").count("```python\n")
    assert any(block.expected is not None for block in found)  # explain's printed derivation
