"""The code a reader copies runs: the README's quick start and PyTorch section, and the how-to
on moving a model to PyTorch, each file's Python blocks in order in one namespace."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def blocks(text: str) -> list[str]:
    """The ```python blocks of a markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


def section(heading: str) -> str:
    """The README's section under ``heading`` (to the next heading of its level or above)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    level = heading.split(" ")[0]
    start = readme.index(f"\n{heading}\n")
    pattern = re.compile(f"^#{{1,{len(level)}}} ", re.MULTILINE)
    ends = [m.start() for m in pattern.finditer(readme[start + 1 :])]
    return readme[start : start + 1 + ends[1]] if len(ends) > 1 else readme[start:]


def run(code: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the blocks in one namespace in an empty folder; return what they printed."""
    assert code, "no python block found"
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    namespace: dict[str, object] = {"__name__": "__main__"}
    with contextlib.redirect_stdout(printed):
        for block in code:
            exec(compile(block, "<markdown>", "exec"), namespace)
    return printed.getvalue()


def test_the_quick_start_prints_what_its_comments_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick_start = blocks(section("## Quick start"))[0]
    out = run([quick_start], tmp_path, monkeypatch)
    assert "loss 0.926 -> 0.039" in out
    assert re.search(r"\[\[ 4\.754\d*\]\s+\[-2\.269\d*\]\]", out), out


def test_the_readme_pytorch_section_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    run(blocks(section("### Move a model to PyTorch")), tmp_path, monkeypatch)


def test_the_pytorch_how_to_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    text = (ROOT / "docs" / "how-to" / "pytorch.md").read_text(encoding="utf-8")
    out = run(blocks(text), tmp_path, monkeypatch)
    assert "hinge loss in PyTorch:" in out
    assert "∂" in out or "grad" in out  # explain's derivation was printed
