"""jacobian, hessian, hvp: against torch.func (jacrev, hessian, vjp) in float64 on random graphs
of every op, and the properties that tie them together: H is symmetric and is the Jacobian of
the gradient, H·v is H times v, and forward and reverse mode give the same Jacobian."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite import Value, grad, hessian, hvp, jacobian
from tests.autograd_lite.test_properties import Step, inputs, run, steps

SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)
programs = st.lists(steps, min_size=1, max_size=3)  # one program per output
directions = st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3)


def close(mine: list[list[float]], theirs: list[list[float]], rel: float = 1e-9) -> None:
    assert len(mine) == len(theirs)
    for row, their_row in zip(mine, theirs, strict=True):
        assert row == pytest.approx(their_row, rel=rel, abs=1e-10)


def torch_inputs(xs: list[float]) -> tuple[Any, ...]:
    torch = pytest.importorskip("torch")
    return tuple(torch.tensor(x, dtype=torch.float64) for x in xs)


def as_lists(blocks: Any) -> list[list[float]]:
    """torch.func's nested tuples (rows by output, then by argument) as lists of floats."""
    return [[float(entry) for entry in row] for row in blocks]


@SETTINGS
@given(xs=inputs, outputs=programs)
def test_jacobian_agrees_with_torch_func_jacrev(xs: list[float], outputs: list[list[Step]]) -> None:
    torch = pytest.importorskip("torch")
    values = [Value(x) for x in xs]
    ys = [run(program, values, check_kinks=True) for program in outputs]
    reverse = jacobian(ys, values)
    forward = jacobian(ys, values, mode="forward")

    def f(*ts: Any) -> Any:
        return torch.stack([run(program, list(ts)) for program in outputs])

    theirs = torch.func.jacrev(f, argnums=tuple(range(len(xs))))(*torch_inputs(xs))
    expected = [[float(column[i]) for column in theirs] for i in range(len(outputs))]
    close(reverse, expected)
    close(forward, expected)


@SETTINGS
@given(xs=inputs, program=steps)
def test_hessian_agrees_with_torch_func_hessian(xs: list[float], program: list[Step]) -> None:
    torch = pytest.importorskip("torch")
    values = [Value(x) for x in xs]
    ours = hessian(run(program, values, check_kinks=True), values)
    argnums = tuple(range(len(xs)))
    theirs = torch.func.hessian(lambda *ts: run(program, list(ts)), argnums=argnums)
    close(ours, as_lists(theirs(*torch_inputs(xs))))


@SETTINGS
@given(xs=inputs, program=steps, v=directions)
def test_hvp_agrees_with_torch_func_vjp_of_the_gradient(
    xs: list[float], program: list[Step], v: list[float]
) -> None:
    torch = pytest.importorskip("torch")
    values = [Value(x) for x in xs]
    direction = v[: len(xs)]
    ours = hvp(run(program, values, check_kinks=True), values, direction)

    def gradient(*ts: Any) -> Any:
        return torch.func.grad(lambda *us: run(program, list(us)), argnums=tuple(range(len(xs))))(
            *ts
        )

    _, pull_back = torch.func.vjp(gradient, *torch_inputs(xs))
    theirs = pull_back(tuple(torch.tensor(d, dtype=torch.float64) for d in direction))
    assert ours == pytest.approx([float(t) for t in theirs], rel=1e-9, abs=1e-10)  # vᵀH = Hv


@SETTINGS
@given(xs=inputs, program=steps, v=directions)
def test_the_hessian_is_symmetric_and_the_jacobian_of_the_gradient(
    xs: list[float], program: list[Step], v: list[float]
) -> None:
    values = [Value(x) for x in xs]
    out = run(program, values, check_kinks=True)
    H = hessian(out, values)
    n = len(xs)
    for i in range(n):
        for j in range(i):
            assert H[i][j] == pytest.approx(H[j][i], rel=1e-9, abs=1e-10)
    gradient = grad(out, values, create_graph=True)
    assert jacobian(gradient, values) == H  # the same passes, so the same floats
    close(jacobian(gradient, values, mode="forward"), H)
    direction = v[:n]
    Hv = [sum(H[i][j] * direction[j] for j in range(n)) for i in range(n)]
    assert hvp(out, values, direction) == pytest.approx(Hv, rel=1e-9, abs=1e-10)


def test_create_graph_gives_values_to_differentiate_again() -> None:
    x, y = Value(1.5), Value(-0.5)
    f = x**4 * y
    (row_x, _), _ = hessian(f, [x, y], create_graph=True)  # ∂²f/∂x² = 12x²y
    assert isinstance(row_x, Value) and row_x.data == 12 * 1.5**2 * -0.5
    assert grad(row_x, [x, y]) == [24 * 1.5 * -0.5, 12 * 1.5**2]  # third derivatives
    for mode in ("reverse", "forward"):
        ((_, dy),) = jacobian(f, [x, y], create_graph=True, mode=mode)  # type: ignore[arg-type]
        assert grad(dy, [x]) == [4 * 1.5**3]
    (hx, _) = hvp(f, [x, y], [1.0, 0.0], create_graph=True)
    assert isinstance(hx, Value) and grad(hx, [x]) == [24 * 1.5 * -0.5]


def test_inputs_the_output_does_not_depend_on_get_zeros() -> None:
    x, y = Value(2.0), Value(3.0)
    assert hessian(x * x, [x, y]) == [[2.0, 0.0], [0.0, 0.0]]
    assert jacobian([x * x, Value(1.0) + 1.0], [x, y], mode="forward") == [[4.0, 0.0], [0.0, 0.0]]
    assert hvp(x * x, [x, y], [1.0, 1.0]) == [2.0, 0.0]


def test_errors_say_what_is_wrong() -> None:
    x, y = Value(2.0), Value(3.0)
    for function in (jacobian, hessian):
        with pytest.raises(ValueError, match=r"inputs\[1\] must be a leaf Value.*'add'"):
            function(x * y, [x, x + y])  # type: ignore[operator]
        with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value"):
            function(x * y, [2.0])  # type: ignore[operator, list-item]
    with pytest.raises(TypeError, match=r"outputs\[1\] must be a Value"):
        jacobian([x * y, [x]], [x])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="outputs must be a Value or a list"):
        jacobian(2.0, [x])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode must be 'reverse' or 'forward'"):
        jacobian([x * y], [x], mode="sideways")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"output must be one Value.*got a list.*use jacobian"):
        hessian([x * y, x], [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="hvp: output must be one Value"):
        hvp([x * y], [x], [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="v must be a list of 2 numbers"):
        hvp(x * y, [x, y], [1.0])
    with pytest.raises(ValueError, match=r"hvp: inputs\[0\] must be a leaf"):
        hvp(x * y, [x * 1.0], [1.0])
