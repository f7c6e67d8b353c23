"""Batched replay: one sample's loss traced, every batch of B samples replayed at once.

Moons with an MLP 2-16-16-1 (ReLU hidden, linear out), max-margin loss + 10⁻⁴Σp², one
full-batch step of SGD, at B = 100, 1,000 and 10,000 points:

* ``traced_step``: one sample's loss traced with the sample's numbers as inputs (through
  ``nn.MLP``, or as micrograd builds it: a chain of ``+`` and ``*`` per neuron), then
  ``f.backward_at(θ, X₀, X₁, Y, grad=1/B)`` over the batch (the penalty traced with the
  sample's loss: it does not depend on the sample, so the replay computes it once) and the SGD
  update θ ← θ − γ g, the parameters θ one array across steps as the NumPy step holds them;
  with ``values=True``, the parameters as Values instead: ``f.backward(X₀, X₁, Y, grad=1/B)``
  into their ``.grad``, and the update written over each (337 Values read, added to and
  written every step: at B = 100 more than the NumPy step's whole arithmetic, as
  ``python -m bench.batch`` shows);
* ``numpy_step``: the same step written by hand as tightly as NumPy allows: matrix products
  into buffers allocated once, one flat parameter vector, no Python loop over parameters or
  samples (one BLAS thread, set by ``bench.run``);
* ``torch_step``: the step as a PyTorch user writes it with tensors: ``torch.nn.Sequential`` of
  ``Linear`` and ``ReLU`` in float64, the loss on the batch's tensors, ``backward()`` and
  ``torch.optim.SGD`` (one thread, set by ``bench.run`` and ``main``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from bench import workloads
from bench.workloads import ALPHA, LEARNING_RATE, MoonsProblem

#: (a loss, the gradients of every parameter, in micrograd's order: each neuron's w, then b)
Result = tuple[float, Any]


def numpy_step(problem: MoonsProblem, products_only: bool = False) -> Callable[[], Result]:
    """The hand-written step, every array allocated once, here, and written in place (with
    ``products_only``, only its matrix products and the outer product, for ``--pieces``).

    The parameters are one vector ``p`` in micrograd's order: layer h is a block
    P⁽ʰ⁾ = [W⁽ʰ⁾ | b⁽ʰ⁾] of n_out rows, each a neuron's weights then its bias. Each layer's
    input carries a column of ones, ẑ⁽ʰ⁻¹⁾ = [z⁽ʰ⁻¹⁾ | 1] (z⁽⁰⁾ = X), so a bias is one more
    weight. For B points, labels y = ±1 and L ≥ 2 layers (the last one neuron, linear):

        a⁽ʰ⁾ = ẑ⁽ʰ⁻¹⁾ P⁽ʰ⁾ᵀ,  r⁽ʰ⁾ = [a⁽ʰ⁾ > 0],  z⁽ʰ⁾ = a⁽ʰ⁾ ∘ r⁽ʰ⁾ (h < L),  z = a⁽ᴸ⁾
        m = 1 − y∘z,  s = [m > 0],  loss = (s·m)/B + α p·p
        δ⁽ᴸ⁾ = −(y∘s)/B,  ∂loss/∂P⁽ʰ⁾ = δ⁽ʰ⁾ᵀ ẑ⁽ʰ⁻¹⁾,  δ⁽ʰ⁻¹⁾ = (δ⁽ʰ⁾ W⁽ʰ⁾) ∘ r⁽ʰ⁻¹⁾
        g = [∂loss/∂P⁽¹⁾, …, ∂loss/∂P⁽ᴸ⁾] + 2α p,  p ← p − lr·g

    δ⁽ᴸ⁾ is one column, so δ⁽ᴸ⁾W⁽ᴸ⁾ is an outer product, taken as a broadcast multiply (a
    matrix product of inner size 1 is 6× slower at B = 10,000). The arrays of B rows are
    column-major, so that z⁽ʰ⁾, ẑ⁽ʰ⁾ without its last column, is contiguous for the
    element-wise operations. The gradient blocks are row-major, written by ``np.dot`` (half a
    microsecond less per call than ``np.matmul`` at B = 100). The gradient buffer has ``p``'s
    layout, so it is the flat gradient in micrograd's order as it stands; the step returns it
    read-only, and the next step overwrites it.
    """
    shapes = [W.shape for W in problem.weights]  # (n_out, n_in) per layer
    ends = list(itertools.accumulate(n_out * (n_in + 1) for n_out, n_in in shapes))
    p, g, scratch = np.empty(ends[-1]), np.empty(ends[-1]), np.empty(ends[-1])
    P = [p[a:b].reshape(n, -1) for a, b, (n, _) in zip([0, *ends], ends, shapes)]
    G = [g[a:b].reshape(n, -1) for a, b, (n, _) in zip([0, *ends], ends, shapes)]
    for block, W, b in zip(P, problem.weights, problem.biases):
        block[:, :-1], block[:, -1] = W, b
    X, y = np.asarray(problem.X), np.asarray(problem.y, dtype=float)
    n = len(y)
    # ẑ: each layer's input with its column of ones (set once); z⁽ʰ⁾ the view without it
    inputs = [np.ones((n, n_in + 1), order="F") for _, n_in in shapes]
    inputs[0][:, :-1] = X
    hidden = [z[:, :-1] for z in inputs[1:]]
    slopes = [np.empty_like(z) for z in hidden]  # r⁽ʰ⁾
    deltas = [np.empty_like(z) for z in hidden]  # δ⁽ʰ⁾ for h < L
    weights = [block[:, :-1] for block in P]
    forward = list(zip(inputs[:-1], [block.T for block in P[:-1]], hidden, slopes))
    backward = list(zip(deltas[1:], inputs[1:], G[1:], weights[1:], deltas, slopes))[::-1]
    # the output layer's input ẑ⁽ᴸ⁻¹⁾, P⁽ᴸ⁾ᵀ, W⁽ᴸ⁾ and gradient block; δ⁽ᴸ⁻¹⁾ and r⁽ᴸ⁻¹⁾ below it
    top_in, top_P_T, top_W, top_G = inputs[-1], P[-1].T, weights[-1], G[-1]
    below_delta, below_r = deltas[-1], slopes[-1]
    out = np.empty((n, 1))  # z = a⁽ᴸ⁾, then δ⁽ᴸ⁾
    out_col, margin, slack, minus_y_over_n = out[:, 0], np.empty(n), np.empty(n), -y / n
    read_only = g.view()
    read_only.flags.writeable = False

    def products() -> Result:
        for z_in, P_T, a, _ in forward:
            np.matmul(z_in, P_T, out=a)
        np.matmul(top_in, top_P_T, out=out)
        np.dot(out.T, top_in, out=top_G)
        np.multiply(out, top_W, out=below_delta)
        for delta, z_in, grad, W, delta_in, _ in backward:
            np.dot(delta.T, z_in, out=grad)
            np.matmul(delta, W, out=delta_in)
        np.dot(deltas[0].T, inputs[0], out=G[0])
        return 0.0, read_only

    def step() -> Result:
        for z_in, P_T, a, r in forward:  # the hidden layers: a⁽ʰ⁾ becomes z⁽ʰ⁾ in place
            np.matmul(z_in, P_T, out=a)
            np.greater(a, 0.0, out=r)
            np.multiply(a, r, out=a)
        np.matmul(top_in, top_P_T, out=out)
        np.multiply(y, out_col, out=margin)
        np.subtract(1.0, margin, out=margin)
        np.greater(margin, 0.0, out=slack)
        loss = float(np.vdot(slack, margin)) / n + ALPHA * float(np.vdot(p, p))
        np.multiply(slack, minus_y_over_n, out=out_col)  # z becomes δ⁽ᴸ⁾
        np.dot(out.T, top_in, out=top_G)
        np.multiply(out, top_W, out=below_delta)  # the outer product δ⁽ᴸ⁾W⁽ᴸ⁾
        np.multiply(below_delta, below_r, out=below_delta)
        for delta, z_in, grad, W, delta_in, r in backward:
            np.dot(delta.T, z_in, out=grad)
            np.matmul(delta, W, out=delta_in)
            np.multiply(delta_in, r, out=delta_in)
        np.dot(deltas[0].T, inputs[0], out=G[0])
        np.multiply(p, 2 * ALPHA, out=scratch)
        np.add(g, scratch, out=g)
        np.multiply(g, LEARNING_RATE, out=scratch)
        np.subtract(p, scratch, out=p)
        return loss, read_only

    return products if products_only else step


def traced_step(problem: MoonsProblem, shape: str, values: bool = False) -> Callable[[], Result]:
    """One sample's loss traced (``shape``: ``"nn"`` or ``"micrograd"``), replayed per batch:
    the parameters θ one array across steps, ``f.backward_at(θ, …)`` and θ ← θ − γ g; with
    ``values``, the parameters as Values, ``f.backward(…)`` into their ``.grad`` and the update
    written over them."""
    from autograd_lite import trace

    params, _, loss = _model(problem, shape)
    columns = _columns(problem)
    n = len(columns[2])

    def objective(x0: Any, x1: Any, y: Any) -> Any:
        # α Σp² does not depend on the sample: the replay computes it once per batch, and
        # backward(grad=1/n) over n samples gives it weight 1.
        return loss(x0, x1, y) + ALPHA * sum(p * p for p in params)

    sample = trace(objective, *(float(c[0]) for c in columns))
    for p in params:
        p.grad = 0.0
    if not values:
        return _vector_step(sample, params, columns)

    def step() -> Result:
        value = float(np.sum(sample.backward(*columns, grad=1.0 / n))) / n
        grads = [p.grad for p in params]
        for p, g in zip(params, grads):
            p.data -= LEARNING_RATE * g
            p.grad = 0.0
        return value, grads

    return step


def _vector_step(sample: Any, params: list[Any], columns: list[np.ndarray]) -> Callable[[], Result]:
    """The step with θ held as one array in the recording's order of the parameters (the
    gradient it returns is in micrograd's)."""
    theta, n = sample.parameter_vector(), len(columns[2])
    slot = {id(p): i for i, p in enumerate(sample.parameters)}
    order = np.array([slot[id(p)] for p in params])

    def step() -> Result:
        outputs, g = sample.backward_at(theta, *columns, grad=1.0 / n)
        np.subtract(theta, np.multiply(g, LEARNING_RATE), out=theta)
        return float(np.sum(outputs)) / n, g[order]

    return step


