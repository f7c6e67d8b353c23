"""When a layer's sums may run in another order than eager code's: bounds on the blocks'
magnitudes.

A layer's pre-activations run as a matrix product, which adds in another order than the chain
of ``+`` it stands for. The orders differ by rounding only while no partial sum of eager
code's order overflows; each affine group knows a bound of its partial sums from the largest
coefficient its folds made (:class:`~autograd_lite.batch.linear.Form`) and the magnitudes of
what it reads, and a block program checks, before each product, that the bound is below
:data:`LIMIT`. Where it is not, the program raises :class:`Unordered` and the batch is
replayed one sample at a time.

The magnitude of a block is ‖x‖ = √(Σ x²), at least max |x|. Measuring it is a pass over the
block; where a neighbouring group has already worked out a bound of it, the check reads the
bound instead (:attr:`~autograd_lite.batch.program.Program.bounds`):

* ‖A‖ ≤ ‖[b | W]‖·‖[1 | X]‖ ≤ ‖u‖·√(B + ‖X‖²) for a plain layer's values A = [b | W]·[1 | X]ᵀ
  (Frobenius norms; u the leaves' row, holding every weight and bias);
* for an elementwise group, from its operands' bounds by the op's rule (:data:`BOUNDED`):
  ‖x ∘ y‖ ≤ ‖x‖‖y‖ (Cauchy–Schwarz: each entry of x ∘ y is one pair's product, broadcast or
  not), ‖x ± y‖ ≤ ‖x‖ + ‖y‖, and ‖f(x)‖ ≤ ‖x‖ for −x and the :data:`SHRINKING` ops;
* ‖ΔW‖ ≤ ‖Δ‖·‖u‖ for the gradient a layer passes down (see
  :func:`~autograd_lite.batch.plan.gradient_bounds`).

Every bound is at least 1 (so no product of bounds is 0·∞, NaN) and is ∞ where a block holds
an infinity or a NaN. A bound too loose to pass is measured instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: The bound under which an affine group's sums may run in any order: below it no partial sum
#: of eager code's order overflows, so the orders differ by rounding only.
LIMIT = 1e300

#: The ops with |f(x)| ≤ |x| for every number x: a block of them is no larger than its operand.
SHRINKING = frozenset({"relu", "abs", "tanh"})

#: How an op's bound follows from its operands' (see the module's docstring): their product
#: ("*") or their sum ("+").
BOUNDED = {"mul": "*", "add": "+", "sub": "+", "neg": "*", **dict.fromkeys(SHRINKING, "*")}

#: The most nodes a bound's expression may have: a deep chain of elementwise groups has none
#: after it.
MAX_BOUND = 50

#: Why a program raises :class:`Unordered`.
UNORDERED = "a sum of products met numbers too large to add in another order"


class Unordered(FloatingPointError):
    """An affine group met numbers so large (or infinite, or NaN) that the order of its sums
    could matter beyond rounding: the batch is then replayed one sample at a time."""


_dot = np.dot


def magnitude(block: Any) -> float:
    """‖block‖ = √(Σx²), a bound on max |x|, by one BLAS call (one pass; max and min would be
    two). Infinite if the block holds an infinity or a NaN (then no bound holds);
    where Σx² overflows (numbers beyond 1e154), NumPy raises FloatingPointError, and the batch,
    as for any bound that fails, is replayed one sample at a time."""
    flat = block if block.ndim == 1 else block.ravel("K")
    squares = _dot(flat, flat)
    return math.sqrt(squares) if squares == squares else math.inf


def at_least_one(numbers: Any) -> float:
    """max(1, √Σ x²) of a number or an array of them, ∞ if one is ∞ or NaN (no overflow:
    ``math.hypot``)."""
    m = math.hypot(*np.ravel(numbers).tolist())
    return max(1.0, m) if m == m else math.inf


def seed_bound(seed: Any, size: int) -> float:
    """The magnitude of the root's gradient, B samples of ``seed`` (a number or B numbers):
    |seed|·√B for a number, without a pass (∞ for NaN, as :func:`magnitude`)."""
    if type(seed) is not float:
        return magnitude(seed)
    return abs(seed) * size**0.5 if seed == seed else math.inf
