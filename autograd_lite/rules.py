"""The table of derivative rules, kept apart from the machinery that builds and walks graphs.

Every op that creates a :class:`~autograd_lite.value.Value` has one entry here, keyed by the op's
name. An entry holds one *partial* per operand, in argument order::

    partial_i(g, out, *args) -> g · ∂out/∂args[i]

where ``g`` is the gradient arriving at the op's result, ``out`` is the result and ``args`` are the
operands. Together the partials are the op's vector-Jacobian product. A backward pass calls the
partial of an operand only when that operand is a Value: the partial for a constant (the ``2``
of ``2 ** x``, the base ``0.0`` of ``0.0 ** y``) is never evaluated, so it can neither cost time
nor raise.

An op with any number of operands (``affine``) registers one function for all of them instead,
:func:`defvjp_variadic`: ``partials(wanted, g, out, args)`` returns g · ∂out/∂args[i] for each
index i in ``wanted`` (the Value operands), the operands given as one tuple. One call per node,
however many operands it has.

A rule is written once, with ordinary arithmetic, and serves every caller:

* the first-order backward pass calls it with plain floats (``g``, ``out.data``, ``a.data``, ...),
  so it is fast;
* ``grad(..., create_graph=True)`` calls it with Values (``g``, ``out`` and the operands
  themselves), so the gradient it returns is a graph that can be differentiated again. Every
  branch in a rule must therefore be right as a function near the point, not only at it.

Rules use only operators and the module-level functions of :mod:`autograd_lite.value` (``exp``,
``log``, ``step``, ...), which accept floats and Values alike.

An entry may also name the op's *forward* formula on floats, ``forward(*args) -> float`` (the
``a + b`` of ``add``, the ``eˣ`` with its overflow check of ``exp``): a recorded graph
(:mod:`autograd_lite.trace`) replays an op through it, so a user-defined op needs one to be
traced. The forward formula beside the derivative is the whole op, as in JAX's primitives.

Op names are global. Registering the very same rule again for a name (the same code and the same
captured values, as when a module is imported twice) is harmless; a different rule for a name
that is taken raises, and a library should qualify its ops (``"mylib.softplus"``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

#: ``partial(g, out, *args)`` is g · ∂out/∂args[i] for the operand it belongs to.
Partial = Callable[..., Any]


class Variadic:
    """The rule of an op with any number of operands: ``partials(wanted, g, out, args)``."""

    __slots__ = ("partials",)

    def __init__(self, partials: Callable[..., Sequence[Any]]) -> None:
        self.partials = partials

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Variadic) and _same(self.partials, other.partials)

    def __hash__(self) -> int:
        return hash(getattr(self.partials, "__code__", self.partials))


#: A rule: one partial per operand (a tuple), or one :class:`Variadic` for every operand.
Rule = tuple[Partial, ...] | Variadic

RULES: dict[str, Rule] = {}

#: The forward formula of each op that has one: ``FORWARDS[op](*args)`` is its result on floats.
FORWARDS: dict[str, Callable[..., Any]] = {}

F = TypeVar("F", bound=Callable[..., Any])


def defvjp(op: str, *partials: Partial, forward: Callable[..., Any] | None = None) -> None:
    """Register the derivative rule of the op called ``op``: one partial per operand.

    ``defvjp("mul", lambda g, out, a, b: g * b, lambda g, out, a, b: g * a)`` says
    ∂(a·b)/∂a = b and ∂(a·b)/∂b = a. Ops made with this rule must have exactly
    ``len(partials)`` operands. ``forward``, if given, is the op on floats (``operator.mul``).
    """
    if not partials:
        raise TypeError(f"defvjp: give one partial per operand of {op!r}, got none")
    for i, partial in enumerate(partials):
        _check_callable(op, partial, f"partial {i}")
    _register(op, tuple(partials), forward)


def defvjp_variadic(
    op: str, partials: Callable[..., Sequence[Any]], forward: Callable[..., Any] | None = None
) -> None:
    """Register the rule of an op with any number of operands.

    ``partials(wanted, g, out, args)`` gets the indices of the operands that need a gradient
    and the tuple of all operands, and returns g · ∂out/∂args[i] for each i in ``wanted``, in
    that order. It must not compute the others: they are constants.
    """
    _check_callable(op, partials, "the partials")
    _register(op, Variadic(partials), forward)


def derivative(
    op: str, *partials: Partial, forward: Callable[..., Any] | None = None
) -> Callable[[F], F]:
    """Decorator form of :func:`defvjp`, so an op's code and its derivative stand together::

        @derivative("mul", lambda g, out, a, b: g * b, lambda g, out, a, b: g * a)
        def __mul__(self, other): ...

    The decorated function is returned unchanged: registering costs nothing per call.
    """
    defvjp(op, *partials, forward=forward)

    def register(function: F) -> F:
        return function

    return register


def partials(
    rule: Rule, wanted: Sequence[int], g: Any, out: Any, args: Sequence[Any]
) -> Sequence[Any]:
    """g · ∂out/∂args[i] for each i in ``wanted``, by ``rule`` (one entry of :data:`RULES`):
    every pass that uses a rule calls it through here, and the others' partials are never
    evaluated."""
    if isinstance(rule, tuple):
        return [rule[i](g, out, *args) for i in wanted]
    return rule.partials(wanted, g, out, args)


def arity(op: str) -> int | None:
    """How many operands ``op`` takes (None: any number), or a ValueError if it has no rule."""
    if op not in RULES:
        raise ValueError(f"op {op!r} has no derivative rule; register one with defvjp first")
    rule = RULES[op]
    return None if isinstance(rule, Variadic) else len(rule)


def _check_callable(op: object, partial: object, which: str) -> None:
    if not isinstance(op, str) or not op:
        raise TypeError(f"defvjp: op must be a non-empty str, got {op!r}")
    if not callable(partial):
        raise TypeError(f"defvjp: {which} of {op!r} must be callable, got {type(partial).__name__}")


def forward(op: str) -> Callable[..., Any] | None:
    """The forward formula of ``op`` on floats, or None if it was registered without one."""
    return FORWARDS.get(op)


def _register(op: str, rule: Rule, forward: Callable[..., Any] | None) -> None:
    if forward is not None:
        _check_callable(op, forward, "the forward formula")
    taken = RULES.get(op)
    known = FORWARDS.get(op)
    if (taken is not None and not _same_rule(taken, rule)) or (
        known is not None and forward is not None and not _same(known, forward)
    ):
        raise ValueError(
            f"defvjp: op {op!r} already has a different derivative rule; "
            f"qualify the name of yours (e.g. 'mylib.{op}')"
        )
    RULES[op] = rule
    if forward is not None:
        FORWARDS[op] = forward


def _same_rule(a: Rule, b: Rule) -> bool:
    if isinstance(a, Variadic) or isinstance(b, Variadic):
        return a == b
    return len(a) == len(b) and all(_same(f, g) for f, g in zip(a, b))


def _same(f: Partial, g: Partial) -> bool:
    """The same function, or one made by the same code with the same captured values."""
    if f is g:
        return True
    code_f, code_g = getattr(f, "__code__", None), getattr(g, "__code__", None)
    if code_f is None or code_f != code_g:
        return False
    cells = [[cell.cell_contents for cell in getattr(h, "__closure__", None) or ()] for h in (f, g)]
    return bool(
        cells[0] == cells[1]
        and getattr(f, "__defaults__", None) == getattr(g, "__defaults__", None)
    )
