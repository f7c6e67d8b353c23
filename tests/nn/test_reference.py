"""nn.reference: the notes' matrix-form backpropagation agrees with the engine, and checks input.

The agreement tests pit two independent computations against each other (NumPy formulas and
the Value graph); the reference is also checked alone, against hand-computed values and central
differences of its own loss.
"""

from __future__ import annotations

import numpy as np
import pytest

import nn
from nn.layers import ACTIVATIONS
from nn.reference import backprop, compare, graph_backprop, matrices

# (loss, output activation): squared error needs the identity output; cross-entropy takes the
# logits (linear output) or the probabilities (softmax output).
PAIRINGS = [
    ("squared_error", "linear"),
    ("cross_entropy", "linear"),
    ("cross_entropy", "softmax"),
]


def random_case(
    activation: str, depth: int, loss: str, output: str, seed: int
) -> tuple[nn.MLP, np.ndarray, np.ndarray]:
    """A random MLP of ``depth`` layers (nonzero biases), 4 examples and their targets."""
    rng = np.random.default_rng(seed)
    n_in = int(rng.integers(1, 5))
    sizes = [int(s) for s in rng.integers(2, 6, depth)]
    mlp = nn.MLP(n_in, sizes, activation, output, seed=seed)
    for p in mlp.parameters():
        p.data += rng.normal(0.0, 0.3)  # biases start at 0: move them so that they count
    X = rng.normal(0.0, 1.5, (4, n_in))
    if loss == "cross_entropy":
        Y = rng.integers(0, sizes[-1], 4)
    else:
        Y = rng.normal(0.0, 1.0, (4, sizes[-1]))
    return mlp, X, Y


@pytest.mark.parametrize("lam", [0.0, 0.1])
@pytest.mark.parametrize(("loss", "output"), PAIRINGS)
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_formulas_agree_with_the_engine_to_1e_10(
    activation: str, depth: int, loss: str, output: str, lam: float
) -> None:
    seed = 1000 * depth + 10 * ACTIVATIONS.index(activation) + PAIRINGS.index((loss, output))
    mlp, X, Y = random_case(activation, depth, loss, output, seed)
    # One example and a batch of four (whose gradients are the mean of the four).
    for x, y in ((X[0], Y[0].tolist() if loss == "squared_error" else int(Y[0])), (X, Y)):
        differences = compare(mlp, x, y, loss=loss, lam=lam)  # type: ignore[arg-type]
        assert len(differences) == depth
        assert max(differences) <= 1e-10, differences
        notes = backprop(mlp, x, y, loss=loss, lam=lam)  # type: ignore[arg-type]
        engine = graph_backprop(mlp, x, y, loss=loss, lam=lam)  # type: ignore[arg-type]
        assert notes.loss == pytest.approx(engine.loss, rel=1e-12, abs=1e-12)
        weights, biases = matrices(mlp)
        assert [g.shape for g in notes.dW] == [W.shape for W in weights]
        assert [g.shape for g in notes.db] == [b.shape for b in biases]
    # Not vacuous: the last layer's weights always receive a gradient here.
    assert np.abs(notes.dW[-1]).max() > 1e-6


def test_a_linear_unit_by_hand() -> None:
    # f = w x + b = 2·3 + 0.5 = 6.5, y = 1: ℓ = ½ (5.5)² = 15.125, δ = 5.5,
    # ∂ℓ/∂w = δ x = 16.5, ∂ℓ/∂b = δ = 5.5; with λ = 0.1: ℓ + 0.05·2² and ∂/∂w + 0.1·2.
    mlp = nn.MLP(1, [1], "linear", "linear")
    mlp.layers[0].neurons[0].w[0].data = 2.0
    mlp.layers[0].neurons[0].b.data = 0.5
    loss, dW, db = backprop(mlp, [3.0], 1.0, loss="squared_error")
    assert loss == 15.125
    assert dW[0].tolist() == [[16.5]]
    assert db[0].tolist() == [5.5]
    loss, dW, db = backprop(mlp, [3.0], [1.0], loss="squared_error", lam=0.1)
    assert loss == pytest.approx(15.325, rel=1e-15)
    assert dW[0][0, 0] == pytest.approx(16.7, rel=1e-15)
    assert db[0].tolist() == [5.5]  # the bias is not regularised


