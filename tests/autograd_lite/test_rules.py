"""Defining a new op: one partial per operand serves first-order backward and create_graph."""

import math

import pytest

from autograd_lite import (
    Value,
    defvjp,
    defvjp_variadic,
    derivative,
    grad,
    gradcheck,
    sigmoid,
)
from autograd_lite.rules import RULES, arity


def softplus(x: Value) -> Value:
    """softplus(x) = ln(1 + eˣ); d/dx softplus = σ(x)."""
    return Value.from_op(math.log1p(math.exp(x.data)), "test.softplus", (x,))


defvjp("test.softplus", lambda g, out, x: g * sigmoid(x))


def fma(a: Value | float, b: Value | float, c: Value | float) -> Value:
    """a·b + c."""
    return Value.from_op(float(a) * float(b) + float(c), "test.fma", (a, b, c))


defvjp(
    "test.fma",
    lambda g, out, a, b, c: g * b,
    lambda g, out, a, b, c: g * a,
    lambda g, out, a, b, c: g,
)


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
    x, y = Value(2.0), Value(5.0)
    out = fma(x, y, 1.0)
    assert out.args == (x, y, 1.0) and out.parents == (x, y)
    out.backward()
    assert (x.grad, y.grad) == (5.0, 2.0)


def test_the_partial_of_a_constant_operand_is_never_called() -> None:
    def refuse(g: float, out: float, a: float, b: float) -> float:
        raise AssertionError("the partial of a constant operand was evaluated")

    defvjp("test.constant_first", refuse, lambda g, out, a, b: g * a)
    y = Value(3.0)
    for make in (lambda: Value.from_op(6.0, "test.constant_first", (2.0, y)),):
        make().backward()
        assert grad(make(), [y]) == [2.0]
        (d,) = grad(make(), [y], create_graph=True)
        assert d.data == 2.0


@pytest.mark.parametrize("create_graph", [False, True])
def test_constant_zero_base_to_a_value_power_has_gradient_zero(create_graph: bool) -> None:
    # 0.0 ** y with 0 < y < 1: the base is a constant, so its partial b·0^(b−1) = ∞ must not
    # be computed; ∂(0ʸ)/∂y = 0 (PyTorch and HIPS autograd agree).
    y = Value(0.5)
    (d,) = grad(0.0**y, [y], create_graph=create_graph)
    assert float(d) == 0.0


def test_every_builtin_op_has_a_rule() -> None:
    builtin = {"add", "sub", "mul", "div", "pow", "neg", "abs", "exp", "log", "sqrt"}
    builtin |= {"tanh", "sigmoid", "relu", "sin", "cos", "log1p", "expm1", "affine"}
    assert builtin <= set(RULES)
    assert arity("mul") == 2 and arity("exp") == 1 and arity("affine") is None


def test_registering_the_same_rule_again_is_harmless() -> None:
    # What re-importing a module (or running a test file twice in one process) does.
    for _ in range(2):
        defvjp("test.cube", lambda g, out, a: g * 3.0 * a * a)
    x = Value(2.0)
    Value.from_op(8.0, "test.cube", (x,)).backward()
    assert x.grad == 12.0


def test_a_different_rule_for_a_taken_name_raises_and_suggests_a_qualified_name() -> None:
    with pytest.raises(ValueError, match=r"different derivative rule.*'mylib\.mul'"):
        defvjp("mul", lambda g, out, a, b: g, lambda g, out, a, b: g)

    def scaled(scale: float) -> object:
        return lambda g, out, a: g * scale

    defvjp("test.scaled", scaled(2.0))  # type: ignore[arg-type]
    defvjp("test.scaled", scaled(2.0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="different"):  # same code, another captured value
        defvjp("test.scaled", scaled(3.0))  # type: ignore[arg-type]
    assert set(RULES["mul"]) != {None}  # the built-in rule is untouched
    assert (Value(2.0) * Value(3.0)).data == 6.0


def test_registration_errors() -> None:
    with pytest.raises(TypeError, match="callable"):
        defvjp("test.new_op", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="one partial per operand"):
        defvjp("test.no_partials")
    with pytest.raises(TypeError, match="non-empty str"):
        defvjp("", lambda g, out, a: g)
    with pytest.raises(ValueError, match="defvjp first"):
        Value.from_op(1.0, "test.never_registered", ())
    with pytest.raises(TypeError, match="tuple"):
        Value.from_op(1.0, "test.softplus", [Value(1.0)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str"):
        Value.from_op(1.0, "test.softplus", ("x",))
    with pytest.raises(ValueError, match="1 partials but 2 operands"):
        Value.from_op(1.0, "test.softplus", (Value(1.0), Value(2.0)))


#: The operand indices test.prod's rule was asked for (module-level, so that the rule is the
#: same function each time the test runs: registering it again is then harmless).
ASKED: list[list[int]] = []


def test_an_op_with_any_number_of_operands() -> None:
    # prod(x₀, ..., xₙ₋₁): ∂/∂xᵢ = Π_{j≠i} xⱼ, asked for the Value operands only.
    asked = ASKED
    asked.clear()

    def partials(
        wanted: list[int], g: object, out: object, args: tuple[object, ...]
    ) -> list[object]:
        ASKED.append(list(wanted))
        result = []
        for i in wanted:
            rest: object = g
            for j, a in enumerate(args):
                if j != i:
                    rest = rest * a  # type: ignore[operator]
            result.append(rest)
        return result

    defvjp_variadic("test.prod", partials)
    xs = [Value(2.0), Value(3.0), Value(5.0)]
    out = Value.from_op(30.0, "test.prod", (xs[0], 7.0, xs[1], xs[2]))
    assert grad(out, xs) == [105.0, 70.0, 42.0]
    assert asked == [[0, 2, 3]]  # the constant 7.0 is not asked for
    (d,) = grad(
        Value.from_op(30.0, "test.prod", (xs[0], 7.0, xs[1], xs[2])), [xs[0]], create_graph=True
    )
    assert grad(d, [xs[1]]) == [35.0]


def test_derivative_decorator_returns_the_function() -> None:
    @derivative("test.cube_decorated", lambda g, out, a: g * 3 * a * a)
    def cube(x: Value) -> Value:
        return Value.from_op(x.data**3, "test.cube_decorated", (x,))

    x = Value(2.0)
    cube(x).backward()
    assert x.grad == 12.0
