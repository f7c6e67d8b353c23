"""The Value type: construction, attributes, operators and their derivatives, conventions."""

import math

import numpy as np
import pytest

from autograd_lite import (
    Value,
    affine,
    cos,
    exp,
    grad,
    log,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
    total,
)


def test_attributes_of_a_leaf() -> None:
    v = Value(3, label="x")
    assert type(v.data) is float and v.data == 3.0
    assert v.grad == 0.0 and v.label == "x" and v.op == "" and v.parents == () and v.args == ()
    assert float(v) == 3.0
    assert repr(v) == "Value(data=3.0, grad=0.0, label='x')"
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0.0)"


@pytest.mark.parametrize("number", [np.float64(2.5), np.float32(2.5), np.int64(2), 7, -0.0])
def test_numpy_scalars_and_ints_become_floats(number: object) -> None:
    v = Value(number)  # type: ignore[arg-type]
    assert type(v.data) is float and v.data == float(number)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "name"),
    [
        ("3", "str"),
        (None, "NoneType"),
        (1 + 2j, "complex"),
        ([1.0], "list"),
        (np.array([1.0]), "ndarray"),
        (np.array(1.0), "ndarray"),
        (True, "bool"),
    ],
)
def test_value_rejects_non_real_data(bad: object, name: str) -> None:
    with pytest.raises(TypeError, match=name):
        Value(bad)  # type: ignore[arg-type]


def test_value_rejects_a_value_and_a_bad_label() -> None:
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["a", None, [1], 1j, np.array([1.0, 2.0])])
@pytest.mark.parametrize("symbol", ["+", "-", "*", "/", "**"])
def test_operators_reject_non_numbers_on_either_side(bad: object, symbol: str) -> None:
    x = Value(2.0)
    with pytest.raises(TypeError, match=r"expected a real number"):
        eval(f"x {symbol} bad", {"x": x, "bad": bad})
    if not isinstance(bad, np.ndarray):  # an array on the left broadcasts before asking us
        with pytest.raises(TypeError):
            eval(f"bad {symbol} x", {"x": x, "bad": bad})


def test_parents_keep_order_and_repeats_and_skip_constants() -> None:
    x, y = Value(2.0), Value(3.0)
    assert (x * x).parents == (x, x)
    assert (y - x).parents == (y, x)
    product = x * 2
    assert product.parents == (x,) and product.args == (x, 2.0) and product.op == "mul"
    assert (2 - x).args == (2.0, x)


def test_values_hash_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b and len({a, b}) == 2 and a == a


def test_numpy_scalar_on_the_left_gives_a_value() -> None:
    x = Value(2.0)
    for result in (np.float64(3.0) * x, np.float64(3.0) + x, np.int64(3) - x):
        assert isinstance(result, Value)


def _d(f, at: float) -> float:  # type: ignore[no-untyped-def]
    x = Value(at)
    f(x).backward()
    return x.grad


@pytest.mark.parametrize(
    ("f", "at", "value", "derivative"),
    [
        (lambda x: x + 3, 2.0, 5.0, 1.0),
        (lambda x: 3 + x, 2.0, 5.0, 1.0),
        (lambda x: x - 3, 2.0, -1.0, 1.0),
        (lambda x: 3 - x, 2.0, 1.0, -1.0),
        (lambda x: x * 3, 2.0, 6.0, 3.0),
        (lambda x: 3 * x, 2.0, 6.0, 3.0),
        (lambda x: x / 4, 2.0, 0.5, 0.25),
        (lambda x: 4 / x, 2.0, 2.0, -1.0),
        (lambda x: x**3, 2.0, 8.0, 12.0),
        (lambda x: 2**x, 3.0, 8.0, 8.0 * math.log(2.0)),
        (lambda x: x**x, 2.0, 4.0, 4.0 * (1.0 + math.log(2.0))),
        (lambda x: -x, 2.0, -2.0, -1.0),
        (lambda x: +x, 2.0, 2.0, 1.0),
        (lambda x: abs(x), -2.0, 2.0, -1.0),
        (lambda x: x.exp(), 1.0, math.e, math.e),
        (lambda x: x.log(), 2.0, math.log(2.0), 0.5),
        (lambda x: x.sqrt(), 4.0, 2.0, 0.25),
        (lambda x: x.tanh(), 0.5, math.tanh(0.5), 1 - math.tanh(0.5) ** 2),
        (lambda x: x.sigmoid(), 0.0, 0.5, 0.25),
        (lambda x: x.relu(), 2.0, 2.0, 1.0),
        (lambda x: x.relu(), -2.0, 0.0, 0.0),
        (lambda x: x.sin(), 1.0, math.sin(1.0), math.cos(1.0)),
        (lambda x: x.cos(), 1.0, math.cos(1.0), -math.sin(1.0)),
        (lambda x: (-8.0) ** (x * 0 + 3), 1.0, -512.0, 0.0),
    ],
)
def test_each_op_value_and_derivative(f, at: float, value: float, derivative: float) -> None:  # type: ignore[no-untyped-def]
    assert f(Value(at)).data == pytest.approx(value, rel=1e-15)
    assert _d(f, at) == pytest.approx(derivative, rel=1e-15, abs=1e-300)


