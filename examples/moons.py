"""Two moons: an MLP 2-16-16-1 with ReLU learns to separate them with the max-margin loss.

The classic demo of a scalar autograd engine, on 100 points made with NumPy. The model's score
s(x) is its single linear output and the predicted class is sign s(x). Training minimises

    L(w) = (1/n) Σᵢ max(0, 1 − yᵢ s(xᵢ)) + λ/2 Σ w²      (hinge loss, L2 on the weights)

by full-batch SGD, w ← w − γₖ ∇L(w), with γₖ decaying linearly from 1.0 to 0.1 over the
epochs (``optim.linear(1.0, 0.1, epochs)``). Writes the decision boundary and the training
curves; ``main(draw_network=True)`` (the demo) also draws the trained network by weight.

Training runs ``fit(..., compile=True)``: one sample's loss is traced once and every epoch's
batch is replayed on NumPy arrays, the same numbers as building the graph of every sample
each epoch, to 1e-12. ``--eager`` also trains the same network that way, from the same start,
and prints both times and how far apart the two trained networks are. The scores for the
accuracy and the picture come from ``mlp.predict`` (the network replayed on the batch).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import nn
import optim
from autograd_lite import Value

from _data import FloatArray, make_moons
from _output import (
    figure,
    network_pictures,
    parser,
    positive_int,
    save,
    scatter_classes,
    training_curves,
)


def scores(mlp: nn.MLP, X: FloatArray) -> FloatArray:
    """s(x) for each row of X, without building a graph per row (``mlp.predict``)."""
    result: FloatArray = mlp.predict(X)[:, 0]
    return result


def accuracy(mlp: nn.MLP, X: FloatArray, y: FloatArray) -> float:
    """The fraction of points on their side: sign s(xᵢ) = yᵢ (a score of 0 counts as wrong)."""
    return float(np.mean(np.sign(scores(mlp, X)) == y))


def hinge(output: list[Value], target: float) -> Value:
    """max(0, 1 − y·s): zero once a point is on its side with a margin of 1."""
    return nn.hinge_loss(output[0], target)


def boundary_figure(mlp: nn.MLP, X: FloatArray, y: FloatArray, grid: int, title: str) -> Figure:
    """The plane coloured by the predicted class, the line s(x) = 0, and the points."""
    x0 = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, grid)
    x1 = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, grid)
    g0, g1 = np.meshgrid(x0, x1)
    s = scores(mlp, np.column_stack([g0.ravel(), g1.ravel()])).reshape(g0.shape)
    fig = figure(6.4, 5.0)
    ax = fig.subplots()
    ax.contourf(g0, g1, s, levels=[-np.inf, 0.0, np.inf], colors=["#fbd5bd", "#c6dbef"])
    ax.contour(g0, g1, s, levels=[0.0], colors="black", linewidths=1.5)
    scatter_classes(ax, X, y, linewidths=0.6, s=40)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", title="line: s(x) = 0", framealpha=0.9)
    ax.set_title(title)
    return fig


def network(args: argparse.Namespace) -> nn.MLP:
    """The untrained MLP 2-h-h-1 of the seed."""
    return nn.MLP(2, [args.hidden, args.hidden, 1], "relu", seed=args.seed)


def train(
    mlp: nn.MLP, X: FloatArray, y: FloatArray, args: argparse.Namespace, compile: bool
) -> tuple[optim.History, list[float], float]:
    """``mlp`` trained by ``fit``: its History, the training accuracy after each epoch, and
    the seconds ``fit`` took (the accuracies included)."""
    accuracies: list[float] = []
    started = time.perf_counter()
    history = optim.fit(
        mlp,
        list(X),
        list(y),
        loss=hinge,
        optimizer=optim.SGD(mlp.parameters(), lr=optim.linear(1.0, 0.1, args.epochs)),
        epochs=args.epochs,
        regularization=lambda model: nn.l2_penalty(model, args.lam),
        seed=args.seed,
        callbacks=[lambda epoch, _: accuracies.append(accuracy(mlp, X, y))],
        compile=compile,
    )
    return history, accuracies, time.perf_counter() - started


def main(argv: Sequence[str] | None = None, *, draw_network: bool = False) -> list[Path]:
    """Train, print the results, write the pictures; return their paths.

    With ``draw_network`` also ``moons_network.svg`` and ``.png``, the trained MLP with its
    edges sized by weight (skipped, with a note, where Graphviz's ``dot`` is missing).
    """
    args = arguments(argv)
    X, y = make_moons(args.samples, noise=args.noise, seed=args.seed)
    print(f"two moons: {len(X)} points (noise {args.noise}, seed {args.seed})")
    mlp = network(args)
    print(f"model: {mlp!r}")
    print(f"training: {args.epochs} epochs of full-batch SGD, γ from 1.0 to 0.1, λ = {args.lam}")
    history, accuracies, seconds = train(mlp, X, y, args, compile=True)
    _stop_if_empty(history)
    print(
        f"fit(..., compile=True): one sample's loss traced, each epoch replayed on NumPy "
        f"arrays: {seconds:.2f} s"
    )
    cut_short = history.interrupted
    if args.eager and not cut_short:
        cut_short = _compare_with_eager(mlp, X, y, args, seconds)
    final = accuracies[-1]
    end = "at the end" if history.stop_reason == "completed" else history.outcome
    print(f"training objective: {history.loss[0]:.4f} at the start, {history.loss[-1]:.4f} {end}")
    print(f"training accuracy: {100 * final:.1f}% ({round(final * len(X))}/{len(X)})")

    shape = f"2-{args.hidden}-{args.hidden}-1 ReLU MLP"
    curves = {"training accuracy": accuracies}
    drawn = network_pictures(mlp, args.out, "moons_network") if draw_network else []
    paths = save(
        args.out,
        {
            "moons_boundary.png": boundary_figure(
                mlp, X, y, args.grid, f"{shape}: training accuracy {final:.0%}"
            ),
            "moons_loss.png": training_curves(history.loss, curves, f"{shape} on the two moons"),
        },
        also=drawn,
    )
    if cut_short:
        raise SystemExit(130)  # results and pictures are out; still say it was cut short
    return paths


def _stop_if_empty(history: optim.History) -> None:
    if not history:
        print(f"training {history.outcome}: nothing to report")
        raise SystemExit(130)  # the shell's code for "stopped by SIGINT"


def _compare_with_eager(
    mlp: nn.MLP, X: FloatArray, y: FloatArray, args: argparse.Namespace, compiled: float
) -> bool:
    """Train the same network eagerly from the same start; print its time beside the
    compiled run's, and the largest difference between the two trained networks. Returns
    whether Ctrl-C cut the eager run short (the compiled run's results are reported all the
    same)."""
    eager = network(args)
    history, _, seconds = train(eager, X, y, args, compile=False)
    if history.interrupted:
        print(f"fit(...) eagerly: {history.outcome}, after {seconds:.2f} s")
        return True
    largest = max(abs(a.data - b.data) for a, b in zip(mlp.parameters(), eager.parameters()))
    print(
        f"fit(...) eagerly, the graph of every sample built each epoch: {seconds:.2f} s, "
        f"{seconds / compiled:.1f}× the compiled run's {compiled:.2f} s; the two trained "
        f"networks' parameters differ by at most {largest:.1e}"
    )
    return False


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    cli = parser(__doc__)
    cli.add_argument("--samples", type=positive_int, default=100, help="number of points")
    cli.add_argument("--noise", type=float, default=0.1, help="std of the noise on the points")
    cli.add_argument("--hidden", type=positive_int, default=16, help="width of both hidden layers")
    cli.add_argument("--epochs", type=positive_int, default=100, help="full-batch SGD steps")
    cli.add_argument("--lam", type=float, default=1e-4, help="λ of the L2 penalty λ/2 Σ w²")
    cli.add_argument("--grid", type=positive_int, default=120, help="grid size of the boundary")
    cli.add_argument("--seed", type=int, default=0, help="seed of the data and the initial weights")
    cli.add_argument(
        "--eager",
        action="store_true",
        help="also train the same network eagerly (fit without compile) and print both times",
    )
    return cli.parse_args(argv)


if __name__ == "__main__":
    main()
