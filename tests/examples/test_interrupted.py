"""After Ctrl-C the examples that train say how far training got and exit with 130."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytest.importorskip("matplotlib")

# Runs an example with one more fit callback, which raises KeyboardInterrupt (what Ctrl-C
# raises) after epoch 3: deterministic, unlike a signal sent from outside at some moment.
DRIVER = """
import sys
sys.path.insert(0, sys.argv[1])
import importlib, optim
real_fit = optim.fit
def stop(epoch, history):
    if epoch == 2:
        raise KeyboardInterrupt
def fit(*args, **kwargs):
    kwargs["callbacks"] = [*kwargs.get("callbacks", ()), stop]
    return real_fit(*args, **kwargs)
optim.fit = fit
importlib.import_module(sys.argv[2]).main(sys.argv[3:])
"""


@pytest.mark.parametrize(
    ("example", "args"),
    [
        ("moons", ["--samples", "20", "--epochs", "50", "--grid", "20"]),
        ("iris", ["--epochs", "50"]),
    ],
)
def test_an_interrupted_example_says_so_and_exits_130(
    example: str, args: list[str], tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(EXAMPLES), example, "--out", str(tmp_path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 130, result.stderr
    assert "interrupted after epoch 3 of 50" in result.stdout
    assert "at the end" not in result.stdout
