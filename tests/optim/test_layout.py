"""optim reads in pieces one can see whole: no function much over 60 lines."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import optim

OPTIM = Path(optim.__file__).resolve().parent
#: "Much over 60": docstrings included, a function of 70 lines still fits on a screen.
LIMIT = 70


def test_no_function_in_optim_is_much_over_60_lines() -> None:
    long = []
    for path in sorted(OPTIM.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > LIMIT:
                    long.append(f"{path.name}:{node.name} ({lines} lines)")
    assert not long, long


def test_fit_is_its_phases() -> None:
    module = importlib.import_module("optim.fit")  # optim.fit is the function
    for phase in ("checked", "plan", "evaluate"):
        assert callable(getattr(module._Run, phase))
    assert callable(module._train) and callable(module._epoch)
