"""Mini-batches of sample indices: batch size 1 is SGD, n is (full-batch) gradient descent."""

from __future__ import annotations

import random
from collections.abc import Iterator

from autograd_lite import checks


def batches(
    n: int, batch_size: int, *, shuffle: bool = True, seed: int | None = None
) -> Iterator[list[int]]:
    """One pass over 0..n−1 in lists of ``batch_size`` indices (the last one may be shorter).

    Every index appears exactly once per pass. With ``shuffle`` the order is a random
    permutation, reproducible with ``seed``; without it the batches are 0..b−1, b..2b−1, ….
    A ``batch_size`` ≥ n gives one batch of all n indices. Arguments are checked when
    ``batches`` is called, not when the first batch is drawn.
    """
    n = checks.count(n, "batches(n)")
    size = checks.count(batch_size, "batches(batch_size)")
    order = list(range(n))
    shuffle = checks.flag(shuffle, "batches(shuffle)")
    seed = checks.seed(seed, "batches(seed)")
    if shuffle:
        random.Random(seed).shuffle(order)
    return _chunks(order, size)


def _chunks(order: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(order), size):
        yield order[start : start + size]
