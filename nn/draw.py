"""An MLP as the layered network diagram of the course notes, not as its scalar graph.

The scalar computation graph of even a small MLP has tens of thousands of nodes (one per
multiply and add); :func:`autograd_lite.draw_graph` is the tool for a neuron, this one for the
network. Here a unit is a circle and a weight is an edge:

* one column of input units ``x[1] … x[n]``, then one column per layer, the last being the
  outputs; the units are named as the notes and ``mlp(x, names=True)`` name them, counting from
  1: ``z1[k]`` is unit k of hidden layer 1 (z⁽¹⁾ₖ), ``f[k]`` the k-th output;
* each neuron shows its name and its bias (or the bias's gradient); each column its activation;
* each edge ``j → k`` into layer h stands for the weight ``Wh[k,j]`` (W⁽ʰ⁾ₖⱼ, the parameter's
  label) of neuron k on input j. Its colour is the sign (blue positive, red negative: a
  diverging pair readable by colour-blind readers) and its width and opacity grow with the
  magnitude, relative to the largest in the picture. With ``show="grads"`` the same encoding
  shows ``∂L/∂Wh[k,j]`` instead: after ``loss.backward()`` the thick edges are the weights the
  next gradient step moves most. A gradient that is rounding noise beside the largest
  (:data:`autograd_lite.palette.NOISE`) is drawn as a 0, labelled ≈ 0.

The exact number rides along as the edge's tooltip (hover over it in a browser's SVG view);
edge labels are left out, since with straight edges between columns nobody can tell which
line a label belongs to.

The colours and fonts are :mod:`autograd_lite.palette`'s, the same as the scalar graph's:
inputs green, hidden units blue (the parameter colours), outputs yellow (the op colours).
"""

from __future__ import annotations

import html
import math
import os
import warnings
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from autograd_lite.checks import count
from autograd_lite.palette import (
    FONT,
    INPUT,
    NEGATIVE,
    NOISE,
    OP,
    PARAMETER,
    POSITIVE,
    hex_color,
    signed_color,
)
from autograd_lite.pictures import DEFAULT_TIMEOUT, LAYOUT_LIMITS, write_picture
from autograd_lite.value import Value
from nn.layers import MLP, Layer

if TYPE_CHECKING:
    import graphviz

__all__ = ["draw_network", "render_network"]

Show = Literal["weights", "grads"]

#: What a picture of gradients says when every one of them is 0.
NO_GRADIENT = (
    "no gradient computed yet: every ∂L/∂w and ∂L/∂b is 0 "
    "(call loss.backward() before drawing the gradients)"
)


def draw_network(
    mlp: MLP,
    *,
    show: Show = "weights",
    max_edges: int = 5000,
) -> graphviz.Digraph:
    """The layered diagram of ``mlp``, edges coloured and sized by weight or by gradient.

    The graph carries :data:`autograd_lite.pictures.LAYOUT_LIMITS`, as the scalar graph does,
    so ``dot`` stays bounded however it is run (``.pipe``, Jupyter, :func:`render_network`).

    Args:
        mlp: an :class:`nn.MLP`.
        show: ``"weights"`` draws each ``w`` (and each neuron's ``b``); ``"grads"`` draws
            their ``.grad`` — call ``loss.backward()`` first. When every gradient is 0 (no
            backward pass yet, or just after ``zero_grad()``) the caption says so in place of
            the scale, and a ``UserWarning`` says it too: a picture of zeros is not a picture
            of the gradients.
        max_edges: refuse (``ValueError``) a network with more weights than this; Graphviz
            cannot lay out a picture of 10⁵ edges that anyone could read.

    Raises:
        TypeError: ``mlp`` is not an MLP.
        ValueError: ``show`` is neither choice, or the network has more than ``max_edges``
            weights.
    """
    _check(mlp, show, max_edges)
    import graphviz  # here, not at the top: `import nn` should not pay for the pictures

    magnitudes = [abs(_shown(w, show)) for layer in mlp.layers for n in layer.neurons for w in n.w]
    largest = max((m for m in magnitudes if math.isfinite(m)), default=0.0)
    scale = _Scale(largest, _noise(mlp, show))
    no_gradient = _no_gradient(mlp, show)
    dot = graphviz.Digraph(
        "network",
        graph_attr={
            "rankdir": "LR",
            "splines": "line",
            "ranksep": "1.6",
            "nodesep": "0.2",
            "fontname": FONT,
            "fontsize": "12",
            **LAYOUT_LIMITS,
        },
        node_attr={
            "fontname": FONT,
            "fontsize": "10",
            "shape": "circle",
            "style": "filled",
            "width": "0.9",
            "fixedsize": "true",
        },
        edge_attr={"fontname": FONT, "fontsize": "8", "arrowhead": "none"},
    )
    previous = _inputs(dot, mlp.n_in)
    for k, layer in enumerate(mlp.layers):
        previous = _layer(dot, k, layer, k == len(mlp.layers) - 1, previous, show, scale)
    dot.attr(labelloc="b", label=_legend(show, largest, no_gradient))
    return dot


