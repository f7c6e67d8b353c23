"""gradcheck: agreement with central differences, and a readable table when they disagree."""

import pytest
from hypothesis import HealthCheck, given, settings

from autograd_lite import GradcheckError, Value, defvjp, gradcheck
from autograd_lite.gradcheck import MAX_HESSIAN_INPUTS, RANDOM_DIRECTIONS
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
    assert header.split() == [
        "input", "order", "column", "x", "analytic", "numeric", "difference"
    ]  # fmt: skip
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


# x²·y with ∂/∂x = 2xy written as 2x·float(y): right as a number, so order 1 passes, but y has
# left the graph, so ∂(∂f/∂x)/∂y = H[0][1] comes out 0 instead of 2x. Every other entry is
# right: H[0][0] = 2y (the a in 2a·float(b) is still a Value), and ∂f/∂y = x² is differentiated
# correctly, so H[1][0] = 2x and H[1][1] = 0; a random direction would not say which one.
defvjp(
    "test.flat_mixed",
    lambda g, out, a, b: g * 2.0 * a * float(b),
    lambda g, out, a, b: g * a * a,
)


def _mixed_term_wrong(v: list[Value]) -> Value:
    x, y, z = v
    return Value.from_op(x.data**2 * y.data, "test.flat_mixed", (x, y)) + (y * z).sin()


def test_order_2_names_the_one_wrong_mixed_entry_of_the_hessian() -> None:
    point = [1.3, -0.4, 0.7]
    assert gradcheck(_mixed_term_wrong, point)  # first order is right
    with pytest.raises(GradcheckError) as caught:
        gradcheck(_mixed_term_wrong, point, order=2)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("gradcheck failed for input 0 at order 2 (column 1) (eps=")
    rows = [line.split() for line in lines[2:] if line.split()[1] == "2"]
    assert [(r[0], r[2]) for r in rows] == [(str(i), str(j)) for j in range(3) for i in range(3)]
    wrong = [(r[0], r[2]) for r in rows if "mismatch" in " ".join(r)]
    assert wrong == [("0", "1")]  # H[0][1]: input 0, column 1, and nothing else
    (row,) = [r for r in rows if (r[0], r[2]) == ("0", "1")]
    assert float(row[4]) == 0.0 and float(row[5]) == pytest.approx(2 * 1.3, rel=1e-6)
    assert "column j: H[i][j]" in lines[-1]


def test_order_2_checks_every_column_of_the_hessian_of_a_correct_function() -> None:
    def f(v: list[Value]) -> Value:
        x, y, z = v
        return x**2 * y + (y * z).sin() + (x * z).exp()

    assert gradcheck(f, [1.3, -0.4, 0.7], order=2)
    with pytest.raises(GradcheckError) as caught:
        gradcheck(f, [1.3, -0.4, 0.7], order=2, atol=0.0, rtol=0.0)  # every row fails
    rows = [line.split() for line in str(caught.value).splitlines()[2:-1]]
    assert len(rows) == 3 + 3 * 3 and {r[2] for r in rows if r[1] == "2"} == {"0", "1", "2"}


def test_order_2_above_the_hessian_limit_uses_fixed_random_directions() -> None:
    n = MAX_HESSIAN_INPUTS + 1

    def f(v: list[Value]) -> Value:
        return _mixed_term_wrong(v[:3]) + sum((p * p for p in v[3:]), start=Value(0.0))

    point = [1.3, -0.4, 0.7] + [0.01 * k for k in range(n - 3)]
    messages = []
    for _ in range(2):
        with pytest.raises(GradcheckError) as caught:
            gradcheck(f, point, order=2)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]  # the same directions every run
    lines = messages[0].splitlines()
    rows = [line.split() for line in lines[2:-1]]
    columns = [r[2] for r in rows if r[1] == "2"]
    assert columns == [f"v{k}" for k in range(RANDOM_DIRECTIONS) for _ in range(n)]
    assert {r[0] for r in rows if "<--" in r} == {"0"}  # (H·v)₀ is off by −2x·v₁, the rest right
    assert "at order 2 (column v0)" in lines[0]
    assert f"more than {MAX_HESSIAN_INPUTS} inputs" in lines[-1]
