"""optim's argument checks, each written once: a value of the right type and range, or a
TypeError / ValueError whose message starts with ``where`` (e.g. ``"SGD(momentum)"``)."""

from __future__ import annotations

import math
import numbers


def positive_real(x: object, where: str) -> float:
    """``x`` as a float if it is a finite real number > 0."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where} must be a real number, got {type(x).__name__}")
    value = float(x)
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"{where} must be a finite number > 0, got {value!r}")
    return value


def fraction(x: object, where: str) -> float:
    """``x`` as a float in [0, 1)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where} must be a real number, got {type(x).__name__}")
    value = float(x)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{where} must be in [0, 1), got {value!r}")
    return value


def positive_int(x: object, where: str) -> int:
    """``x`` as an int if it is an integer ≥ 1 (a bool is not an integer here)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{where} must be an int, got {type(x).__name__}")
    if x < 1:
        raise ValueError(f"{where} must be ≥ 1, got {x}")
    return int(x)


def boolean(x: object, where: str) -> bool:
    """``x`` if it is a bool (1 and "yes" are not)."""
    if not isinstance(x, bool):
        raise TypeError(f"{where} must be a bool, got {type(x).__name__}")
    return x


def seed(x: object, where: str) -> int | None:
    """``x`` as an int seed, or None."""
    if x is not None and (isinstance(x, bool) or not isinstance(x, numbers.Integral)):
        raise TypeError(f"{where} must be an int or None, got {type(x).__name__}")
    return None if x is None else int(x)