def render_network(
    mlp: MLP,
    path: str | os.PathLike[str],
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    **draw_options: Any,
) -> Path:
    """Draw ``mlp`` with :func:`draw_network` and write it to ``path``; return the path.

    Written as :func:`autograd_lite.render_graph` writes the scalar graph, by the same
    :func:`autograd_lite.pictures.write_picture`: the format from the suffix (``.svg``,
    ``.png``, ``.pdf``, ``.dot``/``.gv``), atomically, ``dot`` killed after ``timeout`` seconds
    (default 60; ``None``: no limit). ``draw_options`` go to :func:`draw_network`.

    Raises:
        ValueError: the suffix is not a known format (and whatever draw_network raises).
        autograd_lite.render.DotNotFoundError: an image format needs ``dot``, not on PATH.
        autograd_lite.render.DotTimeoutError: ``dot`` did not finish within ``timeout``.
    """
    return write_picture(
        lambda: draw_network(mlp, **draw_options).source,
        path,
        timeout=timeout,
        caller="render_network",
    )


def _check(mlp: MLP, show: str, max_edges: int) -> None:
    """Refuse what draw_network cannot draw, naming the argument."""
    if not isinstance(mlp, MLP):
        raise TypeError(f"draw_network: mlp must be an nn.MLP, got {type(mlp).__name__}")
    if show not in ("weights", "grads"):
        raise ValueError(f'draw_network: show must be "weights" or "grads", got {show!r}')
    max_edges = count(max_edges, "draw_network(max_edges)")
    n_edges = sum(len(neuron.w) for layer in mlp.layers for neuron in layer.neurons)
    if n_edges > max_edges:
        raise ValueError(
            f"draw_network: the network has {n_edges:,} weights, more than max_edges="
            f"{max_edges:,}. Pass max_edges={n_edges} to draw it anyway (Graphviz is slow on "
            "large pictures and they are hard to read), or draw a narrower network."
        )


def _shown(parameter: Value, show: Show) -> float:
    """What the picture shows of a parameter: its value or its gradient."""
    return parameter.grad if show == "grads" else parameter.data


def _number(v: float) -> str:
    return f"{v:.3g}"


def _inputs(dot: graphviz.Digraph, n_in: int) -> list[str]:
    """The column of input units ``x[1] … x[n]``; returns their node ids."""
    ids = [f"x{i}" for i in range(n_in)]
    with dot.subgraph(name="inputs") as column:
        _column(column, "inputs", "inputs", ids)
        for i in range(n_in):
            column.node(f"x{i}", label=f"x[{i + 1}]", fillcolor=INPUT.fill, color=INPUT.pen)
    return ids


