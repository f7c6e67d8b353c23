"""Domain errors raise in the forward pass, name the op and the value, never return complex/NaN."""

import math

import pytest

from autograd_lite import (
    DomainError,
    Value,
    affine,
    detect_anomaly,
    exp,
    expm1,
    grad,
    log,
    log1p,
    maximum,
    relu,
    sign,
    softplus,
    sqrt,
    step,
)


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
        (lambda: Value(-1.0).log1p(), r"log1p: log1p\(-1\.0\)"),
        (lambda: log1p(-2), r"log1p: log1p\(-2\.0\)"),
        (lambda: Value(710.0).expm1(), r"expm1: expm1\(710\.0\) overflows"),
    ],
)
def test_domain_error_names_the_op_and_the_value(make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError, match=message) as caught:
        make()
    assert isinstance(caught.value, ValueError)  # callers may catch plain ValueError
    assert "math domain error" not in str(caught.value)


NAN_OPS = {
    "add": lambda v: v + 1.0,
    "sub": lambda v: 1.0 - v,
    "mul": lambda v: v * 2.0,
    "div": lambda v: v / 2.0,
    "pow": lambda v: v**2.0,
    "pow of a negative base": lambda v: (-2.0) ** v,
    "neg": lambda v: -v,
    "abs": abs,
    "exp": Value.exp,
    "log": Value.log,
    "log1p": Value.log1p,
    "expm1": Value.expm1,
    "sqrt": Value.sqrt,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "sin": Value.sin,
    "cos": Value.cos,
    "affine": lambda v: affine([v, 1.0], [2.0, v], 0.5),
    "softplus": Value.softplus,
    "max": lambda v: maximum([1.0, v]),
}


LINEAR = {"add", "sub", "mul", "div", "neg", "affine"}


@pytest.mark.parametrize("name", list(NAN_OPS))
def test_nan_propagates_through_every_op_and_its_derivative(name: str) -> None:
    # IEEE: NaN in, NaN out, forward and backward (relu and log once turned it into 0 or an
    # error); inside detect_anomaly it raises, naming the op.
    x = Value(math.nan)
    y = NAN_OPS[name](x)
    assert math.isnan(y.data)
    y.backward()
    # A derivative that depends on x is NaN too; that of a linear op does not (d(x + 1)/dx = 1).
    assert math.isnan(x.grad) == (name not in LINEAR)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="produced nan"):
        NAN_OPS[name](Value(math.nan))


def test_number_functions_propagate_nan_as_the_methods_do() -> None:
    for f in (relu, log, sqrt, exp, log1p, expm1, softplus, step, sign):
        assert math.isnan(f(math.nan)), f


def test_infinite_derivative_raises_in_backward_naming_the_op() -> None:
    x = Value(0.0)
    y = x.sqrt()  # √0 = 0 is fine; its derivative 1/(2√x) is not finite at 0
    assert y.data == 0.0
    with pytest.raises(DomainError, match=r"derivative of sqrt at \(0\.0\)"):
        y.backward()
    assert x.grad == 0.0  # nothing was half-applied
    with pytest.raises(DomainError, match="pow"):
        grad(x**0.5, [x])
