"""jvp and push_forward: forward mode from the same rule table as the backward pass.

Checked against ``grad`` (a JVP is the gradient dotted with the tangent), against
``torch.func.jvp`` in float64 on random graphs of every op (test_properties' programs), and on
the edges: constants, unreached operands, infinite derivatives, deep graphs, bad arguments.
"""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite import (
    DomainError,
    Value,
    detect_anomaly,
    grad,
    hvp,
    jvp,
    push_forward,
    sqrt,
)
from tests.autograd_lite.test_properties import Step, inputs, run, steps

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)
directions = st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3)


@SETTINGS
@given(xs=inputs, program=steps, t=directions)
def test_jvp_is_the_gradient_along_the_tangent(
    xs: list[float], program: list[Step], t: list[float]
) -> None:
    values = [Value(x) for x in xs]
    out = run(program, values)
    tangent = t[: len(xs)]
    value, derivative = jvp(lambda vs: run(program, vs), xs, tangent)
    assert value == out.data or (math.isnan(value) and math.isnan(out.data))
    expected = sum(g * d for g, d in zip(grad(out, values), tangent, strict=True))
    if math.isfinite(expected):
        assert derivative == pytest.approx(expected, rel=1e-12, abs=1e-12)


@SETTINGS
@given(xs=inputs, program=steps, t=directions)
def test_jvp_agrees_with_torch_func_jvp_float64(
    xs: list[float], program: list[Step], t: list[float]
) -> None:
    torch = pytest.importorskip("torch")
    run(program, [Value(x) for x in xs], check_kinks=True)  # discards examples near a kink
    tangent = t[: len(xs)]
    value, derivative = jvp(lambda vs: run(program, vs), xs, tangent)

    def f(*ts: object) -> object:
        return run(program, list(ts))

    primals = tuple(torch.tensor(x, dtype=torch.float64) for x in xs)
    directions = tuple(torch.tensor(d, dtype=torch.float64) for d in tangent)
    their_value, theirs = torch.func.jvp(f, primals, directions)
    assert value == pytest.approx(their_value.item(), rel=1e-12, abs=1e-12)
    assert derivative == pytest.approx(theirs.item(), rel=1e-10, abs=1e-12)


def test_jvp_of_several_outputs_and_of_a_repeated_operand() -> None:
    value, derivative = jvp(
        lambda v: [v[0] * v[0], v[0] * v[1], v[1] + 2.0], [3.0, -2.0], [1.0, 0.5]
    )
    assert value == [9.0, -6.0, 0.0]
    assert derivative == [6.0, -2.0 + 1.5, 0.5]  # 2x·ẋ, y·ẋ + x·ẏ, ẏ


def test_jvp_with_create_graph_differentiates_again() -> None:
    x, y = Value(0.7), Value(-1.3)
    value, derivative = jvp(
        lambda v: (v[0] * v[1]).sin() + v[0] ** 3, [x, y], [1.0, 2.0], create_graph=True
    )
    assert isinstance(value, Value) and isinstance(derivative, Value)
    # ∇(∇f · t) = H t: forward-over-reverse hvp by the other order, reverse over forward.
    assert grad(derivative, [x, y]) == pytest.approx(hvp(value, [x, y], [1.0, 2.0]), rel=1e-14)


def test_an_output_the_inputs_do_not_reach_has_tangent_zero() -> None:
    c = Value(2.0)
    assert jvp(lambda v: c * 3.0, [1.0], [1.0]) == (6.0, 0.0)
    zero = jvp(lambda v: c * 3.0, [1.0], [1.0], create_graph=True)[1]
    assert isinstance(zero, Value) and zero.data == 0.0


def test_partials_of_operands_without_a_tangent_are_never_evaluated() -> None:
    # √c at c = 0 has an infinite derivative; the tangent never reaches c, so it is not asked.
    c = Value(0.0)
    assert jvp(lambda v: v[0] * sqrt(c) + v[0], [2.0], [1.0]) == (2.0, 1.0)
    assert jvp(lambda v: 0.0 ** v[0], [2.0], [1.0]) == (0.0, 0.0)  # no ∂/∂base of a constant
    with pytest.raises(DomainError, match=r"jvp: the derivative of sqrt at \(0.0\)"):
        jvp(lambda v: v[0].sqrt(), [0.0], [1.0])


