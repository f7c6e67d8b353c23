"""Forward against reverse mode: the cost of a full Jacobian of f: ℝⁿ → ℝᵐ, timed.

Reverse mode (``jacobian(ys, xs)``) gives one row ∂yᵢ/∂x per backward pass, so m passes;
forward mode (``jacobian(ys, xs, mode="forward")``) one column ∂y/∂xⱼ per forward pass, so n
passes. Each pass walks about the whole graph, so the costs are about m·C and n·C for a graph
of cost C: reverse mode wins for a wide function (many inputs, few outputs: a loss and its
parameters), forward mode for a tall one. The example keeps n + m fixed and moves from tall
(n = 1) to wide (m = 1), times both Jacobians at each shape (the best of a few runs), checks
that they agree, prints the table and draws both times with the crossover.

The function is a deep chain shared by every input and output, so each pass really walks the
whole graph: u₀ = tanh(Σⱼ wⱼxⱼ + 0.1), uₖ₊₁ = uₖ − sin(uₖ)/100 for k < depth, and
yᵢ = sin((1 + i/10)·u + x₍ᵢ mod n₎). Its graph is built once per shape; only the passes are timed.
Where the two lines cross depends on the two passes' cost per node as well as on n and m: the
backward pass on floats is the engine's tuned hot path, the forward walk a plain loop.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from functools import partial
from itertools import pairwise
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from autograd_lite import Value, affine, jacobian

from _output import figure, parser, positive_int, save


def function(x: list[Value], m: int, depth: int) -> list[Value]:
    """The m outputs yᵢ = sin((1 + i/10)·u + x₍ᵢ mod n₎) of the deep chain u of all inputs x."""
    weights = [(-1.0) ** j / (j + 1) for j in range(len(x))]
    u = affine(weights, x, 0.1).tanh()
    for _ in range(depth):
        u = u - 0.01 * u.sin()
    return [((1.0 + 0.1 * i) * u + x[i % len(x)]).sin() for i in range(m)]


def best_time(
    run: Callable[[], list[list[float]]], repeats: int
) -> tuple[list[list[float]], float]:
    """``run()``'s result and the least wall time of ``repeats`` calls, in seconds."""
    best, result = float("inf"), []
    for _ in range(repeats):
        began = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - began)
    return result, best


def sweep(
    total: int, depth: int, repeats: int, stride: int
) -> list[tuple[int, int, float, float, float]]:
    """(n, m, forward seconds, reverse seconds, largest |J_forward − J_reverse|) for each
    shape n + m = total, n = 1, 1 + stride, ..., total − 1."""
    rows = []
    for n in range(1, total, stride):
        m = total - n
        rng = np.random.default_rng(n)
        xs = [Value(float(x)) for x in rng.uniform(-1.0, 1.0, n)]
        ys = function(xs, m, depth)
        forward, forward_s = best_time(partial(jacobian, ys, xs, mode="forward"), repeats)
        reverse, reverse_s = best_time(partial(jacobian, ys, xs), repeats)
        difference = float(np.abs(np.array(forward) - np.array(reverse)).max())
        rows.append((n, m, forward_s, reverse_s, difference))
    return rows


def crossover(rows: Sequence[tuple[int, int, float, float, float]]) -> float | None:
    """The n where forward and reverse take as long (linear between the shapes), or None."""
    for (n0, _, f0, r0, _), (n1, _, f1, r1, _) in pairwise(rows):
        d0, d1 = f0 - r0, f1 - r1
        if d0 <= 0.0 < d1 or d1 <= 0.0 < d0:
            return n0 + (n1 - n0) * d0 / (d0 - d1)
    return None


def timing_figure(rows: Sequence[tuple[int, int, float, float, float]], at: float | None) -> Figure:
    """Both Jacobians' times against n (m = total − n), and the crossover."""
    fig = figure(6.4, 4.4)
    axes = fig.subplots()
    n = [row[0] for row in rows]
    total = rows[0][0] + rows[0][1]
    axes.plot(n, [1e3 * row[2] for row in rows], "o-", label="forward mode: n passes")
    axes.plot(n, [1e3 * row[3] for row in rows], "s-", label="reverse mode: m passes")
    if at is not None:
        axes.axvline(at, color="grey", linestyle="--", label=f"crossover, n ≈ {at:.1f}")
    axes.set(
        xlabel=f"inputs n (outputs m = {total} − n): tall on the left, wide on the right",
        ylabel="time of the full Jacobian (ms)",
        title=f"Jacobian of f: ℝⁿ → ℝᵐ, n + m = {total}",
    )
    axes.grid(True, alpha=0.3)
    axes.legend()
    return fig


def main(argv: Sequence[str] | None = None) -> list[Path]:
    """Time both modes at every shape, print the table and the crossover, draw them."""
    args = arguments(argv)
    if args.total < 2:
        raise SystemExit("--total must be at least 2: one input and one output")
    rows = sweep(args.total, args.depth, args.repeats, args.stride)
    print(f"full Jacobian of f: ℝⁿ → ℝᵐ, n + m = {args.total}, a chain {args.depth} deep")
    print(f"{'n':>4} {'m':>4} {'forward (ms)':>13} {'reverse (ms)':>13} {'faster':>8}")
    for n, m, forward_s, reverse_s, _ in rows:
        faster = "forward" if forward_s < reverse_s else "reverse"
        print(f"{n:>4} {m:>4} {1e3 * forward_s:>13.2f} {1e3 * reverse_s:>13.2f} {faster:>8}")
    for name, (n, m, forward_s, reverse_s, _) in (("tall", rows[0]), ("wide", rows[-1])):
        print(
            f"{name} (n = {n}, m = {m}): forward {1e3 * forward_s:.2f} ms, "
            f"reverse {1e3 * reverse_s:.2f} ms, reverse/forward {reverse_s / forward_s:.2f}"
        )
    at = crossover(rows)
    print("crossover: " + (f"n ≈ {at:.1f}" if at is not None else "none in this range"))
    print(f"largest |J_forward − J_reverse|: {max(row[4] for row in rows):.1e}")
    return save(args.out, {"forward_reverse.png": timing_figure(rows, at)})


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    cli = parser(__doc__)
    cli.add_argument("--total", type=positive_int, default=32, help="n + m, inputs + outputs")
    cli.add_argument("--depth", type=positive_int, default=400, help="links of the shared chain")
    cli.add_argument("--repeats", type=positive_int, default=3, help="timed runs per Jacobian")
    cli.add_argument("--stride", type=positive_int, default=2, help="step between shapes' n")
    return cli.parse_args(argv)


if __name__ == "__main__":
    main()
