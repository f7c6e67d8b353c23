"""Forward-mode differentiation: tangents carried through a graph from its inputs to its outputs.

Give each input xⱼ a tangent ẋⱼ (a direction). The tangent of a node v = op(a₀, a₁, ...) is the
chain rule read forwards,

    v̇ = Σᵢ ∂v/∂aᵢ · ȧᵢ,

summed over the Value operands, and the tangent of an output y is its directional derivative
∇y · ẋ, a Jacobian-vector product (JVP). The terms come from the rule table and nowhere else:
an op's partial ``partial_i(g, out, *args) = g · ∂out/∂args[i]`` is linear in g, so called with
the operand's tangent as g it returns ∂out/∂args[i] · ȧᵢ. One table, both modes: a rule written
for the backward pass (:mod:`autograd_lite.backward`) serves this one unchanged.

:func:`jvp` computes each node's tangent alongside its value, as the function makes the node
(an observer of :mod:`autograd_lite.modes`, told of each new node): one pass,
no reverse pass, no walk afterwards. :func:`push_forward` does the same for a graph built
already, in one walk, parents before children. Either way the cost of one JVP is about that of
evaluating the function, whatever the number of outputs, against one backward pass per output
in reverse mode. Only nodes that depend on an input with a tangent get one; the partial
of an operand without a tangent (a constant, or a Value the inputs do not reach) is never
evaluated, so it costs nothing and cannot raise. As everywhere in the engine, the walk keeps
its own order instead of recursing.

With ``create_graph=True`` the walk runs on Values (the tangents, the node, its operands), so
the directional derivatives are graphs that can be differentiated again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite.backward import numbers, shown
from autograd_lite.checks import real
from autograd_lite.float_ops import DomainError
from autograd_lite.graph import order_of
from autograd_lite.modes import MODES, Observer, observing
from autograd_lite.rules import RULES, partials
from autograd_lite.value import Value


def jvp(
    fn: Callable[[list[Value]], Any],
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    create_graph: bool = False,
) -> tuple[Any, Any]:
    """``fn``'s value at ``primals`` and its derivative along ``tangents``: (f(x), J(x)·ẋ).

    ``fn`` maps a list of Values to one Value or a list of Values. ``primals`` are numbers
    (each becomes a new leaf) or leaf Values (used as they are, so the results depend on them),
    ``tangents`` one number (or Value) per primal. Returns two floats, or two lists of floats
    when ``fn`` returns a list; with ``create_graph=True`` the outputs themselves and their
    tangents, as Values that can be differentiated again.
    """
    if not callable(fn):
        raise TypeError(f"jvp: fn must be callable, got {type(fn).__name__}")
    leaves = [
        leaf(x, f"jvp: primals[{i}]") if isinstance(x, Value) else Value(real(x, f"primals[{i}]"))
        for i, x in enumerate(primals)
    ]
    seeds = _seeds("jvp", leaves, tangents, create_graph)
    with observing(_Alongside(seeds, create_graph)) as alongside:
        result = fn(leaves)
    outputs = outputs_of("jvp: fn's result", result)
    zero: Any = Value(0.0) if create_graph else 0.0
    derivatives = [alongside.tangents.get(y, zero) for y in outputs]
    values: list[Any] = outputs if create_graph else [y.data for y in outputs]
    if isinstance(result, Value):
        return values[0], derivatives[0]
    return values, derivatives


def push_forward(
    outputs: Sequence[Value],
    inputs: Sequence[Value],
    tangents: Sequence[Any],
    *,
    create_graph: bool = False,
) -> list[Any]:
    """The tangent ẏ = Σⱼ ∂y/∂xⱼ · ẋⱼ of each output y, for leaf ``inputs`` x with ``tangents`` ẋ.

    The outputs' graph is built already; one walk over it, parents first. An output the
    inputs do not reach gets 0. Floats, or Values with ``create_graph=True``.
    """
    seeds = _seeds("push_forward", inputs, tangents, create_graph)
    known = _tangents(order_of(outputs), seeds, create_graph=create_graph)
    zero: Any = Value(0.0) if create_graph else 0.0
    return [known.get(y, zero) for y in outputs]


def _tangents(
    order: list[Value], seeds: dict[Value, Any], *, create_graph: bool
) -> dict[Value, Any]:
    """The tangent of every node in ``order`` that depends on a seeded input."""
    tangents = dict(seeds)
    for node in order:
        if node.args:
            _tangent_of(node, tangents, create_graph)
    return tangents


def _tangent_of(node: Value, tangents: dict[Value, Any], create_graph: bool) -> None:
    """Add ``node``'s tangent Σᵢ ∂node/∂aᵢ · ȧᵢ to ``tangents`` if an operand has one."""
    operands = node.args
    rule = RULES[node.op]
    out, args = (node, operands) if create_graph else (node.data, numbers(operands))
    total: Any = None
    try:
        for i, a in enumerate(operands):
            if isinstance(a, Value) and a in tangents:  # partial i, the tangent of a as g
                (term,) = partials(rule, [i], tangents[a], out, args)
                total = term if total is None else total + term
    except (ZeroDivisionError, OverflowError) as error:
        raise DomainError(
            f"jvp: the derivative of {node.op} at {shown(node.args)} is not finite ({error})"
        ) from None
    if total is None:
        return
    if MODES.checking and not math.isfinite(float(total)):
        raise FloatingPointError(
            f"jvp through {node.op} at {shown(operands)} produced {float(total)!r}"
        )
    tangents[node] = total


