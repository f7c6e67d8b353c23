"""Every Python block of README.md and of the site's pages runs, and shows what it prints.

Each page is one test: its blocks run in order in one namespace, in a fresh folder (the blocks
that write ``out/...`` write there), and each block's shown output is compared with what it
prints (the rules are in :mod:`tests.docs.markdown_blocks`). Sybil (the ``docs`` extra, which
``make test`` installs) parses the pages; without it the tests skip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

sybil = pytest.importorskip("sybil")
blocks = pytest.importorskip("tests.docs.markdown_blocks")


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
    for example in examples:
        example.evaluate()  # raises SybilFailure naming the page, the line and what differs


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
