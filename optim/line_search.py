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
    w = v = x
    fw = fv = fx
    d = e = 0.0
    for _ in range(_MAX_BRENT_ITERATIONS):
        middle = 0.5 * (a + b)
        tol1 = xtol * abs(x) + _TINY
        tol2 = 2.0 * tol1
        if abs(x - middle) <= tol2 - 0.5 * (b - a):
            break
        golden = True
        if abs(e) > tol1:
            # The vertex of the parabola through (x, fx), (w, fw), (v, fv) is x + p/q.
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = 2.0 * (q - r)
            if q > 0.0:
                p = -p
            q = abs(q)
            previous_e = e
            e = d
            # Accept it if it lies inside (a, b) and moves less than half the step before last.
            if abs(p) < abs(0.5 * q * previous_e) and q * (a - x) < p < q * (b - x):
                d = p / q
                u = x + d
                if u - a < tol2 or b - u < tol2:
                    d = math.copysign(tol1, middle - x)
                golden = False
        if golden:
            e = (a - x) if x >= middle else (b - x)
            d = _CGOLD * e
        u = x + d if abs(d) >= tol1 else x + math.copysign(tol1, d)
        fu = phi(u)
        if fu <= fx:
            if u >= x:
                a = x
            else:
                b = x
            v, fv, w, fw, x, fx = w, fw, x, fx, u, fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v, fv, w, fw = w, fw, u, fu
            elif fu <= fv or v in (x, w):
                v, fv = u, fu
    return x, fx


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
