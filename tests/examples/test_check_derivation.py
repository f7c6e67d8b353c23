"""Smoke test of examples/check_derivation.py at tiny sizes: each exercise's first attempt is
caught and named, and its correction agrees with the engine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "check_derivation.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help() -> None:
    result = run("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:") and "--samples" in result.stdout


def test_each_mistake_is_caught_and_each_correction_agrees() -> None:
    result = run("--samples", "3", "--hidden", "2", "--seed", "1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # 1. The four-point problem: without σ′ every partial disagrees; with it all agree.
    assert "✘ 6 of 6 disagree. The first: ∂four_point_error/∂w11 at w11 = " in out
    assert "✔ all 6 partial derivatives agree with the engine's." in out
    assert "∂e/∂w11 = 6·(1 − sigmoid(−3·w11 − 3·w12))·sigmoid(−3·w11 − 3·w12)·(1 − " in out
    # 2. Softmax + cross-entropy: fₖ(1 − fₖ) is caught, fₖ − Ỹₖ agrees.
    assert "✘ 9 of 9 disagree. The first: ∂cross_entropy/∂a1" in out
    assert "✔ all 9 partial derivatives agree with the engine's." in out
    # 3. The network: σ for σ′ is caught in the first layer, named; the correction agrees.
    assert "The first: dW⁽¹⁾[0, 0] (dW[0][0, 0] in your lists)" in out
    assert "✔ all 15 gradient entries agree with the engine's." in out
