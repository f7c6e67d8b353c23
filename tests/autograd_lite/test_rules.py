"""Defining a new op: one rule serves first-order backward and create_graph."""

import math

import pytest

from autograd_lite import Value, defvjp, derivative, grad, gradcheck, sigmoid
from autograd_lite.rules import RULES


def softplus(x: Value) -> Value:
    """softplus(x) = ln(1 + eˣ); d/dx softplus = σ(x)."""
    return Value.from_op(math.log1p(math.exp(x.data)), "softplus", (x,))


defvjp("softplus", lambda g, out, x: (g * sigmoid(x),))


def test_custom_op_first_and_second_derivative() -> None:
    x = Value(0.3)
    y = softplus(x)
    y.backward()
    assert x.grad == pytest.approx(1 / (1 + math.exp(-0.3)), rel=1e-15)
    (d1,) = grad(softplus(x), [x], create_graph=True)
    (d2,) = grad(d1, [x])
    s = 1 / (1 + math.exp(-0.3))
    assert d2 == pytest.approx(s * (1 - s), rel=1e-14)
    assert gradcheck(lambda v: softplus(v[0] * v[1]), [0.5, -2.0])


def test_custom_ternary_op_with_a_constant_operand() -> None:
    defvjp("fma", lambda g, out, a, b, c: (g * b, g * a, g))
    x, y = Value(2.0), Value(5.0)
    out = Value.from_op(2.0 * 5.0 + 1.0, "fma", (x, y, 1.0))
    assert out.args == (x, y, 1.0) and out.parents == (x, y)
    out.backward()
    assert (x.grad, y.grad) == (5.0, 2.0)


def test_every_builtin_op_has_a_rule() -> None:
    builtin = {"add", "sub", "mul", "div", "pow", "neg", "abs", "exp", "log", "sqrt"}
    builtin |= {"tanh", "sigmoid", "relu", "sin", "cos"}
    assert builtin <= set(RULES)


def test_registration_errors() -> None:
    with pytest.raises(ValueError, match="already"):
        defvjp("mul", lambda g, out, a, b: (g, g))
    with pytest.raises(TypeError, match="callable"):
        defvjp("new_op", 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="defvjp first"):
        Value.from_op(1.0, "never_registered", ())
    with pytest.raises(TypeError, match="tuple"):
        Value.from_op(1.0, "softplus", [Value(1.0)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str"):
        Value.from_op(1.0, "softplus", ("x",))


def test_derivative_decorator_returns_the_function() -> None:
    @derivative("cube_decorated", lambda g, out, a: (g * 3 * a * a,))
    def cube(x: Value) -> Value:
        return Value.from_op(x.data**3, "cube_decorated", (x,))

    x = Value(2.0)
    cube(x).backward()
    assert x.grad == 12.0
