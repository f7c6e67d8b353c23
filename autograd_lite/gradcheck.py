"""Checking analytic derivatives against central finite differences, to first or second order."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from autograd_lite.backward import grad
from autograd_lite.jacobians import hvp
from autograd_lite.value import Value, _real

#: The seed of the random direction of the second-order check: the same direction every run.
DIRECTION_SEED = 17


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
    accurate to O(eps²), against ``grad``. Order 2 checks that too, and the second derivatives
    along a random direction v (the same every run, :data:`DIRECTION_SEED`): component i of
    H·v = ∂(∇f)ᵢ/∂v (:func:`~autograd_lite.jacobians.hvp`) against
    ((∇f)ᵢ(x + eps·v) − (∇f)ᵢ(x − eps·v)) / (2·eps), the central difference of the gradient.
    They agree when \\|analytic − numeric\\| ≤ atol + rtol·\\|numeric\\| for every input and
    order (PyTorch's gradcheck's tolerances). Returns True, or raises :class:`GradcheckError`
    with a table of every input's derivatives that marks the input and order that failed.
    """
    point = _checked(fn, inputs, order, eps, atol, rtol)

    def evaluate(at: list[float]) -> tuple[list[Value], Value]:
        values = [Value(x) for x in at]
        out = fn(values)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}")
        return values, out

    def gradient(at: list[float]) -> list[float]:
        values, out = evaluate(at)
        return grad(out, values)

    values, out = evaluate(point)
    numeric = []
    for i in range(len(point)):
        plus, minus = list(point), list(point)
        plus[i] += eps
        minus[i] -= eps
        numeric.append((evaluate(plus)[1].data - evaluate(minus)[1].data) / (2.0 * eps))
    rows = [(i, 1, a, n) for i, (a, n) in enumerate(zip(grad(out, values), numeric))]
    if order == 2:
        rng = random.Random(DIRECTION_SEED)
        v = [rng.uniform(-1.0, 1.0) for _ in point]
        ahead = gradient([x + eps * d for x, d in zip(point, v)])
        behind = gradient([x - eps * d for x, d in zip(point, v)])
        second = [(p - m) / (2.0 * eps) for p, m in zip(ahead, behind)]
        rows += [(i, 2, a, n) for i, (a, n) in enumerate(zip(hvp(out, values, v), second))]
    bad = [abs(a - n) > atol + rtol * abs(n) for _, _, a, n in rows]
    if any(bad):
        raise GradcheckError(_table(point, rows, bad, f"eps={eps}, atol={atol}, rtol={rtol}"))
    return True


def _checked(
    fn: object, inputs: Sequence[float], order: int, eps: float, atol: float, rtol: float
) -> list[float]:
    """The point as floats, after checking every argument of :func:`gradcheck`."""
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be callable, got {type(fn).__name__}")
    point = [_real(x, f"gradcheck: inputs[{i}]") for i, x in enumerate(inputs)]
    for name, number in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not _real(number, f"gradcheck: {name}") >= 0.0:
            raise ValueError(f"gradcheck: {name} must be ≥ 0, got {number!r}")
    if not eps > 0.0:
        raise ValueError(f"gradcheck: eps must be > 0, got {eps!r}")
    if order not in (1, 2) or isinstance(order, bool):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    return point


def _table(
    point: list[float], rows: list[tuple[int, int, float, float]], bad: list[bool], settings: str
) -> str:
    """The message of a failed check: which inputs and orders failed, then every row."""
    failed = ", ".join(f"input {i} at order {k}" for (i, k, _, _), b in zip(rows, bad) if b)
    lines = [f"gradcheck failed for {failed} ({settings}):"]
    lines.append(
        f"{'input':>5}  {'order':>5}  {'x':>14}  {'analytic':>14}  {'numeric':>14}  "
        f"{'difference':>11}"
    )
    for (i, k, a, n), wrong in zip(rows, bad):
        mark = "  <-- mismatch" if wrong else ""
        lines.append(
            f"{i:>5}  {k:>5}  {point[i]:>14.6g}  {a:>14.8g}  {n:>14.8g}  {a - n:>11.3g}{mark}"
        )
    if len(rows) > len(point):
        lines.append("order 2: the derivative of the gradient along a random direction v")
    return "\n".join(lines)
