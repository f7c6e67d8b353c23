"""Reverse-mode differentiation: the chain rule applied over a graph in reverse topological order.

For a node ``v = op(a, b, ...)`` and the gradient ``g = ∂y/∂v`` it has gathered, the derivative
rule of ``op`` returns ``g · ∂v/∂a, g · ∂v/∂b, ...``; each is added (``+=``) to the gradient of
that operand, since an operand used by several nodes receives the sum over all of them.
Visiting nodes children-first guarantees that a node's gradient is complete, summed over every
path to ``y``, before it is passed on.

:func:`gradients` is that walk, in a dozen lines: read it first. :func:`float_pass` is the same
walk on floats, written for speed (the hot path of training); a test checks that the two agree
bit for bit. The walk needs only what :class:`Node` names, never the Value class: the same code
runs on floats (``backward``, ``grad``) or on Values (``grad(create_graph=True)``), because
every rule is written with arithmetic that works on both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

from autograd_lite.checks import real
from autograd_lite.float_ops import DomainError
from autograd_lite.graph import topological_order
from autograd_lite.modes import MODES, hands_out
from autograd_lite.rules import RULES, partials


class Node(Protocol):
    """What the backward pass reads of a node (:class:`~autograd_lite.value.Value` is one).

    ``args`` are the operands: nodes, and plain floats for number operands. ``upstream`` is
    the pass's scratch space for :func:`float_pass`; ``type(node)(x)`` makes a constant leaf.
    """

    data: float
    grad: float
    op: str
    args: tuple[Any, ...]
    upstream: float


def backward(root: Node, grad: Any = 1.0) -> None:
    """Add ∂root/∂v · ``grad`` to ``v.grad`` for every node ``v`` in ``root``'s graph."""
    if not hasattr(root, "args") or isinstance(root, float):
        raise TypeError(f"backward: expected a Value, got {type(root).__name__}")
    seed = real(grad, "backward(grad)", "a real number or a Value")
    if not MODES.plain:
        hands_out("backward()", None)
        if MODES.checking:
            for node, g in gradients(root, seed).items():
                node.grad += g
            return
    for node in float_pass(root, seed):
        node.grad += node.upstream


def gradients(root: Node, seed: Any) -> dict[Any, Any]:
    """∂root/∂v · seed for every node v in ``root``'s graph: the backward pass.

    Floats when ``seed`` is a float; Values, forming graphs of their own, when it is a Value
    (``create_graph``). Inside ``detect_anomaly`` each partial must be finite.
    """
    grads: dict[Any, Any] = {root: seed}
    for node in reversed(topological_order(root)):  # every user of node comes before it
        if not node.args:
            continue  # a leaf: nothing to pass on
        g = grads[node]  # complete: ∂root/∂node summed over every path
        for operand, partial in _checked_partials(node, g, on_values=not isinstance(seed, float)):
            grads[operand] = grads[operand] + partial if operand in grads else partial
    return grads


def grad(output: Node, inputs: Sequence[Node], *, create_graph: bool = False) -> list[Any]:
    """∂output/∂x for each x in ``inputs``, leaving every ``.grad`` untouched.

    An input ``output`` does not depend on gets 0. With ``create_graph=True`` each derivative is
    a Value whose graph records how it was computed, so it can be differentiated again (second
    and higher derivatives, mixed partials); otherwise the derivatives are floats.
    """
    kind = type(output)
    if not hasattr(output, "args") or isinstance(output, float):
        raise TypeError(f"grad: output must be a Value, got {kind.__name__}")
    if isinstance(inputs, kind):
        inputs = [inputs]
    for i, x in enumerate(inputs):
        if not isinstance(x, kind):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}")
    if not create_graph and not MODES.plain:
        hands_out("grad()", None)
    if create_graph or MODES.checking:
        seed: Any = kind(1.0) if create_graph else 1.0  # type: ignore[call-arg]
        grads = gradients(output, seed)
        zero = kind(0.0) if create_graph else 0.0  # type: ignore[call-arg]
        return [grads.get(x, zero) for x in inputs]
    for x in inputs:
        x.upstream = 0.0  # what an input outside the output's graph keeps
    float_pass(output, 1.0)
    return [x.upstream for x in inputs]


def _checked_partials(node: Node, g: Any, *, on_values: bool) -> list[tuple[Any, Any]]:
    """(operand, g · ∂node/∂operand) for each node operand, in argument order, by the rule of
    ``node.op``: on the Values themselves, or on their numbers. The errors name the op."""
    operands = node.args
    wanted = [i for i, a in enumerate(operands) if not isinstance(a, float)]
    out, args = (node, operands) if on_values else (node.data, numbers(operands))
    try:
        found = partials(RULES[node.op], wanted, g, out, args)
    except (ZeroDivisionError, OverflowError) as error:
        raise not_finite(node, error) from None
    if MODES.checking:
        for partial in found:
            if not math.isfinite(float(partial)):
                raise FloatingPointError(
                    f"backward through {node.op} at {shown(operands)} produced {float(partial)!r}"
                )
    return [(operands[i], p) for i, p in zip(wanted, found)]


# --- An optimisation: the same walk on floats, for speed ------------------------------------


def float_pass(root: Node, seed: float) -> list[Any]:
    """:func:`gradients` on floats, written for speed: the hot path of training.

    Leaves ∂root/∂v · seed in ``v.upstream`` for every node v in root's graph, and returns those
    nodes. The sums accumulate in each node's own slot rather than in a dict keyed by node (an
    attribute is cheaper to update than a hash table, and this loop runs once per node), so two
    passes must not run at once over graphs that share nodes. Binary and unary ops (nearly
    every node of a network) are unpacked by hand; other arities take the general path. Errors
    are caught once, around the loop, so the loop pays nothing for them. The floats are those
    of :func:`gradients`, operation for operation.
    """
    order = topological_order(root)
    for node in order:
        node.upstream = 0.0
    root.upstream = seed
    node = root
    try:
        for node in reversed(order):
            args = node.args
            if not args:
                continue
            rule = RULES[node.op]
            if len(args) == 2 and type(rule) is tuple:
                a, b = args
                a_is_node = type(a) is not float
                b_is_node = type(b) is not float
                g, out = node.upstream, node.data
                x = a.data if a_is_node else a
                y = b.data if b_is_node else b
                if a_is_node:
                    a.upstream += rule[0](g, out, x, y)
                if b_is_node:
                    b.upstream += rule[1](g, out, x, y)
            elif len(args) == 1 and type(rule) is tuple:
                (a,) = args
                a.upstream += rule[0](node.upstream, node.data, a.data)
            else:
                wanted = [i for i, a in enumerate(args) if type(a) is not float]
                found = partials(rule, wanted, node.upstream, node.data, numbers(args))
                for i, partial in zip(wanted, found):
                    args[i].upstream += partial
    except (ZeroDivisionError, OverflowError) as error:
        raise not_finite(node, error) from None
    return order


def numbers(args: Sequence[Any]) -> list[Any]:
    """The operands as the float pass hands them to a rule: a node's data, a number as it is."""
    return [a if isinstance(a, float) else a.data for a in args]


def not_finite(node: Node, error: ArithmeticError) -> DomainError:
    """The error of a derivative that is not a finite float at the node's operands."""
    return DomainError(
        f"backward: the derivative of {node.op} at {shown(node.args)} is not finite ({error})"
    )


def shown(args: Sequence[Any]) -> str:
    """The operands' numbers, as a message shows them: ``(2.0, -1.5)``."""
    return "(" + ", ".join(repr(float(a)) for a in args) + ")"
