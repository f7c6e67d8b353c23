"""A rule writes its own code: the rule table run on symbols, in any syntax.

A rule is ordinary arithmetic. Run on symbols that stand for the replay's numbers and record
each operation, a rule *writes its own source*: the partial ``lambda g, out, a, b: g * b`` of
``mul``, run on the symbols of ``G[7]``, ``V[7]``, ``V[3]`` and ``V[4]``, returns the
expression ``G[7] * V[4]``. The forward formulas are run the same way (``operator.mul`` gives
``V[3] * V[4]``). So generated code holds no second copy of any derivative, and its floats are
the ones the eager float pass computes: the same operations in the same order.

A formula that looks at its operands' values (a branch such as ``relu``'s ``x <= 0.0``,
``float(a)``, a call into :mod:`math`) cannot be written out like this: the symbolic run raises
(:class:`Opaque`) and the code calls the formula itself instead, under a name of
:class:`Names`. :func:`value_expression` and :func:`partial_expressions` do this for any
syntax that offers ``literal``, ``named``, ``call`` and ``item``: the float replay's text
(:class:`~autograd_lite.codegen.Symbol`) and the block program's syntax trees
(:class:`~autograd_lite.batch.syntax.Expr`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from autograd_lite import value
from autograd_lite.rules import RULES, Variadic, forward

#: Deepest expression written inline; a deeper one (a wide ``affine``) becomes a call.
MAX_DEPTH = 40


class Opaque(Exception):
    """A symbolic run asked for a value: the formula must be called, not written out."""


#: The symbols of a syntax: :class:`~autograd_lite.codegen.Symbol` (text), or the block
#: program's syntax trees (:class:`~autograd_lite.batch.syntax.Expr`).
S = TypeVar("S", bound=Any)


def written(function: Callable[..., Any], *args: S) -> S | None:
    """``function`` run on symbols, as one expression; None if it must be called instead."""
    kind = type(args[0])
    try:
        result = function(*args)
        return result if isinstance(result, kind) else kind.literal(result)  # type: ignore[no-any-return]
    except Exception:  # any failure of a symbolic run just means: call the function
        return None


#: The name of the list a variadic rule's one call returns, whose items are the partials.
PARTIALS = "_t"

#: The functions of :mod:`autograd_lite.value` that rules call and generated code may call.
ENGINE_FUNCTIONS = (
    *("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "log1p", "expm1"),
    *("softplus", "step", "sign"),
)


class Names:
    """The functions generated code calls, each under one name in its namespace."""

    def __init__(self) -> None:
        engine = {name: getattr(value, name) for name in ENGINE_FUNCTIONS}
        self.namespace: dict[str, Any] = {"_nan": math.nan, "_inf": math.inf, **engine}
        self.templates: dict[Any, Any] = {}  # codegen's, one per kind of node
        self._names: dict[int, str] = {}

    def of(self, function: Callable[..., Any], hint: str) -> str:
        name = self._names.get(id(function))
        if name is None:
            stem = "".join(c if c.isalnum() else "_" for c in hint)
            name = f"_{stem}_{len(self._names)}"
            self._names[id(function)] = name
            self.namespace[name] = function
        return name


def value_expression(op: str, operands: Sequence[S], names: Names, inline: bool) -> S:
    """A node's value from its operands, in their syntax: the op's forward formula written out
    (run on the symbols, if ``inline``), or, where it cannot be, a call of the formula."""
    formula = forward(op)
    if formula is None:
        raise ValueError(f"op {op!r} has no forward formula")
    expression = written(formula, *operands) if inline else None
    if expression is None:
        expression = type(operands[0]).call(names.of(formula, op), *operands)
    return expression  # type: ignore[no-any-return]


def partial_expressions(
    op: str, wanted: Sequence[int], g: S, out: S, operands: Sequence[S], names: Names, inline: bool
) -> list[tuple[int, S]]:
    """(operand index, g · ∂out/∂operand) for each index in ``wanted``, in the symbols' syntax:
    each partial of the op's rule written out (run on the symbols, if ``inline``), or a call of
    it. A variadic rule that cannot be written out is one call for all its partials, index
    −1, whose result :data:`PARTIALS` holds, then that result's items."""
    kind, rule = type(g), RULES[op]
    if isinstance(rule, Variadic):
        partials = _variadic(rule, wanted, g, out, operands) if inline else None
        if partials is not None:
            return list(zip(wanted, partials))
        arguments = [list(wanted), g, out, list(operands)]
        shared = kind.call(names.of(rule.partials, op), *arguments)
        return [(-1, shared), *[(i, kind.named(PARTIALS).item(j)) for j, i in enumerate(wanted)]]
    found = []
    for i in wanted:
        partial = written(rule[i], g, out, *operands) if inline else None
        if partial is None:
            partial = kind.call(names.of(rule[i], f"{op}_{i}"), g, out, *operands)
        found.append((i, partial))
    return found


def _variadic(
    rule: Variadic, wanted: Sequence[int], g: S, out: S, args: Sequence[S]
) -> list[S] | None:
    kind = type(g)
    try:
        partials = list(rule.partials(list(wanted), g, out, list(args)))
        if len(partials) != len(wanted):
            return None
        return [p if isinstance(p, kind) else kind.literal(p) for p in partials]
    except Exception:  # as in `written`: call the rule instead
        return None
