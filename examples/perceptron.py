"""The notes' homework: the perceptron rule is SGD, and gradient descent beside it.

The notes ask to compare gradient descent with the perceptron training algorithm and to read
the perceptron update as optimisation. With labels y ∈ {−1, +1} and the classifier sign(wᵀx):

* the perceptron rule visits the samples in turn and, on a mistake (y·wᵀx ≤ 0), sets
  w ← w + y·x;
* that is SGD with step 1 on the perceptron loss ℓᵢ(w) = max(0, −yᵢwᵀxᵢ), one sample a step:
  ∇ℓᵢ(w) = −yᵢxᵢ where yᵢwᵀxᵢ < 0 and 0 where it is > 0, so w − 1·∇ℓᵢ(w) is the rule. At the
  kink yᵢwᵀxᵢ = 0 every −t·yᵢxᵢ with t ∈ [0, 1] is a subgradient; the rule's "≤ 0 is a mistake"
  takes t = 1. Built from Values as ``maximum([-y * wᵀx, 0])``, whose gradient goes to the first
  operand that attains the maximum, the loss takes t = 1 too. As ``relu(-y * wᵀx)`` it takes
  ReLU′(0) = 0, t = 0, and SGD from w = 0 never moves: E(0) = 0 is the loss's trivial minimum;
* gradient descent with step 1 on E(w) = Σᵢ ℓᵢ(w) is the batch perceptron,
  w ← w + Σ_{mistakes} yᵢxᵢ, every sample's update at once;
* gradient descent on the hinge loss Σᵢ max(0, 1 − yᵢwᵀxᵢ) (margin 1) also moves for the
  points on the right side by less than 1, and w = 0 is no minimum of it.

On the notes' four points (their labels 1 and 0 as +1 and −1; no bias, as the notes' neuron
has none) and on a larger separable set with a bias (x = (x₁, x₂, 1)), it prints the first
updates side by side and the mistakes per epoch, and draws the boundaries wᵀx = 0 as training
goes. Then, on the four-point problem of the notes, E(w) = Σᵢ (yⁱ − σ(w₁₁x₁ⁱ + w₁₂x₂ⁱ))², it
draws E(wₖ) − E* against k on log-log axes (E* = inf E = 0, approached as w₁₁ → −∞: E has no
minimiser) for GD with a fixed step, GD with the exact line search, SGD with γₖ = 1/(k+1) and
mini-batch SGD, with the rate each shows: the order p of E(wₖ) − E* ≈ C·k⁻ᵖ over the last
decade of its steps, and the factor E falls by per step over the first ten. Gradient descent
with a fixed step goes down the valley at about p = 1 (O(1/k)). The exact line search falls
by a steady factor a step (linear convergence) as long as its step αₖ can grow, until αₖ
reaches the line search's cap ``max_step`` = 10⁶; from there it is GD with that fixed step,
until ‖∇E‖₂ < 1e-8 stops it. The steps γₖ = 1/(k+1) of the SGDs add up only like log k, and
their E falls far more slowly (small p).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from four_points import Run, four_methods
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

import nn
import optim
from autograd_lite import Value, affine, maximum, total

from _data import FOUR_POINTS_X, FOUR_POINTS_Y, FloatArray
from _output import figure, parser, positive_int, save, scatter_classes

#: A loss of one sample: ℓ(w; x, y) built from the Values w and the numbers x, y.
Loss = Callable[[list[Value], FloatArray, float], Value]


def perceptron_loss(w: list[Value], x: FloatArray, y: float) -> Value:
    """max(−y·wᵀx, 0) as one max node: at the kink its gradient goes to −y·wᵀx (t = 1)."""
    return maximum([-y * affine(w, x.tolist()), 0.0])


def relu_perceptron_loss(w: list[Value], x: FloatArray, y: float) -> Value:
    """The same loss as relu(−y·wᵀx): ReLU′(0) = 0 takes the subgradient 0 at the kink."""
    return (-y * affine(w, x.tolist())).relu()


def hinge(w: list[Value], x: FloatArray, y: float) -> Value:
    """max(0, 1 − y·wᵀx): zero only once a point is on its side with a margin of 1."""
    return nn.hinge_loss(affine(w, x.tolist()), y)


@dataclass
class Training:
    """One method on one data set: w after each step, the step's sample (None: all of them),
    and the mistakes (points with y·wᵀx ≤ 0 met) in each epoch."""

    name: str
    path: list[list[float]] = field(default_factory=list)
    samples: list[int | None] = field(default_factory=list)
    mistakes: list[int] = field(default_factory=list)

    def after_epochs(self, steps_per_epoch: int) -> list[list[float]]:
        """w at the start and after each epoch."""
        return self.path[::steps_per_epoch]


def score(w: Sequence[float], x: FloatArray) -> float:
    """wᵀx summed as ``affine`` sums it, 0.0 + w₀x₀ + w₁x₁ + …, so a tie is a tie for both."""
    s = 0.0
    for a, b in zip(w, x.tolist()):
        s += a * b
    return s


def perceptron_rule(X: FloatArray, y: FloatArray, epochs: int) -> Training:
    """The perceptron on plain floats, samples in order: on y·wᵀx ≤ 0, w ← w + y·x."""
    run = Training("perceptron rule", [[0.0] * X.shape[1]])
    for _ in range(epochs):
        run.mistakes.append(0)
        for i, (x, label) in enumerate(zip(X, y.tolist())):
            w = run.path[-1]
            if label * score(w, x) <= 0.0:
                w = [a + label * b for a, b in zip(w, x.tolist())]
                run.mistakes[-1] += 1
            run.path.append(w)
            run.samples.append(i)
    return run


def sgd(X: FloatArray, y: FloatArray, epochs: int, loss: Loss, name: str) -> Training:
    """``optim.SGD`` with step 1 on one sample's loss at a time, samples in order."""
    w = [Value(0.0, f"w{j + 1}") for j in range(X.shape[1])]
    optimizer = optim.SGD(w, lr=1.0)
    run = Training(name, [[0.0] * len(w)])
    for _ in range(epochs):
        run.mistakes.append(0)
        for i, (x, label) in enumerate(zip(X, y.tolist())):
            run.mistakes[-1] += label * score(run.path[-1], x) <= 0.0

            def closure(x: FloatArray = x, label: float = label) -> Value:
                optimizer.zero_grad()
                value = loss(w, x, label)
                value.backward()
                return value

            optimizer.step(closure)
            run.path.append([p.data for p in w])
            run.samples.append(i)
    return run


