"""The table of derivative rules, kept apart from the machinery that builds and walks graphs.

Every op that creates a :class:`~autograd_lite.value.Value` has one entry here, keyed by the op's
name. An entry is a *vector-Jacobian product*::

    vjp(g, out, *args) -> (g · ∂out/∂args[0], g · ∂out/∂args[1], ...)

where ``g`` is the gradient arriving at the op's result, ``out`` is the result and ``args`` are the
operands in argument order. A rule is written once, with ordinary arithmetic, and serves two
callers:

* the first-order backward pass calls it with plain floats (``g``, ``out.data``, ``a.data``, ...),
  so it is fast;
* ``grad(..., create_graph=True)`` calls it with Values (``g``, ``out`` and the operands
  themselves), so the gradient it returns is a graph that can be differentiated again.

Rules therefore use only operators and the functions of :mod:`autograd_lite.functions`, which
accept floats and Values alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

#: ``vjp(g, out, *args)`` returns one partial (times ``g``) per operand.
VJP = Callable[..., tuple[Any, ...]]

RULES: dict[str, VJP] = {}

F = TypeVar("F", bound=Callable[..., Any])


def defvjp(op: str, vjp: VJP) -> None:
    """Register ``vjp`` as the derivative rule of the op called ``op``.

    Raises ``ValueError`` if ``op`` already has a rule: two rules for one name would make the
    graph ambiguous.
    """
    if not isinstance(op, str) or not op:
        raise TypeError(f"defvjp: op must be a non-empty str, got {op!r}")
    if not callable(vjp):
        raise TypeError(f"defvjp: the rule for {op!r} must be callable, got {type(vjp).__name__}")
    if op in RULES:
        raise ValueError(f"defvjp: op {op!r} already has a derivative rule")
    RULES[op] = vjp


def derivative(op: str, vjp: VJP) -> Callable[[F], F]:
    """Decorator form of :func:`defvjp`, so an op's code and its derivative stand together::

        @derivative("mul", lambda g, out, a, b: (g * b, g * a))
        def __mul__(self, other): ...

    The decorated function is returned unchanged: registering costs nothing per call.
    """

    def register(function: F) -> F:
        defvjp(op, vjp)
        return function

    return register
