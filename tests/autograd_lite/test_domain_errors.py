"""Domain errors raise in the forward pass, name the op and the value, never return complex/NaN."""

import math

import pytest

from autograd_lite import DomainError, Value, exp, grad, log, sqrt


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Value(0.0).log(), r"log: log\(0\.0\)"),
        (lambda: Value(-1.0).log(), r"log: log\(-1\.0\)"),
        (lambda: Value(-1.0).sqrt(), r"sqrt: sqrt\(-1\.0\)"),
        (lambda: Value(0.0) ** -1, r"pow: 0 \*\* -1\.0"),
        (lambda: Value(0.0) ** Value(-0.5), r"pow: 0 \*\* -0\.5"),
        (lambda: Value(-8.0) ** (1 / 3), r"pow: -8\.0 \*\* 0\.333"),
        (lambda: (-8.0) ** Value(0.5), r"pow: -8\.0 \*\* 0\.5"),
        (lambda: Value(10.0) ** 400, r"pow: 10\.0 \*\* 400\.0 overflows"),
        (lambda: Value(1.0) / 0, r"div: division by zero \(1\.0 / 0\.0\)"),
        (lambda: 1 / Value(0.0), r"div: division by zero \(1\.0 / 0\.0\)"),
        (lambda: Value(2.0) / Value(0.0), r"div: division by zero"),
        (lambda: Value(1000.0).exp(), r"exp: exp\(1000\.0\) overflows"),
        (lambda: Value(math.inf).sin(), r"sin: sin\(inf\)"),
        (lambda: Value(-math.inf).cos(), r"cos: cos\(-inf\)"),
        (lambda: log(0), r"log: log\(0\.0\)"),
        (lambda: sqrt(-4), r"sqrt: sqrt\(-4\.0\)"),
        (lambda: exp(800), r"exp: exp\(800\.0\)"),
    ],
)
def test_domain_error_names_the_op_and_the_value(make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError, match=message) as caught:
        make()
    assert isinstance(caught.value, ValueError)  # callers may catch plain ValueError
    assert "math domain error" not in str(caught.value)


def test_log_of_nan_is_refused_not_propagated() -> None:
    with pytest.raises(DomainError, match="log"):
        Value(math.nan).log()


def test_infinite_derivative_raises_in_backward_naming_the_op() -> None:
    x = Value(0.0)
    y = x.sqrt()  # √0 = 0 is fine; its derivative 1/(2√x) is not finite at 0
    assert y.data == 0.0
    with pytest.raises(DomainError, match=r"derivative of sqrt at \(0\.0\)"):
        y.backward()
    assert x.grad == 0.0  # nothing was half-applied
    with pytest.raises(DomainError, match="pow"):
        grad(x**0.5, [x])