def _layer(
    dot: graphviz.Digraph,
    k: int,
    layer: Layer,
    last: bool,
    previous: list[str],
    show: Show,
    scale: _Scale,
) -> list[str]:
    """Layer ``k``'s column of units and the edges of its weights from ``previous``; returns
    the units' node ids."""
    from autograd_lite.render import literal

    title = "outputs" if last else f"hidden layer {k + 1}"
    activation = str(getattr(layer, "activation", ""))
    colors = OP if last else PARAMETER
    current = [f"l{k}n{j}" for j in range(len(layer.neurons))]
    with dot.subgraph(name=f"layer{k}") as column:
        _column(column, f"title{k}", f"{title}\\n{literal(activation)}", current)
        for j, neuron in enumerate(layer.neurons):
            bias = _shown(neuron.b, show)
            unit = f"f[{j + 1}]" if last else f"z{k + 1}[{j + 1}]"
            column.node(
                current[j],
                label=f"{unit}\\n∂L/∂b\\n{scale.text(bias)}"
                if show == "grads"
                else f"{unit}\\nb = {_number(bias)}",
                fillcolor=colors.fill,
                color=colors.pen,
                tooltip=literal(f"{neuron.b.label or 'b'} = {scale.exact(bias)}"),
            )
    symbol = "∂L/∂w" if show == "grads" else "w"
    for j, neuron in enumerate(layer.neurons):
        for i, w in enumerate(neuron.w):
            value = _shown(w, show)
            drawn = 0.0 if scale.is_noise(value) else value
            attributes = {
                "color": signed_color(drawn, scale.largest),
                "penwidth": _pen_width(drawn, scale.largest),
                "tooltip": literal(f"{w.label or symbol} = {scale.exact(value)}"),
            }
            if not math.isfinite(value):
                attributes["style"] = "dashed"
            dot.edge(previous[i], current[j], **attributes)
    return current


class _Scale(NamedTuple):
    """How the edges are drawn: in proportion to |value| / ``largest``, and a gradient with
    0 < |g| ≤ ``noise`` (rounding noise beside the largest) as a 0, labelled ≈ 0."""

    largest: float
    noise: float

    def is_noise(self, value: float) -> bool:
        return value != 0.0 and abs(value) <= self.noise

    def text(self, value: float) -> str:
        """``value`` as a label shows it: ≈ 0 for rounding noise."""
        return "≈ 0" if self.is_noise(value) else _number(value)

    def exact(self, value: float) -> str:
        """``value`` as a tooltip shows it: every digit, and why it is drawn as 0."""
        return f"{value!r} (≈ 0: rounding noise)" if self.is_noise(value) else repr(value)


def _no_gradient(mlp: MLP, show: Show) -> bool:
    """Whether the picture would show gradients while every one is 0; if so, warn."""
    if show != "grads" or any(p.grad for p in mlp.parameters()):
        return False
    warnings.warn(f"draw_network: {NO_GRADIENT}", UserWarning, stacklevel=3)
    return True


def _noise(mlp: MLP, show: Show) -> float:
    """The largest |gradient| drawn as 0 (:data:`autograd_lite.palette.NOISE` times the
    largest of every weight's and bias's); 0 when the picture shows weights."""
    if show != "grads":
        return 0.0
    grads = [abs(p.grad) for p in mlp.parameters() if math.isfinite(p.grad)]
    return NOISE * max(grads, default=0.0)


def _legend(show: Show, largest: float, no_gradient: bool = False) -> str:
    """The caption under the picture: what the edges show, and how (or that there are no
    gradients to show)."""
    what = "gradients ∂L/∂Wh[k,j]" if show == "grads" else "weights Wh[k,j]"
    symbol = "∂L/∂W" if show == "grads" else "W"
    if no_gradient:
        return f"<<B>edges: {what}</B>   {html.escape(NO_GRADIENT)}>"
    return (
        f"<<B>edges: {what}</B>   "
        f'<FONT COLOR="{hex_color(POSITIVE)}">━━ positive</FONT>   '
        f'<FONT COLOR="{hex_color(NEGATIVE)}">━━ negative</FONT>   '
        f"width and opacity ∝ |{symbol}| (largest {_number(largest)})>"
    )


def _column(column: graphviz.Digraph, title_id: str, title: str, ids: list[str]) -> None:
    """One rank: a title above the units, all stacked in index order by invisible edges.

    (Clusters would frame the columns too, but Graphviz lays out ``rank=same`` inside a cluster
    badly; a plain subgraph with a text node keeps every column straight and in order.)
    """
    column.attr(rank="same")
    column.node(
        title_id, label=title, shape="plaintext", style="", fixedsize="false", fontsize="11"
    )
    for upper, lower in pairwise([title_id, *ids]):
        column.edge(upper, lower, style="invis")


def _pen_width(value: float, largest: float) -> str:
    """A pen width from 0.4 to 4 points, in proportion to |value| (4 for a non-finite one)."""
    if not math.isfinite(value):
        return "4"
    return f"{0.4 + 3.6 * abs(value) / largest:.2f}" if largest else "0.4"
