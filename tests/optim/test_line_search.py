"""Line searches: exact (bracket + Brent) and Armijo backtracking, alone and in GradientDescent."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import optim
from autograd_lite import Value
from optim.line_search import armijo_step, exact_step

RNG = np.random.default_rng(20250814)
Q, _ = np.linalg.qr(RNG.normal(size=(4, 4)))
A = Q @ np.diag([1.0, 1.7, 2.5, 4.0]) @ Q.T  # symmetric positive definite, condition number 4
W_STAR = 0.01 * RNG.normal(size=4)
B = A @ W_STAR  # the minimiser of ½wᵀAw − bᵀw is w* = A⁻¹b
W0 = RNG.normal(size=4)


class Quadratic:
    """E(w) = ½ wᵀAw − bᵀw as a "model" that ignores its input, for fit."""

    def __init__(self, w0: np.ndarray) -> None:
        self.w = [Value(float(x), f"w{i}") for i, x in enumerate(w0)]

    def parameters(self) -> list[Value]:
        return self.w

    def __call__(self, x: object = None) -> Value:
        w = self.w
        n = len(w)
        total = -B[0] * w[0]
        for i in range(1, n):
            total = total - B[i] * w[i]
        for i in range(n):
            for j in range(n):
                total = total + (0.5 * A[i, j]) * w[i] * w[j]
        return total

    def closure(self) -> Value:
        for p in self.w:
            p.grad = 0.0
        loss = self()
        loss.backward()
        return loss

    def weights(self) -> np.ndarray:
        return np.array([p.data for p in self.w])

    def gradient(self) -> np.ndarray:
        """∇E = Aw − b, in NumPy."""
        return A @ self.weights() - B


def identity_loss(output: Value, target: object) -> Value:
    return output


def test_exact_line_search_on_a_quadratic_matches_the_closed_form() -> None:
    model = Quadratic(W0)
    opt = optim.GradientDescent(model.parameters(), line_search="exact")
    for _ in range(5):
        w = model.weights()
        g = A @ w - B
        opt.step(model.closure)
        expected = (g @ g) / (g @ A @ g)  # argmin_α E(w − αg) = gᵀg / gᵀAg
        assert opt.last_step_size == pytest.approx(expected, rel=1e-6)
        np.testing.assert_allclose(model.weights(), w - opt.last_step_size * g, rtol=0, atol=1e-15)
        # After the step .grad is the gradient the step used, gₖ (not the one at wₖ₊₁).
        np.testing.assert_allclose([p.grad for p in model.w], g, rtol=1e-12, atol=1e-14)


def test_exact_line_search_with_a_far_or_near_first_trial_step() -> None:
    # Whether the bracket has to grow (initial_step ≪ α*) or shrink (≫ α*), the answer is the same.
    for trial in (1e-6, 1e3):
        model = Quadratic(W0)
        g = A @ W0 - B
        opt = optim.GradientDescent(model.parameters(), initial_step=trial, line_search="exact")
        opt.step(model.closure)
        assert opt.last_step_size == pytest.approx((g @ g) / (g @ A @ g), rel=1e-6)


def test_gradient_descent_converges_to_grad_norm_below_1e_8_and_stops_there() -> None:
    model = Quadratic(W0)
    opt = optim.GradientDescent(model.parameters(), line_search="exact")
    history = optim.fit(
        model,
        [None],
        [None],
        loss=identity_loss,
        optimizer=opt,
        epochs=500,
        tol=1e-8,
        progress=False,
    )
    assert history.converged and history.stop_reason == "converged"
    assert history.final_grad_norm is not None and history.final_grad_norm < 1e-8
    assert np.linalg.norm(model.gradient()) < 1e-8  # checked independently of the engine
    assert 0 < len(history) < 500
    # It stopped there: every recorded epoch had ‖∇E‖ ≥ tol, and it took one step per epoch.
    assert min(history.grad_norm) >= 1e-8
    assert opt.step_count == len(history) == history.steps[-1]
    np.testing.assert_allclose(model.weights(), W_STAR, atol=1e-8)
    # Full-batch GD with an exact line search never increases E.
    assert all(b < a for a, b in itertools.pairwise(history.loss))
    # Called again, fit finds the criterion met before any step and leaves w alone.
    w = model.weights()
    again = optim.fit(
        model,
        [None],
        [None],
        loss=identity_loss,
        optimizer=opt,
        epochs=10,
        tol=1e-8,
        progress=False,
    )
    assert again.converged and len(again) == 0 and opt.step_count == len(history)
    np.testing.assert_array_equal(model.weights(), w)


def test_backtracking_takes_the_longest_halved_step_that_satisfies_armijo() -> None:
    model = Quadratic(W0)
    opt = optim.GradientDescent(model.parameters(), initial_step=8.0, line_search="backtracking")
    for _ in range(5):
        w = model.weights()
        g = A @ w - B
        e0 = 0.5 * w @ A @ w - B @ w
        opt.step(model.closure)
        alpha = opt.last_step_size
        assert alpha in [8.0 * 0.5**j for j in range(60)]

        def E(a: float, w: np.ndarray = w, g: np.ndarray = g) -> float:
            v = w - a * g
            return float(0.5 * v @ A @ v - B @ v)

        assert E(alpha) <= e0 - 1e-4 * alpha * (g @ g)  # Armijo's sufficient decrease
        if alpha < 8.0:  # the step before it, 2α, was rejected
            assert E(2.0 * alpha) > e0 - 1e-4 * 2.0 * alpha * (g @ g)
        used = np.array([p.grad for p in model.w])  # the engine's gₖ, equal to g up to rounding
        np.testing.assert_allclose(used, g, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(model.weights(), w - alpha * used)


def test_fixed_step_gradient_descent_is_w_minus_gamma_g() -> None:
    model = Quadratic(W0)
    opt = optim.GradientDescent(model.parameters(), lr=0.1, line_search=None)
    opt.step(model.closure)
    g = np.array([p.grad for p in model.w])
    np.testing.assert_allclose(g, A @ W0 - B, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(model.weights(), W0 - 0.1 * g)
    assert opt.last_step_size == 0.1 and opt.last_loss is None


def test_exact_step_on_one_dimensional_functions() -> None:
    # φ(α) = (α − 3)² + 1: the minimiser 3 whether the bracket grows or shrinks.
    for alpha0 in (0.01, 1.0, 100.0):
        alpha, value = exact_step(lambda a: (a - 3.0) ** 2 + 1.0, 10.0, alpha0, max_step=1e6)
        assert alpha == pytest.approx(3.0, rel=1e-7) and value == pytest.approx(1.0, abs=1e-14)
    # Non-quadratic: φ(α) = −α e^{−α} has its minimum at α = 1.
    alpha, _ = exact_step(lambda a: -a * math.exp(-a), 0.0, 0.3, max_step=1e6)
    assert alpha == pytest.approx(1.0, rel=1e-7)


def test_exact_step_is_capped_where_phi_keeps_decreasing() -> None:
    calls: list[float] = []

    def phi(a: float) -> float:
        calls.append(a)
        return math.exp(-a)  # decreasing all the way: no minimiser on the ray

    alpha, value = exact_step(phi, 1.0, 1.0, max_step=50.0)
    assert alpha == 50.0 and value == math.exp(-50.0)
    assert max(calls) == 50.0  # never evaluated beyond the cap
    assert len(calls) < 20


def test_exact_step_treats_unevaluable_points_as_too_far() -> None:
    # φ is +inf beyond α = 2 (an overflow there, say): the search stays below it.
    alpha, _ = exact_step(
        lambda a: (a - 1.5) ** 2 if a < 2.0 else math.inf, 2.25, 100.0, max_step=1e6
    )
    assert alpha == pytest.approx(1.5, rel=1e-7)


def test_no_descent_gives_a_zero_step() -> None:
    assert exact_step(lambda a: 1.0 + a, 1.0, 1.0, max_step=1e6) == (0.0, 1.0)
    assert armijo_step(lambda a: 1.0 + a, 1.0, -1.0, 1.0) == (0.0, 1.0)


def test_zero_gradient_means_no_step_and_no_evaluation() -> None:
    w = Value(2.0)
    calls = []

    def closure() -> Value:
        calls.append(1)
        w.grad = 0.0
        loss = (w - 2.0) * (w - 2.0)
        loss.backward()
        return loss

    opt = optim.GradientDescent([w])
    opt.step(closure)
    assert w.data == 2.0 and opt.last_step_size == 0.0 and len(calls) == 1


def test_overflow_along_the_ray_is_a_too_long_step_not_an_error() -> None:
    # E(w) = e^{w} + e^{−w}: far along the ray e^{w} overflows (a DomainError in the engine).
    w = Value(3.0)

    def closure() -> Value:
        w.grad = 0.0
        loss = w.exp() + (-w).exp()
        loss.backward()
        return loss

    opt = optim.GradientDescent([w], initial_step=1e5, max_step=1e6)
    for _ in range(30):
        opt.step(closure)
    assert abs(w.data) < 1e-6


def test_an_interruption_inside_the_line_search_restores_the_last_step() -> None:
    model = Quadratic(W0)
    opt = optim.GradientDescent(model.parameters())
    opt.step(model.closure)
    w, state = model.weights(), opt.state
    g = model.gradient()
    evaluations = 0

    def closure() -> Value:
        nonlocal evaluations
        evaluations += 1
        if evaluations == 4:  # the third trial point of the search
            raise KeyboardInterrupt
        return model.closure()

    with pytest.raises(KeyboardInterrupt):
        opt.step(closure)
    np.testing.assert_array_equal(model.weights(), w)
    np.testing.assert_allclose([p.grad for p in model.w], g, rtol=1e-12, atol=1e-14)
    assert opt.state is state and opt.step_count == 1