def torch_step(problem: MoonsProblem) -> Callable[[], Result]:
    """The step in PyTorch: ``torch.nn.Sequential`` set to the problem's parameters, float64, the
    max-margin loss mean(relu(1 − y∘s)) + α Σp² over every parameter, ``loss.backward()`` and
    ``torch.optim.SGD``'s update. The gradient is returned in micrograd's order (each neuron's
    weights, then its bias), as the other steps return it."""
    import torch

    layers: list[Any] = []
    for W, b in zip(problem.weights, problem.biases):
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])  # no ReLU after the output layer
    parameters = list(model.parameters())
    optimizer = torch.optim.SGD(parameters, lr=LEARNING_RATE)
    X = torch.tensor(problem.X, dtype=torch.float64)
    y = torch.tensor(problem.y, dtype=torch.float64)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]

    def step() -> Result:
        optimizer.zero_grad()
        scores = model(X)[:, 0]
        penalty = sum(p.pow(2).sum() for p in parameters)
        loss = torch.relu(1.0 - y * scores).mean() + ALPHA * penalty
        loss.backward()
        grads = torch.cat(
            [torch.cat([m.weight.grad, m.bias.grad[:, None]], 1).ravel() for m in linears]
        )
        optimizer.step()
        return loss.item(), grads.numpy()

    return step