def test_negative_base_integer_power_is_real() -> None:
    assert (Value(-8.0) ** 3).data == -512.0
    assert _d(lambda x: x**3, -2.0) == 12.0


def test_sum_of_values() -> None:
    xs = [Value(float(i)) for i in range(5)]
    total = sum(xs)
    assert isinstance(total, Value) and total.data == 10.0
    total.backward()
    assert [x.grad for x in xs] == [1.0] * 5


def test_kink_conventions_relu_and_abs_at_zero() -> None:
    """ReLU′(0) = 0 and |x|′(0) = 0: the minimum-norm subgradient of the course notes."""
    assert _d(lambda x: x.relu(), 0.0) == 0.0
    assert _d(lambda x: abs(x), 0.0) == 0.0
    assert _d(lambda x: abs(x), 3.0) == 1.0


def test_pow_exponent_partial_is_zero_for_non_positive_base() -> None:
    base, exponent = Value(0.0), Value(2.0)
    (base**exponent).backward()
    assert exponent.grad == 0.0 and base.grad == 0.0


def test_power_zero_has_zero_derivative_even_at_zero() -> None:
    assert _d(lambda x: x**0, 0.0) == 0.0


@pytest.mark.parametrize("big", [1000.0, 1e300, -1000.0, -1e300])
def test_tanh_and_sigmoid_are_stable_for_every_finite_input(big: float) -> None:
    for method, limit in (("tanh", math.copysign(1.0, big)), ("sigmoid", big > 0)):
        x = Value(big)
        y = getattr(x, method)()
        y.backward()
        assert y.data == float(limit)
        assert x.grad == 0.0


def test_sigmoid_of_large_negative_is_zero_not_error() -> None:
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).tanh().data == 1.0


def test_functions_accept_values_and_numbers() -> None:
    x = Value(0.5)
    for f, reference in (
        (exp, math.exp),
        (log, math.log),
        (sqrt, math.sqrt),
        (tanh, math.tanh),
        (sin, math.sin),
        (cos, math.cos),
    ):
        assert f(0.5) == reference(0.5)
        assert isinstance(f(x), Value) and f(x).data == reference(0.5)
    assert sigmoid(0.0) == 0.5 and relu(-1.0) == 0.0 and relu(x).data == 0.5
    with pytest.raises(TypeError, match="str"):
        exp("1")  # type: ignore[arg-type]


def test_grad_of_every_op_matches_closed_form_through_function_api() -> None:
    x = Value(0.7)
    y = sin(x) * cos(x) + exp(x) / sqrt(x) - log(x) * tanh(x) + sigmoid(x) + relu(x)
    (analytic,) = grad(y, [x])
    v = 0.7
    expected = (
        math.cos(2 * v)
        + math.exp(v) * (v**-0.5 - 0.5 * v**-1.5)
        - (math.tanh(v) / v + math.log(v) * (1 - math.tanh(v) ** 2))
        + (1 / (1 + math.exp(-v))) * (1 - 1 / (1 + math.exp(-v)))
        + 1.0
    )
    assert analytic == pytest.approx(expected, rel=1e-13)