def test_detect_anomaly_names_the_op_whose_tangent_is_not_finite() -> None:
    with detect_anomaly(), pytest.raises(FloatingPointError, match="jvp through mul"):
        jvp(lambda v: v[0] * 1e300, [1.0], [1e300])


def test_a_million_deep_chain_needs_no_recursion() -> None:
    def chain(v: list[Value]) -> Value:
        y = v[0]
        for _ in range(1_000_000):
            y = y * 1.0000001
        return y

    _, derivative = jvp(chain, [1.0], [1.0])
    assert derivative == pytest.approx(1.0000001**1_000_000, rel=1e-9)


def test_push_forward_on_a_graph_built_already() -> None:
    x, y = Value(2.0), Value(5.0)
    outputs = [x * y, x + y, x.exp()]
    assert push_forward(outputs, [x, y], [1.0, 0.0]) == [5.0, 1.0, math.exp(2.0)]
    assert push_forward(outputs, [x, x], [1.0, 1.0]) == [10.0, 2.0, 2.0 * math.exp(2.0)]


def test_errors_say_what_is_wrong() -> None:
    with pytest.raises(TypeError, match="fn must be callable"):
        jvp(3, [1.0], [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2 tangents for 1 inputs"):
        jvp(lambda v: v[0], [1.0], [1.0, 2.0])
    with pytest.raises(TypeError, match="tangents must be a list"):
        jvp(lambda v: v[0], [1.0], 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"primals\[0\] must be a leaf Value.*'mul'"):
        jvp(lambda v: v[0], [Value(1.0) * 2.0], [1.0])
    with pytest.raises(TypeError, match=r"fn's result must be a Value or a list"):
        jvp(lambda v: 1.0, [1.0], [1.0])
    with pytest.raises(TypeError, match=r"fn's result\[1\] must be a Value"):
        jvp(lambda v: [v[0], 2.0], [1.0], [1.0])
    with pytest.raises(TypeError, match=r"primals\[0\]"):
        jvp(lambda v: v[0], ["x"], [1.0])
    with pytest.raises(TypeError, match=r"tangents\[0\]"):
        jvp(lambda v: v[0], [1.0], ["x"])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value"):
        push_forward([Value(1.0)], [1.0], [1.0])  # type: ignore[list-item]


@SETTINGS
@given(xs=inputs, program=steps, t=directions)
def test_jvp_with_create_graph_on_random_graphs_is_differentiable(
    xs: list[float], program: list[Step], t: list[float]
) -> None:
    values = [Value(x) for x in xs]
    run(program, values, check_kinks=True)  # discards examples near a kink
    tangent = t[: len(xs)]
    out, derivative = jvp(lambda vs: run(program, vs), values, tangent, create_graph=True)
    assert derivative.data == pytest.approx(jvp(lambda vs: run(program, vs), xs, tangent)[1])
    # ∇(∇f·t) = H·t, reverse over forward against forward over reverse.
    expected = hvp(out, values, tangent)
    assert grad(derivative, values) == pytest.approx(expected, rel=1e-9, abs=1e-10)


def test_jvp_computes_each_tangent_as_the_node_is_made() -> None:
    # Alongside the values, in one pass: the tangent of a node exists as soon as the function
    # has made it, before the function returns (no walk over the graph afterwards).
    from autograd_lite import jvp as jvp_
    from autograd_lite.modes import MODES

    seen: list[float] = []

    def fn(xs: list[Value]) -> Value:
        y = xs[0] * xs[1]
        (alongside,) = MODES.observers
        seen.append(alongside.tangents[y])  # type: ignore[attr-defined]
        return y.sin()

    value, tangent = jvp_(fn, [2.0, 3.0], [1.0, 0.0])
    assert seen == [3.0]  # ∂(x·y)/∂x · 1 = y
    assert tangent == math.cos(6.0) * 3.0 and value == math.sin(6.0)
    # nested: the inner jvp's nodes get the outer one's tangents too
    outer = jvp_(
        lambda xs: jvp_(lambda ys: ys[0] * xs[0], [5.0], [1.0], create_graph=True)[1], [2.0], [1.0]
    )
    assert outer == (2.0, 1.0)
