"""Newton's method against gradient descent on the Rosenbrock function, with exact Hessians.

f(x, y) = (1 − x)² + 100 (y − x²)² has its minimum f = 0 at (1, 1), at the end of a long,
curved, narrow valley where gradient descent zigzags. Newton's method rescales the step by the
curvature: wₖ₊₁ = wₖ − H(wₖ)⁻¹ ∇f(wₖ). The engine gives H: ``hessian(f, w)`` takes ∇f as
Values (``grad(f, w, create_graph=True)``) and differentiates each component again, a row of
the Hessian each

    H = [[2 − 400 (y − 3x²), −400x], [−400x, 200]].

Both methods start at the classic (−1.2, 1) and stop when ‖∇f‖₂ < tol. Prints the iterations
each needs; writes the paths on the contours of f and f(wₖ) against k.

With ``--trace`` the two gradient descents run a second time on a recording of f
(``autograd_lite.trace``): each closure call replays the tape instead of building the graph
again. The example checks that the replays give the same iterates bit for bit and prints both
wall times and their ratio.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

import optim
from autograd_lite import Value, grad, hessian, is_grad_enabled, trace

from _data import FloatArray
from _output import figure, parser, positive_int, save


def rosenbrock(w: Sequence[Value]) -> Value:
    """f(x, y) = (1 − x)² + 100 (y − x²)², as a graph of Values."""
    x, y = w
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def gradient_and_hessian(point: FloatArray) -> tuple[float, FloatArray, FloatArray]:
    """f, ∇f and the Hessian ∇²f at ``point``, all from the engine (second derivatives by
    differentiating the graph of the first, :func:`autograd_lite.hessian`)."""
    w = [Value(float(point[0]), "x"), Value(float(point[1]), "y")]
    f = rosenbrock(w)
    H = np.array(hessian(f, w), dtype=np.float64)
    return f.data, np.array(grad(f, w)), H


def newton(start: FloatArray, tol: float, max_iter: int) -> list[FloatArray]:
    """wₖ₊₁ = wₖ − H⁻¹∇f(wₖ) until ‖∇f‖₂ < tol; the iterates w⁰, w¹, …."""
    path = [start]
    for _ in range(max_iter):
        _, g, H = gradient_and_hessian(path[-1])
        if np.linalg.norm(g) < tol:
            break
        path.append(path[-1] - np.linalg.solve(H, g))
    return path


def gradient_descent(
    start: FloatArray, line_search: str, tol: float, max_iter: int, *, traced: bool = False
) -> list[FloatArray]:
    """wₖ₊₁ = wₖ − αₖ∇f(wₖ) with optim's line search, until ‖∇f‖₂ < tol; the iterates.

    ``traced``: the closure replays a recording of f instead of building its graph each call.
    """
    w = [Value(float(start[0]), "x"), Value(float(start[1]), "y")]
    optimizer = optim.GradientDescent(w, line_search=line_search)  # type: ignore[arg-type]
    closure = replaying(w, optimizer) if traced else building(w, optimizer)
    path = [start]
    for _ in range(max_iter):
        closure()
        if optim.grad_norm(w) < tol:
            break
        optimizer.step(closure)
        path.append(np.array([p.data for p in w]))
    return path


def building(w: list[Value], optimizer: optim.Optimizer) -> Callable[[], Value]:
    """The eager closure: f's graph built anew on every call, then its backward pass."""

    def closure() -> Value:
        optimizer.zero_grad()
        f = rosenbrock(w)
        f.backward()
        return f

    return closure


def replaying(w: list[Value], optimizer: optim.Optimizer) -> Callable[[], Value]:
    """The same closure on a tape: f recorded once with x and y as parameters, read live."""
    tape = trace(lambda: rosenbrock(w))

    def closure() -> Value:
        optimizer.zero_grad()
        # The line search calls the closure inside no_grad for its trial points, where eager
        # code makes no graph and its backward() adds nothing: a replay is not affected by
        # no_grad, so the closure asks for the forward pass only.
        return Value(tape.backward() if is_grad_enabled() else tape())

    return closure


def timed(run: Callable[[], list[FloatArray]]) -> tuple[list[FloatArray], float]:
    """``run()`` and its wall time in seconds."""
    began = time.perf_counter()
    path = run()
    return path, time.perf_counter() - began


def compare_replay(
    paths: dict[str, list[FloatArray]],
    seconds: dict[str, float],
    searches: dict[str, str],
    args: argparse.Namespace,
) -> None:
    """Run each gradient descent again on a tape; check its iterates, print both wall times."""
    print("the same runs on a traced tape, trace(lambda: rosenbrock(w)), replayed by each closure:")
    for name, search in searches.items():
        start = paths[name][0]
        path, replay = timed(
            partial(gradient_descent, start, search, args.tol, args.max_iter, traced=True)
        )
        if np.array(path).tobytes() != np.array(paths[name]).tobytes():
            raise SystemExit(f"{name}: the replayed iterates differ from eager code's")
        eager = seconds[name]
        print(
            f"  {name:<24} {len(path) - 1:>6} iterations, the same iterates bit for bit: "
            f"eager {eager:.2f} s, replay {replay:.2f} s, {eager / replay:.1f}× faster"
        )