def test_softmax_output_error_by_hand() -> None:
    # Two logits a = (0, ln 3): softmax = (1/4, 3/4); for class 0, δ⁽ᴰ⁾ = f − Ỹ = (−3/4, 3/4)
    # and ℓ = −log(1/4). With zero weights the logits are the biases.
    mlp = nn.MLP(2, [2], "relu", "softmax")
    for p in mlp.parameters():
        p.data = 0.0
    mlp.layers[0].neurons[1].b.data = np.log(3.0)
    loss, dW, db = backprop(mlp, [1.0, -2.0], 0)
    assert loss == pytest.approx(np.log(4.0), rel=1e-15)
    np.testing.assert_allclose(db[0], [-0.75, 0.75], rtol=1e-15)
    np.testing.assert_allclose(dW[0], [[-0.75, 1.5], [0.75, -1.5]], rtol=1e-15)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize(("loss", "output"), PAIRINGS)
def test_gradients_are_central_differences_of_the_loss(
    activation: str, loss: str, output: str
) -> None:
    """The reference alone: each ∂L/∂θ against (L(θ + ε) − L(θ − ε)) / 2ε, in NumPy."""
    mlp, X, Y = random_case(activation, 3, loss, output, seed=5)
    _, dW, db = backprop(mlp, X, Y, loss=loss, lam=0.1)  # type: ignore[arg-type]
    eps = 1e-6
    for h, layer in enumerate(mlp.layers):
        for k, neuron in enumerate(layer.neurons):
            for j, p in [*enumerate(neuron.w), (None, neuron.b)]:
                start = p.data
                p.data = start + eps
                up = backprop(mlp, X, Y, loss=loss, lam=0.1).loss  # type: ignore[arg-type]
                p.data = start - eps
                down = backprop(mlp, X, Y, loss=loss, lam=0.1).loss  # type: ignore[arg-type]
                p.data = start
                expected = dW[h][k, j] if j is not None else db[h][k]
                assert (up - down) / (2 * eps) == pytest.approx(expected, abs=1e-7)


def test_relu_derivative_at_zero_is_zero() -> None:
    # Unit 0 of the hidden layer has a⁽¹⁾ = 0 exactly: ReLU′(0) = 0 stops δ there, so its
    # weights and bias get no gradient, in the formulas as in the engine.
    mlp = nn.MLP(2, [2, 1], "relu", "linear", seed=0)
    hidden = mlp.layers[0].neurons
    hidden[0].w[0].data, hidden[0].w[1].data, hidden[0].b.data = 1.0, 1.0, 0.0
    hidden[1].w[0].data, hidden[1].w[1].data, hidden[1].b.data = 1.0, 0.0, 0.5
    x, y = [1.0, -1.0], [2.0]
    _, dW, db = backprop(mlp, x, y, loss="squared_error")
    assert dW[0][0].tolist() == [0.0, 0.0] and db[0][0] == 0.0
    assert np.abs(dW[0][1]).max() > 0.0
    assert max(compare(mlp, x, y, loss="squared_error")) <= 1e-15


def test_extreme_inputs_stay_finite() -> None:
    mlp = nn.MLP(2, [3, 2], "sigmoid", "linear", seed=2)
    x = [800.0, -900.0]  # saturates every sigmoid: σ′ = 0 exactly, in NumPy and in the engine
    result = backprop(mlp, x, 1, loss="cross_entropy")
    assert np.isfinite(result.loss)
    assert all(np.all(np.isfinite(g)) for g in [*result.dW, *result.db])
    assert max(compare(mlp, x, 1, loss="cross_entropy")) <= 1e-10


def test_compare_leaves_parameters_and_grads_alone() -> None:
    mlp, X, Y = random_case("tanh", 2, "cross_entropy", "linear", seed=3)
    for p in mlp.parameters():
        p.grad = 0.25
    before = mlp.state_dict()
    compare(mlp, X, Y, loss="cross_entropy", lam=0.1)
    assert mlp.state_dict() == before
    assert all(p.grad == 0.25 for p in mlp.parameters())


def test_reachable_as_nn_reference() -> None:
    assert nn.reference.backprop is backprop
    assert nn.reference.compare is compare


# --- Validation ---------------------------------------------------------------------------------

CE = nn.MLP(2, [3, 3], "tanh", "linear", seed=0)
SQ = nn.MLP(2, [3, 1], "tanh", "linear", seed=0)


