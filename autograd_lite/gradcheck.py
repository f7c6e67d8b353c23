"""Checking analytic derivatives against central finite differences, to first or second order."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from autograd_lite.backward import grad
from autograd_lite.checks import real
from autograd_lite.jacobians import hvp
from autograd_lite.value import Value

#: Up to this many inputs order 2 checks the whole Hessian, one column H·eⱼ per input.
MAX_HESSIAN_INPUTS = 64
#: Above :data:`MAX_HESSIAN_INPUTS` inputs, order 2 checks H·v along this many random v.
RANDOM_DIRECTIONS = 8
#: The seed of those random directions: the same directions every run.
DIRECTION_SEED = 17

#: One row of the table: input i, order, column (j of H·eⱼ, "vk", or "" at order 1), the
#: analytic and the numeric derivative.
Row = tuple[int, int, str, float, float]


class GradcheckError(AssertionError):
    """The analytic and numeric derivatives disagree; the message tables every input."""


def gradcheck(
    fn: Callable[[list[Value]], Value],
    inputs: Sequence[float],
    *,
    order: int = 1,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare the derivatives of ``fn`` with central differences at the point ``inputs``.

    Order 1: the numeric derivative of input i is (f(x + eps·eᵢ) − f(x − eps·eᵢ)) / (2·eps),
    accurate to O(eps²), against ``grad``. Order 2 checks that too, and the second derivatives:
    for every direction d, component i of H·d = ∂(∇f)ᵢ/∂d (:func:`~autograd_lite.jacobians.hvp`)
    against ((∇f)ᵢ(x + eps·d) − (∇f)ᵢ(x − eps·d)) / (2·eps), the central difference of the
    analytic gradient. With n ≤ :data:`MAX_HESSIAN_INPUTS` inputs the directions are the basis
    vectors e₀, …, eₙ₋₁, so every entry ``H[i][j] = ∂²f/∂xⱼ∂xᵢ`` is checked, the mixed ones too
    (column j of the table). With more inputs (2n gradients and n products would be slow) they
    are :data:`RANDOM_DIRECTIONS` random directions v₀, v₁, … (the same every run,
    :data:`DIRECTION_SEED`; columns "v0", "v1", …): a wrong entry still changes H·v, but the
    table then names the input i and the direction, not the column j of the wrong entry.
    They agree when \\|analytic − numeric\\| ≤ atol + rtol·\\|numeric\\| for every input and
    order (PyTorch's gradcheck's tolerances). Returns True, or raises :class:`GradcheckError`
    with a table of every input's derivatives that marks the input, order and column that failed.
    """
    point = _checked(fn, inputs, order, eps, atol, rtol)

    def evaluate(at: list[float]) -> tuple[list[Value], Value]:
        values = [Value(x) for x in at]
        out = fn(values)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}")
        return values, out

    values, out = evaluate(point)
    numeric = []
    for i in range(len(point)):
        plus, minus = list(point), list(point)
        plus[i] += eps
        minus[i] -= eps
        numeric.append((evaluate(plus)[1].data - evaluate(minus)[1].data) / (2.0 * eps))
    rows: list[Row] = [(i, 1, "", a, n) for i, (a, n) in enumerate(zip(grad(out, values), numeric))]
    if order == 2:
        rows += _second_order(evaluate, point, eps)
    bad = [abs(a - n) > atol + rtol * abs(n) for _, _, _, a, n in rows]
    if any(bad):
        raise GradcheckError(_table(point, rows, bad, f"eps={eps}, atol={atol}, rtol={rtol}"))
    return True


def _directions(n: int) -> list[tuple[str, list[float]]]:
    """The directions d of the second-order check for n inputs, each with its column's name.

    The basis vectors eⱼ (named j) for n ≤ :data:`MAX_HESSIAN_INPUTS`, else
    :data:`RANDOM_DIRECTIONS` vectors of uniform(−1, 1) entries from :data:`DIRECTION_SEED`.
    """
    if n <= MAX_HESSIAN_INPUTS:
        return [(str(j), [1.0 if k == j else 0.0 for k in range(n)]) for j in range(n)]
    rng = random.Random(DIRECTION_SEED)
    return [(f"v{k}", [rng.uniform(-1.0, 1.0) for _ in range(n)]) for k in range(RANDOM_DIRECTIONS)]


def _second_order(
    evaluate: Callable[[list[float]], tuple[list[Value], Value]], point: list[float], eps: float
) -> list[Row]:
    """Rows (i, 2, column, (H·d)ᵢ, numeric) for every direction d, column by column."""

    def gradient(at: list[float]) -> list[float]:
        values, out = evaluate(at)
        return grad(out, values)

    values, out = evaluate(point)
    rows: list[Row] = []
    for name, d in _directions(len(point)):
        ahead = gradient([x + eps * t for x, t in zip(point, d)])
        behind = gradient([x - eps * t for x, t in zip(point, d)])
        numeric = [(p - m) / (2.0 * eps) for p, m in zip(ahead, behind)]
        analytic = hvp(out, values, d)
        rows += [(i, 2, name, a, n) for i, (a, n) in enumerate(zip(analytic, numeric))]
    return rows


def _checked(
    fn: object, inputs: Sequence[float], order: int, eps: float, atol: float, rtol: float
) -> list[float]:
    """The point as floats, after checking every argument of :func:`gradcheck`."""
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be callable, got {type(fn).__name__}")
    point = [real(x, f"gradcheck: inputs[{i}]") for i, x in enumerate(inputs)]
    for name, number in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not real(number, f"gradcheck: {name}") >= 0.0:
            raise ValueError(f"gradcheck: {name} must be ≥ 0, got {number!r}")
    if not eps > 0.0:
        raise ValueError(f"gradcheck: eps must be > 0, got {eps!r}")
    if order not in (1, 2) or isinstance(order, bool):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    return point


def _table(point: list[float], rows: list[Row], bad: list[bool], settings: str) -> str:
    """The message of a failed check: which inputs, orders and columns failed, then every row."""
    failed = ", ".join(
        f"input {i} at order {k}" + (f" (column {j})" if j else "")
        for (i, k, j, _, _), b in zip(rows, bad)
        if b
    )
    lines = [f"gradcheck failed for {failed} ({settings}):"]
    lines.append(
        f"{'input':>5}  {'order':>5}  {'column':>6}  {'x':>14}  {'analytic':>14}  "
        f"{'numeric':>14}  {'difference':>11}"
    )
    for (i, k, j, a, n), wrong in zip(rows, bad):
        mark = "  <-- mismatch" if wrong else ""
        lines.append(
            f"{i:>5}  {k:>5}  {j or '-':>6}  {point[i]:>14.6g}  {a:>14.8g}  {n:>14.8g}  "
            f"{a - n:>11.3g}{mark}"
        )
    if len(rows) > len(point) and len(point) <= MAX_HESSIAN_INPUTS:
        lines.append("order 2, column j: H[i][j] = ∂²f/∂xⱼ∂xᵢ, the derivative of (∇f)ᵢ along eⱼ")
    elif len(rows) > len(point):
        lines.append(
            f"order 2, column vk: (H·vk)ᵢ along random direction k (seed {DIRECTION_SEED}), "
            f"as there are more than {MAX_HESSIAN_INPUTS} inputs"
        )
    return "\n".join(lines)
