"""SGD (plain, momentum, Nesterov) and Adam against reference updates; schedules and helpers."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import optim
from autograd_lite import Value

RNG = np.random.default_rng(643)
M = RNG.normal(size=(5, 5))
A = M @ M.T / 5.0 + np.eye(5)
B = RNG.normal(size=5)
C = 0.5
W0 = RNG.normal(size=5)
STEPS = 25


def make_params() -> list[Value]:
    return [Value(float(x)) for x in W0]


def loss_of(w: list[Value]) -> Value:
    """E(w) = ½ wᵀAw − bᵀw + c Σ sin wᵢ, built from Values."""
    total = C * w[0].sin() - B[0] * w[0]
    for i in range(1, len(w)):
        total = total + C * w[i].sin() - B[i] * w[i]
    for i in range(len(w)):
        for j in range(len(w)):
            total = total + (0.5 * A[i, j]) * w[i] * w[j]
    return total


def gradient(w: np.ndarray) -> np.ndarray:
    """∇E = Aw − b + c cos w, in NumPy: the references' own gradient."""
    return A @ w - B + C * np.cos(w)


def closure_for(params: list[Value]) -> Callable[[], Value]:
    def closure() -> Value:
        for p in params:
            p.grad = 0.0
        loss = loss_of(params)
        loss.backward()
        return loss

    return closure


def run(opt: optim.Optimizer, params: list[Value]) -> list[np.ndarray]:
    closure = closure_for(params)
    trajectory = []
    for _ in range(STEPS):
        opt.step(closure)
        trajectory.append(np.array([p.data for p in params]))
    return trajectory


def reference_sgd(lr: Callable[[int], float], momentum: float, nesterov: bool) -> list[np.ndarray]:
    w, v = W0.copy(), np.zeros_like(W0)
    trajectory = []
    for k in range(STEPS):
        g = gradient(w)
        if momentum:
            v = momentum * v + g
            d = g + momentum * v if nesterov else v
        else:
            d = g
        w = w - lr(k) * d
        trajectory.append(w)
    return trajectory


def reference_adam(
    lr: Callable[[int], float], beta1: float, beta2: float, eps: float
) -> list[np.ndarray]:
    w, m, v = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    trajectory = []
    for k in range(STEPS):
        t = k + 1
        g = gradient(w)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        w = w - lr(k) * m_hat / (np.sqrt(v_hat) + eps)
        trajectory.append(w)
    return trajectory


SGD_CASES = [
    pytest.param(0.05, 0.0, False, id="plain"),
    pytest.param(optim.inverse_time(0.2), 0.0, False, id="inverse-time"),
    pytest.param(0.03, 0.9, False, id="momentum"),
    pytest.param(0.03, 0.9, True, id="nesterov"),
    pytest.param(optim.linear(0.05, 0.005, 10), 0.5, True, id="nesterov-linear"),
]


@pytest.mark.parametrize(("lr", "momentum", "nesterov"), SGD_CASES)
def test_sgd_matches_the_numpy_reference_step_by_step(
    lr: float | Callable[[int], float], momentum: float, nesterov: bool
) -> None:
    params = make_params()
    opt = optim.SGD(params, lr=lr, momentum=momentum, nesterov=nesterov)
    got = run(opt, params)
    schedule = lr if callable(lr) else (lambda k: lr)
    expected = reference_sgd(schedule, momentum, nesterov)
    for k, (a, b) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12, err_msg=f"step {k}")
    assert opt.step_count == STEPS
    assert opt.last_step_size == schedule(STEPS - 1)
    # The trajectories move: a test of a frozen optimiser would pass too easily.
    assert np.linalg.norm(got[-1] - W0) > 0.1


ADAM_CASES = [
    pytest.param(0.01, (0.9, 0.999), 1e-8, id="defaults-lr-0.01"),
    pytest.param(0.05, (0.5, 0.9), 1e-3, id="short-memory"),
    pytest.param(optim.exponential(0.05, 0.9), (0.0, 0.99), 1e-8, id="exponential-no-momentum"),
]


