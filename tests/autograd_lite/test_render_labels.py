"""Labels show literally in the rendered picture: no HTML entity or backslash escape decoded."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import nn
from autograd_lite import Value
from autograd_lite.render import draw_graph
from nn.draw import draw_network

HAS_DOT = shutil.which("dot") is not None
SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"

# Each would show as something else if Graphviz decoded it: &, <script>, A, ", the node's name.
TRICKY = ["&amp;", "&lt;script&gt;", "&#65;", "&quot;x", "a & b", "w\\N", "<b>bold</b>"]


def svg_of(source: str) -> ET.Element:
    done = subprocess.run(
        ["dot", "-Tsvg"], input=source.encode(), capture_output=True, timeout=60, check=True
    )
    return ET.fromstring(done.stdout)


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


@pytest.mark.skipif(not HAS_DOT, reason="needs Graphviz's dot")
def test_value_labels_show_literally_in_svg() -> None:
    leaves = [Value(float(i + 1), label) for i, label in enumerate(TRICKY)]
    total: Value = leaves[0]
    for leaf in leaves[1:]:
        total = total + leaf
    shown = texts(svg_of(draw_graph(total).source))
    for label in TRICKY:
        assert label in shown, (label, shown)


@pytest.mark.skipif(not HAS_DOT, reason="needs Graphviz's dot")
def test_network_tooltips_show_labels_literally_in_svg() -> None:
    mlp = nn.MLP(2, [1], activation="tanh", seed=0)
    neuron = mlp.layers[0].neurons[0]
    neuron.w[0].label = "&amp;"
    neuron.w[1].label = "&lt;script&gt;\\N"
    neuron.b.label = "b&#65;"
    titles = [a.get(XLINK_TITLE, "") for a in svg_of(draw_network(mlp).source).iter(f"{SVG}a")]
    for label in ("&amp;", "&lt;script&gt;\\N", "b&#65;"):
        assert any(title.startswith(f"{label} = ") for title in titles), (label, titles)