def f_of(points: FloatArray) -> FloatArray:
    """f at each row (x, y), in NumPy."""
    x, y = points[..., 0], points[..., 1]
    result: FloatArray = (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2
    return result


def paths_figure(paths: dict[str, list[FloatArray]], grid: int) -> Figure:
    """Left: the paths on log-spaced contours of f. Right: f(wₖ) against k + 1, log-log."""
    fig = figure(6.0, 5.0, columns=2)
    left, right = fig.subplots(1, 2)
    # The contours cover every iterate (Newton's second one lands far below the valley).
    every = np.vstack([np.array(path) for path in paths.values()])
    low = np.minimum(every.min(axis=0), [-2.0, -1.0]) - 0.25
    high = np.maximum(every.max(axis=0), [2.0, 3.0]) + 0.25
    X, Y = np.meshgrid(np.linspace(low[0], high[0], grid), np.linspace(low[1], high[1], grid))
    F = f_of(np.stack([X, Y], axis=-1))
    levels = np.logspace(-1, 4, 16)
    lines = left.contour(
        X,
        Y,
        F,
        levels=levels,
        norm=LogNorm(levels[0], levels[-1]),
        cmap="viridis_r",
        linewidths=0.8,
    )
    fig.colorbar(lines, ax=left, label="f(x, y) (contours, log scale)", shrink=0.85)
    styles = (("#d95f02", "o"), ("#1b9e77", "."), ("#7570b3", "."))
    for (name, path), (colour, marker) in zip(paths.items(), styles):
        points = np.array(path)
        label = f"{name}: {len(points) - 1} iterations"
        left.plot(*points.T, color=colour, marker=marker, markersize=4, linewidth=1.2, label=label)
        right.loglog(
            np.arange(1, len(points) + 1), f_of(points) + 1e-300, color=colour, label=label
        )
    left.plot(
        -1.2,
        1.0,
        marker="*",
        color="black",
        markersize=12,
        linestyle="none",
        label="start (−1.2, 1)",
    )
    left.plot(
        1.0, 1.0, marker="P", color="red", markersize=10, linestyle="none", label="minimum (1, 1)"
    )
    left.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]))
    left.set(xlabel="x", ylabel="y", title="Rosenbrock f(x, y) = (1 − x)² + 100 (y − x²)²")
    left.legend(loc="upper left", fontsize=8, framealpha=0.9)
    right.set(
        xlabel="iteration k + 1 (log scale)",
        ylabel="f(wₖ) (log scale)",
        title="f after each iteration",
    )
    right.set_ylim(1e-20, 10.0 * max(float(f_of(np.array(path)).max()) for path in paths.values()))
    right.grid(True, which="major", alpha=0.3)
    right.legend(fontsize=8)
    return fig


def main(argv: Sequence[str] | None = None) -> list[Path]:
    """Run the three methods, print their iteration counts, draw; return the picture's path."""
    args = arguments(argv)
    start = np.array([-1.2, 1.0])
    f0, g0, H0 = gradient_and_hessian(start)
    x, y = start
    formula = np.array([[2.0 - 400.0 * (y - 3.0 * x**2), -400.0 * x], [-400.0 * x, 200.0]])
    print(f"Rosenbrock at w⁰ = (−1.2, 1): f = {f0:.4f}, ∇f = ({g0[0]:.4f}, {g0[1]:.4f})")
    print(f"Hessian from hessian(f, w): {H0.tolist()}")
    print(f"Hessian from the formula:   {formula.tolist()}")
    print(f"largest difference: {np.abs(H0 - formula).max():.1e}")

    paths = {"Newton": newton(start, args.tol, args.max_iter)}
    searches = {"GD, exact line search": "exact", "GD, Armijo backtracking": "backtracking"}
    seconds = {}
    for name, search in searches.items():
        paths[name], seconds[name] = timed(
            partial(gradient_descent, start, search, args.tol, args.max_iter)
        )
    print(f"iterations to ‖∇f‖₂ < {args.tol:g} (at most {args.max_iter}):")
    for name, path in paths.items():
        w = path[-1]
        print(
            f"  {name:<24} {len(path) - 1:>6} iterations, w = ({w[0]:.8f}, {w[1]:.8f}), "
            f"f = {f_of(w):.2e}"
        )
    if args.trace:
        compare_replay(paths, seconds, searches, args)
    return save(args.out, {"newton.png": paths_figure(paths, args.grid)})


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    cli = parser(__doc__)
    cli.add_argument("--tol", type=float, default=1e-6, help="stop when ‖∇f‖₂ < tol")
    cli.add_argument(
        "--max-iter", type=positive_int, default=50_000, help="the most iterations of each method"
    )
    cli.add_argument("--grid", type=positive_int, default=300, help="grid size of the contours")
    cli.add_argument(
        "--trace",
        action="store_true",
        help="run the gradient descents again on a traced tape: same iterates? how much faster?",
    )
    return cli.parse_args(argv)


if __name__ == "__main__":
    main()