def test_affine_equals_the_chain_of_adds_and_products() -> None:
    w = [Value(0.5), Value(-1.25), Value(2.0)]
    x = [Value(3.0), 4.0, np.float64(-0.5)]
    b = Value(0.25)
    fused = affine(w, x, b)
    chain = b + w[0] * x[0] + w[1] * x[1] + w[2] * float(x[2])
    assert fused.data == chain.data
    assert fused.op == "affine" and fused.args == (b, *w, x[0], 4.0, -0.5)
    assert fused.parents == (b, *w, x[0])
    fused_grads = grad(fused, [b, *w, x[0]])
    chain_grads = grad(chain, [b, *w, x[0]])
    assert fused_grads == chain_grads == [1.0, 3.0, 4.0, -0.5, 0.5]
    # Every operand a Value (the rule's shortcut for hidden layers) gives the same partials.
    xs = [x[0], Value(4.0), Value(-0.5)]
    assert grad(affine(w, xs, b), [b, *w, *xs]) == [1.0, 3.0, 4.0, -0.5, 0.5, -1.25, 2.0]


def test_affine_second_derivatives_and_errors() -> None:
    w, x = Value(1.5), Value(-2.0)
    y = affine([w], [x], 1.0) ** 2  # (1 + wx)²
    dw, dx = grad(y, [w, x], create_graph=True)
    (dwdx,) = grad(dw, [x])  # ∂²/∂w∂x (1 + wx)² = 2(1 + wx) + 2wx
    (dxdw,) = grad(dx, [w])
    assert dwdx == dxdw == 2 * (1 + 1.5 * -2.0) + 2 * 1.5 * -2.0
    assert affine([], [], 2.0).data == 2.0
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        affine([w, w], [x])
    with pytest.raises(TypeError, match="str"):
        affine([w], ["1"])  # type: ignore[list-item]


# --- A Value used like a Python number ---------------------------------------------------------


def test_pow_mixed_partial_at_a_zero_exponent_keeps_its_dependence_on_the_exponent() -> None:
    # ∂²(aᵇ)/∂a∂b = aᵇ⁻¹(1 + b ln a) = 1/a at b = 0; a shortcut "0 when b = 0" lost it.
    a, b = Value(2.0), Value(0.0)
    da, db = grad(a**b, [a, b], create_graph=True)
    assert da.data == 0.0 and db.data == pytest.approx(math.log(2.0), rel=1e-15)
    assert grad(da, [b]) == [0.5]
    assert grad(db, [a]) == [0.5]  # the Hessian is symmetric
    h = 1e-6
    central = ((2.0 + h) ** h - (2.0 + h) ** -h - (2.0 - h) ** h + (2.0 - h) ** -h) / (4 * h * h)
    assert central == pytest.approx(0.5, rel=1e-4)


def test_pow_at_zero_base_and_zero_exponent() -> None:
    # 0⁰ = 1 and a⁰ = 1 for every a: the base partial is 0 there, and nothing raises.
    for exponent in (0.0, Value(0.0)):
        a = Value(0.0)
        (d,) = grad(a**exponent, [a], create_graph=True)
        assert d.data == 0.0


def test_formatting_and_rounding_follow_the_float() -> None:
    v = Value(3.14159265, label="loss")
    assert f"{v:.4f}" == "3.1416" and format(v, ".3e") == "3.142e+00" and f"{v:>8.2f}" == "    3.14"
    assert f"{v}" == repr(v) == str(v)
    assert round(v, 2) == 3.14 and round(v) == 3 and isinstance(round(v), int)
    assert v.item() == float(v) == 3.14159265 and int(Value(-2.7)) == -2


def test_ordering_compares_the_data_and_max_returns_the_value_itself() -> None:
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and not a > b
    assert a < 1.5 and a >= 1 and a <= 1
    assert 1.5 > a and 0 < a  # noqa: SIM300  (the reflected operators)
    assert max(a, b) is b and min(a, b) is a and sorted([b, a]) == [a, b]
    m = max(a, b) * 3.0
    m.backward()
    assert (a.grad, b.grad) == (0.0, 3.0)
    assert np.float64(1.5) > a and np.float64(0.5) < a
    with pytest.raises(TypeError, match="<: expected a real number or a Value, got str"):
        _ = a < "1"  # type: ignore[operator]


def test_equality_stays_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a and (a == 1.0) is False
    assert a.data == b.data


def test_truth_follows_the_float() -> None:
    assert not Value(0.0) and not Value(-0.0) and Value(1e-300) and Value(-2.0)
    assert bool(Value(math.nan)) is True  # as bool(float('nan'))


