"""The ops' formulas on plain floats, with their domain checks.

Each function here is what an op computes from the numbers of its operands: ``exp`` is the
``eˣ`` of :meth:`Value.exp <autograd_lite.value.Value.exp>`, raising :class:`DomainError` where
eˣ overflows. The ops of :mod:`autograd_lite.value` and the replays of a recorded graph call the
same functions, so a replay raises where eager code raises and computes the same floats.

Nothing here returns a complex number or a silent NaN from a number that is in the domain:
an argument outside it (``log(0)``, ``sqrt(-1)``, ``1 / 0``, ``(-8) ** (1/3)``) raises.
NaN in gives NaN out, as IEEE arithmetic says.
"""

from __future__ import annotations

import math


class DomainError(ValueError):
    """An op was applied outside its domain: ``log(0)``, ``sqrt(-1)``, ``1 / 0``, ``exp(1000)``."""


def div(a: float, b: float) -> float:
    """a / b, for b ≠ 0."""
    if b == 0.0:
        raise DomainError(f"div: division by zero ({a!r} / {b!r})")
    return a / b


def pow(a: float, b: float) -> float:
    """aᵇ where it is a real number: not 0 to a negative power, not a negative base to a
    non-integer power, not past the float range."""
    if a == 0.0 and b < 0.0:
        raise DomainError(f"pow: 0 ** {b!r} (zero to a negative power) is undefined")
    if a < 0.0 and math.isfinite(b) and not b.is_integer():
        raise DomainError(
            f"pow: {a!r} ** {b!r} (negative base, non-integer exponent) is not a real number"
        )
    try:
        return float(a**b)
    except OverflowError:
        raise DomainError(f"pow: {a!r} ** {b!r} overflows a float") from None


def exp(x: float) -> float:
    """eˣ, for x ≤ 709.78 (beyond, eˣ overflows a float)."""
    try:
        return math.exp(x)
    except OverflowError:
        raise DomainError(f"exp: exp({x!r}) overflows a float (x must be ≤ 709.78)") from None


def log(x: float) -> float:
    """ln x, for x > 0."""
    if x <= 0.0:
        raise DomainError(f"log: log({x!r}) is undefined (x must be > 0)")
    return math.log(x)


def sqrt(x: float) -> float:
    """√x, for x ≥ 0."""
    if x < 0.0:
        raise DomainError(f"sqrt: sqrt({x!r}) is undefined (x must be ≥ 0)")
    return math.sqrt(x)


def sigmoid(x: float) -> float:
    """σ(x) = 1/(1 + e⁻ˣ), in two branches so that exp never sees a large positive argument:
    no overflow for any x, σ(−1000) = 0."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def sin(x: float) -> float:
    """sin x, for finite x."""
    if math.isinf(x):
        raise DomainError(f"sin: sin({x!r}) is undefined")
    return math.sin(x)


def cos(x: float) -> float:
    """cos x, for finite x."""
    if math.isinf(x):
        raise DomainError(f"cos: cos({x!r}) is undefined")
    return math.cos(x)


def relu(x: float) -> float:
    """max(0, x), NaN for NaN (``x if x > 0 else 0.0`` would turn NaN into 0)."""
    return 0.0 if x <= 0.0 else x


def log1p(x: float) -> float:
    """ln(1 + x), for x > −1, exact for tiny x."""
    if x <= -1.0:
        raise DomainError(f"log1p: log1p({x!r}) is undefined (x must be > -1)")
    return math.log1p(x)


def expm1(x: float) -> float:
    """eˣ − 1, exact for tiny x, for x ≤ 709.78."""
    try:
        return math.expm1(x)
    except OverflowError:
        raise DomainError(f"expm1: expm1({x!r}) overflows a float (x must be ≤ 709.78)") from None


def softplus(x: float) -> float:
    """log(1 + eˣ): log1p(eˣ) for x ≤ 0, x + log1p(e⁻ˣ) for x > 0. The exponent is never
    positive, and the tiny values of the left tail keep their digits (softplus(−40) = 4.2e-18)."""
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


def maximum(*args: float) -> float:
    """max(a₀, a₁, ...), NaN if any aᵢ is NaN (Python's ``max`` drops a NaN that is not first)."""
    result = args[0]
    for a in args[1:]:
        if a > result or a != a:
            result = a
        if result != result:
            break
    return result


def affine(*args: float) -> float:
    """b + w₀x₀ + w₁x₁ + ... on the operands (b, w₀, ..., wₙ₋₁, x₀, ..., xₙ₋₁), left to right."""
    n = len(args) // 2
    result = args[0]
    for w, x in zip(args[1 : n + 1], args[n + 1 :]):
        result += w * x
    return result
