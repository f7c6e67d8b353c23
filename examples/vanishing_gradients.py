"""Vanishing and exploding gradients: the gradient norm of each layer of deep MLPs at init.

By the notes' backpropagation formula δ⁽ʰ⁻¹⁾ = σ′(a⁽ʰ⁻¹⁾) ∘ (W⁽ʰ⁾)ᵀ δ⁽ʰ⁾, the error reaching
layer h has been multiplied by one factor Diag(σ′) (W)ᵀ per layer above it, and
∂L/∂W⁽ʰ⁾ = δ⁽ʰ⁾ z⁽ʰ⁻¹⁾ᵀ. When those factors shrink vectors (σ′ ≤ ¼ for the sigmoid) the
gradient vanishes towards the input; when they stretch them (weights too large) it explodes.

For MLPs of ``depth`` layers (``width`` units each, one linear output) with sigmoid, tanh and
ReLU, the example computes L = (1/n) Σᵢ ½ (f(xᵢ) − yᵢ)² on random data, runs backward, and plots
‖∂L/∂W⁽ʰ⁾‖ (Frobenius norm) against the layer h on a log scale: once with nn's initialisation
(He for ReLU, Glorot for sigmoid and tanh), once with every weight multiplied by ``scale``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import nn

from _data import FloatArray
from _output import figure, parser, positive_int, save

ACTIVATIONS = ("sigmoid", "tanh", "relu")


def layer_gradient_norms(
    activation: str, depth: int, width: int, scale: float, X: FloatArray, Y: FloatArray, seed: int
) -> FloatArray:
    """‖∂L/∂W⁽ʰ⁾‖ for h = 1 … depth, computed by the engine's backward pass."""
    mlp = nn.MLP(X.shape[1], [width] * (depth - 1) + [1], activation, "linear", seed=seed)
    for w in mlp.weights():
        w.data *= scale
    terms = [nn.squared_error(mlp(x), y) for x, y in zip(X, Y)]
    loss = sum(terms[1:], start=terms[0]) * (1.0 / len(terms))
    loss.backward()
    return np.array(
        [
            np.sqrt(sum(w.grad**2 for neuron in layer.neurons for w in neuron.w))
            for layer in mlp.layers
        ]
    )


def norms_figure(results: dict[float, dict[str, FloatArray]]) -> Figure:
    """One panel per weight scale: the norm per layer, one line per activation, log y-axis."""
    fig = figure(5.2, 4.8, columns=len(results))
    axes = fig.subplots(1, len(results), sharey=True)
    styles = {"sigmoid": ("#d95f02", "o"), "tanh": ("#1b9e77", "s"), "relu": ("#7570b3", "^")}
    for ax, (scale, norms) in zip(axes, results.items()):
        for activation, values in norms.items():
            colour, marker = styles[activation]
            ax.semilogy(
                range(1, len(values) + 1),
                values,
                color=colour,
                marker=marker,
                markersize=4,
                label=activation,
            )
        init = (
            "nn's initialisation" if scale == 1.0 else f"nn's initialisation, weights × {scale:g}"
        )
        ax.set(title=init, xlabel="layer h (1 = next to the input)")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(title="hidden activation")
    axes[0].set_ylabel("‖∂L/∂W⁽ʰ⁾‖ (log scale)")
    depth = len(next(iter(results[1.0].values())))
    fig.suptitle(f"Gradient norm per layer of {depth}-layer MLPs at initialisation")
    return fig


def main(argv: Sequence[str] | None = None) -> list[Path]:
    """Compute, print and plot the per-layer gradient norms; return the picture's path."""
    args = arguments(argv)
    rng = np.random.default_rng(args.seed)
    X = rng.normal(0.0, 1.0, (args.samples, args.width))
    Y = rng.normal(0.0, 1.0, (args.samples, 1))
    results = {
        scale: {
            activation: layer_gradient_norms(
                activation, args.depth, args.width, scale, X, Y, args.seed
            )
            for activation in ACTIVATIONS
        }
        for scale in (1.0, args.scale)
    }
    print(f"{args.depth} layers of {args.width} units, {args.samples} random examples")
    for scale, norms in results.items():
        weights = "nn's initialisation" if scale == 1.0 else f"weights × {scale:g}"
        print(f"\n‖∂L/∂W⁽ʰ⁾‖ per layer h, {weights}:")
        print(f"{'h':>4}" + "".join(f"{name:>12}" for name in norms))
        for h in range(args.depth):
            print(f"{h + 1:>4}" + "".join(f"{values[h]:>12.2e}" for values in norms.values()))
        ratios = ", ".join(f"{name} {v[0] / v[-1]:.1e}" for name, v in norms.items())
        print(f"first layer / last layer: {ratios}")
    print()
    return save(args.out, {"vanishing_gradients.png": norms_figure(results)})


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    cli = parser(__doc__)
    cli.add_argument("--depth", type=positive_int, default=16, help="number of layers D")
    cli.add_argument("--width", type=positive_int, default=16, help="units per hidden layer")
    cli.add_argument("--samples", type=positive_int, default=16, help="random examples n")
    cli.add_argument("--scale", type=float, default=2.0, help="the factor on every weight")
    cli.add_argument("--seed", type=int, default=0, help="seed of the data and the weights")
    return cli.parse_args(argv)


if __name__ == "__main__":
    main()