@pytest.mark.parametrize(("lr", "betas", "eps"), ADAM_CASES)
def test_adam_matches_the_numpy_reference_step_by_step(
    lr: float | Callable[[int], float], betas: tuple[float, float], eps: float
) -> None:
    params = make_params()
    opt = optim.Adam(params, lr=lr, betas=betas, eps=eps)
    got = run(opt, params)
    schedule = lr if callable(lr) else (lambda k: lr)
    expected = reference_adam(schedule, betas[0], betas[1], eps)
    for k, (a, b) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12, err_msg=f"step {k}")
    assert np.linalg.norm(got[-1] - W0) > 0.1


def test_adams_first_step_is_lr_times_the_sign_of_the_gradient() -> None:
    # m̂₁ = g and v̂₁ = g², so the first step is γ g / (|g| + ε) ≈ γ sign(g).
    params = make_params()
    opt = optim.Adam(params, lr=0.1, eps=1e-12)
    opt.step(closure_for(params))
    step = np.array([p.data for p in params]) - W0
    np.testing.assert_allclose(step, -0.1 * np.sign(gradient(W0)), rtol=1e-9)


def test_sgd_and_adam_match_torch_optim() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        (lambda p: optim.SGD(p, lr=0.03, momentum=0.9),
         lambda t: torch.optim.SGD(t, lr=0.03, momentum=0.9)),
        (lambda p: optim.SGD(p, lr=0.03, momentum=0.9, nesterov=True),
         lambda t: torch.optim.SGD(t, lr=0.03, momentum=0.9, nesterov=True)),
        (lambda p: optim.Adam(p, lr=0.01), lambda t: torch.optim.Adam(t, lr=0.01)),
        (lambda p: optim.Adam(p, lr=0.05, betas=(0.5, 0.9), eps=1e-3),
         lambda t: torch.optim.Adam(t, lr=0.05, betas=(0.5, 0.9), eps=1e-3)),
    ]  # fmt: skip
    for ours, theirs in cases:
        params = make_params()
        got = run(ours(params), params)
        w = torch.tensor(W0, dtype=torch.float64, requires_grad=True)
        opt = theirs([w])
        for k in range(STEPS):
            opt.zero_grad()
            a, b = torch.tensor(A), torch.tensor(B)
            loss = 0.5 * w @ a @ w - b @ w + C * torch.sin(w).sum()
            loss.backward()
            opt.step()
            np.testing.assert_allclose(
                got[k], w.detach().numpy(), rtol=0, atol=1e-12, err_msg=f"{opt} step {k}"
            )


def test_step_without_a_closure_uses_the_accumulated_gradient() -> None:
    w = Value(1.0)
    w.grad = 4.0
    opt = optim.SGD([w], lr=0.25)
    assert opt.step() is None
    assert w.data == 0.0 and w.grad == 4.0  # step does not zero gradients
    opt.zero_grad()
    assert w.grad == 0.0


class Fragile(Value):
    """A Value whose next ``data`` writes raise KeyboardInterrupt: a Ctrl-C mid-update."""

    __slots__ = ()
    interrupts = 0

    @property  # type: ignore[override]
    def data(self) -> float:
        return Value.data.__get__(self)  # type: ignore[attr-defined,no-any-return]

    @data.setter
    def data(self, value: float) -> None:
        if Fragile.interrupts:
            Fragile.interrupts -= 1
            raise KeyboardInterrupt
        Value.data.__set__(self, value)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
        lambda p: optim.Adam(p, lr=0.1),
        lambda p: optim.GradientDescent(p),
        lambda p: optim.GradientDescent(p, lr=0.1, line_search=None),
    ],
    ids=["sgd-momentum", "adam", "gd-exact", "gd-fixed"],
)
def test_a_step_interrupted_while_writing_leaves_nothing_half_updated(
    make: Callable[[list[Value]], optim.Optimizer],
) -> None:
    params = [Value(1.0), Value(-2.0), Fragile(0.5), Value(3.0)]
    opt = make(params)

    def closure() -> Value:
        for p in params:
            p.grad = 0.0
        loss = params[0] * params[0] + 2.0 * params[1] * params[1]
        loss = loss + 3.0 * params[2] * params[2] + 4.0 * params[3] * params[3]
        loss.backward()
        return loss

    opt.step(closure)
    before = [p.data for p in params]
    state = opt.state
    commit = opt._commit

    def interrupted_commit(*args: Any, **kwargs: Any) -> None:
        # Ctrl-C lands on the third parameter's write, after the first two were written.
        Fragile.interrupts = 1
        opt._commit = commit  # type: ignore[method-assign]
        commit(*args, **kwargs)

    opt._commit = interrupted_commit  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        opt.step(closure)
    assert Fragile.interrupts == 0  # the interruption did happen inside the commit
    assert [p.data for p in params] == before
    assert opt.state is state and opt.step_count == 1
    # And the next step proceeds as if nothing had happened.
    opt.step(closure)
    assert opt.step_count == 2 and [p.data for p in params] != before


