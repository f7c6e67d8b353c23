"""draw_graph and render_graph: the DOT source of known graphs, determinism, size limits, files."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import graphviz
import numpy as np
import pytest

import autograd_lite
import nn
from autograd_lite import Value, draw_graph, render_graph, tanh
from autograd_lite.cli import main
from autograd_lite.palette import INPUT, PARAMETER
from autograd_lite.render import FORMATS, RANKDIRS, DotNotFoundError

REPO = Path(__file__).resolve().parents[2]
HAS_DOT = shutil.which("dot") is not None


def neuron() -> tuple[Value, dict[str, Value]]:
    """micrograd's neuron o = tanh(x1·w1 + x2·w2 + b), after backward."""
    leaves = {
        "x1": Value(2.0, "x1"),
        "x2": Value(0.0, "x2"),
        "w1": Value(-3.0, "w1"),
        "w2": Value(1.0, "w2"),
        "b": Value(6.8813735870195432, "b"),
    }
    v = leaves
    o = tanh(v["x1"] * v["w1"] + v["x2"] * v["w2"] + v["b"])
    o.label = "o"
    o.backward()
    return o, leaves


def nodes(source: str) -> dict[str, str]:
    """Node id → its attribute text, for every node statement of a DOT source."""
    found = dict(re.findall(r"^\t(\w+) \[(.*)\]$", source, re.MULTILINE))
    return {n: a for n, a in found.items() if n not in ("graph", "node", "edge")}


def records(source: str) -> dict[str, str]:
    """Leaf label → attribute text, for every labelled Value of a DOT source."""
    found = {}
    for attributes in nodes(source).values():
        match = re.match(r'label="\{ (\w+) \| data', attributes)
        if match:
            found[match.group(1)] = attributes
    return found