def gradient_descent(
    X: FloatArray, y: FloatArray, steps: int, loss: Loss, lr: float, name: str
) -> Training:
    """``optim.GradientDescent`` with a fixed step on E(w) = Σᵢ ℓᵢ(w): one step an epoch."""
    w = [Value(0.0, f"w{j + 1}") for j in range(X.shape[1])]
    optimizer = optim.GradientDescent(w, lr=lr, line_search=None)
    run = Training(name, [[0.0] * len(w)])

    def closure() -> Value:
        optimizer.zero_grad()
        value = total([loss(w, x, label) for x, label in zip(X, y.tolist())])
        value.backward()
        return value

    for _ in range(steps):
        run.mistakes.append(sum(b * score(run.path[-1], x) <= 0.0 for x, b in zip(X, y.tolist())))
        optimizer.step(closure)
        run.path.append([p.data for p in w])
        run.samples.append(None)
    return run


@dataclass
class Problem:
    """A linearly separable data set: rows x (with a last 1 if there is a bias), labels ±1."""

    name: str
    X: FloatArray
    y: FloatArray
    bias: bool


def four_points() -> Problem:
    """The notes' D, labels 1 → +1 and 0 → −1, no bias (their neuron has none)."""
    return Problem(
        "the notes' four points", FOUR_POINTS_X, np.where(FOUR_POINTS_Y > 0, 1.0, -1.0), False
    )


