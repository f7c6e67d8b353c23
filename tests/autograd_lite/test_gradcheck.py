"""gradcheck: agreement with central differences, and a readable table when they disagree."""

import pytest
from hypothesis import HealthCheck, given, settings

from autograd_lite import GradcheckError, Value, defvjp, gradcheck
from tests.autograd_lite.test_properties import Step, inputs, run, steps


def test_gradcheck_accepts_a_correct_function() -> None:
    assert gradcheck(lambda v: (v[0] * v[1]).tanh() + v[1].exp() / v[0], [0.3, -1.2])


def test_gradcheck_tables_a_wrong_rule() -> None:
    defvjp("wrong_square", lambda g, out, a: g * a)  # d(x²)/dx is 2x, not x

    def wrong_square(v: list[Value]) -> Value:
        return Value.from_op(v[0].data ** 2, "wrong_square", (v[0],)) + v[1]

    with pytest.raises(GradcheckError) as caught:
        gradcheck(wrong_square, [3.0, 1.0])
    message = str(caught.value)
    assert "analytic" in message and "numeric" in message
    lines = message.splitlines()
    assert "mismatch" in lines[2] and "3" in lines[2] and "6" in lines[2]
    assert "mismatch" not in lines[3]


def test_gradcheck_validates_arguments() -> None:
    with pytest.raises(TypeError, match="callable"):
        gradcheck(3, [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"inputs\[0\]"):
        gradcheck(lambda v: v[0], ["x"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda v: v[0], [1.0], eps=0.0)
    with pytest.raises(TypeError, match="return a Value"):
        gradcheck(lambda v: 1.0, [1.0])  # type: ignore[arg-type, return-value]


def _cube_with_a_wrong_second_derivative(v: list[Value]) -> Value:
    # d(x³)/dx = 3x², right as a number; but float(a) leaves the graph, so differentiating the
    # partial again gives 0 instead of 6x: the classic bug a first-order check cannot see.
    defvjp("test.flat_cube", lambda g, out, a: g * 3.0 * float(a) ** 2)
    x, y = v
    return Value.from_op(x.data**3, "test.flat_cube", (x,)) + x * y


def test_order_2_catches_a_wrong_second_derivative_that_order_1_passes() -> None:
    assert gradcheck(_cube_with_a_wrong_second_derivative, [1.3, -0.4])
    with pytest.raises(GradcheckError) as caught:
        gradcheck(_cube_with_a_wrong_second_derivative, [1.3, -0.4], order=2)
    message = str(caught.value)
    assert message.splitlines()[0].startswith("gradcheck failed for input 0 at order 2 (")
    header, *rows = message.splitlines()[1:6]
    assert header.split() == ["input", "order", "x", "analytic", "numeric", "difference"]
    assert [row.split()[:2] for row in rows] == [["0", "1"], ["1", "1"], ["0", "2"], ["1", "2"]]
    assert ["mismatch" in row for row in rows] == [False, False, True, False]


def test_order_2_accepts_correct_second_derivatives() -> None:
    def f(v: list[Value]) -> Value:
        return (v[0] * v[1]).tanh() + v[1].exp() / v[0] + v[2] ** 3 * v[0].sin()

    assert gradcheck(f, [0.3, -1.2, 0.8], order=2)


def test_order_must_be_1_or_2() -> None:
    for order in (0, 3, True):
        with pytest.raises(ValueError, match="order must be 1 or 2"):
            gradcheck(lambda v: v[0], [1.0], order=order)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(xs=inputs, program=steps)
def test_order_2_passes_on_random_graphs_of_every_op(xs: list[float], program: list[Step]) -> None:
    run(program, [Value(x) for x in xs], check_kinks=True)  # discards examples near a kink
    assert gradcheck(lambda vs: run(program, vs), xs, order=2, rtol=1e-4)
