"""Checking analytic gradients against central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd_lite.backward import grad
from autograd_lite.value import Value, _real


class GradcheckError(AssertionError):
    """The analytic and numeric derivatives disagree; the message tables every input."""


def gradcheck(
    fn: Callable[[list[Value]], Value],
    inputs: Sequence[float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare ``grad`` of ``fn`` with central differences at the point ``inputs``.

    The numeric derivative of input i is (f(x + eps·eᵢ) − f(x − eps·eᵢ)) / (2·eps), accurate to
    O(eps²). They agree when \\|analytic − numeric\\| ≤ atol + rtol·\\|numeric\\| for every input
    (the tolerances PyTorch's gradcheck uses). Returns True, or raises :class:`GradcheckError`
    with a table of every input's two derivatives.
    """
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be callable, got {type(fn).__name__}")
    point = [_real(x, f"gradcheck: inputs[{i}]") for i, x in enumerate(inputs)]
    for name, number in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not _real(number, f"gradcheck: {name}") >= 0.0:
            raise ValueError(f"gradcheck: {name} must be ≥ 0, got {number!r}")
    if not eps > 0.0:
        raise ValueError(f"gradcheck: eps must be > 0, got {eps!r}")

    def evaluate(at: list[float]) -> tuple[list[Value], Value]:
        values = [Value(x) for x in at]
        out = fn(values)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}")
        return values, out

    values, out = evaluate(point)
    analytic = grad(out, values)
    numeric = []
    for i in range(len(point)):
        plus, minus = list(point), list(point)
        plus[i] += eps
        minus[i] -= eps
        numeric.append((evaluate(plus)[1].data - evaluate(minus)[1].data) / (2.0 * eps))

    bad = [abs(a - n) > atol + rtol * abs(n) for a, n in zip(analytic, numeric)]
    if any(bad):
        rows = [f"{'input':>5}  {'x':>14}  {'analytic':>14}  {'numeric':>14}  {'difference':>11}"]
        for i, (x, a, n, wrong) in enumerate(zip(point, analytic, numeric, bad)):
            mark = "  <-- mismatch" if wrong else ""
            rows.append(f"{i:>5}  {x:>14.6g}  {a:>14.8g}  {n:>14.8g}  {a - n:>11.3g}{mark}")
        raise GradcheckError(
            f"gradcheck failed (eps={eps}, atol={atol}, rtol={rtol}):\n" + "\n".join(rows)
        )
    return True
