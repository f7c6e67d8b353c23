"""Pictures of a computation graph: DOT source built with the ``graphviz`` package.

:func:`draw_graph` turns the graph behind a Value into a :class:`graphviz.Digraph`;
:func:`render_graph` writes it to a file (with :mod:`autograd_lite.pictures`, which also holds
:data:`FORMATS`, :data:`LAYOUT_LIMITS` and the errors, re-exported here). Nothing here
evaluates or changes a Value.

What the picture shows
    Each Value is a record node ``label | data | grad``. Each op is a small oval between its
    operands and its result. There is one edge per operand *occurrence*, so ``x * x`` draws two
    edges from ``x`` to the ``×`` node, and the ``args`` order is kept; for ops where the order
    matters (``a − b``, ``a / b``, ``a ^ b``) the edges are labelled ``a`` and ``b``.

Three kinds of leaf look different
    *parameters* (blue, bold border), *inputs* (green) and *constants* (small grey boxes: the
    plain numbers of ``x * 2``, which are not Values and have no gradient). Which leaf Values
    are trained only the caller knows, so the caller says: ``params=`` lists the parameters
    (``params=mlp.parameters()``), and every other leaf Value is an input. Labels play no part:
    the engine does not guess from names.

Colour by gradient
    ``color_by="grad"`` fills each Value by log₁₀|grad| on the viridis scale (dark purple for
    the smallest gradients, yellow for the largest), with a legend. Rounding noise, a gradient
    below 2.3e-13 times the largest drawn (:data:`~autograd_lite.palette.NOISE`), is drawn and
    labelled as ``≈ 0``, so that it does not stretch the scale. A gradient that shrinks by a
    factor at every layer shows up as a colour ramp along the graph: vanishing and exploding
    gradients become visible. A zero gradient is white, a non-finite one red. The colours, these
    and every other, are :mod:`autograd_lite.palette`'s.

Determinism
    Node ids are positions in :func:`~autograd_lite.graph.topological_order` (``v0``, ``v1``, …;
    ``v3_op`` for the op that made ``v3``; ``v3_c1`` for a constant in its argument 1), never
    ``id()``: the same graph gives byte-identical DOT in every run and process.

Every walk is iterative (the topological order is), so a chain of 10⁵ ops draws as soon as
``max_nodes`` allows it.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import graphviz
from graphviz.quoting import quote

from autograd_lite.graph import topological_order
from autograd_lite.palette import (
    COMPUTED,
    CONSTANT,
    CONSTANT_TEXT,
    EDGE,
    FONT,
    INPUT,
    OP,
    PARAMETER,
    GradScale,
)
from autograd_lite.pictures import (
    DEFAULT_TIMEOUT,
    FORMATS,
    LAYOUT_LIMITS,
    DotNotFoundError,
    DotTimeoutError,
    write_picture,
)
from autograd_lite.value import Value

__all__ = [
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "LAYOUT_LIMITS",
    "RANKDIRS",
    "DotNotFoundError",
    "DotTimeoutError",
    "draw_graph",
    "number_label",
    "render_graph",
]


#: The directions ``rankdir`` may take, from the inputs to the root: left to right, top to
#: bottom, right to left, bottom to top.
RANKDIRS = ("LR", "TB", "RL", "BT")

# How each op appears in its oval. Binary ops whose operands do not commute get their edges
# labelled a and b; every other op with several operands gets its edges numbered from 0.
_OP_SYMBOLS = {
    "add": "+",
    "sub": "a − b",
    "mul": "×",
    "div": "a / b",
    "pow": "a ^ b",
    "neg": "−",
    "abs": "|·|",
}
_COMMUTATIVE = frozenset({"add", "mul"})
_ORDERED = frozenset({"sub", "div", "pow"})

# Fill, border and width per kind of node, when the fill is not the gradient colour scale.
_PARAMETER = {"fillcolor": PARAMETER.fill, "color": PARAMETER.pen, "penwidth": "2"}
_INPUT = {"fillcolor": INPUT.fill, "color": INPUT.pen, "penwidth": "1.2"}
_COMPUTED = {"fillcolor": COMPUTED.fill, "color": COMPUTED.pen, "penwidth": "1"}
_CONSTANT_STYLE = (
    ("color", CONSTANT.pen),
    ("fillcolor", CONSTANT.fill),
    ("fontcolor", CONSTANT_TEXT),
    ("penwidth", "1"),
    ("shape", "box"),
    ("style", "filled,rounded"),
)
_OP_STYLE = (
    ("color", OP.pen),
    ("fillcolor", OP.fill),
    ("fontsize", "12"),
    ("height", "0.3"),
    ("margin", "0.04,0.02"),
    ("shape", "oval"),
    ("style", "filled"),
)


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    color_by: Literal["grad"] | None = None,
    max_nodes: int = 1000,
    params: Iterable[Value] | None = None,
    grads: Mapping[Value, float] | None = None,
    labels: Mapping[Value, str] | None = None,
    nodes: Collection[Value] | None = None,
) -> graphviz.Digraph:
    """The computation graph that produced ``root`` as a Graphviz Digraph.

    In Jupyter the returned Digraph displays inline (graphviz renders it to SVG for the
    notebook); elsewhere call :func:`render_graph`, or ``.source`` for the DOT text.

    Args:
        root: the Value whose graph to draw; usually a loss or an output.
        rankdir: the direction of the flow from inputs to ``root``: ``"LR"`` (left to right),
            ``"TB"``, ``"RL"`` or ``"BT"``.
        show_grad: show each Value's ``.grad`` beside its ``.data``.
        color_by: ``None``, or ``"grad"`` to fill Values by log₁₀|grad| (with a legend).
        max_nodes: refuse (``ValueError``) a graph of more Values than this. Graphviz needs
            minutes for tens of thousands of nodes and nobody can read the result; raise it on
            purpose.
        params: the leaf Values to draw as parameters, e.g. ``mlp.parameters()``; every other
            leaf is drawn as an input. ``None`` (the default): no parameters.
        grads: the gradient to show (and colour by) for each Value instead of its ``.grad``,
            e.g. :func:`~autograd_lite.derivation.explain`'s, which touches no ``.grad``; a Value
            it leaves out shows its ``.grad``. ``None`` (the default): every ``.grad``.
        labels: the name to show for each Value instead of its ``.label`` (explain's names,
            ``v7`` for a Value without a label); ``None`` (the default): every ``.label``.
        nodes: draw only these Values of the graph (``explain(root, wrt=...)``'s part of
            it); a Value's op is drawn when every Value it reads is drawn too, else the Value
            is a box fed from outside the picture. ``max_nodes`` counts these. Each keeps its
            place's name ``v{i}`` in the whole graph's order. ``None``: the whole graph.

    Raises:
        TypeError: ``root`` is not a Value, or ``params`` or ``nodes`` holds something else.
        ValueError: an option is out of range, the graph (or ``nodes``) has more than
            ``max_nodes`` Values, or an item of ``nodes`` is not in root's graph.
    """
    _check_options(root, rankdir, color_by, max_nodes)
    parameters = _parameter_set(params)
    order = topological_order(root)
    drawn = _drawn(order, nodes, max_nodes)
    shown = {node: node.grad if grads is None else grads.get(node, node.grad) for node in order}
    scale = GradScale(shown[node] for node in drawn) if color_by == "grad" else None
    dot = _digraph(rankdir)
    horizontal = rankdir in ("LR", "RL")
    names = {node: node.label for node in order} if labels is None else dict(labels)
    grads_shown = shown if show_grad else None
    fields = (names, grads_shown)
    _add_statements(dot.body, root, order, drawn, fields, horizontal, parameters, scale)
    if scale is not None:
        dot.node("legend", label=scale.legend(), shape="plain")
    return dot


def _drawn(order: list[Value], nodes: Collection[Value] | None, max_nodes: int) -> set[Value]:
    """The Values to draw (``nodes`` of the graph, or all of it), refused past ``max_nodes``;
    an item of ``nodes`` that is not a Value of the graph is refused, naming it."""
    drawn = set(order)
    if nodes is not None:
        chosen = list(nodes)
        for i, node in enumerate(chosen):
            if not isinstance(node, Value):
                kind = type(node).__name__
                raise TypeError(f"draw_graph: nodes[{i}] must be a Value, got {kind}")
            if node not in drawn:
                raise ValueError(f"draw_graph: nodes[{i}] ({node!r}) is not in root's graph")
        if not chosen:
            raise ValueError("draw_graph: nodes is empty; give the Values to draw, or None for all")
        drawn = set(chosen)
    if len(drawn) > max_nodes:
        raise ValueError(
            f"draw_graph: the graph has {len(drawn):,} Values, more than max_nodes={max_nodes:,}. "
            f"Pass max_nodes={len(drawn)} or more to draw it anyway (Graphviz is slow on large "
            "graphs and the picture is hard to read), or draw a smaller part, e.g. one "
            "neuron's output; for a whole network use nn.draw_network."
        )
    return drawn


def _digraph(rankdir: str) -> graphviz.Digraph:
    """An empty Digraph with the pictures' fonts, colours, spacing and layout bounds."""
    return graphviz.Digraph(
        "computation_graph",
        graph_attr={
            "rankdir": rankdir,
            "fontname": FONT,
            "nodesep": "0.25",
            "ranksep": "0.35",
            **LAYOUT_LIMITS,
        },
        node_attr={"fontname": FONT, "fontsize": "11"},
        edge_attr={"color": EDGE, "arrowsize": "0.6", "fontname": FONT},
    )