class _Alongside(Observer):
    """A jvp under way: each new node's tangent, computed as the node is made. The tangent's
    own ops are seen by an enclosing jvp, not by this one (see :mod:`autograd_lite.modes`), so
    a jvp of a jvp (forward over forward) differentiates the inner tangents."""

    def __init__(self, seeds: dict[Value, Any], create_graph: bool) -> None:
        self.tangents = dict(seeds)
        self.create_graph = create_graph

    def made(self, node: Value) -> None:
        if MODES.recording:  # inside no_grad the node is a constant: no tangent
            _tangent_of(node, self.tangents, self.create_graph)


def _seeds(
    where: str, inputs: Sequence[Value], tangents: Sequence[Any], create_graph: bool
) -> dict[Value, Any]:
    """Each input's tangent (floats, or Values with ``create_graph``); an input given twice
    gets the sum of its tangents."""
    _same_length(where, inputs, tangents)
    seeds: dict[Value, Any] = {}
    for i, (x, t) in enumerate(zip(inputs, tangents, strict=True)):
        leaf(x, f"{where}: inputs[{i}]")
        tangent: Any = t.data if isinstance(t, Value) else real(t, f"tangents[{i}]")
        if create_graph:
            tangent = t if isinstance(t, Value) else Value(tangent)
        seeds[x] = seeds[x] + tangent if x in seeds else tangent
    return seeds


def leaf(x: object, where: str) -> Value:
    """``x`` if it is a leaf Value (made by ``Value(...)``, not by an op), else a clear error."""
    if not isinstance(x, Value):
        raise TypeError(f"{where} must be a Value, got {type(x).__name__}")
    if x.args:
        raise ValueError(
            f"{where} must be a leaf Value (made by Value(...)), got the result of {x.op!r}"
        )
    return x


def outputs_of(where: str, result: object) -> list[Value]:
    """``result`` as a list of Values: one Value, or a list or tuple of them."""
    if isinstance(result, Value):
        return [result]
    if not isinstance(result, list | tuple):
        raise TypeError(f"{where} must be a Value or a list of Values, got {type(result).__name__}")
    for i, y in enumerate(result):
        if not isinstance(y, Value):
            raise TypeError(f"{where}[{i}] must be a Value, got {type(y).__name__}")
    return list(result)


def _same_length(where: str, inputs: Sequence[Any], tangents: Sequence[Any]) -> None:
    if isinstance(tangents, Value | str) or not hasattr(tangents, "__len__"):
        raise TypeError(f"{where}: tangents must be a list, one per input, got {tangents!r}")
    if len(tangents) != len(inputs):
        raise ValueError(
            f"{where}: {len(tangents)} tangents for {len(inputs)} inputs; give one per input"
        )
