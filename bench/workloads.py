"""The benchmark's workloads, each written once per engine from the same starting numbers.

* moons step: micrograd's demo. 100 two-moons points, an MLP 2-16-16-1 (ReLU hidden, linear
  out), max-margin loss + 1e-4·Σp² over all parameters, one full-batch forward + backward + SGD
  update. ``moons_step_scalar`` builds the graph exactly as micrograd's ``nn.py`` does and runs
  on any scalar Value class (autograd-lite's, micrograd's, or 0-d PyTorch tensors);
  ``moons_step_nn`` is the same step written with ``nn.MLP`` as a user would;
  ``bench.batch.numpy_step`` is hand-written matrix backprop, the floor. ``traced_moons_step`` and
  ``traced_moons_step_nn`` record either graph once with ``autograd_lite.trace`` (no inputs:
  the data are constants, the parameters are read live) and replay it each step.
* chain: y = x, then N times y = y·1.0001 + 0.0001, then backward. ``traced_chain`` records it
  once with x as the one input and replays ``f.grad(0.5)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from examples._data import make_moons

ALPHA = 1e-4  # the weight of the L2 term 1e-4·Σp² in micrograd's demo
LEARNING_RATE = 0.1


@dataclass
class MoonsProblem:
    """Inputs, ±1 labels and the initial parameters every engine starts from."""

    X: list[list[float]]
    y: list[float]
    weights: list[np.ndarray]  # W⁽ʰ⁾, shaped (n_out, n_in)
    biases: list[np.ndarray]


def make_moons_problem(n_points: int = 100, sizes: tuple[int, ...] = (2, 16, 16, 1), seed: int = 0):
    """The examples' two moons, and micrograd-style weights U(−1, 1) with biases 0."""
    X, y = make_moons(n_points, seed=seed)
    rng = np.random.default_rng(seed + 1)
    weights = [
        rng.uniform(-1.0, 1.0, size=(n_out, n_in)) for n_in, n_out in itertools.pairwise(sizes)
    ]
    biases = [np.zeros(n_out) for n_out in sizes[1:]]
    return MoonsProblem(X.tolist(), y.tolist(), weights, biases)


# --- micrograd's graph, on any scalar Value class --------------------------------------------


def scalar_parameters(problem: MoonsProblem, make: Callable[[float], Any]) -> list[list[tuple]]:
    """Layers of neurons, each neuron a (weights, bias) pair of scalars made by ``make``."""
    return [
        [([make(w) for w in row], make(b)) for row, b in zip(W, bias)]
        for W, bias in zip(problem.weights, problem.biases)
    ]


def flat(layers: list[list[tuple]]) -> list[Any]:
    return [p for layer in layers for weights, bias in layer for p in [*weights, bias]]


