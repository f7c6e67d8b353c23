"""A batch's inputs and seed, checked at the tape's boundary.

Any input of a recording may be a 1-D array of B numbers, one per sample; the others are
numbers shared by every sample. The backward seed is a number or B of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_lite.batch.array_forms import FLOAT
from autograd_lite.checks import real


def is_batch(xs: Sequence[Any]) -> bool:
    """Whether any input is an array (then the replay is batched)."""
    return any(isinstance(x, np.ndarray) for x in xs)


def checked(name: str, xs: Sequence[Any]) -> tuple[list[Any], int]:
    """The inputs as float arrays and floats, and the batch size B they share (the arrays
    checked first, then the numbers). The count of inputs is the tape's to check."""
    numbers, sizes = list(xs), set()
    for i, x in enumerate(xs):
        if isinstance(x, np.ndarray):
            if x.ndim != 1 or x.dtype.kind not in "fiu":
                raise ValueError(
                    f"{name}: input {i} must be a 1-D array of numbers, got {_shape(x)}"
                )
            sizes.add(len(x))
            numbers[i] = x if type(x) is np.ndarray and x.dtype is FLOAT else np.asarray(x, float)
    if len(sizes) != 1 or 0 in sizes:
        raise ValueError(
            f"{name}: the arrays among the inputs must share one length ≥ 1, got {sorted(sizes)}"
        )
    for i, x in enumerate(numbers):
        if not isinstance(x, np.ndarray):
            numbers[i] = real(x, f"{name}: input {i}")
    return numbers, sizes.pop()


def seed_of(name: str, grad: Any, size: int) -> Any:
    """The backward seed: a number, or an array of one number per sample."""
    if isinstance(grad, np.ndarray):
        if grad.shape != (size,) or grad.dtype.kind not in "fiu":
            raise ValueError(
                f"{name}.backward(grad): expected a number or {size} numbers, got {_shape(grad)}"
            )
        return grad.astype(float)
    return real(grad, f"{name}.backward(grad)")


def total(x: Any, size: int) -> float:
    """Σ_b of a gradient over the batch (a number that does not depend on the sample counts
    once per sample): the seed of an output that is the same in every sample."""
    if not isinstance(x, np.ndarray):
        return float(x) * size  # the same for every sample
    return float(np.sum(np.broadcast_to(x, (size,))))


def _shape(x: np.ndarray) -> str:
    return f"an array of shape {x.shape} and dtype {x.dtype}"
