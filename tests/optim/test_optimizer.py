"""Each optimiser's step is its formula, written once as ``update``, and both paths run it:
``step()`` on the Values' numbers and ``fit(compile=True)`` on the parameters in one array."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nn
import optim
from autograd_lite import Value
from optim.optimizer import Step

W = np.array([1.0, -2.0, 0.5])
G = np.array([0.3, 0.1, -4.0])
V = np.array([0.2, -0.7, 1.5])


def test_sgd_update_is_w_minus_gamma_g() -> None:
    opt = optim.SGD([Value(0.0)], lr=0.1)
    step = opt.update(W, G, 0, np.zeros(3))
    assert isinstance(step, Step) and step.gamma == 0.1 and step.buffers == ()
    np.testing.assert_array_equal(step.w, W - 0.1 * G)


def test_momentum_update_is_the_heavy_ball_and_nesterov_lines() -> None:
    heavy = optim.SGD([Value(0.0)], lr=0.1, momentum=0.9)
    step = heavy.update(W, G, 3, V)
    v = 0.9 * V + G  # v ← μ v + g
    np.testing.assert_array_equal(step.buffers[0], v)
    np.testing.assert_array_equal(step.w, W - 0.1 * v)  # w ← w − γ v
    look_ahead = optim.SGD([Value(0.0)], lr=0.1, momentum=0.9, nesterov=True)
    step = look_ahead.update(W, G, 3, V)
    np.testing.assert_array_equal(step.w, W - 0.1 * (G + 0.9 * v))  # w ← w − γ (g + μ v)


def test_adam_update_is_its_four_lines() -> None:
    opt = optim.Adam([Value(0.0)], lr=0.01, betas=(0.8, 0.9), eps=1e-6)
    m0, v0 = V, V * V
    step = opt.update(W, G, 4, m0, v0)  # k = 4: t = 5
    m = 0.8 * m0 + 0.2 * G
    v = 0.9 * v0 + 0.1 * G**2
    m_hat, v_hat = m / (1 - 0.8**5), v / (1 - 0.9**5)
    np.testing.assert_allclose(step.w, W - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-6), rtol=1e-15)
    np.testing.assert_allclose(step.buffers, (m, v), rtol=1e-15)


def test_gradient_descents_fixed_step_is_w_minus_gamma_g() -> None:
    opt = optim.GradientDescent([Value(0.0)], lr=optim.inverse_time(1.0), line_search=None)
    step = opt.update(W, G, 3)
    np.testing.assert_array_equal(step.w, W - 0.25 * G)
    assert step.gamma == 0.25


def test_a_line_search_is_not_an_update_on_vectors() -> None:
    opt = optim.GradientDescent([Value(0.0)])
    assert not opt.vectorized
    with pytest.raises(TypeError, match=r"GradientDescent\.update: .*use step\(\)"):
        opt.update(W, G, 0)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam])
def test_an_optimiser_writes_its_formula_and_no_conversions(cls: type) -> None:
    # What an optimiser holds in its state and how it becomes vectors is the base class's,
    # read from buffer_names: the class itself is its arguments, its proposal and its update.
    methods = {
        name for name, item in vars(cls).items() if callable(item) and not isinstance(item, type)
    }
    assert methods == {"__init__", "_proposal", "update"}


MAKERS: dict[str, Callable[[list[Value]], optim.Optimizer]] = {
    "sgd": lambda p: optim.SGD(p, lr=0.05),
    "momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda p: optim.Adam(p, lr=0.02),
    "gd-fixed": lambda p: optim.GradientDescent(p, lr=0.05, line_search=None),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("compile", [False, True])
def test_both_paths_take_every_step_through_update(
    name: str, compile: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    mlp = nn.MLP(2, [3, 1], seed=0)
    opt = MAKERS[name](mlp.parameters())
    calls: list[int] = []
    update = type(opt).update

    def counted(self: optim.Optimizer, w: Any, g: Any, k: int, *buffers: Any) -> Step:
        calls.append(k)
        return update(self, w, g, k, *buffers)  # type: ignore[no-any-return]

    monkeypatch.setattr(type(opt), "update", counted)
    X = [[0.0, 1.0], [1.0, 0.5], [-1.0, 0.2], [0.3, -0.4]]
    Y = [1.0, -1.0, 0.5, 0.0]
    history = optim.fit(
        mlp,
        X,
        Y,
        loss=nn.squared_error,
        optimizer=opt,
        epochs=3,
        batch_size=2,
        progress=False,
        compile=compile,
    )
    assert calls == list(range(6)) and history.steps[-1] == 6 and opt.step_count == 6
