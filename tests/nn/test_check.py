"""nn.check_backprop: a student's matrix-form backprop, written here from the course notes, agrees
with the engine; planted mistakes (a bias left out, σ for σ′, a regularised bias) are caught and
the first wrong layer and entry named; bad results are refused naming what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nn
from nn.check import BackpropReport, check_backprop
from nn.reference import backprop as reference_backprop

Array = np.ndarray

SIGMA = {
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0),
}
SIGMA_PRIME = {
    "sigmoid": lambda a: SIGMA["sigmoid"](a) * (1.0 - SIGMA["sigmoid"](a)),
    "tanh": lambda a: 1.0 - np.tanh(a) ** 2,
    "relu": lambda a: (a > 0.0).astype(float),
}


def notes_backprop(
    activation: str, loss: str = "cross_entropy", lam: float = 0.0, mistake: str | None = None
) -> Callable[..., tuple[list[Array], list[Array]]]:
    """A student's backprop from the notes: δ⁽ᴰ⁾ = f(x) − Ỹ, δ⁽ʰ⁻¹⁾ = σ′(a⁽ʰ⁻¹⁾) ∘ (W⁽ʰ⁾)ᵀδ⁽ʰ⁾,
    ∂ℓ/∂W⁽ʰ⁾ = δ⁽ʰ⁾ z⁽ʰ⁻¹⁾ᵀ + λW⁽ʰ⁾, ∂ℓ/∂b⁽ʰ⁾ = δ⁽ʰ⁾, averaged over the examples; with
    ``mistake`` one of the errors students make."""
    sigma = SIGMA[activation]
    sigma_prime = (
        SIGMA["sigmoid"] if mistake == "sigma for sigma prime" else SIGMA_PRIME[activation]
    )

    def backprop(weights: list[Array], biases: list[Array], x: Array, y: Any) -> Any:
        X = np.atleast_2d(x)
        Y = np.atleast_1d(y) if loss == "cross_entropy" else np.atleast_2d(y)
        dW = [np.zeros_like(W) for W in weights]
        db = [np.zeros_like(b) for b in biases]
        for x_i, y_i in zip(X, Y):
            z, a = [x_i], []
            for h, (W, b) in enumerate(zip(weights, biases)):
                a.append(W @ z[-1] + (0.0 if mistake == "no bias" else b))
                z.append(sigma(a[-1]) if h < len(weights) - 1 else a[-1])
            if loss == "cross_entropy":
                f = np.exp(a[-1] - a[-1].max())
                f /= f.sum()
                delta = f - np.eye(len(f))[int(y_i)]  # δ⁽ᴰ⁾ = f(x) − Ỹ
            else:
                delta = a[-1] - y_i
            for h in reversed(range(len(weights))):
                dW[h] += np.outer(delta, z[h])
                db[h] += delta
                if h > 0:
                    delta = sigma_prime(a[h - 1]) * (weights[h].T @ delta)
        n = len(X)
        dW = [g / n + lam * W for g, W in zip(dW, weights)]
        db = [
            g / n + (lam * b if mistake == "regularised bias" else 0.0) for g, b in zip(db, biases)
        ]
        return dW, db

    return backprop


def network(activation: str = "sigmoid", output: str = "softmax", sizes: tuple = (3, 3)) -> nn.MLP:
    """The notes' shallow network, its biases moved away from 0 so that they count."""
    mlp = nn.MLP(2, list(sizes), activation, output, seed=1)
    rng = np.random.default_rng(2)
    for layer in mlp.layers:
        for neuron in layer.neurons:
            neuron.b.data = float(rng.normal(0.0, 0.5))
    return mlp


@pytest.mark.parametrize("activation", sorted(SIGMA))
@pytest.mark.parametrize(
    ("loss", "output"), [("cross_entropy", "softmax"), ("squared_error", "linear")]
)
def test_the_notes_backprop_passes(activation: str, loss: str, output: str) -> None:
    mlp = network(activation, output, (4, 3, 2))
    x, y = [0.5, -1.0], (1 if loss == "cross_entropy" else [0.2, -0.4])
    report = check_backprop(mlp, x, y, notes_backprop(activation, loss), loss=loss)  # type: ignore[arg-type]
    assert report, str(report)
    assert not report.zero_biases and "Every bias" not in str(report)
    assert str(report).endswith(
        f"✔ all {4 * 2 + 4 + 3 * 4 + 3 + 2 * 3 + 2} gradient entries agree with the engine's."
    )


def test_a_batch_with_the_l2_penalty_passes() -> None:
    mlp = network("tanh", "linear")
    X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]])
    y = np.array([0, 2, 1])
    report = check_backprop(mlp, X, y, notes_backprop("tanh", lam=0.1), lam=0.1)
    assert report, str(report)


def test_a_bias_left_out_of_the_forward_pass_is_caught() -> None:
    report = check_backprop(network(), [0.5, -1.0], 2, notes_backprop("sigmoid", mistake="no bias"))
    assert not report
    assert report.mismatches[0].layer == 1
    assert "The first: dW⁽¹⁾[0, 0] (dW[0][0, 0] in your lists)" in report.summary()


def test_sigma_for_sigma_prime_is_caught_in_the_first_layer_only() -> None:
    mistake = "sigma for sigma prime"
    report = check_backprop(network(), [0.5, -1.0], 2, notes_backprop("sigmoid", mistake=mistake))
    assert not report
    assert {m.layer for m in report.mismatches} == {1}  # δ⁽²⁾ = f − Ỹ needs no σ′
    first = report.mismatches[0]
    assert (first.name, first.parameter, first.place) == ("dW⁽¹⁾[0, 0]", "W", (0, 0))
    text = str(report)
    assert "dW⁽¹⁾" in text and "✘" in text.splitlines()[2] and "✔" in text.splitlines()[4]


