"""Remake the pictures of docs/rendering.md:  .venv/bin/python docs/make_pictures.py

Writes each picture as SVG (for the web) and PNG (for viewers that show no SVG) into docs/.
Needs Graphviz's ``dot`` (``make dot``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nn
from autograd_lite import Value, render_graph, sigmoid
from autograd_lite.files import write_atomically

DOCS = Path(__file__).resolve().parent


def neuron() -> None:
    """The neuron of the course notes, drawn by the command line exactly as a user would."""
    argv = ["graph", "tanh(w1*x1 + w2*x2 + b)", "--at", "x1=2", "x2=0", "w1=-3", "w2=1"]
    argv += ["b=6.8813735870195432"]
    for suffix in (".svg", ".png"):
        command = [sys.executable, "-m", "autograd_lite", *argv, "-o", f"neuron{suffix}"]
        subprocess.run(command, cwd=DOCS, check=True, stdout=subprocess.DEVNULL)


def vanishing() -> None:
    """A chain of four sigmoid units, h ← σ(w·h + b), coloured by log₁₀|grad|, top to bottom.

    σ′ ≤ 1/4, so each unit scales the gradient flowing back by at most w/4: the parameters of
    the first unit receive a gradient about a hundred times smaller than those of the last.
    """
    h: Value = Value(1.0, "x")
    for k in range(1, 5):
        w, b = Value(1.0, f"w{k}"), Value(0.5, f"b{k}")
        h = sigmoid(w * h + b)
    loss = (h - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    for suffix in (".svg", ".png"):
        render_graph(loss, DOCS / f"vanishing_gradients{suffix}", color_by="grad", rankdir="TB")


def network() -> None:
    """A 3 → 4 → 4 → 1 tanh MLP after twenty steps of gradient descent on four examples."""
    mlp = nn.MLP(3, [4, 4, 1], activation="tanh", seed=1)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    for _ in range(20):
        mlp.zero_grad()
        loss: Value | float = 0.0
        for x, y in zip(xs, ys):
            loss = loss + (mlp(x)[0] - y) ** 2
        assert isinstance(loss, Value)
        loss.backward()
        for p in mlp.parameters():
            p.data -= 0.05 * p.grad
    for show, name in (("weights", "mlp_weights"), ("grads", "mlp_grads")):
        dot = nn.draw_network(mlp, show=show)  # type: ignore[arg-type]
        for fmt in ("svg", "png"):
            write_atomically(DOCS / f"{name}.{fmt}", dot.pipe(format=fmt))


if __name__ == "__main__":
    neuron()
    vanishing()
    network()
