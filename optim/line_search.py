"""Line searches along a descent direction: φ(α) = E(w − α g) for α ≥ 0, with φ′(0) = −gᵀg < 0.

The functions here see only φ, a function of one float; :class:`optim.GradientDescent` builds
φ from the model (forward passes only). A φ that cannot be evaluated at some α (an overflow, a
domain error, NaN) is passed in as returning ``inf`` there: that step is too long.

* :func:`exact_step` is the course notes' αₖ = argmin_{α>0} φ(α): a bracket a < b < c with
  φ(b) < φ(a) and φ(b) ≤ φ(c), then Brent's method (golden-section steps safeguarding
  parabolic interpolation) to a relative tolerance of √ε_machine, the best a method that sees
  only values of φ can do. On a quadratic φ is a parabola and the answer is exact to rounding.
* :func:`armijo_step` is backtracking: the first α = α₀ ρʲ with
  φ(α) ≤ φ(0) + c₁ α φ′(0) (Armijo's sufficient-decrease condition).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

#: The golden ratio (1 + √5)/2: bracket expansion factor.
GOLDEN = (1.0 + math.sqrt(5.0)) / 2.0
#: 2 − golden ratio ≈ 0.382: the golden-section fraction of an interval.
_CGOLD = (3.0 - math.sqrt(5.0)) / 2.0
#: The relative tolerance on α of the exact search: √(machine epsilon).
EXACT_XTOL = math.sqrt(2.0**-52)
#: How many times a trial step may be halved before the search gives up and takes α = 0.
MAX_HALVINGS = 60
_MAX_BRENT_ITERATIONS = 200
_TINY = 1e-300


def exact_step(
    phi: Callable[[float], float],
    phi0: float,
    alpha0: float,
    *,
    max_step: float,
    xtol: float = EXACT_XTOL,
) -> tuple[float, float]:
    """(α*, φ(α*)) with α* ≈ argmin_{0 < α ≤ max_step} φ(α), φ(α*) < φ(0) = ``phi0``.

    Bracketing: from the trial step b = ``alpha0``, halve b while φ(b) ≥ φ(0) (so that c, the
    last rejected b, closes the bracket), or expand by the golden ratio while φ keeps
    decreasing. The expansion stops at ``max_step``: if φ still decreases there, α* is
    ``max_step`` (φ may have no minimiser along the ray, as for separable data under a sigmoid).
    If no b ≥ ``alpha0``·2⁻⁶⁰ decreases φ, the direction is not numerically a descent direction
    and the result is (0, φ(0)).

    Then Brent's method on [a, c] until α* is known to within ``xtol``·α*.
    """
    a, fa = 0.0, phi0
    b = min(alpha0, max_step)
    fb = phi(b)
    if not fb < fa:
        c, fc = b, fb
        for _ in range(MAX_HALVINGS):
            b = 0.5 * c
            fb = phi(b)
            if fb < fa:
                break
            c, fc = b, fb
        else:
            return 0.0, phi0
    else:
        while True:
            if b >= max_step:
                return max_step, fb
            c = min(b + GOLDEN * (b - a), max_step)
            fc = phi(c)
            if fc >= fb:
                break
            a, fa, b, fb = b, fb, c, fc
    return brent(phi, a, b, c, fb, xtol=xtol)


def brent(
    phi: Callable[[float], float],
    a: float,
    x: float,
    b: float,
    fx: float,
    *,
    xtol: float = EXACT_XTOL,
) -> tuple[float, float]:
    """Brent's minimisation of φ on the bracket a < x < b with φ(x) = ``fx`` ≤ φ(a), φ(b).

    Keeps x (the best point so far), w (the second best) and v (the previous w); tries the
    vertex of the parabola through them, and falls back to a golden-section step into the
    larger part of [a, b] when that vertex is outside [a, b] or the steps stop shrinking
    (Brent, *Algorithms for Minimization without Derivatives*, 1973, ch. 5). Stops when
    |x − (a+b)/2| ≤ 2·tol − (b−a)/2 with tol = ``xtol``·|x|, that is when [a, b] is shorter
    than about 4·tol around x. Returns (x, φ(x)).
    """
    points = _Points(x, fx, x, fx, x, fx)
    d = e = 0.0  # the last step and the one before it
    for _ in range(_MAX_BRENT_ITERATIONS):
        x = points.x
        middle = 0.5 * (a + b)
        tol1 = xtol * abs(x) + _TINY
        if abs(x - middle) <= 2.0 * tol1 - 0.5 * (b - a):
            break
        d, e = _step(points, a, b, middle, tol1, d, e)
        u = x + d if abs(d) >= tol1 else x + math.copysign(tol1, d)  # never closer than tol1
        fu = phi(u)
        a, b = _narrowed(a, b, x, u, fu <= points.fx)
        points = _kept(points, u, fu)
    return points.x, points.fx


class _Points(NamedTuple):
    """Brent's three points and their values: x the best so far, w the second best, v the
    previous w."""

    x: float
    fx: float
    w: float
    fw: float
    v: float
    fv: float


def _step(
    points: _Points, a: float, b: float, middle: float, tol1: float, d: float, e: float
) -> tuple[float, float]:
    """(the next step from x, the step before it): to the parabola's vertex when it lies
    inside (a, b) and moves less than half the step before last, else a golden-section step
    into the larger part of [a, b]."""
    x = points.x
    if abs(e) > tol1:
        p, q = _vertex(points)
        if abs(p) < abs(0.5 * q * e) and q * (a - x) < p < q * (b - x):
            step = p / q
            u = x + step
            if u - a < 2.0 * tol1 or b - u < 2.0 * tol1:  # too close to an end: tol1 inwards
                step = math.copysign(tol1, middle - x)
            return step, d
    e = (a - x) if x >= middle else (b - x)
    return _CGOLD * e, e


def _vertex(points: _Points) -> tuple[float, float]:
    """(p, q) with q ≥ 0: the vertex of the parabola through (x, fx), (w, fw), (v, fv) is
    x + p/q (q = 0 when the three points are on a line)."""
    x, fx, w, fw, v, fv = points
    r = (x - w) * (fx - fv)
    q = (x - v) * (fx - fw)
    p = (x - v) * q - (x - w) * r
    q = 2.0 * (q - r)
    if q > 0.0:
        p = -p
    return p, abs(q)


def _narrowed(a: float, b: float, x: float, u: float, improved: bool) -> tuple[float, float]:
    """The bracket [a, b] after φ(u) was evaluated: it still holds the best point, and loses
    the side of x (if u improved on it) or of u (if not) away from the best point."""
    if improved:
        return (x, b) if u >= x else (a, x)
    return (u, b) if u < x else (a, u)


def _kept(points: _Points, u: float, fu: float) -> _Points:
    """The three points after φ(u) = ``fu``: u takes the place its value earns."""
    x, fx, w, fw, v, fv = points
    if fu <= fx:
        return _Points(u, fu, x, fx, w, fw)
    if fu <= fw or w == x:
        return _Points(x, fx, u, fu, w, fw)
    if fu <= fv or v in (x, w):
        return _Points(x, fx, w, fw, u, fu)
    return points


def armijo_step(
    phi: Callable[[float], float],
    phi0: float,
    slope: float,
    alpha0: float,
    *,
    c1: float = 1e-4,
    shrink: float = 0.5,
) -> tuple[float, float]:
    """(α, φ(α)) for the first α = α₀·ρʲ, j = 0, 1, …, with φ(α) ≤ φ(0) + c₁ α φ′(0) and
    φ(α) < φ(0).

    ``slope`` is φ′(0) = −gᵀg < 0, ``shrink`` is ρ. After :data:`MAX_HALVINGS` rejections the
    search gives up and returns (0, φ(0)): no step.
    """
    alpha = alpha0
    for _ in range(MAX_HALVINGS):
        value = phi(alpha)
        # Strictly below φ(0) too: near α = 0 the right side rounds to φ(0) itself.
        if value < phi0 and value <= phi0 + c1 * alpha * slope:
            return alpha, value
        alpha *= shrink
    return 0.0, phi0
