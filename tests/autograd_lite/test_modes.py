"""The modes and the observer hook: detect_anomaly (NaN or inf from an op, forward or backward,
raises naming the op), no_grad and enable_grad, and observers seeing the nodes made."""

import math

import pytest

from autograd_lite import Value, detect_anomaly, grad
from autograd_lite.modes import MODES, Observer, enable_grad, no_grad, observing


def test_forward_inf_is_silent_outside_and_raises_inside() -> None:
    big = Value(1e200)
    assert math.isinf((big * big).data)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"mul produced inf"):
        big * big
    assert math.isinf((big * big).data)  # switched off again


def test_forward_nan_names_op_and_inputs() -> None:
    inf = Value(math.inf)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"sub produced nan.*inf, inf"):
        inf - inf


def test_backward_non_finite_partial_raises() -> None:
    x = Value(1e-200)
    y = 1.0 / x  # 1e200, finite; its derivative −1/x² = −1e400 is not
    assert y.data == pytest.approx(1e200)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"backward through div"):
        y.backward()
    # With create_graph the partial is computed by recorded ops: the forward check names the op.
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"div produced -inf"):
        grad(y, [x], create_graph=True)
    y.backward()  # outside, IEEE arithmetic: −inf
    assert x.grad == -math.inf


# --- Observers: the one hook tracing and forward mode plug into ------------------------------


class Log(Observer):
    def __init__(self, name: str, seen: list[str]) -> None:
        self.name, self.seen = name, seen

    def made(self, node: Value) -> None:
        self.seen.append(f"{self.name} {node.op} {node.data:g}")

    def leaf(self, value: Value) -> None:
        self.seen.append(f"{self.name} leaf {value.data:g}")


class Doubler(Log):
    """Makes a node of its own for each node it sees: only the observers outside it see that."""

    def made(self, node: Value) -> None:
        super().made(node)
        node * 2.0


def test_an_observer_sees_every_node_and_leaf_and_nothing_after_the_block() -> None:
    seen: list[str] = []
    x = Value(3.0)
    with observing(Log("a", seen)):
        y = x * x + Value(1.0)
    y + 1.0
    assert seen == ["a mul 9", "a leaf 1", "a add 10"]
    assert MODES.observers == () and MODES.plain


def test_nested_observers_see_a_node_innermost_first_and_only_the_outer_see_their_nodes() -> None:
    seen: list[str] = []
    x = Value(3.0)
    with observing(Log("outer", seen)), observing(Doubler("inner", seen)):
        x + 1.0
    # The inner observer's own node (4 · 2) is seen by the outer one, not by itself.
    assert seen == ["inner add 4", "outer mul 8", "outer add 4"]


def test_an_observer_that_raises_leaves_the_modes_as_they_were() -> None:
    class Refuses(Observer):
        def made(self, node: Value) -> None:
            raise RuntimeError("refused")

    x = Value(1.0)
    with pytest.raises(RuntimeError, match="refused"), observing(Refuses()):
        x + 1.0
    assert MODES.observers == () and MODES.plain and (x + 1.0).op == "add"


def test_no_grad_strips_a_node_after_the_observers_saw_it_and_enable_grad_undoes_it() -> None:
    seen: list[str] = []
    x = Value(2.0)
    with observing(Log("a", seen)), no_grad():
        y = x * 3.0
        with enable_grad():
            z = x * 4.0
    assert seen == ["a mul 6", "a mul 8"]
    assert y.op == "" and y.args == () and z.op == "mul" and z.args == (x, 4.0)
    assert MODES.recording and MODES.plain
