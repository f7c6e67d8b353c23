"""MLP gradients equal the course notes' backpropagation in matrix form, written here in NumPy.

For one example: a⁽ʰ⁾ = W⁽ʰ⁾ z⁽ʰ⁻¹⁾ + b⁽ʰ⁾, z⁽ʰ⁾ = σ(a⁽ʰ⁾), z⁽⁰⁾ = x; the output error
δ⁽ᴰ⁾ = f(x) − ỹ (softmax + cross-entropy, or identity + ½ squared error); the backpropagation
formula δ⁽ʰ⁻¹⁾ = σ′(a⁽ʰ⁻¹⁾) ∘ (W⁽ʰ⁾)ᵀ δ⁽ʰ⁾; ∂ℓ/∂W⁽ʰ⁾ = δ⁽ʰ⁾ z⁽ʰ⁻¹⁾ᵀ and ∂ℓ/∂b⁽ʰ⁾ = δ⁽ʰ⁾. Over
a batch, g = (1/n) Σᵢ ∇ℓᵢ + λ[w; 0]: the weights get λW⁽ʰ⁾, the biases nothing.
"""

from collections.abc import Callable

import numpy as np
import pytest

import nn
from autograd_lite import Value

Array = np.ndarray

SIGMA: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
    "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0.0).astype(float)),  # ReLU′(0) = 0
    "tanh": (np.tanh, lambda a: 1.0 - np.tanh(a) ** 2),
    "sigmoid": (
        lambda a: 1.0 / (1.0 + np.exp(-a)),
        lambda a: np.exp(-a) / (1.0 + np.exp(-a)) ** 2,
    ),
    "linear": (lambda a: a, np.ones_like),
}


def matrices(mlp: nn.MLP) -> tuple[list[Array], list[Array]]:
    """W⁽ʰ⁾ (row k = neuron k's weights) and b⁽ʰ⁾ of every layer."""
    weights = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in mlp.layers]
    biases = [np.array([n.b.data for n in layer.neurons]) for layer in mlp.layers]
    return weights, biases


def notes_gradients(
    weights: list[Array],
    biases: list[Array],
    X: Array,
    Y: Array,
    activation: str,
    task: str,
    lam: float,
) -> tuple[list[Array], list[Array]]:
    """(1/n) Σᵢ (δ⁽ʰ⁾ z⁽ʰ⁻¹⁾ᵀ, δ⁽ʰ⁾) + (λW⁽ʰ⁾, 0), by the notes' formulas."""
    sigma, sigma_prime = SIGMA[activation]
    depth, n = len(weights), len(X)
    grad_w = [np.zeros_like(W) for W in weights]
    grad_b = [np.zeros_like(b) for b in biases]
    for x, y in zip(X, Y):
        z, a = [x], []
        for h, (W, b) in enumerate(zip(weights, biases)):
            a.append(W @ z[-1] + b)
            if h < depth - 1:
                z.append(sigma(a[-1]))
        if task == "classification":
            shifted = np.exp(a[-1] - a[-1].max())
            f = shifted / shifted.sum()
        else:
            f = a[-1]
        delta = f - y  # δ⁽ᴰ⁾ = f(X) − Ỹ
        for h in reversed(range(depth)):
            grad_w[h] += np.outer(delta, z[h]) / n
            grad_b[h] += delta / n
            if h > 0:
                delta = sigma_prime(a[h - 1]) * (weights[h].T @ delta)
    for h in range(depth):
        grad_w[h] += lam * weights[h]
    return grad_w, grad_b


def autograd_gradients(mlp: nn.MLP) -> tuple[list[Array], list[Array]]:
    grad_w = [np.array([[w.grad for w in n.w] for n in layer.neurons]) for layer in mlp.layers]
    grad_b = [np.array([n.b.grad for n in layer.neurons]) for layer in mlp.layers]
    return grad_w, grad_b