def separable(n: int, seed: int, margin: float = 0.15) -> Problem:
    """n points in [0, 4]², labelled by the side of the line x₂ = 0.6x₁ + 0.8 they are on, none
    closer to it than ``margin``; x = (x₁, x₂, 1), the last weight a bias."""
    rng = np.random.default_rng(seed)
    normal, offset = np.array([-0.6, 1.0]), -0.8
    points: list[FloatArray] = []
    while len(points) < n:
        p = rng.uniform(0.0, 4.0, 2)
        if abs(p @ normal + offset) / np.linalg.norm(normal) >= margin:
            points.append(p)
    X = np.array(points)
    y = np.sign(X @ normal + offset)
    return Problem(f"{n} separable points, with a bias", np.column_stack([X, np.ones(n)]), y, True)


def methods(problem: Problem, args: argparse.Namespace) -> list[Training]:
    """The perceptron rule, SGD with step 1 on the perceptron loss, GD on it, GD on the hinge."""
    X, y, epochs = problem.X, problem.y, args.epochs
    return [
        perceptron_rule(X, y, epochs),
        sgd(X, y, epochs, perceptron_loss, "SGD, step 1, on max(−y·wᵀx, 0)"),
        gradient_descent(X, y, epochs, perceptron_loss, 1.0, "GD, step 1, on Σ max(−y·wᵀx, 0)"),
        gradient_descent(
            X, y, epochs, hinge, args.hinge_step, f"GD, step {args.hinge_step:g}, on Σ hinge"
        ),
    ]


def shown(w: Sequence[float]) -> str:
    return "(" + ", ".join(f"{a:.4g}" for a in w) + ")"


def print_updates(problem: Problem, runs: list[Training], show: int) -> None:
    """The first online steps (the rule beside SGD), then the first GD steps, side by side."""
    rule, stochastic, batch, margin = runs
    print(f"  step  sample  y·wᵀx before  {'perceptron rule: w':<28} SGD on the loss: w")
    for k in range(min(show, len(rule.samples))):
        i = rule.samples[k]
        assert i is not None
        before = problem.y[i] * score(rule.path[k], problem.X[i]) + 0.0  # not −0
        print(
            f"  {k + 1:>4}  {i + 1:>6}  {before:>13.4g}  {shown(rule.path[k + 1]):<28} "
            f"{shown(stochastic.path[k + 1])}"
        )
    print(f"  step  {'GD on Σ max(−y·wᵀx, 0): w':<34} GD on Σ hinge: w")
    for k in range(min(3, len(batch.samples))):
        print(f"  {k + 1:>4}  {shown(batch.path[k + 1]):<34} {shown(margin.path[k + 1])}")


def same_iterates(rule: Training, stochastic: Training) -> None:
    """The rule and SGD on the loss must agree bit for bit, or the example fails."""
    if rule.path != stochastic.path:
        k = next(k for k, (a, b) in enumerate(zip(rule.path, stochastic.path)) if a != b)
        sys.exit(f"perceptron: SGD on the perceptron loss left the rule at step {k}")


def print_mistakes(runs: list[Training]) -> None:
    """Mistakes per epoch: points met with y·wᵀx ≤ 0 (GD: at the start of the step)."""
    for run in runs:
        if run is runs[1]:
            continue  # SGD: the rule's, step for step
        last = max((e for e, m in enumerate(run.mistakes) if m), default=-1) + 1
        clean = f"none from epoch {last + 1} on" if last < len(run.mistakes) else "not done"
        counts = " ".join(str(m) for m in run.mistakes)
        print(f"  {run.name:<36} {counts}  ({clean})")


# --- Pictures -------------------------------------------------------------------------------


def boundary(ax: Axes, w: Sequence[float], bias: bool, style: dict[str, object]) -> None:
    """The line w₁x₁ + w₂x₂ (+ w₃) = 0 across the axes (nothing for w = 0)."""
    a, b, c = w[0], w[1], (w[2] if bias else 0.0)
    (left, right), (bottom, top) = ax.get_xlim(), ax.get_ylim()
    if abs(b) >= abs(a) and b != 0.0:
        xs = np.array([left, right])
        ax.plot(xs, -(a * xs + c) / b, **style)  # type: ignore[arg-type]
    elif a != 0.0:
        ys = np.array([bottom, top])
        ax.plot(-(b * ys + c) / a, ys, **style)  # type: ignore[arg-type]


