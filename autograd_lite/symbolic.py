"""Derivatives as formulas, written by the rule table itself.

A rule of :mod:`autograd_lite.rules` is ordinary arithmetic on ``g``, the op's result and its
operands. Run on formulas (:class:`~autograd_lite.formula.Formula`) instead of numbers, it
returns the formula of its partial: ``mul``'s ``lambda g, out, a, b: g * b``, run on g = 1,
a = ``w1`` and b = ``x1``, returns the formula ``x1``. So every formula here comes from the one
table that the backward pass uses, and none is written a second time.

* :func:`local_derivative` is one op's local derivative ∂v/∂u, in its operands' names
  (∂v6/∂w1 = x1): the partial at g = 1.
* :func:`symbolic_grad` is the whole backward pass run on formulas: every node gets the formula
  of its value in the leaves' names (``exp(x)`` for ``x.exp()``), the root the gradient 1, and
  each node, in reverse topological order, adds partial(g, out, operands) to each operand's
  gradient. The result ∂y/∂x is the chain rule written out, unsimplified but for the identities
  :class:`~autograd_lite.formula.Formula` applies (1·a = a, 0·a = 0, …); SymPy simplifies it
  (``sympy.simplify(f.sympy)``).

A formula holds for the values near the point where the graph was computed. Where a rule
branches on its operands' values (``pow``'s ∂/∂b = aᵇ·ln a for a > 0 and 0 otherwise, which
operand of ``max`` is the largest) the branch is taken as the engine takes it at that point,
from the Values' data; ``step`` and ``sign`` (the derivatives of ``relu`` and ``abs``) stay in
the formula as functions. A rule that cannot run on formulas (a user's rule calling
``math.exp`` on a float) gives the partial as a symbol, ``mylib.f′(x)``.

Names: a Value is written as its label, as ``v7`` when it has none (its place in
:func:`~autograd_lite.topological_order`, as :func:`~autograd_lite.explain` and its picture
name it), and as ``x@v2`` when several Values share the label ``x`` (:func:`names`).
``draw_graph(root, labels=names(root))`` draws the graph with these names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import overload

from autograd_lite.checks import integer
from autograd_lite.formula import Formula
from autograd_lite.graph import topological_order
from autograd_lite.rules import RULES, partials
from autograd_lite.value import Value

__all__ = ["MAX_NODES", "MAX_SYMBOLS", "local_derivative", "names", "symbolic_grad"]

#: The largest graph :func:`symbolic_grad` writes as formulas, in Values.
MAX_NODES = 500

#: The longest formula :func:`symbolic_grad` returns, in symbols written (``Formula.size``).
MAX_SYMBOLS = 5_000


class _Undecided(Exception):
    """A rule asked for a number that a formula does not have."""


class _Term:
    """An operand of a rule run on formulas: a formula and its value at the point.

    Arithmetic and the engine's functions build formulas; comparisons (a rule's branch) compare
    the values at the point, as the rule compares the Values' data in the backward pass. A value
    not given is computed from the formula when a branch first asks for it.
    """

    __slots__ = ("formula", "point", "_at")

    def __init__(self, formula: Formula, point: Mapping[str, float], at: float | None = None):
        self.formula = formula
        self.point = point
        self._at = at

    @property
    def at(self) -> float:
        if self._at is None:
            try:
                self._at = self.formula.evaluate(self.point)
            except (ArithmeticError, ValueError) as error:
                raise _Undecided(str(error)) from None
        return self._at

    def _made(self, op: str, *operands: object) -> _Term:
        return _Term(Formula.apply(op, *[_formula_of(x) for x in operands]), self.point)

    def __add__(self, other: object) -> _Term:
        return self._made("add", self, other)

    def __radd__(self, other: object) -> _Term:
        return self._made("add", other, self)

    def __sub__(self, other: object) -> _Term:
        return self._made("sub", self, other)

    def __rsub__(self, other: object) -> _Term:
        return self._made("sub", other, self)

    def __mul__(self, other: object) -> _Term:
        return self._made("mul", self, other)

    def __rmul__(self, other: object) -> _Term:
        return self._made("mul", other, self)

    def __truediv__(self, other: object) -> _Term:
        return self._made("div", self, other)

    def __rtruediv__(self, other: object) -> _Term:
        return self._made("div", other, self)

    def __pow__(self, other: object) -> _Term:
        return self._made("pow", self, other)

    def __rpow__(self, other: object) -> _Term:
        return self._made("pow", other, self)

    def __neg__(self) -> _Term:
        return self._made("neg", self)

    def __pos__(self) -> _Term:
        return self

    def __abs__(self) -> _Term:
        return self._made("abs", self)

    def engine_function(self, name: str) -> _Term:
        """``exp(a)``, ``step(a)``, …: an engine function a rule calls on this operand."""
        return self._made(name, self)

    def __eq__(self, other: object) -> bool:
        return self.at == _number_of(other)

    def __ne__(self, other: object) -> bool:
        return self.at != _number_of(other)

    def __lt__(self, other: object) -> bool:
        return self.at < _number_of(other)

    def __le__(self, other: object) -> bool:
        return self.at <= _number_of(other)

    def __gt__(self, other: object) -> bool:
        return self.at > _number_of(other)

    def __ge__(self, other: object) -> bool:
        return self.at >= _number_of(other)

    def __bool__(self) -> bool:
        return self.at != 0.0

    def __float__(self) -> float:
        # A rule reading a float would freeze the operand into a number: no formula then.
        raise _Undecided("a rule asked for the float of an operand")

    __hash__ = object.__hash__


def _formula_of(x: object) -> Formula:
    if isinstance(x, _Term):
        return x.formula
    if isinstance(x, Formula):
        return x
    if isinstance(x, int | float) and not isinstance(x, bool):
        return Formula.constant(x)
    raise _Undecided(f"a rule combined an operand with {type(x).__name__}")


def _number_of(x: object) -> float:
    if isinstance(x, _Term):
        return x.at
    if isinstance(x, int | float) and not isinstance(x, bool):
        return float(x)
    raise _Undecided(f"a rule compared an operand with {type(x).__name__}")


# --- One op's partials on formulas -----------------------------------------------------------


def _partials(
    node: Value, wanted: list[int], g: Formula, operands: list[Formula], point: Mapping[str, float]
) -> list[Formula]:
    """g · ∂node/∂args[i] for each i in ``wanted``, as formulas, by the node's rule.

    ``operands[i]`` is the formula of ``node.args[i]`` (a Value's, or the number's); the rule
    sees each Value operand and the result with their data as the values at the point.
    """
    out = _Term(Formula.apply(node.op, *operands), point, node.data)
    # A number operand is a term too, so that a rule's log(2) stays written as log(2).
    args = [
        _Term(f, point, a.data if isinstance(a, Value) else a) for f, a in zip(operands, node.args)
    ]
    try:
        found = partials(RULES[node.op], wanted, _Term(g, point), out, args)
        results = [_formula_of(p) for p in found]
        if len(results) == len(wanted):
            return results
    except Exception:  # any failure of a rule run on formulas: write the partial as a symbol
        pass
    return [Formula.apply("mul", g, Formula.partial(node.op, i, operands)) for i in wanted]


def local_derivative(node: Value, operand_index: int, names: Mapping[Value, str]) -> Formula:
    """The local derivative ∂node/∂(``node.args[operand_index]``), in the operands' names.

    The op's partial at g = 1, by its rule, each Value operand written as ``names[operand]``
    (the names of :func:`names` or your own), number operands as numbers, and the op's result,
    where the rule uses it, as the op on the operands: for ``v6 = w1 · x1``,
    ``local_derivative(v6, 0, names)`` is the formula ``x1``; for ``v3 = exp(a)`` it is
    ``exp(a)``; for ``v4 = relu(a)``, ``step(a)``.

    Raises:
        TypeError: ``node`` is not a Value, or ``operand_index`` is not an int.
        ValueError: ``node`` is a leaf, ``operand_index`` is out of range or the operand there is
            a number (it has no derivative), or ``names`` has no name for a Value operand.
    """
    if not isinstance(node, Value):
        raise TypeError(f"local_derivative: node must be a Value, got {type(node).__name__}")
    if not node.op:
        raise ValueError("local_derivative: node is a leaf: no op, so no local derivative")
    index = integer(operand_index, "local_derivative(operand_index)")
    if not 0 <= index < len(node.args):
        raise ValueError(
            f"local_derivative: operand_index {index} is out of range for {node.op!r}, which "
            f"has {len(node.args)} operands"
        )
    if not isinstance(node.args[index], Value):
        raise ValueError(
            f"local_derivative: operand {index} of {node.op!r} is the number "
            f"{node.args[index]!r}, not a Value: nothing is differentiated with respect to it"
        )
    point: dict[str, float] = {}
    operands: list[Formula] = []
    for i, a in enumerate(node.args):
        if isinstance(a, Value):
            if a not in names:
                raise ValueError(f"local_derivative: names has no name for operand {i} ({a!r})")
            point[names[a]] = a.data
            operands.append(Formula.variable(names[a]))
        else:
            operands.append(Formula.constant(a))
    return _partials(node, [index], Formula.constant(1.0), operands, point)[0]


# --- The backward pass on formulas -----------------------------------------------------------


def names(root: Value) -> dict[Value, str]:
    """Each Value of root's graph with its name in formulas: its label; ``v{i}`` for one
    without (i its place in :func:`~autograd_lite.topological_order` of ``root``); and
    ``label@v{i}`` for a label several Values share. These are the names
    :func:`~autograd_lite.explain` writes and its picture shows."""
    if not isinstance(root, Value):
        raise TypeError(f"names: root must be a Value, got {type(root).__name__}")
    return names_in_order(topological_order(root))


def names_in_order(order: list[Value]) -> dict[Value, str]:
    """:func:`names` for a graph whose topological order is already at hand (``order``, as
    :func:`~autograd_lite.topological_order` gives it): ``v{i}`` counts in that order."""
    count: dict[str, int] = {}
    for node in order:
        count[node.label] = count.get(node.label, 0) + 1
    result = {}
    for i, node in enumerate(order):
        label = node.label
        shared = count[label] > 1
        result[node] = f"{label}@v{i}" if label and shared else label or f"v{i}"
    return result


@overload
def symbolic_grad(
    y: Value, wrt: Value, *, max_nodes: int = MAX_NODES, max_symbols: int = MAX_SYMBOLS
) -> Formula: ...


@overload
def symbolic_grad(
    y: Value, wrt: Iterable[Value], *, max_nodes: int = MAX_NODES, max_symbols: int = MAX_SYMBOLS
) -> list[Formula]: ...


def symbolic_grad(
    y: Value,
    wrt: Value | Iterable[Value],
    *,
    max_nodes: int = MAX_NODES,
    max_symbols: int = MAX_SYMBOLS,
) -> Formula | list[Formula]:
    """∂y/∂x as a formula in the leaves' names, for each x in ``wrt``, by the rule table.

    ``wrt`` is one Value (the result is one :class:`~autograd_lite.formula.Formula`) or several
    (a list, in their order), usually leaves; each must be in y's graph. Every leaf appears
    under its name (:func:`names`), so a leaf not in ``wrt`` is a symbol held fixed; number
    operands appear as numbers. ``str(f)`` is the formula as text (``sin(y) + exp(x)``),
    ``f.latex`` as LaTeX (Jupyter shows it so), ``f.sympy`` a SymPy expression (needs the
    ``symbolic`` extra) and ``f.evaluate({"x": 2.0, ...})`` its value, which is the gradient
    ``backward()`` computes, up to rounding.

    Raises:
        TypeError: ``y`` or an item of ``wrt`` is not a Value.
        ValueError: an item of ``wrt`` is not in y's graph; ``wrt`` is empty; the graph has more
            than ``max_nodes`` Values, or a formula would be longer than ``max_symbols`` symbols
            (both too large to read; the message says the size).
    """
    if not isinstance(y, Value):
        raise TypeError(f"symbolic_grad: y must be a Value, got {type(y).__name__}")
    single = isinstance(wrt, Value)
    chosen = [wrt] if isinstance(wrt, Value) else list(wrt)
    order = topological_order(y)
    _check_wrt(chosen, set(order))
    limit = integer(max_nodes, "symbolic_grad(max_nodes)")
    if len(order) > limit:
        raise ValueError(
            f"symbolic_grad: the graph differentiated has {len(order):,} Values, too many to "
            f"write as formulas (max_nodes={limit:,}); take the derivative of a smaller part, "
            "or check the numbers with grad() and gradcheck()"
        )
    named = names_in_order(order)
    gradients = _backward(order, named, set(chosen))
    results = [gradients[x] for x in chosen]
    limit = integer(max_symbols, "symbolic_grad(max_symbols)")
    _check_sizes(results, [f"∂{named[y]}/∂{named[x]}" for x in chosen], limit)
    return results[0] if single else results


def _check_wrt(chosen: Sequence[object], graph: set[Value]) -> None:
    if not chosen:
        raise ValueError("symbolic_grad: wrt is empty; give the Values to differentiate by")
    for i, x in enumerate(chosen):
        if not isinstance(x, Value):
            raise TypeError(f"symbolic_grad: wrt[{i}] must be a Value, got {type(x).__name__}")
        if x not in graph:
            raise ValueError(
                f"symbolic_grad: wrt[{i}] (label {x.label!r}, data {x.data:g}) is not in y's "
                "graph, so y does not depend on it"
            )


def _check_sizes(results: list[Formula], written: list[str], limit: int) -> None:
    for formula, derivative in zip(results, written):
        size = formula.size
        if size > limit:
            raise ValueError(
                f"symbolic_grad: the formula of {derivative} has {size:,} symbols, too long "
                f"to read (max_symbols={limit:,}): the graph reuses intermediate results, "
                "which a formula writes out each time; explain() shows them by name instead"
            )


def _backward(
    order: list[Value], named: dict[Value, str], chosen: set[Value]
) -> dict[Value, Formula]:
    """Every node's formula and, for those that depend on ``chosen``, its gradient's.

    The walk of :func:`autograd_lite.backward`: the root's gradient is 1, and each node, in
    reverse order, adds partial(g, out, operands) to each operand on a path from ``chosen``.
    An operand's terms are added in the order its occurrences are written, left to right, so
    ∂/∂x of x·sin(y) + exp(x) reads ``sin(y) + exp(x)`` and of x·sin(x), ``sin(x) + x·cos(x)``.
    """
    point = {named[v]: v.data for v in order if not v.op}
    formulas: dict[Value, Formula] = {}
    for node in order:
        formulas[node] = (
            Formula.apply(node.op, *[_operand(a, formulas) for a in node.args])
            if node.op
            else Formula.variable(named[node])
        )
    relevant = _depending_on(order, chosen)
    reading = _reading_order(order[-1])
    terms: dict[Value, list[tuple[int, Formula]]] = {v: [] for v in relevant}
    gradients: dict[Value, Formula] = {}
    for node in reversed(order):
        if node not in relevant:
            continue
        node_terms = sorted(terms.pop(node), key=lambda t: t[0])
        g = _total([t[1] for t in node_terms]) if node is not order[-1] else Formula.constant(1.0)
        gradients[node] = g
        wanted = [i for i, a in enumerate(node.args) if isinstance(a, Value) and a in relevant]
        if not wanted:
            continue
        operands = [_operand(a, formulas) for a in node.args]
        for i, term in zip(wanted, _partials(node, wanted, g, operands, point)):
            terms[node.args[i]].append((reading[node, i], term))
    return gradients


def _operand(a: object, formulas: dict[Value, Formula]) -> Formula:
    return formulas[a] if isinstance(a, Value) else Formula.constant(a)


def _total(terms: Sequence[Formula]) -> Formula:
    result = terms[0]
    for term in terms[1:]:
        result = result + term
    return result


def _depending_on(order: list[Value], chosen: set[Value]) -> set[Value]:
    """The Values that are in ``chosen`` or depend on one of them."""
    found = set(chosen)
    for node in order:
        if any(isinstance(a, Value) and a in found for a in node.args):
            found.add(node)
    return found


def _reading_order(root: Value) -> dict[tuple[Value, int], int]:
    """Each edge (node, operand place)'s rank in the order a formula of root writes them: a
    pre-order walk, operands left to right, each node entered the first time it is written."""
    ranks: dict[tuple[Value, int], int] = {}
    entered = {root}
    stack = [(root, 0)]
    while stack:
        node, i = stack.pop()
        if i < len(node.args):
            stack.append((node, i + 1))
            ranks[node, i] = len(ranks)
            operand = node.args[i]
            if isinstance(operand, Value) and operand not in entered:
                entered.add(operand)
                stack.append((operand, 0))
    return ranks