def _columns(problem: MoonsProblem) -> list[np.ndarray]:
    """The batch as the traced sample's inputs: x₀, x₁ and y, an array each."""
    X = np.asarray(problem.X)
    return [X[:, 0].copy(), X[:, 1].copy(), np.asarray(problem.y, dtype=float)]


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


def agreement(problem: MoonsProblem, torch: bool = False) -> dict[str, Result]:
    """The first step of each engine from the same start, for ``bench.run``'s check (with
    ``torch``, PyTorch's too)."""
    steps = {
        "NumPy, tight": numpy_step(problem),
        **{f"traced ({shape})": traced_step(problem, shape) for shape in ("nn", "micrograd")},
        "traced (nn, parameters as Values)": traced_step(problem, "nn", values=True),
        **({"PyTorch, tensors": torch_step(problem)} if torch else {}),
    }
    return {name: step() for name, step in steps.items()}


def pieces(problem: MoonsProblem) -> dict[str, Callable[[], Any]]:
    """The parts of the traced ``nn.MLP`` step, to time beside it: the block program alone
    (``BlockReplay.run`` on the batch at θ: the step less the checks and the call around it and the
    update), and the NumPy step's matrix products alone (what any step of this network must
    compute)."""
    from autograd_lite import trace

    params, _, loss = _model(problem, "nn")
    columns = _columns(problem)
    tape = trace(lambda *x: loss(*x) + ALPHA * sum(p * p for p in params), 0.0, 0.0, 1.0)
    replay, theta, n = tape.block_replay(), tape.parameter_vector(), len(columns[2])
    return {
        "nn.MLP's block program": lambda: replay.run(columns, theta, n, 1.0 / n, inputs=False),
        "the NumPy step's matrix products": numpy_step(problem, products_only=True),
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.batch``: the batch steps timed side by side, best of interleaved
    rounds (a quicker look than ``bench.run``'s medians: ``--sizes``, ``--rounds``; with
    ``--pieces``, the parts of the ``nn.MLP`` step too)."""
    import argparse
    import time

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--pieces", action="store_true")
    args = parser.parse_args(argv)
    torch = _torch()
    for size in args.sizes:
        problem = workloads.make_moons_problem(size)
        steps = {
            "NumPy": numpy_step(problem),
            **({"PyTorch": torch_step(problem)} if torch else {}),
            "nn.MLP": traced_step(problem, "nn"),
            "nn.MLP, parameters as Values": traced_step(problem, "nn", values=True),
            "micrograd's graph": traced_step(problem, "micrograd"),
            **(pieces(problem) if args.pieces else {}),
        }
        best = dict.fromkeys(steps, float("inf"))
        n = max(1, 20_000 // size)  # steps per round
        for _ in range(args.rounds):
            for name, step in steps.items():
                for _ in range(n):  # untimed: a step run right after another engine's runs
                    step()  # slower for several steps (about 12% after PyTorch's at B = 1,000)
                start = time.perf_counter()
                for _ in range(n):
                    step()
                best[name] = min(best[name], (time.perf_counter() - start) / n)
        floor = best["NumPy"]
        shown = ", ".join(f"{k} {v * 1e6:.0f} µs ({v / floor:.2f}×)" for k, v in best.items())
        print(f"B = {size:,}: {shown}")
    return 0


def _torch() -> Any:
    """PyTorch set to one thread, or None if it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


if __name__ == "__main__":
    raise SystemExit(main())
