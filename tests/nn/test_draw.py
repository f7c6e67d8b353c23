"""nn.draw_network: the layered diagram of an MLP, edges by weight or by gradient."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import nn
from autograd_lite import Value
from autograd_lite.palette import ZERO_EDGE
from autograd_lite.pictures import LAYOUT_LIMITS, DotTimeoutError
from nn.draw import draw_network, render_network

HAS_DOT = shutil.which("dot") is not None


def trained_mlp() -> nn.MLP:
    """A 3 → 4 → 4 → 1 tanh MLP after one backward pass of a squared-error loss."""
    mlp = nn.MLP(3, [4, 4, 1], activation="tanh", seed=1)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    loss: Value | float = 0.0
    for x, y in zip(xs, ys):
        loss = loss + (mlp(x)[0] - y) ** 2
    assert isinstance(loss, Value)
    loss.backward()
    return mlp


def weight_edges(source: str) -> list[tuple[str, str, str]]:
    """(tail, head, attributes) of every visible edge: the weights."""
    found = re.findall(r"^\t+(\w+) -> (\w+) \[(.*)\]$", source, re.MULTILINE)
    return [e for e in found if "style=invis" not in e[2]]


def test_exported_from_nn() -> None:
    assert nn.draw_network is draw_network
    assert nn.render_network is render_network


def test_one_edge_per_weight_and_one_node_per_unit() -> None:
    mlp = trained_mlp()
    source = draw_network(mlp).source
    edges = weight_edges(source)
    assert len(edges) == 3 * 4 + 4 * 4 + 4 * 1
    units = re.findall(r"^\t+(x\d+|l\d+n\d+) \[", source, re.MULTILINE)
    assert len(units) == 3 + 4 + 4 + 1
    # Edge j → k into layer h stands for Wh[k,j], named as the notes (from 1), its value the
    # tooltip; the units are named as mlp(x, names=True) names the nodes.
    w = mlp.layers[1].neurons[2].w[3]
    (edge,) = [e for e in edges if e[:2] == ("l0n3", "l1n2")]
    assert f'tooltip="W2[3,4] = {w.data!r}"' in edge[2]
    assert 'label="x[3]"' in source and 'label="z2[4]\\nb = ' in source
    assert 'label="f[1]\\nb = ' in source and "h1" not in source and "y1" not in source
    assert "hidden layer 1\\ntanh" in source and "outputs\\nlinear" in source


def test_colour_is_the_sign_and_width_the_magnitude() -> None:
    mlp = trained_mlp()
    edges = weight_edges(draw_network(mlp).source)
    weights = [w.data for layer in mlp.layers for n in layer.neurons for w in n.w]
    by_size = sorted(zip(weights, edges), key=lambda pair: abs(pair[0]))
    smallest, largest = by_size[0], by_size[-1]
    width = {e[:2]: float(re.search(r"penwidth=([\d.]+)", e[2]).group(1)) for e in edges}  # type: ignore[union-attr]
    assert width[largest[1][:2]] == 4.0
    assert width[smallest[1][:2]] < 0.4 + 3.6 * 0.1
    for value, edge in zip(weights, edges):
        colour = re.search(r'color="(#\w+)"', edge[2]).group(1)  # type: ignore[union-attr]
        assert colour.startswith("#2166ac" if value >= 0 else "#b2182b")
    assert "largest 1.36" in draw_network(mlp).source


def test_show_grads_draws_the_gradients() -> None:
    mlp = trained_mlp()
    source = draw_network(mlp, show="grads").source
    edges = weight_edges(source)
    grads = [w.grad for layer in mlp.layers for n in layer.neurons for w in n.w]
    for g, edge in zip(grads, edges):
        assert f"= {g!r}" in edge[2]
    assert "gradients ∂L/∂Wh[k,j]" in source and "∂L/∂b" in source
    # The thickest edge is the largest gradient, not the largest weight.
    thickest = max(range(len(grads)), key=lambda k: abs(grads[k]))
    assert "penwidth=4.00" in edges[thickest][2]


def test_dot_source_is_deterministic_across_processes() -> None:
    code = (
        "import nn\n"
        "print(nn.draw_network(nn.MLP(2, [3, 2], output_activation='softmax', seed=7)).source)\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert b"outputs\\nsoftmax" in runs[0]


def test_refusals_name_the_culprit() -> None:
    with pytest.raises(TypeError, match=r"mlp must be an nn\.MLP, got Layer"):
        draw_network(nn.MLP(2, [2]).layers[0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='show must be "weights" or "grads"'):
        draw_network(nn.MLP(2, [2]), show="data")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"has 2,048 weights, more than max_edges=2,000"):
        draw_network(nn.MLP(32, [32, 32]), max_edges=2000)


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed (`make dot`)")
def test_renders_to_svg() -> None:
    svg = draw_network(trained_mlp()).pipe(format="svg").decode()
    assert svg.startswith("<?xml") and "hidden layer 2" in svg
    assert svg.count('class="edge"') >= 32


def test_the_layout_is_bounded_as_the_scalar_graphs_is() -> None:
    graph = re.search(r"^\tgraph \[(.*)\]$", draw_network(trained_mlp()).source, re.MULTILINE)
    assert graph is not None
    for name, value in LAYOUT_LIMITS.items():
        assert f"{name}={value}" in graph.group(1).split()


def test_render_network_writes_what_draw_network_draws(tmp_path: Path) -> None:
    mlp = trained_mlp()
    target = render_network(mlp, tmp_path / "net.dot", show="grads")
    assert target.read_text(encoding="utf-8") == draw_network(mlp, show="grads").source
    with pytest.raises(ValueError, match=r"^render_network: cannot tell the format"):
        render_network(mlp, tmp_path / "net.jpeg")
    with pytest.raises(ValueError, match=r"^draw_network: show must be"):
        render_network(mlp, tmp_path / "net.dot", show="data")


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed (`make dot`)")
def test_render_network_stops_dot_after_its_timeout(tmp_path: Path) -> None:
    with pytest.raises(DotTimeoutError, match=r"^render_network: dot did not finish"):
        render_network(trained_mlp(), tmp_path / "net.svg", timeout=1e-9)
    assert not list(tmp_path.iterdir())
    assert "hidden layer 2" in render_network(trained_mlp(), tmp_path / "net.svg").read_text()


def test_gradients_drawn_before_any_backward_say_there_are_none() -> None:
    mlp = nn.MLP(3, [4, 1], activation="tanh", seed=1)
    with pytest.warns(UserWarning, match=r"no gradient computed yet.*call loss\.backward\(\)"):
        source = draw_network(mlp, show="grads").source
    caption = re.search(r"^\tlabel=<(.*)> labelloc=b$", source, re.MULTILINE)
    assert caption is not None and "no gradient computed yet" in caption.group(1)
    assert "largest" not in caption.group(1)  # no scale of zeros
    # Every edge is drawn in the neutral colour of a zero, neither positive nor negative.
    assert {edge[2].split()[0] for edge in weight_edges(source)} == {f'color="{ZERO_EDGE}"'}
    # After zero_grad() too: the picture would show zeros, not gradients.
    trained = trained_mlp()
    trained.zero_grad()
    with pytest.warns(UserWarning, match="no gradient computed yet"):
        draw_network(trained, show="grads")


def test_gradients_after_backward_and_weights_at_any_time_draw_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        source = draw_network(trained_mlp(), show="grads").source
        assert "no gradient" not in source and "largest" in source
        fresh = nn.MLP(3, [4, 1], activation="tanh", seed=1)
        assert "no gradient" not in draw_network(fresh).source


def test_a_gradient_of_rounding_noise_is_drawn_as_zero() -> None:
    mlp = trained_mlp()
    w, b = mlp.layers[0].neurons[0].w[0], mlp.layers[0].neurons[0].b
    w.grad, b.grad = 1.4e-16, -2e-17  # beside gradients of order 1: rounding noise
    source = draw_network(mlp, show="grads").source
    edge = next(e for e in weight_edges(source) if w.label in e[2])
    assert f'color="{ZERO_EDGE}"' in edge[2] and "penwidth=0.4" in edge[2]
    assert "1.4e-16 (≈ 0: rounding noise)" in edge[2]
    unit = re.search(r"^\t+l0n0 \[(.*)\]$", source, re.MULTILINE)
    assert unit is not None and "∂L/∂b\\n≈ 0" in unit.group(1)
    # The weights themselves are never noise: a weight of 1e-16 is a small weight.
    w.data = 1e-16
    edge = next(e for e in weight_edges(draw_network(mlp).source) if w.label in e[2])
    assert "rounding" not in edge[2] and f'color="{ZERO_EDGE}"' not in edge[2]