def draw_problem(ax: Axes, problem: Problem, run: Training, steps_per_epoch: int) -> None:
    """The points and the boundary after each epoch, light to dark, the last one bold."""
    X, y = problem.X, problem.y
    pad = 1.0
    ax.set_xlim(X[:, 0].min() - pad, X[:, 0].max() + pad)
    ax.set_ylim(X[:, 1].min() - pad, X[:, 1].max() + pad)
    ax.set_autoscale_on(False)
    epochs = run.after_epochs(steps_per_epoch)[1:]
    # Up to the epoch after which w no longer changes (or the last one).
    moving = [e for e in range(1, len(epochs)) if epochs[e] != epochs[e - 1]]
    shown_epochs = epochs[: (moving[-1] + 1 if moving else 1)]
    colours = np.linspace(0.15, 0.85, max(len(shown_epochs), 1))
    for e, w in enumerate(shown_epochs):
        final = e == len(shown_epochs) - 1
        style = {
            "color": "black" if final else str(1.0 - colours[e]),
            "linewidth": 2.0 if final else 0.8,
        }
        boundary(ax, w, problem.bias, style)
    scatter_classes(ax, X, y, s=36)
    unchanged = len(shown_epochs) < len(epochs)
    count = len(shown_epochs)
    after = "w after epoch 1" if count == 1 else f"w after epochs 1 to {count}"
    after += ", then unchanged" if unchanged else ""
    ax.set_title(f"{run.name}\n{after}", fontsize=9)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")


def boundaries_figure(problems: list[tuple[Problem, list[Training]]]) -> Figure:
    """Rows: the data sets; columns: the rule (= SGD), GD on the loss, GD on the hinge."""
    fig = figure(4.0, 3.8 * len(problems), columns=3)
    axes = fig.subplots(len(problems), 3, squeeze=False)
    for row, (problem, runs) in zip(axes, problems):
        for ax, run in zip(row, [runs[0], runs[2], runs[3]]):
            draw_problem(ax, problem, run, len(problem.y) if run.samples[0] is not None else 1)
        row[0].legend(loc="lower left", fontsize=7, framealpha=0.9)
    fig.suptitle("Decision boundaries wᵀx = 0 after each epoch (light: early; black: the last)")
    return fig


def mistakes_figure(problems: list[tuple[Problem, list[Training]]]) -> Figure:
    """Mistakes per epoch for each method, one panel a data set."""
    fig = figure(5.0, 4.0, columns=len(problems))
    for ax, (problem, runs) in zip(fig.subplots(1, len(problems), squeeze=False)[0], problems):
        for run, style in zip(runs, ("-o", ":x", "--s", "-.^")):
            ax.plot(
                range(1, len(run.mistakes) + 1), run.mistakes, style, markersize=4, label=run.name
            )
        ax.set(xlabel="epoch", ylabel="mistakes (y·wᵀx ≤ 0)", title=problem.name)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    return fig


# --- The four-point problem's rates ----------------------------------------------------------