def test_a_non_finite_update_raises_and_changes_nothing() -> None:
    w = [Value(1.0), Value(2.0)]
    w[0].grad, w[1].grad = 1.0, math.inf
    opt = optim.SGD(w, lr=0.1)
    with pytest.raises(FloatingPointError, match=r"params\[1\]"):
        opt.step()
    assert [p.data for p in w] == [1.0, 2.0] and opt.step_count == 0


# --- Schedules and helpers ------------------------------------------------------------------


def test_schedules() -> None:
    assert [optim.constant(0.3)(k) for k in (0, 1, 1000)] == [0.3, 0.3, 0.3]
    assert [optim.inverse_time(1.0)(k) for k in range(4)] == [1.0, 0.5, 1 / 3, 0.25]
    assert optim.inverse_time(2.0)(3) == 0.5
    decay = optim.linear(1.0, 0.1, 100)  # micrograd's demo
    assert decay(0) == 1.0 and decay(50) == pytest.approx(0.55) and decay(99) > 0.1
    assert decay(100) == 0.1 and decay(10_000) == 0.1  # holds `end` after `steps`
    assert [decay(k) for k in range(100)] == sorted((decay(k) for k in range(100)), reverse=True)
    assert optim.exponential(2.0, 0.5)(3) == 0.25 and optim.exponential(2.0, 1.0)(9) == 2.0
    assert repr(optim.inverse_time(1.0)) == "inverse_time(gamma0=1.0)"
    assert optim.linear(1.0, 0.1, 100) == optim.linear(1.0, 0.1, 100)


def test_inverse_time_is_a_robbins_monro_sequence() -> None:
    gamma = optim.inverse_time(1.0)
    partial = math.fsum(gamma(k) for k in range(100_000))
    squares = math.fsum(gamma(k) ** 2 for k in range(100_000))
    assert partial > 12.0  # Σγₖ grows like ln k: unbounded
    assert squares < math.pi**2 / 6  # Σγₖ² converges to π²/6


def test_grad_norm() -> None:
    params = [Value(0.0), Value(0.0), Value(0.0)]
    for p, g in zip(params, (3.0, 4.0, 12.0)):
        p.grad = g
    assert optim.grad_norm(params) == 13.0
    assert optim.grad_norm(p for p in params) == 13.0
    params[0].grad, params[1].grad, params[2].grad = 1e200, 1e200, 0.0
    assert optim.grad_norm(params) == pytest.approx(math.sqrt(2) * 1e200)  # no overflow
    params[0].grad, params[1].grad = 3e-200, 4e-200
    assert optim.grad_norm(params) == pytest.approx(5e-200)  # no underflow


def test_batches_cover_every_index_once_per_pass() -> None:
    for n, size in ((10, 3), (10, 1), (10, 10), (7, 100), (1, 1)):
        for shuffle in (True, False):
            chunks = list(optim.batches(n, size, shuffle=shuffle, seed=0))
            assert sorted(i for chunk in chunks for i in chunk) == list(range(n))
            assert [len(c) for c in chunks[:-1]] == [min(size, n)] * (len(chunks) - 1)
            assert 1 <= len(chunks[-1]) <= size
    assert list(optim.batches(5, 2, shuffle=False)) == [[0, 1], [2, 3], [4]]
    first = list(optim.batches(50, 7, seed=1))
    assert first == list(optim.batches(50, 7, seed=1))  # reproducible
    assert first != list(optim.batches(50, 7, seed=2))
    assert first != list(optim.batches(50, 7, shuffle=False))