def scalar_loss(layers: list[list[tuple]], problem: MoonsProblem, make_input: Callable) -> Any:
    """The total loss, built node by node as micrograd's Neuron, Layer and MLP build it."""
    inputs = [list(map(make_input, row)) for row in problem.X]
    scores = []
    for x in inputs:
        for depth, layer in enumerate(layers):
            last = depth == len(layers) - 1
            x = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
            x = x if last else [act.relu() for act in x]
        scores.append(x[0])
    losses = [(1 + -yi * si).relu() for yi, si in zip(problem.y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in flat(layers))
    return data_loss + reg_loss


def moons_step_scalar(value_class: type, problem: MoonsProblem) -> Callable[[], tuple]:
    """A step with autograd-lite's or micrograd's Value: zero grads, forward, backward, update."""
    layers = scalar_parameters(problem, value_class)
    params = flat(layers)

    def step() -> tuple[float, list[float]]:
        total = scalar_loss(layers, problem, value_class)
        for p in params:
            p.grad = 0.0
        total.backward()
        grads = [p.grad for p in params]
        for p in params:
            p.data -= LEARNING_RATE * p.grad
        return total.data, grads

    return step


def traced_moons_step(problem: MoonsProblem) -> Callable[[], tuple]:
    """``moons_step_scalar``'s step with micrograd's graph traced once: zero, replay, update."""
    from autograd_lite import Value, trace

    layers = scalar_parameters(problem, Value)
    params = flat(layers)
    f = trace(lambda: scalar_loss(layers, problem, Value))

    def step() -> tuple[float, list[float]]:
        for p in params:
            p.grad = 0.0
        loss = f.backward()
        grads = [p.grad for p in params]
        for p in params:
            p.data -= LEARNING_RATE * p.grad
        return loss, grads

    return step


def moons_step_torch(problem: MoonsProblem) -> Callable[[], tuple]:
    """The same graph with one 0-d float64 tensor per scalar."""
    import torch

    def parameter(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    def constant(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64)

    layers = scalar_parameters(problem, parameter)
    params = flat(layers)

    def step() -> tuple[float, list[float]]:
        total = scalar_loss(layers, problem, constant)
        for p in params:
            p.grad = None
        total.backward()
        grads = [p.grad.item() for p in params]
        with torch.no_grad():
            for p in params:
                p -= LEARNING_RATE * p.grad
        return total.item(), grads

    return step


def nn_problem(problem: MoonsProblem) -> tuple[Any, list[Any], Callable[[], Any]]:
    """``nn.MLP`` set to the problem's parameters, its parameters, and the loss as a closure."""
    import nn

    sizes = [problem.weights[0].shape[1]] + [W.shape[0] for W in problem.weights]
    model = nn.MLP(sizes[0], sizes[1:], activation="relu", output_activation="linear", seed=0)
    for layer, W, bias in zip(model.layers, problem.weights, problem.biases):
        for neuron, row, b in zip(layer.neurons, W, bias):
            for w, value in zip(neuron.w, row):
                w.data = float(value)
            neuron.b.data = float(b)
    params = model.parameters()

    def loss() -> Any:
        losses = [nn.hinge_loss(model(x)[0], y) for x, y in zip(problem.X, problem.y)]
        return sum(losses) / len(losses) + ALPHA * sum(p * p for p in params)

    return model, params, loss


def moons_step_nn(problem: MoonsProblem) -> Callable[[], tuple]:
    """The step as a user writes it with ``nn`` and ``optim``."""
    import optim

    _, params, loss = nn_problem(problem)
    optimizer = optim.SGD(params, lr=LEARNING_RATE)

    def step() -> tuple[float, list[float]]:
        total = loss()
        optimizer.zero_grad()
        total.backward()
        grads = [p.grad for p in params]
        optimizer.step()
        return total.data, grads

    return step


def traced_moons_step_nn(problem: MoonsProblem) -> Callable[[], tuple]:
    """``moons_step_nn``'s step with the loss closure traced once and replayed."""
    import optim
    from autograd_lite import trace

    _, params, loss = nn_problem(problem)
    optimizer = optim.SGD(params, lr=LEARNING_RATE)
    f = trace(loss)

    def step() -> tuple[float, list[float]]:
        optimizer.zero_grad()
        total = f.backward()
        grads = [p.grad for p in params]
        optimizer.step()
        return total, grads

    return step


# --- chain ------------------------------------------------------------------------------------


def chain_scalar(value_class: type, n: int) -> Callable[[], float]:
    def run() -> float:
        x = value_class(0.5)
        y = x
        for _ in range(n):
            y = y * 1.0001 + 0.0001
        y.backward()
        return x.grad

    return run


def chain_body(x: Any, n: int) -> Any:
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    return y


def traced_chain(n: int) -> Callable[[], float]:
    """The chain recorded once with x as its input (slow for large N: call it untimed)."""
    from autograd_lite import trace

    f = trace(lambda x: chain_body(x, n), 0.5)

    def run() -> float:
        return f.grad(0.5)[1][0]  # type: ignore[no-any-return]

    return run


def chain_torch(n: int) -> Callable[[], float]:
    import torch

    def run() -> float:
        x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 1.0001 + 0.0001
        y.backward()
        return x.grad.item()

    return run
