"""Check a homework derivation: the course notes' gradients, derived by hand, against the engine.

Three exercises from the notes, each derived by hand, checked, and (where the first attempt has a
mistake that students make) corrected:

1. The four-point problem, ŷ = σ(w₁₁x₁ + w₁₂x₂), E = Σᵢ (yⁱ − ŷⁱ)²: the gradient
   ∂E/∂w₁ⱼ = Σᵢ −2(yⁱ − ŷⁱ)·ŷⁱ(1 − ŷⁱ)·xⱼⁱ. A first attempt forgets σ′; ``check_derivation``
   names the partial and the point where it goes wrong. ``symbolic_grad`` then shows the
   engine's own formula for one sample's error, made by the rule table.
2. Softmax + cross-entropy, ℓ = −log softmax(a)_y: the output error δ⁽²⁾ = ∂ℓ/∂a = f(x) − Ỹ.
   A first attempt differentiates the softmax alone, fₖ(1 − fₖ).
3. The shallow network's backprop in matrix form, in NumPy: δ⁽²⁾ = f(x) − Ỹ,
   δ⁽¹⁾ = σ′(a⁽¹⁾) ∘ (W⁽²⁾)ᵀδ⁽²⁾, ∂ℓ/∂W⁽ʰ⁾ = δ⁽ʰ⁾ z⁽ʰ⁻¹⁾ᵀ and the bias gradients
   ∂ℓ/∂b⁽ʰ⁾ = δ⁽ʰ⁾ (the notes' homework). A first attempt uses σ where σ′ belongs;
   ``nn.check_backprop`` names the first layer and entry that differ.

The engine's derivatives come from its rule table (no finite differences), so a disagreement
beyond rounding is a mistake in the derivation. Prints every report; writes nothing.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

import numpy as np

import nn
from autograd_lite import Value, check_derivation, symbolic_grad, total

from _data import FOUR_POINTS_X, FOUR_POINTS_Y


def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


# --- 1. The four-point problem -------------------------------------------------------------------


def four_point_error(w11: Value, w12: Value) -> Value:
    """E(w) = Σᵢ (yⁱ − σ(w₁₁x₁ⁱ + w₁₂x₂ⁱ))², written with Values."""
    terms = []
    for (x1, x2), y in zip(FOUR_POINTS_X.tolist(), FOUR_POINTS_Y.tolist()):
        terms.append((y - (w11 * x1 + w12 * x2).sigmoid()) ** 2)
    return total(terms)


def four_point_gradient(j: int, with_sigma_prime: bool) -> Callable[[float, float], float]:
    """∂E/∂w₁ⱼ by hand: Σᵢ −2(yⁱ − ŷⁱ)·σ′(aⁱ)·xⱼⁱ, with σ′(a) = ŷ(1 − ŷ); or without σ′."""

    def partial(w11: float, w12: float) -> float:
        result = 0.0
        for x, y in zip(FOUR_POINTS_X.tolist(), FOUR_POINTS_Y.tolist()):
            y_hat = _sigmoid(w11 * x[0] + w12 * x[1])
            sigma_prime = y_hat * (1.0 - y_hat) if with_sigma_prime else 1.0
            result += -2.0 * (y - y_hat) * sigma_prime * x[j]
        return result

    return partial


def exercise_four_points(samples: int, seed: int) -> None:
    print("1. The four-point problem: ∂E/∂w₁ⱼ = Σᵢ −2(yⁱ − ŷⁱ)·ŷⁱ(1 − ŷⁱ)·xⱼⁱ\n")
    print("First attempt, without σ′ (the chain rule stopped at ŷ):")
    attempt = [four_point_gradient(0, False), four_point_gradient(1, False)]
    print(check_derivation(four_point_error, attempt, samples=samples, seed=seed).summary())
    print("\nWith σ′(a) = ŷ(1 − ŷ):")
    fixed = [four_point_gradient(0, True), four_point_gradient(1, True)]
    report = check_derivation(four_point_error, fixed, samples=samples, seed=seed)
    print(report)
    w11, w12 = Value(0.5, "w11"), Value(-0.5, "w12")
    (x1, x2), y = FOUR_POINTS_X[0].tolist(), float(FOUR_POINTS_Y[0])
    one_sample = (y - (w11 * x1 + w12 * x2).sigmoid()) ** 2
    print("\nThe engine's own formula for one sample's error (the rule table run on symbols):")
    print(f"  e = (1 − σ(−3·w11 − 3·w12))²,  ∂e/∂w11 = {symbolic_grad(one_sample, w11)}\n")


# --- 2. Softmax + cross-entropy ------------------------------------------------------------------

#: The class of the example, counted from 0 (the notes' Ỹ is the one-hot vector of it).
CLASS = 1


def cross_entropy(a1: Value, a2: Value, a3: Value) -> Value:
    """ℓ = −log fᵧ(x) with f = softmax(a), as nn computes it."""
    return nn.cross_entropy([a1, a2, a3], CLASS)


def _softmax(a: tuple[float, ...]) -> list[float]:
    top = max(a)
    exps = [math.exp(v - top) for v in a]
    return [e / sum(exps) for e in exps]


def exercise_softmax(samples: int, seed: int) -> None:
    print("2. Softmax + cross-entropy: δ⁽²⁾ₖ = ∂ℓ/∂aₖ = fₖ(x) − Ỹₖ\n")
    y_tilde = [1.0 if k == CLASS else 0.0 for k in range(3)]
    print("First attempt, the softmax's own derivative fₖ(1 − fₖ):")
    attempt = [lambda *a, k=k: _softmax(a)[k] * (1.0 - _softmax(a)[k]) for k in range(3)]
    print(check_derivation(cross_entropy, attempt, samples=samples, seed=seed).summary())
    print("\nWith the loss's −log in the chain: fₖ − Ỹₖ:")
    fixed = [lambda *a, k=k: _softmax(a)[k] - y_tilde[k] for k in range(3)]
    print(check_derivation(cross_entropy, fixed, samples=samples, seed=seed).summary())
    print()


# --- 3. The shallow network in matrix form ------------------------------------------------------


def notes_backprop(sigma_prime: Callable[[Any], Any]) -> Callable[..., Any]:
    """The notes' matrix-form backprop for a sigmoid network with a softmax output and
    cross-entropy, one example; σ′ as given (to show the mistake of using σ itself)."""

    def backprop(weights: list[Any], biases: list[Any], x: Any, y: Any) -> Any:
        z, a = [x], []
        for h, (W, b) in enumerate(zip(weights, biases)):
            a.append(W @ z[-1] + b)
            if h < len(weights) - 1:
                z.append(1.0 / (1.0 + np.exp(-a[-1])))
        f = np.exp(a[-1] - a[-1].max())
        f /= f.sum()
        delta = f - np.eye(len(f))[int(y)]  # δ⁽ᴰ⁾ = f(x) − Ỹ
        dW, db = [], []
        for h in reversed(range(len(weights))):
            dW.insert(0, np.outer(delta, z[h]))  # δ⁽ʰ⁾ z⁽ʰ⁻¹⁾ᵀ
            db.insert(0, delta)  # ∂ℓ/∂b⁽ʰ⁾ = δ⁽ʰ⁾
            if h > 0:
                delta = sigma_prime(a[h - 1]) * (weights[h].T @ delta)  # δ⁽ʰ⁻¹⁾
        return dW, db

    return backprop


def exercise_network(hidden: int, seed: int) -> None:
    print("3. The shallow network: δ⁽¹⁾ = σ′(a⁽¹⁾) ∘ (W⁽²⁾)ᵀδ⁽²⁾, ∂ℓ/∂b⁽ʰ⁾ = δ⁽ʰ⁾\n")
    mlp = nn.MLP(2, [hidden, 3], "sigmoid", "softmax", seed=seed)
    rng = np.random.default_rng(seed)
    for p in mlp.parameters():
        p.data += float(rng.normal(0.0, 0.3))  # biases start at 0, where a bias error hides
    x, y = [0.5, -1.0], 2
    sigmoid = lambda a: 1.0 / (1.0 + np.exp(-a))  # noqa: E731
    print("First attempt, σ(a⁽¹⁾) where σ′(a⁽¹⁾) belongs:")
    print(nn.check_backprop(mlp, x, y, notes_backprop(sigmoid)))
    print("\nWith σ′(a) = σ(a)(1 − σ(a)):")
    print(nn.check_backprop(mlp, x, y, notes_backprop(lambda a: sigmoid(a) * (1 - sigmoid(a)))))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--samples", type=int, default=20, help="random points per check")
    parser.add_argument("--seed", type=int, default=0, help="of the random points and network")
    parser.add_argument("--hidden", type=int, default=4, help="hidden units of the network")
    args = parser.parse_args()
    exercise_four_points(args.samples, args.seed)
    exercise_softmax(args.samples, args.seed)
    exercise_network(args.hidden, args.seed)


if __name__ == "__main__":
    main()
