"""The notes' shallow network (D = 2): the engine's gradients beside the matrix formulas.

f(x) = σ₂(W⁽²⁾ σ(W⁽¹⁾x + b⁽¹⁾) + b⁽²⁾), trained on L = (1/n) Σᵢ ℓ(f(xᵢ), yᵢ) + λ/2 ‖w‖² (the
biases are not regularised), for the notes' two tasks:

* classification: σ₂ = softmax, ℓ = −Σₖ Ỹₖ log fₖ(x) with Ỹ the one-hot class;
* regression: σ₂ = identity, ℓ = ½ Σₖ (fₖ(x) − yₖ)².

Both give δ⁽²⁾ = f(x) − Ỹ, then δ⁽¹⁾ = σ′(a⁽¹⁾) ∘ (W⁽²⁾)ᵀ δ⁽²⁾, ∂ℓ/∂W⁽ʰ⁾ = δ⁽ʰ⁾ z⁽ʰ⁻¹⁾ᵀ + λW⁽ʰ⁾
and ∂ℓ/∂b⁽ʰ⁾ = δ⁽ʰ⁾. The example prints every gradient as the engine computes it (backward
through the graph) and as ``nn.reference.backprop`` computes it (these formulas, in NumPy), and
renders the computation graph of one sample's loss ℓ.

It also writes that graph's step-by-step page (``shallow_network_explain.html``, from
:func:`autograd_lite.explain`), its nodes named as in the notes by ``mlp(x, names=True)``,
counting from 1: ``x[j]`` is xⱼ, ``W1[k,j]`` is W⁽¹⁾ₖⱼ, ``a1[k]`` is a⁽¹⁾ₖ, ``z1[k]`` is
z⁽¹⁾ₖ = σ(a⁽¹⁾ₖ), ``a2[k]`` is a⁽²⁾ₖ and ``f[k]`` is fₖ(x); the classes count from 1 too (the
sample's class y reads f[y]). Stepping backward, δ⁽²⁾ = ∂ℓ/∂a⁽²⁾ = f(x) − Ỹ arrives first, and
δ⁽¹⁾ = σ′(a⁽¹⁾) ∘ (W⁽²⁾)ᵀδ⁽²⁾ is assembled from it, one ``+=`` per weight; both are printed
beside the formulas.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import nn
from autograd_lite import Explanation, Value, explain, render_graph, topological_order
from nn.reference import LossName, backprop, compare, graph_backprop

from _output import have_dot, parser, positive_int


def named_nodes(loss: Value) -> dict[str, Value]:
    """The nodes of ``loss``'s graph that have a name (``a1[2]``, ``z1[2]``, ``f[3]``, …)."""
    return {node.label: node for node in topological_order(loss) if node.label}


def print_deltas(mlp: nn.MLP, explanation: Explanation, named: dict[str, Value], y: int) -> None:
    """δ⁽²⁾ and δ⁽¹⁾ as explain computes them (∂ℓ/∂a) beside the notes' formulas; ``y`` is the
    class counted from 1."""
    grads = explanation.gradients
    a2 = np.array([named[f"a2[{k}]"].data for k in range(1, len(mlp.layers[1].neurons) + 1)])
    f = np.exp(a2 - a2.max()) / np.exp(a2 - a2.max()).sum()
    delta2 = f - np.eye(len(a2))[y - 1]
    hidden = [named[f"z1[{k}]"] for k in range(1, len(mlp.layers[0].neurons) + 1)]
    w2 = np.array([[w.data for w in neuron.w] for neuron in mlp.layers[1].neurons])
    z1 = np.array([z.data for z in hidden])
    sigma_prime = {"sigmoid": z1 * (1 - z1), "tanh": 1 - z1**2, "relu": (z1 > 0) * 1.0}
    delta1 = sigma_prime[mlp.layers[0].neurons[0].activation] * (w2.T @ delta2)
    for h, formula, sup in ((2, delta2, "²"), (1, delta1, "¹")):
        ours = np.array([grads[named[f"a{h}[{k}]"]] for k in range(1, len(formula) + 1)])
        print(f"  δ⁽{sup}⁾ = ∂ℓ/∂a⁽{sup}⁾: explain {ours}, formulas {formula}")


