"""The course notes' four-point problem: one sigmoid neuron fitted by four descent methods.

D = {((−3,−3), 1), ((−2,−2), 1), ((4,4), 0), ((2,−5), 0)}, ŷ = σ(w₁₁x₁ + w₁₂x₂) and the total
squared error E(w) = Σᵢ (yⁱ − ŷⁱ)², minimised over w = (w₁₁, w₁₂) by

* gradient descent with a fixed step: wₖ₊₁ = wₖ − α ∇E(wₖ);
* gradient descent with the exact line search αₖ = argmin_{α>0} E(wₖ − α ∇E(wₖ));
* SGD: wₖ₊₁ = wₖ − γₖ ∇eʲ(wₖ) for one sample j drawn at random, γₖ = 1/(k+1);
* mini-batch SGD: wₖ₊₁ = wₖ − γₖ Σ_{j∈Bₖ} ∇eʲ(wₖ) for a random block Bₖ, γₖ = 1/(k+1).

E has no minimiser: it tends to 0 as w₁₁ → −∞ with w₁₂ near 0, so the methods head down the
valley on the left of the picture. Each stops early once ‖∇E(w)‖₂ < 1e-8, the notes' rule
‖∇E‖₂ = 0 in floating point. Writes the loss surface with the four trajectories and E per step.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import optim
from autograd_lite import Value

from _data import FOUR_POINTS_X, FOUR_POINTS_Y, FloatArray
from _output import figure, parser, positive_int, save

#: ‖∇E(w)‖₂ below this counts as the notes' ‖∇E‖₂ = 0.
TOL = 1e-8


@dataclass
class Run:
    """One method's trajectory w⁰, w¹, … and E at each point."""

    name: str
    path: FloatArray
    errors: FloatArray


def error(w: Sequence[Value], samples: Sequence[int]) -> Value:
    """Σ_{i ∈ samples} (yⁱ − σ(w₁₁x₁ⁱ + w₁₂x₂ⁱ))², built from Values."""
    terms = []
    for i in samples:
        x1, x2 = FOUR_POINTS_X[i]
        y_hat = (w[0] * float(x1) + w[1] * float(x2)).sigmoid()
        terms.append((float(FOUR_POINTS_Y[i]) - y_hat) ** 2)
    return sum(terms[1:], start=terms[0])


def error_surface(W11: FloatArray, W12: FloatArray) -> FloatArray:
    """E on a grid of (w₁₁, w₁₂), in NumPy (the picture needs tens of thousands of points)."""
    a = W11[..., np.newaxis] * FOUR_POINTS_X[:, 0] + W12[..., np.newaxis] * FOUR_POINTS_X[:, 1]
    y_hat = 0.5 * (1.0 + np.tanh(0.5 * a))  # σ(a), without overflow for large |a|
    result: FloatArray = np.sum((FOUR_POINTS_Y - y_hat) ** 2, axis=-1)
    return result


def descend(
    name: str,
    start: Sequence[float],
    make: Callable[[list[Value]], optim.Optimizer],
    samples: Callable[[int], Sequence[int]],
    steps: int,
) -> Run:
    """Up to ``steps`` steps of the optimiser on the error of ``samples(k)`` at step k."""
    w = [Value(start[0], "w11"), Value(start[1], "w12")]
    optimizer = make(w)
    path, errors = [[p.data for p in w]], [error(w, range(4)).data]
    for k in range(steps):
        full = error(w, range(4))
        full.backward()
        if optim.grad_norm(w) < TOL:
            break
        block = samples(k)

        def closure(block: Sequence[int] = block) -> Value:
            optimizer.zero_grad()
            e = error(w, block)
            e.backward()
            return e

        optimizer.step(closure)
        path.append([p.data for p in w])
        errors.append(error(w, range(4)).data)
        optimizer.zero_grad()
    return Run(name, np.array(path), np.array(errors))


def gradient_norm(w: FloatArray) -> float:
    """‖∇E(w)‖₂ from the engine."""
    values = [Value(float(w[0])), Value(float(w[1]))]
    error(values, range(4)).backward()
    return optim.grad_norm(values)


STYLES = {"color": ("#1b9e77", "#d95f02", "#7570b3", "#e7298a"), "marker": ("o", "s", "^", "D")}