def _check_options(root: Value, rankdir: str, color_by: str | None, max_nodes: int) -> None:
    """Refuse what draw_graph cannot draw, naming the argument."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: root must be a Value, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if color_by not in (None, "grad"):
        raise ValueError(f'draw_graph: color_by must be None or "grad", got {color_by!r}')
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int, got {max_nodes!r}")


def _add_statements(
    body: list[str],
    root: Value,
    order: list[Value],
    drawn: set[Value],
    fields: tuple[dict[Value, str], dict[Value, float] | None],
    horizontal: bool,
    parameters: set[Value],
    scale: GradScale | None,
) -> None:
    """Append to ``body`` the DOT statements of every Value of ``order`` in ``drawn``, of the
    op that made it (when each Value it reads is drawn) and of that op's constants; ``fields``
    are the labels and the gradients shown (None: no gradients).

    Statements go straight into the Digraph's body: graphviz's node() and edge() re-quote every
    attribute of every node, which is most of the time on a large graph; here each distinct
    style is quoted once.
    """
    labels, grads = fields
    op_style = _attribute_text(_OP_STYLE)
    constant_style = _attribute_text(_CONSTANT_STYLE)
    index = {node: i for i, node in enumerate(order)}
    for i, node in enumerate(order):
        if node not in drawn:
            continue
        vid = f"v{i}"
        style = _attribute_text(_value_style(node, node is root, parameters, scale, grads))
        label = _record(labels.get(node, node.label), node, grads, horizontal, scale)
        body.append(f"\t{vid} [label={quote(label)} {style}]\n")
        if not node.op or not all(a in drawn for a in node.args if isinstance(a, Value)):
            continue
        oid = f"{vid}_op"
        symbol = quote(graphviz.nohtml(literal(_OP_SYMBOLS.get(node.op, node.op))))
        body.append(f"\t{oid} [label={symbol} {op_style}]\n")
        for k, arg in enumerate(node.args):
            edge_label = _edge_label(node.op, len(node.args), k)
            extra = f" [label={edge_label} fontsize=9]" if edge_label else ""
            if isinstance(arg, Value):
                body.append(f"\tv{index[arg]} -> {oid}{extra}\n")
            else:
                cid = f"{vid}_c{k}"
                body.append(f"\t{cid} [label={quote(number_label(arg))} {constant_style}]\n")
                body.append(f"\t{cid} -> {oid}{extra}\n")
        body.append(f"\t{oid} -> {vid}\n")


def render_graph(
    root: Value,
    path: str | os.PathLike[str],
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    **draw_options: Any,
) -> Path:
    """Draw ``root``'s graph with :func:`draw_graph` and write it to ``path``; return the path.

    The format comes from the suffix: ``.svg``, ``.png``, ``.pdf``, or ``.dot``/``.gv`` for the
    DOT source, which needs no Graphviz binary. The file is written by
    :func:`autograd_lite.pictures.write_picture`, atomically: a failed render never leaves a
    half-written file, and the old picture stays until the new one is complete.

    ``dot`` is killed after ``timeout`` seconds (default 60; ``None``: no limit), and the
    layout is bounded by :data:`LAYOUT_LIMITS` in any case.

    Raises:
        ValueError: the suffix is not one of the formats above (and whatever draw_graph raises).
        DotNotFoundError: an image format was asked for and Graphviz's ``dot`` is not on PATH.
        DotTimeoutError: ``dot`` did not finish within ``timeout`` seconds.
    """
    return write_picture(lambda: draw_graph(root, **draw_options).source, path, timeout=timeout)


def _parameter_set(params: Iterable[Value] | None) -> set[Value]:
    """The Values of ``params`` (``None``: none), each checked to be a Value."""
    if params is None:
        return set()
    if isinstance(params, Value):
        params = [params]
    chosen: set[Value] = set()
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"draw_graph: params[{i}] must be a Value, got {type(p).__name__}")
        chosen.add(p)
    return chosen


@lru_cache(maxsize=1024)
def _attribute_text(style: tuple[tuple[str, str], ...]) -> str:
    """``name=value`` pairs in DOT syntax, each value quoted as DOT needs."""
    return " ".join(f"{name}={quote(value)}" for name, value in style)


def _value_style(
    node: Value,
    is_root: bool,
    params: set[Value],
    scale: GradScale | None,
    grads: dict[Value, float] | None = None,
) -> tuple[tuple[str, str], ...]:
    if node.op:
        style = dict(_COMPUTED)
    elif node in params:
        style = dict(_PARAMETER)
    else:
        style = dict(_INPUT)
    if is_root:
        style["penwidth"] = "2.5"
    if scale is not None:
        fill, text = scale.colors(node.grad if grads is None else grads[node])
        style["fillcolor"] = fill
        style["fontcolor"] = text
    style["style"] = "filled,rounded" if node.op else "filled"
    style["shape"] = "record"
    return tuple(sorted(style.items()))


def _record(
    label: str,
    node: Value,
    grads: dict[Value, float] | None,
    horizontal: bool,
    scale: GradScale | None = None,
) -> str:
    """``label | data … | grad …`` in record syntax, fields side by side in either direction;
    no grad field when ``grads`` is None, and ``grad ≈ 0`` for what ``scale`` draws as 0."""
    fields = []
    if label:
        fields.append(_escape_record(label))
    fields.append(f"data {number_label(node.data)}")
    if grads is not None:
        g = grads[node]
        near_zero = scale is not None and g != 0.0 and scale.is_zero(g)
        fields.append("grad ≈ 0" if near_zero else f"grad {number_label(g)}")
    body = " | ".join(fields)
    # A record's top-level fields stack across the rank direction; braces turn them once more.
    return f"{{ {body} }}" if horizontal else body


def literal(text: str) -> str:
    """``text`` shown literally in a plain (not HTML, not record) DOT label or tooltip.

    Graphviz reads a backslash as an escape (``\\N`` is the node's name, ``\\l`` a line
    break) and decodes HTML entities in every label (``&amp;`` would show as ``&``): both are
    disarmed, the ampersand as ``&amp;``, which Graphviz turns back into the ``&`` typed.
    """
    return text.replace("\\", "\\\\").replace("&", "&amp;")


def _escape_record(text: str) -> str:
    """``text`` shown literally in a record label: its field syntax ``{ } | < >``, backslashes
    and HTML entities escaped (see :func:`literal`)."""
    text = literal(text)
    for special in '{}|<>"':
        text = text.replace(special, "\\" + special)
    return text.replace("\n", " ").replace("\r", " ")


def _edge_label(op: str, arity: int, position: int) -> str:
    if op in _ORDERED and arity == 2:
        return "ab"[position]
    if arity > 1 and op not in _COMMUTATIVE:
        return str(position)
    return ""


def number_label(x: float) -> str:
    """A number as the pictures label it (the explanation's page too): four significant
    digits, short exponents: 2, -1.5, 0.7071, 6.881, 1.2e-5, 3.4e+12."""
    if x == 0.0:
        return "0"  # also for -0.0
    text = f"{x:.4g}"
    mantissa, e, exponent = text.partition("e")
    if e:
        return f"{mantissa}e{exponent[0]}{int(exponent[1:])}"
    return text
