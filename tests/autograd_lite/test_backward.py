"""backward() and grad(): accumulation, fan-out, repeated calls, depth, memory, no_grad."""

import gc
import sys
import weakref

import pytest

from autograd_lite import DomainError, Value, grad, no_grad, topological_order


def test_fan_out_sums_over_paths() -> None:
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0


def test_diamond() -> None:
    x = Value(2.0)
    left, right = x * 3, x.exp()
    y = left * right  # y = 3x·eˣ, y′ = 3eˣ(1 + x)
    y.backward()
    assert x.grad == pytest.approx(3 * 2.718281828459045**2 * 3, rel=1e-15)


def test_two_backward_calls_add_exactly_twice() -> None:
    a = Value(3.0)
    c = (2 * a) ** 2
    c.backward()
    assert a.grad == 24.0
    c.backward()
    assert a.grad == 48.0  # micrograd gives 72: it re-sends the intermediate gradients


def test_k_backward_calls_add_k_times_everywhere() -> None:
    x, w = Value(1.5), Value(-0.5)
    y = (x * w + x).tanh() * x
    nodes = topological_order(y)
    y.backward()
    once = {node: node.grad for node in nodes}
    for _ in range(3):
        y.backward()
    for node in nodes:
        assert node.grad == pytest.approx(4 * once[node], rel=1e-15)


def test_backward_seed_scales_the_gradient() -> None:
    x = Value(2.0)
    (x * x).backward(grad=0.5)
    assert x.grad == 2.0
    with pytest.raises(TypeError, match="backward"):
        (x * x).backward(grad="1")  # type: ignore[arg-type]


def test_backward_of_a_leaf() -> None:
    x = Value(2.0)
    x.backward()
    assert x.grad == 1.0


def test_grad_leaves_grad_attributes_untouched_and_gives_zero_when_independent() -> None:
    x, y, z = Value(2.0), Value(3.0), Value(4.0)
    out = x * y
    dx, dy, dz = grad(out, [x, y, z])
    assert (dx, dy, dz) == (3.0, 2.0, 0.0)
    assert x.grad == y.grad == z.grad == out.grad == 0.0
    (dz_value,) = grad(out, [z], create_graph=True)
    assert isinstance(dz_value, Value) and dz_value.data == 0.0


def test_a_pass_sees_nothing_left_over_from_an_earlier_pass() -> None:
    # Gradients are summed in each node's scratch slot; every pass must start from zero there.
    x, y = Value(2.0), Value(3.0)
    shared = x * y
    assert grad(shared * shared, [x, y]) == [2 * 6.0 * 3.0, 2 * 6.0 * 2.0]
    assert grad(shared + 1.0, [x, y]) == [3.0, 2.0]
    assert grad(y * 5.0, [x, y]) == [0.0, 5.0]  # x was in the last pass, not in this graph
    (shared * x).backward()
    assert (x.grad, y.grad, shared.grad) == (2 * 2.0 * 3.0, 4.0, 2.0)


def test_a_pass_stopped_by_an_error_leaves_the_next_one_correct() -> None:
    x = Value(0.0)
    root = x.sqrt() + x * 3.0  # d/dx √x is infinite at 0: the pass stops midway
    with pytest.raises(DomainError):
        root.backward()
    assert x.grad == 0.0
    assert grad(x * 3.0, [x]) == [3.0]
    x.data = 4.0
    assert grad((x * x).sqrt() + x * 3.0, [x]) == [4.0]


def test_grad_validates_its_arguments() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="output"):
        grad(1.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"inputs\[1\]"):
        grad(x * 2, [x, 2.0])  # type: ignore[list-item]


def test_mixed_partials_and_third_derivative() -> None:
    x, y = Value(1.5), Value(-0.5)
    f = x**2 * y**3 + (x * y).sin()
    fx, fy = grad(f, [x, y], create_graph=True)
    (fxy,) = grad(fx, [y], create_graph=True)
    (fyx,) = grad(fy, [x], create_graph=True)
    # ∂²f/∂x∂y = 6xy² + cos(xy) − xy·sin(xy)
    import math

    expected = 6 * 1.5 * 0.25 + math.cos(-0.75) - (-0.75) * math.sin(-0.75)
    assert fxy.data == pytest.approx(expected, rel=1e-14)
    assert fyx.data == pytest.approx(expected, rel=1e-14)
    (fxyy,) = grad(fxy, [y])
    # ∂/∂y of the above = 12xy − x·sin(xy) − x·sin(xy) − x²y·cos(xy)
    expected3 = 12 * 1.5 * -0.5 - 2 * 1.5 * math.sin(-0.75) - 1.5**2 * -0.5 * math.cos(-0.75)
    assert fxyy == pytest.approx(expected3, rel=1e-13)


def test_backward_through_create_graph_result() -> None:
    x = Value(3.0)
    (dx,) = grad(x**3, [x], create_graph=True)  # 3x²
    dx.backward()  # d(3x²)/dx = 6x
    assert x.grad == 18.0


def test_million_op_chain_forward_and_backward_without_recursion() -> None:
    limit = sys.getrecursionlimit()
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y + 1e-6
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert x.grad == 1.0
    assert y.data == pytest.approx(1.5, rel=1e-9)


def test_graph_is_freed_by_reference_counting_alone() -> None:
    gc.disable()
    try:
        x = Value(0.5)
        y = x
        for _ in range(1000):
            y = (y * 1.0001).tanh() + x
        middle = weakref.ref(topological_order(y)[500])
        y.backward()
        assert middle() is not None
        del y
        assert middle() is None  # no cycle kept it alive: no gc.collect() was needed
    finally:
        gc.enable()


def test_no_grad_records_nothing_and_restores() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * 3 + 1
        with no_grad():
            z = y.exp()
        w = z * 2
    assert y.data == 7.0 and y.op == "" and y.parents == () and w.parents == ()
    recorded = x * 3
    assert recorded.parents == (x,)
    y.backward()
    assert x.grad == 0.0


def test_no_grad_restores_after_an_exception() -> None:
    x = Value(2.0)
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert (x * 2).parents == (x,)


def test_topological_order_is_parents_first_and_deterministic() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    position = {node: i for i, node in enumerate(order)}
    assert len(order) == 5 and order[-1] is e
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]
    assert [n.label or n.op for n in order] == [n.label or n.op for n in topological_order(e)]
    with pytest.raises(TypeError, match="topological_order"):
        topological_order(3.0)  # type: ignore[arg-type]
