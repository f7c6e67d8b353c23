"""replay: a batch's block programs are shown as the Python they are, and run as shown."""

import ast
from typing import Any

import numpy as np

import nn
from autograd_lite import Value, trace
from autograd_lite.batch.affine import Layer
from autograd_lite.batch.replay import Pass

MODEL = nn.MLP(2, [4, 3, 1], activation="relu", output_activation="linear", seed=3)


def tape() -> Any:
    model = MODEL  # kept: a tape holds its parameters by weak reference

    def loss(x0: Value, x1: Value, y: Value) -> Value:
        return nn.hinge_loss(model([x0, x1])[0], y) + 1e-3 * sum(p * p for p in model.parameters())

    return trace(loss, 0.5, -0.5, 1.0)


def test_the_block_source_is_the_python_a_batch_runs() -> None:
    f = tape()
    source = f.block_source()
    tree = ast.parse(source)  # readable Python: it parses
    assert [d.name for d in tree.body] == [kind.value for kind in Pass]  # type: ignore[attr-defined]
    assert "np.matmul(W1, X1T, out=" in source  # a layer as one matrix product
    assert "layer.below = mu * mD" in source  # kept for the layer below, by name
    replay = f.block_replay()
    compiled = [
        ast.dump(module.body[0])
        for kind in Pass
        for module in replay.program(kind).program.modules(kind.value)
    ]
    assert [ast.dump(d) for d in tree.body] == compiled  # what is shown is what is compiled


def test_what_forward_keeps_for_backward_is_a_record_by_name() -> None:
    f = tape()
    replay = f.block_replay()
    xs = [np.array([0.1, -0.4, 0.7]), np.array([0.3, 0.2, -0.5]), np.array([1.0, -1.0, 1.0])]
    _, _, kept = replay.blocks(xs, f.parameter_vector(), 3, 1.0)
    layers = [k for k in kept if isinstance(k, Layer)]
    assert len(layers) == 4  # one a layer, and one the loss beside the penalty
    assert all(layer.mu >= 1.0 for layer in layers)
    plain = [layer for layer in layers if layer.X1 is not None]  # [1 | X] kept for backward
    assert [layer.W.shape for layer in plain] == [(4, 2), (3, 4), (1, 3)]


def test_a_deep_graph_is_several_functions_of_a_pass() -> None:
    def chain(x: Value) -> Value:
        for _ in range(200):
            x = (x * 0.5).tanh()
        return x

    f = trace(chain, 0.3)
    names = [d.name for d in ast.parse(f.block_source()).body]  # type: ignore[attr-defined]
    assert names.count("forward") > 1 and names.count("backward") > 1
    out, (dx,) = f.grad(np.array([0.3, -0.2]))
    v = Value(0.3)
    y = chain(v)
    y.backward()
    assert out[0] == y.data and abs(dx[0] - v.grad) <= 1e-12 * abs(v.grad)