def test_numpy_functions_name_the_engine_function() -> None:
    v = Value(2.0)
    with pytest.raises(TypeError, match=r"numpy\.exp .*v\.exp\(\) or autograd_lite\.exp\(v\)"):
        np.exp(v)
    with pytest.raises(TypeError, match=r"numpy\.log1p .*v\.log1p\(\)"):
        np.log1p(v)
    with pytest.raises(TypeError, match=r"numpy\.arctan .*engine's functions"):
        np.arctan(v)
    with pytest.raises(TypeError, match="list of Values"):
        np.array([1.0, 2.0]) * v


def test_log1p_and_expm1_are_exact_for_tiny_arguments() -> None:
    x = Value(1e-20)
    assert x.log1p().data == 1e-20 and x.expm1().data == 1e-20
    assert (x.log1p() + 0.0).data != (x + 1.0).log().data  # log(1 + 1e-20) is 0
    assert _d(lambda v: v.log1p(), 1.0) == 0.5
    assert _d(lambda v: v.expm1(), 1.0) == pytest.approx(math.e, rel=1e-15)


def test_total_adds_left_to_right_without_a_zero_node() -> None:
    xs = [Value(0.1), 0.2, Value(0.3)]
    t = total(xs)
    assert t.data == (0.1 + 0.2) + 0.3 and t.op == "add" and t.args[1] is xs[2]
    assert t.args[0].args == (xs[0], 0.2)  # no 0 + v₀ node
    assert total([xs[0]]) is xs[0]
    assert grad(total(v * v for v in [xs[0], xs[2]]), [xs[0], xs[2]]) == [0.2, 0.6]
    with pytest.raises(ValueError, match="no values"):
        total([])
    with pytest.raises(TypeError, match="expected Values"):
        total([1.0, 2.0])


# --- NumPy numbers on either side of every operator -----------------------------------------

REAL_DTYPES = [
    np.float64, np.float32, np.float16, np.longdouble,
    np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
]  # fmt: skip
OPERATORS = ["+", "-", "*", "/", "**"]


def _graph(v: Value) -> list[tuple[str, tuple[object, ...], float]]:
    """What a result records: each node's op, operands (Values by position) and data."""
    from autograd_lite import topological_order

    order = topological_order(v)
    where = {node: i for i, node in enumerate(order)}
    return [
        (n.op, tuple(f"v{where[a]}" if isinstance(a, Value) else a for a in n.args), n.data)
        for n in order
    ]


@pytest.mark.parametrize("dtype", REAL_DTYPES, ids=lambda t: t.__name__)
@pytest.mark.parametrize("symbol", OPERATORS)
@pytest.mark.parametrize("side", ["left", "right"])
def test_numpy_real_scalars_work_on_either_side_as_a_python_float_does(
    dtype: type, symbol: str, side: str
) -> None:
    number = dtype(3)
    expression = f"n {symbol} x" if side == "left" else f"x {symbol} n"
    x, x_float = Value(2.0), Value(2.0)
    result = eval(expression, {"x": x, "n": number})
    expected = eval(expression, {"x": x_float, "n": float(number)})
    assert isinstance(result, Value)
    assert _graph(result) == _graph(expected)
    assert all(type(a) in (float, str) for _, args, _ in _graph(result) for a in args)
    result.backward()
    expected.backward()
    assert x.grad == x_float.grad


@pytest.mark.parametrize(
    "bad",
    [np.bool_(True), np.complex128(1), np.complex64(1j), np.array(1.0), np.str_("1")],
    ids=lambda b: type(b).__name__ + ("-0d" if isinstance(b, np.ndarray) else ""),
)
@pytest.mark.parametrize("symbol", OPERATORS)
def test_what_the_right_side_refuses_the_left_side_refuses_with_the_same_error(
    bad: object, symbol: str
) -> None:
    x = Value(2.0)
    with pytest.raises(TypeError) as right:
        eval(f"x {symbol} bad", {"x": x, "bad": bad})
    with pytest.raises(TypeError) as left:
        eval(f"bad {symbol} x", {"x": x, "bad": bad})
    assert str(left.value) == str(right.value)
    assert type(bad).__name__ in str(left.value)


def test_numpy_divide_on_the_left_is_division() -> None:
    # NumPy 2 names true division's ufunc `divide`: X[i, 0] / w with X an array.
    X, w = np.array([[6.0, 1.0]]), Value(2.0)
    q = X[0, 0] / w
    assert q.data == 3.0 and q.op == "div" and q.args == (6.0, w)
    q.backward()
    assert w.grad == -6.0 / 4.0