@pytest.mark.parametrize(
    ("mlp", "x", "y", "options", "error", "match"),
    [
        ("not an MLP", [1.0, 2.0], 0, {}, TypeError, r"backprop\(mlp\).*nn\.MLP"),
        (CE, [1.0, 2.0], 0, {"loss": "hinge"}, ValueError, r"backprop\(loss\)"),
        (CE, [1.0, 2.0], 0, {"lam": -0.1}, ValueError, r"backprop\(lam\): expected a number ≥ 0"),
        (CE, [1.0, 2.0], 0, {"lam": float("nan")}, ValueError, r"backprop\(lam\)"),
        (CE, [1.0, 2.0], 0, {"lam": True}, TypeError, r"backprop\(lam\)"),
        (CE, [1.0, 2.0, 3.0], 0, {}, ValueError, r"backprop\(x\).*2 numbers.*shape \(3,\)"),
        (CE, [[[1.0, 2.0]]], 0, {}, ValueError, r"backprop\(x\)"),
        (CE, np.zeros((0, 2)), [], {}, ValueError, r"backprop\(x\).*n ≥ 1"),
        (CE, [1.0, float("inf")], 0, {}, ValueError, r"backprop\(x\).*finite"),
        (CE, ["a", "b"], 0, {}, TypeError, r"backprop\(x\).*real numbers"),
        (CE, [True, False], 0, {}, TypeError, r"backprop\(x\)"),
        (CE, [[1.0], [1.0, 2.0]], [0, 1], {}, ValueError, r"backprop\(x\).*rectangular"),
        (CE, [1.0, 2.0], 3, {}, ValueError, r"backprop\(y\).*class index 3 out of range"),
        (CE, [1.0, 2.0], -1, {}, ValueError, r"class index -1 out of range for 3"),
        (CE, [1.0, 2.0], 1.0, {}, TypeError, r"backprop\(y\).*class index: expected an integer"),
        (CE, [1.0, 2.0], True, {}, TypeError, r"backprop\(y\).*got bool"),
        (CE, [[1.0, 2.0]] * 2, [0], {}, ValueError, r"2 class indices for 2 examples"),
        (CE, [[1.0, 2.0]] * 2, [0.0, 1.0], {}, TypeError, r"class indices \(ints\)"),
        (SQ, [1.0, 2.0], [1.0, 2.0], {"loss": "squared_error"}, ValueError, r"1 numbers"),
        (SQ, [[1.0, 2.0]] * 2, [1.0], {"loss": "squared_error"}, ValueError, r"an 2 × 1 array"),
        (SQ, [1.0, 2.0], float("nan"), {"loss": "squared_error"}, ValueError, r"backprop\(y\)"),
        (SQ, [1.0, 2.0], "1", {"loss": "squared_error"}, TypeError, r"backprop\(y\)"),
    ],
)
def test_bad_arguments_are_named(
    mlp: object,
    x: object,
    y: object,
    options: dict[str, object],
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        backprop(mlp, x, y, **options)  # type: ignore[arg-type]
    with pytest.raises(error):
        compare(mlp, x, y, **options)  # type: ignore[arg-type]


def test_the_accepted_forms_of_y_give_the_same_result() -> None:
    x = np.array([[1.0, 2.0], [-1.0, 0.5]])
    # One output: a number per example, or a vector of one.
    single = backprop(SQ, x[0], 0.5, loss="squared_error")
    assert single.loss == backprop(SQ, x[0], [0.5], loss="squared_error").loss
    batch = backprop(SQ, x, [0.5, -1.0], loss="squared_error")
    assert batch.loss == backprop(SQ, x, [[0.5], [-1.0]], loss="squared_error").loss
    # Class indices: Python ints, NumPy ints, a list or an array.
    a = backprop(CE, x, [2, 0])
    b = backprop(CE, x, np.array([2, 0], dtype=np.int32))
    assert a.loss == b.loss
    assert backprop(CE, x[1], np.int64(0)).loss == backprop(CE, x[1], 0).loss
    # The batch is the mean of its examples.
    first, second = backprop(CE, x[0], 2), backprop(CE, x[1], 0)
    assert a.loss == pytest.approx((first.loss + second.loss) / 2, rel=1e-15)
    np.testing.assert_allclose(a.dW[0], (first.dW[0] + second.dW[0]) / 2, rtol=1e-14)


@pytest.mark.parametrize(
    ("activation", "output", "loss"),
    [
        ("relu", "tanh", "squared_error"),
        ("relu", "softmax", "squared_error"),
        ("tanh", "sigmoid", "cross_entropy"),
        ("tanh", "relu", "cross_entropy"),
    ],
)
def test_loss_and_output_activation_must_pair(activation: str, output: str, loss: str) -> None:
    mlp = nn.MLP(2, [3, 2], activation, output, seed=0)
    y = 0 if loss == "cross_entropy" else [0.0, 1.0]
    with pytest.raises(ValueError, match=f"output activation is '{output}'"):
        backprop(mlp, [1.0, 2.0], y, loss=loss)  # type: ignore[arg-type]