def edges(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\t(\w+) -> (\w+)", source, re.MULTILINE)


def test_exports_and_lazy_graphviz_import() -> None:
    assert autograd_lite.draw_graph is draw_graph
    assert autograd_lite.render_graph is render_graph
    assert {"draw_graph", "render_graph"} <= set(autograd_lite.__all__)
    code = "import sys, autograd_lite; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_neuron_dot_shows_labels_data_and_grads() -> None:
    o, _ = neuron()
    dot = draw_graph(o)
    assert isinstance(dot, graphviz.Digraph)
    source = dot.source
    ns = nodes(source)
    # 5 leaves + 5 results (2 mul, 2 add, tanh) and their 5 ops; nothing else.
    value_ids = [n for n in ns if re.fullmatch(r"v\d+", n)]
    op_ids = [n for n in ns if n.endswith("_op")]
    assert len(value_ids) == 10 and len(op_ids) == 5 and len(ns) == 15
    # Each op: one edge per operand plus one to its result.
    assert len(edges(source)) == 2 * 4 + 1 + 5
    assert "rankdir=LR" in source
    assert "{ x1 | data 2 | grad -1.5 }" in source
    assert "{ w1 | data -3 | grad 1 }" in source
    assert "{ x2 | data 0 | grad 0.5 }" in source
    assert "{ w2 | data 1 | grad 0 }" in source
    assert "{ b | data 6.881 | grad 0.5 }" in source
    assert "{ o | data 0.7071 | grad 1 }" in source
    assert "{ data 0.8814 | grad 0.5 }" in source  # the unlabelled pre-activation
    op_labels = sorted(re.findall(r'^label=("[^"]*"|\S+)', ns[n])[0].strip('"') for n in op_ids)
    assert op_labels == ["+", "+", "tanh", "×", "×"]


def test_leaf_kinds_look_different() -> None:
    o, leaves = neuron()
    by_label = records(draw_graph(o, params=[leaves[n] for n in ("w1", "w2", "b")]).source)
    parameter, inputs = by_label["w1"], by_label["x1"]
    assert f'fillcolor="{PARAMETER.fill}"' in parameter and "penwidth=2 " in parameter
    assert f'fillcolor="{INPUT.fill}"' in inputs
    assert 'style="filled,rounded"' in by_label["o"]  # computed Values are rounded
    assert "penwidth=2.5" in by_label["o"]  # and the root is bold


def test_only_params_are_parameters_whatever_their_labels() -> None:
    o, leaves = neuron()
    by_label = records(draw_graph(o, params=[leaves["x1"]]).source)
    assert f'fillcolor="{PARAMETER.fill}"' in by_label["x1"]
    assert f'fillcolor="{INPUT.fill}"' in by_label["w1"]
    # Without params= no leaf is a parameter: the engine does not guess from names such as
    # w1 or nn's layers.0.neurons.1.w.2.
    named = Value(1.0, "layers.0.neurons.1.w.2") * Value(2.0, "weight")
    for source in (draw_graph(o).source, draw_graph(named).source):
        assert PARAMETER.fill not in source
        assert f'fillcolor="{INPUT.fill}"' in source


def test_x_times_x_draws_two_edges() -> None:
    x = Value(3.0, "x")
    y = x * x
    y.backward()
    source = draw_graph(y).source
    assert edges(source).count(("v0", "v1_op")) == 2
    assert "{ x | data 3 | grad 6 }" in source
    assert "{ data 9 | grad 1 }" in source


def test_constants_are_their_own_leaves_and_order_is_labelled() -> None:
    x = Value(5.0, "x")
    y = (2 - x) / 4  # sub(2.0, x) then div(·, 4.0): the constants sit in args
    y.backward()
    source = draw_graph(y, show_grad=False).source
    ns = nodes(source)
    assert "label=2 " in ns["v1_c0"] and 'fillcolor="#f3f4f6"' in ns["v1_c0"]
    assert "label=4 " in ns["v2_c1"]
    assert "grad" not in source
    assert "\tv1_c0 -> v1_op [label=a fontsize=9]" in source
    assert "\tv0 -> v1_op [label=b fontsize=9]" in source
    assert "\tv2_c1 -> v2_op [label=b fontsize=9]" in source
    assert 'label="a − b"' in ns["v1_op"] and 'label="a / b"' in ns["v2_op"]


def test_rankdir_tb_and_number_formatting() -> None:
    x = Value(1.23456789e-5, "tiny")
    y = x * 1e12
    y.backward()
    source = draw_graph(y, rankdir="TB").source
    assert "rankdir=TB" in source
    # Top-to-bottom records need no braces to keep their fields side by side.
    assert 'label="tiny | data 1.235e-5 | grad 1e+12"' in source
    assert 'label="data 1.235e+7 | grad 1"' in source


def test_record_syntax_in_labels_is_escaped_and_dot_parses_it(tmp_path: Path) -> None:
    x = Value(1.0, 'a{b}|c<d>"e\\')
    y = x + 1
    source = draw_graph(y).source
    assert r'label="{ a\{b\}\|c\<d\>\"e\\ | data 1 | grad 0 }"' in source
    if HAS_DOT:
        out = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert "a{b}|c&lt;d&gt;&quot;e\\" in out.stdout


def test_dot_is_byte_identical_across_processes() -> None:
    code = (
        "import autograd_lite as ag\n"
        "x, w, b = ag.Value(0.5, 'x'), ag.Value(-1.25, 'w'), ag.Value(0.1, 'b')\n"
        "h = [ag.sigmoid(x * w + b * k) for k in range(4)]\n"
        "y = ag.log(sum(h, ag.Value(1.0)) ** 2)\n"
        "y.backward()\n"
        "print(ag.draw_graph(y, color_by='grad').source, end='')\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2)
    ]
    assert runs[0] == runs[1]
    assert runs[0].count(b" -> ") > 20


def test_max_nodes_refusal_says_size_and_what_to_do() -> None:
    x = Value(1.0, "x")
    y = x
    for _ in range(20):
        y = y + 1
    with pytest.raises(ValueError, match=r"21 Values, more than max_nodes=20\. Pass max_nodes=21"):
        draw_graph(y, max_nodes=20)
    assert len(nodes(draw_graph(y, max_nodes=21).source)) == 21 + 20 + 20  # values, ops, consts


@pytest.mark.parametrize(
    ("options", "error", "culprit"),
    [
        ({"rankdir": "up"}, ValueError, "rankdir"),
        ({"color_by": "data"}, ValueError, "color_by"),
        ({"max_nodes": 0}, ValueError, "max_nodes"),
        ({"max_nodes": True}, ValueError, "max_nodes"),
        ({"params": [1.0]}, TypeError, r"params\[0\]"),
    ],
)
def test_bad_options_name_the_culprit(
    options: dict[str, object], error: type[Exception], culprit: str
) -> None:
    with pytest.raises(error, match=culprit):
        draw_graph(Value(1.0) * 2, **options)  # type: ignore[arg-type]


def test_the_rankdirs_and_formats_are_the_command_lines(capsys: pytest.CaptureFixture[str]) -> None:
    y = Value(1.0, "x") * 2
    flows = {d: re.search(r"rankdir=(\w+)", draw_graph(y, rankdir=d).source) for d in RANKDIRS}
    assert {d: m and m.group(1) for d, m in flows.items()} == {d: d for d in RANKDIRS}
    # The command line offers exactly these, from render, not a copy of its own.
    assert main(["graph", "--help"]) == 0
    shown = capsys.readouterr().out
    assert f"--rankdir {{{','.join(RANKDIRS)}}}" in shown
    assert f"write the graph here: {' '.join(FORMATS)}" in shown


def test_root_must_be_a_value() -> None:
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        draw_graph(1.0)  # type: ignore[arg-type]


def test_deep_chain_draws_without_recursion() -> None:
    n = 100_000
    x = Value(0.5, "x")
    y = x
    for _ in range(n):
        y = y * 1.0
    y.backward()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # any recursion over the chain would fail at once
    try:
        source = draw_graph(y, max_nodes=n + 1, color_by="grad").source
    finally:
        sys.setrecursionlimit(limit)
    assert source.count(" -> ") == 3 * n  # operand, constant and result edge per op
    assert f"\tv{n} [" in source


def test_color_by_grad_fills_by_log_grad_with_a_legend() -> None:
    # A deep sigmoid chain: each σ′ ≤ 1/4 shrinks the gradient, the textbook vanishing gradient.
    x = Value(0.3, "x")
    y = x
    for _ in range(12):
        y = y.sigmoid()
    y.backward()
    source = draw_graph(y, color_by="grad").source
    ns = nodes(source)
    assert "legend" in ns and "|grad|" in ns["legend"] and "(log scale)" in ns["legend"]
    # The input's gradient is below 1e-7: the scale spans at least seven decades.
    assert "1e-8" in ns["legend"] and "1e0" in ns["legend"]
    # Fills grow lighter toward the output: dark purple at x, yellow at y.
    fills = [re.search(r'fillcolor="(#\w+)"', ns[f"v{i}"]).group(1) for i in range(13)]  # type: ignore[union-attr]
    assert fills[-1] == "#fde725"
    assert "fontcolor=white" in ns["v0"] and "fontcolor=black" in ns["v12"]
    assert len(set(fills)) == 13


def test_color_by_grad_marks_zero_and_nonfinite_grads() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    y = a * b
    y.backward()
    b.grad = float("nan")
    a.grad = 0.0
    source = draw_graph(y, color_by="grad").source
    by_label = records(source)
    assert "fillcolor=white" in by_label["a"] and 'fillcolor="#ef4444"' in by_label["b"]
    legend = nodes(source)["legend"]
    assert ">0</TD>" in legend and "nan/inf" in legend


def shallow_network_loss() -> Value:
    """One sample's loss −log f_y(x) through the notes' D = 2 network with a softmax output,
    as examples/shallow_network.py draws it, after backward(): softmax's max-shift node m gets
    ∂ℓ/∂m = 1 − Σⱼ softmaxⱼ, 0 in exact arithmetic and −1.1e-16 in float64."""
    x0 = np.random.default_rng(0).normal(0.0, 1.0, 2)
    mlp = nn.MLP(2, [3, 3], "tanh", "softmax", seed=0)
    loss = -mlp([Value(float(v)) for v in x0])[0].log()
    loss.backward()
    return loss


def test_color_by_grad_is_not_stretched_by_rounding_noise() -> None:
    loss = shallow_network_loss()
    order = autograd_lite.topological_order(loss)
    noise = [v for v in order if 0.0 < abs(v.grad) < 1e-14]
    assert [v.op for v in noise] == ["max"]  # the premise: one node of rounding noise
    informative = min(abs(v.grad) for v in order if abs(v.grad) >= 1e-14)
    source = draw_graph(loss, color_by="grad").source
    legend = nodes(source)["legend"]
    decades = [int(d) for d in re.findall(r">1e(-?\d+)<", legend)]
    # The scale covers the informative gradients (4e-3 to 3.2), not 1e-16: 1e-3 to 1e1.
    assert decades[0] == math.floor(math.log10(informative)) == -3 and decades[-1] == 1
    assert ">≈ 0</TD>" in legend and "rounding noise" in legend
    m = nodes(source)[f"v{order.index(noise[0])}"]
    assert "grad ≈ 0" in m and "fillcolor=white" in m
    # Without colour by gradient the exact number is shown.
    plain = nodes(draw_graph(loss).source)[f"v{order.index(noise[0])}"]
    assert "grad -1.11e-16" in plain


def test_a_vanishing_gradient_is_not_noise() -> None:
    # 10⁻¹⁰ of the largest is a gradient worth seeing; 10⁻¹⁶ of it is not.
    a, b, c = Value(1.0, "a"), Value(1.0, "b"), Value(1.0, "c")
    y = a * 1e-10 + b * 1e-16 + c
    y.backward()
    by_label = records(draw_graph(y, color_by="grad").source)
    assert "grad 1e-10" in by_label["a"] and "fillcolor=white" not in by_label["a"]
    assert "grad ≈ 0" in by_label["b"] and "fillcolor=white" in by_label["b"]


def test_render_dot_needs_no_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert shutil.which("dot") is None
    o, _ = neuron()
    path = render_graph(o, tmp_path / "neuron.dot")
    assert path == tmp_path / "neuron.dot"
    assert path.read_text(encoding="utf-8") == draw_graph(o).source
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["neuron.dot"]


def test_render_image_without_dot_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    o, _ = neuron()
    with pytest.raises(DotNotFoundError, match=r"needs Graphviz's `dot`.*apt-get install graphviz"):
        render_graph(o, tmp_path / "neuron.svg")
    assert list(tmp_path.iterdir()) == []


def test_render_refuses_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"neuron\.jpeg.*\.svg, \.png, \.pdf, \.dot"):
        render_graph(Value(1.0) + 1, tmp_path / "neuron.jpeg")


