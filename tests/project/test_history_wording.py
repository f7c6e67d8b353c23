"""The product speaks only of the product: no text of the repository tells how or when it was
developed (a "stop", an issue number, a prototype, what was measured "today" or "before").
A measured figure names the command that measures it; history belongs in commit messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("autograd_lite", "nn", "optim", "bench", "examples", "docs", "tests", ".ci")
SUFFIXES = {".py", ".md", ".ipynb", ".toml", ".cfg", ".txt", ""}
HISTORY = re.compile(
    r"this stop|last stop|previous stop|stop [0-9]|issue [0-9]|issue's|the issue\b|"
    r"prototype|today|measured .* (was|before)|previous release|quiet day",
    re.IGNORECASE,
)


def texts() -> list[Path]:
    found = [ROOT / "README.md", ROOT / "Makefile", ROOT / "pyproject.toml"]
    for folder in FOLDERS:
        found += [
            p
            for p in sorted((ROOT / folder).rglob("*"))
            if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts
        ]
    return [p for p in found if p.exists() and p != Path(__file__).resolve()]


@pytest.mark.parametrize("path", texts(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_development_history(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = [
        f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}"
        for m in HISTORY.finditer(text)
    ]
    assert found == []


def test_the_check_finds_history() -> None:
    for sentence in ("as in this stop's run", "Issue 15 asks", "a prototype measured", "today"):
        assert HISTORY.search(sentence), sentence
    assert not HISTORY.search("the step before the first one; stops when ‖∇E‖ < tol")
