"""The course notes' four-point problem: ŷ = σ(w₁x₁ + w₂x₂), E = Σ (y − ŷ)²."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import optim
from autograd_lite import Value

# D = {((−3,−3),1), ((−2,−2),1), ((4,4),0), ((2,−5),0)}
X = [(-3.0, -3.0), (-2.0, -2.0), (4.0, 4.0), (2.0, -5.0)]
Y = [1.0, 1.0, 0.0, 0.0]


class Neuron:
    """ŷ = σ(w₁x₁ + w₂x₂): the notes' one-neuron "MLP", without a bias."""

    def __init__(self, w1: float, w2: float) -> None:
        self.w = [Value(w1, "w11"), Value(w2, "w12")]

    def parameters(self) -> list[Value]:
        return self.w

    def __call__(self, x: tuple[float, float]) -> Value:
        return (self.w[0] * x[0] + self.w[1] * x[1]).sigmoid()


def squared(y_hat: Value, y: float) -> Value:
    return (y - y_hat) ** 2


def total_error(model: Neuron) -> Value:
    """E = Σᵢ (yⁱ − ŷⁱ)², as in the notes (a sum, not a mean)."""
    terms = [squared(model(x), y) for x, y in zip(X, Y)]
    return terms[0] + terms[1] + terms[2] + terms[3]


def error_of(w: np.ndarray) -> float:
    """E(w) in NumPy, independent of the engine."""
    x = np.array(X)
    y_hat = 1.0 / (1.0 + np.exp(-(x @ w)))
    return float(np.sum((np.array(Y) - y_hat) ** 2))


def closure_for(model: Neuron):
    def closure() -> Value:
        for p in model.parameters():
            p.grad = 0.0
        loss = total_error(model)
        loss.backward()
        return loss

    return closure


def weights(model: Neuron) -> np.ndarray:
    return np.array([p.data for p in model.parameters()])


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=-3.0, max_value=3.0, allow_nan=False),
    st.floats(min_value=-3.0, max_value=3.0, allow_nan=False),
)
def test_engine_gradient_equals_the_hand_derived_formula(w1: float, w2: float) -> None:
    model = Neuron(w1, w2)
    E = total_error(model)
    E.backward()
    # ∇E = Σᵢ −2 (yⁱ − ŷⁱ) ŷⁱ (1 − ŷⁱ) xⁱ
    expected = np.zeros(2)
    for (x1, x2), y in zip(X, Y):
        y_hat = 1.0 / (1.0 + math.exp(-(w1 * x1 + w2 * x2)))
        expected += -2.0 * (y - y_hat) * y_hat * (1.0 - y_hat) * np.array([x1, x2])
    got = np.array([p.grad for p in model.parameters()])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert math.isclose(E.data, error_of(np.array([w1, w2])), rel_tol=1e-13)


def test_gradient_descent_with_exact_line_search_decreases_E_monotonically() -> None:
    model = Neuron(1.0, 1.0)
    opt = optim.GradientDescent(model.parameters(), line_search="exact")
    closure = closure_for(model)
    errors = [error_of(weights(model))]
    for _ in range(12):
        loss = opt.step(closure)
        assert loss is not None
        # step returns E(wₖ), the loss at the point it started from
        assert math.isclose(loss.data, errors[-1], rel_tol=1e-12)
        errors.append(error_of(weights(model)))
        assert opt.last_loss is not None
        assert math.isclose(opt.last_loss, errors[-1], rel_tol=1e-12)  # φ(αₖ) = E(wₖ₊₁)
        assert opt.last_step_size > 0.0
    assert all(b < a for a, b in itertools.pairwise(errors)), errors
    assert errors[-1] < 1e-3 * errors[0]


def test_each_exact_step_is_a_minimum_along_the_ray() -> None:
    model = Neuron(1.0, 1.0)
    opt = optim.GradientDescent(model.parameters())
    closure = closure_for(model)
    for _ in range(4):
        w = weights(model)
        closure()
        g = np.array([p.grad for p in model.parameters()])
        opt.step(closure)
        alpha = opt.last_step_size
        # The parameters are exactly w − αg, and no nearby α along the ray does better.
        np.testing.assert_array_equal(weights(model), w - alpha * g)
        best = error_of(w - alpha * g)
        for factor in (0.99, 0.999, 1.001, 1.01):
            assert best <= error_of(w - factor * alpha * g) + 1e-15


def test_sgd_with_inverse_time_steps_decreases_E() -> None:
    model = Neuron(0.5, 0.5)
    start = error_of(weights(model))
    opt = optim.SGD(model.parameters(), lr=optim.inverse_time(1.0))
    history = optim.fit(
        model, X, Y, loss=squared, optimizer=opt, epochs=30, batch_size=1, seed=3, progress=False
    )
    assert history.stop_reason == "completed"
    assert opt.step_count == 120  # one step per sample: the notes' SGD
    assert opt.last_step_size == 1.0 / 120  # γₖ = 1/(k+1) at k = 119
    assert error_of(weights(model)) < 0.05 * start


def test_mini_batch_sgd_decreases_E() -> None:
    model = Neuron(0.5, 0.5)
    start = error_of(weights(model))
    opt = optim.SGD(model.parameters(), lr=optim.inverse_time(1.0))
    history = optim.fit(
        model, X, Y, loss=squared, optimizer=opt, epochs=40, batch_size=2, seed=5, progress=False
    )
    assert opt.step_count == 80 and history.steps[-1] == 80
    assert error_of(weights(model)) < 0.05 * start
    assert history.loss[-1] < 0.2 * history.loss[0]
