"""Reverse-mode differentiation: the chain rule applied over a graph in reverse topological order.

For a node ``v = op(a, b, ...)`` and an incoming gradient ``g = ∂y/∂v``, the derivative rule of
``op`` returns ``g · ∂v/∂a, g · ∂v/∂b, ...``; each is added to the gradient of that operand.
Visiting nodes children-first guarantees that a node's gradient is complete (summed over every
path to ``y``) before it is passed on.

The same walk runs on floats (``backward``, ``grad``) or on Values (``grad(create_graph=True)``),
because every rule is written with arithmetic that works on both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd_lite.graph import topological_order
from autograd_lite.modes import SWITCHES
from autograd_lite.rules import RULES, partials
from autograd_lite.trace import refuse_numbers
from autograd_lite.value import DomainError, Value, _real


def backward(root: Value, grad: Any = 1.0) -> None:
    """Add ∂root/∂v · ``grad`` to ``v.grad`` for every Value ``v`` in ``root``'s graph."""
    if not isinstance(root, Value):
        raise TypeError(f"backward: expected a Value, got {type(root).__name__}")
    refuse_numbers("backward()")
    seed = _real(grad, "backward(grad)")
    if SWITCHES.checking:
        for node, g in _general_gradients(root, seed, create_graph=False).items():
            node.grad += g
        return
    for node in _float_pass(root, seed):
        node.grad += node._upstream


def grad(output: Value, inputs: Sequence[Value], *, create_graph: bool = False) -> list[Any]:
    """∂output/∂x for each x in ``inputs``, leaving every ``.grad`` untouched.

    An input ``output`` does not depend on gets 0. With ``create_graph=True`` each derivative is
    a Value whose graph records how it was computed, so it can be differentiated again (second
    and higher derivatives, mixed partials); otherwise the derivatives are floats.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    if isinstance(inputs, Value):
        inputs = [inputs]
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}")
    if not create_graph:
        refuse_numbers("grad()")
    if create_graph or SWITCHES.checking:
        seed: Any = Value(1.0) if create_graph else 1.0
        grads = _general_gradients(output, seed, create_graph=create_graph)
        zero = Value(0.0) if create_graph else 0.0
        return [grads.get(x, zero) for x in inputs]
    for x in inputs:
        x._upstream = 0.0  # what an input outside the output's graph keeps
    _float_pass(output, 1.0)
    return [x._upstream for x in inputs]


def _float_pass(root: Value, seed: float) -> list[Value]:
    """The first-order pass on floats, the hot path of training.

    Leaves ∂root/∂v · seed in ``v._upstream`` for every Value v in root's graph, and returns
    those Values. The sums accumulate in each node's own slot rather than in a dict keyed by
    node: an attribute is cheaper to update than a hash table, and this loop runs once per
    node. So two passes must not run at once over graphs that share nodes: not from a
    derivative rule (rules only do arithmetic on the floats they are given) and not from two
    threads (the engine is not meant to be shared between threads, see :mod:`modes`).

    Rules see plain floats: a Value operand's data, a constant operand as it is. Binary and
    unary ops (nearly every node of a network) are unpacked by hand; other arities take the
    general path. Errors are caught once, around the loop, so the loop pays nothing for them.
    """
    order = topological_order(root)
    for node in order:
        node._upstream = 0.0
    root._upstream = seed
    node = root
    try:
        for node in reversed(order):
            args = node.args
            if not args:
                continue
            rule = RULES[node.op]
            if len(args) == 2 and type(rule) is tuple:
                a, b = args
                a_is_value = isinstance(a, Value)
                b_is_value = isinstance(b, Value)
                g, out = node._upstream, node.data
                x = a.data if a_is_value else a
                y = b.data if b_is_value else b
                if a_is_value:
                    a._upstream += rule[0](g, out, x, y)
                if b_is_value:
                    b._upstream += rule[1](g, out, x, y)
            elif len(args) == 1 and type(rule) is tuple:
                (a,) = args
                a._upstream += rule[0](node._upstream, node.data, a.data)
            else:
                wanted = [i for i, a in enumerate(args) if isinstance(a, Value)]
                data = [a.data if isinstance(a, Value) else a for a in args]
                for i, partial in zip(
                    wanted, partials(rule, wanted, node._upstream, node.data, data)
                ):
                    args[i]._upstream += partial
    except (ZeroDivisionError, OverflowError) as error:
        raise _not_finite(node, error) from None
    return order


def _general_gradients(root: Value, seed: Any, *, create_graph: bool) -> dict[Value, Any]:
    """The same pass, rule by rule with checks; on Values when ``create_graph`` is set."""
    grads: dict[Value, Any] = {root: seed}
    for node in reversed(topological_order(root)):
        if not node.args:
            continue
        if create_graph:
            pairs = _checked_partials(node, grads[node], node, node.args)
        else:
            pairs = _checked_partials(node, grads[node], node.data, _data(node.args))
        for arg, partial in pairs:
            grads[arg] = grads[arg] + partial if arg in grads else partial
    return grads


def _partials(node: Value, g: Any, out: Any, args: Sequence[Any]) -> list[tuple[Value, Any]]:
    """(operand, g · ∂out/∂operand) for each Value operand of ``node``, in argument order.

    ``args`` are the operands as the rule sees them (floats, or Values).
    """
    operands = node.args
    wanted = [i for i, v in enumerate(operands) if isinstance(v, Value)]
    return list(zip([operands[i] for i in wanted], partials(RULES[node.op], wanted, g, out, args)))


def _checked_partials(
    node: Value, g: Any, out: Any, args: Sequence[Any]
) -> list[tuple[Value, Any]]:
    """:func:`_partials`, with errors that name the op, and inside ``detect_anomaly`` a check
    that every partial is finite."""
    try:
        pairs = _partials(node, g, out, args)
    except (ZeroDivisionError, OverflowError) as error:
        raise _not_finite(node, error) from None
    if SWITCHES.checking:
        for _, partial in pairs:
            if not math.isfinite(float(partial)):
                raise FloatingPointError(
                    f"backward through {node.op} at {_show(node.args)} produced {float(partial)!r}"
                )
    return pairs


def _data(args: Sequence[Any]) -> list[Any]:
    """The operands as the float pass hands them to a rule: a Value's data, a constant as is."""
    return [a.data if isinstance(a, Value) else a for a in args]


def _not_finite(node: Value, error: ArithmeticError) -> DomainError:
    return DomainError(
        f"backward: the derivative of {node.op} at {_show(node.args)} is not finite ({error})"
    )


def _show(args: Sequence[Any]) -> str:
    return "(" + ", ".join(repr(float(a)) for a in args) + ")"