def surface_figure(runs: list[Run], grid: int) -> Figure:
    """Left: E over (w₁₁, w₁₂) with the trajectories. Right: E(wₖ) against the step k."""
    fig = figure(6.0, 5.0, columns=2)
    left, right = fig.subplots(1, 2)
    W11, W12 = np.meshgrid(np.linspace(-5.5, 1.5, grid), np.linspace(-2.5, 2.5, grid))
    E = error_surface(W11, W12)
    filled = left.contourf(W11, W12, E, levels=np.linspace(0.0, 4.0, 17), cmap="Greys")
    left.contour(W11, W12, E, levels=[0.01, 0.1, 0.5, 1.0, 2.0, 3.0], colors="0.35", linewidths=0.6)
    fig.colorbar(filled, ax=left, label="E(w)", shrink=0.85)
    for run, colour, marker in zip(runs, STYLES["color"], STYLES["marker"]):
        left.plot(
            *run.path.T, color=colour, marker=marker, markersize=3, linewidth=1.2, label=run.name
        )
        right.plot(range(len(run.errors)), run.errors, color=colour, label=run.name)
    start = runs[0].path[0]
    left.plot(*start, marker="*", color="black", markersize=12, linestyle="none", label="start w⁰")
    left.set(
        xlabel="w₁₁",
        ylabel="w₁₂",
        xlim=(-5.5, 1.5),
        ylim=(-2.5, 2.5),
        title="E(w) = Σᵢ (yⁱ − σ(w₁₁x₁ⁱ + w₁₂x₂ⁱ))²",
    )
    left.legend(loc="lower left", fontsize=8, framealpha=0.9)
    right.set_yscale("log")
    right.set(xlabel="step k", ylabel="E(wₖ) (log scale)", title="the error after each step")
    right.grid(True, which="major", alpha=0.3)
    right.legend(fontsize=8)
    return fig


def four_methods(args: argparse.Namespace, start: Sequence[float]) -> list[Run]:
    """The notes' four methods from ``start``: GD with the fixed step ``args.alpha``, GD with
    the exact line search, SGD with γₖ = 1/(k+1) on one random point a step, and mini-batch SGD
    on ``args.batch`` of the four points, with the steps and the seed of ``args``."""
    rng = np.random.default_rng(args.seed)
    everything = [0, 1, 2, 3]
    return [
        descend(
            f"GD, fixed step α = {args.alpha:g}",
            start,
            lambda w: optim.GradientDescent(w, lr=args.alpha, line_search=None),
            lambda k: everything,
            args.steps,
        ),
        descend(
            "GD, exact line search",
            start,
            lambda w: optim.GradientDescent(w, line_search="exact"),
            lambda k: everything,
            args.exact_steps,
        ),
        descend(
            "SGD, γₖ = 1/(k+1)",
            start,
            lambda w: optim.SGD(w, lr=optim.inverse_time(1.0)),
            lambda k: [int(rng.integers(4))],
            args.steps,
        ),
        descend(
            f"mini-batch SGD, |B| = {args.batch}, γₖ = 1/(k+1)",
            start,
            lambda w: optim.SGD(w, lr=optim.inverse_time(1.0)),
            lambda k: sorted(rng.choice(4, size=args.batch, replace=False).tolist()),
            args.steps,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> list[Path]:
    """Run the four methods, print where they end, write the picture; return its path."""
    args = arguments(argv)
    start = args.start
    runs = four_methods(args, start)
    print("four-point problem: ŷ = σ(w₁₁x₁ + w₁₂x₂), E(w) = Σᵢ (yⁱ − ŷⁱ)²")
    print(f"start w⁰ = ({start[0]:g}, {start[1]:g}), E(w⁰) = {runs[0].errors[0]:.4f}")
    print(f"{'method':<38} {'steps':>5} {'w₁₁':>9} {'w₁₂':>9} {'E(w)':>10} {'‖∇E(w)‖₂':>10}")
    for run in runs:
        w = run.path[-1]
        print(
            f"{run.name:<38} {len(run.path) - 1:>5} {w[0]:>9.4f} {w[1]:>9.4f} "
            f"{run.errors[-1]:>10.3g} {gradient_norm(w):>10.3g}"
        )
    return save(args.out, {"four_points.png": surface_figure(runs, args.grid)})


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    cli = parser(__doc__)
    cli.add_argument(
        "--start",
        type=float,
        nargs=2,
        default=[0.5, 0.5],
        metavar=("W11", "W12"),
        help="the starting point w⁰",
    )
    cli.add_argument("--alpha", type=float, default=0.5, help="the fixed step of GD")
    cli.add_argument(
        "--steps",
        type=positive_int,
        default=100,
        help="steps of fixed-step GD, SGD and mini-batch SGD",
    )
    cli.add_argument(
        "--exact-steps",
        type=positive_int,
        default=20,
        help="steps of GD with the exact line search",
    )
    cli.add_argument(
        "--batch", type=int, choices=(1, 2, 3, 4), default=2, help="the mini-batch size |B|"
    )
    cli.add_argument("--grid", type=positive_int, default=300, help="grid size of the surface")
    cli.add_argument("--seed", type=int, default=0, help="seed of the samples SGD draws")
    return cli.parse_args(argv)


if __name__ == "__main__":
    main()
