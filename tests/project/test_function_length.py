"""No function or method in the three packages is longer than 60 lines, so each can be read whole.

A function's length is counted from its ``def`` line to its last line, both included: the
signature, the docstring, comments and blank lines all count, since a reader has to see them
all. Decorators above the ``def`` do not count. A nested function counts inside the function
that holds it, and is also measured on its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("autograd_lite", "nn", "optim")
LONGEST = 60


def _lengths() -> dict[str, int]:
    """``"path:Qualified.name"`` → length in lines, for every function in the packages."""
    lengths: dict[str, int] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            _measure(tree, f"{path.relative_to(ROOT).as_posix()}:", lengths)
    return lengths


def _measure(node: ast.AST, prefix: str, lengths: dict[str, int]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            assert child.end_lineno is not None
            lengths[prefix + child.name] = child.end_lineno - child.lineno + 1
            _measure(child, f"{prefix}{child.name}.", lengths)
        elif isinstance(child, ast.ClassDef):
            _measure(child, f"{prefix}{child.name}.", lengths)
        else:
            _measure(child, prefix, lengths)


LENGTHS = _lengths()


def test_the_measure_sees_the_packages() -> None:
    assert len(LENGTHS) > 100  # every package's functions were found
    assert "optim/line_search.py:brent" in LENGTHS
    assert "nn/module.py:Module.load_state_dict" in LENGTHS  # methods are named by their class


def test_no_function_is_longer_than_60_lines() -> None:
    long = {name: lines for name, lines in LENGTHS.items() if lines > LONGEST}
    assert not long, f"longer than {LONGEST} lines, split into named pieces: {long}"
