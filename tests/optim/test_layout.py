"""fit reads as its phases (the length of every function is tests/project's to check)."""

from __future__ import annotations

import importlib
from pathlib import Path

import optim

OPTIM = Path(optim.__file__).resolve().parent
#: "Much over 60": docstrings included, a function of 70 lines still fits on a screen.
LIMIT = 70


def test_fit_is_its_phases() -> None:
    module = importlib.import_module("optim.fit")  # optim.fit is the function
    for phase in ("checked", "plan", "evaluate"):
        assert callable(getattr(module._Run, phase))
    assert callable(module._train) and callable(module._epoch)