def objective(mlp: nn.MLP, X: Array, Y: Array, task: str, loss_form: str, lam: float) -> Value:
    """(1/n) Σᵢ ℓ(f(Xᵢ), Yᵢ) + λ/2 Σ w², each ℓ built with nn's functions."""
    losses = []
    for x, y in zip(X, Y):
        out = mlp(x)
        if task == "regression":
            losses.append(nn.squared_error(out, y))
        elif loss_form == "cross_entropy":  # linear output: out are the logits
            losses.append(nn.cross_entropy(out, int(np.argmax(y))))
        else:  # softmax output: ℓ_CE = −Σₖ ỹₖ log fₖ
            losses.append(-out[int(np.argmax(y))].log())
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    return total * (1.0 / len(losses)) + nn.l2_penalty(mlp, lam)


CASES = [
    ("regression", "squared_error"),
    ("classification", "cross_entropy"),
    ("classification", "softmax_output"),
]


@pytest.mark.parametrize("activation", list(SIGMA))
@pytest.mark.parametrize(("task", "loss_form"), CASES)
@pytest.mark.parametrize("lam", [0.0, 0.05])
@pytest.mark.parametrize("sizes", [[5, 4, 3], [1, 3]], ids=["5-4-3", "1-wide"])
def test_mlp_gradients_equal_the_notes_matrix_form(
    activation: str, task: str, loss_form: str, lam: float, sizes: list[int]
) -> None:
    rng = np.random.default_rng(42)
    output = "softmax" if loss_form == "softmax_output" else "linear"
    mlp = nn.MLP(3, sizes, activation, output, seed=7)
    for p in mlp.parameters():
        p.data += rng.normal(0.0, 0.2)  # nonzero biases: the test must see them
    n, classes = 6, sizes[-1]
    X = rng.normal(0.0, 1.0, (n, 3))
    if task == "classification":
        Y = np.eye(classes)[rng.integers(0, classes, n)]  # one-hot Ỹ
    else:
        Y = rng.normal(0.0, 1.0, (n, classes))
    if sizes[0] == 1 and activation == "relu":
        # Keep the single hidden ReLU unit alive for some examples, dead for others.
        mlp.layers[0].neurons[0].b.data = 0.1

    loss = objective(mlp, X, Y, task, loss_form, lam)
    loss.backward()

    weights, biases = matrices(mlp)
    expected_w, expected_b = notes_gradients(weights, biases, X, Y, activation, task, lam)
    got_w, got_b = autograd_gradients(mlp)
    for h in range(len(sizes)):
        np.testing.assert_allclose(got_w[h], expected_w[h], rtol=0, atol=1e-10)
        np.testing.assert_allclose(got_b[h], expected_b[h], rtol=0, atol=1e-10)
    # The test is not vacuous: every layer's weights receive a gradient.
    assert all(np.abs(g).max() > 1e-6 for g in expected_w)


def test_against_pytorch_float64() -> None:
    torch = pytest.importorskip("torch")
    mlp = nn.MLP(2, [16, 16, 1], "relu", seed=3)
    weights, biases = matrices(mlp)
    rng = np.random.default_rng(0)
    X = rng.normal(0.0, 1.0, (20, 2))
    y = np.where(rng.random(20) < 0.5, -1.0, 1.0)

    losses = [nn.hinge_loss(mlp(x)[0], label) for x, label in zip(X, y)]
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    ours = total * (1.0 / len(losses)) + nn.l2_penalty(mlp, 2e-4)
    ours.backward()

    Ws = [torch.tensor(W, requires_grad=True) for W in weights]
    bs = [torch.tensor(b, requires_grad=True) for b in biases]
    z = torch.tensor(X)
    for h, (W, b) in enumerate(zip(Ws, bs)):
        z = z @ W.T + b
        z = torch.relu(z) if h < len(Ws) - 1 else z
    hinge = torch.relu(1.0 - torch.tensor(y) * z[:, 0]).mean()
    theirs = hinge + 1e-4 * sum((W**2).sum() for W in Ws)
    theirs.backward()

    assert ours.data == pytest.approx(theirs.item(), rel=1e-13)
    got_w, got_b = autograd_gradients(mlp)
    for h in range(3):
        np.testing.assert_allclose(got_w[h], Ws[h].grad.numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(got_b[h], bs[h].grad.numpy(), rtol=0, atol=1e-12)