def order(errors: FloatArray) -> float:
    """p of E(wₖ) − E* ≈ C·k⁻ᵖ, fitted by least squares on log-log axes over the last decade
    of the steps (E* = 0)."""
    k = np.arange(1, len(errors))
    tail = k >= max(1, len(k) // 10)
    slope = np.polyfit(np.log(k[tail]), np.log(errors[1:][tail]), 1)[0]
    return float(-slope)


def early_ratio(errors: FloatArray) -> float:
    """The median of E(wₖ₊₁)/E(wₖ) over the first ten steps: below 1 and steady, a linear
    (geometric) rate."""
    first = errors[:11]
    return float(np.median(first[1:] / first[:-1]))


def rates(args: argparse.Namespace) -> list[tuple[Run, float]]:
    """The four methods of the notes on E(w) = Σᵢ (yⁱ − σ(wᵀxⁱ))², from w⁰ = (0.5, 0.5)."""
    runs = four_methods(args, [0.5, 0.5])
    return [(run, order(run.errors)) for run in runs]


def rates_figure(runs: list[tuple[Run, float]]) -> Figure:
    """E(wₖ) − E* against k, both axes logarithmic, with each method's fitted order."""
    fig = figure(7.0, 5.0)
    ax = fig.subplots()
    for (run, p), colour in zip(runs, ("#1b9e77", "#d95f02", "#7570b3", "#e7298a")):
        k = np.arange(1, len(run.errors))
        ax.loglog(k, run.errors[1:], color=colour, label=f"{run.name}: ≈ C·k$^{{-{p:.2f}}}$")
    ax.set(
        xlabel="step k",
        ylabel="E(wₖ) − E*   (E* = inf E = 0)",
        title="The notes' four-point problem, E(w) = Σᵢ (yⁱ − σ(w₁₁x₁ⁱ + w₁₂x₂ⁱ))²",
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, title="order p fitted over the last decade of k")
    return fig


def main(argv: Sequence[str] | None = None) -> list[Path]:
    """Train every method on both data sets, print, draw; return the pictures' paths."""
    args = arguments(argv)
    print(
        "perceptron rule = SGD with step 1 on ℓᵢ(w) = max(−yᵢwᵀxᵢ, 0); ∇ℓᵢ(w) = −yᵢxᵢ on a mistake"
    )
    problems = []
    for problem in (four_points(), separable(args.points, args.seed)):
        runs = methods(problem, args)
        same_iterates(runs[0], runs[1])
        print(f"\n{problem.name}: w⁰ = 0, samples in order, {args.epochs} epochs")
        print_updates(problem, runs, args.show)
        print("  SGD on the loss built from Values gives the rule's iterates, bit for bit")
        print("  mistakes per epoch:")
        print_mistakes(runs)
        problems.append((problem, runs))
    stuck = sgd(problems[0][0].X, problems[0][0].y, 1, relu_perceptron_loss, "relu")
    print(
        f"\nwith relu(−y·wᵀx) instead (ReLU′(0) = 0), SGD from w = 0 ends its first epoch at "
        f"w = {shown(stuck.path[-1])}: every point is a tie, and 0 is the subgradient taken"
    )
    print("\nfour-point problem, E(w) = Σᵢ (yⁱ − σ(wᵀxⁱ))², E* = inf E = 0, from w⁰ = (0.5, 0.5):")
    measured = rates(args)
    for run, p in measured:
        steps = len(run.errors) - 1
        print(
            f"  {run.name:<38} {steps:>5} steps, E − E* = {run.errors[-1]:.3g}; "
            f"≈ C·k^−{p:.2f} over the last decade; ×{early_ratio(run.errors):.3f} a step "
            "over the first ten"
        )
    return save(
        args.out,
        {
            "perceptron_boundaries.png": boundaries_figure(problems),
            "perceptron_mistakes.png": mistakes_figure(problems),
            "perceptron_rates.png": rates_figure(measured),
        },
    )


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    cli = parser(__doc__)
    cli.add_argument("--epochs", type=positive_int, default=30, help="epochs of every method")
    cli.add_argument("--points", type=positive_int, default=40, help="size of the second set")
    cli.add_argument("--show", type=positive_int, default=8, help="first steps printed")
    cli.add_argument("--hinge-step", type=float, default=0.1, help="GD's step on the hinge")
    cli.add_argument("--alpha", type=float, default=0.5, help="the fixed step of GD (rates)")
    cli.add_argument(
        "--steps", type=positive_int, default=3000, help="steps of fixed-step GD and the SGDs"
    )
    cli.add_argument(
        "--exact-steps", type=positive_int, default=300, help="steps of the exact line search"
    )
    cli.add_argument("--batch", type=int, choices=(1, 2, 3, 4), default=2, help="mini-batch |B|")
    cli.add_argument("--seed", type=int, default=0, help="seed of the second set and of SGD")
    return cli.parse_args(argv)


if __name__ == "__main__":
    main()
