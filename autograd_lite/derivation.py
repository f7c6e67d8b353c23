"""Backpropagation written out: the chain rule over one graph, line by line, with the numbers.

:func:`explain` walks the graph behind a Value, touching no ``.grad`` (like
:func:`~autograd_lite.grad`), and records every step of the two passes:

Two quantities, written differently everywhere (the text, the page, the README):

* ``ḡ(v)``, the *gradient* of a node: ∂L/∂v for the root L, what ``backward()`` leaves in
  ``v.grad`` (the notes' δ for a pre-activation). It is gathered over the backward pass.
* ``∂v/∂u``, the *local derivative* of the op that made ``v`` with respect to one operand
  ``u``, with every other operand held fixed: ∂v6/∂w1 = x1 for v6 = x1 · w1.

Forward, in topological order (:func:`~autograd_lite.graph.topological_order`)
    one line per node: its name, the op with its operands by name, its value
    (``v3 = a · b = 6``). A node's name is its label (``a``), or ``v7`` (its place in the
    order, as in :func:`~autograd_lite.draw_graph`'s picture) when it has none; a label that
    several nodes share gets the place too (``x@v2``).

Backward, in reverse order
    first ḡ(L) = 1, then for each node ``v`` and each of its Value operands ``u``, one line
    ``ḡ(u) += ḡ(v) · ∂v/∂u = ḡ(v) · f = g · d = p``: f the local derivative written in the
    operands' names (``ḡ(v6) · x1`` for v6 = x1 · w1 and u = w1), g the gradient ``v`` has
    gathered (complete, since every node using ``v`` comes later in the order and was visited
    before it), d the local derivative's number and p = g · d the product added to ``u``'s
    gradient. A node used several times (fan-out) receives several ``+=``, and its line says
    the sum so far.

The local derivative comes from the op's rule in :mod:`autograd_lite.rules`, never from a
copy: a partial is ``partial_i(g, out, *args) = g · ∂out/∂args[i]``, so f is the partial run
on symbols (:func:`~autograd_lite.symbolic.local_derivative`), ``d`` the partial at g = 1 and
``p`` the partial at the gradient itself, the very float ``backward()`` adds.
The sums are made in the order ``backward()`` makes them, so the gradients at the end equal
its ``.grad`` to the last bit.

Last, a table of the gradient of every leaf. A large derivation is summarised: the text keeps
the first and last lines of each pass and says how to see the part one wants: ``wrt=`` keeps
only the nodes on a path from the given Values to the root (every other node's gradient is
unchanged by leaving it out, and those kept are complete, since everything that uses such a
node lies on such a path too). Every node a line names has a line of its own: a node that a
kept node reads but that is not kept itself is given by its value alone (``v5 = 0.3   (…)``),
since the nodes it is made from are not followed.

:meth:`Explanation.to_html` writes the same steps as a page to click through
(:mod:`autograd_lite.derivation_page`); in Jupyter an Explanation displays as that page. A
page draws the whole graph, so one of more than ``max_nodes`` Values (1,000 by default) is
refused with a ValueError (:data:`MAX_PAGE_NODES`), and Jupyter shows the text instead.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from autograd_lite import derivation_page
from autograd_lite.checks import flag
from autograd_lite.derivation_page import MAX_PAGE_NODES
from autograd_lite.float_ops import DomainError
from autograd_lite.formula import Formula
from autograd_lite.graph import topological_order
from autograd_lite.pictures import DEFAULT_TIMEOUT
from autograd_lite.rules import RULES, partials
from autograd_lite.symbolic import local_derivative, names_in_order, symbolic_grad
from autograd_lite.value import Value

__all__ = ["MAX_PAGE_NODES", "Explanation", "Step", "explain"]

#: Lines of derivation shown whole; a longer one is summarised (``max_lines=None``: never).
DEFAULT_MAX_LINES = 200

# How the forward lines write each op: infix with its symbol, or as a function of its operands.
_INFIX = {"add": "+", "sub": "−", "mul": "·", "div": "/", "pow": "^"}


@dataclass(frozen=True)
class Step:
    """One line of the derivation, and what it changes.

    ``node`` is the place in the topological order of the node computed (forward) or
    differentiated (backward); ``operands`` the places of its Value operands that the line
    reads (forward) or the one it adds to (backward). ``value`` is the node's value (forward),
    or the operand's gradient ḡ after the ``+=`` (backward; for the seed, ḡ(L) = 1).
    ``answer`` is the number the line works out, which the page's quiz asks for: an op's
    value (forward), the product added (backward); ``None`` for a leaf and the seed.
    ``question`` is the line up to that number, with ``?`` in its place. ``local`` is the local
    derivative ∂v/∂u of a backward ``+=`` line (v the node, u the operand; the rule's partial
    at gradient 1), ``None`` on every other line, and ``formula`` that derivative written in
    the operands' names (:func:`~autograd_lite.symbolic.local_derivative`), ``""`` elsewhere.
    """

    phase: Literal["forward", "backward"]
    node: int
    operands: tuple[int, ...]
    text: str
    value: float
    question: str = ""
    answer: float | None = None
    local: float | None = None
    formula: str = ""


class Explanation:
    """The derivation of a root's gradients: ``str()`` is the text, :meth:`to_html` the page.

    Attributes:
        root: the Value differentiated.
        order: every Value of its graph in topological order (``order[i]`` is ``v{i}``).
        names: each Value's name in the lines.
        steps: the forward steps, then the backward steps, of the nodes kept (see ``wrt``).
        gradients: ḡ(v) = ∂root/∂v for every Value v of the graph, as ``root.backward()``
            gives.
        rows: the Values of the final table: the leaves (or the ``wrt`` Values).
        restricted: whether ``wrt`` chose the nodes kept.
        max_lines: how many lines the text shows whole (None: any number).
        formulas: with ``symbolic=True``, ∂root/∂v of each Value v of ``rows`` as a formula
            (:func:`~autograd_lite.symbolic_grad`; Jupyter shows one as LaTeX); else empty.
    """

    def __init__(
        self,
        root: Value,
        order: list[Value],
        names: dict[Value, str],
        steps: list[Step],
        gradients: dict[Value, float],
        chosen: list[Value] | None,
        max_lines: int | None,
        formulas: dict[Value, Formula] | None = None,
    ) -> None:
        self.root = root
        self.order = order
        self.names = names
        self.steps = steps
        self.gradients = gradients
        self.rows = [v for v in order if not v.op] if chosen is None else chosen
        self.restricted = chosen is not None
        self.max_lines = max_lines
        self.formulas = formulas or {}
        #: The places in ``order`` of the Values the page draws: every one, or with ``wrt``
        #: those the steps read (the nodes kept and their operands: each has a forward step).
        self.drawn = (
            sorted({s.node for s in steps if s.phase == "forward"})
            if self.restricted
            else list(range(len(order)))
        )

    def __str__(self) -> str:
        forward = [s.text for s in self.steps if s.phase == "forward"]
        backward = [s.text for s in self.steps if s.phase == "backward"]
        table = self._table()
        lines: list[str] = []
        total = len(forward) + len(backward) + len(table)
        if self.max_lines is not None and total > self.max_lines:
            lines += self._summary(total)
            keep = max(2, (self.max_lines - 24) // 6)  # head and tail of three parts
            forward, backward, table = (_cut(part, keep) for part in (forward, backward, table))
        lines += ["Forward, each node after its operands:", *forward, ""]
        root = self.names[self.root]
        lines += [
            f"Backward, in reverse. ḡ(v) = ∂{root}/∂v is the gradient v has gathered (its .grad),",
            "∂v/∂u the local derivative of v's op with respect to its operand u, written in the",
            "operands' names, then as a number. Each line adds ḡ(v) · ∂v/∂u to ḡ(u); a node",
            "passes its gradient on once every node that uses it has added to it, so each ḡ(v)",
            "is complete when it is used.",
            *backward,
            "",
            *table,
        ]
        return "\n".join(lines)

    def _table(self) -> list[str]:
        title = "Gradients of the chosen nodes" if self.restricted else "Gradients of the leaves"
        names = [self.names[v] for v in self.rows]
        width = max([4, *(len(n) for n in names)])
        top = f"ḡ = ∂{self.names[self.root]}/∂node"
        lines = [f"{title} (what backward() gives):", f"{'node':<{width}}  {'value':>14}  {top}"]
        for v, name in zip(self.rows, names):
            line = f"{name:<{width}}  {v.data:>14.8g}  {self.gradients[v]:.12g}"
            if v in self.formulas:
                line = f"{line:<{width + 40}}  = {self.formulas[v]}"
            lines.append(line)
        return lines

    def _summary(self, total: int) -> list[str]:
        leaves = sum(1 for v in self.order if not v.op)
        return [
            f"A graph of {len(self.order):,} nodes ({leaves:,} leaves): the derivation is "
            f"{total:,} lines, more than max_lines={self.max_lines}.",
            "Shown: the first and last lines of each part. To follow one part, keep only the",
            "nodes between given leaves and the root: explain(root, wrt=[x, w]) (command line:",
            "--wrt x w); to show every line, explain(root, max_lines=None).",
            "",
        ]

    def to_html(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_nodes: int = MAX_PAGE_NODES,
    ) -> Path:
        """Write the page that steps through this derivation to ``path`` (atomically); return it.

        One self-contained HTML file (the graph's SVG and the script inside it), needing no
        network. Graphviz's ``dot`` draws the graph; it is stopped after ``timeout`` seconds.

        Raises:
            ValueError: the graph has more than ``max_nodes`` Values (the page draws them all;
                the message says what to do instead); nothing is written.
        """
        return derivation_page.write_page(self, path, timeout=timeout, max_nodes=max_nodes)

    def _repr_html_(self) -> str:
        """The page, for Jupyter: an Explanation last in a cell displays it inline; a graph
        too large for a page (more than :data:`MAX_PAGE_NODES` Values) displays as the text,
        which summarises."""
        if len(self.drawn) > MAX_PAGE_NODES:
            note = (
                f"A graph of {len(self.drawn):,} Values, more than a page draws "
                f"({MAX_PAGE_NODES:,}; to_html(path, max_nodes=...) draws more): the text.\n\n"
            )
            return f"<pre>{html.escape(note + str(self))}</pre>"
        return derivation_page.fragment(self)


def explain(
    root: Value,
    *,
    wrt: Value | Iterable[Value] | None = None,
    max_lines: int | None = DEFAULT_MAX_LINES,
    symbolic: bool = False,
) -> Explanation:
    """The derivation of ∂root/∂v for every Value v of root's graph, touching no ``.grad``.

    Args:
        root: the Value to differentiate, usually a loss.
        wrt: keep only the nodes on a path from these Values (usually leaves) to ``root``, and
            end with their gradients; ``None``: every node, and every leaf's gradient.
        max_lines: summarise a text longer than this many lines (``None``: never).
        symbolic: also write each gradient of the final table as a formula in the leaves'
            names, beside its number (``Explanation.formulas``, by the rule table).

    Raises:
        TypeError: ``root`` or an item of ``wrt`` is not a Value.
        ValueError: an item of ``wrt`` is not in root's graph, or ``max_lines`` is negative;
            with ``symbolic=True``, a graph too large to write as formulas.
        DomainError: a local derivative is not finite (as ``backward()`` raises).
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain: root must be a Value, got {type(root).__name__}")
    limit = _limit(max_lines)
    symbolic = flag(symbolic, "explain(symbolic)")
    order = topological_order(root)
    chosen = _chosen(order, wrt)
    names = names_in_order(order)
    kept = set(order) if chosen is None else _between(order, chosen)
    steps = _forward(order, names, kept)
    gradients = _backward(root, order, names, kept, steps)
    formulas = None
    if symbolic:
        rows = [v for v in order if not v.op] if chosen is None else chosen
        formulas = dict(zip(rows, symbolic_grad(root, rows)))
    return Explanation(root, order, names, steps, gradients, chosen, limit, formulas)


def _limit(max_lines: int | None) -> int | None:
    if max_lines is None:
        return None
    if isinstance(max_lines, bool) or not isinstance(max_lines, int):
        raise TypeError(f"explain: max_lines must be an int or None, got {max_lines!r}")
    if max_lines < 1:
        raise ValueError(f"explain: max_lines must be ≥ 1 (None: never summarise), got {max_lines}")
    return max_lines


def _chosen(order: list[Value], wrt: Value | Iterable[Value] | None) -> list[Value] | None:
    """The Values of ``wrt``, each checked to be a Value of the graph; None for no restriction."""
    if wrt is None:
        return None
    items = [wrt] if isinstance(wrt, Value) else list(wrt)
    present = set(order)
    for i, v in enumerate(items):
        if not isinstance(v, Value):
            raise TypeError(f"explain: wrt[{i}] must be a Value, got {type(v).__name__}")
        if v not in present:
            raise ValueError(
                f"explain: wrt[{i}] (label {v.label!r}, data {v.data:g}) is not in the graph of "
                "root, so root does not depend on it"
            )
    if not items:
        raise ValueError("explain: wrt is empty; give the Values to follow, or None for all")
    return list(dict.fromkeys(items))


def _between(order: list[Value], chosen: list[Value]) -> set[Value]:
    """The nodes that depend on one of ``chosen`` (or are one): those on a path to the root."""
    kept = set(chosen)
    for node in order:
        if any(isinstance(a, Value) and a in kept for a in node.args):
            kept.add(node)
    return kept


def _forward(order: list[Value], names: dict[Value, str], kept: set[Value]) -> list[Step]:
    """One step per node kept or read by a node kept: ``name = formula = value``; a node only
    read, not kept, by its value alone (its own operands are not shown)."""
    shown = set(kept)
    for node in order:
        if node in kept:
            shown.update(a for a in node.args if isinstance(a, Value))
    index = {v: k for k, v in enumerate(order)}
    steps = []
    for i, node in enumerate(order):
        if node not in shown:
            continue
        operands = tuple(dict.fromkeys(index[a] for a in node.args if isinstance(a, Value)))
        if node.op and node not in kept:
            text = f"{names[node]} = {number(node.data)}   (computed from nodes not followed)"
            steps.append(Step("forward", i, (), text, node.data))
        elif node.op:
            question = f"{names[node]} = {_formula(node, names)} = ?"
            text = question.removesuffix("?") + number(node.data)
            steps.append(Step("forward", i, operands, text, node.data, question, node.data))
        else:
            text = f"{names[node]} = {number(node.data)}   (a leaf)"
            steps.append(Step("forward", i, operands, text, node.data))
    return steps


def _formula(node: Value, names: dict[Value, str]) -> str:
    """The op of ``node`` on its operands by name: ``a · b``, ``tanh(v3)``, ``b + w1·x1``."""
    args = [names[a] if isinstance(a, Value) else _operand_number(a) for a in node.args]
    if node.op in _INFIX and len(args) == 2:
        return f"{args[0]} {_INFIX[node.op]} {args[1]}"
    if node.op == "neg":
        return f"−{args[0]}"
    if node.op == "abs":
        return f"|{args[0]}|"
    if node.op == "affine":
        n = len(args) // 2
        return " + ".join([args[0], *(f"{w}·{x}" for w, x in zip(args[1 : n + 1], args[n + 1 :]))])
    return f"{node.op}({', '.join(args)})"


def _backward(
    root: Value, order: list[Value], names: dict[Value, str], kept: set[Value], steps: list[Step]
) -> dict[Value, float]:
    """Append the backward steps to ``steps``; return every node's gradient.

    The same walk as :func:`autograd_lite.backward.backward`: every gradient starts at 0, the
    root's at 1, and each node, in reverse order, adds g · ∂out/∂arg to each Value operand.
    """
    index = {v: i for i, v in enumerate(order)}
    gradients = dict.fromkeys(order, 0.0)
    gradients[root] = 1.0
    added = dict.fromkeys(order, 0)
    seed = f"ḡ({names[root]}) = ∂{names[root]}/∂{names[root]} = 1"
    steps.append(Step("backward", index[root], (), seed, 1.0))
    for node in reversed(order):
        if not node.args:
            continue
        g = gradients[node]
        for i, local, product in _local_derivatives(node, g):
            arg = node.args[i]
            gradients[arg] += product
            added[arg] += 1
            if node not in kept or arg not in kept:
                continue
            so_far = gradients[arg] if added[arg] > 1 else None
            where = (index[node], index[arg])
            steps.append(_line(node, i, names, where, (g, local, product, gradients[arg], so_far)))
    return gradients


def _line(
    node: Value,
    i: int,
    names: dict[Value, str],
    where: tuple[int, int],
    numbers: tuple[float, float, float, float, float | None],
) -> Step:
    """The step ``ḡ(u) += ḡ(v) · ∂v/∂u = ḡ(v) · f = g · d = p`` for operand ``i`` of ``node``
    (u), at ``where`` (the places of v and u): f the local derivative written in the operands'
    names (the op's rule run on symbols, :func:`~autograd_lite.symbolic.local_derivative`),
    then the numbers: g = ḡ(v), d = ∂v/∂u, p = g · d; then ḡ(u) after the ``+=``, said when it
    is not the first."""
    g, local, product, after, so_far = numbers
    v, u = names[node], names[node.args[i]]
    formula = local_derivative(node, i, names)
    written = str(formula)
    question = (
        f"ḡ({u}) += ḡ({v}) · ∂{v}/∂{u} = {_times(f'ḡ({v})', formula.op, written)}"
        f" = {_operand_number(g)} · {_operand_number(local)} = ?"
    )
    text = question.removesuffix("?") + number(product)
    if so_far is not None:
        text += f"   (ḡ({u}) so far: {number(so_far)})"
    return Step("backward", where[0], (where[1],), text, after, question, product, local, written)


def _times(gradient: str, op: str, text: str) -> str:
    """``ḡ(v) · f`` for the local derivative f, in brackets where a sum, a difference or a sign
    would otherwise read as part of the product (``ḡ(v8) · (1 − tanh(v8)·tanh(v8))``,
    ``ḡ(v3) · (−x/y/y)``); a product, a quotient, a power or a function needs none. ``op``
    and ``text`` are the local derivative's top op and its text."""
    bare = op not in ("add", "sub", "neg") and not text.startswith("−")
    return f"{gradient} · {text}" if bare else f"{gradient} · ({text})"


def _local_derivatives(node: Value, g: float) -> list[tuple[int, float, float]]:
    """(i, ∂out/∂args[i], g · ∂out/∂args[i]) for each Value operand i of ``node``, in order.

    Both numbers are the rule's partials, at gradient 1 and at ``g``: the product is the very
    float ``backward()`` adds (``g * (1 * b)`` and ``g * b`` could differ in the last bit).
    """
    wanted = [i for i, a in enumerate(node.args) if isinstance(a, Value)]
    data = [a.data if isinstance(a, Value) else a for a in node.args]
    rule = RULES[node.op]
    try:
        locals_ = partials(rule, wanted, 1.0, node.data, data)
        products = partials(rule, wanted, g, node.data, data)
    except (ZeroDivisionError, OverflowError) as error:
        raise DomainError(
            f"explain: the derivative of {node.op} at {tuple(data)} is not finite ({error})"
        ) from None
    return [(i, float(d), float(p)) for i, d, p in zip(wanted, locals_, products)]


def number(x: float) -> str:
    """A number in the lines: six significant digits (``6``, ``0.707107``, ``-1.5e-07``)."""
    return "0" if x == 0.0 else f"{x:.6g}"


def _operand_number(x: float) -> str:
    """:func:`number`, in brackets when negative, so that ``1 · (-2)`` reads as a product."""
    text = number(x)
    return f"({text})" if text.startswith("-") else text


def _cut(lines: list[str], keep: int) -> list[str]:
    """The first and last ``keep`` lines, the number left out between them."""
    if len(lines) <= 2 * keep:
        return lines
    return [*lines[:keep], f"  … {len(lines) - 2 * keep:,} lines left out …", *lines[-keep:]]