def print_gradients(mlp: nn.MLP, X: np.ndarray, Y: np.ndarray, task: str, lam: float) -> None:
    """A table: each parameter, ∂L/∂θ from the engine and from the formulas, their difference."""
    loss: LossName = "cross_entropy" if task == "classification" else "squared_error"
    engine = graph_backprop(mlp, X, Y, loss=loss, lam=lam)
    notes = backprop(mlp, X, Y, loss=loss, lam=lam)
    print(f"\n{task}: {mlp!r}, loss {loss}, λ = {lam:g}, n = {len(X)} examples")
    print(f"  L = {engine.loss:.12f} (engine)   {notes.loss:.12f} (formulas)")
    print(f"  {'parameter':<10} {'engine ∂L/∂θ':>20} {'formulas ∂L/∂θ':>20} {'|difference|':>13}")
    for h, layer in enumerate(mlp.layers):
        for k, neuron in enumerate(layer.neurons):
            rows = [
                (w.label, engine.dW[h][k, j], notes.dW[h][k, j]) for j, w in enumerate(neuron.w)
            ]
            rows.append((neuron.b.label, engine.db[h][k], notes.db[h][k]))
            for label, ours, theirs in rows:
                print(f"  {label:<10} {ours:>20.15f} {theirs:>20.15f} {abs(ours - theirs):>13.1e}")
    largest = compare(mlp, X, Y, loss=loss, lam=lam)
    print("  largest |engine − formulas| per layer: " + ", ".join(f"{d:.1e}" for d in largest))


def main(argv: Sequence[str] | None = None) -> list[Path]:
    """Print both tasks' gradient tables, render one sample's graph; return the pictures."""
    args = arguments(argv)
    rng = np.random.default_rng(args.seed)
    X = rng.normal(0.0, 1.0, (args.samples, 2))
    networks = {
        "classification": nn.MLP(2, [args.hidden, 3], args.activation, "softmax", seed=args.seed),
        "regression": nn.MLP(2, [args.hidden, 2], args.activation, "linear", seed=args.seed),
    }
    targets = {
        "classification": rng.integers(0, 3, args.samples),
        "regression": rng.normal(0.0, 1.0, (args.samples, 2)),
    }
    for task, mlp in networks.items():
        for p in mlp.parameters():
            p.data += float(rng.normal(0.0, 0.1))  # nonzero biases, so that their gradients show
        print_gradients(mlp, X, targets[task], task, args.lam)

    # One sample's loss ℓ = −log f_y(x) as a graph, each Value coloured by log₁₀|∂ℓ/∂v|.
    if not have_dot(f"graph of one sample's loss, nor picture of the network (in {args.out})"):
        return []
    mlp = networks["classification"]
    x = [Value(float(v)) for v in X[0]]  # named x[1], x[2] by the call
    y = int(targets["classification"][0]) + 1  # the class, from 1 as the notes count
    sample_loss = -mlp(x, names=True)[y - 1].log()  # ℓ = −log f_y(x): f[y]
    sample_loss.label = "ℓ"
    named = named_nodes(sample_loss)
    explanation = explain(sample_loss)
    sample_loss.backward()
    args.out.mkdir(parents=True, exist_ok=True)
    page = explanation.to_html(args.out / "shallow_network_explain.html")
    print(f"\nstep by step, ℓ's backward pass (open in a browser): {page}")
    print_deltas(mlp, explanation, named, y)
    paths = [
        render_graph(
            sample_loss,
            args.out / f"shallow_network_graph{suffix}",
            color_by="grad",
            params=mlp.parameters(),
        )
        for suffix in (".svg", ".png")
    ]
    paths.append(nn.render_network(mlp, args.out / "shallow_network_grads.png", show="grads"))
    print(
        f"\ngraph of ℓ = −log f_y(x) = −log f[{y}] for x = ({X[0, 0]:.3f}, {X[0, 1]:.3f}), "
        f"class y = {y} of 3 (from 1), without the penalty: {paths[0]}, {paths[1]}"
    )
    print(f"the network, edges sized by ∂ℓ/∂w: {paths[2]}")
    return paths


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    cli = parser(__doc__)
    cli.add_argument("--hidden", type=positive_int, default=3, help="width M of the hidden layer")
    cli.add_argument(
        "--activation",
        choices=("sigmoid", "tanh", "relu"),
        default="sigmoid",
        help="σ of the hidden layer",
    )
    cli.add_argument("--samples", type=positive_int, default=4, help="number of examples n")
    cli.add_argument("--lam", type=float, default=0.1, help="λ of the penalty λ/2 ‖w‖²")
    cli.add_argument("--seed", type=int, default=0, help="seed of the data and the weights")
    return cli.parse_args(argv)


if __name__ == "__main__":
    main()