def test_failed_render_leaves_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "graph.dot"
    target.write_text("old")
    with pytest.raises(ValueError, match="max_nodes"):
        render_graph(Value(1.0) + 1, target, max_nodes=1)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.dot"]


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed (`make dot`)")
@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_render_images_with_dot(tmp_path: Path, suffix: str) -> None:
    o, _ = neuron()
    path = render_graph(o, tmp_path / f"neuron{suffix}", color_by="grad")
    data = path.read_bytes()
    magic = {".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF"}[suffix]
    assert data.startswith(magic)
    if suffix == ".svg":
        text = data.decode()
        assert "<svg" in text and "grad &#45;1.5" in text and "data 0.7071" in text
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_grads_and_labels_given_are_shown_instead_of_the_values_own() -> None:
    x = Value(2.0, "x")
    y = x * 3.0
    plain = draw_graph(y).source
    assert draw_graph(y, grads={}, labels={x: "x", y: ""}).source == plain
    given = draw_graph(y, grads={x: 3.0, y: 1.0}, labels={x: "x", y: "v1"}).source
    assert "grad 3" in given and "v1 |" in given and x.grad == 0.0 and y.grad == 0.0


def test_nodes_draws_that_part_an_op_only_when_its_operands_are_drawn_too() -> None:
    a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")
    ab = a * b
    ab.label = "ab"
    out = ab + c
    out.label = "out"
    source = draw_graph(out, nodes=[out, ab, c]).source  # ab's operands left out
    names = set(re.findall(r"^\t(\w+) \[", source, re.M))
    values = {n for n in names if re.fullmatch(r"v\d+", n)}
    ops = {n for n in names if n.endswith("_op")}
    assert len(values) == 3 and len(ops) == 1  # out's op; ab drawn as a box fed from outside
    assert all(f"{{ {name} |" in source for name in ("out", "ab", "c"))
    assert "{ a |" not in source and "{ b |" not in source
    with pytest.raises(ValueError, match="has 3 Values, more than max_nodes=2"):
        draw_graph(out, nodes=[out, ab, c], max_nodes=2)
    assert draw_graph(out, nodes=None).source == draw_graph(out).source
    with pytest.raises(TypeError, match=r"nodes\[1\] must be a Value, got float"):
        draw_graph(out, nodes=[out, 2.0])
    with pytest.raises(ValueError, match=r"nodes\[0\] .* is not in root's graph"):
        draw_graph(out, nodes=[Value(9.0)])
    with pytest.raises(ValueError, match="nodes is empty"):
        draw_graph(out, nodes=[])