def test_a_regularised_bias_is_named() -> None:
    mlp = network()
    mistake = "regularised bias"
    student = notes_backprop("sigmoid", lam=0.1, mistake=mistake)
    report = check_backprop(mlp, [0.5, -1.0], 2, student, lam=0.1)
    assert not report and {m.parameter for m in report.mismatches} == {"b"}
    first = report.mismatches[0]
    assert first.name == "db⁽¹⁾[0]"
    bias = nn.reference.matrices(mlp)[1][0][0]
    assert first.yours - first.engine == pytest.approx(0.1 * bias, rel=1e-12)  # the λb added
    assert report.summary().startswith("✘ 6 of 21 entries disagree. The first: db⁽¹⁾[0] (db[0][0]")


def test_zero_biases_are_pointed_out() -> None:
    mlp = nn.MLP(2, [3, 3], "sigmoid", "softmax", seed=1)  # biases start at 0
    report = check_backprop(mlp, [0.5, -1.0], 2, notes_backprop("sigmoid", mistake="no bias"))
    assert report and report.zero_biases  # the forgotten bias goes unseen…
    assert "Every bias of the MLP is 0" in str(report)  # …and the report says so


def test_results_in_other_forms_are_taken() -> None:
    mlp = network()
    as_reference = check_backprop(
        mlp, [0.5, -1.0], 2, lambda W, b, x, y: reference_backprop(mlp, x, int(y))
    )
    assert as_reference

    def columns(W: list[Array], b: list[Array], x: Array, y: Any) -> Any:
        dW, db = notes_backprop("sigmoid")(W, b, x, y)
        return [g.tolist() for g in dW], [g.reshape(-1, 1) for g in db]  # lists, column vectors

    assert check_backprop(mlp, [0.5, -1.0], 2, columns)


def test_the_mlp_and_its_gradients_are_left_as_they_were() -> None:
    mlp = network()
    before = [(p.data, p.grad) for p in mlp.parameters()]

    def vandal(W: list[Array], b: list[Array], x: Array, y: Any) -> Any:
        result = notes_backprop("sigmoid")(W, b, x, y)
        for array in (*W, *b):
            array[...] = 0.0  # the copies it was given, not the MLP
        return result

    report = check_backprop(mlp, [0.5, -1.0], 2, vandal)
    assert report and not report.zero_biases
    assert [(p.data, p.grad) for p in mlp.parameters()] == before


def _shapes(mlp: nn.MLP) -> tuple[list[Array], list[Array]]:
    W, b = nn.reference.matrices(mlp)
    return [np.zeros_like(w) for w in W], [np.zeros_like(v) for v in b]


@pytest.mark.parametrize(
    ("result", "error", "message"),
    [
        (lambda W, b: None, TypeError, "must return \\(dW, db\\), two lists of arrays"),
        (lambda W, b: (W[0], b), TypeError, "your dW must be a list of 2 arrays"),
        (lambda W, b: (W[:1], b), ValueError, "your dW has 1 arrays; the MLP has 2 layers"),
        (
            lambda W, b: (W, [b[0], b[0]]),
            ValueError,
            "your db\\[1\\] \\(db⁽²⁾\\) has shape \\(3,\\); expected \\(2,\\)",
        ),
        (
            lambda W, b: ([W[0], "x"], b),
            TypeError,
            "your dW\\[1\\] \\(dW⁽²⁾\\) is not an array of numbers",
        ),
        (
            lambda W, b: (W, [W[0], b[1]]),
            ValueError,
            "db\\[0\\] \\(db⁽¹⁾\\) has shape \\(3, 2\\); expected \\(3,\\)",
        ),
    ],
)
def test_a_result_of_the_wrong_form_is_named(
    result: Callable[[list[Array], list[Array]], Any], error: type[Exception], message: str
) -> None:
    mlp = network(sizes=(3, 2))
    zeros = _shapes(mlp)
    with pytest.raises(error, match=message):
        check_backprop(mlp, [0.5, -1.0], 1, lambda W, b, x, y: result(*zeros))


def test_bad_arguments_are_named() -> None:
    mlp = network()

    def broken(W: list[Array], b: list[Array], x: Array, y: Any) -> Any:
        return W[5]

    with pytest.raises(ValueError, match="your backprop raised IndexError") as raised:
        check_backprop(mlp, [0.5, -1.0], 2, broken)
    assert isinstance(raised.value.__cause__, IndexError)
    with pytest.raises(
        TypeError, match="expected your function backprop\\(weights, biases, x, y\\)"
    ):
        check_backprop(mlp, [0.5, -1.0], 2, "backprop")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="class index 7 out of range for 3 outputs"):
        check_backprop(mlp, [0.5, -1.0], 7, notes_backprop("sigmoid"))
    with pytest.raises(ValueError, match="rtol\\): expected a number ≥ 0"):
        check_backprop(mlp, [0.5, -1.0], 2, notes_backprop("sigmoid"), rtol=-1.0)


def test_the_report_reads_as_its_summary() -> None:
    report = check_backprop(network(), [0.5, -1.0], 2, notes_backprop("sigmoid"))
    assert isinstance(report, BackpropReport)
    assert repr(report) == "<BackpropReport: ✔ all 21 gradient entries agree with the engine's.>"
