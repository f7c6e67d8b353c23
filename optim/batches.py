"""Mini-batches of sample indices: batch size 1 is SGD, n is (full-batch) gradient descent."""

from __future__ import annotations

import numbers
import random
from collections.abc import Iterator


def batches(
    n: int, batch_size: int, *, shuffle: bool = True, seed: int | None = None
) -> Iterator[list[int]]:
    """One pass over 0..n−1 in lists of ``batch_size`` indices (the last one may be shorter).

    Every index appears exactly once per pass. With ``shuffle`` the order is a random
    permutation, reproducible with ``seed``; without it the batches are 0..b−1, b..2b−1, ….
    A ``batch_size`` ≥ n gives one batch of all n indices. Arguments are checked when
    ``batches`` is called, not when the first batch is drawn.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"batches(n) must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"batches(n) must be ≥ 1, got {n}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"batches(batch_size) must be an int, got {type(batch_size).__name__}")
    if batch_size < 1:
        raise ValueError(f"batches(batch_size) must be ≥ 1, got {batch_size}")
    if not isinstance(shuffle, bool):
        raise TypeError(f"batches(shuffle) must be a bool, got {type(shuffle).__name__}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise TypeError(f"batches(seed) must be an int or None, got {type(seed).__name__}")
    order = list(range(int(n)))
    if shuffle:
        random.Random(seed).shuffle(order)
    return _chunks(order, int(batch_size))


def _chunks(order: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(order), size):
        yield order[start : start + size]
