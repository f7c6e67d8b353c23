"""Batched replay (issue 15): one sample's loss traced, every batch of B samples replayed at once.

Moons with an MLP 2-16-16-1 (ReLU hidden, linear out), max-margin loss + 10⁻⁴Σp², one
full-batch step of SGD, at B = 100, 1,000 and 10,000 points:

* ``traced_step``: one sample's loss traced with the sample's numbers as inputs (through
  ``nn.MLP``, or as micrograd builds it: a chain of ``+`` and ``*`` per neuron), then
  ``f.backward(X₀, X₁, Y, grad=1/B)`` over the batch, the penalty's own tape, the SGD update;
* ``numpy_step``: the same step written by hand as tightly as NumPy allows: matrix products,
  no Python loop over parameters or samples (one BLAS thread, set by ``bench.run``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bench.workloads import ALPHA, LEARNING_RATE, MoonsProblem

#: (a loss, the gradients of every parameter, in micrograd's order: each neuron's w, then b)
Result = tuple[float, Any]


def numpy_step(problem: MoonsProblem) -> Callable[[], Result]:
    """The hand-written step: a⁽ʰ⁾ = z⁽ʰ⁻¹⁾W⁽ʰ⁾ᵀ + b⁽ʰ⁾, δ⁽ʰ⁻¹⁾ = (δ⁽ʰ⁾W⁽ʰ⁾) ∘ ReLU′(a⁽ʰ⁻¹⁾)."""
    weights = [W.copy() for W in problem.weights]
    biases = [b.copy() for b in problem.biases]
    X, y = np.asarray(problem.X), np.asarray(problem.y)
    n = len(y)

    def step() -> Result:
        zs, pre = [X], []
        for depth, (W, b) in enumerate(zip(weights, biases)):
            a = zs[-1] @ W.T + b
            pre.append(a)
            zs.append(a if depth == len(weights) - 1 else np.maximum(a, 0.0))
        margins = 1.0 - y * zs[-1][:, 0]
        loss = np.maximum(margins, 0.0).sum() / n
        loss += ALPHA * sum(float(np.vdot(W, W) + np.vdot(b, b)) for W, b in zip(weights, biases))
        delta = (-(y * (margins > 0.0)) / n)[:, None]
        grads: list[tuple[np.ndarray, np.ndarray]] = []
        for depth in range(len(weights) - 1, -1, -1):
            W, b = weights[depth], biases[depth]
            grads.append((delta.T @ zs[depth] + 2 * ALPHA * W, delta.sum(axis=0) + 2 * ALPHA * b))
            if depth:
                delta = (delta @ W) * (pre[depth - 1] > 0.0)
        grads.reverse()
        for (W, b), (gW, gb) in zip(zip(weights, biases), grads):
            W -= LEARNING_RATE * gW
            b -= LEARNING_RATE * gb
        # micrograd's order, each neuron's weights then its bias, as one vector: no loop
        flat = np.concatenate([np.column_stack([gW, gb]).ravel() for gW, gb in grads])
        return float(loss), flat

    return step


def traced_step(problem: MoonsProblem, shape: str) -> Callable[[], Result]:
    """One sample's loss traced (``shape``: ``"nn"`` or ``"micrograd"``), replayed per batch."""
    from autograd_lite import trace

    params, _, loss = _model(problem, shape)
    X = np.asarray(problem.X)
    columns = [X[:, 0].copy(), X[:, 1].copy(), np.asarray(problem.y, dtype=float)]
    n = len(columns[2])
    sample = trace(loss, *(float(c[0]) for c in columns))
    penalty = trace(lambda: ALPHA * sum(p * p for p in params))

    def step() -> Result:
        for p in params:
            p.grad = 0.0
        outputs = sample.backward(*columns, grad=1.0 / n)
        value = float(np.sum(outputs)) / n + penalty.backward()
        grads = [p.grad for p in params]
        for p in params:
            p.data -= LEARNING_RATE * p.grad
        return value, grads

    return step


def _model(problem: MoonsProblem, shape: str) -> tuple[list[Any], Any, Callable[..., Any]]:
    """The parameters in micrograd's order, the model, and one sample's loss (x₀, x₁, y)."""
    import nn
    from autograd_lite import Value

    if shape == "nn":
        model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
        for layer, W, bias in zip(model.layers, problem.weights, problem.biases):
            for neuron, row, b in zip(layer.neurons, W, bias):
                for w, number in zip(neuron.w, row):
                    w.data = float(number)
                neuron.b.data = float(b)
        return model.parameters(), model, lambda x0, x1, y: nn.hinge_loss(model([x0, x1])[0], y)
    layers = [
        [([Value(float(w)) for w in row], Value(float(b))) for row, b in zip(W, bias)]
        for W, bias in zip(problem.weights, problem.biases)
    ]
    params = [p for layer in layers for ws, b in layer for p in [*ws, b]]

    def loss(x0: Any, x1: Any, y: Any) -> Any:
        x = [x0, x1]
        for depth, layer in enumerate(layers):
            x = [sum((wi * xi for wi, xi in zip(ws, x)), b) for ws, b in layer]
            x = x if depth == len(layers) - 1 else [a.relu() for a in x]
        return (1 + -y * x[0]).relu()

    return params, layers, loss


def agreement(problem: MoonsProblem) -> dict[str, Result]:
    """The first step of each engine from the same start, for ``bench.run``'s check."""
    steps = {
        "NumPy, tight": numpy_step(problem),
        **{f"traced ({shape})": traced_step(problem, shape) for shape in ("nn", "micrograd")},
    }
    return {name: step() for name, step in steps.items()}
